/*
** sim/cli/main.c — the nsasim command: dispatch to a verb.
** Exit codes: 0 success, 1 a run failed, 2 bad input or usage.
*/
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

static const char usage[] =
    "usage: nsasim <verb> [options]\n"
    "\n"
    "nsasim predicts how full attention and Native Sparse Attention (NSA) kernels run on a\n"
    "GPU or on a hypothetical accelerator described in YAML.\n"
    "\n"
    "verbs:\n"
    "  predict   predict the time, FLOPs, traffic and bounds of every kernel of a workload\n"
    "  check     validate spec files (arch/NAME.yaml, workloads/NAME.yaml) without running anything\n"
    "  params    print the reference of every spec key (type, unit, range, default, meaning)\n"
    "  sweep     run every point of a sweep spec (axes over any spec key), CSV or JSON lines\n"
    "  validate  score the engines against measured kernels (accuracy statistics, gate)\n"
    "  merge     join the outputs of sweep --shard runs into one\n"
    "  report    Markdown + HTML report with gnuplot figures: speedups, bounds, Pareto fronts,\n"
    "            heatmaps, rooflines, a cycle-level timeline\n"
    "  trace     write the selection trace of an NSA workload's pattern (for --engine sim)\n"
    "  version   print the version and the git commit of the build\n"
    "  help      print this text\n"
    "\n"
    "Run 'nsasim <verb> --help' for a verb's options. With no arguments, 'nsasim predict'\n"
    "runs the NSA paper's configuration (workloads/nsa-paper.yaml, 64k tokens, forward) on\n"
    "an H200 (arch/h200.yaml), both built into the binary.\n"
    "\n"
    "exit status: 0 success, 1 a run failed, 2 bad input (file:line:col: error: ... on stderr)\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *verb = argv[1];
  if (strcmp(verb, "predict") == 0)
    return cmd_predict(argc, argv);
  if (strcmp(verb, "check") == 0)
    return cmd_check(argc, argv);
  if (strcmp(verb, "params") == 0)
    return cmd_params(argc, argv);
  if (strcmp(verb, "trace") == 0)
    return cmd_trace(argc, argv);
  if (strcmp(verb, "sweep") == 0)
    return cmd_sweep(argc, argv);
  if (strcmp(verb, "report") == 0)
    return cmd_report(argc, argv);
  if (strcmp(verb, "merge") == 0)
    return cmd_merge(argc, argv);
  if (strcmp(verb, "validate") == 0)
    return cmd_validate(argc, argv);
  if (strcmp(verb, "version") == 0 || strcmp(verb, "--version") == 0) {
    if (argc > 2 && strcmp(argv[2], "--help") == 0) {
      fputs("usage: nsasim version\n\nPrints the nsasim version and the git commit it was built from.\n", stdout);
      return 0;
    }
    if (argc > 2) {
      fprintf(stderr, "nsasim: error: version takes no arguments\n");
      return 2;
    }
    printf("nsasim %s (git %s; features:%s%s)\n", SIM_VERSION, nsasim_git_commit(),
#ifdef _OPENMP
           " openmp",
#else
           "",
#endif
#ifdef NSASIM_HAVE_MPI
           " mpi"
#else
           ""
#endif
    );
    return 0;
  }
  if (strcmp(verb, "help") == 0 || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  fprintf(stderr, "nsasim: error: unknown verb '%s'\n\n%s", verb, usage);
  return 2;
}
