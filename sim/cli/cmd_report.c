/*
** sim/cli/cmd_report.c — `nsasim report --arch A [--arch B]... --out DIR`:
** the report of sim/report for an NSA workload on one or more archs.
*/
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "report.h"

static const char help[] =
    "usage: nsasim report --arch FILE [--arch FILE]... [--workload FILE] --out DIR\n"
    "                     [--no-timeline] [--measured CSV... [--ncu FILE] [--calibration IDS]]\n"
    "\n"
    "Writes DIR/report.md and a self-contained DIR/report.html with figures drawn by\n"
    "gnuplot (SVG and PNG, data in .dat files): NSA's speedup over full attention against\n"
    "sequence length for fwd, bwd and decode per arch; what bounds NSA and where it\n"
    "overtakes full attention; Pareto fronts of time against attended tokens with the\n"
    "paper's point marked; heatmaps of time over l' x n and of speedup over w x seq_len\n"
    "(first arch); a roofline per arch with every kernel on it; and a per-SM timeline of\n"
    "a cycle-level run (first arch; --no-timeline skips it). The first line names the\n"
    "command that regenerates it. With --measured (validate/run-h200.sh's CSV, measured on\n"
    "the first arch; repeat it for several, up to 16), it adds predicted against measured and\n"
    "writes `nsasim validate`'s\n"
    "report as DIR/validation.md. Needs gnuplot for the figures (Debian: gnuplot-nox);\n"
    "without it the tables are still written.\n"
    "The workload (default workloads/nsa-paper.yaml) must be an NSA workload.\n";

int cmd_report(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  rep_opts o;
  memset(&o, 0, sizeof o);
  o.workload_path = "workloads/nsa-paper.yaml";
  static char command[4096];
  size_t k = (size_t)snprintf(command, sizeof command, "nsasim report");
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (k < sizeof command)
      k += (size_t)snprintf(command + k, sizeof command - k, " %s", a);
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      fputs(help, stdout);
      return 0;
    } else if (strcmp(a, "--no-timeline") == 0) {
      o.no_timeline = 1;
    } else if (strcmp(a, "--arch") == 0 || strcmp(a, "--workload") == 0 || strcmp(a, "--out") == 0 ||
               strcmp(a, "--measured") == 0 || strcmp(a, "--ncu") == 0 || strcmp(a, "--calibration") == 0) {
      if (i + 1 >= argc) {
        sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "option %s needs a value", a);
        return cli_fail(&d);
      }
      const char *v = argv[++i];
      if (k < sizeof command)
        k += (size_t)snprintf(command + k, sizeof command - k, " %s", v);
      if (strcmp(a, "--workload") == 0)
        o.workload_path = v;
      else if (strcmp(a, "--measured") == 0) {
        if (o.nmeasured == REP_MAX_MEASURED) {
          sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "at most %d --measured", REP_MAX_MEASURED);
          return cli_fail(&d);
        }
        o.measured[o.nmeasured++] = v;
      }
      else if (strcmp(a, "--ncu") == 0)
        o.measured_ncu = v;
      else if (strcmp(a, "--calibration") == 0)
        o.measured_calibration = v;
      else if (strcmp(a, "--out") == 0)
        o.out_dir = v;
      else if (o.narch == REP_MAX_ARCH) {
        sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "at most %d --arch", REP_MAX_ARCH);
        return cli_fail(&d);
      } else {
        o.arch_paths[o.narch++] = v;
      }
    } else {
      sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "unknown option '%s' (see --help)", a);
      return cli_fail(&d);
    }
  }
  if (!o.out_dir || o.narch == 0) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "report needs --out DIR and at least one --arch (see --help)");
    return cli_fail(&d);
  }
  o.command = command;
  char *arch_text = NULL;
  if (o.nmeasured) {
    size_t len = 0;
    FILE *f = fopen(o.arch_paths[0], "rb");
    if (f) {
      arch_text = calloc(1, SPEC_FILE_MAX_BYTES + 1);
      if (arch_text)
        len = fread(arch_text, 1, SPEC_FILE_MAX_BYTES, f);
      fclose(f);
    }
    (void)len;
    if (!arch_text) {
      sim_diag_set(&d, SIM_ERR_IO, o.arch_paths[0], 0, 0, "cannot read");
      return cli_fail(&d);
    }
    o.measured_arch_text = arch_text;
    o.nsa_text = nsasim_default_workload_yaml;
    o.full_text = nsasim_full_workload_yaml;
  }
  sim_status st = rep_write(&o, &d);
  free(arch_text);
  if (st != SIM_OK)
    return cli_fail(&d);
  printf("wrote %s/report.md and %s/report.html\n", o.out_dir, o.out_dir);
  return 0;
}
