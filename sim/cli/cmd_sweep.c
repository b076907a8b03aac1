/*
** sim/cli/cmd_sweep.c — `nsasim sweep SPEC.yaml`: every point of a sweep
** spec through an engine, one row per point (CSV or JSON lines), in point
** order whatever --jobs is, resumable from --out.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"
#include "sweep_run.h"
#ifdef NSASIM_HAVE_MPI
#include <mpi.h>
#endif

static const char help[] =
    "usage: nsasim sweep SPEC.yaml [--engine model|sim] [--jobs N] [--format csv|jsonl]\n"
    "                    [--out FILE] [--shard I/N]\n"
    "\n"
    "Runs every point of a sweep spec: a base arch and workload, and axes over any of\n"
    "their keys (the Cartesian product of the axes, the last varying fastest; keys under\n"
    "one 'zip' move together). Each point is the base with its values set as --set would,\n"
    "then every rule and the fit check; points that break a rule are rows with status\n"
    "'skipped' and the reason (or stop the sweep if constraints.skip_invalid is false);\n"
    "points outside constraints.min_attended_tokens or .max_smem_per_cta_bytes are\n"
    "'filtered'. Rows come in point order whatever the thread count.\n"
    "\n"
    "options:\n"
    "  --engine E      model (default) or sim\n"
    "  --jobs N        threads (default: OpenMP's, usually the core count)\n"
    "  --format F      both start with a line '# nsasim VERSION sweep NAME spec-sha256 HEX\n"
    "                  engine E points N'. csv (default): point, the axis values, status, engine, arch,\n"
    "                  workload, total_time_s, baseline_time_s, speedup_vs_full,\n"
    "                  attended_tokens, HBM/L2 bytes, tensor_flops, top_kernel, top_bound,\n"
    "                  top_share, note; jsonl: one object per point with params, status,\n"
    "                  note and the JSON contract of `nsasim predict`\n"
    "  --out FILE      write there instead of stdout; if FILE holds rows of the same\n"
    "                  sweep, they are kept and the sweep resumes after the last whole row\n"
    "  --shard I/N     only the I-th of N equal slices of the points (0-based)\n"
    "\n"
    "A progress line (rate, ETA) goes to stderr when it is a terminal. Example specs:\n"
    "workloads/sweeps/*.yaml.\n"
    "\n"
    "Scale-out: in a build with MPI, `mpirun -np N nsasim sweep ...` shares every chunk\n"
    "of points among the ranks (point i on rank i mod N) and rank 0 writes the same\n"
    "bytes a single process would. Without MPI, or under a batch scheduler, run\n"
    "--shard I/N per job and join the outputs with `nsasim merge`.\n";

int cmd_sweep(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "efojS", 1, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  if (o.nfiles != 1) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "sweep takes one SPEC.yaml (see --help)");
    return cli_fail(&d);
  }
  spec_sweep sw;
  if (spec_load_sweep(o.files[0], &sw, &d) != SIM_OK)
    return cli_fail(&d);
  swp_opts so = {strcmp(o.engine, "sim") == 0, o.jobs, o.jsonl ? SWP_JSONL : SWP_CSV, o.out,
                 isatty(2), 0, 0};
  if (o.shard_n) {
    uint64_t per = (sw.npoints + o.shard_n - 1) / o.shard_n;
    so.first = per * o.shard_i;
    so.last = so.first + per < sw.npoints ? so.first + per : sw.npoints;
    if (so.first >= sw.npoints) /* more shards than points: this one is empty */
      so.first = so.last = sw.npoints;
  }
  swp_summary sum;
  int rank = 0;
#ifdef NSASIM_HAVE_MPI
  /* Only under a launcher: a plain run stays a plain process (and Open MPI's
  ** plugins never load). */
  int use_mpi = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK");
  if (use_mpi) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank != 0)
      so.progress = 0;
  }
#endif
  sim_status st = swp_run(&sw, &so, &sum, &d);
  spec_sweep_free(&sw);
#ifdef NSASIM_HAVE_MPI
  if (use_mpi)
    MPI_Finalize();
#endif
  if (st != SIM_OK)
    return cli_fail(&d);
  if (rank == 0)
    fprintf(stderr, "sweep %s: %llu points (%llu ok, %llu skipped, %llu filtered) in %.2f s%s\n",
          o.files[0], (unsigned long long)sum.points, (unsigned long long)sum.ok,
          (unsigned long long)sum.skipped, (unsigned long long)sum.filtered, sum.seconds,
          sum.resumed_from > so.first ? " (resumed)" : "");
  return 0;
}
