/*
** model/pipeline.c — mdl_run: the workload's pipeline, and for NSA the
** full-attention baseline of the same problem, the speedup, and the tokens
** each decode step reads.
*/
#include <string.h>

#include "mdl_int.h"

sim_status mdl_run(const spec_arch *a, const spec_workload *wl, sim_result *r, sim_diag *d) {
  memset(r, 0, sizeof *r);
  snprintf(r->engine, sizeof r->engine, "model");
  snprintf(r->arch, sizeof r->arch, "%s", a->name);
  snprintf(r->workload, sizeof r->workload, "%s", wl->name);
  if (wl->attention.kind == SPEC_ATTN_FULL)
    return mdl_full_pipeline(a, wl, &r->main, d);
  sim_status st = mdl_nsa_pipeline(a, wl, &r->main, d);
  if (st != SIM_OK)
    return st;
  st = mdl_full_pipeline(a, wl, &r->baseline, d);
  if (st != SIM_OK)
    return st;
  r->has_baseline = 1;
  r->speedup_vs_full = r->main.total_time_s > 0 ? r->baseline.total_time_s / r->main.total_time_s : 0;
  if (wl->problem.phase == SPEC_PHASE_DECODE) {
    r->has_tokens = 1;
    spec_decode_tokens(wl, &r->tokens_per_step);
  }
  return SIM_OK;
}
