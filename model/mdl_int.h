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

/* The group kernel's warp instructions per K/V tile and fixed, and the split merges' dependent
** rounds: sim/spec/kstream.h, one source shared with the cycle engine (sources there). */
#define MDL_GROUP_INSTR_PER_TILE SPEC_GROUP_INSTR_PER_TILE
#define MDL_GROUP_INSTR_FIXED SPEC_GROUP_INSTR_FIXED

/* Warp instructions of the forward scores kernel (validate/kernels/nsa_select.cu scores_kernel<DQK,
** 8>: one warp per query token, 8 tokens per CTA sharing each 64-key K_cmp tile). Per tile (the loop
** `for (int it = 0; it < n_it; ++it)`: cp.async of the next K_cmp tile, S^T = K Q^T with per 16 of
** d_qk one ldmatrix of Q, four of K and 8 mma; 8 (row, half) groups of 4 exp2 with their FMAs, the
** quad-shuffle head sum and a shared-memory store; Eq. 9 over the tile's 16 selection blocks, R(H+1)
** shared-memory loads and adds each, then the halo shift and two barriers) at d_qk 128: from ncu on
** the H200 (reports/measurements/h200/2026-11-29-h200-run2-detail.txt, scores_kernel<128, 8> of
** nsa_d128_16k: 1.971M SM active cycles x 15.75 warps / 6.63 cycles per issued instruction = 4.68M
** warp instructions per SM over 62.06 CTAs x 8 warps: 9431 per warp; its CTAs walk 8.5 tiles on
** average (n_ct = (4(j_max + 1) - 1) / 64 + 1), less the fixed part = 1092 per tile). Per 16 of d_qk
** beyond 128 the source adds 15 (1 + 4 ldmatrix, 8 mma, half a cp.async with its address). Fixed:
** the 8 tokens' Q tiles and the first K tile (cp.async with addresses), the 4 lse loads, the halo's
** zeroing: about 150 (counted from the source). The profile ran 15.75 warps per SM, 3.94 per
** scheduler, at 6.63 cycles per issued instruction (MDL_SCORES_ISSUE_*). */
#define MDL_SCORES_INSTR_PER_TILE 1092.0
#define MDL_SCORES_INSTR_PER_16DK 15.0
#define MDL_SCORES_INSTR_FIXED 150.0
#define MDL_SCORES_ISSUE_CYCLES 6.63
#define MDL_SCORES_ISSUE_WARPS 3.94

/* The unfused decode selection (validate/kernels/nsa_select.cu select_decode_kernel, one CTA of
** 1024 threads per sequence and KV head): rounds of ceil(n_cmp / 1024) logits per thread, each 16
** loads in flight and then their exp2 (one dependent round trip per round), a barrier, Eq. 9, a
** barrier, then one warp's top-n (topn_warp). Counted from the source, per warp:
** MDL_TOPN_INSTR_PER_ELEM per score a lane scans per pick (the loop `for (int j = lane; j <
** n_valid; j += 32)`: shared load, compare, two selects, index add, loop test and branch), per pick
** MDL_TOPN_INSTR_PER_PICK (five rounds of two shuffles and the tie-breaking compare, the chosen
** lane's update, two __syncwarp and the shared store), and MDL_TOPN_INSTR_FIXED (the forced blocks,
** the 32-step rank of the ascending output, the store); Eq. 9 MDL_EQ9_INSTR_PER_TERM per term
** (R(H+1) of them: shared load, bounds test, add, loop). They run on one warp, one after another,
** at the arch's dependent issue interval. */
#define MDL_SELDEC_THREADS 1024.0
#define MDL_TOPN_INSTR_PER_ELEM 7.0
#define MDL_TOPN_INSTR_PER_PICK 38.0
#define MDL_TOPN_INSTR_FIXED 100.0
#define MDL_EQ9_INSTR_PER_TERM 6.0
/* The fused decode's CTA-wide top-n (validate/kernels/nsa_decode.cu topn_cta): per pick the same
** warp reduction, then every thread compares the warps' bests (MDL_TOPN_INSTR_PER_WARP each: shared
** loads, the tie-breaking compare, selects) and the owner of the taken entry rescans its
** ceil(n_valid / threads) entries. */
#define MDL_TOPN_INSTR_PER_WARP 6.0
/* Warp instructions on the critical path of a top-n of n of n_valid scores (forced: initial +
** local) by `threads` threads (32: topn_warp; a CTA: topn_cta). */
double mdl_topn_instr(double n_valid, double n, double forced, double threads);

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
  double launches;           /* launches the design runs as this kernel (0 = 1) */
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
