/*
** sim/cli/cmd_validate.c — `nsasim validate FILE...`: the engines against
** measured kernels (the validate/ harness's CSV), with accuracy statistics,
** NSA-over-full speedups, ncu traffic, an optional report, and a gate that
** fails when an engine's kernel-time MAPE rises above its ceiling by more
** than one percentage point.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"
#include "score.h"

static const char help[] =
    "usage: nsasim validate FILE... [--engine model|sim|both] [--format table|json]\n"
    "                       [--arch FILE] [--ncu FILE] [--report PREFIX]\n"
    "                       [--sim-max-seq N] [--gate FILE] [--calibration ID,...]\n"
    "\n"
    "Scores the engines against measured kernels: each configuration of the measurement\n"
    "CSVs (written by validate/run-h200.sh; columns in validate/README.md) is rebuilt as\n"
    "a workload with the mapping that ran and predicted (a decode measured with the fused\n"
    "kernels dec_cmp_fused, dec_select_fused and dec_branches_fused with\n"
    "kernel.cmp_attn.design fused, or fused_lean where their rows' design is fused_lean;\n"
    "one measured with dec2_cmp_select and dec2_branches with fused2; one measured with\n"
    "dec3_cmp, dec3_select and dec3_branches with fused3; one measured with dec4_cmp,\n"
    "dec4_select and dec4_branches with fused4 (another decN_ name is an error); a selected forward\n"
    "of design group_union or group_union_lean with kernel.selected.design the same); measured and\n"
    "predicted kernels pair by name. Prints,\n"
    "per engine, for kernel times and pipeline totals: MAPE, max |error|, mean signed\n"
    "error (bias), Pearson r of log times, Spearman rho and the share within 10%; for\n"
    "each NSA/full pair of one shape, the speedup measured and predicted and whether\n"
    "NSA's side of 1x is right; with --ncu, DRAM and L2 read bytes against the model's.\n"
    "Configurations named by --calibration (those an arch constant was fitted to) are\n"
    "reported apart; the statistics and the gate use the held-out rest.\n"
    "\n"
    "options:\n"
    "  --engine E        model (default), sim or both\n"
    "  --arch FILE       the device measured (default: the built-in arch/h200.yaml)\n"
    "  --ncu FILE        ncu --csv counters as run-h200.sh writes them (repeatable, up to 16)\n"
    "  --report PREFIX   write PREFIX.md and figures (gnuplot) under PREFIX/\n"
    "  --sim-max-seq N   the cycle engine scores configurations up to N tokens (16384)\n"
    "  --gate FILE       lines 'ENGINE MAPE': exit 1 if an engine's kernel-time MAPE is\n"
    "                    above its ceiling by more than 0.01\n";

int cmd_validate(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  scr_opts o;
  memset(&o, 0, sizeof o);
  o.model = 1;
  o.sim_max_seq = 16384;
  const char *files[16], *arch = NULL, *gate = NULL;
  size_t nfiles = 0;
  int json = 0;
  static char command[4096];
  size_t k = (size_t)snprintf(command, sizeof command, "nsasim validate");
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (k < sizeof command)
      k += (size_t)snprintf(command + k, sizeof command - k, " %s", a);
    if (strcmp(a, "--help") == 0) {
      fputs(help, stdout);
      return 0;
    }
    int takes = !strcmp(a, "--engine") || !strcmp(a, "--format") || !strcmp(a, "--arch") ||
                !strcmp(a, "--ncu") || !strcmp(a, "--report") || !strcmp(a, "--sim-max-seq") ||
                !strcmp(a, "--gate") || !strcmp(a, "--calibration");
    if (takes) {
      if (i + 1 >= argc) {
        sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "option %s needs a value", a);
        return cli_fail(&d);
      }
      const char *v = argv[++i];
      if (k < sizeof command)
        k += (size_t)snprintf(command + k, sizeof command - k, " %s", v);
      if (!strcmp(a, "--engine")) {
        if (!strcmp(v, "model"))
          o.model = 1, o.sim = 0;
        else if (!strcmp(v, "sim"))
          o.model = 0, o.sim = 1;
        else if (!strcmp(v, "both"))
          o.model = 1, o.sim = 1;
        else {
          sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "--engine must be model, sim or both, got '%s'", v);
          return cli_fail(&d);
        }
      } else if (!strcmp(a, "--format")) {
        if (strcmp(v, "table") && strcmp(v, "json")) {
          sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "--format must be table or json, got '%s'", v);
          return cli_fail(&d);
        }
        json = !strcmp(v, "json");
      } else if (!strcmp(a, "--arch")) {
        arch = v;
      } else if (!strcmp(a, "--ncu")) {
        if (o.n_ncu == sizeof o.ncu_path / sizeof o.ncu_path[0]) {
          sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "at most 16 --ncu files");
          return cli_fail(&d);
        }
        o.ncu_path[o.n_ncu++] = v;
      } else if (!strcmp(a, "--report")) {
        o.report = v;
      } else if (!strcmp(a, "--gate")) {
        gate = v;
      } else if (!strcmp(a, "--calibration")) {
        o.calibration = v;
      } else {
        char *end = NULL;
        unsigned long long n = strtoull(v, &end, 10);
        if (!*v || *end || n < 1 || n > 16777216) {
          sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "--sim-max-seq must be an integer in [1, 16777216], got '%s'", v);
          return cli_fail(&d);
        }
        o.sim_max_seq = n;
      }
    } else if (a[0] == '-') {
      sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "unknown option '%s' (see --help)", a);
      return cli_fail(&d);
    } else if (nfiles < 16) {
      files[nfiles++] = a;
    } else {
      sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "at most 16 measurement files");
      return cli_fail(&d);
    }
  }
  if (nfiles == 0) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "validate needs at least one measurement FILE (see --help)");
    return cli_fail(&d);
  }
  char *arch_text = NULL;
  if (arch) {
    FILE *f = fopen(arch, "r");
    if (!f) {
      sim_diag_set(&d, SIM_ERR_IO, arch, 0, 0, "cannot open");
      return cli_fail(&d);
    }
    arch_text = calloc(1, SPEC_FILE_MAX_BYTES + 1);
    if (arch_text)
      fread(arch_text, 1, SPEC_FILE_MAX_BYTES, f);
    fclose(f);
  }
  o.arch_text = arch_text ? arch_text : nsasim_default_arch_yaml;
  o.arch_name = arch ? arch : CLI_DEFAULT_ARCH;
  o.nsa_text = nsasim_default_workload_yaml;
  o.full_text = nsasim_full_workload_yaml;
  o.json_path = json ? "-" : NULL;
  o.command = command;
  double mape[2];
  sim_status st = scr_run(files, nfiles, &o, stdout, mape, &d);
  free(arch_text);
  if (st != SIM_OK)
    return cli_fail(&d);
  if (!gate)
    return 0;
  FILE *g = fopen(gate, "r");
  if (!g) {
    sim_diag_set(&d, SIM_ERR_IO, gate, 0, 0, "cannot open");
    return cli_fail(&d);
  }
  char line[256];
  unsigned long lineno = 0;
  int bad = 0;
  while (fgets(line, sizeof line, g)) {
    lineno++;
    char eng[32];
    double ceil_;
    if (line[0] == '#' || line[0] == '\n')
      continue;
    if (sscanf(line, "%31s %lf", eng, &ceil_) != 2 || (strcmp(eng, "model") && strcmp(eng, "sim"))) {
      fclose(g);
      sim_diag_set(&d, SIM_ERR_SYNTAX, gate, lineno, 1, "expected 'model MAPE' or 'sim MAPE'");
      return cli_fail(&d);
    }
    double m = mape[strcmp(eng, "sim") == 0];
    if (isnan(m)) {
      fprintf(stderr, "gate: %s not scored, ceiling %.4f not checked\n", eng, ceil_);
      continue;
    }
    if (m > ceil_ + 0.01) {
      fprintf(stderr, "gate: FAIL %s kernel-time MAPE %.4f is above its ceiling %.4f + 0.01 (%s:%lu)\n", eng, m, ceil_, gate, lineno);
      bad = 1;
    } else {
      fprintf(stderr, "gate: ok %s kernel-time MAPE %.4f, ceiling %.4f%s\n", eng, m, ceil_,
              m < ceil_ - 0.01 ? " (tighten the ceiling: it has slack)" : "");
    }
  }
  fclose(g);
  return bad;
}
