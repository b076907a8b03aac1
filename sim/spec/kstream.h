/*
** sim/spec/kstream.h — what the validation kernels (validate/kernels/) execute besides FLOPs and
** bytes: the group, token-major forward and scores kernels' warp instruction streams, the decode selections' serial
** tails (Eq. 9 and the top-n) and the split merges' dependent load rounds.
** Shared by both engines (the analytical model's latency bound, the cycle engine's steps) so that
** they use one source of truth; numbers are properties of the kernels, not of an arch.
*/
#ifndef NSASIM_SPEC_KSTREAM_H
#define NSASIM_SPEC_KSTREAM_H

#include <math.h>

/* Warp instructions of the group kernel (validate/kernels/val_group.cuh: one CTA per (token, KV
** head[, split]) with the group's query heads as 16 MMA rows, 16 keys per warp per K/V tile).
** Per tile (the loop `for (int it = 0; it < n_it; ++it)`: cp.async of the K and V tile, QK^T with
** ldmatrix + 2 mma per 16 of d_qk, mask, online softmax with shuffles and exp2, the O rescale,
** P V with ldmatrix.trans + 2 mma per 16 of d_v) at d_qk + d_v = 256: from ncu on the H200
** (reports/measurements/h200/2026-11-29-h200-run2-detail.txt, attn_group_kernel<128,128,64,2> of
** nsa_d128_16k: 12.85M SM active cycles x 11.93 warps / 4.62 cycles per issued instruction =
** 33.2M warp instructions per SM over 496.5 CTAs x 4 warps, 16 tiles each: 16.7k per warp, less
** the fixed part below = 982 per tile). Fixed: Q load and fragments, then the cross-warp merge
** (`for (int i = tid; i < group * DV; i += GRP_NT)`: 16 x d_v / 128 passes per thread of about 60
** instructions, with its barriers) and the stores: about 1000 at d_v 128 (counted from the
** source). Each warp issues them in order, one every sm.dependent_issue_cycles, or at its share of
** sm.issue_per_clk when the SM's resident warps saturate the schedulers. */
#define SPEC_GROUP_INSTR_PER_TILE 982.0
#define SPEC_GROUP_INSTR_FIXED 1000.0

/* Warp instructions of the token-major forward (validate/kernels/attn_fwd.cu attn_fwd_kernel<DQK,
** DV, 128, 64, STAGES>: full attention, the compressed branch and the window; 8 warps of 16 query
** rows each, 64-key K/V tiles). Per tile and fixed at d_qk = d_v = 128, from two ncu profiles on
** the H200 (reports/measurements/h200/2026-11-29-h200-run2-detail.txt, SM active cycles x achieved
** warps / cycles per issued instruction over 62.06 CTAs x 8 warps per SM): full_d128_16k's
** full_fwd (30.20M x 15.93 / 7.51: 129.0k per warp over 129 tiles on average) and nsa_d128_16k's
** cmp_attn (2.282M x 15.83 / 7.71: 9.44k per warp over 8.5 tiles): 992 per tile, 1000 fixed (the
** Q tile, the first STAGES - 1 tiles' copies, the epilogue's normalisation and stores); the
** window (2.698M x 15.82 / 7.59: 11.3k over 9.84 tiles) checks within 5%. Per 16 of d_qk beyond
** 128 the source adds 15 (one A and four B ldmatrix, 8 mma, half a cp.async with its address),
** per 16 of d_v 17 (four ldmatrix.trans, 8 mma, 4 O-rescale multiplies, half a cp.async). The
** full forward's profile ran 15.93 warps per SM, 3.98 per scheduler, at 7.51 cycles per issued
** instruction (SPEC_FWD_ISSUE_*). */
#define SPEC_FWD_INSTR_PER_TILE 992.0
#define SPEC_FWD_INSTR_PER_16DK 15.0
#define SPEC_FWD_INSTR_PER_16DV 17.0
#define SPEC_FWD_INSTR_FIXED 1000.0
#define SPEC_FWD_ISSUE_CYCLES 7.51
#define SPEC_FWD_ISSUE_WARPS 3.98

/* The token-major forward's warp instructions per 64-key tile at head dims d_qk, d_v. */
static inline double spec_fwd_instr_per_tile(double dk, double dv) {
  return SPEC_FWD_INSTR_PER_TILE + SPEC_FWD_INSTR_PER_16DK * (dk - 128.0) / 16.0 +
         SPEC_FWD_INSTR_PER_16DV * (dv - 128.0) / 16.0;
}

/* Warp instructions of the forward scores kernel (validate/kernels/nsa_select.cu scores_kernel<DQK,
** 8>: one warp per query token, 8 tokens per CTA sharing each 64-key K_cmp tile). Per tile (the loop
** `for (int it = 0; it < n_it; ++it)`: cp.async of the next K_cmp tile, S^T = K Q^T with per 16 of
** d_qk one ldmatrix of Q, four of K and 8 mma; 8 (row, half) groups of 4 exp2 with their FMAs, the
** quad-shuffle head sum and a shared-memory store; Eq. 9 over the tile's 16 selection blocks, R(H+1)
** shared-memory loads and adds each, then the halo shift and two barriers) at d_qk 128: from ncu on
** the H200's executed warp instructions (reports/measurements/h200/2026-11-29-h200-run4-inst.csv,
** scores_kernel<128, 8> of nsa_fwd_d128_16k, smsp__inst_executed.sum 562,307,636 over its 2048 x 4
** CTAs of 8 warps = 65,536 warps: 8580 per warp; its CTAs walk 8.48 K_cmp tiles on average (row
** tile j's last token sees floor((8j + 8 - 32) / 16) + 1 compressed keys, in tiles of 64), so
** (8580 - 150) / 8.48 = 992 per tile). (Run 2's ncu detail, 9431 per warp from cycles x warps /
** cycles per issue, profiled a 100-register build at 2 CTAs per SM; the matrix and run 4 ran the
** 80-register one at 3.) Per 16 of d_qk
** beyond 128 the source adds 15 (1 + 4 ldmatrix, 8 mma, half a cp.async with its address). Fixed:
** the 8 tokens' Q tiles and the first K tile (cp.async with addresses), the 4 lse loads, the halo's
** zeroing: about 150 (counted from the source). The same profile ran 36.61% of 64 warps active,
** 23.43 per SM, 5.86 per scheduler, over 1,523,327 active cycles: 1,523,327 x 5.86 / (562,307,636
** / 528 schedulers) = 8.38 cycles per issued instruction (SPEC_SCORES_ISSUE_*): with more (fewer)
** warps on a scheduler each instruction waits one issue slot more (less) per warp. */
#define SPEC_SCORES_INSTR_PER_TILE 992.0
#define SPEC_SCORES_INSTR_PER_16DK 15.0
#define SPEC_SCORES_INSTR_FIXED 150.0
#define SPEC_SCORES_ISSUE_CYCLES 8.38
#define SPEC_SCORES_ISSUE_WARPS 5.86

/* The scores kernel's warp instructions per K_cmp tile of one token at head dim d_qk. */
static inline double spec_scores_instr_per_tile(double dk) {
  return SPEC_SCORES_INSTR_PER_TILE + SPEC_SCORES_INSTR_PER_16DK * (dk - 128.0) / 16.0;
}

/* The unfused decode selection (validate/kernels/nsa_select.cu select_decode_kernel, one CTA of
** 1024 threads per sequence and KV head): rounds of ceil(n_cmp / 1024) logits per thread, each 16
** loads in flight and then their exp2 (one dependent round trip per round), a barrier, Eq. 9, a
** barrier, then one warp's top-n (topn_warp). Counted from the source, per warp:
** SPEC_TOPN_INSTR_PER_ELEM per score a lane scans per pick (the loop `for (int j = lane; j <
** n_valid; j += 32)`: shared load, compare, two selects, index add, loop test and branch), per pick
** SPEC_TOPN_INSTR_PER_PICK (five rounds of two shuffles and the tie-breaking compare, the chosen
** lane's update, two __syncwarp and the shared store: 38 counted from the source, 111 executed:
** the forward topn_kernel of nsa_fwd_d128_16k ran 121,860,352 warp instructions over 65,536
** row-warps (reports/measurements/h200/2026-11-29-h200-run4-inst.csv), 1859 per row; its rows
** average 12.19 picks and 57.69 scanned elements per lane (n_valid = floor(p / 64) + 1, 13 picks
** where n_valid > 16), so with the per-element 7 and the fixed 100 kept, (1859 - 100 - 57.69 x 7)
** / 12.19 = 111 per pick: the excess is per pick, not per scanned element, as the measured
** select_topn times grow with the picks at n 8/16/32), and SPEC_TOPN_INSTR_FIXED (the forced
** blocks, the 32-step rank of the ascending output, the store); Eq. 9 SPEC_EQ9_INSTR_PER_TERM per
** term (R(H+1) of them: shared load, bounds test, add, loop). They run on one warp, one after
** another, at the arch's dependent issue interval. */
#define SPEC_SELDEC_THREADS 1024.0
#define SPEC_TOPN_INSTR_PER_ELEM 7.0
#define SPEC_TOPN_INSTR_PER_PICK 111.0
#define SPEC_TOPN_INSTR_FIXED 100.0
#define SPEC_EQ9_INSTR_PER_TERM 6.0
/* The fused decode's CTA-wide top-n (validate/kernels/nsa_decode.cu topn_cta): per pick the same
** warp reduction, then every thread compares the warps' bests (SPEC_TOPN_INSTR_PER_WARP each:
** shared loads, the tie-breaking compare, selects) and the owner of the taken entry rescans its
** ceil(n_valid / threads) entries. */
#define SPEC_TOPN_INSTR_PER_WARP 6.0

/* Warp instructions on the critical path of a top-n of n of n_valid scores (forced: initial +
** local) by `threads` threads (32: topn_warp; a CTA: topn_cta). */
static inline double spec_topn_instr(double n_valid, double n, double forced, double threads) {
  if (n_valid <= n)
    return SPEC_TOPN_INSTR_FIXED;
  double per_pick = SPEC_TOPN_INSTR_PER_PICK + SPEC_TOPN_INSTR_PER_ELEM * ceil(n_valid / threads) +
                    SPEC_TOPN_INSTR_PER_WARP * (threads / 32.0 - 1.0);
  return fmax(0.0, n - forced) * per_pick + SPEC_TOPN_INSTR_FIXED;
}

/* The unfused decode selection's Eq. 9 per thread: its share of the n_valid selection blocks,
** lp / d x l / d terms each. */
static inline double spec_seldec_eq9_instr(double n_valid, double lp, double l, double d) {
  return ceil(n_valid / SPEC_SELDEC_THREADS) * (lp / d) * (l / d) * SPEC_EQ9_INSTR_PER_TERM;
}

/* The unfused decode selection's serial tail: Eq. 9, then one warp's top-n. */
static inline double spec_seldec_tail_instr(double n_valid, double n, double forced, double lp, double l,
                                            double d) {
  return spec_seldec_eq9_instr(n_valid, lp, l, d) + spec_topn_instr(n_valid, n, forced, 32.0);
}

/* Dependent load rounds of a split merge over the partials of one row, as the validation's
** split_combine_kernel (validate/kernels/attn_group.cu) does it: three passes over the partials
** (the max of the lse, the sum of the weights, the weighted sum of o), each loop unrolled 8 deep,
** so each pass waits ceil(splits / 8) round trips; gate_combine_split_kernel (nsa_select.cu) makes
** the same three passes per branch. */
#define SPEC_MERGE_PASSES 3u
#define SPEC_MERGE_UNROLL 8u

/* Warp instructions of the split merges (cycle engine; the model does not use them yet). From ncu
** on the H200 (reports/measurements/h200/2026-11-29-h200-run4-inst.csv, smsp__inst_executed.sum,
** r4_nsa_dec_d128_b8_64k): split_combine_kernel, 512 rows x 4 warps, 12 splits: 1,498,624 = 731.8
** per warp; gate_combine_split_kernel, 512 x 4 warps, 12 + 9 splits: 2,070,528 = 1011 per warp.
** Per split and thread, counted from the source: pass 1 a load with its address and a max (3),
** pass 2 the load, a subtract, __expf (2) and an add (6), pass 3 the lse again, its weight and the
** o load with its 64-bit address and an FMA (9): 18, a third of them per pass. The rest is fixed
** per row (the row's 64-bit div/mod by runtime values, the unrolled loops' remainders, the store,
** the lse's logf; the gated merge also its gates and the compressed branch): 732 - 12 x 18 = 516
** and 1011 - 21 x 18 = 633 (the gated merge's, not used yet). */
#define SPEC_MERGE_INSTR_PER_PART 18.0
#define SPEC_MERGE_INSTR_FIXED 516.0

/* Warp instructions of one round of the unfused decode selection's logits (select_decode_kernel:
** per thread one compressed token, its 16 heads' logits loaded, tested against -inf, exp2f'd and
** summed, the sum stored to shared memory). From ncu on the H200 (…-run4-inst.csv,
** r4_nsa_dec_d128_b8_64k: 32 CTAs x 32 warps, 2,038,592 = 1990.8 per warp, 4 rounds at n_cmp
** 4095): less the tails these counts already give (the top-n of 1024 blocks, 3506 on one warp =
** 109.6 per warp; Eq. 9, 48 per warp), 1833 per warp over 4 rounds: 458 per round. */
#define SPEC_SELDEC_INSTR_PER_ROUND 458.0

/* Cycles between a warp's issued instructions: the arch's dependent interval, or the kernel's own
** measured one (own_cycles > 0, measured with own_warps warps per scheduler), which stands in for
** it; either way no faster than its share of the scheduler when share = resident warps per
** scheduler exceeds it (one issue slot per extra warp). Both engines' rule. */
static inline double spec_issue_cpi(double dependent_cycles, double share, double own_cycles, double own_warps) {
  return own_cycles > 0 ? fmax(share, own_cycles + (share - own_warps)) : fmax(dependent_cycles, share);
}

#endif
