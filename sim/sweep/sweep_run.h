/*
** sim/sweep/sweep_run.h — running a sweep (prefix swp_): every point of a
** sweep spec through an engine, in parallel with OpenMP, rows written in
** point order whatever the thread count, resumable from the output file.
*/
#ifndef NSASIM_SWEEP_SWEEP_RUN_H
#define NSASIM_SWEEP_SWEEP_RUN_H

#include <stdio.h>

#include "sim.h"
#include "sweep.h"

typedef enum swp_format { SWP_CSV, SWP_JSONL } swp_format;

typedef struct swp_opts {
  int engine_sim;       /* cycle engine instead of the model */
  int jobs;             /* threads; 0 = OpenMP's default */
  swp_format format;
  const char *out_path; /* NULL: stdout (no resume) */
  int progress;         /* a progress line on stderr */
  uint64_t first, last; /* points [first, last) of this shard; last 0 = all */
} swp_opts;

typedef struct swp_summary {
  uint64_t points, ok, skipped, filtered, resumed_from;
  double seconds;
} swp_summary;

sim_status swp_run(const spec_sweep *sw, const swp_opts *o, swp_summary *sum, sim_diag *d);

#endif
