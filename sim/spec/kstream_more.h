/*
** sim/spec/kstream_more.h — more of what the validation kernels (validate/kernels/) execute besides
** FLOPs and bytes, beside sim/spec/kstream.h: the instruction streams and dependent load rounds of
** the union selected kernel, the mean pool and the backward's delta pass. Used by the analytical
** model (model/mdl_int.h); numbers are properties of the kernels, not of an arch. Kept apart from
** kstream.h so that the cycle engine can adopt them later without a second source.
*/
#ifndef NSASIM_SPEC_KSTREAM_MORE_H
#define NSASIM_SPEC_KSTREAM_MORE_H

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

/* {==== The backward's delta pass (validate/kernels/attn_bwd.cu bwd_pre_kernel: delta =
** rowsum(dO * O), one warp per (token, head) row, CTAs of 4 warps) ====
** Each lane loads a bf16x2 of O and of dO per iteration of `for (int i = lane * 2; i < p.d_v; i +=
** 64)` (d_v is a runtime value: one iteration's loads in flight, then its FMAs), so d_v / 64
** dependent round trips of 256 bytes per warp. Per iteration: two addresses, two loads, the unpacks
** and two FMAs, the loop test: about 15. Fixed: the row index, the pointers, five shuffle-adds,
** the (b, t, h) split of the row (two 64-bit div/mod pairs by runtime values) and the store: about
** 97. Counted from the source. */
#define SPEC_DELTA_WARPS 4.0
#define SPEC_DELTA_COLS_PER_ROUND 64.0
#define SPEC_DELTA_INSTR_PER_ROUND 15.0
#define SPEC_DELTA_INSTR_FIXED 97.0
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

/* {==== The group CTA body's stream split into per tile and fixed from ncu (validate/kernels/
** val_group.cuh val_group_attend<128, 128, 64, 2>; used by the model in place of kstream.h's
** SPEC_GROUP_INSTR_*, whose 1000 fixed was counted from the source and whose 982 per tile then
** came from one profile of 16 tiles per CTA) ====
** reports/measurements/h200/2026-11-29-h200-run4-inst.csv, smsp__inst_executed.sum per warp of two
** attn_group_kernel<128,128,64,2> profiles in index mode with different tiles per CTA: the
** selected forward of nsa_fwd_d128_16k (grid 16384 x 4 of 4 warps: 4.3846e9 / 262144 = 16726 over
** 16 tiles) and the selected decode of r4_nsa_dec_d128_b8_64k (grid 1 x 4 x 96: 5.8945e6 / 1536 =
** 3838 over 16 tiles / 12 splits = 1.333): 879 per tile, 2666 fixed. Checked on the same run's
** range-mode profiles: the compressed decode (11.326e6 / 1536 = 7374 over 64 / 12 = 5.333 tiles,
** logits stores included: 7354 predicted, -0.3%) and the window decode (3.829e6 / 1152 = 3324
** over 8 / 9 tiles: 3447, +3.7%). The fixed part is the Q tile and first copies, the zeroing of
** O, and the cross-warp merge and stores (16 x d_v / 128 passes per thread, each with its m / l
** scan over the 4 warps, exp2, the reciprocal and log2, 64-bit row indices and the fp32 partial
** store: about 100, not the 60 first counted). Where a CTA walks 16 tiles (the forward) both
** splits give the same total. */
#define SPEC_GRP_INSTR_PER_TILE 879.0
#define SPEC_GRP_INSTR_FIXED 2666.0
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

#endif
