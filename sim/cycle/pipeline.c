/*
** sim/cycle/pipeline.c — the kernels of each pipeline as cycle-engine
** kernels: the same kernels, names, mappings and FLOP counts as the
** analytical model (model/full.c, model/nsa.c), with tensors laid out in one
** address space so that L2 reuse emerges from the addresses. Each NSA branch
** has its own K and V, as in the paper. The decode step runs unfused (six
** kernels) or fused into three (kernel.cmp_attn.design fused).
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "cyc_int.h"

/* Tensor base addresses, 16 TiB apart. */
enum { T_Q = 1, T_K, T_V, T_O, T_LSE, T_DO, T_DQ, T_DKV, T_DKV_EXP, T_DELTA, T_PART,
       T_KC_SRC, T_VC_SRC, T_KC, T_VC, T_WEIGHTS, T_IDX, T_KS, T_VS, T_KW, T_VW,
       T_OC, T_OS, T_OW, T_GATES, T_PART_C, T_PART_S, T_PART_W, T_LOGITS, T_SCORES, T_SYNC };
#define BASE(t) ((uint64_t)(t) << 44)

typedef struct shape {
  uint64_t b, hq, hk, g, t, s, dk, dv, e;
} shape;

static shape shape_of(const spec_workload *wl) {
  const spec_problem *p = &wl->problem;
  shape s = {p->batch, p->heads_q, p->heads_kv, p->heads_q / p->heads_kv, p->q_len,
             p->seq_len, p->head_dim_qk, p->head_dim_v, spec_dtype_bytes(p->dtype)};
  return s;
}

typedef struct ctx {
  const spec_arch *a;
  const spec_workload *wl;
  const cyc_opts *o;
  cyc_mem *mem;
  const cyc_sel *sel;
  sim_pipeline *p;
  sim_diag *d;
} ctx;

static void base_kernel(ctx *c, cyc_kernel *k, const char *name, spec_kernel_id map, cyc_kind kind) {
  memset(k, 0, sizeof *k);
  snprintf(k->name, sizeof k->name, "%s", name);
  k->map = map;
  k->kind = kind;
  k->wl = c->wl;
  k->sel = c->sel;
  const spec_mapping *m = &c->wl->kernel[map];
  k->bm = m->block_m;
  k->bn = m->block_n;
  k->group = 1;
  k->q_rows_per_token = 1;
  k->splits = 1;
  k->smem_readers = fmax(1.0, fmin((double)m->warps, m->block_m / 16.0));
}

/* The backward's delta pass over rows (token, query head) of O and dO as the validation's
** bwd_pre_kernel runs it under mma: sync (kstream.h): a warp per row in CTAs of
** SPEC_DELTA_WARPS warps on their own grid, d_v / 64 rounds of one 256-byte load pair per warp,
** each waited out before its arithmetic, then the reduction and the store; its instructions wait
** one issue slot per active warp on the scheduler, not per resident one (ncu's warps active). */
static void delta_pass(ctx *c, cyc_kernel *k) {
  if (c->wl->kernel[k->map].mma != SPEC_MMA_SYNC)
    return;
  uint64_t e = spec_dtype_bytes(c->wl->problem.dtype);
  k->bm = (uint64_t)SPEC_DELTA_WARPS;
  k->ctas = cyc_ceil_div(k->total_rows, k->bm);
  k->grid_warps = (uint32_t)SPEC_DELTA_WARPS;
  k->grid_cps = spec_grid_ctas_per_sm(c->a, k->grid_warps, 0);
  k->round_bytes = (uint64_t)SPEC_DELTA_COLS_PER_ROUND * e;
  k->loads_serial = 1;
  k->instr_per_tile = SPEC_DELTA_INSTR_PER_ROUND;
  k->instr_fixed = SPEC_DELTA_INSTR_FIXED;
  k->warps_active = SPEC_DELTA_WARPS_ACTIVE; /* exited warps of a resident CTA issue nothing */
  k->code_bytes = SPEC_DELTA_CODE_BYTES; /* bwd_pre_kernel's code, once per launch (kstream.h) */
}

static sim_status emit(ctx *c, const cyc_kernel *k, double scale) {
  sim_kernel_stats *s = sim_pipeline_add(c->p, k->name);
  if (!s)
    return sim_diag_set(c->d, SIM_ERR_INTERNAL, "", 0, 0, "pipeline has more than %d kernels",
                        SIM_MAX_KERNELS);
  cyc_kernel kk = *k;
  if (kk.key_stride == 0)
    kk.key_stride = kk.nkeys;
  sim_status st = cyc_run_kernel(c->a, &kk, c->o, c->mem, s, c->d);
  if (st == SIM_OK && scale != 1.0) {
    /* Work that happens once every 1/scale steps, shown per step. */
    s->time_s = (s->time_s - c->a->launch.overhead_s) * scale + c->a->launch.overhead_s;
    s->tensor_flops *= scale;
    s->fp32_flops *= scale;
    s->sfu_ops *= scale;
    s->flops *= scale;
    s->hbm_read_bytes = (uint64_t)llround((double)s->hbm_read_bytes * scale);
    s->hbm_write_bytes = (uint64_t)llround((double)s->hbm_write_bytes * scale);
    s->l2_read_bytes = (uint64_t)llround((double)s->l2_read_bytes * scale);
    s->smem_bytes = (uint64_t)llround((double)s->smem_bytes * scale);
  }
  return st;
}

/* {==== FlashAttention-style building blocks ==== */
static void flash_fwd(ctx *c, cyc_kernel *k, const char *name, spec_kernel_id map, cyc_keys keys,
                      uint64_t nkeys, int kt, int vt, int ot) {
  shape s = shape_of(c->wl);
  base_kernel(c, k, name, map, CYC_K_FLASH_Q);
  k->keys = keys;
  k->rows = s.t;
  k->nkeys = nkeys;
  k->group = s.g;
  k->ctas = s.b * s.hq * cyc_ceil_div(s.t, k->bm);
  k->row_q_bytes = s.dk * s.e;
  k->row_k_bytes = s.dk * s.e;
  k->row_v_bytes = s.dv * s.e;
  k->row_o_bytes = s.dv * s.e;
  k->aux_bytes = 4;
  k->q_base = BASE(T_Q);
  k->k_base = BASE(kt);
  k->v_base = BASE(vt);
  k->o_base = BASE(ot);
  k->aux_base = BASE(T_LSE) + BASE(ot) / 16;
  k->tensor_per_pair = 2.0 * (double)(s.dk + s.dv);
  k->sfu_per_pair = 1;
  k->fp32_per_pair = 4;
  k->fp32_per_row = (double)s.dv;
}

/* A forward that runs as the validation's token-major kernel (attn_fwd.cu: mma.sync, a warp per
** 16 query rows, 64-key tiles): its instruction stream per tile and fixed, at its measured issue
** interval (kstream.h). */
static void fwd_stream(ctx *c, cyc_kernel *k) {
  const spec_mapping *m = &c->wl->kernel[k->map];
  shape s = shape_of(c->wl);
  if (m->mma != SPEC_MMA_SYNC || m->block_m != 16u * m->warps || m->block_n != 64)
    return;
  k->instr_per_tile = spec_fwd_instr_per_tile((double)s.dk, (double)s.dv);
  k->instr_fixed = SPEC_FWD_INSTR_FIXED;
  k->issue_cycles = SPEC_FWD_ISSUE_CYCLES;
  k->issue_warps = SPEC_FWD_ISSUE_WARPS;
  k->issue_shared = 1; /* a tensor-pipe throughput its resident warps share (kstream.h) */
}

static sim_status flash_bwd(ctx *c, const char *const names[4], spec_kernel_id map, cyc_keys keys,
                            uint64_t nkeys, int kt, int vt) {
  shape s = shape_of(c->wl);
  cyc_kernel k;
  base_kernel(c, &k, names[0], map, CYC_K_STREAM);
  k.total_rows = s.b * s.hq * s.t;
  k.ctas = cyc_ceil_div(k.total_rows, k.bm);
  k.nin = 2;
  k.in_base[0] = BASE(T_O);
  k.in_row[0] = s.dv * s.e;
  k.in_base[1] = BASE(T_DO);
  k.in_row[1] = s.dv * s.e;
  k.o_base = BASE(T_DELTA) + BASE(kt) / 16;
  k.row_o_bytes = 4;
  k.fp32_per_row = 2.0 * (double)s.dv;
  delta_pass(c, &k);
  sim_status st = emit(c, &k, 1.0);
  if (st != SIM_OK)
    return st;
  /* dK, dV over KV tiles: a CTA per query head (and a GQA sum), or with design group a CTA per
  ** KV head walking the group's heads */
  int walk = c->wl->kernel[map].design == SPEC_DESIGN_GROUP;
  base_kernel(c, &k, names[1], map, CYC_K_FLASH_KV);
  k.keys = keys;
  k.rows = s.t;
  k.nkeys = nkeys;
  k.group = s.g;
  k.walk_group = (uint32_t)walk;
  k.ctas = (walk ? s.b * s.hk : s.b * s.hq) * cyc_ceil_div(nkeys, k.bn);
  k.row_q_bytes = s.dk * s.e;
  k.row_o_bytes = s.dv * s.e;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.aux_bytes = 8;
  k.q_base = BASE(T_Q);
  k.o_base = BASE(T_DO);
  k.aux_base = BASE(T_LSE);
  k.k_base = BASE(kt);
  k.v_base = BASE(vt);
  k.in_base[0] = BASE(walk ? T_DKV : T_DKV_EXP) + BASE(kt) / 16;
  k.tensor_per_pair = 2.0 * (double)(2 * s.dk + 2 * s.dv);
  k.sfu_per_pair = 1;
  k.fp32_per_pair = 6;
  const spec_mapping *m = &c->wl->kernel[map];
  if (walk && m->mma == SPEC_MMA_SYNC && map != SPEC_K_CMP_ATTN && c->wl->problem.causal && nkeys > 0) {
    /* The validation's bwd_dkdv_kernel (kstream.h SPEC_BWD_DKDV_*, as model/full.c
    ** dkdv_stream): its stream per (head, query tile) item and fixed, at its measured issue
    ** interval; its grid runs the key tiles last to first (ktile = gridDim.x - 1 - blockIdx.x). */
    k.instr_per_tile = SPEC_BWD_DKDV_INSTR_PER_ITEM + SPEC_BWD_DKDV_INSTR_PER_16DK * ((double)s.dk - 128.0) / 16.0;
    k.instr_fixed = SPEC_BWD_DKDV_INSTR_FIXED;
    k.issue_cycles = SPEC_BWD_DKDV_ISSUE_CYCLES;
    k.issue_warps = SPEC_BWD_DKDV_ISSUE_WARPS;
    k.rev_tiles = 1;
  }
  st = emit(c, &k, 1.0);
  if (st != SIM_OK)
    return st;
  /* dQ over query tiles: Q, dO, LSE and delta read as one query-side row */
  flash_fwd(c, &k, names[2], map, keys, nkeys, kt, vt, T_DQ);
  k.row_q_bytes = (s.dk + s.dv) * s.e + 8;
  k.row_o_bytes = s.dk * s.e;
  k.aux_bytes = 0;
  k.tensor_per_pair = 2.0 * (double)(2 * s.dk + s.dv);
  k.fp32_per_pair = 6;
  k.fp32_per_row = 0;
  if (m->mma == SPEC_MMA_SYNC && m->block_m == 64 && m->block_n == 64 && map != SPEC_K_CMP_ATTN) {
    /* bwd_dq_kernel's stream (kstream.h SPEC_BWD_DQ_*, as model/full.c); its grid runs its
    ** query tiles last to first, the longest first. */
    k.instr_per_tile = SPEC_BWD_DQ_INSTR_PER_TILE + SPEC_BWD_DQ_INSTR_PER_16DK * ((double)s.dk - 128.0) / 16.0;
    k.instr_fixed = SPEC_BWD_DQ_INSTR_FIXED;
    k.issue_cycles = SPEC_BWD_DQ_ISSUE_CYCLES;
    k.issue_warps = SPEC_BWD_DQ_ISSUE_WARPS;
    k.rev_tiles = 1;
  }
  st = emit(c, &k, 1.0);
  if (st != SIM_OK || s.g == 1 || walk)
    return st;
  base_kernel(c, &k, names[3], SPEC_K_COMBINE, CYC_K_STREAM);
  k.total_rows = s.b * s.hk * nkeys;
  k.ctas = cyc_ceil_div(k.total_rows, k.bm);
  k.nin = 1;
  k.in_base[0] = BASE(T_DKV_EXP) + BASE(kt) / 16;
  k.in_row[0] = s.g * (s.dk + s.dv) * s.e;
  k.o_base = BASE(T_DKV) + BASE(kt) / 16;
  k.row_o_bytes = (s.dk + s.dv) * s.e;
  k.fp32_per_row = (double)(s.g * (s.dk + s.dv));
  return emit(c, &k, 1.0);
}

static uint64_t auto_splits(const spec_arch *a, uint64_t units, uint64_t tiles) {
  uint64_t want = cyc_ceil_div(2ull * a->sm.count, units);
  return want < 1 ? 1 : (want < tiles ? want : (tiles ? tiles : 1));
}

/* Split-KV decode over nkeys keys per (sequence, KV head) with map's mapping, in split_kv
** splits (0: the auto rule); the group's heads are the tile's rows. */
static void split_decode_kernel(ctx *c, cyc_kernel *kp, const char *name, spec_kernel_id map,
                                uint64_t nkeys, int kt, int vt, int part, uint64_t key_off,
                                int sel_keys, uint32_t split_kv) {
  shape s = shape_of(c->wl);
  const spec_mapping *m = &c->wl->kernel[map];
  cyc_kernel k;
  base_kernel(c, &k, name, map, CYC_K_FLASH_Q);
  uint64_t units = s.b * s.hk, tiles = cyc_ceil_div(nkeys, k.bn);
  k.keys = CYC_KEYS_SPLIT;
  k.splits = split_kv ? split_kv : auto_splits(c->a, units, tiles);
  k.rows = s.g * s.t;
  k.bm = cyc_ceil_div(k.rows, m->block_m) * m->block_m;
  k.nkeys = nkeys;
  k.key_stride = s.s;
  k.key_off = key_off;
  k.sel_keys = (uint32_t)sel_keys;
  k.ctas = units * k.splits;
  k.row_q_bytes = s.dk * s.e;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.row_o_bytes = s.dv * 4 + 8;
  k.q_base = BASE(T_Q);
  k.k_base = BASE(kt);
  k.v_base = BASE(vt);
  k.o_base = BASE(part);
  k.tensor_per_pair = 2.0 * (double)(s.dk + s.dv);
  k.sfu_per_pair = 1;
  k.fp32_per_pair = 4;
  /* The validation kernel is the group kernel (val_group.cuh): its instruction stream, which is
  ** an mma.sync kernel's (a wgmma/TMA kernel's stream is not modelled). */
  if (m->mma == SPEC_MMA_SYNC) {
    k.instr_per_tile = spec_grp_instr_per_tile((double)s.dk);
    k.instr_fixed = spec_grp_instr_fixed((double)m->warps, (double)s.dv);
    k.code_bytes = SPEC_GRP_CODE_BYTES;
    k.issue_cycles = SPEC_GRP_ISSUE_CYCLES; /* its own measured interval (kstream.h) */
    k.issue_warps = SPEC_GRP_ISSUE_WARPS;
    k.issue_slope = SPEC_GRP_ISSUE_SLOPE;
  }
  if (map == SPEC_K_CMP_ATTN) { /* the compressed branch leaves its logits for the selection */
    k.aux_base = BASE(T_LOGITS);
    k.aux_bytes = cyc_ceil_div(tiles, k.splits) * k.bn * 4;
  }
  *kp = k;
}

/* Split-KV decode as one kernel of the pipeline; returns the splits through *splits. */
static sim_status split_decode(ctx *c, const char *name, spec_kernel_id map, uint64_t nkeys,
                               int kt, int vt, int part, uint64_t key_off, int sel_keys,
                               uint64_t *splits) {
  cyc_kernel k;
  split_decode_kernel(c, &k, name, map, nkeys, kt, vt, part, key_off, sel_keys,
                      c->wl->kernel[map].split_kv);
  *splits = k.splits;
  return emit(c, &k, 1.0);
}

/* The merge of each row's partials: branch i's parts[i] splits (one branch unless gated), in the
** validation's launches (full decode: split_combine; NSA: the compressed branch's split_combine,
** then gate_combine_split over the selected and window branches). */
static sim_status decode_combine(ctx *c, const char *name, const uint64_t parts[3], int gated,
                                 uint32_t launches) {
  shape s = shape_of(c->wl);
  uint64_t partials = parts[0] + parts[1] + parts[2];
  cyc_kernel k;
  base_kernel(c, &k, name, SPEC_K_COMBINE, CYC_K_STREAM);
  k.bm = 1; /* one CTA per query row, as the model */
  k.total_rows = s.b * s.hq * s.t;
  k.ctas = k.total_rows;
  k.nin = gated ? 2 : 1;
  k.in_base[0] = BASE(T_PART);
  k.in_row[0] = partials * (s.dv * 4 + 8);
  k.in_base[1] = BASE(T_GATES);
  k.in_row[1] = 3 * s.e;
  k.o_base = BASE(T_O);
  k.row_o_bytes = s.dv * s.e;
  k.fp32_per_row = (double)partials * (2.0 * s.dv + 4.0);
  k.sfu_per_pair = (double)partials;
  memcpy(k.merge_parts, parts, sizeof k.merge_parts);
  k.launches = launches;
  /* The split merge's (split_combine_kernel) warp instructions per partial and fixed per row
  ** (kstream.h): the full decode's merge, and the NSA decode's first launch, which is the same
  ** kernel over the compressed branch's partials. The gated merge's (gate_combine_split_kernel)
  ** stream is not taken yet: its 1011 per warp on the row's dependent path would make the
  ** second launch 20-30% slow, where its instructions overlap its loads. */
  if (c->wl->kernel[SPEC_K_COMBINE].mma == SPEC_MMA_SYNC) {
    k.instr_per_tile = SPEC_MERGE_INSTR_PER_PART;
    k.instr_fixed = SPEC_MERGE_INSTR_FIXED;
    k.merge_streamed = gated ? 1u : 3u;
    /* each launch's code (kstream.h): split_combine, and gate_combine_split for the gated one */
    k.code_bytes = SPEC_MERGE_CODE_BYTES + (gated ? SPEC_GATE_SPLIT_CODE_BYTES : 0.0);
  }
  return emit(c, &k, 1.0);
}
/* }==== */

/* {==== Full attention ==== */
static sim_status full(ctx *c) {
  const spec_problem *p = &c->wl->problem;
  cyc_kernel k;
  switch (p->phase) {
  case SPEC_PHASE_FWD:
    flash_fwd(c, &k, "full.fwd", SPEC_K_FULL, p->causal ? CYC_KEYS_CAUSAL : CYC_KEYS_ALL,
              p->seq_len, T_K, T_V, T_O);
    fwd_stream(c, &k);
    return emit(c, &k, 1.0);
  case SPEC_PHASE_BWD: {
    static const char *const names[4] = {"full.bwd.pre", "full.bwd.dkdv", "full.bwd.dq",
                                         "full.bwd.gqa_sum"};
    return flash_bwd(c, names, SPEC_K_FULL, p->causal ? CYC_KEYS_CAUSAL : CYC_KEYS_ALL,
                     p->seq_len, T_K, T_V);
  }
  case SPEC_PHASE_DECODE: {
    uint64_t splits = 1;
    sim_status st = split_decode(c, "full.decode", SPEC_K_FULL, p->seq_len, T_K, T_V, T_PART, 0, 0, &splits);
    const uint64_t parts[3] = {splits, 0, 0};
    return st == SIM_OK ? decode_combine(c, "full.decode.combine", parts, 0, 1) : st;
  }
  }
  return SIM_ERR_INTERNAL;
}
/* }==== */

/* {==== NSA ==== */
static sim_status compress(ctx *c, const char *name, double factor, int decode) {
  shape s = shape_of(c->wl);
  const spec_attention *at = &c->wl->attention;
  uint64_t l = at->compression.block, d = at->compression.stride;
  uint64_t nc = s.s >= l ? (s.s - l) / d + 1 : 0;
  int mlp = at->compression.method == SPEC_CMP_MLP;
  cyc_kernel k;
  if (factor > 1.0 && !mlp) {
    /* Mean pool backward, as model/nsa.c: one pass over the compressed gradients (the
    ** gathers' overlap stays in L1), the tokens' gradients written. */
    base_kernel(c, &k, name, SPEC_K_COMPRESS, CYC_K_STREAM);
    k.bm = 64;
    k.total_rows = s.b * s.hk * nc;
    k.ctas = cyc_ceil_div(k.total_rows, k.bm);
    k.nin = 1;
    k.in_base[0] = BASE(T_DKV);
    k.in_row[0] = (s.dk + s.dv) * s.e;
    k.o_base = BASE(T_KC_SRC);
    k.row_o_bytes = (s.dk + s.dv) * s.e * d; /* each compressed row stands for d tokens */
    k.fp32_per_row = (double)(l * (s.dk + s.dv));
    return emit(c, &k, 1.0);
  }
  base_kernel(c, &k, name, SPEC_K_COMPRESS, CYC_K_COMPRESS);
  uint64_t weights = mlp ? l * (s.dk * s.dk + s.dv * s.dv) * s.e : 0;
  k.nkeys = s.s;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.row_o_bytes = (s.dk + s.dv) * s.e;
  k.k_base = BASE(T_KC_SRC);
  k.v_base = BASE(T_VC_SRC);
  k.o_base = BASE(T_KC);
  k.aux_base = BASE(T_WEIGHTS);
  k.tensor_per_pair = mlp ? factor * 2.0 * (double)(l * (s.dk * s.dk + s.dv * s.dv)) : 0;
  k.fp32_per_row = factor * (double)(l * (s.dk + s.dv));
  if (!mlp && c->wl->kernel[SPEC_K_COMPRESS].mma == SPEC_MMA_SYNC) {
    /* The validation's mean pool (kstream.h): a thread per 8 columns of a block, CTAs of
    ** SPEC_MEAN_THREADS threads (here whole blocks per CTA) on their own grid, each thread's loads
    ** in ceil(l / 8) dependent rounds of 8 tokens, each followed by its adds. Decode times the
    ** step that compresses each sequence and KV head's newest block, as validate/ measures it
    ** (a CTA per unit), with that step's own bytes, as ncu counts them (and the model's DRAM
    ** bytes); its FLOPs stay the average step's (1 / d of them), as the model counts them. */
    uint64_t cols = cyc_ceil_div(s.dk + s.dv, 8);
    uint64_t per = (uint64_t)SPEC_MEAN_THREADS / cols ? (uint64_t)SPEC_MEAN_THREADS / cols : 1;
    k.pool_rows = (uint32_t)SPEC_MEAN_ROWS_PER_ROUND;
    k.loads_serial = 1;
    k.instr_per_tile = SPEC_MEAN_INSTR_PER_ROW;
    k.instr_fixed = SPEC_MEAN_INSTR_FIXED;
    k.code_bytes = SPEC_MEAN_CODE_BYTES; /* compress_kernel's code, once per launch */
    /* Timed with its inputs in L2 (engine.c runs it twice, the traffic from the cold run): the
    ** harness times each kernel alone, back to back over its rotations, and the pool's inputs
    ** fit in L2 (8k forward: K and V, 16.8-21 MB, one rotation; a decode step: one block, 80 KB,
    ** four), so each launch reads what the one before left there. The measured times say so: 8k
    ** to 16k adds 16.8 MB in 3.1 us (5.4 TB/s, past the HBM's 4.4); from 32k on, where the inputs
    ** outgrow the L2, the second run finds almost nothing left and the time is about the cold one. */
    k.warm_l2 = 1;
    if (decode) {
      k.rows = 1;
      k.bm = 1;
      k.nkeys = l;
      k.key_stride = s.s;
      k.ctas = s.b * s.hk;
    } else {
      k.rows = nc;
      k.bm = per;
      k.ctas = s.b * s.hk * cyc_ceil_div(nc, k.bm);
    }
    k.grid_warps = (uint32_t)cyc_ceil_div(k.bm * cols, 32);
    k.grid_cps = spec_grid_ctas_per_sm(c->a, k.grid_warps, c->wl->kernel[SPEC_K_COMPRESS].regs_per_thread);
    if (!decode) {
      /* The CTA's blocks overlap (l > d): each token but the ends is read by l / d of them, and
      ** the pool's plain loads go through the SM's L1 (it uses no shared memory). While the spans
      ** of the CTAs resident on an SM fit the L1, the overlap comes from L1: ncu counts L2 reads
      ** of 1.25x the unique tokens at 8k (2 CTAs of 144 tokens per SM), against blocks x l at 64k
      ** (8 resident CTAs' 590 KB, past the 256 KB L1). */
      uint64_t span = ((k.bm - 1) * d + l) * (s.dk + s.dv) * s.e;
      uint64_t per_sm = cyc_ceil_div(k.ctas, c->a->sm.count);
      uint64_t resident = per_sm < k.grid_cps ? per_sm : k.grid_cps;
      k.pool_l1 = l > d && resident * span <= c->a->sm.l1_bytes;
    }
    if (!decode)
      return emit(c, &k, 1.0);
    /* the step's time and bytes, the average step's FLOPs */
    sim_status st = emit(c, &k, 1.0);
    if (st == SIM_OK) {
      sim_kernel_stats *ks = &c->p->kernels[c->p->nkernels - 1];
      double f = 1.0 / (double)d;
      ks->tensor_flops *= f;
      ks->fp32_flops *= f;
      ks->sfu_ops *= f;
      ks->flops *= f;
    }
    return st;
  }
  if (decode) {
    /* The newest block only, a GEMV whose weights are split over the SMs. */
    k.rows = 1;
    k.bm = 1;
    k.key_stride = s.s;
    k.ctas = c->a->sm.count;
    k.weights_bytes = weights ? cyc_ceil_div(weights, k.ctas) : 0;
    k.weights_split = 1;
    k.tensor_per_pair /= (double)k.ctas;
    k.fp32_per_row /= (double)k.ctas;
    k.nkeys = l; /* tokens of the block, at the start of its unit */
  } else {
    k.rows = nc;
    k.ctas = s.b * s.hk * cyc_ceil_div(nc, k.bm);
    k.weights_bytes = weights;
  }
  return emit(c, &k, decode ? 1.0 / (double)d : 1.0);
}

static void scores(ctx *c, cyc_kernel *k, int decode, uint64_t nc) {
  shape s = shape_of(c->wl);
  const spec_attention *at = &c->wl->attention;
  const spec_mapping *m = &c->wl->kernel[SPEC_K_SELECT_SCORES];
  base_kernel(c, k, "nsa.select_scores", SPEC_K_SELECT_SCORES, CYC_K_FLASH_Q);
  uint64_t tok = m->block_m / s.g ? m->block_m / s.g : 1;
  k->bm = tok;
  k->rows = s.t;
  k->nkeys = nc;
  k->q_rows_per_token = s.g;
  k->loads_k_only = 1;
  k->row_q_bytes = s.g * s.dk * s.e;
  k->row_k_bytes = s.dk * s.e;
  k->row_o_bytes = at->selection.count * 4u;
  k->q_base = BASE(T_Q);
  k->k_base = BASE(T_KC);
  k->o_base = BASE(T_IDX);
  k->tensor_per_pair = 2.0 * (double)(s.dk * s.g);
  k->sfu_per_pair = (double)s.g;
  k->fp32_per_pair = 2.0 * (double)s.g;
  /* Eq. 9 block mapping and the top-n per candidate block, per token. */
  double cand = 0;
  uint64_t off = s.s - s.t, lp = at->selection.block;
  for (uint64_t i = 0; i < 16; i++) /* midpoint sample of floor(p / l') + 1 */
    cand += floor((double)(off + (2 * i + 1) * s.t / 32) / (double)lp) + 1.0;
  cand /= 16.0;
  k->fp32_per_row = cand * ((double)lp / at->compression.stride +
                            (double)at->compression.block / at->compression.stride +
                            log2((double)at->selection.count));
  uint64_t row_tiles = cyc_ceil_div(s.t, tok);
  if (decode) {
    /* Decode scores from the logits the compressed branch left (one CTA per sequence and KV
    ** head): no second pass over K_cmp, as model/nsa.c describes it. */
    k->kind = CYC_K_STREAM;
    k->bm = 1;
    k->total_rows = s.b * s.hk;
    k->ctas = k->total_rows;
    k->nin = 2;
    k->in_base[0] = BASE(T_LOGITS);
    k->in_row[0] = s.g * nc * 4;
    k->in_base[1] = BASE(T_LSE);
    k->in_row[1] = s.g * 4;
    k->row_o_bytes = at->selection.count * 4u;
    k->fp32_per_row = 2.0 * (double)(s.g * nc) + k->fp32_per_row;
    k->sfu_per_pair = (double)(s.g * nc); /* per row, for STREAM */
    k->tensor_per_pair = 0;
    /* As select_decode_kernel runs it (kstream.h): rounds of SPEC_SELDEC_THREADS logits, each a
    ** dependent round trip; then, behind a barrier each, Eq. 9 on the warps that hold one of the
    ** n_valid selection blocks and one warp's top-n, as the model counts them. */
    double n_valid = fmin(floor((double)(s.s - 1) / (double)lp) + 1.0,
                          floor((double)(off + s.t - 1) / (double)lp) + 1.0);
    double forced = (double)at->selection.initial + at->selection.local;
    k->sel_rounds = (uint32_t)fmax(1.0, ceil((double)nc / SPEC_SELDEC_THREADS));
    k->eq9_instr = spec_seldec_eq9_instr(n_valid, (double)lp, (double)at->compression.block,
                                         (double)at->compression.stride);
    k->eq9_warps = ceil(fmin(SPEC_SELDEC_THREADS, n_valid) / 32.0);
    k->topn_instr = spec_topn_instr(n_valid, (double)at->selection.count, forced, 32.0);
    k->instr_per_tile = SPEC_SELDEC_INSTR_PER_ROUND; /* every warp's logits of a round (kstream.h) */
    if (m->mma == SPEC_MMA_SYNC)
      k->code_bytes = SPEC_SELDEC_CODE_BYTES; /* select_decode_kernel's code, once per launch */
    return;
  }
  /* The validation's scores_kernel (mma.sync): its instruction stream per K_cmp tile of one
  ** token, several tokens per warp when the CTA holds more tokens than warps, at its measured
  ** issue interval (kstream.h). */
  if (m->mma == SPEC_MMA_SYNC) {
    uint64_t warps = m->warps ? m->warps : 1;
    k->instr_per_tile = spec_scores_instr_per_tile((double)s.dk) *
                        (double)(tok > warps ? cyc_ceil_div(tok, warps) : 1);
    k->instr_fixed = SPEC_SCORES_INSTR_FIXED;
    k->issue_cycles = SPEC_SCORES_ISSUE_CYCLES;
    k->issue_warps = SPEC_SCORES_ISSUE_WARPS;
  }
  if (s.b * s.hk * row_tiles < c->a->sm.count) {
    uint64_t tiles = cyc_ceil_div(nc, k->bn);
    k->keys = CYC_KEYS_SPLIT;
    k->rows = s.t;
    k->bm = tok;
    k->splits = auto_splits(c->a, s.b * s.hk * row_tiles, tiles);
    k->row_o_bytes = at->selection.count * 4u;
    k->ctas = s.b * s.hk * k->splits;
  } else {
    k->keys = CYC_KEYS_CMP;
    k->ctas = s.b * s.hk * row_tiles;
    /* The validation runs the top-n as a second kernel (select_topn, a warp per token). */
    if (m->mma == SPEC_MMA_SYNC && tok <= (m->warps ? m->warps : 1)) {
      k->topn_tail = 1;
      k->launches = 2;
    }
  }
}

static sim_status selected_fwd(ctx *c) {
  shape s = shape_of(c->wl);
  const spec_mapping *m = &c->wl->kernel[SPEC_K_SELECTED];
  cyc_kernel k;
  if (m->design == SPEC_DESIGN_KV_OUTER) {
    base_kernel(c, &k, "nsa.selected", SPEC_K_SELECTED, CYC_K_KV_OUTER);
    k.rows = s.t;
    k.nkeys = s.s;
    k.group = s.g;
    k.ctas = s.b * s.hk * c->sel->nblocks;
    k.row_q_bytes = s.dk * s.e;
    k.row_k_bytes = s.dk * s.e;
    k.row_v_bytes = s.dv * s.e;
    k.row_o_bytes = s.dv * 4 + 8;
    k.q_base = BASE(T_Q);
    k.k_base = BASE(T_KS);
    k.v_base = BASE(T_VS);
    k.o_base = BASE(T_PART_S);
    k.tensor_per_pair = 2.0 * (double)(s.dk + s.dv);
    k.sfu_per_pair = 1;
    k.fp32_per_pair = 4;
    sim_status st = emit(c, &k, 1.0);
    if (st != SIM_OK)
      return st;
    base_kernel(c, &k, "nsa.selected.reduce", SPEC_K_COMBINE, CYC_K_STREAM);
    k.total_rows = s.b * s.hq * s.t;
    k.ctas = cyc_ceil_div(k.total_rows, k.bm);
    k.nin = 1;
    k.in_base[0] = BASE(T_PART_S);
    k.in_row[0] = c->wl->attention.selection.count * (s.dv * 4 + 8);
    k.o_base = BASE(T_OS);
    k.row_o_bytes = s.dv * s.e;
    k.fp32_per_row = c->wl->attention.selection.count * (2.0 * s.dv + 4.0);
    k.sfu_per_pair = c->wl->attention.selection.count;
    return emit(c, &k, 1.0);
  }
  base_kernel(c, &k, "nsa.selected", SPEC_K_SELECTED, CYC_K_SELECTED);
  k.rows = s.t;
  k.nkeys = s.s;
  k.group = s.g;
  k.ctas = s.b * s.hk * s.t;
  if (spec_design_union(m->design) && m->block_m >= 32) { /* block_m/16 tokens per CTA */
    k.tok_per_cta = m->block_m / 16;
    k.ctas = s.b * s.hk * cyc_ceil_div(s.t, k.tok_per_cta);
  }
  k.row_q_bytes = s.dk * s.e;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.row_o_bytes = s.dv * s.e + 4;
  k.q_base = BASE(T_Q);
  k.k_base = BASE(T_KS);
  k.v_base = BASE(T_VS);
  k.o_base = BASE(T_OS);
  k.aux_base = BASE(T_IDX);
  k.tensor_per_pair = 2.0 * (double)(s.dk + s.dv);
  k.sfu_per_pair = 1;
  k.fp32_per_pair = 4;
  if (k.tok_per_cta <= 1 && c->wl->kernel[SPEC_K_SELECTED].mma == SPEC_MMA_SYNC) { /* the group kernel (val_group.cuh) */
    k.instr_per_tile = spec_grp_instr_per_tile((double)s.dk);
    k.instr_fixed = spec_grp_instr_fixed((double)c->wl->kernel[SPEC_K_SELECTED].warps, (double)s.dv);
    k.code_bytes = SPEC_GRP_CODE_BYTES;
    k.issue_cycles = SPEC_GRP_ISSUE_CYCLES;
    k.issue_warps = SPEC_GRP_ISSUE_WARPS;
    k.issue_slope = SPEC_GRP_ISSUE_SLOPE;
  }
  if (k.tok_per_cta > 1 && m->mma == SPEC_MMA_SYNC) {
    /* The validation's attn_union_kernel (kstream.h): one producer warp issues every copy
    ** of the union's tiles, the consumer warps their own token's tiles and pass the others', at
    ** the kernel's measured issue interval; the list union once per CTA. group_union_lean: the
    ** lean producer's count, the rest the same. */
    double bn64 = (double)k.bn / 64.0;
    k.prod_per_tile = spec_union_producer_slots((double)s.dk, (double)s.dv,
                                                m->design == SPEC_DESIGN_GROUP_UNION_LEAN) * bn64;
    k.instr_per_tile = (SPEC_UNION_CONSUMER_INSTR_PER_TILE +
                        SPEC_UNION_CONSUMER_INSTR_PER_16DK * ((double)s.dk - 128.0) / 16.0) * bn64;
    k.skip_per_tile = SPEC_UNION_CONSUMER_INSTR_SKIP;
    k.instr_fixed = SPEC_UNION_INSTR_FIXED + SPEC_UNION_INSTR_PER_SCAN * (double)k.tok_per_cta *
                    fmin((double)c->wl->attention.selection.count, 32.0);
    k.issue_cycles = SPEC_UNION_ISSUE_CYCLES;
    k.issue_warps = SPEC_UNION_ISSUE_WARPS;
  }
  return emit(c, &k, 1.0);
}

static sim_status selected_bwd(ctx *c) {
  shape s = shape_of(c->wl);
  cyc_kernel k;
  base_kernel(c, &k, "nsa.selected.bwd.pre", SPEC_K_SELECTED, CYC_K_STREAM);
  k.bm = s.g;
  k.total_rows = s.b * s.hq * s.t;
  k.ctas = s.b * s.hk * s.t;
  k.nin = 2;
  k.in_base[0] = BASE(T_OS);
  k.in_row[0] = s.dv * s.e;
  k.in_base[1] = BASE(T_DO);
  k.in_row[1] = s.dv * s.e;
  k.o_base = BASE(T_DELTA);
  k.row_o_bytes = 4;
  k.fp32_per_row = 2.0 * (double)s.dv;
  delta_pass(c, &k);
  sim_status st = emit(c, &k, 1.0);
  if (st != SIM_OK)
    return st;
  base_kernel(c, &k, "nsa.selected.bwd.dq", SPEC_K_SELECTED, CYC_K_SELECTED);
  k.rows = s.t;
  k.nkeys = s.s;
  k.group = s.g;
  k.ctas = s.b * s.hk * s.t;
  k.row_q_bytes = (s.dk + s.dv) * s.e + 8;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.row_o_bytes = s.dk * s.e;
  k.q_base = BASE(T_Q);
  k.k_base = BASE(T_KS);
  k.v_base = BASE(T_VS);
  k.o_base = BASE(T_DQ);
  k.aux_base = BASE(T_IDX);
  k.tensor_per_pair = 2.0 * (double)(2 * s.dk + s.dv);
  k.sfu_per_pair = 1;
  k.fp32_per_pair = 6;
  st = emit(c, &k, 1.0);
  if (st != SIM_OK)
    return st;
  base_kernel(c, &k, "nsa.selected.bwd.dkdv", SPEC_K_SELECTED, CYC_K_KV_OUTER);
  k.bm = 64; /* the inverted-index kernel gathers 64 query rows per step (model/nsa.c) */
  k.rows = s.t;
  k.nkeys = s.s;
  k.group = s.g;
  k.ctas = s.b * s.hk * c->sel->nblocks;
  k.row_q_bytes = (s.dk + s.dv) * s.e + 8;
  k.row_k_bytes = s.dk * s.e;
  k.row_v_bytes = s.dv * s.e;
  k.row_o_bytes = 0;
  k.q_base = BASE(T_Q);
  k.k_base = BASE(T_KS);
  k.v_base = BASE(T_VS);
  k.o_base = BASE(T_PART_S);
  k.in_base[0] = BASE(T_DKV) + BASE(T_KS) / 16;
  k.tensor_per_pair = 2.0 * (double)(2 * s.dk + 2 * s.dv);
  k.sfu_per_pair = 1;
  k.fp32_per_pair = 6;
  return emit(c, &k, 1.0);
}

static sim_status combine(ctx *c, int bwd) {
  shape s = shape_of(c->wl);
  cyc_kernel k;
  base_kernel(c, &k, bwd ? "nsa.combine.bwd" : "nsa.combine", SPEC_K_COMBINE, CYC_K_STREAM);
  k.total_rows = s.b * s.hq * s.t;
  k.ctas = cyc_ceil_div(k.total_rows, k.bm);
  static const int outs[3] = {T_OC, T_OS, T_OW};
  for (int i = 0; i < 3; i++) {
    k.in_base[k.nin] = BASE(outs[i]);
    k.in_row[k.nin++] = s.dv * s.e;
  }
  k.in_base[k.nin] = BASE(T_GATES);
  k.in_row[k.nin++] = 3 * s.e;
  if (bwd) {
    /* dO joins the gates' row: one more input of dv elements */
    k.in_row[3] += s.dv * s.e;
    k.o_base = BASE(T_DO) + BASE(T_GATES) / 16;
    k.row_o_bytes = 3 * s.dv * s.e + 3 * s.e;
  } else {
    k.o_base = BASE(T_O);
    k.row_o_bytes = s.dv * s.e;
  }
  k.fp32_per_row = (bwd ? 9.0 : 5.0) * (double)s.dv;
  return emit(c, &k, 1.0);
}

/* {==== The fused decode (kernel.cmp_attn.design fused): the work of model/nsa_fused.c, the
** schedules in sched_fused.c ==== */

/* Work done on one step in 1/f (a block completes every d steps): the expected step, f of the
** way from k0's run (without that work) to k1's (with it). */
static sim_status emit_blend(ctx *c, const cyc_kernel *k0, const cyc_kernel *k1, double f) {
  sim_kernel_stats with;
  memset(&with, 0, sizeof with);
  cyc_opts quiet = *c->o;
  quiet.timeline = NULL; /* the timeline shows the run without it */
  cyc_kernel kk = *k1;
  if (kk.key_stride == 0)
    kk.key_stride = kk.nkeys;
  sim_status st = cyc_run_kernel(c->a, &kk, &quiet, c->mem, &with, c->d);
  if (st == SIM_OK)
    st = emit(c, k0, 1.0);
  if (st != SIM_OK)
    return st;
  sim_kernel_stats *s = &c->p->kernels[c->p->nkernels - 1];
#define MIX(x) (s->x += f * (with.x - s->x))
#define MIXU(x) (s->x = (uint64_t)llround((double)s->x + f * ((double)with.x - (double)s->x)))
  MIX(time_s);
  MIX(flops);
  MIX(tensor_flops);
  MIX(fp32_flops);
  MIX(sfu_ops);
  MIXU(hbm_read_bytes);
  MIXU(hbm_write_bytes);
  MIXU(l2_read_bytes);
  MIXU(smem_bytes);
  MIXU(cycles);
  for (int b = 0; b < SIM_BOUND_COUNT; b++)
    MIX(bound_time_s[b]);
#undef MIX
#undef MIXU
  return SIM_OK;
}

static sim_status fused_decode(ctx *c) {
  shape s = shape_of(c->wl);
  const spec_attention *at = &c->wl->attention;
  uint64_t l = at->compression.block, d = at->compression.stride, n = at->selection.count;
  uint64_t nc = s.s >= l ? (s.s - l) / d + 1 : 0, units = s.b * s.hk;
  sim_tokens tk;
  spec_decode_tokens(c->wl, &tk);
  /* nsa.decode.cmp: the unfused compressed branch; with the mean pool, one step in d pools the
  ** newest block first on the last split's CTA. */
  cyc_kernel kc, kp;
  int lean = spec_decode_lean(c->wl), two = spec_decode_two_launch(c->wl);
  uint64_t nsel = spec_selection_blocks(c->wl);
  uint64_t forced = (uint64_t)at->selection.initial + at->selection.local;
  split_decode_kernel(c, &kc, two ? "nsa.decode.cmp_select" : "nsa.decode.cmp", SPEC_K_CMP_ATTN, nc, T_KC, T_VC,
                      T_PART_C, 0, 0, c->wl->kernel[SPEC_K_CMP_ATTN].split_kv);
  const spec_mapping *mc = &c->wl->kernel[SPEC_K_CMP_ATTN];
  if (lean && mc->mma == SPEC_MMA_SYNC) { /* the lean body's stream (kstream.h), as the model */
    kc.instr_per_tile = spec_grp_lean_instr_per_tile((double)s.dk, 1);
    kc.instr_fixed = spec_grp_lean_instr_fixed((double)mc->warps, (double)s.dv, 0);
  }
  if (two) {
    /* fused2: each CTA's selection work as instructions after its tiles (its reads of the lse,
    ** the partials and its logits are not events here: the model counts their round trips), and
    ** the unit's last CTA runs the top-n as the fused selection's tail does. */
    double nt = mc->warps * 32.0, r = (double)at->selection.block / (double)d, h = (double)l / (double)d - 1.0;
    double tokens = (double)(cyc_ceil_div(cyc_ceil_div(nc, kc.bn), kc.splits) * kc.bn);
    if (mc->mma == SPEC_MMA_SYNC)
      kc.instr_fixed += spec_v2_select_instr(nt, (double)kc.splits, (double)s.g, (double)s.dv, r, h, tokens,
                                             ceil(tokens / r) + 1.0);
    kc.fz.per_unit = kc.splits;
    kc.fz.v2_topn = 1;
    kc.fz.sync_base = BASE(T_SYNC);
    kc.fz.nsel = nsel;
    kc.fz.picks = (uint32_t)(nsel > n && n > forced ? n - forced : 0);
    kc.fz.scores_base = BASE(T_SCORES);
    kc.fz.idx_base = BASE(T_IDX);
    kc.fz.idx_bytes = n * 4;
    kc.fz.topn_fp32 = (double)nsel * log2((double)n);
    kc.fz.topn_instr = spec_v2_tail_instr(nt, (double)kc.splits, (double)nsel, (double)n, (double)forced);
  }
  sim_status st;
  if (at->compression.method == SPEC_CMP_MEAN && nc > 0) {
    kp = kc;
    kp.fz.pool_tokens = (uint32_t)l;
    kp.fz.pool_k = BASE(T_KC_SRC);
    kp.fz.pool_v = BASE(T_VC_SRC);
    kp.fz.pool_fp32 = (double)(l * (s.dk + s.dv));
    kp.fz.sync_base = BASE(T_SYNC);
    st = emit_blend(c, &kc, &kp, 1.0 / (double)d);
  } else {
    st = emit(c, &kc, 1.0);
  }
  if (st != SIM_OK)
    return st;
  /* nsa.decode.select (fused2: in nsa.decode.cmp_select) */
  cyc_kernel ksel;
  base_kernel(c, &ksel, "nsa.decode.select", SPEC_K_SELECT_SCORES, CYC_K_DEC_SELECT);
  ksel.nkeys = nc;
  ksel.splits = kc.splits;
  ksel.group = s.g;
  ksel.ctas = units * cyc_ceil_div(nsel, SPEC_FUSED_SELECT_BLOCKS);
  ksel.fz.per_unit = cyc_ceil_div(nsel, SPEC_FUSED_SELECT_BLOCKS);
  ksel.fz.sync_base = BASE(T_SYNC);
  ksel.fz.nsel = nsel;
  ksel.fz.picks = (uint32_t)(nsel > n && n > forced ? n - forced : 0); /* none when all blocks are taken */
  ksel.fz.part_base = BASE(T_PART_C);
  ksel.fz.part_row = s.dv * 4 + 8;
  ksel.fz.part_o_bytes = s.dv * 4; /* o, then max and sum: a merge reads o and one of them */
  ksel.fz.logits_base = BASE(T_LOGITS);
  ksel.fz.scores_base = BASE(T_SCORES);
  ksel.fz.idx_base = BASE(T_IDX);
  ksel.fz.idx_bytes = n * 4;
  ksel.fz.ocmp_base = BASE(T_OC);
  ksel.fz.ocmp_row = s.dv * s.e + 4;
  ksel.fz.ocmp_o_bytes = s.dv * s.e;
  ksel.fz.blk_fp32 = (double)at->selection.block / (double)d + (double)l / (double)d;
  ksel.fz.topn_fp32 = (double)nsel * log2((double)n);
  ksel.fz.topn_instr = spec_topn_instr((double)nsel, (double)n, (double)forced,
                                       SPEC_FUSED_SELECT_WARPS * 32.0);
  ksel.fz.merge_fp32 = 2.0 * (double)s.dv + 4.0;
  if (spec_decode_v4(c->wl)) { /* fused4: topn_warps (kstream.h), its barriers the tail's steps; no merge */
    double thr = SPEC_FUSED_SELECT_WARPS * 32.0;
    ksel.fz.topn_instr = spec_topn_warps_instr((double)nsel, (double)n, (double)forced, thr);
    ksel.fz.radix_barriers = (uint32_t)spec_topn_warps_barriers((double)nsel, (double)n, (double)forced, thr);
    ksel.fz.no_merge = 1;
  } else if (spec_decode_v3(c->wl)) { /* fused3: topn_radix (kstream.h), its passes' barriers the tail's steps */
    double thr = SPEC_FUSED_SELECT_WARPS * 32.0;
    ksel.fz.topn_instr = spec_topn_radix_instr((double)nsel, (double)n, (double)forced, thr);
    ksel.fz.radix_barriers = (uint32_t)spec_topn_radix_barriers((double)nsel, (double)n, (double)forced, thr);
  }
  st = two ? SIM_OK : emit(c, &ksel, 1.0);
  if (st != SIM_OK)
    return st;
  /* nsa.decode.branches: kernel.selected's mapping for both branches' CTAs, the window's
  ** splits from kernel.window.split_kv */
  cyc_kernel ks, kw, kb;
  split_decode_kernel(c, &ks, "nsa.decode.branches", SPEC_K_SELECTED, (uint64_t)tk.selection, T_KS, T_VS,
                      T_PART_S, 0, 1, c->wl->kernel[SPEC_K_SELECTED].split_kv);
  split_decode_kernel(c, &kw, "nsa.decode.branches", SPEC_K_SELECTED, (uint64_t)tk.window, T_KW, T_VW,
                      T_PART_W, s.s - (uint64_t)tk.window, 0, c->wl->kernel[SPEC_K_WINDOW].split_kv);
  const spec_mapping *ms = &c->wl->kernel[SPEC_K_SELECTED];
  if (lean && ms->mma == SPEC_MMA_SYNC) /* the lean body (kstream.h); the merge is the same source */
    for (cyc_kernel *kk = &ks; kk; kk = kk == &ks ? &kw : NULL) {
      kk->instr_per_tile = spec_grp_lean_instr_per_tile((double)s.dk, 0);
      kk->instr_fixed = spec_grp_lean_instr_fixed((double)ms->warps, (double)s.dv, 1);
    }
  base_kernel(c, &kb, "nsa.decode.branches", SPEC_K_SELECTED, CYC_K_DEC_BRANCHES);
  kb.group = s.g;
  kb.ctas = units * (ks.splits + kw.splits);
  kb.fz.per_unit = ks.splits + kw.splits;
  kb.fz.sync_base = BASE(T_SYNC);
  kb.fz.part[0] = &ks;
  kb.fz.part[1] = &kw;
  kb.fz.part_row = s.dv * 4 + 8;
  kb.fz.ocmp_base = BASE(T_OC);
  kb.fz.ocmp_row = s.dv * s.e + 4;
  kb.fz.ocmp_o_bytes = s.dv * s.e;
  kb.fz.gates_base = BASE(T_GATES);
  kb.fz.gates_row = 3 * s.e;
  kb.fz.out_base = BASE(T_O);
  kb.fz.out_row = s.dv * s.e;
  kb.fz.merge_fp32 = 2.0 * (double)s.dv + 4.0;
  /* fused3: the CTAs of a unit wait for its last arrival, then each merges its share; the shares
  ** run side by side, so the last CTA's share after its arrival is the unit's critical path. */
  kb.fz.coop = (uint32_t)spec_decode_v3(c->wl);
  /* fused4: the shared merge also merges the compressed branch's splits and stores o_cmp */
  kb.fz.part_c = spec_decode_v4(c->wl) ? &kc : NULL;
  return emit(c, &kb, 1.0);
}
/* }==== */

static sim_status nsa(ctx *c) {
  shape s = shape_of(c->wl);
  const spec_attention *at = &c->wl->attention;
  uint64_t l = at->compression.block, d = at->compression.stride;
  uint64_t nc = s.s >= l ? (s.s - l) / d + 1 : 0;
  cyc_kernel k;
  sim_status st = SIM_OK;
  switch (c->wl->problem.phase) {
  case SPEC_PHASE_FWD:
    st = compress(c, "nsa.compress", 1.0, 0);
    if (st == SIM_OK) {
      flash_fwd(c, &k, "nsa.cmp_attn", SPEC_K_CMP_ATTN, CYC_KEYS_CMP, nc, T_KC, T_VC, T_OC);
      fwd_stream(c, &k);
      st = emit(c, &k, 1.0);
    }
    if (st == SIM_OK) {
      scores(c, &k, 0, nc);
      st = emit(c, &k, 1.0);
    }
    if (st == SIM_OK)
      st = selected_fwd(c);
    if (st == SIM_OK) {
      flash_fwd(c, &k, "nsa.window", SPEC_K_WINDOW, CYC_KEYS_WINDOW, s.s, T_KW, T_VW, T_OW);
      fwd_stream(c, &k);
      st = emit(c, &k, 1.0);
    }
    if (st == SIM_OK)
      st = combine(c, 0);
    return st;
  case SPEC_PHASE_BWD: {
    static const char *const win[4] = {"nsa.window.bwd.pre", "nsa.window.bwd.dkdv",
                                       "nsa.window.bwd.dq", "nsa.window.bwd.gqa_sum"};
    static const char *const cmp[4] = {"nsa.cmp_attn.bwd.pre", "nsa.cmp_attn.bwd.dkdv",
                                       "nsa.cmp_attn.bwd.dq", "nsa.cmp_attn.bwd.gqa_sum"};
    st = combine(c, 1);
    if (st == SIM_OK)
      st = selected_bwd(c);
    if (st == SIM_OK)
      st = flash_bwd(c, win, SPEC_K_WINDOW, CYC_KEYS_WINDOW, s.s, T_KW, T_VW);
    if (st == SIM_OK)
      st = flash_bwd(c, cmp, SPEC_K_CMP_ATTN, CYC_KEYS_CMP, nc, T_KC, T_VC);
    if (st == SIM_OK)
      st = compress(c, "nsa.compress.bwd", 2.0, 0);
    return st;
  }
  case SPEC_PHASE_DECODE: {
    if (spec_decode_fused(c->wl)) { /* phi's MLP keeps its kernel; the mean pool is fused */
      if (at->compression.method == SPEC_CMP_MLP)
        st = compress(c, "nsa.compress.step", 1.0, 1);
      return st == SIM_OK ? fused_decode(c) : st;
    }
    uint64_t sc = 1, ss = 1, sw = 1;
    sim_tokens tk;
    spec_decode_tokens(c->wl, &tk);
    st = compress(c, "nsa.compress.step", 1.0, 1);
    if (st == SIM_OK)
      st = split_decode(c, "nsa.cmp_attn.decode", SPEC_K_CMP_ATTN, nc, T_KC, T_VC, T_PART_C, 0, 0, &sc);
    if (st == SIM_OK) {
      scores(c, &k, 1, nc);
      st = emit(c, &k, 1.0);
    }
    if (st == SIM_OK)
      st = split_decode(c, "nsa.selected.decode", SPEC_K_SELECTED, (uint64_t)tk.selection, T_KS,
                        T_VS, T_PART_S, 0, 1, &ss);
    if (st == SIM_OK)
      st = split_decode(c, "nsa.window.decode", SPEC_K_WINDOW, (uint64_t)tk.window, T_KW, T_VW,
                        T_PART_W, s.s - (uint64_t)tk.window, 0, &sw);
    if (st == SIM_OK) {
      const uint64_t parts[3] = {sc, ss, sw};
      st = decode_combine(c, "nsa.combine.decode", parts, 1, 2);
    }
    return st;
  }
  }
  return SIM_ERR_INTERNAL;
}
/* }==== */

sim_status cyc_full_pipeline(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                             cyc_mem *mem, sim_pipeline *p, sim_diag *d) {
  ctx c = {a, wl, o, mem, NULL, p, d};
  sim_status st = full(&c);
  sim_pipeline_sum(p);
  return st;
}

sim_status cyc_nsa_pipeline(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                            cyc_mem *mem, const cyc_sel *sel, sim_pipeline *p, sim_diag *d) {
  ctx c = {a, wl, o, mem, sel, p, d};
  sim_status st = nsa(&c);
  sim_pipeline_sum(p);
  return st;
}

sim_status cyc_selected_kernel(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                               cyc_mem *mem, const cyc_sel *sel, sim_pipeline *p, sim_diag *d) {
  ctx c = {a, wl, o, mem, sel, p, d};
  return selected_fwd(&c);
}
