/*
** sim/core/result.c — building result records. Printers live in report.c.
*/
#include "result.h"

#include <string.h>

const char *sim_bound_name(sim_bound b) {
  static const char *const names[SIM_BOUND_COUNT] = {"tensor", "fp32", "sfu", "hbm",
                                                     "l2", "smem", "latency", "launch"};
  return (unsigned)b < SIM_BOUND_COUNT ? names[b] : "?";
}

sim_kernel_stats *sim_pipeline_add(sim_pipeline *p, const char *name) {
  if (p->nkernels >= SIM_MAX_KERNELS)
    return NULL;
  sim_kernel_stats *k = &p->kernels[p->nkernels++];
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", name);
  return k;
}

void sim_pipeline_sum(sim_pipeline *p) {
  p->total_time_s = 0;
  for (size_t i = 0; i < p->nkernels; i++)
    p->total_time_s += p->kernels[i].time_s;
}
