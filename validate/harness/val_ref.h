/*
** validate/harness/val_ref.h — CPU references (fp64 accumulation) for the validation kernels,
** bf16 conversion, error metrics and the counts behind the CSV's flops/bytes columns.
** Pure C11: the CPU self-test links it without CUDA.
*/
#ifndef VAL_REF_H
#define VAL_REF_H

#include <stddef.h>
#include <stdint.h>

float val_bf16_to_f32(uint16_t h);
uint16_t val_f32_to_bf16(float f); /* round to nearest even; NaN stays NaN */
/* Converts n bf16 values; returns a malloc'd array or NULL. */
float *val_bf16_array_to_f32(const uint16_t *src, size_t n);

/* Relative L2 error accumulator: ||out - ref|| / ||ref||; any NaN in out fails. */
typedef struct val_err_acc {
  double diff2, ref2;
  long long nan_count, count;
} val_err_acc;
void val_err_add(val_err_acc *a, double out, double ref);
double val_err_rel(const val_err_acc *a); /* NaN if a NaN was seen; 0 when ref and diff are 0 */

/*
** Attention of one query row against an explicit list of keys (indices into K/V rows):
** o[d] = sum_j softmax(q.k_j * scale) v_j[d], lse = log sum_j exp(q.k_j * scale).
** n_keys == 0 gives o = 0 and lse = -inf (the kernels' convention).
*/
void val_ref_attn_row(const float *q, const float *k, const float *v, long long k_row_stride,
                      long long v_row_stride, int d_qk, int d_v, const int *keys, int n_keys, double scale,
                      double *o, double *lse);

/* Keys visible to the query at position qpos under the position rule of val_attn_fwd_params:
** key j (0 <= j < n_k) at j*stride + off, visible iff pos <= qpos and (window <= 0 or
** pos > qpos - window). Writes them ascending into keys (capacity n_k), returns the count. */
int val_ref_visible_keys(int qpos, int n_k, int stride, int off, int window, int *keys);

/* Keys of the selected blocks idx[0..n) (block size blk, -1 = none) that are <= qpos and < n_k. */
int val_ref_selected_keys(int qpos, int n_k, const int32_t *idx, int n, int blk, int *keys);

/* Mean pool of rows [i*d, i*d+l) of a [T, H, D] tensor for one (block i, head h): out[D]. */
void val_ref_compress_block(const float *x, int heads, int dim, int h, int blk, int cmp_len, int cmp_stride, double *out);

/*
** Selection scores of one token for one KV head ([NSA] Eq. 8-10): q_group is [h][d_qk] (the group's
** heads at this token), k_cmp rows are n_cmp keys (row stride k_row_stride), lse[h] the compressed
** attention's log-sum-exp per head. Writes scores[0..n_valid) for the blocks j <= qpos / sel_len.
** Returns n_valid.
*/
int val_ref_scores_row(const float *q_group, int group, const float *k_cmp, long long k_row_stride, int n_cmp,
                       int d_qk, const float *lse, double scale, int qpos, int cmp_len, int cmp_stride,
                       int sel_len, int n_sel, double *scores);

/*
** Top-n of one score row with the forced initial block and two local blocks ([NSA] Eq. 11 and
** §4.1): n_valid blocks exist; writes n indices ascending, -1 padded. Ties go to the lower index.
*/
void val_ref_topn(const float *scores, int n_valid, int n, int32_t *idx);

/*
** Causal attention backward for one (batch, query head) in double precision: q [T][d_qk] and
** d_o [T][d_v] rows `q_stride`/`do_stride` apart, k/v rows `k_stride`/`v_stride` apart (the head's
** KV head). Accumulates into dq [T][d_qk] (overwritten), dk [T][d_qk] and dv [T][d_v] (added to,
** so the heads of a GQA group sum). Returns 0, -1 on allocation failure.
*/
int val_ref_attn_bwd_head(const float *q, const float *k, const float *v, const float *d_o, long long q_stride,
                          long long k_stride, long long v_stride, long long do_stride, int T, int d_qk, int d_v,
                          double scale, double *dq, double *dk, double *dv);

/*
** Backward of one query row over an explicit key list (the selected branch): recomputes the
** softmax, O and delta = dO.O, writes dq[d_qk], and adds the row's contributions to dk/dv rows
** indexed like the keys ([n_k][d_qk] and [n_k][d_v], either may be NULL).
*/
void val_ref_attn_bwd_row(const float *q, const float *d_o, const float *k, const float *v, long long k_stride,
                          long long v_stride, int d_qk, int d_v, const int *keys, int n_keys, double scale, double *dq,
                          double *dk, double *dv);

/* Median / min / max of n values (sorts a copy in place: v is modified). */
void val_stats(double *v, int n, double *median, double *min, double *max);

/* Visible (query, key) pairs summed over query rows, for FLOP counts. */
long long val_pairs_range(int n_q, int q_pos0, int n_k, int stride, int off, int window);

#endif /* VAL_REF_H */
