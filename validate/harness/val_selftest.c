/*
** validate/harness/val_selftest.c — CPU-side tests of the validation harness (no CUDA needed).
** `val_selftest` runs the unit checks: config parsing and its error messages, bf16 rounding, the
** attention/compression/score references on hand-computed cases, the forced blocks and tie rule
** of the top-n reference, and the pair counts behind the FLOP column.
** `val_selftest parse FILE` loads a config list like nsa_validate does (exit 2 on any error), so
** CTest can check the committed matrix and the error path without a GPU.
** `val_selftest trace OUT SEQ_LEN HEADS_Q HEADS_KV D_QK` writes the CPU reference's top-n on
** structured inputs (l 32, d 16, l' 64, n 16, batch 1, seed 1) as a selection trace: the same
** pipeline (mean pool, compressed lse, Eq. 8-10 scores, Eq. 11 top-n) the GPU check uses.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "val_config.h"
#include "val_input.h"
#include "val_ref.h"
#include "val_trace.h"

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
  expect_error("id=a kernel=nsa_fwd seq_len=4096 inputs=realistic", "inputs = 'realistic' (expected random or structured)");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 inputs=random inputs=structured", "duplicate key 'inputs'");
  expect_error("id=a kernel=full_fwd seq_len=4096 inputs=structured", "inputs=structured is implemented for kernel=nsa_fwd");
  expect_error("id=a kernel=nsa_decode seq_len=4096 trace_out=x.trace", "trace_out is written by the nsa_fwd top-n only");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 trace_out=a.trace trace_out=b.trace", "duplicate key 'trace_out'");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 trace_out=out/", "names a directory");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 trace_out=caf\xc3\xa9.trace", "non-ASCII");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 dec_fused=1", "dec_fused is the nsa_decode pipeline");
  expect_error("id=a kernel=nsa_decode seq_len=4096 dec_fused=5", "out of range");
  expect_error("id=a kernel=nsa_decode seq_len=4096 grp_lean=1", "grp_lean=1 is for nsa_decode with dec_fused=1");
  expect_error("id=a kernel=nsa_fwd seq_len=4096 grp_lean=1", "grp_lean=1 is for nsa_decode with dec_fused=1");
  expect_error("id=a kernel=nsa_decode seq_len=4096 topn_fused=1", "topn_fused=1 is the nsa_fwd scores kernel");
  expect_error("id=a kernel=nsa_fwd seq_len=262144 topn_fused=1", "n_sel = 4096");
  expect_error("id=a kernel=full_fwd seq_len=4096 gate_fused=1", "gate_fused=1 is the nsa_fwd window kernel");
  expect_error("id=a kernel=nsa_decode seq_len=4096 pdl=1", "pdl=1 is for full_decode and for nsa_decode with dec_fused");
}

static void test_config_trace_keys(void) {
  val_config c;
  char err[VAL_ERR_MAX] = "";
  EXPECT(parse("id=a kernel=nsa_fwd seq_len=4096", &c, err) == 1);
  EXPECT(c.inputs == VAL_INPUTS_RANDOM && c.trace_out[0] == '\0'); /* defaults */
  EXPECT(parse("id=a kernel=nsa_fwd seq_len=4096 inputs=structured trace_out=out/sel-4k.trace", &c, err) == 1);
  EXPECT(c.inputs == VAL_INPUTS_STRUCTURED && strcmp(c.trace_out, "out/sel-4k.trace") == 0);
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

static void test_structured_inputs(void) {
  enum { T = 256, H = 2, D = 64 };
  static uint16_t a[T * H * D], b[T * H * D];
  val_struct_spec k = {1, T, H, D, 1, 0, 0, 7, 11};
  val_structured_fill(&k, a);
  val_structured_fill(&k, b);
  EXPECT(memcmp(a, b, sizeof a) == 0); /* reproducible from its seeds */
  k.noise_seed = 12;
  val_structured_fill(&k, b);
  EXPECT(memcmp(a, b, sizeof a) != 0);
  /* The global dim carries VAL_ST_GLOBAL_K (plus noise in [-2, 2)) exactly on global tokens. */
  int wrong = 0;
  for (int t = 0; t < T; ++t)
    for (int h = 0; h < H; ++h) {
      const float g = val_bf16_to_f32(a[(t * H + h) * D + 2 * VAL_ST_FREQS]);
      const int is_g = val_structured_is_global(7, 0, h, t);
      wrong += is_g ? g < VAL_ST_GLOBAL_K - 2.5f : g > 2.5f;
    }
  EXPECT(wrong == 0);
  /* The positional part: the mean of q_t . k_s over noise is larger for near than for far keys. */
  static uint16_t q[T * 2 * D];
  val_struct_spec qs = {1, T, 2, D, 2, 1, 0, 7, 13};
  val_structured_fill(&qs, q);
  double near = 0, far = 0;
  for (int t = 128; t < T; ++t)
    for (int d = 0; d < 2 * VAL_ST_FREQS; ++d) {
      near += val_bf16_to_f32(q[(t * 2) * D + d]) * val_bf16_to_f32(a[((t - 1) * H) * D + d]);
      far += val_bf16_to_f32(q[(t * 2) * D + d]) * val_bf16_to_f32(a[((t - 128) * H) * D + d]);
    }
  EXPECT(near > far);
}

/* CPU selection of a whole (small) problem on structured inputs, as nsa_validate checks it:
** mean-pooled K, the compressed attention's lse per head, Eq. 8-10 scores, Eq. 11 top-n.
** idx gets the harness layout [batch][T][heads_kv][n]. Returns 0, -1 on allocation failure. */
static int select_cpu(int batch, int T, int hq, int hk, int dqk, int n, int32_t *idx) {
  const int l = 32, st = 16, lp = 64, group = hq / hk;
  const int n_cmp = (T - l) / st + 1, n_sel = (T + lp - 1) / lp;
  const size_t nq = (size_t)batch * T * hq * dqk, nk = (size_t)batch * T * hk * dqk;
  uint16_t *qb = malloc(nq * 2), *kb = malloc(nk * 2);
  float *q = NULL, *k = NULL, *kc = malloc((size_t)n_cmp * hk * dqk * sizeof *kc), *lse = malloc((size_t)group * 4);
  float *scf = malloc((size_t)n_sel * sizeof *scf);
  double *sc = malloc((size_t)n_sel * sizeof *sc), *pool = malloc((size_t)dqk * sizeof *pool), o;
  int *keys = malloc((size_t)n_cmp * sizeof *keys), rc = -1;
  if (qb && kb && kc && lse && scf && sc && pool && keys) {
    val_struct_spec sq = {batch, T, hq, dqk, group, 1, 0, 1, 64}, sk = {batch, T, hk, dqk, 1, 0, 0, 1, 65};
    val_structured_fill(&sq, qb);
    val_structured_fill(&sk, kb);
    q = val_bf16_array_to_f32(qb, nq);
    k = val_bf16_array_to_f32(kb, nk);
  }
  for (int b = 0; q && k && b < batch; ++b) {
    const float *kseq = k + (size_t)b * T * hk * dqk;
    for (int i = 0; i < n_cmp; ++i) /* the kernel stores K_cmp in bf16 */
      for (int h = 0; h < hk; ++h) {
        val_ref_compress_block(kseq, hk, dqk, h, i, l, st, pool);
        for (int d = 0; d < dqk; ++d)
          kc[((size_t)i * hk + h) * dqk + d] = val_bf16_to_f32(val_f32_to_bf16((float)pool[d]));
      }
    for (int t = 0; t < T; ++t) {
      const int nk_vis = val_ref_visible_keys(t, n_cmp, st, l - 1, 0, keys);
      for (int h = 0; h < hk; ++h) {
        const float *qg = q + (((size_t)b * T + t) * hq + (size_t)h * group) * dqk;
        for (int g = 0; g < group; ++g) {
          double ls;
          val_ref_attn_row(qg + (size_t)g * dqk, kc + (size_t)h * dqk, kc + (size_t)h * dqk, (long long)hk * dqk,
                           (long long)hk * dqk, dqk, 1, keys, nk_vis, 1.0 / sqrt((double)dqk), &o, &ls);
          lse[g] = (float)ls;
        }
        const int nv = val_ref_scores_row(qg, group, kc + (size_t)h * dqk, (long long)hk * dqk, n_cmp, dqk, lse,
                                          1.0 / sqrt((double)dqk), t, l, st, lp, n_sel, sc);
        for (int j = 0; j < nv; ++j) scf[j] = (float)sc[j];
        val_ref_topn(scf, nv, n, idx + (((size_t)b * T + t) * hk + h) * n);
      }
    }
    rc = 0;
  }
  free(qb), free(kb), free(q), free(k), free(kc), free(lse), free(scf), free(sc), free(pool), free(keys);
  return rc;
}

static uint64_t get_le(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

static void test_trace_writer(void) {
  enum { B = 2, HK = 2, HQ = 4, T = 300, D = 64, N = 4 };
  static int32_t idx[B * T * HK * N];
  EXPECT(select_cpu(B, T, HQ, HK, D, N, idx) == 0);
  const char *path = "val_selftest_trace.tmp";
  const val_trace_shape s = {B, HK, T, T, 64, N};
  char err[512] = "";
  EXPECT(val_trace_write(path, &s, idx, err, sizeof err) == 0);
  if (err[0]) fprintf(stderr, "%s\n", err);
  FILE *f = fopen(path, "rb");
  EXPECT(f != NULL);
  if (!f) return;
  static unsigned char bytes[64 + 4 * B * T * HK * N + 1];
  const size_t got = fread(bytes, 1, sizeof bytes, f);
  fclose(f);
  remove(path);
  EXPECT(got == 64 + 4 * (size_t)B * T * HK * N); /* header + entries, nothing more */
  /* The header, byte for byte (little-endian), as sim/cycle/trace.h defines it. */
  static const unsigned char want[64] = {'N', 'S', 'A', 'S', 'E', 'L', '1', '\n', 1, 0, 0, 0, 64, 0, 0, 0,
                                         B, 0, 0, 0, HK, 0, 0, 0, 0x2c, 0x01, 0, 0, 0, 0, 0, 0,
                                         0x2c, 0x01, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, N, 0, 0, 0,
                                         0xc0, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT(B * HK * T * N == 0x12c0);
  EXPECT(memcmp(bytes, want, 64) == 0);
  /* Entries in (b, h, t, i) order; the harness layout is (b, t, h, i). */
  int mism = 0, local = 0, far_free = 0;
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < HK; ++h)
      for (int t = 0; t < T; ++t)
        for (int i = 0; i < N; ++i) {
          const size_t e = (((size_t)b * HK + h) * T + t) * N + i;
          const int32_t v = (int32_t)(uint32_t)get_le(bytes + 64 + 4 * e, 4);
          mism += v != idx[(((size_t)b * T + t) * HK + h) * N + i];
          local += t >= 256 && v >= 2; /* blocks 2..4 of 5 at t >= 256: forced local ones or near picks */
          far_free += t >= 256 && v == 1;
        }
  EXPECT(mism == 0);
  EXPECT(local > far_free);
  EXPECT(get_le(bytes + 48, 8) == (uint64_t)B * HK * T * N);
  /* Bad selections are refused before the file is created. */
  static int32_t bad[B * T * HK * N];
  memcpy(bad, idx, sizeof bad);
  bad[(((size_t)1 * T + 70) * HK + 1) * N + 0] = 2; /* position 70 allows blocks 0..1 */
  EXPECT(val_trace_write(path, &s, bad, err, sizeof err) == -1 && strstr(err, "allows -1 or 0..1"));
  EXPECT(fopen(path, "rb") == NULL);
  memcpy(bad, idx, sizeof bad);
  bad[(((size_t)0 * T + 200) * HK + 0) * N + 1] = bad[(((size_t)0 * T + 200) * HK + 0) * N + 0];
  EXPECT(val_trace_write(path, &s, bad, err, sizeof err) == -1 && strstr(err, "twice"));
  memcpy(bad, idx, sizeof bad);
  bad[(((size_t)0 * T + 299) * HK + 1) * N + 3] = -1; /* 5 blocks exist: all 4 entries must be valid */
  EXPECT(val_trace_write(path, &s, bad, err, sizeof err) == -1 && strstr(err, "has 3 valid blocks"));
  EXPECT(val_trace_write("no-such-dir/x.trace", &s, idx, err, sizeof err) == -1 && strstr(err, "cannot write"));
}

static int make_trace(int argc, char **argv) {
  const char *out = argv[2];
  int v[4];
  for (int i = 0; i < 4; ++i) {
    char *end = NULL;
    const long x = strtol(argv[3 + i], &end, 10);
    if (*end || x < 1 || x > (i == 0 ? 65536 : 256)) {
      fprintf(stderr, "val_selftest trace: bad number '%s'\n", argv[3 + i]);
      return 2;
    }
    v[i] = (int)x;
  }
  (void)argc;
  const int T = v[0], hq = v[1], hk = v[2], dqk = v[3], n = 16;
  if (T < 32 || hq % hk || dqk <= 2 * VAL_ST_FREQS + VAL_ST_TOPICS) {
    fprintf(stderr, "val_selftest trace: need SEQ_LEN >= 32, HEADS_Q a multiple of HEADS_KV, D_QK > %d\n",
            2 * VAL_ST_FREQS + VAL_ST_TOPICS);
    return 2;
  }
  int32_t *idx = malloc((size_t)T * hk * n * sizeof *idx);
  if (!idx || select_cpu(1, T, hq, hk, dqk, n, idx) != 0) {
    free(idx);
    fprintf(stderr, "val_selftest trace: out of memory\n");
    return 1;
  }
  const val_trace_shape s = {1, hk, T, T, 64, n};
  char err[VAL_ERR_MAX + 600];
  const int rc = val_trace_write(out, &s, idx, err, sizeof err);
  free(idx);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  printf("%s: %d selections of %d blocks (CPU reference, structured inputs)\n", out, T * hk, n);
  return 0;
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
  if (argc == 7 && strcmp(argv[1], "trace") == 0) return make_trace(argc, argv);
  if (argc != 1) {
    fprintf(stderr, "usage: val_selftest [parse CONFIG_LIST | trace OUT SEQ_LEN HEADS_Q HEADS_KV D_QK]\n");
    return 2;
  }
  test_config_good();
  test_config_bad();
  test_config_trace_keys();
  test_bf16();
  test_attn_ref();
  test_compress_ref();
  test_scores_ref();
  test_topn_ref();
  test_bwd_ref();
  test_structured_inputs();
  test_trace_writer();
  test_err_and_stats();
  printf("%d checks, %d failed\n", n_checks, n_failed);
  return n_failed ? 1 : 0;
}
