/*
** model/model.h — the analytical engine (prefix mdl_).
** Closed-form FLOPs by unit, bytes per memory level (with L2 reuse),
** occupancy, waves and the time each resource bound gives, for every kernel
** of the full-attention and NSA pipelines in fwd, bwd and decode.
** Microseconds per prediction; fills the same sim_result as the cycle engine.
*/
#ifndef NSASIM_MODEL_MODEL_H
#define NSASIM_MODEL_MODEL_H

#include "result.h"
#include "sim.h"
#include "spec.h"

/* Predicts the workload's pipeline on the arch; for NSA also the full
** attention baseline and the speedup; for decode the tokens per step. */
sim_status mdl_run(const spec_arch *arch, const spec_workload *wl, sim_result *out,
                   sim_diag *diag);

#endif
