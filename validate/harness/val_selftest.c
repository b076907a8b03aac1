/*
** validate/harness/val_selftest.c — CPU-side tests of the validation harness (no CUDA needed).
** `val_selftest` runs the unit checks: config parsing and its error messages, bf16 rounding, the
** attention/compression/score references on hand-computed cases, the forced blocks and tie rule
** of the top-n reference, and the pair counts behind the FLOP column.
** `val_selftest parse FILE` loads a config list like nsa_validate does (exit 2 on any error), so
** CTest can check the committed matrix and the error path without a GPU.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "val_config.h"
#include "val_ref.h"

static int n_checks, n_failed;

#define EXPECT(cond)                                                       \
  do {                                                                     \
    ++n_checks;                                                            \
    if (!(cond)) {                                                         \
      ++n_failed;                                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                      \
  } while (0)

static int parse(const char *line, val_config *c, char *err) { return val_config_parse_line(line, c, err, VAL_ERR_MAX); }

static void test_config_good(void) {
  val_config c;
  char err[VAL_ERR_MAX] = "";
  EXPECT(parse("id=a kernel=full_fwd seq_len=8192 d_qk=128 block_m=64  # comment", &c, err) == 1);
  EXPECT(c.kind == VAL_FULL_FWD && c.seq_len == 8192 && c.d_qk == 128 && c.block_m == 64);
  EXPECT(c.heads_q == 64 && c.heads_kv == 4 && c.d_v == 128 && c.runs == 30); /* defaults */
  EXPECT(c.cmp_len == 32 && c.cmp_stride == 16 && c.sel_len == 64 && c.sel_count == 16 && c.window == 512);
  EXPECT(strcmp(c.id, "a") == 0);
  EXPECT(parse("   # only a comment", &c, err) == 0);
  EXPECT(parse("", &c, err) == 0);
  EXPECT(parse("id=n kernel=nsa_decode batch=8 seq_len=65536 split_kv=0", &c, err) == 1);
  EXPECT(c.kind == VAL_NSA_DECODE && c.batch == 8);
  EXPECT(val_n_cmp(&c) == (65536 - 32) / 16 + 1 && val_n_sel(&c) == 1024);
}

static void expect_error(const char *line, const char *fragment) {
  val_config c;
  char err[VAL_ERR_MAX] = "";
  const int r = parse(line, &c, err);
  EXPECT(r == -1);
  if (r == -1 && !strstr(err, fragment)) {
    ++n_failed;
    fprintf(stderr, "message '%s' lacks '%s'\n", err, fragment);
  }
}

static void test_config_bad(void) {
  expect_error("id=a kernel=full_fwd seq_len=8192 sequence=3", "unknown key 'sequence'");
  expect_error("id=a kernel=full_fwd seq_len=8192 seq_len=4096", "duplicate key 'seq_len'");
  expect_error("id=a kernel=full_fwd seq_len=8", "out of range");
  expect_error("id=a kernel=full_fwd seq_len=8k", "not an integer");
  expect_error("id=a seq_len=8192", "missing key 'kernel'");
  expect_error("id=a kernel=full_back seq_len=8192", "unknown kernel 'full_back'");
  expect_error("id=a kernel=full_bwd seq_len=8192 d_v=192", "full_bwd is compiled for");
  expect_error("kernel=full_fwd seq_len=8192", "missing key 'id'");
  expect_error("id=a kernel=full_fwd seq_len=8192 heads_q=10 heads_kv=4", "not a multiple of heads_kv");
  expect_error("id=a kernel=nsa_fwd seq_len=8192 cmp_len=40", "must divide");
  expect_error("id=a kernel=nsa_fwd seq_len=8192 heads_q=128 heads_kv=4", "exceeds the 16 MMA rows");
  expect_error("id=a kernel=full_fwd seq_len=8192 block_m=40", "multiple of 16");
  expect_error("id=a kernel=full_fwd seq_len=8192 runs=5", "out of range");
  expect_error("id=a kernel=full_fwd seq_len", "not key=value");
  expect_error("id=a/b kernel=full_fwd seq_len=64", "may hold only");
}

static void test_bf16(void) {
  EXPECT(val_f32_to_bf16(1.0f) == 0x3F80);
  EXPECT(val_bf16_to_f32(0x3F80) == 1.0f);
  EXPECT(val_f32_to_bf16(1.0f + 1.0f / 256.0f) == 0x3F80);          /* tie: to even (down) */
  EXPECT(val_f32_to_bf16(1.0f + 3.0f / 256.0f) == 0x3F82);          /* tie: to even (up) */
  EXPECT(isnan(val_bf16_to_f32(val_f32_to_bf16(NAN))));
  EXPECT(isnan(val_bf16_to_f32(0xFFFF)));                           /* the poison pattern is NaN */
}

static void test_attn_ref(void) {
  /* Identical keys: uniform softmax, o = mean(v), lse = s + log(n). */
  const float q[2] = {1.f, 2.f};
  const float k[4 * 2] = {0.5f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f, 0.5f, 0.25f};
  const float v[4] = {1.f, 2.f, 3.f, 6.f};
  const int keys[4] = {0, 1, 2, 3};
  double o[1], lse;
  val_ref_attn_row(q, k, v, 2, 1, 2, 1, keys, 4, 1.0, o, &lse);
  EXPECT(fabs(o[0] - 3.0) < 1e-12);
  EXPECT(fabs(lse - (1.0 + log(4.0))) < 1e-12);
  val_ref_attn_row(q, k, v, 2, 1, 2, 1, keys, 0, 1.0, o, &lse); /* no key: zeros, -inf */
  EXPECT(o[0] == 0.0 && isinf(lse) && lse < 0);

  int kk[64];
  /* compressed keys (l=32, d=16): block i visible at t iff 16 i + 31 <= t */
  EXPECT(val_ref_visible_keys(30, 10, 16, 31, 0, kk) == 0);
  EXPECT(val_ref_visible_keys(31, 10, 16, 31, 0, kk) == 1 && kk[0] == 0);
  EXPECT(val_ref_visible_keys(63, 10, 16, 31, 0, kk) == 3);
  /* window of 4 at t = 10: keys 7..10 */
  EXPECT(val_ref_visible_keys(10, 64, 1, 0, 4, kk) == 4 && kk[0] == 7 && kk[3] == 10);
  /* pair counts agree with explicit enumeration */
  for (int w = 0; w <= 5; w += 5)
    for (int st = 1; st <= 16; st += 15) {
      long long brute = 0;
      for (int t = 0; t < 50; ++t) brute += val_ref_visible_keys(t, 40, st, st == 1 ? 0 : 31, w, kk);
      EXPECT(val_pairs_range(50, 0, 40, st, st == 1 ? 0 : 31, w) == brute);
    }
  /* selected keys: blocks of 64, causal inside the query's own block */
  static int big[4 * 64];
  const int32_t idx[4] = {0, 2, -1, 3};
  EXPECT(val_ref_selected_keys(130, 1000, idx, 4, 64, big) == 64 + 3);
}

static void test_compress_ref(void) {
  /* T=6, H=1, D=1, l=4, d=2: block 1 = mean of rows 2..5 */
  const float x[6] = {1, 2, 3, 4, 5, 6};
  double out[1];
  val_ref_compress_block(x, 1, 1, 0, 1, 4, 2, out);
  EXPECT(fabs(out[0] - 4.5) < 1e-12);
}

static void test_scores_ref(void) {
  /* One head, d_qk = 1, scale 1, lse 0: p_i = exp(k_i). Only compressed block 5 has p = 1.
  ** With l=32, d=16, l'=64 it covers tokens 80..111, both d-chunks inside selection block 1: the
  ** Eq. 9 weight is 2. Block 3 (tokens 48..79) straddles blocks 0 and 1: weight 1 each. */
  const int n_cmp = 12;
  float k[12];
  const float q[1] = {1.f}, lse[1] = {0.f};
  double sc[8];
  for (int i = 0; i < n_cmp; ++i) k[i] = -1000.f;
  k[5] = 0.f;
  int nv = val_ref_scores_row(q, 1, k, 1, n_cmp, 1, lse, 1.0, 200, 32, 16, 64, 8, sc);
  EXPECT(nv == 4);
  EXPECT(fabs(sc[1] - 2.0) < 1e-9 && fabs(sc[0]) < 1e-9 && fabs(sc[2]) < 1e-9 && fabs(sc[3]) < 1e-9);
  k[5] = -1000.f;
  k[3] = 0.f;
  nv = val_ref_scores_row(q, 1, k, 1, n_cmp, 1, lse, 1.0, 200, 32, 16, 64, 8, sc);
  EXPECT(fabs(sc[0] - 1.0) < 1e-9 && fabs(sc[1] - 1.0) < 1e-9);
  /* Causality: at t = 78 block 3 (ends at 79) is not yet complete and contributes nothing. */
  nv = val_ref_scores_row(q, 1, k, 1, n_cmp, 1, lse, 1.0, 78, 32, 16, 64, 8, sc);
  EXPECT(nv == 2 && fabs(sc[0]) < 1e-9 && fabs(sc[1]) < 1e-9);
  /* Heads are summed (Eq. 10): two identical heads double the score. */
  const float q2[2] = {1.f, 1.f}, lse2[2] = {0.f, 0.f};
  nv = val_ref_scores_row(q2, 2, k, 1, n_cmp, 1, lse2, 1.0, 200, 32, 16, 64, 8, sc);
  EXPECT(fabs(sc[0] - 2.0) < 1e-9);
}

static void test_topn_ref(void) {
  /* 10 blocks, n = 5: the initial block (0) and the local ones (9, 8) have the lowest scores but
  ** are still taken; the other two are the best of the rest, ties to the lower index. */
  const float s[10] = {0.f, 5.f, 7.f, 7.f, 1.f, 9.f, 2.f, 3.f, 0.f, 0.f};
  int32_t idx[5];
  val_ref_topn(s, 10, 5, idx);
  const int32_t want[5] = {0, 2, 5, 8, 9};
  EXPECT(memcmp(idx, want, sizeof want) == 0);
  /* fewer blocks than n: all of them, then -1 */
  int32_t idx2[5];
  val_ref_topn(s, 3, 5, idx2);
  EXPECT(idx2[0] == 0 && idx2[1] == 1 && idx2[2] == 2 && idx2[3] == -1 && idx2[4] == -1);
  /* all scores equal: forced blocks plus the lowest free indices */
  const float flat[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  int32_t idx3[4];
  val_ref_topn(flat, 8, 4, idx3);
  EXPECT(idx3[0] == 0 && idx3[1] == 1 && idx3[2] == 6 && idx3[3] == 7);
}

/* L = sum_i dO_i . O_i for causal attention over T = 3 tokens; the reference backward must match
** central finite differences of L in q, k and v. */
static double bwd_loss(const float *q, const float *k, const float *v, const float *d_o, int T, int d) {
  double loss = 0.0, o[4], lse;
  int keys[4];
  for (int i = 0; i < T; ++i) {
    for (int j = 0; j <= i; ++j) keys[j] = j;
    val_ref_attn_row(q + i * d, k, v, d, d, d, d, keys, i + 1, 0.7, o, &lse);
    for (int e = 0; e < d; ++e) loss += d_o[i * d + e] * o[e];
  }
  return loss;
}

static void test_bwd_ref(void) {
  enum { T = 3, D = 2 };
  float q[T * D] = {0.3f, -0.5f, 0.8f, 0.1f, -0.4f, 0.9f}, k[T * D] = {0.2f, 0.7f, -0.6f, 0.4f, 0.5f, -0.3f};
  float v[T * D] = {1.0f, -2.0f, 0.5f, 0.25f, -1.5f, 0.75f}, d_o[T * D] = {0.6f, -0.2f, 0.3f, 0.9f, -0.7f, 0.4f};
  double dq[T * D], dk[T * D] = {0}, dv[T * D] = {0};
  EXPECT(val_ref_attn_bwd_head(q, k, v, d_o, D, D, D, D, T, D, D, 0.7, dq, dk, dv) == 0);
  float *x[3] = {q, k, v};
  double *gx[3] = {dq, dk, dv};
  const float h = 1e-3f;
  for (int w = 0; w < 3; ++w)
    for (int i = 0; i < T * D; ++i) {
      const float keep = x[w][i];
      x[w][i] = keep + h;
      const double lp = bwd_loss(q, k, v, d_o, T, D);
      x[w][i] = keep - h;
      const double lm = bwd_loss(q, k, v, d_o, T, D);
      x[w][i] = keep;
      EXPECT(fabs((lp - lm) / (2.0 * h) - gx[w][i]) < 1e-3);
    }
}

static void test_err_and_stats(void) {
  val_err_acc a = {0};
  val_err_add(&a, 1.1, 1.0);
  val_err_add(&a, 0.0, 0.0);
  EXPECT(fabs(val_err_rel(&a) - 0.1) < 1e-12);
  val_err_add(&a, NAN, 1.0);
  EXPECT(isnan(val_err_rel(&a)));
  double v[5] = {5, 1, 4, 2, 3}, med, mn, mx;
  val_stats(v, 5, &med, &mn, &mx);
  EXPECT(med == 3 && mn == 1 && mx == 5);
  double w[4] = {4, 1, 3, 2};
  val_stats(w, 4, &med, &mn, &mx);
  EXPECT(med == 2.5);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "parse") == 0) {
    val_config *cfg = NULL;
    const int n = val_config_load(argv[2], &cfg);
    if (n < 0) return 2;
    for (int i = 0; i < n; ++i) val_config_print(&cfg[i], stdout);
    free(cfg);
    return 0;
  }
  if (argc != 1) {
    fprintf(stderr, "usage: val_selftest [parse CONFIG_LIST]\n");
    return 2;
  }
  test_config_good();
  test_config_bad();
  test_bf16();
  test_attn_ref();
  test_compress_ref();
  test_scores_ref();
  test_topn_ref();
  test_bwd_ref();
  test_err_and_stats();
  printf("%d checks, %d failed\n", n_checks, n_failed);
  return n_failed ? 1 : 0;
}
