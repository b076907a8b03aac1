/*
** sim/cycle/select.h — which selection blocks each (sequence, KV head, query)
** attends under NSA: the forced initial and local blocks (paper §4.1), then
** free picks by the workload's pattern (uniform, or a share drawn from the
** 4n blocks before the query), from a seeded hash so any entry can be
** computed alone; or read from a selection trace (trace.h).
*/
#ifndef NSASIM_CYCLE_SELECT_H
#define NSASIM_CYCLE_SELECT_H

#include <stdint.h>

#include "spec.h"

/* Fills out[0..n) with the blocks query t (0-based among q_len; position
** seq_len - q_len + t) of (b, h) selects; -1 pads when fewer than n blocks
** exist. Distinct, forced blocks first. Returns how many are valid. */
uint32_t cyc_select_blocks(const spec_workload *wl, uint32_t b, uint32_t h, uint64_t t,
                           int32_t *out);

#endif
