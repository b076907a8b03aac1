/*
** sim/spec/kstream.h — what the validation kernels (validate/kernels/) execute besides FLOPs and
** bytes: the warp instruction streams of the group, token-major forward, scores, union selected,
** mean-pool, delta-pass and backward kernels, the decode selections' serial tails (Eq. 9 and the
** top-n), the split merges' dependent load rounds, and the fused decode's pool and merge.
** Shared by both engines (the analytical model's latency bound, the cycle engine's steps) so that
** they use one source of truth; numbers are properties of the kernels, not of an arch.
*/
#ifndef NSASIM_SPEC_KSTREAM_H
#define NSASIM_SPEC_KSTREAM_H

#include <math.h>

/* The counts below are measured or counted at head dim 128 and grow per 16 of head dim beyond it
** (one more 16-byte copy per thread, ldmatrix and MMAs per 16 columns): the count at dim d. */
static inline double spec_at_dim(double at_128, double per_16, double d) {
  return at_128 + per_16 * (d - 128.0) / 16.0;
}

/* The group kernel (validate/kernels/val_group.cuh: one CTA per (token, KV head[, split]) with the
** group's query heads as 16 MMA rows, 16 keys per warp per K/V tile): its warp instructions per tile
** and fixed, its issue interval and its cross-warp merge are in the section "The group CTA body"
** below (SPEC_GRP_*), one count for both engines. (Until this round the cycle engine used a
** one-profile count, 982 per tile and 1000 fixed counted from the source, from ncu on the H200,
** reports/measurements/h200/2026-11-29-h200-run2-detail.txt: 12.85M SM active cycles x 11.93
** warps / 4.62 cycles per issued instruction over 496.5 CTAs x 4 warps, 16 tiles each.) */

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
/* That interval is the tensor pipe's throughput, not a warp's dependent chain: the same kernel
** keeps its tensor pipe 36.5-38.6% active at 2 warps per scheduler (the d 192 forward, one CTA per
** SM; the 64 x 64 and 3-stage d 128 mappings) against 40.7-41.1% at 4 (run2-ncu.csv,
** sm__pipe_tensor_op_hmma_cycles_active), so its resident warps share one issue rate
** (spec_issue_cpi_shared), where one more issue slot per warp (spec_issue_cpi) would make the
** 2-warp grids 30% slow. */

/* The token-major forward's warp instructions per 64-key tile at head dims d_qk, d_v. */
static inline double spec_fwd_instr_per_tile(double dk, double dv) {
  return spec_at_dim(SPEC_FWD_INSTR_PER_TILE, SPEC_FWD_INSTR_PER_16DK, dk) +
         spec_at_dim(0.0, SPEC_FWD_INSTR_PER_16DV, dv);
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
  return spec_at_dim(SPEC_SCORES_INSTR_PER_TILE, SPEC_SCORES_INSTR_PER_16DK, dk);
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

/* Warp instructions of the split merges (both engines; the gated merge's fixed part the model only). From ncu
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
/* The gated merge's (gate_combine_split_kernel) fixed part, 1011 - 21 x 18 (above): the model's */
#define SPEC_GATE_MERGE_INSTR_FIXED 633.0

/* Warp instructions of one round of the unfused decode selection's logits (select_decode_kernel:
** per thread one compressed token, its 16 heads' logits loaded, tested against -inf, exp2f'd and
** summed, the sum stored to shared memory). From ncu on the H200 (…-run4-inst.csv,
** r4_nsa_dec_d128_b8_64k: 32 CTAs x 32 warps, 2,038,592 = 1990.8 per warp, 4 rounds at n_cmp
** 4095): less the tails these counts already give (the top-n of 1024 blocks, 3506 on one warp =
** 109.6 per warp; Eq. 9, 48 per warp), 1833 per warp over 4 rounds: 458 per round. */
#define SPEC_SELDEC_INSTR_PER_ROUND 458.0

/* The union selected kernel, the mean pool, the backward's delta pass and dK/dV and dQ, the group
** CTA body from two profiles, the fused decode's pool and merge (counted for the model first). */
/* {==== The union selected kernel (validate/kernels/attn_union.cu attn_union_kernel<DQK,DV,TOK,
** STAGES>: TOK consumer warps, one per token, and one producer warp that issues every cp.async of
** the CTA) ====
** Producer, per 64-key tile of the union (the loop `for (int u = 0; u < n_tiles; ++u)` of step
** 3a: the empty-slot wait, then un_load_tile of K and V, 64 x (d_qk + d_v) / 8 16-byte copies, i.e.
** (d_qk + d_v) / 4 cp.async per lane with their row/chunk split, predicate, swizzle and address,
** then the arrival): its time per tile in issue slots at d_qk + d_v = 256, from ncu on the H200
** (reports/measurements/h200/2026-11-29-h200-run2-detail.txt, attn_union_kernel<128,128,4,2> of
** nsa_d128_16k_u4s2: 8.194M SM active cycles x 2 resident CTAs over 124.12 CTAs per SM = 132.0k
** cycles per CTA, / 6.61 cycles per issued instruction = 19,975 issue slots on the CTA's critical
** path; the CTA's 41.08 union tiles (the model's distinct blocks of 4 tokens at 16k) after the fixed
** part below: 474 per tile). The profile's instruction total (97.8k per CTA, 17.9k of them the
** producer's at 432 per tile if the consumers' were only their own tiles) says the consumer warps
** spend the rest waiting on the producer's full barriers: the producer is the critical path. Scaled
** with the copies, (d_qk + d_v) / 256. The profile's issue interval: 6.61 cycles at 9.79 warps per
** SM (2.45 per scheduler). */
#define SPEC_UNION_PRODUCER_SLOTS_PER_TILE 474.0
#define SPEC_UNION_ISSUE_CYCLES 6.61
#define SPEC_UNION_ISSUE_WARPS 2.45
/* The lean producer (attn_union_kernel<..., LEAN = true>, validate's grp_lean=1, design
** group_union_lean): the same loop with ValWarpCopy (val_common.cuh) in place of un_load_tile. Counted
** from the SASS of the measured source (validate b06c7a6 built for sm_90 with nvcc 13.0 -O3,
** `cuobjdump -sass`; nothing run), one pass of the loop from its head to the back branch, the
** empty-slot wait passing at its first try: 250 instructions at d_qk = d_v = 128 (both u2s2 and
** u4s2; 252 at u8s3): 64 LDGSTS, each with its own 64-bit global address (IADD3 + IMAD.X from the
** 8-row base plus a lane constant: ptxas does not fold the 64 B column steps into immediates, the
** shared side it does), 8 row bounds (ISETP, shared by K and V), the tile's j0 (u / sub by a runtime
** divisor, ~25, the list load, the 64-bit row offset), the wait (~6: parity, address, SYNCS TRYWAIT,
** branch), the ARRIVES and the loop test; at d_qk 192 306 (2 and 4 tokens): 14 per 16 columns of
** d_qk + d_v (4 LDGSTS, 4 address pairs, 2 more).
** The plain loop counted the same way is 976 at d 128 (a 220-instruction body holding one pass of
** each copy loop, then 7 more passes of K's, 46 each, and of V's, 62 each: row/chunk split,
** predicate, select, 64-bit address, swizzle per 4 copies), not the 432 the run-2 profile's
** instruction total left after the consumers' source count. ncu of run 6 (…-run6-ncu.csv, u2s2 at
** 64k, 131072 CTAs, 27.69 union tiles per CTA from the L2 read sectors less Q's and the lists'):
** plain 7.098e9 and lean 4.440e9 executed warp instructions = 1955.8 and 1223.5 per tile, 732 apart
** where the two SASS counts are 726 apart (the consumers run the same code). What is left after
** producer, consumers (600 per own tile, 18 per passed one) and the fixed part is 232 per tile
** plain and 226 lean (u4s2 lean: 303): the consumers' full-barrier polling and their count's error,
** not the producer's. The producer's time is taken in issue slots as the plain one's is: 474 slots
** for 976 instructions, so 474 / 976 slots per lean instruction (121.4 slots per tile at d 256). */
#define SPEC_UNION_PRODUCER_INSTR_PER_TILE 976.0
#define SPEC_UNION_LEAN_INSTR_PER_TILE 250.0
#define SPEC_UNION_LEAN_INSTR_PER_16D 14.0

/* The producer's issue slots per 64-key tile at d_qk, d_v (scaled by the caller with block_n / 64):
** the plain copy's measured slots scaled with the copies, the lean copy's SASS count at the plain
** one's slots per instruction. */
static inline double spec_union_producer_slots(double dk, double dv, int lean) {
  if (!lean)
    return SPEC_UNION_PRODUCER_SLOTS_PER_TILE * (dk + dv) / 256.0;
  return SPEC_UNION_PRODUCER_SLOTS_PER_TILE / SPEC_UNION_PRODUCER_INSTR_PER_TILE *
         (SPEC_UNION_LEAN_INSTR_PER_TILE + SPEC_UNION_LEAN_INSTR_PER_16D * (dk + dv - 256.0) / 16.0);
}
/* A consumer warp (step 3b), counted from the source: per tile of its own token at d_qk 128, QK^T
** (8 x (1 + 4 ldmatrix, 8 mma)), the online softmax of its 16 rows over 64 keys (max, shuffles,
** 64 exp2 with their FMAs, sums, the O rescale of 2 x 16 x 2 values), P V (4 x (4 packs, 8
** ldmatrix.trans, 16 mma)) and the slot release: about 600; per 16 of d_qk beyond 128 one Q and
** four K ldmatrix and 8 mma (13); per tile of another token only the full-barrier wait, the mask
** test and the release (about 18). */
#define SPEC_UNION_CONSUMER_INSTR_PER_TILE 600.0
#define SPEC_UNION_CONSUMER_INSTR_PER_16DK 13.0
#define SPEC_UNION_CONSUMER_INSTR_SKIP 18.0
/* Fixed per CTA (on every warp's path: the barriers after it): the block compaction, the Q tiles
** and the union of the TOK lists, where each of TOK x n list entries scans all TOK lists (step 2:
** `for (int w2 ...) for (int i2 ...)`, about 5 instructions per entry scanned), then the epilogue. */
#define SPEC_UNION_INSTR_FIXED 200.0
#define SPEC_UNION_INSTR_PER_SCAN 5.0
/* }==== */

/* {==== The mean pool (validate/kernels/nsa_compress.cu compress_kernel, and val_mean_chunk8 in
** val_common.cuh: one thread per 8 output columns, CTAs of 256 threads) ====
** Each thread sums the block's l rows, `#pragma unroll 8`: 8 loads in flight, then their adds, so
** ceil(l / 8) dependent round trips. Per row (val_add8 of one 16-byte load): the load and its
** address, four bf16x2 unpacks of two instructions, eight FADD: about 19. Fixed: the global index,
** three 64-bit div/mod pairs by runtime values (chunk, head, block; about 25 each on the 32-bit
** path), the pointers, 1/len and val_store8: about 120. */
#define SPEC_MEAN_ROWS_PER_ROUND 8.0
#define SPEC_MEAN_INSTR_PER_ROW 19.0
#define SPEC_MEAN_INSTR_FIXED 120.0
#define SPEC_MEAN_THREADS 256.0
/* }==== */

/* {==== The MLP compression (validate/kernels/nsa_compress.cu compress_mlp_kernel<DQK, DV>) ====
** Grid: one CTA of SPEC_MLP_THREADS threads (4 warps x 16 rows) per SPEC_MLP_ROWS compressed rows
** (sequence, block, KV head) and per K or V (grid.y = 2), whatever the mapping says: at decode the
** step compresses each sequence's newest block, b x h_kv rows, so batch 8 at 4 KV heads runs 2 CTAs
** (grid_ctas 2 in the run 4/5 matrix CSVs) and two SMs do the whole l x D reduction. A CTA walks
** l x D / 64 slices of its rows (layer 1) then D / 64 of W2 (layer 2), each slice a 64 x 64 tile of
** x plus a 64 x D tile of the weights through a 2-stage cp.async ring (one slice ahead).
** Warp instructions per slice, from the kernel's PTX (nvcc 13.0 -arch=sm_90 --ptx, the <128,128>
** instance's layer-1 loop): the MMA block, 4 k-steps of one ldmatrix of x and D / 16 x (one
** ldmatrix.trans of W and two mma.sync) with their addressing, 210 at D 128 (scaled with D / 16);
** the weights' copy, D / 16 cp.async per thread at 93 / 8 instructions each (val_load_tile's
** swizzle and address); x's copy, 4 rows per thread each with two 64-bit div/mod pairs by runtime
** values (the 32-bit path nvcc emits when both fit) and the row address: about 130; the commit,
** wait, two barriers and the loop: about 20. The slice's issue interval: SPEC_MLP_ISSUE_CYCLES. */
#define SPEC_MLP_ROWS 64.0
#define SPEC_MLP_THREADS 128.0
#define SPEC_MLP_SLICE 64.0
#define SPEC_MLP_INSTR_MMA_PER_16D (210.0 / 8.0)
#define SPEC_MLP_INSTR_COPY_PER_16D (93.0 / 8.0)
#define SPEC_MLP_INSTR_X_ROWS 130.0
#define SPEC_MLP_INSTR_LOOP 20.0
static inline double spec_mlp_instr_per_slice(double d) {
  return d / 16.0 * (SPEC_MLP_INSTR_MMA_PER_16D + SPEC_MLP_INSTR_COPY_PER_16D) + SPEC_MLP_INSTR_X_ROWS +
         SPEC_MLP_INSTR_LOOP;
}
/* Cycles per issued instruction at one warp per scheduler (a CTA alone on its SM): the measured
** time of nsa_fwd_d192_16k_mlp (a calibration config: compress_mlp<192/128>, 128 CTAs on 132 SMs,
** 233.5 us; its K CTAs' 99 slices of spec_mlp_instr_per_slice(192) are the path), less launch and
** two round trips. Set below from that fit. */
#define SPEC_MLP_ISSUE_CYCLES 7.0
#define SPEC_MLP_ISSUE_WARPS 1.0
/* }==== */

/* {==== The backward's delta pass (validate/kernels/attn_bwd.cu bwd_pre_kernel: delta =
** rowsum(dO * O), one warp per (token, head) row, CTAs of 4 warps) ====
** Each lane loads a bf16x2 of O and of dO per iteration of `for (int i = lane * 2; i < p.d_v; i +=
** 64)` (d_v is a runtime value: one iteration's loads in flight, then its FMAs), so d_v / 64
** dependent round trips of 256 bytes per warp (nvcc 13.0 -O3 sm_90 unrolls the loop by 4 behind a
** one-at-a-time remainder loop, which takes both of d_v 128's iterations). Per iteration: two
** addresses, two loads, the unpacks and two FMAs, the loop test: about 15 (counted from the
** source). Fixed: the row index, the pointers, the loop's trip count and its remainder split, five
** shuffle-adds, the (b, t, h) split of the row (two div/mod pairs by runtime values, each behind a
** 64-bit/32-bit test; the 32-bit path is taken, the division's reciprocal sequence) and the
** store: ncu executes 186,646,528 warp instructions over the 1,048,576 warps of full_bwd_d128_16k
** (reports/measurements/h200/2026-11-29-h200-run4-inst.csv, smsp__inst_executed.sum: 178 per
** warp, every profile of the pass the same), so 178 - 2 x 15 = 148 (the source count's 97 left
** out the division sequences and the remainder loop's set-up).
** Warps active: the CTA's 4 warps are 4 independent rows; a warp that has stored its row has
** exited, but its CTA holds the slot until the last of the 4 is done, so ncu's
** sm__warps_active.avg.pct_of_peak_sustained_active is 86.97-87.58% (mean 87.3%) of the 64 slots
** in all 17 profiles of the pass (run2/4/5-ncu.csv, run4-inst.csv; 8k to 64k, d 128 and 192):
** a counter, not a fit of the time. Only active warps take issue slots (model/bounds.c,
** sim/cycle/engine.c). */
#define SPEC_DELTA_WARPS 4.0
#define SPEC_DELTA_COLS_PER_ROUND 64.0
#define SPEC_DELTA_INSTR_PER_ROUND 15.0
#define SPEC_DELTA_INSTR_FIXED 148.0
#define SPEC_DELTA_WARPS_ACTIVE 0.873
/* }==== */

/* {==== mma.sync and warps per scheduler ====
** The arch's tensor_sync_fraction is calibrated on full_fwd_d128_16k (attn_fwd_kernel<128,128,128,
** 64,2>: 8 warps, 192 registers, one CTA per SM: 2 warps per scheduler). With fewer resident warps per
** scheduler nothing hides a warp's dependent ldmatrix/mma chain: ncu (reports/measurements/h200/
** 2026-11-29-h200-run2-ncu.csv, sm__pipe_tensor_op_hmma_cycles_active) shows the backward kernels
** at 1 warp per scheduler (d_qk 192: 255 registers, one CTA of 4 warps per SM) with the tensor pipe
** 21-24% active against 34-41% at 2 warps (d_qk 128). The sync rate scales with the warps per
** scheduler up to this. */
#define SPEC_SYNC_TENSOR_WARPS_PER_SCHED 2.0
/* }==== */

/* {==== The backward's dK/dV and dQ kernels (validate/kernels/attn_bwd.cu bwd_dkdv_kernel<DQK, DV>
** and bwd_dq_kernel<DQK, DV>: 4 warps of 16 rows, 64 x 64 tiles; full attention, the window and
** the compressed branch run the same two kernels) ====
** From ncu on the H200 (reports/measurements/h200/2026-11-29-h200-run4-inst.csv,
** smsp__inst_executed.sum = executed warp instructions), per warp: dK/dV of full_bwd_d128_16k (grid
** 256 x 4 of 4 warps: 1.541e10 / 4096 warps = 3.762M, over 16 heads x 128.5 query tiles = 2056
** (head, query tile) items per CTA on average) and of win_bwd_d128_16k (1.066e9 / 4096 = 260.3k over
** 16 x 8.86 = 141.8 items): 1829 per item, 935 fixed (the K/V tile, the first Q/dO copies, the dK/dV
** stores); cmp_bwd_d128_16k (17 query splits, grid 16 x 4 x 17: 1.023e9 / 4352 = 235.1k over 128
** items) checks within 0.1%. dQ of full_bwd_d128_16k (grid 256 x 64: 1.248e10 / 65536 = 190.4k over
** 128.5 K/V tiles) and win_bwd_d128_16k (9.206e8 / 65536 = 14.05k over 8.86): 1474 per tile, 986
** fixed; cmp_bwd_d128_16k (13.50k over 8.5 tiles) checks within 0.2%. The source's step (dK/dV:
** S^T = K Q^T, 4 x 16 mma per 16 keys, exp2 of 16 x 64 scores, dV += P^T dO, dP, dS, dK += dS^T Q,
** 2 x 4 x d / 16 mma with their ldmatrix, the Q/dO cp.async; dQ likewise without dV) accounts for
** about 1000 and 800 of these; the rest is the scalar softmax and address work of each 64-wide tile.
** Per 16 of d_qk beyond 128, from full_bwd_d192_16k (1.916e10 and 1.575e10): 111 and 97, above the
** source's ~35: at 255 registers the d 192 kernels spill (168 and 40 bytes of local memory). Issue
** interval: SM active cycles x achieved warps / instructions per SM, 4.55 cycles at 1.87 warps per
** scheduler (dK/dV) and 3.80 at 2.0 (dQ); the d 192 profiles (1 warp per scheduler): 3.91 and 3.39. */
#define SPEC_BWD_DKDV_INSTR_PER_ITEM 1829.0
#define SPEC_BWD_DKDV_INSTR_PER_16DK 111.0
#define SPEC_BWD_DKDV_INSTR_FIXED 935.0
#define SPEC_BWD_DKDV_ISSUE_CYCLES 4.55
#define SPEC_BWD_DKDV_ISSUE_WARPS 1.87
#define SPEC_BWD_DQ_INSTR_PER_TILE 1474.0
#define SPEC_BWD_DQ_INSTR_PER_16DK 97.0
#define SPEC_BWD_DQ_INSTR_FIXED 986.0
#define SPEC_BWD_DQ_ISSUE_CYCLES 3.80
#define SPEC_BWD_DQ_ISSUE_WARPS 2.0
/* The dK/dV grid runs its key tiles last to first (ktile = gridDim.x - 1 - blockIdx.x; x fastest,
** then the KV head, then sequence and split): in a causal walk the shortest CTAs start first and
** the longest last, so the busiest SM runs past the average (full_bwd_d128_16k: 76% of its
** elapsed time active on the average SM). The dQ grid runs its query tiles last to first, the
** longest first. */
/* }==== */

/* {==== The selected branch's backward (validate/kernels/nsa_bwd.cu; model only: the cycle engine
** runs up to 8k, where no selected backward was measured) ====
** dQ, sel_dq_kernel<DQK, DV>: one CTA of 4 warps per (token, KV head), the group's Q and dO rows
** (padded to 16) in shared memory, one step per selected block the token may see (the K and V
** tile's 64 rows through a 2-stage cp.async ring: 16 copies per thread at d 128, about 400
** instructions; S and dP 16 mma each with their ldmatrix, the 8 scores' exp2 and dS, dQ += dS K
** 16 mma), then the cross-warp reduction (16 x d_qk / 128 passes per thread) and the bf16 store.
** dK/dV, sel_dkdv_kernel<DQK, DV>: one CTA of 4 warps per chunk of up to 128 tokens that chose
** one block (the inverted index; grid b x h_kv x (T n / 128 + blocks), the chunks beyond the
** index's count return at once), the block's K and V kept in shared memory, one step per token
** (its 16 Q and dO rows and their lse and delta through a 2-stage ring; S^T, dP, dV += P^T dO and
** dK += dS^T Q, 64 mma with their ldmatrix), then the fp32 atomics of dK and dV.
** ncu on the H200 (reports/measurements/h200/2026-11-29-h200-run4-inst.csv, sel_bwd_d128_16k, now
** a calibration config): dQ 3.2951e9 warp instructions over 65536 x 4 warps = 12570 per warp over
** 15.53 blocks per token (254464 (token, block) pairs per KV head over 16384 tokens); fixed about
** 650 counted from the source (the index warp's ballot, the Q/dO copies, the lse and delta, the
** reduction's shared stores and 16 passes of loads, adds and the store), 768 per block. dK/dV
** 2.1018e9 over 9216 x 4 warps = 57015 per warp over 110.4 tokens per launched CTA (1017856
** pairs); fixed about 700 per CTA that runs (the K/V block's 16 copies per thread, the index
** loads, 128 fp32 atomics with their scaling and addresses), about 10 for one beyond the count
** (8464 of 9216 run: pairs / 128 plus half a chunk per block): 510 per token. Per 16 of d_qk
** beyond 128, counted from the source: dQ 35 per block (S: an ldmatrix.x4 of Q and of K and 2
** mma; dQ: an ldmatrix.trans and 2 mma; one more cp.async per thread of the K tile, ~25) and 45
** fixed; dK/dV 16 per token (S^T 6, dK 4, a quarter cp.async of the Q row tile 6) and 20 fixed.
** Issue intervals: SM active cycles x achieved warps / instructions per SM: dQ 10.15M x 11.93 /
** 24.96M = 4.85 cycles at 2.98 warps per scheduler (3 CTAs per SM), dK/dV 11.85M x 7.96 / 15.92M
** = 5.92 at 1.99 (2 CTAs: the dK and dV accumulators alone are (d_qk + d_v) / 2 fp32 registers per
** thread, 224 registers at d 128 and 254 at d 192 in the measured rows). */
#define SPEC_SELBWD_DQ_INSTR_PER_BLOCK 768.0
#define SPEC_SELBWD_DQ_INSTR_FIXED 650.0
#define SPEC_SELBWD_DQ_INSTR_PER_16DK 35.0
#define SPEC_SELBWD_DQ_FIXED_PER_16DK 45.0
#define SPEC_SELBWD_DQ_ISSUE_CYCLES 4.85
#define SPEC_SELBWD_DQ_ISSUE_WARPS 2.98
#define SPEC_SELBWD_DKDV_CHUNK 128.0
#define SPEC_SELBWD_DKDV_INSTR_PER_TOKEN 510.0
#define SPEC_SELBWD_DKDV_INSTR_FIXED 700.0
#define SPEC_SELBWD_DKDV_INSTR_PER_16DK 16.0
#define SPEC_SELBWD_DKDV_FIXED_PER_16DK 20.0
#define SPEC_SELBWD_DKDV_ISSUE_CYCLES 5.92
#define SPEC_SELBWD_DKDV_ISSUE_WARPS 1.99
/* Registers per thread beyond the dK/dV accumulators (224 - 128 at d 128, the measured row's). */
#define SPEC_SELBWD_DKDV_REGS_BEYOND_ACC 96.0
/* }==== */

/* {==== The group CTA body's stream split into per tile and fixed from ncu (validate/kernels/
** val_group.cuh val_group_attend<128, 128, 64, 2>; both engines, in place of the one-profile
** count noted above, whose 1000 fixed was counted from the source and whose 982 per tile then came
** from one profile of 16 tiles per CTA) ====
** reports/measurements/h200/2026-11-29-h200-run4-inst.csv, smsp__inst_executed.sum per warp of two
** attn_group_kernel<128,128,64,2> profiles in index mode with different tiles per CTA: the
** selected forward of nsa_fwd_d128_16k (grid 16384 x 4 of 4 warps: 4.3846e9 / 262144 = 16726 over
** 15.53 tiles: the kernel compacts each token's list to the blocks that start at or before it, so
** a token at p < 15 x 64 walks floor(p / 64) + 1 of them, 254,464 / 16,384 on average, not n = 16)
** and the selected decode of r4_nsa_dec_d128_b8_64k (grid 1 x 4 x 96: 5.8945e6 / 1536 = 3838 over
** 16 tiles / 12 splits = 1.333): 907.7 per tile, 2627.7 fixed (879 and 2666 before the twentieth
** round, taking the forward's 16). Checked on the same run's range-mode profiles: the compressed
** decode (11.326e6 / 1536 = 7374 over 64 / 12 = 5.333 tiles, logits stores included: 7469
** predicted, +1.3%) and the window decode (3.829e6 / 1152 = 3324 over 8 / 9 tiles: 3435, +3.3%). The fixed part is the Q tile and first copies, the zeroing of
** O, and the cross-warp merge and stores (16 x d_v / 128 passes per thread, each with its m / l
** scan over the 4 warps, exp2, the reciprocal and log2, 64-bit row indices and the fp32 partial
** store: about 100, not the 60 first counted). Where a CTA walks 16 tiles (the forward) both
** splits give the same total. */
#define SPEC_GRP_INSTR_PER_TILE 907.7
#define SPEC_GRP_INSTR_FIXED 2627.7
/* Per 16 of d_qk beyond 128, per tile: 42, from the kernel's SASS (attn_group.cu of the measured
** tree a823929 built for sm_90, nvcc 13.0, cuobjdump -sass; attn_group_kernel<192,128,64,2>
** against <128,128,64,2>). val_load_tile's loop `for (int i = tid; i < ROWS * CH; i += NT)` is
** not unrolled whole: it runs 4 copies per pass of about 100 instructions (the row / chunk split,
** the predicate, the 64-bit source address, the swizzle, the zero-fill select, LDGSTS), so each
** cp.async costs about 25 and each 16 of d_qk adds one per thread to the K tile (64 x 16 x 2 B
** over 128 threads): the d 192 K tile takes 3 passes (105 instructions each) where d 128's takes
** 2 (100 each), +115; the rest of the tile body is 67 instructions longer (1042 against 970:
** per 16 of d_qk one ldmatrix.x4 of K, two HMMA and their addresses, and the d_qk-long address
** arithmetic), of which about 53 run per tile (the `it == 0` Q fragments and the loop remainders
** do not): 168 per tile at d 192, 42 per 16. (The source's count alone, one cp.async and an
** ldmatrix with two mma, would give about 7.) */
#define SPEC_GRP_INSTR_PER_16DK 42.0
/* A launch reads its code from DRAM. ncu profiles every kernel from a cold L2 (--cache-control
** all), so a launch's instructions come from HBM once, through the L2 on the SMs' instruction
** path, not the tex unit: DRAM reads rise by the code the warps run and the L2 tex read sectors do
** not. The committed ncu counters show it as a constant per launch beside matched L2 tex reads
** (reports/validation-h200-notes.md, eighteenth and nineteenth rounds): the 16 split-KV group
** decodes up to 8k read 43.5-49.4 KB from DRAM beyond their data whatever their batch and head
** dim, the mean pool's decode step 11.5-11.8 KB, the decode selection 21.5-24 KB, the full
** decode's split merge 20 KB.
** Each size below is the kernel's `.text.<mangled name>` section in the sm_90 cubin of the
** measured tree (a823929, run 2's, which every counter the cycle engine's traffic is scored
** against comes from), compiled as validate/CMakeLists.txt does with nvcc 13.0:
**   nvcc -I validate/kernels -O3 -DNDEBUG -arch=sm_90 -cubin -x cu validate/kernels/<file>.cu
** and the section headers read from the ELF (16 B per instruction, the tail padded with NOPs to
** 128 B). The same on the current tree gives attn_group_kernel<128,128,64,3> 51,968 B, the
** extent of the committed SASS of that kernel (…-source-v1-decode.sass.gz: last offset 0xcaf0 +
** 16), which checks the method. The current tree's other sizes, where they differ: split_combine
** 14,080, compress_kernel 10,752. Only the validation's kernels (mma.sync mappings) read them;
** the large kernels' code (under 0.1% of their bytes) is not counted. */
/* attn_group_kernel<128,128,64,3> (the v1-decode SASS's last offset, 51,952, was taken before) */
#define SPEC_GRP_CODE_BYTES 51584.0
/* compress_kernel, the mean pool (forward and decode step) */
#define SPEC_MEAN_CODE_BYTES 9472.0
/* select_decode_kernel, the unfused decode's selection */
#define SPEC_SELDEC_CODE_BYTES 19200.0
/* split_combine_kernel, the split-KV merge (the full decode's; the NSA decode's first launch) */
#define SPEC_MERGE_CODE_BYTES 17920.0
/* gate_combine_split_kernel, the NSA decode merge's second launch */
#define SPEC_GATE_SPLIT_CODE_BYTES 31744.0
/* bwd_pre_kernel, the backward's delta pass */
#define SPEC_DELTA_CODE_BYTES 5504.0

/* The group CTA body's warp instructions per K/V tile at head dim d_qk. */
static inline double spec_grp_instr_per_tile(double dk) {
  return spec_at_dim(SPEC_GRP_INSTR_PER_TILE, SPEC_GRP_INSTR_PER_16DK, dk);
}
/* The cross-warp merge in that fixed part: group x d_v / threads passes per thread (`for (int i =
** tid; i < group * DV; i += GRP_NT)`), about 100 instructions each: 16 of them at 4 warps and d_v
** 128. A CTA of fewer warps (the 32-key, 2-warp mappings) makes more passes per thread. */
#define SPEC_GRP_MERGE_INSTR_PER_PASS 100.0
#define SPEC_GRP_MERGE_ROWS 16.0
#define SPEC_GRP_PROFILE_WARPS 4.0

/* The merge's rows are the group's query heads (`i < group * DV`), not the Q tile's 16 padded rows:
** a group of 8 heads (64 query heads over 8 KV heads) makes half the passes of the profiled 16
** (val_group.cuh; the lean merge likewise, `i < group * (DV / 4)`). At most the tile's 16. */
static inline double spec_grp_merge_rows(double group) {
  return group > 0 && group < SPEC_GRP_MERGE_ROWS ? group : SPEC_GRP_MERGE_ROWS;
}

/* The group CTA body's fixed warp instructions with `warps` warps, head dim d_v and `group` query
** heads per KV head (the profiled 16 where group is 0). */
static inline double spec_grp_instr_fixed_g(double warps, double dv, double group) {
  double passes = ceil(spec_grp_merge_rows(group) * dv / (32.0 * warps));
  double profiled = SPEC_GRP_MERGE_ROWS * 128.0 / (32.0 * SPEC_GRP_PROFILE_WARPS);
  return SPEC_GRP_INSTR_FIXED + SPEC_GRP_MERGE_INSTR_PER_PASS * (passes - profiled);
}
/* The same with the 16-head group every configuration up to 8k has (what the cycle engine uses). */
static inline double spec_grp_instr_fixed(double warps, double dv) {
  return spec_grp_instr_fixed_g(warps, dv, 0);
}
/* The group kernel's own issue interval: 4.62 cycles per issued instruction at 11.93 warps per SM,
** 2.98 per scheduler (ncu of attn_group_kernel<128,128,64,2>, the selected forward of nsa_d128_16k:
** reports/measurements/h200/2026-11-29-h200-run2-detail.txt; the profile arch.sm.
** dependent_issue_cycles names). The kernel is not pipe-bound (tensor pipe 11.5% active in that
** profile, 1-6% in the decodes: run2-ncu.csv), so with fewer warps on a scheduler each issues
** sooner, but not one whole slot sooner per warp (spec_issue_cpi's default): the same kernel at 3
** stages, attn_group_kernel<128,128,64,3> of nsa_fwd_d128_64k_g64s3 (2 CTAs per SM, 2.0 warps per
** scheduler: ncu 12.4% of 64 warps active, run2-ncu.csv; the same 16 tiles and count per warp,
** 16726, as the profile: its SASS tile loop is 974 instructions against 971), runs a CTA in
** 35.30 ms / ceil(262144 / 264) = 35.55 us, 65.05k cycles at the arch clock: 3.89 cycles per
** instruction (SPEC_GRP_ISSUE_*_LOW; that config is a calibration config). The line through the
** two points costs 0.745 of a slot per warp: one 4-warp CTA per SM (batch 1) issues at 3.15, not
** the 2.64 one slot per warp gives (which made the batch-1 decodes 9-14% fast) nor the 4.62 the
** arch's flat interval gives (20-30% slow). */
#define SPEC_GRP_ISSUE_CYCLES 4.62
#define SPEC_GRP_ISSUE_WARPS 2.98
#define SPEC_GRP_ISSUE_CYCLES_LOW 3.89
#define SPEC_GRP_ISSUE_WARPS_LOW 2.0
/* Issue slots a warp waits per warp on its scheduler, from the kernel's two points. */
#define SPEC_GRP_ISSUE_SLOPE \
  ((SPEC_GRP_ISSUE_CYCLES - SPEC_GRP_ISSUE_CYCLES_LOW) / (SPEC_GRP_ISSUE_WARPS - SPEC_GRP_ISSUE_WARPS_LOW))
/* }==== */

/* {==== The fused decode's extras over the group body (validate/kernels/nsa_decode.cu) ====
** From ncu of r4_nsa_dec_d128_b8_64k_fused (reports/measurements/h200/2026-11-29-h200-run4-inst.csv,
** grids 1 x 4 x 96 of 4 warps, 12 CTAs per (sequence, KV head); a calibration config), per warp
** against the group body above at the same tiles (SPEC_GRP_*, and the unfused compressed decode of
** r4_nsa_dec_d128_b8_64k, 7374):
** decode_cmp_kernel: 11.510e6 / 1536 = 7494, 120 more than the unfused kernel, all on the last
** split's CTA that pools the newest block (DC_PARTS slices, val_add8 rows, the reduction and the
** store): 120 x 12 = 1440 per warp of that CTA, before its tiles.
** decode_branches_kernel: 7.4855e6 / 1536 = 4873 against 2666 + 879 x 24 / 12 = 4424: 449 more per
** warp, 5390 per warp of the CTA that runs the merge (one of 12), i.e. 1348 per (query head x 4
** values of d_v) item a thread merges (group x d_v / 4 / 128 = 4 per thread here). The source's
** count is about 900 (split_merge4 over both branches' splits, the gates, o_cmp, the weights); the
** rest is not located, but ncu's elapsed cycles (80.9k against 42.9k active on the average SM,
** ...-run4-detail.txt) show a tail of that length on few SMs. */
#define SPEC_FUSED_POOL_INSTR 1440.0
#define SPEC_FUSED_MERGE_INSTR_PER_ITEM 1348.0
/* }==== */

/* {==== The lean group body (val_group.cuh val_group_attend<..., LEAN = true>: GrpLeanCopy's
** hoisted copy offsets, the key mask on a warp's edge tiles only, the O rescale only when a row's
** maximum moved, the cross-warp merge by float4 with per-row scales once) in the fused decode's
** variants fused_lean (validate's grp_lean=1) and fused2 (dec_fused=2) ====
** From ncu's executed warp instructions of run 5 (reports/measurements/h200/2026-11-29-h200-run5-
** ncu.csv, smsp__inst_executed.sum), per warp of grids of 4-warp CTAs, two tile counts per kernel:
** r5_nsa_dec_d128_b8_64k_lean_pdl (12 splits per (sequence, KV head)) and
** r5_nsa_dec_d128_b8_64k_lean_s3_pdl (8 splits); both are calibration configs.
** decode_cmp_lean: 5,380,160 / 1536 = 3502.7 over 64 / 12 = 5.333 tiles and 4,959,488 / 1024 =
** 4843.2 over 8 tiles, less the pool on the last split's CTA (SPEC_FUSED_POOL_INSTR / splits, the
** same code as run 4's): 480 per tile (range mode, each tile's logits stored), 822 fixed. Held out:
** batch 1 (32 splits, 2 tiles: 1827 against 1852.6 measured, -1.4%) and 128k batch 4 (16 splits,
** 8 tiles: 4752 against 4820.6, -1.4%). Against the plain body's 879 / 2666 (and the ~1250 per
** tile that ncu's source counters gave the plain decode_cmp, nsa_decode.cu's header) the copies'
** address arithmetic is gone: a lean cp.async is a pointer add and the copy.
** decode_branches_lean: 24 tiles per (sequence, KV head) (16 selected, 8 window) over the splits,
** and the merge on one CTA of them, so the two profiles give the fixed part and (24 x per tile +
** merge): 3,028,416 / 1536 = 1971.6 at 12 splits, 2,509,248 / 1024 = 2450.4 at 8: 1014 fixed,
** 11491 per unit. The merge is the same source in both bodies (decode_branches_kernel after
** val_group_attend), so run 4's measured merge (4 items x SPEC_FUSED_MERGE_INSTR_PER_ITEM per
** thread) stays, which leaves 254 per tile: about what the lean tile's source counts (16 copies of
** a pointer add and LDGSTS, 2 x 8 ldmatrix with 16 mma, the two rows' softmax, 64 rescale
** multiplies, the packs and barriers), so the compressed kernel's tile costs 226 more (its 8 logit
** stores with their tests, and the rest not located; the plain body's tile count came from index
** mode and was used for both). Held out: batch 1 (25 splits: 1473.6 against 1462, +0.8%), 128k
** (16 splits: 1732 against 1729). The branch CTA's fixed part is 192 above the compressed one's
** (the arrival's fence, atomic and barriers; the branch's parameters picked at run time).
** Per 16 of d_qk beyond 128: 15 per tile, from r5_nsa_dec_d192_b8_64k_lean_s3_pdl's decode_cmp_lean
** (a calibration config: 5,026,688 / 512 = 9817.8 over 16 tiles, the pool's 360 and 822 fixed off:
** 540 per tile, 60 above d 128's): GrpLeanCopy adds one copy per 16 of d_qk to the K tile and the
** QK^T one ldmatrix with two mma; the plain body's 42 came from val_load_tile's per-copy division.
** The merge: group x d_v / 4 / threads float4 passes per thread (16 x 128 / 4 / 128 = 4 at 4 warps),
** about 50 instructions each (4 warps' scale and float4 load with 4 FMAs, the row's 64-bit offsets,
** the store: the header's "about a tenth" of the plain merge's 16 passes of 126), so a CTA of 2
** warps (32-key tiles) makes 4 more. */
#define SPEC_GRP_LEAN_INSTR_PER_TILE 254.0
#define SPEC_GRP_LEAN_LOGITS_INSTR_PER_TILE 226.0
#define SPEC_GRP_LEAN_INSTR_PER_16DK 15.0
#define SPEC_GRP_LEAN_INSTR_FIXED 822.0
#define SPEC_GRP_LEAN_BRANCH_INSTR_FIXED 1014.0
#define SPEC_GRP_LEAN_MERGE_INSTR_PER_PASS 50.0

/* The lean body's warp instructions per K/V tile at head dim d_qk; logits: the compressed branch's
** tiles, which store their logits for the selection. */
static inline double spec_grp_lean_instr_per_tile(double dk, int logits) {
  return spec_at_dim(SPEC_GRP_LEAN_INSTR_PER_TILE, SPEC_GRP_LEAN_INSTR_PER_16DK, dk) +
         (logits ? SPEC_GRP_LEAN_LOGITS_INSTR_PER_TILE : 0.0);
}

/* The lean body's fixed warp instructions with `warps` warps and head dim d_v; branch: the branch
** kernel's CTA (its arrival), else the compressed kernel's. */
static inline double spec_grp_lean_instr_fixed_g(double warps, double dv, int branch, double group) {
  double passes = ceil(spec_grp_merge_rows(group) * dv / 4.0 / (32.0 * warps));
  double profiled = SPEC_GRP_MERGE_ROWS * 128.0 / 4.0 / (32.0 * SPEC_GRP_PROFILE_WARPS);
  return (branch ? SPEC_GRP_LEAN_BRANCH_INSTR_FIXED : SPEC_GRP_LEAN_INSTR_FIXED) +
         SPEC_GRP_LEAN_MERGE_INSTR_PER_PASS * (passes - profiled);
}
static inline double spec_grp_lean_instr_fixed(double warps, double dv, int branch) {
  return spec_grp_lean_instr_fixed_g(warps, dv, branch, 0);
}
/* The plain fused compressed decode kernel's own issue interval (decode_cmp_kernel<128,128,64,2>,
** the fused nsa.decode.cmp): ncu's Warp Cycles Per Issued Instruction 6.36 at 11.33 achieved warps
** per SM, 2.83 per scheduler (reports/measurements/h200/2026-11-29-h200-run4-detail.txt,
** r4_nsa_dec_d128_b8_64k_fused, a calibration config), where the group forward's line gives 4.51
** there; away from that occupancy it moves as the group body's does (SPEC_GRP_ISSUE_SLOPE). */
#define SPEC_DEC_CMP_ISSUE_CYCLES 6.36
#define SPEC_DEC_CMP_ISSUE_WARPS 2.83
/* The lean compressed decode kernel's own issue interval (decode_cmp_kernel<128,128,64,3,0,1>, the
** fused_lean / fused3 / fused4 nsa.decode.cmp and, with the selection, fused2's cmp_select): its
** tiles' steady state only (model/nsa_fused.c issues the fixed instructions, whose round trips the
** model adds apart, at the arch's dependent interval). ncu's Warp Cycles Per Issued Instruction
** (8.33 at 1.915 warps per scheduler, reports/measurements/h200/2026-11-29-h200-run5-detail.txt;
** 6.26 at 1.0, run5-ncu.csv) is the warp's whole life over all its instructions, the prologue's
** and the first tiles' waits included, which the model also counts explicitly: at 2 tiles per CTA
** that counted them twice (batch 1 +13%), and at 8 it left the tiles short (-9%). The v3 source
** profile (2026-11-29-h200-source-v3-decode_cmp.csv.gz, 64k batch 8, 8 tiles) puts 79% of the
** stall samples on the instructions that run once per tile or per prefetch, the tile stream's
** time. So the interval is re-derived from the calibration configs' measured times, net of what
** the model adds (launch, pool, prologue trip, first tile, the fixed instructions at the dependent
** interval): 10.80 at 2.0 warps per scheduler from r5_nsa_dec_d128_b8_64k_lean_s3_pdl,
** r7_nsa_dec_d128_b8_64k_lean_s3_pdl and r7_nsa_dec_d128_b8_64k_v3_s3_pdl (31.16 us mean, 8 tiles of
** 480), 6.24 at 1.0 from r5_nsa_dec_d192_b8_64k_lean_s3_pdl (37.25 us, 16 tiles of 540); the line
** through them gives 15.36 at 3.0, where r5_nsa_dec_d128_b8_64k_lean_pdl (6 tiles) needs 15.22. It
** rises 4.6 cycles per warp: the tiles stream from HBM and each resident CTA's tile shares it (the
** group forward's 0.745 is an issue queue's). */
#define SPEC_DEC_CMP_LEAN_ISSUE_CYCLES 10.80
#define SPEC_DEC_CMP_LEAN_ISSUE_WARPS 2.0
#define SPEC_DEC_CMP_LEAN_ISSUE_CYCLES_LOW 6.24
#define SPEC_DEC_CMP_LEAN_ISSUE_WARPS_LOW 1.0
#define SPEC_DEC_CMP_LEAN_ISSUE_SLOPE                                            \
  ((SPEC_DEC_CMP_LEAN_ISSUE_CYCLES - SPEC_DEC_CMP_LEAN_ISSUE_CYCLES_LOW) /      \
   (SPEC_DEC_CMP_LEAN_ISSUE_WARPS - SPEC_DEC_CMP_LEAN_ISSUE_WARPS_LOW))
/* }==== */

/* {==== The two-launch decode's selection (fused2; nsa_decode.cu cmp_select_v2 after the lean
** compressed attention, on every CTA of a (sequence, KV head): NT threads, S splits) ====
** Counted from the source, per thread (a warp's path: warp 0, which also computes the heads' lse):
** the wait (fence, barrier, the atomic and the acquire poll, barrier) and, at the end, the arrival
** (last_to_arrive): SPEC_V2_SYNC_INSTR together; each split lse it loads (S x group over the CTA;
** the row split by a runtime group, a division): 30; the heads' lse (threads < 16: a max and an
** __expf sum over S, then logf): 10 per split and 40; Eq. 9's weights (R + H threads, R terms):
** 6 per term; its share of o_cmp (group x d_v / 4 float4 items over the S CTAs): per item 12 per
** split (the weight's __expf, the float4 load with its address, 4 FMAs) and 25 (the head's inv, the
** pack, the store); its tokens' probabilities, two tokens per pass of `for (i0 = tid; i0 < nt; i0
** += 2 NT)`, both tokens' 16 loads and exp2 issued whether or not the second exists: per token
** SPEC_SELDEC_INSTR_PER_ROUND, the unfused selection's measured count for the same work (a
** compressed token's group logits loaded, tested, exp2'd, summed, stored); each block of Eq. 9 it
** touches (blocks over NT threads): R + H terms of SPEC_EQ9_INSTR_PER_TERM and 15. The last CTA
** then adds the splits' block scores (float4 per thread per pass of 4 NT blocks: 10 per split and
** 20) and runs topn_cta (spec_topn_instr with NT threads).
** Checked against ncu (run5-ncu.csv, decode_cmp_select2 less decode_cmp_lean of the same shape,
** per warp, the top-n on one CTA of S): r5_nsa_dec_d128_b8_64k_v2_s3_pdl (8 splits) 2382 measured,
** 2416 counted (+1%); r5_nsa_dec_d128_b8_64k_v2_pdl (12 splits) 2400 measured, 2021 counted (-16%:
** not located; the acquire poll's iterations, which the count takes as one, are a candidate, as
** 12 splits put 3 CTAs on an SM). */
#define SPEC_V2_SYNC_INSTR 60.0
#define SPEC_V2_LSE_INSTR_PER_LOAD 30.0
#define SPEC_V2_HEAD_LSE_INSTR_PER_SPLIT 10.0
#define SPEC_V2_HEAD_LSE_INSTR 40.0
#define SPEC_V2_MERGE_INSTR_PER_SPLIT 12.0
#define SPEC_V2_MERGE_INSTR_PER_ITEM 25.0
#define SPEC_V2_EQ9_INSTR_PER_BLOCK 15.0
#define SPEC_V2_GATHER_INSTR_PER_SPLIT 10.0
#define SPEC_V2_GATHER_INSTR 20.0

/* Warp instructions on one CTA's path through cmp_select_v2 before the last CTA's tail: nt threads,
** splits S, group heads, d_v, R = l'/d, H = l/d - 1, tokens and Eq. 9 blocks of the CTA's split. */
static inline double spec_v2_select_instr(double nt, double splits, double group, double dv, double r, double h,
                                          double tokens, double blocks) {
  double items = ceil(group * dv / 4.0 / splits);
  return SPEC_V2_SYNC_INSTR + ceil(splits * group / nt) * SPEC_V2_LSE_INSTR_PER_LOAD +
         SPEC_V2_HEAD_LSE_INSTR_PER_SPLIT * 2.0 * splits + SPEC_V2_HEAD_LSE_INSTR + SPEC_EQ9_INSTR_PER_TERM * r +
         ceil(items / nt) * (SPEC_V2_MERGE_INSTR_PER_SPLIT * splits + SPEC_V2_MERGE_INSTR_PER_ITEM) +
         2.0 * ceil(tokens / (2.0 * nt)) * SPEC_SELDEC_INSTR_PER_ROUND +
         ceil(blocks / nt) * ((r + h) * SPEC_EQ9_INSTR_PER_TERM + SPEC_V2_EQ9_INSTR_PER_BLOCK);
}

/* The last CTA's tail: the splits' block scores gathered, then the CTA-wide top-n. */
static inline double spec_v2_tail_instr(double nt, double splits, double n_valid, double n, double forced) {
  return ceil(n_valid / (4.0 * nt)) * (SPEC_V2_GATHER_INSTR_PER_SPLIT * splits + SPEC_V2_GATHER_INSTR) +
         spec_topn_instr(n_valid, n, forced, nt);
}
/* }==== */

/* {==== The decode step v3 (fused3; validate's dec_fused=3, nsa_decode.cu): fused_lean's three
** launches and bodies (dec3_cmp is decode_cmp_lean exactly), with two tails changed ====
** The selection's top-n by radix select (topn_radix, NT = 256 threads of the last CTA; forced blocks
** as topn_cta), counted from the source per warp on the critical path (warp 0, which also scans the
** histogram; warps 1-7 take the longer prefix loops of the compaction, about the same):
** - a histogram pass (four, one per byte of the 32-bit key, while picks remain; n > forced keeps
**   `need` >= 1, so all four run): per key a thread holds (ceil(n_valid / NT) of them)
**   SPEC_RADIX_INSTR_PER_KEY (the three forced tests, the shared load, the key, the prefix test,
**   the bin and the shared atomicAdd, the loop); per pass SPEC_RADIX_INSTR_PER_PASS (the bins
**   cleared, three barriers, the mask, warp 0's scan: 8 bin loads and sums, 5 shuffle-up steps, the
**   bucket search over up to 8 bins on one lane, the prefix and `need` back from shared);
** - the ordered compaction, one round per NT keys: SPEC_RADIX_COMPACT_INSTR (the key again, two
**   ballots and popc, four barriers, the store) and SPEC_RADIX_COMPACT_INSTR_PER_WARP per warp of
**   the CTA (the two prefix sums over the warps below, or thread 0's base update over all of them);
** - SPEC_RADIX_INSTR_FIXED (the early test, cur, need, prefix, the bases).
** At n_valid 1024 (64k): 4 x (4 x 22 + 110) + 4 x (40 + 8 x 8) + 20 = 1228 per warp, against the
** 2453 that spec_topn_instr gives topn_cta with 256 threads.
** ncu check (run 7's decode_select_kernel<1> against run 5's decode_select_kernel of the same shape,
** the kernels' code identical but for the tail, so the difference is the last CTA's: per (sequence,
** KV head), 8 warps): 12 splits (r7_nsa_dec_d128_b8_64k_v3_pdl vs r5_..._lean_pdl) +25,423, 8 splits
** (…_v3_s3_pdl vs …_lean_s3_pdl) +25,038, batch 1 +25,284: the radix tail executes ~3160 warp
** instructions per warp MORE than topn_cta, where the count says ~1200 fewer. Not located: the
** first passes' keys share a few exponent bins, so the shared atomics conflict 32 ways (if the
** conflicting lanes are re-issued and counted, that is up to 32 x per key); no SASS disassembler
** was at hand to check. The engines use the source count (no fit), so their v3 selection tail is
** the count's, which the measured times (21.1 -> 19.9 us at 64k, batch 8) do not contradict: the
** measured kernel got faster although it executes more.
** The shared branch merge (decode_branches_kernel<..., LEAN, COOP = true>): after its attention
** every CTA of a (sequence, KV head) arrives at a counter and spins until all `per` CTAs have
** (SPEC_V2_SYNC_INSTR: the fence, the barriers, the atomic, one acquire poll taken, and at the end
** last_to_arrive, as cmp_select_v2's wait and arrival), loads both branches' split lse for the group
** (per x group over NT threads, SPEC_V2_LSE_INSTR_PER_LOAD each: the same runtime-group division),
** computes the weights (threads < group, warp 0: per split the max, the exp-sum and the weight
** loops, SPEC_V3_WEIGHT_INSTR_PER_SPLIT, and SPEC_V3_WEIGHT_INSTR for both branches' m_use and 1 /
** l), then merges its 1 / per share of the group x d_v / 4 items, SPEC_FUSED_MERGE_INSTR_PER_ITEM
** per pass (fused_lean's merge: the same split_merge4 source), where the plain last CTA ran
** ceil(group x d_v / 4 / NT) passes alone.
** ncu check (decode_branches_coop against run 5's decode_branches_lean, same shape and splits, per
** (sequence, KV head)): 12 splits +18,024 measured, counted +16.4k (12 CTAs of 180 + 240 + 2 x 1348
** + 4 x 15 against one CTA of 4 x 4 x 1348 + 400); 8 splits +7,320 measured, +2.8k counted. The
** acquire poll's iterations (counted as one; they spin for the pair's slowest CTA) are what the
** count leaves out; not fitted. */
#define SPEC_RADIX_PASSES 4.0
#define SPEC_RADIX_INSTR_PER_KEY 22.0
#define SPEC_RADIX_INSTR_PER_PASS 110.0
#define SPEC_RADIX_COMPACT_INSTR 40.0
#define SPEC_RADIX_COMPACT_INSTR_PER_WARP 8.0
#define SPEC_RADIX_INSTR_FIXED 20.0
#define SPEC_V3_WEIGHT_INSTR_PER_SPLIT 15.0
#define SPEC_V3_WEIGHT_INSTR 40.0

/* Warp instructions on the critical path of topn_radix: n of n_valid scores, forced of them
** forced, by `threads` threads; as topn_cta's early exit when every block is taken. */
static inline double spec_topn_radix_instr(double n_valid, double n, double forced, double threads) {
  if (n_valid <= n)
    return SPEC_TOPN_INSTR_FIXED;
  double passes = n > forced ? SPEC_RADIX_PASSES : 0.0, rounds = ceil(n_valid / threads);
  return passes * (SPEC_RADIX_INSTR_PER_KEY * rounds + SPEC_RADIX_INSTR_PER_PASS) +
         rounds * (SPEC_RADIX_COMPACT_INSTR + SPEC_RADIX_COMPACT_INSTR_PER_WARP * threads / 32.0) +
         SPEC_RADIX_INSTR_FIXED;
}

/* CTA-wide barriers topn_radix waits on in turn: three per histogram pass, four per compaction
** round (topn_cta: two per pick). */
static inline double spec_topn_radix_barriers(double n_valid, double n, double forced, double threads) {
  if (n_valid <= n)
    return 0.0;
  return (n > forced ? 3.0 * SPEC_RADIX_PASSES : 0.0) + 4.0 * ceil(n_valid / threads);
}

/* Warp instructions on one CTA's path through the shared merge: nt threads, per CTAs of both
** branches per (sequence, KV head), group heads, d_v. */
static inline double spec_v3_merge_instr(double nt, double per, double group, double dv) {
  double items = ceil(group * dv / 4.0 / per);
  return SPEC_V2_SYNC_INSTR + ceil(per * group / nt) * SPEC_V2_LSE_INSTR_PER_LOAD +
         SPEC_V3_WEIGHT_INSTR_PER_SPLIT * per + SPEC_V3_WEIGHT_INSTR +
         ceil(items / nt) * SPEC_FUSED_MERGE_INSTR_PER_ITEM;
}
/* }==== */

/* {==== The fused selection as measured (decode_select_kernel<RADIX> of nsa_decode.cu: fused and
** fused_lean's nsa.decode.select, fused3's dec3_select; 8 warps per CTA) ====
** Source: reports/measurements/h200/2026-11-29-h200-source-v1-decode_select.csv.gz (ncu SourceCounters
** and WarpStateStats per SASS instruction, the first "Kernel Name" block: decode_select_kernel of
** probe_nsa_dec_d128_b8_64k_fused_s3_pdl, 64k, batch 8, d 128, 8 splits, 512 CTAs = 4096 warps; its
** 3,971,024 executed warp instructions equal run 5's decode_select of r5_nsa_dec_d128_b8_64k_lean_s3_pdl,
** …-run5-ncu.csv). Split at the arrival's ATOMG (SASS row 1483; the rows after it up to the EXIT of the
** CTAs that are not last run on all 4096 warps, the rest on the last CTAs' 256):
** - SPEC_FUSED_SELECT_FRONT_INSTR: 3,472,704 executed up to the atomic + 50,688 from it to the EXIT,
**   over 4096 warps: 848 + 12 = 860 per warp (the provenance file's "848 before the arrival").
** - SPEC_FUSED_SELECT_TOPN_INSTR: 447,632 after that EXIT over the last CTAs' 256 warps: 1749 per warp
**   (the scores read back from L2 and topn_cta). The provenance file's "1947 after it" divides the
**   arrival's 50,688, executed by every warp, by the 256 last warps too (+198). The source count
**   (spec_topn_instr at 1024 blocks, n 16, 3 forced, 256 threads) is 2453.
** - Their issue intervals, from run 5's ncu of the same kernel (…-run5-ncu.csv, r5_..._lean_s3_pdl:
**   sm__cycles_active.avg 17,949, sm__warps_active 38.92% of 64 = 24.9 warps per active cycle, so
**   59.0M warp-cycles over 132 SMs) split by the source file's warp stall samples: 963 samples on the
**   front's rows, 221 on the tail's. A sample is one warp of an SM per sampling interval, so a front
**   sample stands for the SM's ~31 resident warps (512 CTAs of 8 over 132 SMs: 3.88 CTAs), a tail
**   sample for the last CTA's 8: front 963 x 31 / (963 x 31 + 221 x 8) = 94.4% of the warp-cycles,
**   55.7M over 4096 x 860 instructions: SPEC_FUSED_SELECT_FRONT_ISSUE_CYCLES 15.8 at 7.76 warps per
**   scheduler; the tail 3.3M over 256 x 1749: SPEC_FUSED_SELECT_TOPN_ISSUE_CYCLES 7.4 at 2 warps per
**   scheduler. Both intervals hold every stall of their rows (front: barrier 35%, long scoreboard 17%,
**   wait 10%; tail: wait 33%, barrier 23%, short scoreboard 22%), so the front's loads, the sync trip
**   and the tail's barriers are not added again. SPEC_FUSED_SELECT_FRONT_ISSUE_SLOPE: the share of
**   the front's samples that wait for the issue slot (stall_not_selected 77 + stall_selected 56 of
**   963, 13.8%) over its warps per scheduler: 0.138 x 15.8 / 7.76 = 0.28 slots per warp.
** - SPEC_RADIX_EXTRA_INSTR: the radix tail's count, from run 7's smsp__inst_executed against run 5's
**   of the same shape (…-run7-ncu.csv / …-run5-ncu.csv; the kernels differ only in the tail):
**   5,021,092 - 4,207,568 (12 splits) = 813,524 and 4,772,240 - 3,971,024 (8 splits) = 801,216, over
**   32 units x 8 warps: +3178 and +3130, so 3154 per warp above topn_cta's 1749 (4903).
** - SPEC_RADIX_TAIL_ISSUE_CYCLES: no per-instruction counters of the radix tail, so its interval is
**   fitted to timing: the two tails' difference in one call, r7_nsa_dec_d128_b8_64k_lean_s3_pdl's
**   decode_select 21.14 us against r7_nsa_dec_d128_b8_64k_v3_s3_pdl's 19.92 us (…-run7-matrix.csv,
**   the same fronts): the radix tail is 1.22 us (2233 cycles at 1.83 GHz) shorter than topn_cta's
**   1749 x 7.4 = 12,943 cycles, 10,710 over 4903: 2.18 cycles per warp instruction (the conflicting
**   shared atomics' replays issue back to back; not located). Both configs are calibration configs.
** Other shapes scale the measured counts by the source count's ratio (spec_topn_instr,
** spec_topn_radix_instr) to the profiled shape's; every front counts the same 860 (one head merged
** per CTA, two logit rounds, 64 blocks' Eq. 9: every scored shape but 16k with 8 KV heads, whose CTAs
** merge two heads). */
#define SPEC_FUSED_SELECT_FRONT_INSTR 860.0
#define SPEC_FUSED_SELECT_FRONT_ISSUE_CYCLES 15.8
#define SPEC_FUSED_SELECT_FRONT_ISSUE_WARPS 7.76
#define SPEC_FUSED_SELECT_FRONT_ISSUE_SLOPE 0.28
#define SPEC_FUSED_SELECT_TOPN_INSTR 1749.0
#define SPEC_FUSED_SELECT_TOPN_ISSUE_CYCLES 7.4
#define SPEC_RADIX_EXTRA_INSTR 3154.0
#define SPEC_RADIX_TAIL_ISSUE_CYCLES 2.18
/* The profiled shape: 1024 selection blocks, n 16, 3 forced, 256 threads. */
#define SPEC_FUSED_SELECT_PROFILE_NSEL 1024.0

/* The fused selection's tail per warp (scores read back, top-n) at n_valid blocks: the measured
** count scaled by the source count's ratio to the profiled shape's; radix: topn_radix's. */
static inline double spec_fused_select_tail_instr(double n_valid, double n, double forced, double threads, int radix) {
  double measured = SPEC_FUSED_SELECT_TOPN_INSTR + (radix ? SPEC_RADIX_EXTRA_INSTR : 0.0);
  double at = radix ? spec_topn_radix_instr(n_valid, n, forced, threads) : spec_topn_instr(n_valid, n, forced, threads);
  double ref = radix ? spec_topn_radix_instr(SPEC_FUSED_SELECT_PROFILE_NSEL, 16.0, 3.0, 256.0)
                     : spec_topn_instr(SPEC_FUSED_SELECT_PROFILE_NSEL, 16.0, 3.0, 256.0);
  return measured * at / ref;
}
/* }==== */

/* {==== The decode step v4 (fused4; validate's dec_fused=4, nsa_decode.cu V4 / TOPN == 2): fused3's
** three launches and bodies (dec4_cmp is decode_cmp_lean plus, in a whole step, the done_cmp
** arrival), with three changes ====
** The selection's top-n from per-warp thresholds (topn_warps<256>, taken while n_valid <= 256 x
** TW_K = 2048, else topn_radix), counted from the source per warp on the critical path (warp 0: it
** ranks the first 32 candidates and sorts the result):
** - SPEC_TW_K (8) key slots per thread, unrolled: per slot SPEC_TW_INSTR_PER_KEY (the index, the
**   range and the three forced tests, the shared load, the key);
** - 16 rounds of 2 bits (shift 30 .. 0, while need > 0): per slot SPEC_TW_INSTR_PER_KEY_ROUND (three
**   compares against the candidates, the shifts and adds into the packed count), per round
**   SPEC_TW_INSTR_PER_ROUND (the three candidates, __reduce_add_sync, the three 10-bit fields, the
**   two-bit choice and T, the loop), no barrier;
** - the threshold and the candidates: L the max of the 8 warps' T (SPEC_TW_INSTR_PER_WARP each), per
**   slot SPEC_TW_INSTR_PER_CAND (the test, the ballot, lane 0's shared atomicAdd, the shuffle, popc,
**   the slot and its two stores);
** - the ranking: each candidate's lane loops over all nc candidates (SPEC_TW_INSTR_PER_RANK: two
**   shared loads, the key-then-index compare, the add, the loop); nc for independent scores by a
**   Monte Carlo of the rule (8 warps of 32 x ceil(n_valid / 256) consecutive keys, keys >= the
**   largest warp's (n - 3)-th): 66-71 at n 16 for 256 to 2048 blocks, SPEC_TW_CAND_PER_PICK x (n - 3);
** - warp 0's ascending sort of the n picks (SPEC_TW_INSTR_PER_OUT each) and SPEC_TW_INSTR_FIXED (the
**   early test, cur, per, j0, need, s_n, three barriers, the forced three);
** - before it, the scores read back from L2 (unroll 4: SPEC_TW_READBACK_INSTR per round of 256).
** At n_valid 1024, n 16: 80 + 16 x (8 x 9 + 18) + 16 + 120 + 67.6 x 9 + 80 + 40 + 32 = 2417 per warp.
** ncu check (…-run9-ncu.csv, smsp__inst_executed of decode_select_kernel<2>): the front runs on all
** 8 warps of every CTA and the tail on the last CTA's, so one config cannot split them; two can:
** r9_nsa_dec_d128_b4_128k_v4_s3_pdl (16 units x 32 CTAs, 2048 blocks, 16 splits) 4,182,266 and
** r9_nsa_dec_d128_b8_64k_v4_s3_pdl (32 units x 16 CTAs, 1024 blocks, 8 splits) 4,295,718 have 4096
** front warps each; with the front's ~5.9 per split (the k4, s3 and 12-split b8 rows: 4,202,140,
** 4,295,718, 4,395,055) and the tail's source growth from 1024 to 2048 blocks (+32): 128 T(1024) =
** 4,295,718 - (4,182,266 - 4096 x 8 x 5.9 - 128 x 32), so T(1024) ~ 2429 per warp (counted 2417,
** -0.5%), and the front ~897 (fused3's 860 measured in run 4's source file; the source says the
** o_cmp merge's ~60 are gone, so ~100 per warp more than it counts are not located). Its interval:
** topn_cta's (SPEC_FUSED_SELECT_TOPN_ISSUE_CYCLES, the same last CTA of 8 warps; not fitted to run 9).
** The selection's front: fused3's measured 860 per warp less the merge it no longer runs
** (spec_v4_front_instr: the CTA's head, one value of d_v per thread over the first d_v of its 256
** threads, SPEC_V2_MERGE_INSTR_PER_SPLIT per split and SPEC_V2_MERGE_INSTR_PER_ITEM, averaged over
** its 8 warps; the source count, not the ncu figure above), and two of its three dependent memory rounds (lse,
** partials, logits) gone: the logits are in flight with the lse.
** The shared branch merge (decode_branches_kernel<..., COOP, V4 = true>) also loads the compressed
** branch's split lse and weighs them (S_c more splits), and per item merges its S_c partials
** (split_merge4: SPEC_V2_MERGE_INSTR_PER_SPLIT each) and packs and stores o_cmp in bf16
** (SPEC_V4_OCMP_INSTR_PER_ITEM) where fused3 loaded it; a third branch's m_use and 1 / l
** (SPEC_V3_WEIGHT_INSTR / 2). ncu check: dec4_branches against dec3_branches of
** r9_..._v4_s3_pdl / r9_..._v3_s3_pdl (8 + 8 splits each side, 8 compressed splits; 1024 warps):
** 2,975,130 - 2,749,389 = +220 per warp measured, +276 counted (+30 lse loads, +140 weights, +106
** per pass). */
#define SPEC_TW_K 8.0
#define SPEC_TW_ROUNDS 16.0
#define SPEC_TW_INSTR_PER_KEY 10.0
#define SPEC_TW_INSTR_PER_KEY_ROUND 9.0
#define SPEC_TW_INSTR_PER_ROUND 18.0
#define SPEC_TW_INSTR_PER_WARP 2.0
#define SPEC_TW_INSTR_PER_CAND 15.0
#define SPEC_TW_INSTR_PER_RANK 9.0
#define SPEC_TW_CAND_PER_PICK 5.2
#define SPEC_TW_INSTR_PER_OUT 5.0
#define SPEC_TW_INSTR_FIXED 40.0
#define SPEC_TW_READBACK_INSTR 8.0
#define SPEC_TW_MAX_BLOCKS 2048.0
#define SPEC_V4_OCMP_INSTR_PER_ITEM 10.0

/* Warp instructions on the critical path of topn_warps (n of n_valid scores, forced of them forced,
** `threads` threads) with the scores' read-back before it; beyond SPEC_TW_MAX_BLOCKS the kernel
** runs topn_radix (its source count). */
static inline double spec_topn_warps_instr(double n_valid, double n, double forced, double threads) {
  double back = ceil(n_valid / threads) * SPEC_TW_READBACK_INSTR;
  if (n_valid <= n)
    return back + SPEC_TOPN_INSTR_FIXED;
  if (n_valid > SPEC_TW_MAX_BLOCKS)
    return back + spec_topn_radix_instr(n_valid, n, forced, threads);
  double need = fmax(0.0, n - forced);
  double rounds = need > 0 ? SPEC_TW_ROUNDS : 0.0;
  return back + SPEC_TW_K * SPEC_TW_INSTR_PER_KEY + rounds * (SPEC_TW_K * SPEC_TW_INSTR_PER_KEY_ROUND + SPEC_TW_INSTR_PER_ROUND) +
         SPEC_TW_INSTR_PER_WARP * threads / 32.0 + SPEC_TW_K * SPEC_TW_INSTR_PER_CAND +
         SPEC_TW_CAND_PER_PICK * need * SPEC_TW_INSTR_PER_RANK + SPEC_TW_INSTR_PER_OUT * n + SPEC_TW_INSTR_FIXED;
}

/* Barriers topn_warps waits on in turn (three; topn_radix's beyond SPEC_TW_MAX_BLOCKS). */
static inline double spec_topn_warps_barriers(double n_valid, double n, double forced, double threads) {
  if (n_valid <= n)
    return 0.0;
  return n_valid > SPEC_TW_MAX_BLOCKS ? spec_topn_radix_barriers(n_valid, n, forced, threads) : 3.0;
}

/* The v4 selection front per warp: the measured front less the o_cmp merge (one head per CTA at
** the profiled shape, `splits` compressed splits, d_v values over the 256 threads, averaged over the
** selection CTA's 8 warps). */
static inline double spec_v4_front_instr(double splits, double dv) {
  double merge_warps = fmin(ceil(dv / 32.0), 8.0);
  return SPEC_FUSED_SELECT_FRONT_INSTR -
         merge_warps / 8.0 * (SPEC_V2_MERGE_INSTR_PER_SPLIT * splits + SPEC_V2_MERGE_INSTR_PER_ITEM);
}

/* Warp instructions on one CTA's path through v4's shared merge: fused3's with the compressed
** branch's cmp_splits more split lse, weights and partials per item, and o_cmp stored. */
static inline double spec_v4_merge_instr(double nt, double per, double cmp_splits, double group, double dv) {
  double items = ceil(group * dv / 4.0 / per), all = per + cmp_splits;
  return SPEC_V2_SYNC_INSTR + ceil(all * group / nt) * SPEC_V2_LSE_INSTR_PER_LOAD + SPEC_V3_WEIGHT_INSTR_PER_SPLIT * all +
         1.5 * SPEC_V3_WEIGHT_INSTR +
         ceil(items / nt) * (SPEC_FUSED_MERGE_INSTR_PER_ITEM + SPEC_V2_MERGE_INSTR_PER_SPLIT * cmp_splits +
                             SPEC_V4_OCMP_INSTR_PER_ITEM);
}
/* }==== */

/* Cycles between a warp's issued instructions: the arch's dependent interval, or the kernel's own
** measured one (own_cycles > 0, measured with own_warps warps per scheduler), which stands in for
** it, `slope` issue slots more (less) per warp a scheduler holds beyond (below) own_warps (0: one
** slot, the rule for a kernel profiled at one occupancy; the group kernel's, profiled at two,
** SPEC_GRP_ISSUE_SLOPE); either way no faster than its share of the scheduler when share =
** resident warps per scheduler exceeds it. Both engines' rule. */
static inline double spec_issue_cpi(double dependent_cycles, double share, double own_cycles, double own_warps,
                                    double slope) {
  double k = slope > 0 ? slope : 1.0;
  return own_cycles > 0 ? fmax(share, own_cycles + k * (share - own_warps)) : fmax(dependent_cycles, share);
}

/* The same for a kernel whose measured interval is a shared pipe's throughput (the token-major
** forward's, SPEC_FWD_ISSUE_*): the scheduler issues own_warps / own_cycles per clock whatever its
** warps, so each of share warps issues every own_cycles x share / own_warps cycles, and none faster
** than the dependent interval. Both engines' rule. */
static inline double spec_issue_cpi_shared(double dependent_cycles, double share, double own_cycles, double own_warps) {
  return fmax(fmax(dependent_cycles, share), own_cycles * share / own_warps);
}

#endif
