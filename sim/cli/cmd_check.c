/*
** sim/cli/cmd_check.c — `nsasim check FILE...`: loads each spec with every
** rule, and checks each workload's kernel mapping against an arch (the
** embedded H200 unless --arch is given). Reports every bad file, not just
** the first; exit 2 if any was bad.
*/
#include <string.h>

#include "cli_int.h"
#include "sweep.h"

static const char help[] =
    "usage: nsasim check [--arch FILE] [--set KEY=VALUE]... FILE...\n"
    "\n"
    "Validates spec files without running an engine. Each FILE is recognised as an arch\n"
    "spec (top-level keys sm, l2, hbm, ...), a workload spec (problem, attention, kernel)\n"
    "or a sweep spec (axes)\n"
    "and loaded with every rule of `nsasim params`. Workloads are also checked against\n"
    "the arch given by --arch (default: the built-in arch/h200.yaml): each kernel's\n"
    "mapping must fit a CTA's threads, registers and shared memory.\n"
    "\n"
    "Prints 'FILE: ok (arch NAME|workload NAME)' per good file on stdout and one\n"
    "'FILE:LINE:COL: error: ...' line per bad file on stderr.\n"
    "exit status: 0 all good, 2 any file bad\n";

int cmd_check(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "as", 1, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  if (o.nfiles == 0) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "check needs at least one FILE (see --help)");
    return cli_fail(&d);
  }
  spec_arch fit_arch;
  if (o.arch_path)
    spec_load_arch(o.arch_path, o.arch_path, NULL, o.set, o.nset, &fit_arch, NULL, &d);
  else
    spec_load_arch(CLI_DEFAULT_ARCH, NULL, nsasim_default_arch_yaml, o.set, o.nset, &fit_arch,
                   NULL, &d);
  if (d.status != SIM_OK)
    return cli_fail(&d);
  int worst = 0;
  for (size_t i = 0; i < o.nfiles; i++) {
    const char *f = o.files[i];
    sim_diag_clear(&d);
    spec_kind kind;
    if (spec_detect_kind(f, &kind, &d) == SIM_OK) {
      if (kind == SPEC_KIND_SWEEP) {
        spec_sweep sw;
        if (spec_load_sweep(f, &sw, &d) == SIM_OK) {
          printf("%s: ok (sweep %s, %llu points)\n", f, sw.name, (unsigned long long)sw.npoints);
          spec_sweep_free(&sw);
        }
      } else if (kind == SPEC_KIND_ARCH) {
        spec_arch a;
        if (spec_load_arch(f, f, NULL, o.set, o.nset, &a, NULL, &d) == SIM_OK)
          printf("%s: ok (arch %s)\n", f, a.name);
      } else {
        spec_workload w;
        spec_source *src = NULL;
        if (spec_load_workload(f, f, NULL, o.set, o.nset, &w, &src, &d) == SIM_OK &&
            spec_check_fit(&fit_arch, &w, src, &d) == SIM_OK)
          printf("%s: ok (workload %s, fits %s)\n", f, w.name, fit_arch.name);
        spec_source_free(src);
      }
    }
    if (d.status != SIM_OK) {
      int code = cli_fail(&d);
      if (code > worst)
        worst = code;
    }
  }
  return worst;
}
