/*
** validate/kernels/val_kernels.h — C interface of the CUDA validation kernels.
** Parameter structs and extern "C" launchers shared by the .cu kernels and the C harness.
** Tensor layouts (row-major, bf16 unless noted): Q [B, Tq, Hq, Dqk], K [B, Tk, Hkv, Dqk],
** V [B, Tk, Hkv, Dv], O [B, Tq, Hq, Dv]; LSE fp32 [B, Hq, Tq] (natural log, -inf for a row that
** sees no key). Every launcher returns the cudaError_t of the launch (cudaGetLastError) and, when
** `info` is not NULL, fills it with the grid, block and compiler resources of the kernel it chose.
*/
#ifndef VAL_KERNELS_H
#define VAL_KERNELS_H

#include <stdint.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a launcher used, so the CSV can be joined with a workload's `kernel:` mapping. */
typedef struct val_launch_info {
  const char *func_name;     /* instantiation, e.g. "attn_fwd<192/128/128/64/2>" (no commas: CSV) */
  unsigned grid_x, grid_y, grid_z;
  unsigned block_threads;
  size_t dyn_smem_bytes;     /* dynamic shared memory given at launch */
  int num_regs;              /* cudaFuncAttributes.numRegs (per thread) */
  size_t static_smem_bytes;  /* cudaFuncAttributes.sharedSizeBytes */
  size_t local_bytes;        /* cudaFuncAttributes.localSizeBytes: >0 means spills/stack */
  int max_threads_per_block; /* cudaFuncAttributes.maxThreadsPerBlock */
} val_launch_info;

/*
** Token-major FlashAttention-2 forward (one CTA per (block_m query rows, query head)).
** Serves three kernels through its mask: key j sits at position j*kv_pos_stride + kv_pos_off and
** query row r at q_pos0 + r; key j is visible to row r iff pos(j) <= pos(r) and, when window > 0,
** pos(j) > pos(r) - window. Full causal: stride 1, off 0, window 0. Compressed attention:
** stride d, off l-1 (compressed block i covers tokens [i*d, i*d+l-1]). Sliding window: window w.
*/
typedef struct val_attn_fwd_params {
  const void *q, *k, *v;   /* bf16 */
  void *o;                 /* bf16 [B, Tq, Hq, Dv] */
  float *lse;              /* [B, Hq, Tq] */
  int batch, seq_q, seq_k, heads_q, heads_kv, d_qk, d_v;
  int q_pos0, kv_pos_stride, kv_pos_off, window;
  float scale;             /* softmax scale, usually 1/sqrt(d_qk) */
  int block_m, block_n, stages; /* mapping; warps = block_m / 16 */
  /* Optional gated combine in the epilogue (the NSA window branch, last of the three): with gates
  ** set, o = g0 gate_a + g1 gate_b + g2 (this attention's output), gates bf16 [B, Tq, Hq, 3],
  ** gate_a / gate_b bf16 shaped like o (the compressed and selected outputs); lse stays this
  ** attention's own. */
  const void *gates, *gate_a, *gate_b;
} val_attn_fwd_params;

cudaError_t val_launch_attn_fwd(const val_attn_fwd_params *p, cudaStream_t s, val_launch_info *info);

/*
** Group-centric attention ([NSA] §3.4): one CTA per (query token, KV head, KV split); the Q tile
** holds all h = Hq/Hkv heads of the group (padded to 16 MMA rows); K/V tiles of block_n = 64 or
** 32 keys are streamed through shared memory and shared by the whole group.
** mode VAL_GROUP_RANGE: keys are all rows of K with the position rule of val_attn_fwd_params
**   (used for decode of full attention, compressed and window branches).
** mode VAL_GROUP_INDEX: keys are the blocks blk_idx[b, t, hkv, 0..n_blk) of blk_size tokens
**   (selected branch); index < 0 means "no block"; keys after the query position are masked.
** splits > 1: CTAs write fp32 partial outputs o_part [splits, B, Tq, Hq, Dv] and lse_part
** [splits, B, Hq, Tq]; val_launch_split_combine() then reduces them into o and lse.
*/
enum { VAL_GROUP_RANGE = 0, VAL_GROUP_INDEX = 1 };

typedef struct val_attn_group_params {
  const void *q, *k, *v;
  void *o;                 /* bf16 [B, Tq, Hq, Dv] (splits == 1) */
  float *lse;              /* [B, Hq, Tq] (splits == 1) */
  float *o_part, *lse_part;/* used when splits > 1 or write_part */
  int batch, seq_q, seq_k, heads_q, heads_kv, d_qk, d_v;
  int q_pos0, kv_pos_stride, kv_pos_off, window;
  int mode;
  const int32_t *blk_idx;  /* [B, Tq, Hkv, n_blk] */
  int n_blk, blk_size;
  int splits, stages;
  int block_n;             /* keys per tile: 64 (4 warps) or 32 (2 warps) */
  int write_part;          /* 1: write o_part/lse_part even when splits == 1 (fused decode combine) */
  float *logits;           /* optional, range mode with seq_q == 1: scale*log2(e)*q.k per (b, hkv,
                           ** head row < 16, key), -inf where masked: [B, Hkv, 16, seq_k] */
  float scale;
  int pdl;                 /* programmatic dependent launch (decode): 1 = wait for the kernel before
                           ** after the prologue's loads (index mode: before reading the indices),
                           ** 2 = wait before any load (its keys come from that kernel) */
  int lean;                /* attn_union.cu: the producer's copies with ValWarpCopy (grp_lean=1) */
  const int *ready;        /* decode v4 in a whole step (nsa_decode.cu): per (b, hkv) flags the kernel
                           ** before sets when its indices are written; index mode waits on them
                           ** (instead of pdl) and range mode waits for nothing. NULL elsewhere */
} val_attn_group_params;

cudaError_t val_launch_attn_group(const val_attn_group_params *p, cudaStream_t s, val_launch_info *info);
/* Resident CTAs per SM of the group kernel for this shape (occupancy API), to size decode splits
** to one full wave. Returns 0 on error. */
int val_attn_group_ctas_per_sm(int d_qk, int d_v, int block_n, int stages);

/*
** Selected attention for tok_per_cta consecutive tokens per CTA (attn_union.cu): mode
** VAL_GROUP_INDEX, splits 1, blk_size a multiple of 64, n_blk <= 32. The CTA loads the union of
** its tokens' selected blocks once; warp w computes token w; a producer warp fills a `stages`-deep
** ring. Outputs o and lse as the group kernel's.
*/
cudaError_t val_launch_attn_union(const val_attn_group_params *p, int tok_per_cta, cudaStream_t s, val_launch_info *info);
int val_attn_union_supported(int d_qk, int d_v, int tok_per_cta, int stages);

/* Reduce split-KV partials: o = sum_s exp(lse_s - lse) o_s, lse = log sum_s exp(lse_s). */
typedef struct val_split_combine_params {
  const float *o_part, *lse_part;
  void *o;                 /* bf16 [B, Tq, Hq, Dv] */
  float *lse;              /* [B, Hq, Tq] */
  int batch, seq_q, heads_q, d_v, splits;
  int pdl;                 /* programmatic dependent launch after the split kernel */
} val_split_combine_params;

cudaError_t val_launch_split_combine(const val_split_combine_params *p, cudaStream_t s, val_launch_info *info);

/*
** NSA compression phi (nsa_compress.cu), one launch for K and V, blocks i in [first_block, n_blocks)
** (decode passes first_block = n_blocks - 1: only the newest block).
** mean: out[b, i, h, :] = mean_{u<l} in[b, i*d + u, h, :].
** mlp ([NSA] Eq. 7, phi an MLP with intra-block position encoding): x = concat_u (in[b, i*d+u, h, :]
**   + pe[u, :]) in R^{l*D}, out = relu(x W1) W2, W1 [l*D][D], W2 [D][D], weights shared by the KV
**   heads, one set for K and one for V. pe enters through c1 = flatten(pe) W1 (a weight-only bias,
**   computed once), so the kernel reads only the tokens: out = relu(k W1 + c1) W2. Tensor cores.
** Backward (mean only): d_in[b, t, h, :] = sum over the blocks i covering t of d_out[b, i, h, :] / l;
**   the same struct with k, v = dK_cmp, dV_cmp and k_cmp, v_cmp = dK, dV.
*/
typedef struct val_compress_params {
  const void *k, *v;       /* [B, T, Hkv, Dqk] / [B, T, Hkv, Dv] */
  void *k_cmp, *v_cmp;     /* [B, n_blocks, Hkv, D] */
  int batch, seq_len, heads_kv, d_qk, d_v;
  int cmp_len, cmp_stride, n_blocks, first_block;
  int mlp;                         /* 0 mean, 1 MLP */
  const void *w1_k, *w2_k, *w1_v, *w2_v; /* bf16 MLP weights (mlp = 1) */
  const float *c1_k, *c1_v;        /* [D] fp32: flatten(pe) W1 */
} val_compress_params;

cudaError_t val_launch_compress(const val_compress_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_compress_bwd(const val_compress_params *p, cudaStream_t s, val_launch_info *info);

/*
** Importance scores ([NSA] Eq. 8-10): p_cmp = exp(q.k_cmp*scale - lse_cmp) per head, mapped to
** selection blocks with Eq. 9 (0-based form: p_slc[j] = sum_{m<l'/d} sum_{n<l/d}
** p_cmp[(l'/d)(j+1) - 1 - m - n]) and summed over the heads of the group (Eq. 10).
** Writes scores[b, hkv, t, j] for every j <= pos(t)/l' (other entries are not written).
** One CTA per (8 query tokens, KV head, split of the compressed keys); one warp per token.
*/
typedef struct val_scores_params {
  const void *q, *k_cmp;   /* Q [B, Tq, Hq, Dqk], K_cmp [B, n_cmp, Hkv, Dqk] */
  const float *lse_cmp;    /* [B, Hq, Tq] from compressed attention */
  float *scores;           /* [B, Hkv, Tq, n_sel] */
  int batch, seq_q, n_cmp, heads_q, heads_kv, d_qk;
  int q_pos0, cmp_len, cmp_stride, sel_len, n_sel, splits;
  float scale;
  int32_t *idx;            /* optional: fused top-n (val_topn_params' rule and layout) of n blocks;
                           ** prefill only (8 tokens per CTA, one split, 32 * n_sel <= 4 * 64 * d_qk) */
  int n;
} val_scores_params;

cudaError_t val_launch_scores(const val_scores_params *p, cudaStream_t s, val_launch_info *info);

/*
** Top-n selection (Eq. 11) with forced blocks: block 0 (initial) and the blocks holding pos(t) and
** pos(t) - l' (local) are always taken; the rest by descending score, ties to the lower index.
** Output idx[b, t, hkv, 0..n) ascending, -1 padded when fewer than n blocks exist.
*/
typedef struct val_topn_params {
  const float *scores;     /* [B, Hkv, Tq, n_sel] */
  int32_t *idx;            /* [B, Tq, Hkv, n] */
  int batch, seq_q, heads_kv, q_pos0, sel_len, n_sel, n;
} val_topn_params;

cudaError_t val_launch_topn(const val_topn_params *p, cudaStream_t s, val_launch_info *info);

/*
** Decode selection from the compressed branch's logits (written by the group kernel with
** `logits`): p = sum over the group's heads of exp2(logit - lse*log2 e) (Eq. 8, 10), Eq. 9 to
** selection blocks, then the top-n of val_launch_topn. One CTA per (sequence, KV head); the
** compressed keys are not read a second time.
*/
typedef struct val_select_decode_params {
  const float *logits;     /* [B, Hkv, 16, n_cmp] */
  const float *lse_cmp;    /* [B, Hq, 1] */
  float *scores;           /* [B, Hkv, 1, n_sel] */
  int32_t *idx;            /* [B, 1, Hkv, n] */
  int batch, heads_q, heads_kv, n_cmp, q_pos, cmp_len, cmp_stride, sel_len, n_sel, n;
} val_select_decode_params;

cudaError_t val_launch_select_decode(const val_select_decode_params *p, cudaStream_t s, val_launch_info *info);

/*
** Decode gated combine that also finishes the split-KV reduction of the selected and window
** branches: o = g0 o_cmp + g1 reduce(o_part_slc) + g2 reduce(o_part_win), one launch instead of three.
*/
typedef struct val_gate_split_params {
  const void *o_cmp, *gates;              /* bf16 */
  const float *o_part_slc, *lse_part_slc; /* [splits_slc, rows, Dv], [splits_slc, B, Hq, 1] */
  const float *o_part_win, *lse_part_win;
  void *o;
  int rows, d_v, splits_slc, splits_win;  /* rows = B * Hq (one query per sequence) */
} val_gate_split_params;

cudaError_t val_launch_gate_combine_split(const val_gate_split_params *p, cudaStream_t s, val_launch_info *info);

/*
** Fused NSA decode (nsa_decode.cu): the whole decode step in three launches instead of six, since
** every launch of a short decode kernel costs about as much as its work (3.8 us back to back on
** the H200). One query per sequence; counters hold B * Hkv ints per kernel that use them, zero
** on entry and left zero.
** cmp: the group kernel over the compressed keys (range mode, logits, partials; cmp.splits CTAs
**   per (sequence, KV head)). With k_src set (mean-pool compression), the CTA of the last split
**   first pools the newest compressed block from k_src/v_src into k_cmp/v_cmp (cmp.k, cmp.v).
** With cmp.pdl set, the three launch with programmatic dependent launch (val_attn_group_params.pdl).
** select: CTAs of chunk_blocks selection blocks per (sequence, KV head) merge the compressed
**   branch's partials (lse for every head; o_cmp, lse_cmp for their share of heads), turn the
**   logits into Eq. 8-10 scores for their blocks, and the last CTA of the (sequence, KV head)
**   picks the top-n (Eq. 11, as val_launch_topn) from all of them.
** branches: the selected (slc, index mode, slc.splits CTAs) and window (win, range mode,
**   win.splits CTAs) branches in one grid, writing split partials; the last CTA of the
**   (sequence, KV head) merges both, adds g0 o_cmp, and writes o.
** v2 (dec_fused=2): two launches. cmp runs the lean group body (val_group.cuh); then the CTAs of a
**   (sequence, KV head) wait for one another (counter_select; the grid must be one wave), each
**   merges its share of o_cmp (split 0 writes lse_cmp) and sums its own tokens' Eq. 8-10 p into
**   Eq. 9 block scores (part_scores); the last (counter_select2) adds them up, writes scores and
**   picks the top-n, so there is no select launch. branches runs the lean body too.
*/
typedef struct val_decode_fused_params {
  val_attn_group_params cmp, slc, win; /* each with write_part = 1 and its own o_part/lse_part */
  const void *k_src, *v_src;           /* uncompressed K, V of the compressed branch (NULL: no pooling) */
  void *k_cmp, *v_cmp;                 /* writable views of cmp.k, cmp.v */
  int seq_len, cmp_len, cmp_stride;    /* seq_len: tokens of k_src / v_src */
  float *scores;                       /* [B, Hkv, 1, n_sel] */
  int32_t *idx;                        /* [B, 1, Hkv, n] */
  void *o_cmp;                         /* bf16 [B, 1, Hq, Dv] */
  float *lse_cmp;                      /* [B, Hq, 1] */
  int sel_len, n_sel, n, chunk_blocks;
  const void *gates;                   /* bf16 [B, 1, Hq, 3] */
  void *o;                             /* bf16 [B, 1, Hq, Dv] */
  int *counter_select, *counter_branches;
  int v2;                              /* dec_fused=2: the two-launch step above (lean implied) */
  int lean;                            /* the lean group body (val_group.cuh) in cmp and branches */
  float *part_scores;                  /* v2: [B, Hkv, cmp.splits, n_sel rounded up to 4] */
  int *counter_select2;                /* v2: B * Hkv more arrival counters */
  int v3;                              /* dec_fused=3: three launches, lean bodies, the selection's
                                       ** top-n by radix select, the branch merge shared by the pair's
                                       ** CTAs (they wait for each other; the grid must be one wave) */
  int *counter_branches2;              /* v3: B * Hkv more arrival counters */
  int v4;                              /* dec_fused=4: v3 with the top-n from per-warp thresholds (topn_warps)
                                       ** and, in a whole step (sync), per (sequence, KV head) flags
                                       ** in place of waiting for the whole kernel before */
  int sync;                            /* v4: 1 when the three kernels run as one step; 0 when one
                                       ** kernel runs alone (timed alone: nothing sets its flags) */
  int *done_cmp;                       /* v4: B * Hkv counts of compressed CTAs finished */
  int *ready_sel;                      /* v4: B * Hkv flags: the selection of the pair is written */
} val_decode_fused_params;

cudaError_t val_launch_decode_cmp(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_decode_select(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_decode_branches(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info);
/* Shared memory the v2 cmp kernel's selection tail needs beyond its K/V ring: 0 when it fits,
** else the bytes missing (the harness rejects such a plan). */
size_t val_decode_v2_tail_excess(int d_qk, int d_v, int block_n, int stages, int splits, int n_sel, int n_cmp);
/* Resident CTAs per SM of the fused decode's attention kernels (the lower of cmp and branches), to
** size their grids to one wave. Returns 0 on error. */
int val_decode_ctas_per_sm(int d_qk, int d_v, int block_n, int stages);

/* Gated combine: o = g[...,0]*o_cmp + g[...,1]*o_slc + g[...,2]*o_win; gates bf16 [B, Tq, Hq, 3]. */
typedef struct val_gate_params {
  const void *o_cmp, *o_slc, *o_win, *gates;
  void *o;
  int64_t rows;            /* B * Tq * Hq */
  int d_v;
} val_gate_params;

cudaError_t val_launch_gate_combine(const val_gate_params *p, cudaStream_t s, val_launch_info *info);

/*
** Attention backward (FlashAttention-2 style, causal, GQA), d_v = 128, d_qk = 128 or 192; with the
** position fields also the backward of the compressed and window branches.
** preprocess: delta[b, h, t] = sum_d dO * O. dkdv: one CTA per (64 keys, KV head), looping over
** the heads of the group and the query tiles (group sum in registers); dq: one CTA per
** (64 queries, query head). lse is the forward's. dK/dV/dQ are written in bf16.
*/
typedef struct val_attn_bwd_params {
  const void *q, *k, *v, *o, *d_o; /* bf16 */
  const float *lse;                /* [B, Hq, T] from the forward */
  float *delta;                    /* [B, Hq, T] written by the preprocess */
  void *dq, *dk, *dv;              /* bf16, shaped like q, k, v */
  int batch, seq_len, heads_q, heads_kv, d_qk, d_v;
  float scale;
  /* Keys and their positions, as in val_attn_fwd_params: seq_k keys (K, V, dK, dV are
  ** [B, seq_k, Hkv, D]), key j at j*kv_pos_stride + kv_pos_off, window 0 = none. Full causal
  ** attention: seq_k = seq_len, stride 1, off 0; compressed branch: seq_k = n_cmp, stride d,
  ** off l-1; window branch: window w. */
  int seq_k, kv_pos_stride, kv_pos_off, window;
  /* dkdv split over the (head, query tile) items: q_splits CTAs per key tile write fp32 partials
  ** dk_part [q_splits, B, seq_k, Hkv, Dqk], dv_part (likewise, Dv); val_launch_attn_bwd_reduce()
  ** then sums them in split order (deterministic) into dk, dv. For keys that few tiles cover and
  ** many queries see: the compressed branch. q_splits = 1: dkdv writes dk, dv directly. */
  int q_splits;
  float *dk_part, *dv_part;
} val_attn_bwd_params;

cudaError_t val_launch_attn_bwd_pre(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_attn_bwd_dkdv(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_attn_bwd_dq(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_attn_bwd_reduce(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info);

/*
** NSA selected-branch backward (nsa_bwd.cu), l' = 64. Inputs: the branch's forward lse, delta =
** rowsum(dO * O_slc) (val_launch_attn_bwd_pre with o = O_slc), and the top-n indices.
** dq: group-centric like the forward, one CTA per (token, KV head) over its selected blocks.
** index: inverted index (block -> tokens that selected it): count, scan, fill, and a chunk table
**   that cuts long lists (the forced initial block is chosen by every token) into chunks of
**   chunk_tokens tokens, so no CTA serialises over the whole sequence.
** dkdv: one CTA per chunk: K/V of the block stay in shared memory, each token of the chunk brings
**   its 16-head Q and dO tile; fp32 atomics add the chunk's dK/dV, a final pass converts to bf16.
*/
typedef struct val_sel_bwd_params {
  const void *q, *k, *v, *d_o;   /* bf16; k, v: the selected branch's [B, T, Hkv, D] */
  const float *lse, *delta;      /* [B, Hq, T] */
  const int32_t *idx;            /* [B, T, Hkv, n] */
  void *dq, *dk, *dv;            /* bf16 outputs */
  float *dk_acc, *dv_acc;        /* fp32 workspaces shaped like k, v */
  int32_t *cnt, *off, *cursor;   /* [B * Hkv * n_sel] workspaces */
  int32_t *list;                 /* [B * Hkv * T * n] tokens per block */
  int32_t *chunks;               /* [max_chunks][2] (block entry, chunk number) */
  int32_t *n_chunks;             /* [1] */
  int max_chunks, chunk_tokens;
  int batch, seq_len, heads_q, heads_kv, d_qk, d_v, sel_len, n_sel, n;
  float scale;
} val_sel_bwd_params;

/* Upper bound of the chunk count for the chunk table allocation. */
long long val_sel_bwd_max_chunks(int batch, int seq_len, int heads_kv, int n, int n_sel, int chunk_tokens);
cudaError_t val_launch_sel_bwd_dq(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_sel_bwd_index(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info);
cudaError_t val_launch_sel_bwd_dkdv(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info);

/* Harness utilities (val_util.cu): deterministic uniform bf16 fill from a counter hash, so big
** inputs are generated on the device and copied back only when a reference needs them; and a
** spin kernel that keeps the GPU busy while the host enqueues a timed batch of launches. */
cudaError_t val_fill_uniform_bf16(void *dst, int64_t n, uint64_t seed, float lo, float hi, cudaStream_t s);
cudaError_t val_spin(int64_t cycles, cudaStream_t s);

/* Which (d_qk, d_v) and mappings were compiled; the harness rejects others before launching. */
int val_attn_fwd_supported(int d_qk, int d_v, int block_m, int block_n, int stages);
int val_attn_group_supported(int d_qk, int d_v, int block_n, int stages);

#ifdef __cplusplus
}
#endif

#endif /* VAL_KERNELS_H */
