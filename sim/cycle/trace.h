/*
** sim/cycle/trace.h — the selection trace format: which blocks each query
** group selected, so real top-n results (validate/ writes them from its GPU
** kernel) can be replayed by the cycle engine.
**
** Little-endian. A 64-byte header, then int32 block indices:
**   0  8  magic "NSASEL1\n"        8  u32 version (1)     12 u32 header bytes (64)
**   16 u32 batch                   20 u32 heads_kv        24 u64 q_len
**   32 u64 seq_len                 40 u32 block (l')      44 u32 count (n)
**   48 u64 entries = batch*heads_kv*q_len*count           56 u64 reserved (0)
**   64 entries x i32, ordered (b, h, t, i): the i-th block of query t (position
**      seq_len - q_len + t) of sequence b and KV head h; -1 where fewer than n
**      blocks exist. Valid indices are distinct and at most position / l'.
*/
#ifndef NSASIM_CYCLE_TRACE_H
#define NSASIM_CYCLE_TRACE_H

#include <stdint.h>

#include "sim.h"
#include "spec.h"

#define CYC_TRACE_HEADER_BYTES 64u
/* Refuse traces whose entries alone would exceed this (range-checked before
** any allocation). */
#define CYC_TRACE_MAX_BYTES (8ull << 30)

typedef struct cyc_trace {
  uint32_t batch, heads_kv, block, count;
  uint64_t q_len, seq_len, entries;
  int32_t *idx;
} cyc_trace;

/* Writes the workload's synthetic selections (uniform or local pattern). */
sim_status cyc_trace_write(const char *path, const spec_workload *wl, sim_diag *d);
/* Reads and checks a trace against the workload: header fields, size,
** index ranges. */
sim_status cyc_trace_read(const char *path, const spec_workload *wl, cyc_trace *t, sim_diag *d);
void cyc_trace_free(cyc_trace *t);

#endif
