/*
** sim/spec/kstream.h — what the validation kernels (validate/kernels/) execute besides FLOPs and
** bytes: the group kernel's warp instruction stream and the split merges' dependent load rounds.
** Shared by both engines (the analytical model's latency bound, the cycle engine's steps) so that
** they use one source of truth; numbers are properties of the kernels, not of an arch.
*/
#ifndef NSASIM_SPEC_KSTREAM_H
#define NSASIM_SPEC_KSTREAM_H

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

/* Dependent load rounds of a split merge over the partials of one row, as the validation's
** split_combine_kernel (validate/kernels/attn_group.cu) does it: three passes over the partials
** (the max of the lse, the sum of the weights, the weighted sum of o), each loop unrolled 8 deep,
** so each pass waits ceil(splits / 8) round trips; gate_combine_split_kernel (nsa_select.cu) makes
** the same three passes per branch. */
#define SPEC_MERGE_PASSES 3u
#define SPEC_MERGE_UNROLL 8u

#endif
