/*
** validate/harness/val_main.c — nsa_validate: runs the CUDA validation kernels from a config list.
** For each config: allocate inputs (device-generated random bf16) and outputs, poison the outputs
** (0xFF bytes = NaN), run the pipeline once and compare every stage with the CPU reference on the
** stage's own GPU inputs (sampled query rows), check that every output element was written, then
** time each stage and the whole pipeline with CUDA events (warm-up, median of >= 20 runs, inputs
** rotated among several copies when one copy is smaller than 3x L2). One CSV row per stage.
** inputs=structured makes Q and K on the host (val_input.h); trace_out=FILE writes the checked
** top-n selections of an nsa_fwd config in the simulator's trace format (val_trace.h).
** Exit: 0 all checks passed, 1 a check failed or CUDA failed, 2 usage/config error, 77 no GPU.
*/
#include <cuda_profiler_api.h>
#include <cuda_runtime_api.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "val_config.h"
#include "val_input.h"
#include "val_kernels.h"
#include "val_ref.h"
#include "val_trace.h"

#define VAL_EXIT_FAIL 1
#define VAL_EXIT_USAGE 2
#define VAL_EXIT_SKIP 77
#define VAL_TOL_REL 2e-2  /* relative L2 bound: bf16 operands give 1e-3..1e-2 */
#define VAL_MAX_STAGES 12
#define VAL_DEC_CHUNK 64 /* selection blocks per CTA of the fused decode's select kernel: one pass of its 256 threads */
#define VAL_MAX_ROT 8
#define VAL_MAX_BUFS 64 /* buffer slots per rotation set (>= S_COUNT, checked below) */
#define VAL_SPIN_CYCLES 20000000LL /* ~10 ms at 2 GHz: covers the host's enqueue of a timed batch */

/* Every CUDA call goes through CK; a failure is fatal for the run (errors can be sticky). */
#define CK(call)                                                                                         \
  do {                                                                                                   \
    cudaError_t e_ = (call);                                                                             \
    if (e_ != cudaSuccess) {                                                                             \
      fprintf(stderr, "%s:%d: CUDA error %s (%s) in %s\n", __FILE__, __LINE__, cudaGetErrorName(e_),     \
              cudaGetErrorString(e_), #call);                                                            \
      return -1;                                                                                         \
    }                                                                                                    \
  } while (0)

/* ====================================================================== device buffers */

typedef struct dev_pool {
  void *ptr[VAL_MAX_BUFS * VAL_MAX_ROT];
  int n;
  unsigned long long bytes;
} dev_pool;

static int pool_alloc(dev_pool *pl, void **out, unsigned long long bytes) {
  *out = NULL;
  if (pl->n >= (int)(sizeof pl->ptr / sizeof pl->ptr[0])) {
    fprintf(stderr, "error: too many device buffers\n");
    return -1;
  }
  CK(cudaMalloc(out, (size_t)(bytes ? bytes : 16)));
  pl->ptr[pl->n++] = *out;
  pl->bytes += bytes;
  return 0;
}

static void pool_free(dev_pool *pl) {
  for (int i = 0; i < pl->n; ++i) {
    cudaError_t e = cudaFree(pl->ptr[i]);
    if (e != cudaSuccess) fprintf(stderr, "warning: cudaFree: %s\n", cudaGetErrorString(e));
  }
  pl->n = 0;
  pl->bytes = 0;
}

/* Copies n bf16 values back and widens them to float (NULL on failure, message printed). */
static float *fetch_bf16(const void *d, unsigned long long n) {
  uint16_t *h = malloc((size_t)(n ? n : 1) * sizeof *h);
  if (!h) {
    fprintf(stderr, "error: host allocation of %llu bytes failed\n", n * 2ull);
    return NULL;
  }
  cudaError_t e = cudaMemcpy(h, d, (size_t)n * 2, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) {
    fprintf(stderr, "CUDA error %s in cudaMemcpy (fetch_bf16)\n", cudaGetErrorString(e));
    free(h);
    return NULL;
  }
  float *f = val_bf16_array_to_f32(h, (size_t)n);
  free(h);
  if (!f) fprintf(stderr, "error: host allocation failed\n");
  return f;
}

static void *fetch_raw(const void *d, unsigned long long bytes) {
  void *h = malloc((size_t)(bytes ? bytes : 1));
  if (!h) {
    fprintf(stderr, "error: host allocation of %llu bytes failed\n", bytes);
    return NULL;
  }
  cudaError_t e = cudaMemcpy(h, d, (size_t)bytes, cudaMemcpyDeviceToHost);
  if (e != cudaSuccess) {
    fprintf(stderr, "CUDA error %s in cudaMemcpy (fetch_raw)\n", cudaGetErrorString(e));
    free(h);
    return NULL;
  }
  return h;
}

/* ====================================================================== stages and CSV rows */

typedef struct stage_row {
  const char *kernel;      /* simulator kernel name: full, compress, cmp_attn, ... (+ phase) */
  val_launch_info info;
  int block_m, block_n, warps, stages, split;
  const char *design;
  double flops, bytes;
  double rel_err;          /* NaN = not checked */
  const char *check;       /* pass / FAIL / skip */
  double median_ms, min_ms, max_ms;
} stage_row;

typedef struct run_ctx {
  cudaStream_t stream;
  cudaEvent_t ev[2 * 2000]; /* one start/stop pair per timed run (runs <= 2000) */
  struct cudaDeviceProp prop;
  FILE *csv;
  int n_fail;
  int profile; /* --profile: one launch per stage between cudaProfilerStart/Stop, for ncu */
} run_ctx;

static void csv_header(FILE *f) {
  fprintf(f,
          "config_id,kernel,batch,seq_len,heads_q,heads_kv,d_qk,d_v,cmp_len,cmp_stride,sel_len,sel_count,window,"
          "block_m,block_n,warps,stages,split_kv,design,func,grid_ctas,threads_per_cta,regs,smem_static_bytes,"
          "smem_dyn_bytes,local_bytes,max_threads_per_block,rotations,runs,median_ms,min_ms,max_ms,flops,bytes,"
          "tflops,gbps,rel_err,check\n");
}

static void csv_row(FILE *f, const val_config *c, const stage_row *s, int n_rot) {
  const val_launch_info *i = &s->info;
  const unsigned long long ctas = (unsigned long long)i->grid_x * i->grid_y * i->grid_z;
  const double tflops = s->median_ms > 0 ? s->flops / (s->median_ms * 1e-3) / 1e12 : 0.0;
  const double gbps = s->median_ms > 0 ? s->bytes / (s->median_ms * 1e-3) / 1e9 : 0.0;
  fprintf(f, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,", c->id, s->kernel, c->batch, c->seq_len, c->heads_q,
          c->heads_kv, c->d_qk, c->d_v, c->cmp_len, c->cmp_stride, c->sel_len, c->sel_count, c->window);
  fprintf(f, "%d,%d,%d,%d,%d,%s,%s,%llu,%u,%d,%zu,%zu,%zu,%d,%d,%d,", s->block_m, s->block_n, s->warps, s->stages,
          s->split, s->design ? s->design : "", i->func_name ? i->func_name : "", ctas, i->block_threads, i->num_regs,
          i->static_smem_bytes, i->dyn_smem_bytes, i->local_bytes, i->max_threads_per_block, n_rot, c->runs);
  fprintf(f, "%.6f,%.6f,%.6f,%.6e,%.6e,%.3f,%.3f,", s->median_ms, s->min_ms, s->max_ms, s->flops, s->bytes, tflops,
          gbps);
  if (isnan(s->rel_err))
    fprintf(f, ",%s\n", s->check);
  else
    fprintf(f, "%.3e,%s\n", s->rel_err, s->check);
  fflush(f);
}

/* Query rows to check: k evenly spaced rows of [0, n), always including the first and the last. */
static int sample_rows(int n, int k, int *rows) {
  if (k >= n) {
    for (int i = 0; i < n; ++i) rows[i] = i;
    return n;
  }
  if (k < 2) k = 2;
  for (int i = 0; i < k; ++i) rows[i] = (int)((long long)i * (n - 1) / (k - 1));
  return k;
}

static int rotations_for(const run_ctx *R, unsigned long long set_bytes) {
  const unsigned long long l2 = (unsigned long long)R->prop.l2CacheSize;
  unsigned long long n = set_bytes ? (3ull * l2 + set_bytes - 1) / set_bytes : 1;
  if (n < 1) n = 1;
  if (n > VAL_MAX_ROT) n = VAL_MAX_ROT;
  return (int)n;
}

/* Refuses configs whose buffers would not fit in 90% of the free device memory. */
static int check_fits(const val_config *c, unsigned long long bytes) {
  size_t free_b = 0, total_b = 0;
  CK(cudaMemGetInfo(&free_b, &total_b));
  if (bytes > (unsigned long long)free_b / 10ull * 9ull) {
    fprintf(stderr, "config '%s' (line %d): needs %.2f GB of device memory, %.2f GB free\n", c->id, c->line,
            bytes / 1e9, free_b / 1e9);
    return -1;
  }
  return 0;
}

static const char *verdict(double rel) { return (!isnan(rel) && rel < VAL_TOL_REL) ? "pass" : "FAIL"; }

/* Counts NaN elements of a bf16 or f32 device buffer (the 0xFF poison left behind = element never
** written); one fetch, one loop, the element test chosen by type. */
static long long count_nan(const void *d, unsigned long long n, int is_bf16, int *ok) {
  void *h = fetch_raw(d, n * (is_bf16 ? 2 : 4));
  if (!h) {
    *ok = 0;
    return 0;
  }
  const uint16_t *h16 = h;
  const float *h32 = h;
  long long bad = 0;
  for (unsigned long long i = 0; i < n; ++i)
    if (is_bf16 ? ((h16[i] & 0x7f80u) == 0x7f80u && (h16[i] & 0x7fu)) : isnan(h32[i])) ++bad;
  free(h);
  *ok = 1;
  return bad;
}

/* Auto split for a decode group kernel: one full wave of resident CTAs (occupancy API) over the
** B x Hkv (sequence, KV head) pairs, at least `min_tiles` tiles of 64 keys per split; a second,
** partial wave would cost as much as the first. split_kv > 0 in the config overrides. */
static int auto_splits(const run_ctx *R, const val_config *c, int tiles, int min_tiles) {
  int max_s = tiles / (min_tiles > 0 ? min_tiles : 1);
  if (max_s < 1) max_s = 1;
  int want = c->split_kv;
  if (want <= 0) {
    int per_sm = val_attn_group_ctas_per_sm(c->d_qk, c->d_v, c->grp_block_n, c->grp_stages);
    if (per_sm < 1) per_sm = 1;
    want = per_sm * R->prop.multiProcessorCount / (c->batch * c->heads_kv);
  }
  if (want > max_s) want = max_s;
  if (want > 1024) want = 1024;
  return want < 1 ? 1 : want;
}

/* Shared attention-row check: compare o (bf16, [B, Tq, Hq, Dv]) and lse ([B, Hq, Tq]) of the
** sampled rows against val_ref_attn_row over the keys chosen by `keys_for`. */
typedef int (*keys_fn)(void *kctx, int b, int t, int hk, int *keys);

typedef struct attn_check {
  const float *q, *k, *v;  /* host copies */
  const float *o, *lse;    /* GPU results (host copies) */
  int batch, seq_q, seq_k, heads_q, heads_kv, d_qk, d_v;
  double scale;
  keys_fn keys_for;
  void *kctx;
  const float *gates, *gate_a, *gate_b; /* set: o is g0 gate_a + g1 gate_b + g2 (the attention) */
} attn_check;

static double check_attn_rows(const attn_check *a, int check_rows) {
  int *rows = malloc((size_t)a->seq_q * sizeof *rows);
  int *keys = malloc((size_t)(a->seq_k > 0 ? a->seq_k : 1) * sizeof *keys);
  double *o = malloc((size_t)a->d_v * sizeof *o);
  if (!rows || !keys || !o) {
    free(rows);
    free(keys);
    free(o);
    return NAN;
  }
  const int n_rows = sample_rows(a->seq_q, check_rows, rows);
  const int group = a->heads_q / a->heads_kv;
  val_err_acc acc_o = {0}, acc_l = {0};
  for (int b = 0; b < a->batch; ++b)
    for (int ri = 0; ri < n_rows; ++ri) {
      const int t = rows[ri];
      for (int hk = 0; hk < a->heads_kv; ++hk) {
        const int nk = a->keys_for(a->kctx, b, t, hk, keys);
        for (int hh = 0; hh < group; ++hh) {
          const int hq = hk * group + hh;
          const float *qr = a->q + (((long long)b * a->seq_q + t) * a->heads_q + hq) * a->d_qk;
          const float *kb = a->k + ((long long)b * a->seq_k * a->heads_kv + hk) * a->d_qk;
          const float *vb = a->v + ((long long)b * a->seq_k * a->heads_kv + hk) * a->d_v;
          double lse;
          val_ref_attn_row(qr, kb, vb, (long long)a->heads_kv * a->d_qk, (long long)a->heads_kv * a->d_v, a->d_qk,
                           a->d_v, keys, nk, a->scale, o, &lse);
          const float *og = a->o + (((long long)b * a->seq_q + t) * a->heads_q + hq) * a->d_v;
          if (a->gates) {
            const long long r = ((long long)b * a->seq_q + t) * a->heads_q + hq;
            const double g0 = a->gates[3 * r], g1 = a->gates[3 * r + 1], g2 = a->gates[3 * r + 2];
            for (int d = 0; d < a->d_v; ++d)
              val_err_add(&acc_o, og[d], g0 * a->gate_a[r * a->d_v + d] + g1 * a->gate_b[r * a->d_v + d] + g2 * o[d]);
          } else {
            for (int d = 0; d < a->d_v; ++d) val_err_add(&acc_o, og[d], o[d]);
          }
          const float lg = a->lse[((long long)b * a->heads_q + hq) * a->seq_q + t];
          if (isinf(lse) && isinf(lg) && lg < 0)
            val_err_add(&acc_l, 0.0, 0.0);
          else
            val_err_add(&acc_l, lg, isinf(lse) ? 1e30 : lse);
        }
      }
    }
  free(rows);
  free(keys);
  free(o);
  const double eo = val_err_rel(&acc_o), el = val_err_rel(&acc_l);
  if (isnan(eo) || isnan(el)) return NAN;
  return eo > el ? eo : el;
}

typedef struct range_keys {
  int q_pos0, seq_k, stride, off, window;
} range_keys;

static int keys_range(void *kctx, int b, int t, int hk, int *keys) {
  (void)b;
  (void)hk;
  const range_keys *r = kctx;
  return val_ref_visible_keys(r->q_pos0 + t, r->seq_k, r->stride, r->off, r->window, keys);
}

typedef struct sel_keys {
  const int32_t *idx; /* host copy [B, Tq, Hkv, n] */
  int seq_q, seq_k, heads_kv, n, blk, q_pos0;
} sel_keys;

static int keys_selected(void *kctx, int b, int t, int hk, int *keys) {
  const sel_keys *s = kctx;
  const int32_t *row = s->idx + (((long long)b * s->seq_q + t) * s->heads_kv + hk) * s->n;
  return val_ref_selected_keys(s->q_pos0 + t, s->seq_k, row, s->n, s->blk, keys);
}

/* ====================================================================== pipelines */

/* Buffer slots; each config kind uses a subset (size 0 = unused). */
enum {
  S_Q, S_K, S_V, S_KS, S_VS, S_KW, S_VW, S_GATES,          /* inputs */
  S_KC, S_VC, S_O, S_LSE, S_OCMP, S_LCMP, S_SCORES, S_IDX, /* outputs */
  S_OSLC, S_LSLC, S_OWIN, S_LWIN, S_OPART, S_LPART,
  S_LOGITS, S_OPS, S_LPS, S_OPW, S_LPW, /* decode: cmp logits, split partials of slc / win */
  S_DO, S_DELTA, S_DQ, S_DK, S_DV,      /* backward */
  S_DKACC, S_DVACC, S_CNT, S_OFF, S_CUR, S_LIST, S_CHUNKS, S_NCHUNK, /* selected backward */
  S_DKC, S_DVC,                         /* compressed backward: gradients of K_cmp, V_cmp */
  S_W1K, S_W2K, S_W1V, S_W2V, S_C1K, S_C1V, /* MLP compression: weights, position bias flatten(pe) W1 */
  S_DKPART, S_DVPART,                   /* compressed backward: dK/dV partials of the query splits */
  S_DCNT,                               /* fused decode: arrival counters of the select and branch kernels */
  S_PSC,                                /* fused decode v2: each cmp split's block scores per head */
  S_COUNT
};
_Static_assert(S_COUNT <= VAL_MAX_BUFS, "dev_pool holds VAL_MAX_BUFS buffers per rotation set");
enum { T_BF16 = 0, T_F32 = 1, T_I32 = 2 };
static const char *const slot_names[S_COUNT] = {"q", "k", "v", "k_slc", "v_slc", "k_win", "v_win", "gates",
                                                "k_cmp", "v_cmp", "o", "lse", "o_cmp", "lse_cmp", "scores", "idx",
                                                "o_slc", "lse_slc", "o_win", "lse_win", "o_part", "lse_part",
                                                "logits", "o_part_slc", "lse_part_slc", "o_part_win", "lse_part_win",
                                                "d_o", "delta", "dq", "dk", "dv", "dk_acc", "dv_acc", "cnt", "off",
                                                "cursor", "list", "chunks", "n_chunks", "dk_cmp", "dv_cmp", "w1_k", "w2_k", "w1_v", "w2_v", "c1_k", "c1_v", "dk_part", "dv_part", "counters"};

enum {
  OP_FULL_FWD, OP_FULL_GROUP, OP_SPLIT_COMBINE, OP_COMPRESS, OP_CMP_FWD, OP_CMP_GROUP,
  OP_SCORES, OP_TOPN, OP_SEL_GROUP, OP_WIN_FWD, OP_WIN_GROUP, OP_GATE,
  OP_SELECT_DECODE, OP_GATE_SPLIT, OP_BWD_PRE, OP_BWD_DKDV, OP_BWD_DQ,
  OP_SEL_BWD_PRE, OP_SEL_BWD_DQ, OP_SEL_BWD_INDEX, OP_SEL_BWD_DKDV, OP_COMPRESS_BWD, OP_BWD_REDUCE,
  OP_DEC_CMP, OP_DEC_SELECT, OP_DEC_BRANCH /* fused decode (nsa_decode.cu) */
};

typedef struct stage_def {
  const char *name; /* CSV kernel column */
  int op;
  int splits;       /* group kernels and split-combine */
  int dst_o, dst_l; /* where a split-combine (or an unsplit group kernel) writes */
  int part_o, part_l; /* where a group kernel writes split partials (S_OPART unless fused) */
  int write_part;   /* group kernel writes partials even with one split (fused decode combine) */
  int aux;          /* fused decode: select, the compressed branch's splits; branches, the window's */
} stage_def;

typedef struct pipe {
  const val_config *c;
  cudaStream_t s;
  int decode;                  /* 1: one query per sequence at position seq_len - 1 */
  int n_rot, Tq, Tk, q_pos0, n_cmp, n_sel;
  unsigned long long n[S_COUNT];
  int type[S_COUNT], input[S_COUNT]; /* input: 1 random bf16, 2 host-made top-n indices, 3 host-made
                                      ** in setup, 4 zeroed workspace (never poisoned) */
  int chunk_tokens, max_chunks;       /* selected backward */
  int q_splits;                       /* compressed backward: query splits of dK/dV (1 = none) */
  int whole;                          /* 1 while pipe_launch() launches the whole step (decode v4's flags) */
  void *p[VAL_MAX_ROT][S_COUNT];
  float *hf[S_COUNT];          /* host copies of rotation 0 (float), fetched on demand */
  int32_t *hidx;
  int n_st;
  stage_def st[VAL_MAX_STAGES];
  stage_row row[VAL_MAX_STAGES];
} pipe;

static float scale_of(const val_config *c) { return 1.0f / sqrtf((float)c->d_qk); }

static void fwd_params(const pipe *P, int rot, val_attn_fwd_params *a, int k, int v, int o, int l) {
  const val_config *c = P->c;
  memset(a, 0, sizeof *a);
  a->q = P->p[rot][S_Q];
  a->k = P->p[rot][k];
  a->v = P->p[rot][v];
  a->o = P->p[rot][o];
  a->lse = P->p[rot][l];
  a->batch = c->batch;
  a->seq_q = P->Tq;
  a->seq_k = P->Tk;
  a->heads_q = c->heads_q;
  a->heads_kv = c->heads_kv;
  a->d_qk = c->d_qk;
  a->d_v = c->d_v;
  a->q_pos0 = P->q_pos0;
  a->kv_pos_stride = 1;
  a->scale = scale_of(c);
  a->block_m = c->block_m;
  a->block_n = c->block_n;
  a->stages = c->stages;
}

static void group_params(const pipe *P, int rot, const stage_def *sd, val_attn_group_params *a, int k, int v) {
  const val_config *c = P->c;
  memset(a, 0, sizeof *a);
  a->q = P->p[rot][S_Q];
  a->k = P->p[rot][k];
  a->v = P->p[rot][v];
  a->o = P->p[rot][sd->dst_o];
  a->lse = P->p[rot][sd->dst_l];
  a->o_part = P->p[rot][sd->part_o];
  a->lse_part = P->p[rot][sd->part_l];
  a->write_part = sd->write_part;
  a->batch = c->batch;
  a->seq_q = P->Tq;
  a->seq_k = P->Tk;
  a->heads_q = c->heads_q;
  a->heads_kv = c->heads_kv;
  a->d_qk = c->d_qk;
  a->d_v = c->d_v;
  a->q_pos0 = P->q_pos0;
  a->kv_pos_stride = 1;
  a->mode = VAL_GROUP_RANGE;
  a->splits = sd->splits;
  a->stages = c->grp_stages;
  a->block_n = c->grp_block_n;
  a->scale = scale_of(c);
  a->pdl = P->decode && c->pdl;
}

/* Compression of blocks [first, n_cmp) of rotation rot (mean pool or MLP). */
static void compress_params(const pipe *P, int rot, int first, val_compress_params *a) {
  const val_config *c = P->c;
  memset(a, 0, sizeof *a);
  a->k = P->p[rot][S_K], a->v = P->p[rot][S_V], a->k_cmp = P->p[rot][S_KC], a->v_cmp = P->p[rot][S_VC];
  a->batch = c->batch, a->seq_len = P->Tk, a->heads_kv = c->heads_kv, a->d_qk = c->d_qk, a->d_v = c->d_v;
  a->cmp_len = c->cmp_len, a->cmp_stride = c->cmp_stride, a->n_blocks = P->n_cmp, a->first_block = first;
  a->mlp = c->compress_mlp;
  if (a->mlp) {
    a->w1_k = P->p[rot][S_W1K], a->w2_k = P->p[rot][S_W2K], a->w1_v = P->p[rot][S_W1V], a->w2_v = P->p[rot][S_W2V];
    a->c1_k = P->p[rot][S_C1K], a->c1_v = P->p[rot][S_C1V];
  }
}

/* The fused decode's three launches share one parameter block (nsa_decode.cu): a group view per
** branch, with the splits the plan chose (stages dec_cmp_fused, dec_select_fused, dec_branches_fused). */
static const stage_def *stage_of(const pipe *P, int op) {
  for (int i = 0; i < P->n_st; ++i)
    if (P->st[i].op == op) return &P->st[i];
  return NULL;
}

static void fused_params(const pipe *P, int rot, val_decode_fused_params *f) {
  const val_config *c = P->c;
  const stage_def *sc = stage_of(P, OP_DEC_CMP), *sb = stage_of(P, OP_DEC_BRANCH);
  memset(f, 0, sizeof *f);
  group_params(P, rot, sc, &f->cmp, S_KC, S_VC);
  f->cmp.seq_k = P->n_cmp;
  f->cmp.logits = P->p[rot][S_LOGITS];
  f->cmp.kv_pos_stride = c->cmp_stride;
  f->cmp.kv_pos_off = c->cmp_len - 1;
  if (c->pdl && c->compress_mlp) f->cmp.pdl = 2; /* the newest block comes from the compression kernel */
  group_params(P, rot, sb, &f->slc, S_KS, S_VS);
  f->slc.o_part = P->p[rot][S_OPS], f->slc.lse_part = P->p[rot][S_LPS], f->slc.write_part = 1;
  f->slc.mode = VAL_GROUP_INDEX;
  f->slc.blk_idx = P->p[rot][S_IDX];
  f->slc.n_blk = c->sel_count;
  f->slc.blk_size = c->sel_len;
  group_params(P, rot, sb, &f->win, S_KW, S_VW);
  f->win.o_part = P->p[rot][S_OPW], f->win.lse_part = P->p[rot][S_LPW], f->win.write_part = 1;
  f->win.splits = sb->aux;
  f->win.window = c->window;
  if (!c->compress_mlp) {
    f->k_src = P->p[rot][S_K], f->v_src = P->p[rot][S_V];
    f->k_cmp = P->p[rot][S_KC], f->v_cmp = P->p[rot][S_VC];
  }
  f->seq_len = P->Tk, f->cmp_len = c->cmp_len, f->cmp_stride = c->cmp_stride;
  f->scores = P->p[rot][S_SCORES], f->idx = P->p[rot][S_IDX];
  f->o_cmp = P->p[rot][S_OCMP], f->lse_cmp = P->p[rot][S_LCMP];
  f->sel_len = c->sel_len, f->n_sel = P->n_sel, f->n = c->sel_count, f->chunk_blocks = VAL_DEC_CHUNK;
  f->gates = P->p[rot][S_GATES], f->o = P->p[rot][S_O];
  f->counter_select = P->p[rot][S_DCNT];
  f->counter_branches = (int *)P->p[rot][S_DCNT] + c->batch * c->heads_kv;
  f->counter_select2 = (int *)P->p[rot][S_DCNT] + 2 * c->batch * c->heads_kv;
  f->v2 = c->dec_fused == 2;
  f->v3 = c->dec_fused >= 3; /* v4 is v3 with its own top-n and flags */
  f->lean = c->dec_fused >= 2 || c->grp_lean;
  f->counter_branches2 = (int *)P->p[rot][S_DCNT] + 3 * c->batch * c->heads_kv;
  f->v4 = c->dec_fused == 4;
  if (f->v4) {
    f->done_cmp = (int *)P->p[rot][S_DCNT] + 4 * c->batch * c->heads_kv;
    f->ready_sel = (int *)P->p[rot][S_DCNT] + 5 * c->batch * c->heads_kv;
    f->sync = P->whole; /* kernels launched alone wait for the kernel before, as v3's */
    if (f->sync) f->slc.ready = f->win.ready = f->ready_sel;
  }
  f->part_scores = P->n[S_PSC] ? P->p[rot][S_PSC] : NULL;
}

/* Keys of an attention backward: the buffers and position rule of the branch being differentiated. */
typedef struct bwd_keys {
  int k, v, dk, dv;
  int seq_k, stride, off, window;
} bwd_keys;

static bwd_keys bwd_keys_of(const pipe *P) {
  const val_config *c = P->c;
  bwd_keys bk = {S_K, S_V, S_DK, S_DV, P->Tk, 1, 0, 0};
  if (c->kind == VAL_NSA_CMP_BWD) {
    bk.k = S_KC, bk.v = S_VC, bk.dk = S_DKC, bk.dv = S_DVC;
    bk.seq_k = P->n_cmp, bk.stride = c->cmp_stride, bk.off = c->cmp_len - 1;
  } else if (c->kind == VAL_NSA_WIN_BWD) {
    bk.window = c->window;
  } else if (c->kind == VAL_NSA_SEL_BWD) {
    bk.k = S_KS, bk.v = S_VS;
  }
  return bk;
}

static cudaError_t stage_launch(pipe *P, int i, int rot, val_launch_info *info) {
  const val_config *c = P->c;
  const stage_def *sd = &P->st[i];
  switch (sd->op) {
  case OP_FULL_FWD: {
    val_attn_fwd_params a;
    fwd_params(P, rot, &a, S_K, S_V, S_O, S_LSE);
    return val_launch_attn_fwd(&a, P->s, info);
  }
  case OP_CMP_FWD: {
    val_attn_fwd_params a;
    fwd_params(P, rot, &a, S_KC, S_VC, S_OCMP, S_LCMP);
    a.seq_k = P->n_cmp;
    a.kv_pos_stride = c->cmp_stride;
    a.kv_pos_off = c->cmp_len - 1;
    return val_launch_attn_fwd(&a, P->s, info);
  }
  case OP_WIN_FWD: {
    val_attn_fwd_params a;
    fwd_params(P, rot, &a, S_KW, S_VW, sd->dst_o, sd->dst_l);
    a.window = c->window;
    if (sd->aux) a.gates = P->p[rot][S_GATES], a.gate_a = P->p[rot][S_OCMP], a.gate_b = P->p[rot][S_OSLC];
    return val_launch_attn_fwd(&a, P->s, info);
  }
  case OP_FULL_GROUP: {
    val_attn_group_params a;
    group_params(P, rot, sd, &a, S_K, S_V);
    return val_launch_attn_group(&a, P->s, info);
  }
  case OP_CMP_GROUP: {
    val_attn_group_params a;
    group_params(P, rot, sd, &a, S_KC, S_VC);
    a.seq_k = P->n_cmp;
    if (P->n[S_LOGITS]) a.logits = P->p[rot][S_LOGITS];
    a.kv_pos_stride = c->cmp_stride;
    a.kv_pos_off = c->cmp_len - 1;
    return val_launch_attn_group(&a, P->s, info);
  }
  case OP_WIN_GROUP: {
    val_attn_group_params a;
    group_params(P, rot, sd, &a, S_KW, S_VW);
    a.window = c->window;
    return val_launch_attn_group(&a, P->s, info);
  }
  case OP_SEL_GROUP: {
    val_attn_group_params a;
    group_params(P, rot, sd, &a, S_KS, S_VS);
    a.mode = VAL_GROUP_INDEX;
    a.blk_idx = P->p[rot][S_IDX];
    a.n_blk = c->sel_count;
    a.blk_size = c->sel_len;
    a.lean = c->grp_lean;
    if (c->sel_tok > 1 && !P->decode) return val_launch_attn_union(&a, c->sel_tok, P->s, info);
    return val_launch_attn_group(&a, P->s, info);
  }
  case OP_SPLIT_COMBINE: {
    val_split_combine_params a = {P->p[rot][S_OPART], P->p[rot][S_LPART], P->p[rot][sd->dst_o], P->p[rot][sd->dst_l],
                                  c->batch, P->Tq, c->heads_q, c->d_v, sd->splits, P->decode && c->pdl};
    return val_launch_split_combine(&a, P->s, info);
  }
  case OP_COMPRESS: {
    val_compress_params a;
    compress_params(P, rot, P->decode ? P->n_cmp - 1 : 0, &a);
    return val_launch_compress(&a, P->s, info);
  }
  case OP_SCORES: {
    val_scores_params a = {P->p[rot][S_Q], P->p[rot][S_KC], P->p[rot][S_LCMP], P->p[rot][S_SCORES], c->batch, P->Tq,
                           P->n_cmp, c->heads_q, c->heads_kv, c->d_qk, P->q_pos0, c->cmp_len, c->cmp_stride,
                           c->sel_len, P->n_sel, sd->splits, scale_of(c), NULL, 0};
    if (sd->aux) a.idx = P->p[rot][S_IDX], a.n = c->sel_count;
    return val_launch_scores(&a, P->s, info);
  }
  case OP_TOPN: {
    val_topn_params a = {P->p[rot][S_SCORES], P->p[rot][S_IDX], c->batch, P->Tq, c->heads_kv, P->q_pos0,
                         c->sel_len, P->n_sel, c->sel_count};
    return val_launch_topn(&a, P->s, info);
  }
  case OP_SELECT_DECODE: {
    val_select_decode_params a = {P->p[rot][S_LOGITS], P->p[rot][S_LCMP], P->p[rot][S_SCORES], P->p[rot][S_IDX],
                                  c->batch, c->heads_q, c->heads_kv, P->n_cmp, P->q_pos0, c->cmp_len, c->cmp_stride,
                                  c->sel_len, P->n_sel, c->sel_count};
    return val_launch_select_decode(&a, P->s, info);
  }
  case OP_DEC_CMP: case OP_DEC_SELECT: case OP_DEC_BRANCH: {
    val_decode_fused_params f;
    fused_params(P, rot, &f);
    return sd->op == OP_DEC_CMP      ? val_launch_decode_cmp(&f, P->s, info)
           : sd->op == OP_DEC_SELECT ? val_launch_decode_select(&f, P->s, info)
                                     : val_launch_decode_branches(&f, P->s, info);
  }
  case OP_GATE_SPLIT: {
    const stage_def *ss = &P->st[sd->dst_o], *sw = &P->st[sd->dst_l]; /* the two group stages */
    val_gate_split_params a = {P->p[rot][S_OCMP], P->p[rot][S_GATES], P->p[rot][S_OPS], P->p[rot][S_LPS],
                               P->p[rot][S_OPW], P->p[rot][S_LPW], P->p[rot][S_O], c->batch * c->heads_q, c->d_v,
                               ss->splits, sw->splits};
    return val_launch_gate_combine_split(&a, P->s, info);
  }
  case OP_BWD_PRE: case OP_BWD_DKDV: case OP_BWD_DQ: case OP_BWD_REDUCE: {
    const bwd_keys bk = bwd_keys_of(P);
    val_attn_bwd_params a;
    memset(&a, 0, sizeof a);
    a.q = P->p[rot][S_Q], a.k = P->p[rot][bk.k], a.v = P->p[rot][bk.v], a.o = P->p[rot][S_O], a.d_o = P->p[rot][S_DO];
    a.lse = P->p[rot][S_LSE], a.delta = P->p[rot][S_DELTA];
    a.dq = P->p[rot][S_DQ], a.dk = P->p[rot][bk.dk], a.dv = P->p[rot][bk.dv];
    a.batch = c->batch, a.seq_len = P->Tq, a.heads_q = c->heads_q, a.heads_kv = c->heads_kv;
    a.d_qk = c->d_qk, a.d_v = c->d_v, a.scale = scale_of(c);
    a.seq_k = bk.seq_k, a.kv_pos_stride = bk.stride, a.kv_pos_off = bk.off, a.window = bk.window;
    a.q_splits = P->q_splits > 1 ? P->q_splits : 1;
    if (a.q_splits > 1) a.dk_part = P->p[rot][S_DKPART], a.dv_part = P->p[rot][S_DVPART];
    return sd->op == OP_BWD_PRE    ? val_launch_attn_bwd_pre(&a, P->s, info)
           : sd->op == OP_BWD_DKDV ? val_launch_attn_bwd_dkdv(&a, P->s, info)
           : sd->op == OP_BWD_DQ   ? val_launch_attn_bwd_dq(&a, P->s, info)
                                   : val_launch_attn_bwd_reduce(&a, P->s, info);
  }
  case OP_COMPRESS_BWD: {
    val_compress_params a;
    compress_params(P, rot, 0, &a);
    a.k = P->p[rot][S_DKC], a.v = P->p[rot][S_DVC], a.k_cmp = P->p[rot][S_DK], a.v_cmp = P->p[rot][S_DV];
    return val_launch_compress_bwd(&a, P->s, info);
  }
  case OP_SEL_BWD_PRE: {
    val_attn_bwd_params a = {0};
    a.o = P->p[rot][S_OSLC], a.d_o = P->p[rot][S_DO], a.delta = P->p[rot][S_DELTA];
    a.batch = c->batch, a.seq_len = P->Tk, a.heads_q = c->heads_q, a.heads_kv = c->heads_kv;
    a.d_qk = c->d_qk, a.d_v = c->d_v, a.scale = scale_of(c);
    return val_launch_attn_bwd_pre(&a, P->s, info);
  }
  case OP_SEL_BWD_DQ: case OP_SEL_BWD_INDEX: case OP_SEL_BWD_DKDV: {
    val_sel_bwd_params a = {P->p[rot][S_Q], P->p[rot][S_KS], P->p[rot][S_VS], P->p[rot][S_DO], P->p[rot][S_LSLC],
                            P->p[rot][S_DELTA], P->p[rot][S_IDX], P->p[rot][S_DQ], P->p[rot][S_DK], P->p[rot][S_DV],
                            P->p[rot][S_DKACC], P->p[rot][S_DVACC], P->p[rot][S_CNT], P->p[rot][S_OFF],
                            P->p[rot][S_CUR], P->p[rot][S_LIST], P->p[rot][S_CHUNKS], P->p[rot][S_NCHUNK],
                            P->max_chunks, P->chunk_tokens, c->batch, P->Tk, c->heads_q, c->heads_kv, c->d_qk, c->d_v,
                            c->sel_len, P->n_sel, c->sel_count, scale_of(c)};
    return sd->op == OP_SEL_BWD_DQ      ? val_launch_sel_bwd_dq(&a, P->s, info)
           : sd->op == OP_SEL_BWD_INDEX ? val_launch_sel_bwd_index(&a, P->s, info)
                                        : val_launch_sel_bwd_dkdv(&a, P->s, info);
  }
  case OP_GATE: {
    val_gate_params a = {P->p[rot][S_OCMP], P->p[rot][S_OSLC], P->p[rot][S_OWIN], P->p[rot][S_GATES], P->p[rot][S_O],
                         (int64_t)c->batch * P->Tq * c->heads_q, c->d_v};
    return val_launch_gate_combine(&a, P->s, info);
  }
  default:
    return cudaErrorInvalidValue;
  }
}

/* st < 0: the whole pipeline. */
static cudaError_t pipe_launch(pipe *P, int st, int rot, val_launch_info *info) {
  if (st >= 0) return stage_launch(P, st, rot, info);
  P->whole = 1;
  for (int i = 0; i < P->n_st; ++i) {
    cudaError_t e = stage_launch(P, i, rot, NULL);
    if (e != cudaSuccess) return P->whole = 0, e;
  }
  P->whole = 0;
  return cudaSuccess;
}

/* Time one stage (or the whole pipeline, st < 0): warm-up, then `runs` launches enqueued behind
** a spin kernel so the GPU runs them back to back; each run between its own pair of events. */
static int time_stage(run_ctx *R, pipe *P, int st, stage_row *row) {
  const val_config *c = P->c;
  for (int w = 0; w < c->warmup; ++w) CK(pipe_launch(P, st, w % P->n_rot, NULL));
  CK(cudaStreamSynchronize(R->stream));
  CK(val_spin(VAL_SPIN_CYCLES, R->stream));
  for (int r = 0; r < c->runs; ++r) {
    CK(cudaEventRecord(R->ev[2 * r], R->stream));
    CK(pipe_launch(P, st, r % P->n_rot, NULL));
    CK(cudaEventRecord(R->ev[2 * r + 1], R->stream));
  }
  CK(cudaStreamSynchronize(R->stream));
  double *t = malloc((size_t)c->runs * sizeof *t);
  if (!t) return -1;
  for (int r = 0; r < c->runs; ++r) {
    float ms = 0.f;
    cudaError_t e = cudaEventElapsedTime(&ms, R->ev[2 * r], R->ev[2 * r + 1]);
    if (e != cudaSuccess) {
      fprintf(stderr, "CUDA error %s in cudaEventElapsedTime\n", cudaGetErrorString(e));
      free(t);
      return -1;
    }
    t[r] = ms;
  }
  val_stats(t, c->runs, &row->median_ms, &row->min_ms, &row->max_ms);
  free(t);
  return 0;
}

static const float *host_f(pipe *P, int slot) {
  if (P->hf[slot]) return P->hf[slot];
  if (P->type[slot] == T_BF16)
    P->hf[slot] = fetch_bf16(P->p[0][slot], P->n[slot]);
  else if (P->type[slot] == T_F32)
    P->hf[slot] = fetch_raw(P->p[0][slot], P->n[slot] * 4);
  return P->hf[slot];
}

static const int32_t *host_idx(pipe *P) {
  if (!P->hidx) P->hidx = fetch_raw(P->p[0][S_IDX], P->n[S_IDX] * 4);
  return P->hidx;
}

static void add_stage(pipe *P, const char *name, int op, int splits, int dst_o, int dst_l) {
  if (P->n_st >= VAL_MAX_STAGES) { /* a pipeline has at most 8 stages: this is a programming error */
    fprintf(stderr, "internal error: more than %d stages\n", VAL_MAX_STAGES);
    abort();
  }
  stage_def *d = &P->st[P->n_st];
  d->name = name;
  d->op = op;
  d->splits = splits;
  d->dst_o = dst_o;
  d->dst_l = dst_l;
  d->part_o = S_OPART;
  d->part_l = S_LPART;
  d->write_part = 0;
  stage_row *r = &P->row[P->n_st];
  memset(r, 0, sizeof *r);
  r->kernel = name;
  r->rel_err = NAN;
  r->check = "skip";
  r->split = splits;
  const val_config *c = P->c;
  switch (op) {
  case OP_FULL_FWD: case OP_CMP_FWD: case OP_WIN_FWD:
    r->block_m = c->block_m, r->block_n = c->block_n, r->warps = c->block_m / 16, r->stages = c->stages;
    r->design = "token_major";
    break;
  case OP_FULL_GROUP: case OP_CMP_GROUP: case OP_WIN_GROUP: case OP_SEL_GROUP:
    r->block_m = 16, r->block_n = c->grp_block_n, r->warps = c->grp_block_n / 16, r->stages = c->grp_stages;
    r->design = "group";
    if (op == OP_SEL_GROUP && c->sel_tok > 1 && c->kind == VAL_NSA_FWD) { /* attn_union.cu */
      r->block_m = 16 * c->sel_tok, r->block_n = 64, r->warps = c->sel_tok + 1;
      r->design = c->grp_lean ? "group_union_lean" : "group_union";
    }
    break;
  case OP_SCORES: /* 8 tokens x 16 head rows per CTA; decode: 1 token (see val_launch_scores) */
    r->warps = P->Tq < 8 ? 1 : 8;
    r->block_m = 16 * r->warps, r->block_n = 64, r->stages = 2, r->design = "group";
    break;
  case OP_TOPN:
    r->warps = 8, r->design = "warp_per_row";
    break;
  case OP_SELECT_DECODE:
    r->warps = 8, r->design = "cta_per_row";
    break;
  case OP_DEC_CMP: case OP_DEC_BRANCH: /* group-centric CTAs (val_group.cuh) */
    r->block_m = 16, r->block_n = c->grp_block_n, r->warps = c->grp_block_n / 16, r->stages = c->grp_stages;
    r->design = c->dec_fused == 4   ? "fused4"
                : c->dec_fused == 3 ? "fused3"
                : c->dec_fused == 2 ? "fused2"
                : c->grp_lean       ? "fused_lean"
                                    : "fused";
    break;
  case OP_DEC_SELECT:
    r->warps = 8, r->design = "fused";
    break;
  case OP_BWD_DKDV: case OP_BWD_DQ:
    r->block_m = 64, r->block_n = 64, r->warps = 4, r->stages = 2;
    r->design = op == OP_BWD_DKDV ? "kv_major" : "token_major";
    break;
  case OP_SEL_BWD_DQ:
    r->block_m = 16, r->block_n = 64, r->warps = 4, r->stages = 2, r->design = "group";
    break;
  case OP_SEL_BWD_DKDV:
    r->block_m = 16, r->block_n = 64, r->warps = 4, r->stages = 2, r->design = "kv_outer";
    break;
  case OP_SEL_BWD_INDEX:
    r->design = "inverted_index";
    break;
  case OP_COMPRESS:
    r->design = c->compress_mlp ? "mlp" : "elementwise";
    if (c->compress_mlp) r->block_m = 64, r->block_n = 64, r->warps = 4, r->stages = 2;
    break;
  default:
    r->design = "elementwise";
    break;
  }
  P->n_st++;
}

/* Splits for a group stage: one split when a split-combine would not pay. */
static int group_stage(pipe *P, const run_ctx *R, const char *name, int op, int tiles, int min_tiles, int dst_o,
                       int dst_l, const char *combine_name) {
  const int s = P->decode ? auto_splits(R, P->c, tiles, min_tiles) : 1;
  add_stage(P, name, op, s, dst_o, dst_l);
  if (s > 1) add_stage(P, combine_name, OP_SPLIT_COMBINE, s, dst_o, dst_l);
  return s;
}

/* Shapes, buffers and stage list of a config. */
static int pipe_plan(pipe *P, const run_ctx *R, const val_config *c) {
  memset(P, 0, sizeof *P);
  P->c = c;
  P->s = R->stream;
  P->decode = c->kind == VAL_FULL_DECODE || c->kind == VAL_NSA_DECODE;
  P->Tk = c->seq_len;
  P->Tq = P->decode ? 1 : c->seq_len;
  P->q_pos0 = P->decode ? c->seq_len - 1 : 0;
  P->n_cmp = val_n_cmp(c);
  P->n_sel = val_n_sel(c);
  const unsigned long long B = c->batch, Tq = P->Tq, Tk = P->Tk, Hq = c->heads_q, Hk = c->heads_kv;
  const unsigned long long rows_o = B * Tq * Hq;
  for (int i = 0; i < S_COUNT; ++i) P->type[i] = T_BF16;
  P->type[S_LSE] = P->type[S_LCMP] = P->type[S_LSLC] = P->type[S_LWIN] = P->type[S_SCORES] = T_F32;
  P->type[S_OPART] = P->type[S_LPART] = P->type[S_LOGITS] = T_F32;
  P->type[S_OPS] = P->type[S_LPS] = P->type[S_OPW] = P->type[S_LPW] = P->type[S_DELTA] = T_F32;
  P->type[S_DKACC] = P->type[S_DVACC] = T_F32;
  P->type[S_CNT] = P->type[S_OFF] = P->type[S_CUR] = P->type[S_LIST] = P->type[S_CHUNKS] = P->type[S_NCHUNK] = T_I32;
  P->type[S_IDX] = P->type[S_DCNT] = T_I32;
  P->type[S_C1K] = P->type[S_C1V] = P->type[S_DKPART] = P->type[S_DVPART] = P->type[S_PSC] = T_F32;
  P->input[S_Q] = P->input[S_K] = P->input[S_V] = 1;
  P->n[S_Q] = rows_o * c->d_qk;
  P->n[S_K] = B * Tk * Hk * c->d_qk;
  P->n[S_V] = B * Tk * Hk * c->d_v;
  P->n[S_O] = rows_o * c->d_v;
  P->n[S_LSE] = rows_o;
  int max_split = 1;
  const int tiles_full = (c->seq_len + 63) / 64;
  if (c->kind == VAL_FULL_FWD) {
    add_stage(P, "full_fwd", OP_FULL_FWD, 1, S_O, S_LSE);
  } else if (c->kind == VAL_NSA_SEL_BWD) {
    /* Random top-n indices (forced initial/local blocks + distinct random ones), made on the host;
    ** O and lse of the selected branch come from its forward, run once per rotation in setup. */
    P->chunk_tokens = 128;
    P->max_chunks = (int)val_sel_bwd_max_chunks(c->batch, c->seq_len, c->heads_kv, c->sel_count, P->n_sel, P->chunk_tokens);
    P->input[S_KS] = P->input[S_VS] = P->input[S_DO] = 1;
    P->input[S_IDX] = 2;
    P->n[S_KS] = P->n[S_DK] = P->n[S_DKACC] = P->n[S_K];
    P->n[S_VS] = P->n[S_DV] = P->n[S_DVACC] = P->n[S_V];
    P->n[S_K] = P->n[S_V] = P->n[S_O] = P->n[S_LSE] = 0;
    P->n[S_DO] = P->n[S_OSLC] = rows_o * c->d_v;
    P->n[S_LSLC] = P->n[S_DELTA] = rows_o;
    P->n[S_DQ] = P->n[S_Q];
    P->n[S_IDX] = B * Tq * Hk * (unsigned long long)c->sel_count;
    P->n[S_CNT] = P->n[S_OFF] = P->n[S_CUR] = B * Hk * (unsigned long long)P->n_sel;
    P->n[S_LIST] = P->n[S_IDX];
    P->n[S_CHUNKS] = 2ull * (unsigned long long)P->max_chunks;
    P->n[S_NCHUNK] = 1;
    add_stage(P, "selected_bwd_pre", OP_SEL_BWD_PRE, 1, 0, 0);
    add_stage(P, "selected_bwd_dq", OP_SEL_BWD_DQ, 1, 0, 0);
    add_stage(P, "selected_bwd_index", OP_SEL_BWD_INDEX, 1, 0, 0);
    add_stage(P, "selected_bwd_dkdv", OP_SEL_BWD_DKDV, 1, 0, 0);
  } else if (c->kind == VAL_FULL_BWD || c->kind == VAL_NSA_WIN_BWD || c->kind == VAL_NSA_CMP_BWD) {
    /* O and lse come from the branch's forward (after the compression for the compressed
    ** branch), run once per rotation in pipe_setup. */
    P->input[S_DO] = 1;
    P->n[S_DO] = P->n[S_O];
    P->n[S_DELTA] = rows_o;
    P->n[S_DQ] = P->n[S_Q];
    P->n[S_DK] = P->n[S_K];
    P->n[S_DV] = P->n[S_V];
    if (c->kind == VAL_NSA_CMP_BWD) {
      P->n[S_KC] = P->n[S_DKC] = B * (unsigned long long)P->n_cmp * Hk * c->d_qk;
      P->n[S_VC] = P->n[S_DVC] = B * (unsigned long long)P->n_cmp * Hk * c->d_v;
      /* Few compressed-key tiles, each seen by nearly every query: split the dK/dV work over
      ** the queries so the grid holds about 8 CTAs per SM, at least 4 query tiles per split. */
      const long long tiles = (long long)((P->n_cmp + 63) / 64) * Hk * B;
      const long long items = (long long)((c->seq_len + 63) / 64) * (c->heads_q / c->heads_kv);
      long long qs = (8LL * R->prop.multiProcessorCount + tiles - 1) / tiles;
      if (qs > items / 4) qs = items / 4;
      P->q_splits = qs > 1 ? (int)qs : 1;
      if (P->q_splits > 1) {
        P->n[S_DKPART] = (unsigned long long)P->q_splits * P->n[S_KC];
        P->n[S_DVPART] = (unsigned long long)P->q_splits * P->n[S_VC];
      }
    }
    const char *const names[3][4] = {{"full_bwd_pre", "full_bwd_dkdv", "full_bwd_dq", NULL},
                                     {"window_bwd_pre", "window_bwd_dkdv", "window_bwd_dq", NULL},
                                     {"cmp_bwd_pre", "cmp_bwd_dkdv", "cmp_bwd_dq", "cmp_bwd_compress"}};
    const int w = c->kind == VAL_FULL_BWD ? 0 : c->kind == VAL_NSA_WIN_BWD ? 1 : 2;
    add_stage(P, names[w][0], OP_BWD_PRE, 1, 0, 0);
    add_stage(P, names[w][1], OP_BWD_DKDV, P->q_splits > 1 ? P->q_splits : 1, 0, 0);
    if (P->q_splits > 1) add_stage(P, "cmp_bwd_dkdv_reduce", OP_BWD_REDUCE, P->q_splits, 0, 0);
    add_stage(P, names[w][2], OP_BWD_DQ, 1, 0, 0);
    if (names[w][3]) add_stage(P, names[w][3], OP_COMPRESS_BWD, 1, 0, 0);
  } else if (c->kind == VAL_FULL_DECODE) {
    max_split = group_stage(P, R, "full_decode", OP_FULL_GROUP, tiles_full, 4, S_O, S_LSE, "full_decode_combine");
  } else {
    const int nsa_dec = P->decode;
    P->input[S_KS] = P->input[S_VS] = P->input[S_KW] = P->input[S_VW] = P->input[S_GATES] = 1;
    P->n[S_KS] = P->n[S_KW] = P->n[S_K];
    P->n[S_VS] = P->n[S_VW] = P->n[S_V];
    P->n[S_GATES] = rows_o * 3;
    if (c->compress_mlp) {
      P->input[S_W1K] = P->input[S_W2K] = P->input[S_W1V] = P->input[S_W2V] = 1;
      P->input[S_C1K] = P->input[S_C1V] = 3; /* computed on the host in setup */
      P->n[S_W1K] = (unsigned long long)c->cmp_len * c->d_qk * c->d_qk;
      P->n[S_W1V] = (unsigned long long)c->cmp_len * c->d_v * c->d_v;
      P->n[S_W2K] = (unsigned long long)c->d_qk * c->d_qk;
      P->n[S_W2V] = (unsigned long long)c->d_v * c->d_v;
      P->n[S_C1K] = (unsigned long long)c->d_qk;
      P->n[S_C1V] = (unsigned long long)c->d_v;
    }
    P->n[S_KC] = B * (unsigned long long)P->n_cmp * Hk * c->d_qk;
    P->n[S_VC] = B * (unsigned long long)P->n_cmp * Hk * c->d_v;
    P->n[S_OCMP] = P->n[S_OSLC] = P->n[S_OWIN] = rows_o * c->d_v;
    P->n[S_LCMP] = P->n[S_LSLC] = P->n[S_LWIN] = rows_o;
    P->n[S_SCORES] = B * Hk * Tq * (unsigned long long)P->n_sel;
    P->n[S_IDX] = B * Tq * Hk * (unsigned long long)c->sel_count;
    /* Decode kernels carry a phase suffix so the simulator can join prefill and decode rows apart. */
#define NSA_NAME(base) (nsa_dec ? base "_decode" : base)
    if (!c->dec_fused || c->compress_mlp) add_stage(P, NSA_NAME("compress"), OP_COMPRESS, 1, S_KC, S_VC);
    if (c->dec_fused) {
      /* Three launches (nsa_decode.cu); the mean pool of the newest block runs inside the first. */
      P->n[S_LOGITS] = B * Hk * 16ull * (unsigned long long)P->n_cmp;
      const int i_cmp = P->n_st;
      const int v2 = c->dec_fused == 2;
      const int v3 = c->dec_fused == 3, v4 = c->dec_fused == 4;
      add_stage(P, v2 ? "dec2_cmp_select" : v3 ? "dec3_cmp" : v4 ? "dec4_cmp" : "dec_cmp_fused", OP_DEC_CMP,
                auto_splits(R, c, (P->n_cmp + 63) / 64, 2), 0, 0);
      P->st[i_cmp].part_o = S_OPART, P->st[i_cmp].part_l = S_LPART, P->st[i_cmp].write_part = 1;
      max_split = P->st[i_cmp].splits;
      P->n[S_OPART] = (unsigned long long)max_split * rows_o * c->d_v; /* partials even for one split */
      P->n[S_LPART] = (unsigned long long)max_split * rows_o;
      if (v2) { /* the selection runs in the compressed kernel's tail */
        if (val_decode_v2_tail_excess(c->d_qk, c->d_v, c->grp_block_n, c->grp_stages, max_split, P->n_sel,
                                      P->n_cmp)) {
          fprintf(stderr, "config '%s': dec_fused=2: %d splits and %d selection blocks do not fit the K/V ring\n", c->id,
                  max_split, P->n_sel);
          return -1;
        }
        P->n[S_PSC] = B * Hk * (unsigned long long)max_split * (unsigned long long)((P->n_sel + 3) & ~3);
      } else {
        const int i_sel = P->n_st;
        add_stage(P, v3 ? "dec3_select" : v4 ? "dec4_select" : "dec_select_fused", OP_DEC_SELECT,
                  (P->n_sel + VAL_DEC_CHUNK - 1) / VAL_DEC_CHUNK, 0, 0);
        P->st[i_sel].aux = max_split;
      }
      /* The selected and window CTAs share one grid: about one wave over the (sequence, KV head)
      ** pairs, shared in proportion to each branch's tiles. */
      const int t_s = c->sel_count * (c->sel_len / 64), t_w = (c->window + 63) / 64 + 1;
      int ss = c->split_kv, sw = c->split_kv;
      if (ss <= 0) {
        const int per_sm = val_decode_ctas_per_sm(c->d_qk, c->d_v, c->grp_block_n, c->grp_stages);
        int per_unit = (per_sm > 0 ? per_sm : 1) * R->prop.multiProcessorCount / (c->batch * c->heads_kv);
        if (per_unit < 2) per_unit = 2;
        ss = (int)((long long)per_unit * t_s / (t_s + t_w));
        sw = per_unit - ss;
      }
      ss = ss < 1 ? 1 : ss > t_s ? t_s : ss;
      sw = sw < 1 ? 1 : sw > t_w ? t_w : sw;
      const int i_br = P->n_st;
      add_stage(P, v2 ? "dec2_branches" : v3 ? "dec3_branches" : v4 ? "dec4_branches" : "dec_branches_fused", OP_DEC_BRANCH,
                ss, 0, 0);
      P->st[i_br].aux = sw;
      P->row[i_br].split = ss + sw; /* CTAs per (sequence, KV head) of the one grid */
      P->n[S_OPS] = (unsigned long long)ss * rows_o * c->d_v;
      P->n[S_LPS] = (unsigned long long)ss * rows_o;
      P->n[S_OPW] = (unsigned long long)sw * rows_o * c->d_v;
      P->n[S_LPW] = (unsigned long long)sw * rows_o;
      P->n[S_OSLC] = P->n[S_LSLC] = P->n[S_OWIN] = P->n[S_LWIN] = 0; /* never materialised */
      P->n[S_DCNT] = 6 * B * Hk; /* arrival counters; v4's done counts and ready flags */
      P->input[S_DCNT] = 4;
    } else if (nsa_dec) {
      /* Decode: the compressed branch leaves its logits for the selection (no second pass over
      ** K_cmp), and the selected and window partials are reduced inside the gated combine. */
      P->n[S_LOGITS] = B * Hk * 16ull * (unsigned long long)P->n_cmp;
      int s = group_stage(P, R, NSA_NAME("cmp_attn"), OP_CMP_GROUP, (P->n_cmp + 63) / 64, 2, S_OCMP, S_LCMP,
                          "cmp_attn_decode_combine");
      if (s > max_split) max_split = s;
      add_stage(P, NSA_NAME("select_scores"), OP_SELECT_DECODE, 1, 0, 0);
      const int i_sel = P->n_st;
      add_stage(P, NSA_NAME("selected"), OP_SEL_GROUP,
                auto_splits(R, c, c->sel_count * (c->sel_len / 64), 1), S_OSLC, S_LSLC);
      P->st[i_sel].part_o = S_OPS, P->st[i_sel].part_l = S_LPS, P->st[i_sel].write_part = 1;
      const int i_win = P->n_st;
      add_stage(P, NSA_NAME("window"), OP_WIN_GROUP, auto_splits(R, c, (c->window + 63) / 64 + 1, 1), S_OWIN, S_LWIN);
      P->st[i_win].part_o = S_OPW, P->st[i_win].part_l = S_LPW, P->st[i_win].write_part = 1;
      P->n[S_OPS] = (unsigned long long)P->st[i_sel].splits * rows_o * c->d_v;
      P->n[S_LPS] = (unsigned long long)P->st[i_sel].splits * rows_o;
      P->n[S_OPW] = (unsigned long long)P->st[i_win].splits * rows_o * c->d_v;
      P->n[S_LPW] = (unsigned long long)P->st[i_win].splits * rows_o;
      P->n[S_OSLC] = P->n[S_LSLC] = P->n[S_OWIN] = P->n[S_LWIN] = 0; /* never materialised */
      add_stage(P, NSA_NAME("combine"), OP_GATE_SPLIT, 1, i_sel, i_win);
    } else {
      add_stage(P, NSA_NAME("cmp_attn"), OP_CMP_FWD, 1, S_OCMP, S_LCMP);
      add_stage(P, NSA_NAME("select_scores"), OP_SCORES, 1, 0, 0);
      if (c->topn_fused) P->st[P->n_st - 1].aux = 1; /* the top-n runs at the end of the scores kernel */
      else add_stage(P, NSA_NAME("select_topn"), OP_TOPN, 1, S_IDX, 0);
      add_stage(P, NSA_NAME("selected"), OP_SEL_GROUP, 1, S_OSLC, S_LSLC);
      if (c->gate_fused) { /* the combine in the window kernel's epilogue; o_win never materialised */
        add_stage(P, "window_combine", OP_WIN_FWD, 1, S_O, S_LWIN);
        P->st[P->n_st - 1].aux = 1;
        P->n[S_OWIN] = 0;
      } else {
        add_stage(P, NSA_NAME("window"), OP_WIN_FWD, 1, S_OWIN, S_LWIN);
        add_stage(P, NSA_NAME("combine"), OP_GATE, 1, S_O, 0);
      }
    }
#undef NSA_NAME
  }
  if (max_split > 1) {
    P->n[S_OPART] = (unsigned long long)max_split * rows_o * c->d_v;
    P->n[S_LPART] = (unsigned long long)max_split * rows_o;
  }
  /* Mapping support is checked here, before any allocation. */
  if ((c->kind == VAL_FULL_BWD || c->kind == VAL_NSA_WIN_BWD || c->kind == VAL_NSA_CMP_BWD) &&
      !val_attn_fwd_supported(c->d_qk, c->d_v, c->block_m, c->block_n, c->stages)) {
    fprintf(stderr, "config '%s' (line %d): no compiled forward for the backward's O and lse\n", c->id, c->line);
    return -1;
  }
  for (int i = 0; i < P->n_st; ++i) {
    const int op = P->st[i].op;
    if ((op == OP_FULL_FWD || op == OP_CMP_FWD || op == OP_WIN_FWD) &&
        !val_attn_fwd_supported(c->d_qk, c->d_v, c->block_m, c->block_n, c->stages)) {
      fprintf(stderr, "config '%s' (line %d): no compiled token-major kernel for d_qk=%d d_v=%d block_m=%d "
              "block_n=%d stages=%d\n", c->id, c->line, c->d_qk, c->d_v, c->block_m, c->block_n, c->stages);
      return -1;
    }
    if (op == OP_SEL_GROUP && c->sel_tok > 1 && c->kind == VAL_NSA_FWD) {
      if (!val_attn_union_supported(c->d_qk, c->d_v, c->sel_tok, c->grp_stages)) {
        fprintf(stderr, "config '%s' (line %d): no compiled union kernel for d_qk=%d d_v=%d sel_tok=%d grp_stages=%d\n",
                c->id, c->line, c->d_qk, c->d_v, c->sel_tok, c->grp_stages);
        return -1;
      }
      continue;
    }
    if ((op == OP_FULL_GROUP || op == OP_CMP_GROUP || op == OP_WIN_GROUP || op == OP_SEL_GROUP) &&
        !val_attn_group_supported(c->d_qk, c->d_v, c->grp_block_n, c->grp_stages)) {
      fprintf(stderr, "config '%s' (line %d): no compiled group kernel for d_qk=%d d_v=%d grp_block_n=%d "
              "grp_stages=%d\n", c->id, c->line, c->d_qk, c->d_v, c->grp_block_n, c->grp_stages);
      return -1;
    }
  }
  return 0;
}

static unsigned long long slot_bytes(const pipe *P, int i) { return P->n[i] * (P->type[i] == T_BF16 ? 2ull : 4ull); }

static unsigned long long set_bytes(const pipe *P) {
  unsigned long long b = 0;
  for (int i = 0; i < S_COUNT; ++i) b += slot_bytes(P, i);
  return b;
}

static int n_valid_of(const pipe *P, int t) {
  const int nv = (P->q_pos0 + t) / P->c->sel_len + 1;
  return nv < P->n_sel ? nv : P->n_sel;
}

/* Top-n indices for the selected backward: per (b, t, hkv) the forced initial and two local blocks
** plus distinct uniform random earlier blocks, ascending, -1 padded (splitmix64, seeded). */
static uint64_t splitmix(uint64_t *s) {
  uint64_t x = (*s += 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static int32_t *make_random_idx(const pipe *P) {
  const val_config *c = P->c;
  const int n = c->sel_count;
  int32_t *idx = malloc((size_t)P->n[S_IDX] * sizeof *idx);
  if (!idx) {
    fprintf(stderr, "error: host allocation for indices failed\n");
    return NULL;
  }
  uint64_t st = (uint64_t)c->seed * 0x2545F4914F6CDD1Dull + 12345u;
  for (int b = 0; b < c->batch; ++b)
    for (int t = 0; t < P->Tq; ++t)
      for (int hk = 0; hk < c->heads_kv; ++hk) {
        int32_t *row = idx + (((long long)b * P->Tq + t) * c->heads_kv + hk) * n;
        const int nv = n_valid_of(P, t);
        if (nv <= n) {
          for (int k = 0; k < n; ++k) row[k] = k < nv ? k : -1;
          continue;
        }
        int cnt = 0;
        row[cnt++] = 0;
        row[cnt++] = nv - 1;
        row[cnt++] = nv - 2;
        while (cnt < n) { /* nv > n: rejection sampling ends quickly */
          const int cand = 1 + (int)(splitmix(&st) % (uint64_t)(nv - 3));
          int dup = 0;
          for (int k = 0; k < cnt; ++k) dup |= row[k] == cand;
          if (!dup) row[cnt++] = cand;
        }
        for (int a = 1; a < n; ++a) { /* ascending */
          const int32_t x = row[a];
          int k = a - 1;
          while (k >= 0 && row[k] > x) row[k + 1] = row[k], --k;
          row[k + 1] = x;
        }
      }
  return idx;
}

/* inputs=structured: Q and the three K inputs of rotation r made on the host (val_input.h) and
** copied in stream order. The structure seed is shared by the slots of one rotation (the same
** global spans and topics for Q, K, K_slc and K_win); the noise seed differs per slot. */
static int fill_structured(run_ctx *R, pipe *P, int r, int slot) {
  const val_config *c = P->c;
  const int is_q = slot == S_Q;
  const uint64_t st_seed = (uint64_t)c->seed + 7919ull * (uint64_t)r;
  val_struct_spec sp = {c->batch, is_q ? P->Tq : P->Tk, is_q ? c->heads_q : c->heads_kv, c->d_qk,
                        is_q ? c->heads_q / c->heads_kv : 1, is_q, is_q ? P->q_pos0 : 0, st_seed,
                        st_seed * 64u + (uint64_t)slot};
  uint16_t *h = malloc((size_t)P->n[slot] * sizeof *h);
  if (!h) {
    fprintf(stderr, "error: host allocation of %llu bytes for structured '%s' failed\n", P->n[slot] * 2ull,
            slot_names[slot]);
    return -1;
  }
  val_structured_fill(&sp, h);
  cudaError_t e = cudaMemcpyAsync(P->p[r][slot], h, (size_t)P->n[slot] * 2, cudaMemcpyHostToDevice, R->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(R->stream);
  free(h);
  if (e != cudaSuccess) {
    fprintf(stderr, "CUDA error %s copying structured '%s'\n", cudaGetErrorString(e), slot_names[slot]);
    return -1;
  }
  return 0;
}

/* Allocates every slot for every rotation, fills the inputs (different seed per rotation), and
** for decode fills the compressed K/V cache with the mean-pool kernel (the decode pipeline then
** recompresses only the newest block, as a decode step does). */
/* The MLP's intra-block position encoding pe[u][d] in [-1, 1), made from the seed (kv: 0 K, 1 V). */
static float mlp_pe(const val_config *c, int kv, int u, int d) {
  uint64_t st = ((uint64_t)c->seed * 0x100000001B3ull) ^ ((uint64_t)kv << 48) ^ ((uint64_t)u << 24) ^ (uint64_t)d;
  return (float)((double)(splitmix(&st) >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

/* c1 = flatten(pe) W1 per rotation, in double from the bf16 weights the GPU holds. */
static int mlp_bias(run_ctx *R, pipe *P) {
  const val_config *c = P->c;
  for (int r = 0; r < P->n_rot; ++r)
    for (int kv = 0; kv < 2; ++kv) {
      const int D = kv ? c->d_v : c->d_qk, L = c->cmp_len;
      CK(cudaStreamSynchronize(R->stream));
      float *w1 = fetch_bf16(P->p[r][kv ? S_W1V : S_W1K], (unsigned long long)L * D * D);
      float *c1 = malloc((size_t)D * sizeof *c1);
      if (!w1 || !c1) {
        free(w1), free(c1);
        return -1;
      }
      for (int n = 0; n < D; ++n) {
        double s = 0.0;
        for (int u = 0; u < L; ++u)
          for (int d = 0; d < D; ++d) s += (double)mlp_pe(c, kv, u, d) * w1[((long long)u * D + d) * D + n];
        c1[n] = (float)s;
      }
      const cudaError_t e = cudaMemcpy(P->p[r][kv ? S_C1V : S_C1K], c1, (size_t)D * 4, cudaMemcpyHostToDevice);
      free(w1), free(c1);
      if (e != cudaSuccess) {
        fprintf(stderr, "CUDA error %s copying the MLP bias\n", cudaGetErrorString(e));
        return -1;
      }
    }
  return 0;
}

static int pipe_setup(run_ctx *R, pipe *P, dev_pool *pl) {
  const val_config *c = P->c;
  const unsigned long long sb = set_bytes(P);
  P->n_rot = rotations_for(R, sb);
  if (check_fits(c, sb * (unsigned long long)P->n_rot)) return -1;
  for (int r = 0; r < P->n_rot; ++r)
    for (int i = 0; i < S_COUNT; ++i) {
      if (!P->n[i]) continue;
      if (pool_alloc(pl, &P->p[r][i], slot_bytes(P, i))) return -1;
      if (P->input[i] == 4) CK(cudaMemsetAsync(P->p[r][i], 0, (size_t)slot_bytes(P, i), R->stream));
      if (P->input[i] == 1 && c->inputs == VAL_INPUTS_STRUCTURED &&
          (i == S_Q || i == S_K || i == S_KS || i == S_KW)) {
        if (fill_structured(R, P, r, i)) return -1;
      } else if (P->input[i] == 1) {
        const int is_qk = i == S_Q || i == S_K || i == S_KS || i == S_KW;
        float lo = i == S_GATES ? 0.f : is_qk ? -2.f : -1.f, hi = is_qk ? 2.f : 1.f;
        if (i == S_W1K || i == S_W1V || i == S_W2K || i == S_W2V) { /* fan-in scaled, so outputs stay O(1) */
          const int d = (i == S_W1K || i == S_W2K) ? c->d_qk : c->d_v;
          hi = (float)(1.0 / sqrt((double)((i == S_W1K || i == S_W1V) ? c->cmp_len * d : d)));
          lo = -hi;
        }
        CK(val_fill_uniform_bf16(P->p[r][i], (int64_t)P->n[i], (uint64_t)(c->seed + 7919 * r) * 64u + (uint64_t)i, lo,
                                 hi, R->stream));
      }
    }
  if (c->kind == VAL_NSA_SEL_BWD) {
    int32_t *idx = make_random_idx(P);
    if (!idx) return -1;
    for (int r = 0; r < P->n_rot; ++r) {
      cudaError_t e = cudaMemcpy(P->p[r][S_IDX], idx, (size_t)P->n[S_IDX] * 4, cudaMemcpyHostToDevice);
      if (e != cudaSuccess) {
        fprintf(stderr, "CUDA error %s copying indices\n", cudaGetErrorString(e));
        free(idx);
        return -1;
      }
      val_attn_group_params a = {0};
      a.q = P->p[r][S_Q], a.k = P->p[r][S_KS], a.v = P->p[r][S_VS], a.o = P->p[r][S_OSLC], a.lse = P->p[r][S_LSLC];
      a.batch = c->batch, a.seq_q = a.seq_k = P->Tk, a.heads_q = c->heads_q, a.heads_kv = c->heads_kv;
      a.d_qk = c->d_qk, a.d_v = c->d_v, a.kv_pos_stride = 1, a.mode = VAL_GROUP_INDEX, a.blk_idx = P->p[r][S_IDX];
      a.n_blk = c->sel_count, a.blk_size = c->sel_len, a.splits = 1, a.stages = c->grp_stages;
      a.block_n = c->grp_block_n, a.scale = scale_of(c);
      e = val_launch_attn_group(&a, R->stream, NULL);
      if (e != cudaSuccess) {
        fprintf(stderr, "CUDA error %s in the selected forward\n", cudaGetErrorString(e));
        free(idx);
        return -1;
      }
    }
    free(idx);
  }
  if (c->kind == VAL_FULL_BWD || c->kind == VAL_NSA_WIN_BWD || c->kind == VAL_NSA_CMP_BWD)
    for (int r = 0; r < P->n_rot; ++r) {
      const bwd_keys bk = bwd_keys_of(P);
      if (c->kind == VAL_NSA_CMP_BWD) {
        val_compress_params cp;
        compress_params(P, r, 0, &cp);
        CK(val_launch_compress(&cp, R->stream, NULL));
      }
      val_attn_fwd_params a;
      fwd_params(P, r, &a, bk.k, bk.v, S_O, S_LSE);
      a.seq_k = bk.seq_k, a.kv_pos_stride = bk.stride, a.kv_pos_off = bk.off, a.window = bk.window;
      CK(val_launch_attn_fwd(&a, R->stream, NULL));
    }
  if (c->compress_mlp && mlp_bias(R, P)) return -1;
  if (c->kind == VAL_NSA_DECODE)
    for (int r = 0; r < P->n_rot; ++r) {
      val_compress_params a;
      compress_params(P, r, 0, &a);
      CK(val_launch_compress(&a, R->stream, NULL));
    }
  CK(cudaStreamSynchronize(R->stream));
  return 0;
}

/* Poisons the outputs of rotation 0 (NaN for floats, an impossible block index for idx). */
static int pipe_poison(run_ctx *R, pipe *P) {
  for (int i = 0; i < S_COUNT; ++i) {
    if (!P->n[i] || P->input[i]) continue;
    if (P->c->kind == VAL_NSA_DECODE && (i == S_KC || i == S_VC)) continue; /* the cache is an input */
    if ((P->c->kind == VAL_FULL_BWD || P->c->kind == VAL_NSA_WIN_BWD || P->c->kind == VAL_NSA_CMP_BWD) &&
        (i == S_O || i == S_LSE || i == S_KC || i == S_VC))
      continue; /* made by the forward (and the compression) in setup */
    if (P->c->kind == VAL_NSA_SEL_BWD && (i == S_OSLC || i == S_LSLC)) continue;
    CK(cudaMemsetAsync(P->p[0][i], P->type[i] == T_I32 ? 0x7F : 0xFF, (size_t)slot_bytes(P, i), R->stream));
  }
  if (P->c->dec_fused && !P->c->compress_mlp) /* the fused decode pools the newest block itself */
    for (int b = 0; b < P->c->batch; ++b)
      for (int kv = 0; kv < 2; ++kv) {
        const size_t row = (size_t)P->c->heads_kv * (kv ? P->c->d_v : P->c->d_qk) * 2;
        CK(cudaMemsetAsync((char *)P->p[0][kv ? S_VC : S_KC] + ((size_t)b * P->n_cmp + P->n_cmp - 1) * row, 0xFF, row,
                           R->stream));
      }
  CK(cudaStreamSynchronize(R->stream));
  return 0;
}

/* Elements of a slot still holding poison; -1 when the copy failed. */
static long long unwritten(pipe *P, int slot) {
  int ok = 0;
  long long bad = count_nan(P->p[0][slot], P->n[slot], P->type[slot] == T_BF16, &ok);
  if (ok && bad)
    fprintf(stderr, "config '%s': %lld of %llu elements of '%s' still hold the poison\n", P->c->id, bad, P->n[slot],
            slot_names[slot]);
  return ok ? bad : -1;
}


/* gated: o is the window stage's fused combine (val_attn_fwd_params.gates), checked against the
** gates applied to the GPU's compressed and selected outputs and the reference window rows. */
static double check_attn_op_g(pipe *P, int op, const float *o, const float *l, int gated) {
  const val_config *c = P->c;
  int k = S_K, v = S_V, seq_k = P->Tk;
  range_keys rk = {P->q_pos0, P->Tk, 1, 0, 0};
  sel_keys sk = {0};
  keys_fn kf = keys_range;
  void *kc = &rk;
  if (op == OP_CMP_FWD || op == OP_CMP_GROUP) {
    k = S_KC, v = S_VC, seq_k = P->n_cmp;
    rk.seq_k = P->n_cmp, rk.stride = c->cmp_stride, rk.off = c->cmp_len - 1;
  } else if (op == OP_WIN_FWD || op == OP_WIN_GROUP) {
    k = S_KW, v = S_VW, rk.window = c->window;
  } else if (op == OP_SEL_GROUP) {
    k = S_KS, v = S_VS;
    sk.idx = host_idx(P);
    if (!sk.idx) return NAN;
    sk.seq_q = P->Tq, sk.seq_k = P->Tk, sk.heads_kv = c->heads_kv, sk.n = c->sel_count, sk.blk = c->sel_len;
    sk.q_pos0 = P->q_pos0;
    kf = keys_selected, kc = &sk;
  }
  const float *q = host_f(P, S_Q), *kk = host_f(P, k), *vv = host_f(P, v);
  if (!q || !kk || !vv || !o || !l) return NAN;
  attn_check a = {q, kk, vv, o, l, c->batch, P->Tq, seq_k, c->heads_q, c->heads_kv, c->d_qk, c->d_v,
                  1.0 / sqrt((double)c->d_qk), kf, kc, NULL, NULL, NULL};
  if (gated) {
    a.gates = host_f(P, S_GATES), a.gate_a = host_f(P, S_OCMP), a.gate_b = host_f(P, S_OSLC);
    if (!a.gates || !a.gate_a || !a.gate_b) return NAN;
  }
  return check_attn_rows(&a, c->check_rows);
}

static double check_attn_op(pipe *P, int op, const float *o, const float *l) { return check_attn_op_g(P, op, o, l, 0); }

/* MLP compression reference in double: relu(concat_u(x[i*d+u] + pe[u]) W1) W2, every block of
** the sampled (b, h); the GPU rounds the hidden layer to bf16, within the bf16 tolerance. */
static double check_compress_mlp(pipe *P) {
  const val_config *c = P->c;
  val_err_acc acc = {0};
  for (int kv = 0; kv < 2; ++kv) {
    const int D = kv ? c->d_v : c->d_qk, L = c->cmp_len;
    const float *x = host_f(P, kv ? S_V : S_K), *got = host_f(P, kv ? S_VC : S_KC);
    const float *w1 = host_f(P, kv ? S_W1V : S_W1K), *w2 = host_f(P, kv ? S_W2V : S_W2K);
    double *xin = malloc((size_t)L * D * sizeof *xin), *hid = malloc((size_t)D * sizeof *hid);
    if (!x || !got || !w1 || !w2 || !xin || !hid) {
      free(xin), free(hid);
      return NAN;
    }
    for (int b = 0; b < c->batch; ++b)
      for (int i = 0; i < P->n_cmp; ++i)
        for (int h = 0; h < c->heads_kv; ++h) {
          for (int u = 0; u < L; ++u)
            for (int d = 0; d < D; ++d)
              xin[u * D + d] = (double)x[(((long long)b * P->Tk + (long long)i * c->cmp_stride + u) * c->heads_kv + h) * D + d] +
                               mlp_pe(c, kv, u, d);
          for (int n = 0; n < D; ++n) {
            double s = 0.0;
            for (int k = 0; k < L * D; ++k) s += xin[k] * w1[(long long)k * D + n];
            hid[n] = s > 0.0 ? s : 0.0;
          }
          const float *g = got + (((long long)b * P->n_cmp + i) * c->heads_kv + h) * D;
          for (int n = 0; n < D; ++n) {
            double s = 0.0;
            for (int k = 0; k < D; ++k) s += hid[k] * w2[(long long)k * D + n];
            val_err_add(&acc, g[n], s);
          }
        }
    free(xin), free(hid);
  }
  return val_err_rel(&acc);
}

static double check_compress(pipe *P) {
  const val_config *c = P->c;
  if (c->compress_mlp) return check_compress_mlp(P);
  const float *k = host_f(P, S_K), *v = host_f(P, S_V), *kc = host_f(P, S_KC), *vc = host_f(P, S_VC);
  if (!k || !v || !kc || !vc) return NAN;
  double ref[256];
  val_err_acc acc = {0};
  for (int b = 0; b < c->batch; ++b)
    for (int i = 0; i < P->n_cmp; ++i)
      for (int h = 0; h < c->heads_kv; ++h) {
        val_ref_compress_block(k + (long long)b * P->Tk * c->heads_kv * c->d_qk, c->heads_kv, c->d_qk, h, i,
                               c->cmp_len, c->cmp_stride, ref);
        const float *g = kc + (((long long)b * P->n_cmp + i) * c->heads_kv + h) * c->d_qk;
        for (int d = 0; d < c->d_qk; ++d) val_err_add(&acc, g[d], ref[d]);
        val_ref_compress_block(v + (long long)b * P->Tk * c->heads_kv * c->d_v, c->heads_kv, c->d_v, h, i,
                               c->cmp_len, c->cmp_stride, ref);
        g = vc + (((long long)b * P->n_cmp + i) * c->heads_kv + h) * c->d_v;
        for (int d = 0; d < c->d_v; ++d) val_err_add(&acc, g[d], ref[d]);
      }
  return val_err_rel(&acc);
}

static double check_scores(pipe *P, long long *unwritten_out) {
  const val_config *c = P->c;
  const float *q = host_f(P, S_Q), *kc = host_f(P, S_KC), *lse = host_f(P, S_LCMP), *sc = host_f(P, S_SCORES);
  if (!q || !kc || !lse || !sc) return NAN;
  const int group = c->heads_q / c->heads_kv;
  long long bad = 0;
  for (int b = 0; b < c->batch; ++b)
    for (int hk = 0; hk < c->heads_kv; ++hk)
      for (int t = 0; t < P->Tq; ++t) {
        const float *row = sc + (((long long)b * c->heads_kv + hk) * P->Tq + t) * P->n_sel;
        for (int j = 0; j < n_valid_of(P, t); ++j) bad += isnan(row[j]) != 0;
      }
  *unwritten_out = bad;
  if (!c->check) return NAN;
  int *rows = malloc((size_t)P->Tq * sizeof *rows);
  double *ref = malloc((size_t)P->n_sel * sizeof *ref);
  float *lse_g = malloc((size_t)group * sizeof *lse_g);
  if (!rows || !ref || !lse_g) {
    free(rows), free(ref), free(lse_g);
    return NAN;
  }
  const int nr = sample_rows(P->Tq, c->check_rows, rows);
  val_err_acc acc = {0};
  for (int b = 0; b < c->batch; ++b)
    for (int ri = 0; ri < nr; ++ri) {
      const int t = rows[ri];
      for (int hk = 0; hk < c->heads_kv; ++hk) {
        for (int h = 0; h < group; ++h) lse_g[h] = lse[((long long)b * c->heads_q + hk * group + h) * P->Tq + t];
        const float *qg = q + (((long long)b * P->Tq + t) * c->heads_q + hk * group) * c->d_qk;
        const float *kb = kc + ((long long)b * P->n_cmp * c->heads_kv + hk) * c->d_qk;
        const int nv = val_ref_scores_row(qg, group, kb, (long long)c->heads_kv * c->d_qk, P->n_cmp, c->d_qk, lse_g,
                                          1.0 / sqrt((double)c->d_qk), P->q_pos0 + t, c->cmp_len, c->cmp_stride,
                                          c->sel_len, P->n_sel, ref);
        const float *row = sc + (((long long)b * c->heads_kv + hk) * P->Tq + t) * P->n_sel;
        for (int j = 0; j < nv; ++j) val_err_add(&acc, row[j], ref[j]);
      }
    }
  free(rows), free(ref), free(lse_g);
  return val_err_rel(&acc);
}

/* Top-n from the GPU's own scores must match the CPU selection exactly (same float inputs, same
** tie rule). Returns the fraction of mismatching rows; *bad_idx counts out-of-range indices. */
static double check_topn(pipe *P, long long *bad_idx) {
  const val_config *c = P->c;
  const float *sc = host_f(P, S_SCORES);
  const int32_t *idx = host_idx(P);
  if (!sc || !idx) return NAN;
  int32_t ref[32];
  long long mism = 0, rows = 0, bad = 0;
  for (int b = 0; b < c->batch; ++b)
    for (int t = 0; t < P->Tq; ++t)
      for (int hk = 0; hk < c->heads_kv; ++hk) {
        const int32_t *g = idx + (((long long)b * P->Tq + t) * c->heads_kv + hk) * c->sel_count;
        const int nv = n_valid_of(P, t);
        for (int k = 0; k < c->sel_count; ++k) bad += g[k] < -1 || g[k] >= nv;
        if (!c->check) continue;
        val_ref_topn(sc + (((long long)b * c->heads_kv + hk) * P->Tq + t) * P->n_sel, nv, c->sel_count, ref);
        ++rows;
        mism += memcmp(ref, g, (size_t)c->sel_count * sizeof *g) != 0;
      }
  *bad_idx = bad;
  return c->check ? (double)mism / (double)(rows ? rows : 1) : NAN;
}

static double check_gate(pipe *P) {
  const float *a = host_f(P, S_OCMP), *b = host_f(P, S_OSLC), *w = host_f(P, S_OWIN), *g = host_f(P, S_GATES),
              *o = host_f(P, S_O);
  if (!a || !b || !w || !g || !o) return NAN;
  val_err_acc acc = {0};
  const int dv = P->c->d_v;
  for (unsigned long long i = 0; i < P->n[S_O]; ++i) {
    const unsigned long long r = i / (unsigned long long)dv;
    val_err_add(&acc, o[i], (double)g[3 * r] * a[i] + (double)g[3 * r + 1] * b[i] + (double)g[3 * r + 2] * w[i]);
  }
  return val_err_rel(&acc);
}

/* Host reduction of split partials (same math as val_launch_split_combine), into the [B, Tq, Hq, Dv]
** and [B, Hq, Tq] layouts of an unsplit output. Returns 0, or -1 when a copy failed. */
static int host_combine(pipe *P, int po, int pl, int splits, float **o_out, float **l_out) {
  const val_config *c = P->c;
  const float *op = host_f(P, po), *lp = host_f(P, pl);
  const long long rows = (long long)c->batch * P->Tq * c->heads_q;
  float *o = malloc((size_t)rows * c->d_v * sizeof *o), *l = malloc((size_t)rows * sizeof *l);
  if (!op || !lp || !o || !l) {
    free(o), free(l);
    return -1;
  }
  for (long long orow = 0; orow < rows; ++orow) {
    const int hq = (int)(orow % c->heads_q);
    const long long bt = orow / c->heads_q;
    const int t = (int)(bt % P->Tq), b = (int)(bt / P->Tq);
    const long long lrow = ((long long)b * c->heads_q + hq) * P->Tq + t;
    double m = -INFINITY;
    for (int sp = 0; sp < splits; ++sp) m = fmax(m, lp[sp * rows + lrow]);
    const double mu = isinf(m) && m < 0 ? 0.0 : m;
    double sum = 0.0;
    for (int sp = 0; sp < splits; ++sp) sum += exp(lp[sp * rows + lrow] - mu);
    for (int d = 0; d < c->d_v; ++d) {
      double acc = 0.0;
      for (int sp = 0; sp < splits; ++sp) acc += exp(lp[sp * rows + lrow] - mu) * op[(sp * rows + orow) * c->d_v + d];
      o[orow * c->d_v + d] = sum > 0 ? (float)(acc / sum) : 0.f;
    }
    l[lrow] = sum > 0 ? (float)(mu + log(sum)) : -INFINITY;
  }
  *o_out = o;
  *l_out = l;
  return 0;
}

/* Decode: the gated combine that also reduces the selected and window partials. */
static double check_gate_split(pipe *P, int splits_slc, int splits_win) {
  float *os = NULL, *ls = NULL, *ow = NULL, *lw = NULL;
  double err = NAN;
  const float *a = host_f(P, S_OCMP), *g = host_f(P, S_GATES), *o = host_f(P, S_O);
  if (a && g && o && host_combine(P, S_OPS, S_LPS, splits_slc, &os, &ls) == 0 &&
      host_combine(P, S_OPW, S_LPW, splits_win, &ow, &lw) == 0) {
    val_err_acc acc = {0};
    const int dv = P->c->d_v;
    for (unsigned long long k = 0; k < P->n[S_O]; ++k) {
      const unsigned long long r = k / (unsigned long long)dv;
      val_err_add(&acc, o[k], (double)g[3 * r] * a[k] + (double)g[3 * r + 1] * os[k] + (double)g[3 * r + 2] * ow[k]);
    }
    err = val_err_rel(&acc);
  }
  free(os), free(ls), free(ow), free(lw);
  return err;
}

/* Backward: delta against rowsum(dO * O) of the GPU's own O; dQ/dK/dV against the CPU
** backward of every (batch, head) (the checked configs are small). */
static double check_bwd_pre(pipe *P, int o_slot) {
  const val_config *c = P->c;
  const float *o = host_f(P, o_slot), *d_o = host_f(P, S_DO), *dl = host_f(P, S_DELTA);
  if (!o || !d_o || !dl) return NAN;
  val_err_acc acc = {0};
  for (int b = 0; b < c->batch; ++b)
    for (int t = 0; t < P->Tq; ++t)
      for (int h = 0; h < c->heads_q; ++h) {
        const long long r = ((long long)b * P->Tq + t) * c->heads_q + h;
        double ref = 0.0;
        for (int d = 0; d < c->d_v; ++d) ref += (double)o[r * c->d_v + d] * d_o[r * c->d_v + d];
        val_err_add(&acc, dl[((long long)b * c->heads_q + h) * P->Tq + t], ref);
      }
  return val_err_rel(&acc);
}

static double check_bwd_grads(pipe *P, int want_dq) {
  const val_config *c = P->c;
  const float *q = host_f(P, S_Q), *k = host_f(P, S_K), *v = host_f(P, S_V), *d_o = host_f(P, S_DO);
  const float *gq = host_f(P, S_DQ), *gk = host_f(P, S_DK), *gv = host_f(P, S_DV);
  if (!q || !k || !v || !d_o || !gq || !gk || !gv) return NAN;
  const int T = P->Tk, group = c->heads_q / c->heads_kv;
  double *dq = malloc((size_t)T * c->d_qk * sizeof *dq), *dk = malloc((size_t)T * c->d_qk * sizeof *dk);
  double *dv = malloc((size_t)T * c->d_v * sizeof *dv);
  val_err_acc aq = {0}, akv = {0};
  int rc = (dq && dk && dv) ? 0 : -1;
  for (int b = 0; b < c->batch && rc == 0; ++b)
    for (int hk = 0; hk < c->heads_kv && rc == 0; ++hk) {
      memset(dk, 0, (size_t)T * c->d_qk * sizeof *dk);
      memset(dv, 0, (size_t)T * c->d_v * sizeof *dv);
      for (int hh = 0; hh < group && rc == 0; ++hh) {
        const int hq = hk * group + hh;
        const long long q_off = ((long long)b * T * c->heads_q + hq);
        rc = val_ref_attn_bwd_head(q + q_off * c->d_qk, k + ((long long)b * T * c->heads_kv + hk) * c->d_qk,
                                   v + ((long long)b * T * c->heads_kv + hk) * c->d_v, d_o + q_off * c->d_v,
                                   (long long)c->heads_q * c->d_qk, (long long)c->heads_kv * c->d_qk,
                                   (long long)c->heads_kv * c->d_v, (long long)c->heads_q * c->d_v, T, c->d_qk, c->d_v,
                                   1.0 / sqrt((double)c->d_qk), dq, dk, dv);
        for (int t = 0; t < T && want_dq; ++t)
          for (int d = 0; d < c->d_qk; ++d)
            val_err_add(&aq, gq[(((long long)b * T + t) * c->heads_q + hq) * c->d_qk + d], dq[(long long)t * c->d_qk + d]);
      }
      for (int t = 0; t < T && !want_dq; ++t) {
        for (int d = 0; d < c->d_qk; ++d)
          val_err_add(&akv, gk[(((long long)b * T + t) * c->heads_kv + hk) * c->d_qk + d], dk[(long long)t * c->d_qk + d]);
        for (int d = 0; d < c->d_v; ++d)
          val_err_add(&akv, gv[(((long long)b * T + t) * c->heads_kv + hk) * c->d_v + d], dv[(long long)t * c->d_v + d]);
      }
    }
  free(dq), free(dk), free(dv);
  if (rc) return NAN;
  return want_dq ? val_err_rel(&aq) : val_err_rel(&akv);
}

/* Backward of a branch over an arbitrary key set (selected blocks, a window, compressed blocks).
** dq: sampled rows against val_ref_attn_bwd_row over the row's keys. dk/dv: every row's
** contribution scattered on the host (small configs). */
static double check_keys_bwd(pipe *P, int want_dq) {
  const val_config *c = P->c;
  const bwd_keys bk = bwd_keys_of(P);
  const float *q = host_f(P, S_Q), *k = host_f(P, bk.k), *v = host_f(P, bk.v), *d_o = host_f(P, S_DO);
  const float *g = want_dq ? host_f(P, S_DQ) : host_f(P, bk.dk), *gv = want_dq ? NULL : host_f(P, bk.dv);
  range_keys rk = {0, bk.seq_k, bk.stride, bk.off, bk.window};
  sel_keys sk = {0};
  keys_fn kf = keys_range;
  void *kc = &rk;
  int max_keys = bk.seq_k;
  if (c->kind == VAL_NSA_SEL_BWD) {
    sk.idx = host_idx(P);
    if (!sk.idx) return NAN;
    sk.seq_q = P->Tq, sk.seq_k = P->Tk, sk.heads_kv = c->heads_kv, sk.n = c->sel_count, sk.blk = c->sel_len;
    kf = keys_selected, kc = &sk, max_keys = c->sel_count * c->sel_len;
  }
  if (!q || !k || !v || !d_o || !g || (!want_dq && !gv)) return NAN;
  const int T = P->Tq, Tk = bk.seq_k, group = c->heads_q / c->heads_kv;
  int *rows = malloc((size_t)T * sizeof *rows), *keys = malloc((size_t)max_keys * sizeof *keys);
  double *dq = malloc((size_t)c->d_qk * sizeof *dq);
  double *dk = want_dq ? NULL : calloc((size_t)Tk * c->d_qk, sizeof *dk);
  double *dv = want_dq ? NULL : calloc((size_t)Tk * c->d_v, sizeof *dv);
  double err = NAN;
  if (rows && keys && dq && (want_dq || (dk && dv))) {
    const int nr = want_dq ? sample_rows(T, c->check_rows, rows) : sample_rows(T, T, rows);
    val_err_acc acc = {0};
    const long long kst = (long long)c->heads_kv * c->d_qk, vst = (long long)c->heads_kv * c->d_v;
    for (int b = 0; b < c->batch; ++b)
      for (int hk = 0; hk < c->heads_kv; ++hk) {
        if (!want_dq) {
          memset(dk, 0, (size_t)Tk * c->d_qk * sizeof *dk);
          memset(dv, 0, (size_t)Tk * c->d_v * sizeof *dv);
        }
        for (int ri = 0; ri < nr; ++ri) {
          const int t = rows[ri];
          const int nk = kf(kc, b, t, hk, keys);
          for (int hh = 0; hh < group; ++hh) {
            const long long r = ((long long)b * T + t) * c->heads_q + hk * group + hh;
            val_ref_attn_bwd_row(q + r * c->d_qk, d_o + r * c->d_v, k + ((long long)b * Tk * c->heads_kv + hk) * c->d_qk,
                                 v + ((long long)b * Tk * c->heads_kv + hk) * c->d_v, kst, vst, c->d_qk, c->d_v, keys,
                                 nk, 1.0 / sqrt((double)c->d_qk), dq, dk, dv);
            if (want_dq)
              for (int d = 0; d < c->d_qk; ++d) val_err_add(&acc, g[r * c->d_qk + d], dq[d]);
          }
        }
        if (!want_dq)
          for (int t = 0; t < Tk; ++t) {
            const long long kr = ((long long)b * Tk + t) * c->heads_kv + hk;
            for (int d = 0; d < c->d_qk; ++d) val_err_add(&acc, g[kr * c->d_qk + d], dk[(long long)t * c->d_qk + d]);
            for (int d = 0; d < c->d_v; ++d) val_err_add(&acc, gv[kr * c->d_v + d], dv[(long long)t * c->d_v + d]);
          }
      }
    err = val_err_rel(&acc);
  }
  free(rows), free(keys), free(dq), free(dk), free(dv);
  return err;
}

/* Mean-pool backward: dK[t] = sum over the compressed blocks i covering t of dK_cmp[i] / l,
** recomputed on the host from the GPU's own dK_cmp / dV_cmp. */
static double check_compress_bwd(pipe *P) {
  const val_config *c = P->c;
  const float *gkc = host_f(P, S_DKC), *gvc = host_f(P, S_DVC), *gk = host_f(P, S_DK), *gv = host_f(P, S_DV);
  if (!gkc || !gvc || !gk || !gv) return NAN;
  val_err_acc acc = {0};
  for (int kv = 0; kv < 2; ++kv) {
    const int D = kv ? c->d_v : c->d_qk;
    const float *src = kv ? gvc : gkc, *got = kv ? gv : gk;
    for (int b = 0; b < c->batch; ++b)
      for (int t = 0; t < P->Tk; ++t)
        for (int h = 0; h < c->heads_kv; ++h)
          for (int d = 0; d < D; ++d) {
            double ref = 0.0;
            for (int i = 0; i < P->n_cmp; ++i)
              if ((long long)i * c->cmp_stride <= t && t < (long long)i * c->cmp_stride + c->cmp_len)
                ref += src[(((long long)b * P->n_cmp + i) * c->heads_kv + h) * D + d];
            val_err_add(&acc, got[(((long long)b * P->Tk + t) * c->heads_kv + h) * D + d], ref / c->cmp_len);
          }
  }
  return val_err_rel(&acc);
}

/* Inverted index: per block the count must match the indices and every listed token must have
** chosen the block. Returns the fraction of blocks with a wrong list. */
static double check_sel_index(pipe *P) {
  const val_config *c = P->c;
  const int32_t *idx = host_idx(P);
  int32_t *cnt = fetch_raw(P->p[0][S_CNT], P->n[S_CNT] * 4), *off = fetch_raw(P->p[0][S_OFF], P->n[S_OFF] * 4);
  int32_t *list = fetch_raw(P->p[0][S_LIST], P->n[S_LIST] * 4);
  int *want = calloc((size_t)P->n[S_CNT], sizeof *want);
  double err = NAN;
  if (idx && cnt && off && list && want) {
    const int n = c->sel_count;
    for (int b = 0; b < c->batch; ++b)
      for (int t = 0; t < P->Tq; ++t)
        for (int hk = 0; hk < c->heads_kv; ++hk)
          for (int k = 0; k < n; ++k) {
            const int j = idx[(((long long)b * P->Tq + t) * c->heads_kv + hk) * n + k];
            if (j >= 0) want[((long long)b * c->heads_kv + hk) * P->n_sel + j]++;
          }
    long long bad = 0;
    for (unsigned long long e = 0; e < P->n[S_CNT]; ++e) {
      int ok = cnt[e] == want[e] && off[e] >= 0 && (unsigned long long)off[e] + (unsigned long long)cnt[e] <= P->n[S_LIST];
      const int j = (int)(e % (unsigned long long)P->n_sel);
      const int hk = (int)((e / (unsigned long long)P->n_sel) % (unsigned long long)c->heads_kv);
      const int b = (int)(e / ((unsigned long long)P->n_sel * (unsigned long long)c->heads_kv));
      for (int m = 0; ok && m < cnt[e]; ++m) {
        const int t = list[off[e] + m];
        int found = 0;
        if (t >= 0 && t < P->Tq)
          for (int k = 0; k < n; ++k) found |= idx[(((long long)b * P->Tq + t) * c->heads_kv + hk) * n + k] == j;
        ok = found;
      }
      bad += !ok;
    }
    err = (double)bad / (double)P->n[S_CNT];
  }
  free(cnt), free(off), free(list), free(want);
  return err;
}

/* Logits never written (rows h < group, every key; the padding rows are not written). */
static long long unwritten_logits(pipe *P) {
  const float *lg = host_f(P, S_LOGITS);
  if (!lg) return -1;
  const int group = P->c->heads_q / P->c->heads_kv;
  long long bad = 0;
  for (unsigned long long k = 0; k < P->n[S_LOGITS]; ++k)
    if ((int)((k / (unsigned long long)P->n_cmp) % 16) < group && isnan(lg[k])) ++bad;
  return bad;
}

/* The worse of two relative errors; NaN (not computed) wins, so a failed sub-check fails the row. */
static double worst(double a, double b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }

/* Split partials of one branch reduced on the host and checked as that branch's attention. */
static double check_partials(pipe *P, int op, int po, int pl, int splits) {
  float *o = NULL, *l = NULL;
  double err = NAN;
  if (host_combine(P, po, pl, splits, &o, &l) == 0) err = check_attn_op(P, op, o, l);
  free(o), free(l);
  return err;
}

/* Poison + reference check of stage i (after one pipeline run on rotation 0). */
static int check_stage(pipe *P, int i) {
  const val_config *c = P->c;
  stage_def *sd = &P->st[i];
  stage_row *row = &P->row[i];
  long long bad = 0;
  double err = NAN, extra = NAN; /* extra: a second check of the same stage, folded in below */
  int out_o = -1, out_l = -1, attn_op = -1;
  switch (sd->op) {
  case OP_FULL_FWD: case OP_CMP_FWD: case OP_WIN_FWD:
    out_o = sd->dst_o, out_l = sd->dst_l, attn_op = sd->op;
    break;
  case OP_FULL_GROUP: case OP_CMP_GROUP: case OP_WIN_GROUP: case OP_SEL_GROUP:
    if (sd->write_part) { /* partials consumed by the fused combine: reduce them on the host */
      out_o = sd->part_o, out_l = sd->part_l, attn_op = sd->op;
    } else if (sd->splits == 1) {
      out_o = sd->dst_o, out_l = sd->dst_l, attn_op = sd->op;
    } else {
      row->check = "via_combine";
      return 0;
    }
    if (sd->op == OP_CMP_GROUP && P->n[S_LOGITS]) {
      const long long u = unwritten_logits(P);
      if (u < 0) return -1;
      bad += u;
    }
    break;
  case OP_DEC_CMP: { /* the partials, the logits and (mean pool) the newest compressed block */
    out_o = sd->part_o, out_l = sd->part_l, attn_op = OP_CMP_GROUP;
    const long long u = unwritten_logits(P);
    if (u < 0) return -1;
    bad += u;
    if (!c->compress_mlp) {
      const long long uk = unwritten(P, S_KC), uv = unwritten(P, S_VC);
      if (uk < 0 || uv < 0) return -1;
      bad += uk + uv;
      if (c->check) extra = check_compress(P);
    }
    if (c->dec_fused == 2) { /* and the selection's: merged output, scores, an exact top-n */
      long long b2 = 0, b3 = 0;
      const double e_sc = check_scores(P, &b2);
      const double e_tn = check_topn(P, &b3);
      bad += b2 + b3;
      if (c->check) {
        const double e_sel = e_tn != 0.0 ? INFINITY : e_sc;
        const double e_o = check_attn_op_g(P, OP_CMP_GROUP, host_f(P, S_OCMP), host_f(P, S_LCMP), 0);
        const double e_v2 = worst(e_sel, e_o);
        extra = c->compress_mlp ? e_v2 : worst(extra, e_v2);
      }
    }
    break;
  }
  case OP_DEC_SELECT: { /* the merged compressed output, the scores and an exact top-n */
    long long b2 = 0;
    const double e_sc = check_scores(P, &bad);
    const double e_tn = check_topn(P, &b2);
    bad += b2;
    if (c->check) extra = e_tn != 0.0 ? INFINITY : e_sc;
    out_o = S_OCMP, out_l = S_LCMP, attn_op = OP_CMP_GROUP;
    break;
  }
  case OP_DEC_BRANCH: { /* each branch's partials, then the gated output */
    const int slots[4] = {S_OPS, S_LPS, S_OPW, S_LPW};
    for (int k = 0; k < 4; ++k) {
      const long long u = unwritten(P, slots[k]);
      if (u < 0) return -1;
      bad += u;
    }
    out_o = S_O;
    if (c->check && bad == 0)
      err = worst(worst(check_partials(P, OP_SEL_GROUP, S_OPS, S_LPS, sd->splits),
                        check_partials(P, OP_WIN_GROUP, S_OPW, S_LPW, sd->aux)),
                  check_gate_split(P, sd->splits, sd->aux));
    break;
  }
  case OP_SPLIT_COMBINE:
    out_o = sd->dst_o, out_l = sd->dst_l, attn_op = P->st[i - 1].op;
    break;
  case OP_COMPRESS:
    out_o = S_KC, out_l = S_VC;
    if (c->check) err = check_compress(P);
    break;
  case OP_SCORES:
    err = check_scores(P, &bad);
    if (sd->aux) { /* fused top-n: exact, as the top-n stage's */
      long long b2 = 0;
      const double e_tn = check_topn(P, &b2);
      bad += b2;
      if (c->check && e_tn != 0.0) err = INFINITY;
    }
    break;
  case OP_TOPN:
    err = check_topn(P, &bad);
    break;
  case OP_SELECT_DECODE: { /* scores within bf16 tolerance and an exact top-n from them */
    long long b2 = 0;
    const double e_sc = check_scores(P, &bad);
    const double e_tn = check_topn(P, &b2);
    bad += b2;
    err = (c->check && e_tn != 0.0) ? INFINITY : e_sc;
    break;
  }
  case OP_GATE_SPLIT:
    out_o = S_O;
    if (c->check) err = check_gate_split(P, P->st[sd->dst_o].splits, P->st[sd->dst_l].splits);
    break;
  case OP_BWD_PRE:
    out_o = S_DELTA;
    if (c->check) err = check_bwd_pre(P, S_O);
    break;
  case OP_BWD_DKDV:
    if (P->q_splits > 1) { /* partials: judged with the reduce that follows */
      row->check = "via_reduce";
      return 0;
    }
    /* fall through - unsplit, dK/dV are where the reduce would have put them */
  case OP_BWD_REDUCE: {
    const bwd_keys bk = bwd_keys_of(P);
    out_o = bk.dk, out_l = bk.dv;
    if (c->check) err = c->kind == VAL_FULL_BWD ? check_bwd_grads(P, 0) : check_keys_bwd(P, 0);
    break;
  }
  case OP_BWD_DQ:
    out_o = S_DQ;
    if (c->check) err = c->kind == VAL_FULL_BWD ? check_bwd_grads(P, 1) : check_keys_bwd(P, 1);
    break;
  case OP_COMPRESS_BWD:
    out_o = S_DK, out_l = S_DV;
    if (c->check) err = check_compress_bwd(P);
    break;
  case OP_SEL_BWD_PRE:
    out_o = S_DELTA;
    if (c->check) err = check_bwd_pre(P, S_OSLC);
    break;
  case OP_SEL_BWD_DQ:
    out_o = S_DQ;
    if (c->check) err = check_keys_bwd(P, 1);
    break;
  case OP_SEL_BWD_INDEX: /* structural: must be exact */
    err = check_sel_index(P);
    if (!isnan(err) && err != 0.0) bad += 1;
    break;
  case OP_SEL_BWD_DKDV:
    out_o = S_DK, out_l = S_DV;
    if (c->check) err = check_keys_bwd(P, 0);
    break;
  case OP_GATE:
    out_o = S_O;
    if (c->check) err = check_gate(P);
    break;
  default:
    break;
  }
  if (out_o >= 0) {
    const long long u = unwritten(P, out_o);
    if (u < 0) return -1;
    bad += u;
  }
  if (out_l >= 0) {
    const long long u = unwritten(P, out_l);
    if (u < 0) return -1;
    bad += u;
  }
  if (attn_op >= 0 && c->check && bad == 0) {
    if (sd->write_part) {
      float *o = NULL, *l = NULL;
      if (host_combine(P, sd->part_o, sd->part_l, sd->splits, &o, &l) == 0) err = check_attn_op(P, attn_op, o, l);
      free(o), free(l);
    } else {
      err = check_attn_op_g(P, attn_op, host_f(P, out_o), host_f(P, out_l), sd->op == OP_WIN_FWD && sd->aux);
    }
  }
  if (c->check && (sd->op == OP_DEC_CMP ? !c->compress_mlp || c->dec_fused == 2 : sd->op == OP_DEC_SELECT))
    err = worst(err, extra);
  row->rel_err = err;
  if (bad) {
    fprintf(stderr, "config '%s' stage %s: %lld output elements unwritten or out of range\n", c->id, sd->name, bad);
    row->check = "FAIL";
  } else if (!c->check) {
    row->check = "skip";
  } else if (sd->op == OP_TOPN) {
    row->check = err == 0.0 ? "pass" : "FAIL";
  } else {
    row->check = verdict(err);
  }
  if (sd->op == OP_SPLIT_COMBINE || sd->op == OP_BWD_REDUCE) { /* the kernel before it is judged by the same numbers */
    P->row[i - 1].rel_err = row->rel_err;
    P->row[i - 1].check = row->check;
  }
  return 0;
}

/* FLOPs (matrix products only: 2 per multiply-add) and minimal HBM bytes of stage i. */
static int count_def(pipe *P, const stage_def *sd, stage_row *row) {
  const val_config *c = P->c;
  const double B = c->batch, Hq = c->heads_q, Hk = c->heads_kv, dqk = c->d_qk, dv = c->d_v;
  const double rows_o = B * P->Tq * Hq;
  const double kv_tok = Hk * (dqk + dv) * 2.0; /* bytes of one token's K and V for all KV heads */
  const double q_b = rows_o * dqk * 2, o_b = rows_o * dv * 2, l_b = rows_o * 4;
  const int part = sd->splits > 1 || sd->write_part;
  const double out_b = part ? rows_o * (dv + 1) * 4.0 * sd->splits : o_b + l_b;
  switch (sd->op) {
  case OP_FULL_FWD: case OP_FULL_GROUP:
    row->flops = 2.0 * B * Hq * (dqk + dv) * (double)val_pairs_range(P->Tq, P->q_pos0, P->Tk, 1, 0, 0);
    row->bytes = q_b + B * P->Tk * kv_tok + out_b;
    break;
  case OP_CMP_FWD: case OP_CMP_GROUP: {
    const long long pairs = val_pairs_range(P->Tq, P->q_pos0, P->n_cmp, c->cmp_stride, c->cmp_len - 1, 0);
    row->flops = 2.0 * B * Hq * (dqk + dv) * (double)pairs;
    row->bytes = q_b + B * P->n_cmp * kv_tok + out_b + (double)P->n[S_LOGITS] * 4;
    break;
  }
  case OP_WIN_FWD: case OP_WIN_GROUP: {
    const long long pairs = val_pairs_range(P->Tq, P->q_pos0, P->Tk, 1, 0, c->window);
    row->flops = 2.0 * B * Hq * (dqk + dv) * (double)pairs;
    const double toks = P->decode ? (c->window < P->Tk ? c->window : P->Tk) : P->Tk;
    row->bytes = q_b + B * toks * kv_tok + out_b;
    if (sd->aux) row->bytes += 2 * o_b + rows_o * 3 * 2; /* fused combine: o_cmp, o_slc, gates */
    break;
  }
  case OP_SEL_GROUP: {
    /* Visible selected keys from the GPU's own indices; bytes count each distinct block once. */
    const int32_t *idx = host_idx(P);
    if (!idx) return -1;
    const int n = c->sel_count, nsel = P->n_sel;
    unsigned char *used = calloc((size_t)(c->batch * c->heads_kv) * (size_t)nsel, 1);
    int *keys = malloc((size_t)n * c->sel_len * sizeof *keys);
    if (!used || !keys) {
      free(used), free(keys);
      return -1;
    }
    double pairs = 0, blocks = 0;
    for (int b = 0; b < c->batch; ++b)
      for (int t = 0; t < P->Tq; ++t)
        for (int hk = 0; hk < c->heads_kv; ++hk) {
          const int32_t *r = idx + (((long long)b * P->Tq + t) * c->heads_kv + hk) * n;
          pairs += val_ref_selected_keys(P->q_pos0 + t, P->Tk, r, n, c->sel_len, keys);
          for (int k = 0; k < n; ++k)
            if (r[k] >= 0 && r[k] < nsel) {
              unsigned char *u = &used[((size_t)b * c->heads_kv + hk) * nsel + r[k]];
              blocks += !*u;
              *u = 1;
            }
        }
    free(used), free(keys);
    row->flops = 2.0 * (Hq / Hk) * (dqk + dv) * pairs;
    row->bytes = q_b + blocks * c->sel_len * (dqk + dv) * 2.0 + out_b + (double)P->n[S_IDX] * 4;
    break;
  }
  case OP_SPLIT_COMBINE:
    row->bytes = rows_o * (dv + 1) * 4.0 * sd->splits + o_b + l_b;
    break;
  case OP_COMPRESS: {
    const double nb = P->decode ? 1 : P->n_cmp;
    const double toks = P->decode ? c->cmp_len : (double)(P->n_cmp - 1) * c->cmp_stride + c->cmp_len;
    row->bytes = B * toks * kv_tok + B * nb * kv_tok;
    if (c->compress_mlp) { /* two layers per compressed row, K and V; weights read once */
      const double L = c->cmp_len;
      row->flops = 2.0 * B * nb * Hk * (L * dqk * dqk + dqk * dqk + L * dv * dv + dv * dv);
      row->bytes += 2.0 * (L * dqk * dqk + dqk * dqk + L * dv * dv + dv * dv) + 4.0 * (dqk + dv);
    }
    break;
  }
  case OP_SCORES: {
    const long long pairs = val_pairs_range(P->Tq, P->q_pos0, P->n_cmp, c->cmp_stride, c->cmp_len - 1, 0);
    double written = 0;
    for (int t = 0; t < P->Tq; ++t) written += n_valid_of(P, t);
    row->flops = 2.0 * B * Hq * dqk * (double)pairs;
    row->bytes = q_b + B * P->n_cmp * Hk * dqk * 2.0 + l_b + B * Hk * written * 4.0;
    if (sd->aux) row->bytes += (double)P->n[S_IDX] * 4; /* fused top-n: the rows are re-read from L2 */
    break;
  }
  case OP_TOPN: {
    double written = 0;
    for (int t = 0; t < P->Tq; ++t) written += n_valid_of(P, t);
    row->bytes = B * Hk * written * 4.0 + (double)P->n[S_IDX] * 4;
    break;
  }
  case OP_GATE:
    row->bytes = 4 * o_b + rows_o * 3 * 2;
    break;
  case OP_BWD_PRE:
    row->bytes = 2 * o_b + l_b;
    break;
  case OP_BWD_DKDV: case OP_BWD_DQ: {
    /* matrix FLOPs actually issued: dkdv recomputes S^T and dP^T and forms dV and dK (4 products);
    ** dq recomputes S and dP and forms dQ (3 products) */
    const bwd_keys bk = bwd_keys_of(P);
    const double pairs = (double)val_pairs_range(P->Tq, 0, bk.seq_k, bk.stride, bk.off, bk.window);
    const double in_b = q_b + o_b + B * bk.seq_k * kv_tok + 2 * l_b; /* q, dO, k, v, lse, delta */
    if (sd->op == OP_BWD_DKDV) {
      row->flops = 2.0 * B * Hq * pairs * (2 * dqk + 2 * dv);
      row->bytes = in_b + (P->q_splits > 1 ? (double)(P->n[S_DKPART] + P->n[S_DVPART]) * 4 : B * bk.seq_k * kv_tok);
    } else {
      row->flops = 2.0 * B * Hq * pairs * (2 * dqk + dv);
      row->bytes = in_b + q_b;
    }
    break;
  }
  case OP_SEL_BWD_PRE:
    row->bytes = 2 * o_b + l_b;
    break;
  case OP_BWD_REDUCE: /* read the split partials, write dK, dV */
    row->bytes = (double)(P->n[S_DKPART] + P->n[S_DVPART]) * 4 + B * P->n_cmp * kv_tok;
    break;
  case OP_COMPRESS_BWD: /* read dK_cmp, dV_cmp; write dK, dV */
    row->bytes = B * P->n_cmp * kv_tok + B * P->Tk * kv_tok;
    break;
  case OP_SEL_BWD_DQ: case OP_SEL_BWD_DKDV: case OP_SEL_BWD_INDEX: {
    const int32_t *idx = host_idx(P);
    if (!idx) return -1;
    const int n = c->sel_count;
    int *keys = malloc((size_t)n * c->sel_len * sizeof *keys);
    if (!keys) return -1;
    double pairs = 0;
    for (int b = 0; b < c->batch; ++b)
      for (int t = 0; t < P->Tq; ++t)
        for (int hk = 0; hk < c->heads_kv; ++hk)
          pairs += val_ref_selected_keys(t, P->Tk, idx + (((long long)b * P->Tq + t) * c->heads_kv + hk) * n, n,
                                         c->sel_len, keys);
    free(keys);
    const double kv_all = B * P->Tk * kv_tok, group = Hq / Hk;
    if (sd->op == OP_SEL_BWD_DQ) { /* S, dP, dQ */
      row->flops = 2.0 * group * pairs * (2 * dqk + dv);
      row->bytes = 2 * q_b + o_b + 2 * l_b + kv_all + (double)P->n[S_IDX] * 4; /* q and dq, dO, lse, delta */
    } else if (sd->op == OP_SEL_BWD_DKDV) { /* S^T, dP^T, dV, dK */
      row->flops = 2.0 * group * pairs * (2 * dqk + 2 * dv);
      row->bytes = q_b + o_b + 2 * l_b + 2 * kv_all + 2.0 * 4 * (double)(P->n[S_DKACC] + P->n[S_DVACC]);
    } else {
      row->bytes = 2.0 * 4 * (double)P->n[S_IDX] + 4.0 * 3 * (double)P->n[S_CNT];
    }
    break;
  }
  case OP_SELECT_DECODE:
    row->bytes = (double)P->n[S_LOGITS] * 4 + l_b + B * Hk * P->n_sel * 4.0 + (double)P->n[S_IDX] * 4;
    break;
  case OP_GATE_SPLIT:
    row->bytes = (double)(P->n[S_OPS] + P->n[S_LPS] + P->n[S_OPW] + P->n[S_LPW]) * 4 + 2 * o_b + rows_o * 3 * 2;
    break;
  case OP_DEC_CMP: { /* the compressed branch's group kernel, plus the pooled newest block */
    stage_def d = *sd;
    d.op = OP_CMP_GROUP;
    if (count_def(P, &d, row)) return -1;
    if (!c->compress_mlp) row->bytes += B * c->cmp_len * kv_tok + B * kv_tok;
    if (c->dec_fused == 2) /* v2's selection, counted as dec_select_fused's */
      row->bytes += B * Hk * P->n_sel * 4.0 + (double)P->n[S_IDX] * 4 + rows_o * (dv + 1) * 4.0 * sd->splits + o_b + l_b;
    break;
  }
  case OP_DEC_SELECT: /* the decode selection, plus merging the compressed partials (v4: their lse only) */
    row->bytes = (double)P->n[S_LOGITS] * 4 + B * Hk * P->n_sel * 4.0 + (double)P->n[S_IDX] * 4 +
                 (c->dec_fused == 4 ? rows_o * 4.0 * sd->aux + l_b : rows_o * (dv + 1) * 4.0 * sd->aux + o_b + l_b);
    break;
  case OP_DEC_BRANCH: { /* the selected and window group kernels, plus their gated merge */
    stage_def d = *sd;
    stage_row r2 = {0};
    d.op = OP_SEL_GROUP, d.write_part = 1;
    if (count_def(P, &d, row)) return -1;
    d.op = OP_WIN_GROUP, d.splits = sd->aux;
    if (count_def(P, &d, &r2)) return -1;
    row->flops += r2.flops;
    row->bytes += r2.bytes + (double)(P->n[S_OPS] + P->n[S_LPS] + P->n[S_OPW] + P->n[S_LPW]) * 4 + 2 * o_b +
                  rows_o * 3 * 2;
    if (c->dec_fused == 4) { /* v4 merges the compressed partials here and writes o_cmp */
      const stage_def *cs = stage_of(P, OP_DEC_CMP);
      row->bytes += rows_o * (dv + 1) * 4.0 * (cs ? cs->splits : 1) + o_b;
    }
    break;
  }
  default:
    break;
  }
  return 0;
}

static int count_stage(pipe *P, int i) { return count_def(P, &P->st[i], &P->row[i]); }

static void print_row(const val_config *c, const stage_row *r) {
  printf("%-26s %-26s %10.4f ms %8.1f TFLOP/s %8.1f GB/s  err %9.2e  %s\n", c->id, r->kernel, r->median_ms,
         r->median_ms > 0 ? r->flops / r->median_ms / 1e9 : 0.0, r->median_ms > 0 ? r->bytes / r->median_ms / 1e6 : 0.0,
         r->rel_err, r->check);
}

/* trace_out: the top-n indices of rotation 0, as checked above, in the simulator's trace format.
** A failed top-n check writes nothing (the FAIL row already fails the run). */
static int write_trace(pipe *P) {
  const val_config *c = P->c;
  for (int i = 0; i < P->n_st; ++i)
    if ((P->st[i].op == OP_TOPN || (P->st[i].op == OP_SCORES && P->st[i].aux)) && strcmp(P->row[i].check, "FAIL") == 0) {
      fprintf(stderr, "config '%s': the top-n check failed; trace %s not written\n", c->id, c->trace_out);
      return 0;
    }
  const int32_t *idx = host_idx(P);
  if (!idx) return -1;
  const val_trace_shape shape = {c->batch, c->heads_kv, P->Tq, P->Tk, c->sel_len, c->sel_count};
  char err[VAL_ERR_MAX + VAL_PATH_MAX];
  if (val_trace_write(c->trace_out, &shape, idx, err, sizeof err) != 0) {
    fprintf(stderr, "config '%s' (line %d): %s\n", c->id, c->line, err);
    return -1;
  }
  printf("config '%s': wrote %s (%llu selections of %d blocks)\n", c->id, c->trace_out,
         (unsigned long long)c->batch * c->heads_kv * (unsigned long long)P->Tq, c->sel_count);
  return 0;
}

static int run_config(run_ctx *R, const val_config *c) {
  pipe *P = calloc(1, sizeof *P);
  if (!P) return -1;
  dev_pool pl = {0};
  int rc = pipe_plan(P, R, c);
  if (rc == 0) rc = pipe_setup(R, P, &pl);
  if (rc == 0) rc = pipe_poison(R, P);
  if (rc == 0) {
    /* One run on rotation 0, each stage asked for its launch info, then the checks. It is one
    ** whole step (decode v4 checks its flags here). */
    P->whole = 1;
    for (int i = 0; i < P->n_st && rc == 0; ++i) {
      cudaError_t e = stage_launch(P, i, 0, &P->row[i].info);
      if (e != cudaSuccess) {
        fprintf(stderr, "config '%s' stage %s: launch failed: %s\n", c->id, P->st[i].name, cudaGetErrorString(e));
        rc = -1;
      }
    }
    P->whole = 0;
    if (rc == 0) {
      cudaError_t e = cudaStreamSynchronize(R->stream);
      if (e != cudaSuccess) {
        fprintf(stderr, "config '%s': kernel failed: %s\n", c->id, cudaGetErrorString(e));
        rc = -1;
      }
    }
  }
  if (rc == 0 && R->profile) {
    /* One more launch of every stage, each alone inside a profiler range, named in launch order
    ** ("ncu_<config> <kernel> <kernel launches>") so that ncu's launch IDs (--profile-from-start
    ** off) join the names. */
    for (int i = 0; i < P->n_st && rc == 0; ++i) {
      /* the selected backward's index stage runs count, scan, fill; its dK/dV stage the chunk
      ** kernel and two fp32-to-bf16 conversions (nsa_bwd.cu) */
      const int launches = P->st[i].op == OP_SEL_BWD_INDEX || P->st[i].op == OP_SEL_BWD_DKDV ? 3 : 1;
      printf("ncu_%s %s %d\n", c->id, P->st[i].name, launches);
      fflush(stdout);
      cudaError_t e = cudaProfilerStart();
      if (e == cudaSuccess) e = stage_launch(P, i, 0, NULL);
      if (e == cudaSuccess) e = cudaStreamSynchronize(R->stream);
      const cudaError_t e2 = cudaProfilerStop();
      if (e == cudaSuccess) e = e2;
      if (e != cudaSuccess) {
        fprintf(stderr, "config '%s' stage %s: %s\n", c->id, P->st[i].name, cudaGetErrorString(e));
        rc = -1;
      }
    }
    for (int i = 0; i < S_COUNT; ++i) free(P->hf[i]);
    free(P->hidx);
    pool_free(&pl);
    free(P);
    return rc;
  }
  for (int i = 0; i < P->n_st && rc == 0; ++i) rc = check_stage(P, i);
  for (int i = 0; i < P->n_st && rc == 0; ++i) rc = count_stage(P, i);
  if (rc == 0 && c->trace_out[0]) rc = write_trace(P);
  /* Every rotation needs its intermediates before stages are timed one by one. */
  for (int r = 1; r < P->n_rot && rc == 0; ++r)
    if (pipe_launch(P, -1, r, NULL) != cudaSuccess) rc = -1;
  for (int i = 0; i < P->n_st && rc == 0; ++i) rc = time_stage(R, P, i, &P->row[i]);
  stage_row total = {0};
  if (rc == 0 && P->n_st > 1) {
    total.kernel = c->kind == VAL_FULL_DECODE ? "full_decode_total"
                   : c->kind == VAL_NSA_FWD   ? "nsa_fwd_total"
                   : c->kind == VAL_FULL_BWD  ? "full_bwd_total"
                   : c->kind == VAL_NSA_SEL_BWD ? "selected_bwd_total"
                   : c->kind == VAL_NSA_CMP_BWD ? "cmp_bwd_total"
                   : c->kind == VAL_NSA_WIN_BWD ? "window_bwd_total"
                                              : "nsa_decode_total";
    total.rel_err = NAN;
    total.check = "pass";
    total.design = "pipeline";
    for (int i = 0; i < P->n_st; ++i) {
      total.flops += P->row[i].flops;
      total.bytes += P->row[i].bytes;
      if (strcmp(P->row[i].check, "FAIL") == 0) total.check = "FAIL";
      else if (strcmp(P->row[i].check, "skip") == 0 && strcmp(total.check, "FAIL") != 0) total.check = "skip";
    }
    rc = time_stage(R, P, -1, &total);
  }
  if (rc == 0) {
    for (int i = 0; i < P->n_st; ++i) {
      csv_row(R->csv, c, &P->row[i], P->n_rot);
      print_row(c, &P->row[i]);
      if (strcmp(P->row[i].check, "FAIL") == 0) R->n_fail++;
    }
    if (P->n_st > 1) {
      csv_row(R->csv, c, &total, P->n_rot);
      print_row(c, &total);
    }
  }
  for (int i = 0; i < S_COUNT; ++i) free(P->hf[i]);
  free(P->hidx);
  pool_free(&pl);
  free(P);
  return rc;
}

/* ====================================================================== main */

static void usage(FILE *f) {
  fprintf(f,
          "usage: nsa_validate [-o results.csv] [--parse-only | --profile] CONFIG_LIST\n"
          "  Runs every config of CONFIG_LIST (format: validate/README.md) on GPU 0 and writes one CSV row\n"
          "  per kernel. --parse-only checks the list and the compiled mappings without a GPU.\n"
          "  --profile runs each kernel once more inside cudaProfilerStart/Stop and prints its name as\n"
          "  'ncu_<config> <kernel>' before the launch, for ncu --profile-from-start off (no timing).\n"
          "  exit: 0 ok, 1 a check or CUDA failed, 2 usage/config error, 77 no GPU\n");
}

int main(int argc, char **argv) {
  const char *out_path = NULL, *cfg_path = NULL;
  int parse_only = 0, profile = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
      out_path = argv[++i];
    else if (strcmp(argv[i], "--parse-only") == 0)
      parse_only = 1;
    else if (strcmp(argv[i], "--profile") == 0)
      profile = 1;
    else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' || cfg_path) {
      usage(stderr);
      return VAL_EXIT_USAGE;
    } else
      cfg_path = argv[i];
  }
  if (!cfg_path) {
    usage(stderr);
    return VAL_EXIT_USAGE;
  }
  val_config *cfg = NULL;
  const int n_cfg = val_config_load(cfg_path, &cfg);
  if (n_cfg < 0) return VAL_EXIT_USAGE;
  /* Mappings are checked up front so a typo fails in seconds, not after an hour of runs. */
  int bad = 0;
  for (int i = 0; i < n_cfg; ++i) {
    const val_config *c = &cfg[i];
    if (!val_attn_fwd_supported(c->d_qk, c->d_v, c->block_m, c->block_n, c->stages) &&
        (c->kind == VAL_FULL_FWD || c->kind == VAL_NSA_FWD || c->kind == VAL_FULL_BWD || c->kind == VAL_NSA_CMP_BWD ||
         c->kind == VAL_NSA_WIN_BWD)) {
      fprintf(stderr, "%s:%d: error: no compiled token-major kernel for d_qk=%d d_v=%d block_m=%d block_n=%d stages=%d\n",
              cfg_path, c->line, c->d_qk, c->d_v, c->block_m, c->block_n, c->stages);
      bad = 1;
    }
    if (c->kind == VAL_NSA_FWD && c->sel_tok > 1) {
      if (!val_attn_union_supported(c->d_qk, c->d_v, c->sel_tok, c->grp_stages)) {
        fprintf(stderr, "%s:%d: error: no compiled union kernel for d_qk=%d d_v=%d sel_tok=%d grp_stages=%d\n",
                cfg_path, c->line, c->d_qk, c->d_v, c->sel_tok, c->grp_stages);
        bad = 1;
      }
    } else if (!val_attn_group_supported(c->d_qk, c->d_v, c->grp_block_n, c->grp_stages) && c->kind != VAL_FULL_FWD) {
      fprintf(stderr, "%s:%d: error: no compiled group kernel for d_qk=%d d_v=%d grp_block_n=%d grp_stages=%d\n",
              cfg_path, c->line, c->d_qk, c->d_v, c->grp_block_n, c->grp_stages);
      bad = 1;
    }
  }
  for (int i = 0; i < n_cfg; ++i) { /* a trace_out must be creatable before hours of runs */
    const val_config *c = &cfg[i];
    if (!c->trace_out[0]) continue;
    FILE *probe = fopen(c->trace_out, "rb");
    const int existed = probe != NULL;
    if (probe) fclose(probe);
    probe = fopen(c->trace_out, "ab"); /* appends nothing: an existing file is left as it is */
    if (!probe) {
      fprintf(stderr, "%s:%d: error: trace_out '%s' cannot be written: %s\n", cfg_path, c->line, c->trace_out,
              strerror(errno));
      bad = 1;
      continue;
    }
    fclose(probe);
    if (!existed) remove(c->trace_out);
  }
  if (bad) {
    free(cfg);
    return VAL_EXIT_USAGE;
  }
  if (parse_only) {
    for (int i = 0; i < n_cfg; ++i) val_config_print(&cfg[i], stdout);
    free(cfg);
    return 0;
  }
  int n_dev = 0;
  cudaError_t e = cudaGetDeviceCount(&n_dev);
  if (e != cudaSuccess || n_dev == 0) {
    fprintf(stderr, "no CUDA device (%s): skipping\n", e != cudaSuccess ? cudaGetErrorString(e) : "count 0");
    free(cfg);
    return VAL_EXIT_SKIP;
  }
  run_ctx *R = calloc(1, sizeof *R);
  if (!R) {
    free(cfg);
    return VAL_EXIT_FAIL;
  }
  int rc = 0;
  R->profile = profile;
  if (cudaGetDeviceProperties(&R->prop, 0) != cudaSuccess || cudaStreamCreateWithFlags(&R->stream, cudaStreamNonBlocking) != cudaSuccess) {
    fprintf(stderr, "CUDA initialisation failed: %s\n", cudaGetErrorString(cudaGetLastError()));
    rc = -1;
  }
  int n_ev = 0; /* events created so far (destroyed at exit) */
  while (rc == 0 && n_ev < (int)(sizeof R->ev / sizeof R->ev[0])) {
    if (cudaEventCreate(&R->ev[n_ev]) != cudaSuccess) {
      fprintf(stderr, "cudaEventCreate failed: %s\n", cudaGetErrorString(cudaGetLastError()));
      rc = -1;
    } else {
      ++n_ev;
    }
  }
  for (int i = 0; i < n_cfg; ++i)
    if (2 * cfg[i].runs > (int)(sizeof R->ev / sizeof R->ev[0])) {
      fprintf(stderr, "%s:%d: error: runs = %d exceeds %d\n", cfg_path, cfg[i].line, cfg[i].runs,
              (int)(sizeof R->ev / sizeof R->ev[0]) / 2);
      rc = -2;
    }
  R->csv = out_path ? fopen(out_path, "w") : stdout;
  if (!R->csv) {
    perror(out_path);
    rc = -2;
  }
  if (rc == 0) {
    printf("device: %s, %d SMs, L2 %d bytes\n", R->prop.name, R->prop.multiProcessorCount, R->prop.l2CacheSize);
    csv_header(R->csv);
    for (int i = 0; i < n_cfg && rc == 0; ++i) rc = run_config(R, &cfg[i]);
  }
  if (R->csv && R->csv != stdout && fclose(R->csv) != 0) {
    perror(out_path);
    rc = rc ? rc : -1;
  }
  for (int i = 0; i < n_ev; ++i)
    if (cudaEventDestroy(R->ev[i]) != cudaSuccess) rc = rc ? rc : -1;
  if (R->stream && cudaStreamDestroy(R->stream) != cudaSuccess) rc = rc ? rc : -1;
  const int n_fail = R->n_fail;
  free(R);
  free(cfg);
  if (rc == -2) return VAL_EXIT_USAGE;
  if (rc != 0) return VAL_EXIT_FAIL;
  if (n_fail) {
    fprintf(stderr, "%d kernel check(s) FAILED\n", n_fail);
    return VAL_EXIT_FAIL;
  }
  return 0;
}
