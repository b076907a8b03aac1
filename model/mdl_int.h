/*
** model/mdl_int.h — private to model/: the per-kernel work description the
** pipeline builders fill (what a kernel must do), and the helpers that turn
** it into a sim_kernel_stats (how long the arch takes to do it).
*/
#ifndef NSASIM_MODEL_MDL_INT_H
#define NSASIM_MODEL_MDL_INT_H

#include <stdint.h>

#include "kstream.h"
#include "model.h"

/* Softmax arithmetic per score element besides the exp: scale-and-subtract
** (one FMA), running max, running sum, conversion to bf16 for the P @ V MMA. */
#define MDL_FP32_OPS_PER_SCORE 4.0
/* Online-softmax rescale of the output accumulator: one multiply per
** element of O per KV tile. */
#define MDL_FP32_OPS_PER_RESCALE 1.0

/* The group kernel's warp instructions per K/V tile at head dim d_qk (and fixed,
** spec_grp_instr_fixed, at its own issue interval SPEC_GRP_ISSUE_*), and the split merges'
** dependent rounds: sim/spec/kstream.h, one source shared with the cycle engine (sources there). */
#define MDL_GROUP_INSTR_PER_TILE(dk) spec_grp_instr_per_tile(dk)

/* The scores kernel's instruction stream and measured issue interval (SPEC_SCORES_*), the decode
** selections' Eq. 9 and top-n tails (spec_topn_instr, spec_seldec_tail_instr, SPEC_SELDEC_THREADS):
** sim/spec/kstream.h, shared with the cycle engine (sources there). */

/* What one kernel launch must do. Counts are totals over the grid. */
typedef struct mdl_work {
  const char *name;
  spec_kernel_id map;        /* the mapping (tiles, warps, stages) it runs with */
  double ctas;
  double tensor_flops;       /* executed, padding and masked tiles included */
  double fp32_flops;
  double sfu_ops;
  double l2_read_bytes;      /* bytes the SMs request from L2 */
  double hbm_read_bytes;     /* after L2 reuse */
  double hbm_write_bytes;
  double smem_bytes;
  double iters_per_cta;      /* dependent inner-loop steps of the longest CTA */
  /* Steps on the busiest CTA slot's path where the grid's dispatch order makes it longer than
  ** waves x iters_per_cta (0: that product; the dK/dV walk's shortest-first order). */
  double path_iters;
  double tile_bytes;         /* bytes one inner-loop step loads (latency bound) */
  int softmax_overlapped;    /* 1: exp/FP32 run beside the MMAs (warp-specialised) */
  /* The instruction stream of one warp (0: not modelled): instructions outside the tile loop
  ** (prologue and epilogue), and per inner-loop step. With the arch's issue rate and dependent
  ** issue interval they bound a CTA's critical path (model/bounds.c). */
  double warp_instr_fixed, warp_instr_per_iter;
  /* The kernel's own measured cycles per issued instruction (0: the arch's dependent interval)
  ** and the warps per scheduler it was measured with: with more (fewer) warps on a scheduler each
  ** instruction waits one issue slot more (less) per warp, the scheduler issuing one per clock. */
  double issue_cycles, issue_warps;
  double issue_slope; /* issue slots per warp beyond (below) issue_warps; 0: one (spec_issue_cpi) */
  /* 1: that interval is a shared pipe's throughput, which the resident warps share
  ** (spec_issue_cpi_shared: the token-major forward), not one warp's (spec_issue_cpi). */
  int issue_shared;
  /* Where the kernel's own grid is not its mapping's (an elementwise pass run beside a tiled kernel:
  ** the backward's delta pass), its warps per CTA and resident CTAs per SM (0: the mapping's). */
  double grid_warps, grid_ctas_per_sm;
  /* 1: a step's loads wait for the previous step's instructions (no prefetch: unrolled loads then
  ** their arithmetic), so a step is its round trip plus its instructions, and nothing precedes the
  ** first step's loads but the fixed instructions. */
  int loads_serial;
  /* The share of a resident CTA's warps still running (0: not modelled): a CTA of independent
  ** warps on serial round trips (the delta pass, kstream.h SPEC_DELTA_WARPS_ACTIVE). Its warps
  ** then share their schedulers as a processor-sharing queue (model/bounds.c). */
  double warps_active;
  /* 1: the kernel's loads hit L2 in the timed runs, their round trips the L2's latency only: its
  ** inputs were written by the kernel before and fit the L2, and the harness repeats a kernel back
  ** to back (the split merges' partials), half of them in the far partition. Its traffic stays the
  ** cold run's (ncu flushes the caches). */
  int loads_l2_resident;
  double launches;           /* launches the design runs as this kernel (0 = 1) */
  /* Warp instructions each CTA adds after its stream at the arch's dependent interval (its resident
  ** warps' share still bounding it; not the kernel's own interval): the forward top-n's second
  ** launch, a warp per token, as the cycle engine runs it (sim/cycle/sched.c step_topn). */
  double dep_instr_per_cta;
  /* Dependent round trips outside the tile pipeline: sync_trips each CTA adds to it (an arrival
  ** atomic at L2 after its loop), serial_trips once on the critical path (the fused decode's pool). */
  double sync_trips, serial_trips;
  /* A serial tail: the last CTA of each (sequence, KV head) to arrive runs it on one SM after the
  ** rest of its unit is done (the fused decode's merges and top-n). Its FLOPs and bytes are part
  ** of the totals above; it adds to the kernel's time rather than to a bound. */
  double tail_units;         /* tails run (one per unit), side by side on different SMs */
  double tail_trips;         /* dependent L2 round trips of one tail */
  double tail_hbm_bytes;     /* bytes of those loads that miss L2 (adds one HBM latency) */
  double tail_bytes;         /* bytes one tail loads through its SM's port */
  double tail_fp32, tail_sfu;/* arithmetic of one tail */
  double tail_barriers;      /* CTA-wide barriers one tail waits on in turn (the top-n's picks) */
  double tail_instr;         /* warp instructions of one tail's critical path, one after another */
  /* The tail's own measured cycles per warp instruction, its stalls (barriers included) in it (0:
  ** the arch's dependent interval, the barriers and trips above added). */
  double tail_issue_cycles;
} mdl_work;

typedef struct mdl_occ {
  uint32_t ctas_per_sm;
  double occupancy;
  const char *limiter;
} mdl_occ;

/* {==== occupancy.c ==== */
mdl_occ mdl_occupancy(const spec_arch *a, const spec_workload *wl, spec_kernel_id k);
/* }==== */

/* {==== bounds.c ==== */
/* Dependent memory round trips before a CTA's pipeline starts. */
#define MDL_PROLOGUE_TRIPS 2.0
/* Turns work into time: per-resource bounds, the winner, waves, launch. */
void mdl_finish(const spec_arch *a, const spec_workload *wl, const mdl_work *w,
                sim_kernel_stats *out);
/* }==== */

/* {==== traffic.c ==== */
/* L2 capacity that data shared by all SMs can use: lines read by SMs of
** both partitions are duplicated into each (A100/H100 "near/far" L2). */
double mdl_l2_effective_bytes(const spec_arch *a);
/* HBM bytes to serve l2_reads of a data set of unique_bytes that groups of
** sharers co-resident CTAs read at about the same time: once if it fits in
** L2, else once per group of sharers, less what L2 retains between groups. */
double mdl_reuse_hbm(const spec_arch *a, double unique_bytes, double l2_reads, double sharers);
/* K/V bytes from HBM of one KV group whose heads run one after another (grid y = head). */
double mdl_group_kv_hbm(const spec_arch *a, double kv_unique, double kv_l2, double sharers,
                        double head_bytes, double heads);
/* Sum over i in [0, n) of floor((a*i + b) / m), in O(log). */
uint64_t mdl_floor_sum(uint64_t n, uint64_t m, uint64_t a, uint64_t b);
/* Causal tile counts of a FlashAttention-style kernel: q_len queries (the
** last of seq_len positions) in tiles of bm, keys in tiles of bn; returns the
** KV tiles loaded summed over query tiles. */
double mdl_kv_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, int causal);
/* Sliding window of w keys ending at each query. */
double mdl_window_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, uint64_t w);
/* Compressed attention: the query at position p sees the compressed tokens
** whose block of l (stride d) lies wholly at or before p. */
double mdl_cmp_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, uint64_t l,
                     uint64_t d);
/* Distinct selection blocks that sharers consecutive queries of one KV head
** touch, given the pattern, and the blocks each query attends on average. */
double mdl_distinct_blocks(const spec_workload *wl, double sharers, double avail_blocks);
/* }==== */

/* {==== full.c, nsa.c ==== */
sim_status mdl_full_pipeline(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                             sim_diag *d);
sim_status mdl_nsa_pipeline(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                            sim_diag *d);
/* FlashAttention-2 style building blocks over any key set: tiles is the KV
** tiles loaded summed over the query tiles of one head; keys the distinct
** keys per (sequence, KV head). */
void mdl_flash_fwd(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                   const char *name, double tiles, double keys, mdl_work *w);
/* names: delta pass, dK/dV, dQ, GQA sum. */
sim_status mdl_flash_bwd(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                         const char *const names[4], double tiles, double keys, sim_pipeline *p,
                         sim_diag *d);
/* The backward's delta pass over rows (token, query head) rows as map's kernel; ctas and tile_bytes
** as the mapping would run it (the validation's own grid and stream replace them under mma: sync). */
void mdl_delta_work(const spec_arch *a, const spec_workload *wl, spec_kernel_id map, const char *name,
                    double rows, double ctas, double tile_bytes, mdl_work *w);
/* KV splits per (sequence, KV head) of a split-KV decode over keys with map's tiles: split_kv,
** or 0 for enough CTAs to fill the SMs twice (no more than the KV tiles). */
double mdl_decode_splits(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                         uint32_t split_kv, double keys);
/* The work of a split-KV decode over keys with map's mapping in the given splits. */
void mdl_split_decode_work(const spec_workload *wl, spec_kernel_id map,
                           const char *name, double keys, double splits, mdl_work *w);
/* Split-KV decode over keys per (sequence, KV head); reports the splits. */
sim_status mdl_split_decode(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                            const char *name, double keys, double *splits_out, sim_pipeline *p,
                            sim_diag *d);
/* The fused NSA decode (kernel.cmp_attn.design fused, model/nsa_fused.c): nsa.decode.cmp,
** nsa.decode.select, nsa.decode.branches; with compression.method mlp, nsa.compress.step runs
** before them (the caller emits it). */
sim_status mdl_nsa_decode_fused(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                                sim_diag *d);
/* Dependent load rounds of a split merge over `splits` partials of one row (kstream.h). */
#define MDL_MERGE_PASSES ((double)SPEC_MERGE_PASSES)
#define MDL_MERGE_UNROLL ((double)SPEC_MERGE_UNROLL)
double mdl_merge_rounds(double splits);
/* Merges partials per query head (and applies gated branch weights): rounds of dependent loads
** per row (mdl_merge_rounds), launches it takes in the validation's design. */
sim_status mdl_decode_combine(const spec_arch *a, const spec_workload *wl, const char *name,
                              double partials, double gated, double rounds, double launches,
                              sim_pipeline *p, sim_diag *d);
/* Adds a kernel built from w to p. */
sim_status mdl_emit(const spec_arch *a, const spec_workload *wl, const mdl_work *w,
                    sim_pipeline *p, sim_diag *d);
/* }==== */

#endif
