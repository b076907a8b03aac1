/*
** validate/harness/val_ref.c — CPU references for the validation kernels.
** Straightforward loops in double precision over inputs already rounded to bf16 (the kernels'
** inputs), so the only differences left are the kernels' bf16 rounding of P and of outputs.
*/
#include "val_ref.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float val_bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

uint16_t val_f32_to_bf16(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu)) return (uint16_t)((u >> 16) | 0x40u); /* quiet NaN */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

float *val_bf16_array_to_f32(const uint16_t *src, size_t n) {
  float *dst = malloc((n ? n : 1) * sizeof *dst);
  if (!dst) return NULL;
  for (size_t i = 0; i < n; ++i) dst[i] = val_bf16_to_f32(src[i]);
  return dst;
}

void val_err_add(val_err_acc *a, double out, double ref) {
  a->count++;
  if (isnan(out)) {
    a->nan_count++;
    return;
  }
  a->diff2 += (out - ref) * (out - ref);
  a->ref2 += ref * ref;
}

double val_err_rel(const val_err_acc *a) {
  if (a->nan_count) return NAN;
  if (a->ref2 == 0.0) return a->diff2 == 0.0 ? 0.0 : INFINITY;
  return sqrt(a->diff2 / a->ref2);
}

void val_ref_attn_row(const float *q, const float *k, const float *v, long long k_row_stride,
                      long long v_row_stride, int d_qk, int d_v, const int *keys, int n_keys, double scale,
                      double *o, double *lse) {
  for (int d = 0; d < d_v; ++d) o[d] = 0.0;
  if (n_keys == 0) {
    *lse = -INFINITY;
    return;
  }
  double *s = malloc((size_t)n_keys * sizeof *s);
  if (!s) abort(); /* n_keys <= a few hundred thousand: only a broken machine gets here */
  double mx = -INFINITY;
  for (int i = 0; i < n_keys; ++i) {
    const float *kr = k + (long long)keys[i] * k_row_stride;
    double acc = 0.0;
    for (int d = 0; d < d_qk; ++d) acc += (double)q[d] * (double)kr[d];
    s[i] = acc * scale;
    if (s[i] > mx) mx = s[i];
  }
  double sum = 0.0;
  for (int i = 0; i < n_keys; ++i) {
    const double p = exp(s[i] - mx);
    sum += p;
    const float *vr = v + (long long)keys[i] * v_row_stride;
    for (int d = 0; d < d_v; ++d) o[d] += p * (double)vr[d];
  }
  for (int d = 0; d < d_v; ++d) o[d] /= sum;
  *lse = mx + log(sum);
  free(s);
}

int val_ref_visible_keys(int qpos, int n_k, int stride, int off, int window, int *keys) {
  int n = 0;
  for (int j = 0; j < n_k; ++j) {
    const long long pos = (long long)j * stride + off;
    if (pos <= qpos && (window <= 0 || pos > (long long)qpos - window)) keys[n++] = j;
  }
  return n;
}

int val_ref_selected_keys(int qpos, int n_k, const int32_t *idx, int n, int blk, int *keys) {
  int cnt = 0;
  for (int i = 0; i < n; ++i) {
    if (idx[i] < 0) continue;
    const long long start = (long long)idx[i] * blk;
    for (long long j = start; j < start + blk && j <= qpos && j < n_k; ++j) keys[cnt++] = (int)j;
  }
  return cnt;
}

void val_ref_compress_block(const float *x, int heads, int dim, int h, int blk, int cmp_len, int cmp_stride, double *out) {
  for (int d = 0; d < dim; ++d) out[d] = 0.0;
  for (int u = 0; u < cmp_len; ++u) {
    const float *row = x + (((long long)blk * cmp_stride + u) * heads + h) * dim;
    for (int d = 0; d < dim; ++d) out[d] += row[d];
  }
  for (int d = 0; d < dim; ++d) out[d] /= cmp_len;
}

int val_ref_scores_row(const float *q_group, int group, const float *k_cmp, long long k_row_stride, int n_cmp,
                       int d_qk, const float *lse, double scale, int qpos, int cmp_len, int cmp_stride,
                       int sel_len, int n_sel, double *scores) {
  int n_valid = qpos / sel_len + 1;
  if (n_valid > n_sel) n_valid = n_sel;
  const int R = sel_len / cmp_stride, Hh = cmp_len / cmp_stride - 1;
  for (int j = 0; j < n_valid; ++j) scores[j] = 0.0;
  for (int i = 0; i < n_cmp; ++i) {
    if ((long long)i * cmp_stride + cmp_len - 1 > qpos) break; /* block not fully in the past */
    double p = 0.0;                                            /* Eq. 8 summed over heads (Eq. 10) */
    for (int h = 0; h < group; ++h) {
      if (isinf(lse[h]) && lse[h] < 0) continue;
      const float *kr = k_cmp + (long long)i * k_row_stride;
      double acc = 0.0;
      for (int d = 0; d < d_qk; ++d) acc += (double)q_group[(long long)h * d_qk + d] * (double)kr[d];
      p += exp(acc * scale - (double)lse[h]);
    }
    /* Eq. 9, 0-based: block i adds to every j with R(j+1)-1-m-n == i, m < R, n <= Hh. */
    for (int m = 0; m < R; ++m)
      for (int n = 0; n <= Hh; ++n) {
        const int t = i + m + n + 1; /* = R (j+1) */
        if (t % R == 0) {
          const int j = t / R - 1;
          if (j >= 0 && j < n_valid) scores[j] += p;
        }
      }
  }
  return n_valid;
}

void val_ref_topn(const float *scores, int n_valid, int n, int32_t *idx) {
  if (n_valid <= n) {
    for (int k = 0; k < n; ++k) idx[k] = k < n_valid ? k : -1;
    return;
  }
  unsigned char *taken = calloc((size_t)n_valid, 1);
  if (!taken) abort();
  const int cur = n_valid - 1;
  int cnt = 0;
  idx[cnt++] = 0;
  idx[cnt++] = cur;
  idx[cnt++] = cur - 1;
  taken[0] = taken[cur] = taken[cur - 1] = 1;
  while (cnt < n) {
    int best = -1;
    for (int j = 0; j < n_valid; ++j)
      if (!taken[j] && (best < 0 || scores[j] > scores[best])) best = j; /* strict >: lower index wins ties */
    taken[best] = 1;
    idx[cnt++] = best;
  }
  free(taken);
  /* ascending, as the kernel writes them (insertion sort, n <= 32) */
  for (int a = 1; a < n; ++a) {
    const int32_t x = idx[a];
    int b = a - 1;
    while (b >= 0 && idx[b] > x) {
      idx[b + 1] = idx[b];
      --b;
    }
    idx[b + 1] = x;
  }
}

int val_ref_attn_bwd_head(const float *q, const float *k, const float *v, const float *d_o, long long q_stride,
                          long long k_stride, long long v_stride, long long do_stride, int T, int d_qk, int d_v,
                          double scale, double *dq, double *dk, double *dv) {
  double *p = malloc((size_t)T * sizeof *p), *o = malloc((size_t)d_v * sizeof *o);
  if (!p || !o) {
    free(p), free(o);
    return -1;
  }
  for (int i = 0; i < T; ++i) {
    const float *qi = q + i * q_stride, *doi = d_o + i * do_stride;
    double mx = -INFINITY;
    for (int j = 0; j <= i; ++j) {
      double acc = 0.0;
      for (int d = 0; d < d_qk; ++d) acc += (double)qi[d] * k[j * k_stride + d];
      p[j] = acc * scale;
      if (p[j] > mx) mx = p[j];
    }
    double sum = 0.0;
    for (int j = 0; j <= i; ++j) sum += (p[j] = exp(p[j] - mx));
    for (int d = 0; d < d_v; ++d) o[d] = 0.0;
    for (int j = 0; j <= i; ++j) {
      p[j] /= sum;
      for (int d = 0; d < d_v; ++d) o[d] += p[j] * v[j * v_stride + d];
    }
    double delta = 0.0; /* rowsum(dO * O) */
    for (int d = 0; d < d_v; ++d) delta += (double)doi[d] * o[d];
    for (int d = 0; d < d_qk; ++d) dq[(long long)i * d_qk + d] = 0.0;
    for (int j = 0; j <= i; ++j) {
      double dp = 0.0;
      for (int d = 0; d < d_v; ++d) dp += (double)doi[d] * v[j * v_stride + d];
      const double ds = p[j] * (dp - delta);
      for (int d = 0; d < d_qk; ++d) {
        dq[(long long)i * d_qk + d] += scale * ds * k[j * k_stride + d];
        dk[(long long)j * d_qk + d] += scale * ds * qi[d];
      }
      for (int d = 0; d < d_v; ++d) dv[(long long)j * d_v + d] += p[j] * doi[d];
    }
  }
  free(p), free(o);
  return 0;
}

void val_ref_attn_bwd_row(const float *q, const float *d_o, const float *k, const float *v, long long k_stride,
                          long long v_stride, int d_qk, int d_v, const int *keys, int n_keys, double scale, double *dq,
                          double *dk, double *dv) {
  for (int d = 0; d < d_qk; ++d) dq[d] = 0.0;
  if (n_keys == 0) return;
  double *p = malloc((size_t)n_keys * sizeof *p), *o = calloc((size_t)d_v, sizeof *o);
  if (!p || !o) abort();
  double mx = -INFINITY, sum = 0.0, delta = 0.0;
  for (int i = 0; i < n_keys; ++i) {
    double acc = 0.0;
    for (int d = 0; d < d_qk; ++d) acc += (double)q[d] * k[keys[i] * k_stride + d];
    p[i] = acc * scale;
    if (p[i] > mx) mx = p[i];
  }
  for (int i = 0; i < n_keys; ++i) sum += (p[i] = exp(p[i] - mx));
  for (int i = 0; i < n_keys; ++i) {
    p[i] /= sum;
    for (int d = 0; d < d_v; ++d) o[d] += p[i] * v[keys[i] * v_stride + d];
  }
  for (int d = 0; d < d_v; ++d) delta += (double)d_o[d] * o[d];
  for (int i = 0; i < n_keys; ++i) {
    double dp = 0.0;
    for (int d = 0; d < d_v; ++d) dp += (double)d_o[d] * v[keys[i] * v_stride + d];
    const double ds = p[i] * (dp - delta);
    for (int d = 0; d < d_qk; ++d) dq[d] += scale * ds * k[keys[i] * k_stride + d];
    if (dk)
      for (int d = 0; d < d_qk; ++d) dk[(long long)keys[i] * d_qk + d] += scale * ds * q[d];
    if (dv)
      for (int d = 0; d < d_v; ++d) dv[(long long)keys[i] * d_v + d] += p[i] * d_o[d];
  }
  free(p), free(o);
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void val_stats(double *v, int n, double *median, double *min, double *max) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  *min = v[0];
  *max = v[n - 1];
  *median = (n % 2) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

long long val_pairs_range(int n_q, int q_pos0, int n_k, int stride, int off, int window) {
  long long total = 0;
  for (int r = 0; r < n_q; ++r) {
    const long long qpos = (long long)q_pos0 + r;
    /* visible j: j*stride + off <= qpos, and > qpos - window */
    long long hi = qpos - off < 0 ? -1 : (qpos - off) / stride;
    if (hi > n_k - 1) hi = n_k - 1;
    long long lo = 0;
    if (window > 0) {
      const long long num = qpos - window - off; /* need j*stride > num */
      lo = num < 0 ? 0 : num / stride + 1;
    }
    if (hi >= lo) total += hi - lo + 1;
  }
  return total;
}
