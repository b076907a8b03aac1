/*
** sim/cycle/cycle.h — the cycle-level, trace-driven engine (prefix cyc_).
** Discrete events on integer SM-clock cycles: CTAs dispatched to SMs by
** occupancy, each CTA's schedule of staged asynchronous tile loads and
** compute steps on per-SM tensor, SFU, FP32 and shared-memory pipes, and a
** memory system of SM ports, two-partition sectored L2 with set-associative
** LRU slices, and HBM channels with bandwidth and latency. Deterministic.
** Fills the same sim_result as the analytical model, plus cycle statistics.
*/
#ifndef NSASIM_CYCLE_CYCLE_H
#define NSASIM_CYCLE_CYCLE_H

#include <stdio.h>

#include "result.h"
#include "sim.h"
#include "spec.h"

typedef enum cyc_fidelity {
  CYC_FIDELITY_TILE,  /* L2 modelled in 2 KiB chunks of tile loads (default) */
  CYC_FIDELITY_SECTOR /* L2 modelled per 32-byte sector: for small kernels */
} cyc_fidelity;

typedef struct cyc_opts {
  cyc_fidelity fidelity;
  FILE *timeline;         /* CSV kernel,sm,cta,start_cycle,end_cycle,phase; NULL: none */
  const char *trace_path; /* selection trace when the pattern is trace */
  uint64_t max_events;    /* watchdog: 0 = no limit */
} cyc_opts;

sim_status cyc_run(const spec_arch *arch, const spec_workload *wl, const cyc_opts *opts,
                   sim_result *out, sim_diag *diag);

#endif
