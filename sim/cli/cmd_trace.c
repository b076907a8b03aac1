/*
** sim/cli/cmd_trace.c — `nsasim trace --out FILE`: writes the block
** selections of an NSA workload's synthetic pattern in the trace format
** (sim/cycle/trace.h), the same format validate/ writes from its GPU top-n
** kernel, and checks it reads back.
*/
#include "cli_int.h"
#include "trace.h"

static const char help[] =
    "usage: nsasim trace [--workload FILE] [--set KEY=VALUE]... --out FILE\n"
    "\n"
    "Writes which selection blocks every (sequence, KV head, query) of the NSA workload\n"
    "picks under its pattern (uniform or local, with its seed; forced initial and local\n"
    "blocks first) as a selection trace: a 64-byte little-endian header (magic \"NSASEL1\\n\",\n"
    "version, batch, heads_kv, q_len, seq_len, block l', count n, entries) and one int32\n"
    "block index per entry in (b, h, t, i) order, -1 where fewer than n blocks exist.\n"
    "Replay it with --set attention.selection.pattern=trace\n"
    "--set attention.selection.trace=FILE --engine sim.\n";

int cmd_trace(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "wso", 0, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  if (!o.out) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "trace needs --out FILE (see --help)");
    return cli_fail(&d);
  }
  cli_specs s;
  if (cli_load_specs(&o, &s, &d) != SIM_OK || cyc_trace_write(o.out, &s.wl, &d) != SIM_OK) {
    cli_free_specs(&s);
    return cli_fail(&d);
  }
  cyc_trace t;
  sim_status st = cyc_trace_read(o.out, &s.wl, &t, &d);
  if (st == SIM_OK)
    printf("%s: %llu selections of %u blocks\n", o.out,
           (unsigned long long)(t.entries / t.count), t.count);
  cyc_trace_free(&t);
  cli_free_specs(&s);
  return st == SIM_OK ? 0 : cli_fail(&d);
}
