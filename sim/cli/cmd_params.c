/*
** sim/cli/cmd_params.c — `nsasim params [arch|workload]`: the spec reference,
** printed from the same tables the loaders use, so it cannot drift.
*/
#include <string.h>

#include "cli_int.h"

static const char help[] =
    "usage: nsasim params [arch|workload]\n"
    "\n"
    "Prints every key of the arch and workload specs as Markdown tables: dotted path (as\n"
    "--set takes it), type, unit, allowed range, default and meaning; then the kernel\n"
    "mapping defaults by phase and the shared-memory formulas the fit check uses.\n"
    "With 'arch' or 'workload', prints only that spec.\n";

int cmd_params(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "", 1, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  if (o.nfiles > 1) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "params takes at most one section name");
    return cli_fail(&d);
  }
  if (spec_print_params(stdout, o.nfiles ? o.files[0] : NULL, &d) != SIM_OK)
    return cli_fail(&d);
  return 0;
}
