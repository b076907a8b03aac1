/*
** model/nsa.c — the Native Sparse Attention pipeline (Yuan et al. 2025):
** compression of K and V (phi: MLP over l tokens with stride d, or mean pool),
** attention over the compressed keys (with log-sum-exp), importance scores
** mapped to selection blocks and summed over the GQA group then top-n with
** forced blocks (Eq. 8-11), attention over the n selected blocks of l' tokens
** (the paper's group-centric kernel, or a KV-block-outer variant), sliding-
** window attention, and the gated combine; the backward of each; and decode
** with incremental compression (fused into three kernels: model/nsa_fused.c). Each branch has its own K and V, as in the
** paper ("independent keys and values for three branches").
*/
#include <math.h>

#include "mdl_int.h"

typedef struct nsa_shape {
  double b, hq, hk, g, t, s, off, dk, dv, e;
  double l, d, lp, n, w;
  double nc;    /* compressed tokens of the whole sequence (Eq. 7) */
} nsa_shape;

static double compressed_count(double tokens, double l, double d) {
  return tokens >= l ? floor((tokens - l) / d) + 1.0 : 0.0;
}

static nsa_shape nsa_shape_of(const spec_workload *wl) {
  const spec_problem *p = &wl->problem;
  const spec_attention *at = &wl->attention;
  nsa_shape s = {p->batch, p->heads_q, p->heads_kv, (double)p->heads_q / p->heads_kv,
                 (double)p->q_len, (double)p->seq_len, (double)(p->seq_len - p->q_len),
                 p->head_dim_qk, p->head_dim_v, spec_dtype_bytes(p->dtype),
                 at->compression.block, at->compression.stride, at->selection.block,
                 at->selection.count, at->window, 0};
  s.nc = compressed_count(s.s, s.l, s.d);
  return s;
}

/* {==== Tile and block counts ==== */
static double cmp_tiles(const nsa_shape *s, double bm, double bn) {
  return mdl_cmp_tiles((uint64_t)s->t, (uint64_t)s->s, (uint64_t)bm, (uint64_t)bn,
                       (uint64_t)s->l, (uint64_t)s->d);
}

/* Sum over the queries of the blocks each can select: min(n, floor(p/l')+1). */
static double selected_blocks(const nsa_shape *s) {
  uint64_t lp = (uint64_t)s->lp, n = (uint64_t)s->n;
  uint64_t t0 = (uint64_t)s->off, t1 = (uint64_t)(s->off + s->t); /* positions [t0, t1) */
  uint64_t cap = (n - 1) * lp;                                      /* from here on: n */
  uint64_t lo = t0, hi = t1 < cap ? t1 : cap;
  double sum = 0;
  if (hi > lo)
    sum += (double)(mdl_floor_sum(hi - lo, lp, 1, lo) + (hi - lo));
  if (t1 > (lo > cap ? lo : cap))
    sum += (double)n * (double)(t1 - (lo > cap ? lo : cap));
  return sum;
}
/* }==== */

/* {==== Forward kernels ==== */
static sim_status compress_kernel(const spec_arch *a, const spec_workload *wl, const char *name,
                                  double blocks_per_group, double scale_bwd, sim_pipeline *p,
                                  sim_diag *d) {
  nsa_shape s = nsa_shape_of(wl);
  const spec_mapping *m = &wl->kernel[SPEC_K_COMPRESS];
  double groups = s.b * s.hk, blocks = groups * blocks_per_group;
  int mlp = wl->attention.compression.method == SPEC_CMP_MLP;
  mdl_work w = {0};
  w.name = name;
  w.map = SPEC_K_COMPRESS;
  /* Decode compresses under one block per group: a GEMV whose weights are
  ** split across the SMs instead of re-read by every CTA. */
  int gemv = blocks_per_group < 1.0;
  w.ctas = gemv ? a->sm.count : fmax(1.0, groups * ceil(blocks_per_group / m->block_m));
  double weights = mlp ? s.l * (s.dk * s.dk + s.dv * s.dv) * s.e : 0;
  if (mlp)
    w.tensor_flops = scale_bwd * 2.0 * blocks * s.l * (s.dk * s.dk + s.dv * s.dv);
  w.fp32_flops = scale_bwd * blocks * s.l * (s.dk + s.dv);
  /* Each block reads its own l tokens; the overlap of neighbouring blocks (l/d reads of every
  ** token) is served by L2, as the mean-pool and MLP kernels of validate/ do it (ncu: L2 reads
  ** within 5% of blocks x l tokens). */
  /* Decode's step (blocks_per_group = 1 / d) is the step that compresses a block, as validate/
  ** times it and the time below and the cycle engine count it: one block of l tokens per
  ** sequence and KV head read through L2, not the average step's 1 / d of one (ncu: L2 reads of
  ** b x h_kv x l tokens, 16x the average step's). */
  double tok = fmax(blocks, groups) * s.l * (s.dk + s.dv) * s.e;
  double unique_tok = groups * fmin(s.s, blocks_per_group * s.d + s.l) * (s.dk + s.dv) * s.e;
  w.l2_read_bytes = scale_bwd * tok + (gemv ? weights : w.ctas * weights);
  w.hbm_read_bytes = scale_bwd * unique_tok + weights;
  w.hbm_write_bytes = blocks * (s.dk + s.dv) * s.e * (scale_bwd > 1 ? s.l : 1.0);
  if (scale_bwd > 1 && !mlp) {
    /* Mean pool backward: each token gathers the l/d compressed gradients that cover it; it
    ** needs no token values, and the gathers' overlap stays in L1. */
    w.fp32_flops = blocks * s.l * (s.dk + s.dv);
    w.l2_read_bytes = w.hbm_read_bytes = blocks * (s.dk + s.dv) * s.e;
    w.hbm_write_bytes = groups * s.s * (s.dk + s.dv) * s.e;
  }
  w.smem_bytes = 2.0 * w.l2_read_bytes;
  w.iters_per_cta = gemv ? 1.0 : ceil(m->block_m * s.l / m->block_n) * (mlp ? 2.0 : 1.0);
  w.tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
  if (!mlp && m->mma == SPEC_MMA_SYNC) {
    /* The validation's mean pool (kstream.h): a thread per 8 columns of an output row, CTAs
    ** of 256 threads, as many resident as threads and registers allow. Each thread's loads come
    ** in dependent rounds, each round followed by its adds: ceil(l / 8) rounds of 8 rows forward
    ** (decode times a step that compresses one block per sequence and KV head, as validate/ does:
    ** the bytes above stay the average step's), and the backward's gather of the l / d
    ** compressed rows that cover a token, one per round. */
    double cols = (s.dk + s.dv) / 8.0;
    double out_rows = scale_bwd > 1 ? groups * s.s : groups * fmax(1.0, blocks_per_group);
    double rows_per_round = scale_bwd > 1 ? 1.0 : fmin(s.l, SPEC_MEAN_ROWS_PER_ROUND);
    w.ctas = ceil(out_rows * cols / SPEC_MEAN_THREADS);
    w.grid_warps = SPEC_MEAN_THREADS / 32.0;
    w.grid_ctas_per_sm = spec_grid_ctas_per_sm(a, (uint32_t)w.grid_warps, m->regs_per_thread);
    w.iters_per_cta = scale_bwd > 1 ? ceil(s.l / s.d) : ceil(s.l / rows_per_round);
    w.tile_bytes = SPEC_MEAN_THREADS * rows_per_round * 16.0;
    w.loads_serial = 1;
    w.warp_instr_per_iter = rows_per_round * SPEC_MEAN_INSTR_PER_ROW;
    w.warp_instr_fixed = SPEC_MEAN_INSTR_FIXED;
    /* Its loads go from L1 straight to registers (val_mean_chunk8, nsa_compress.cu: no shared
    ** memory, no cp.async), so its bytes cross the SM's L1/shared-memory data port once, not
    ** twice as a tile kernel's do (cp.async writes the tile, ldmatrix reads it back). */
    w.smem_bytes = w.l2_read_bytes;
  }
  if (mlp && scale_bwd <= 1 && m->mma == SPEC_MMA_SYNC) {
    /* The validation's MLP (kstream.h "The MLP compression"): its own grid, a CTA per 64 rows
    ** and per K or V, not the mapping's nor one spread over the SMs. Decode compresses one block
    ** per (sequence, KV head): b x h_kv rows. The longest CTA (the larger head dim) walks
    ** l x D / 64 slices then D / 64, one slice ahead, each slice's instructions at the kernel's
    ** measured interval. The bytes above stay (ncu: the decode step's L2 reads are the weights
    ** once per CTA plus x, within 3%). */
    double dmax = fmax(s.dk, s.dv);
    double rows = groups * fmax(1.0, blocks_per_group);
    w.ctas = 2.0 * ceil(rows / SPEC_MLP_ROWS);
    w.grid_warps = SPEC_MLP_THREADS / 32.0;
    w.grid_ctas_per_sm = spec_grid_ctas_per_sm(a, (uint32_t)w.grid_warps, m->regs_per_thread);
    /* ... and no more than its 2-stage ring of x and weight slices fits in shared memory
    ** (nsa_compress.cu MlpCfg SMEM_BYTES: 2 x 2 x (64 x 64 + 64 x D) bytes). */
    double ring = 2.0 * 2.0 * (SPEC_MLP_ROWS * SPEC_MLP_SLICE + SPEC_MLP_SLICE * dmax) + a->sm.smem_reserved_per_cta_bytes;
    w.grid_ctas_per_sm = fmax(1.0, fmin(w.grid_ctas_per_sm, floor((double)a->sm.smem_bytes / ring)));
    w.iters_per_cta = s.l * dmax / SPEC_MLP_SLICE + dmax / SPEC_MLP_SLICE;
    w.tile_bytes = (SPEC_MLP_ROWS * SPEC_MLP_SLICE + SPEC_MLP_SLICE * dmax) * s.e;
    w.warp_instr_per_iter = spec_mlp_instr_per_slice(dmax);
    w.issue_cycles = SPEC_MLP_ISSUE_CYCLES;
    w.issue_warps = SPEC_MLP_ISSUE_WARPS;
  }
  return mdl_emit(a, wl, &w, p, d);
}

static sim_status scores_kernel(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                                sim_diag *d) {
  nsa_shape s = nsa_shape_of(wl);
  const spec_mapping *m = &wl->kernel[SPEC_K_SELECT_SCORES];
  double groups = s.b * s.hk;
  if (wl->problem.phase == SPEC_PHASE_DECODE) {
    /* Decode: the compressed branch leaves its logits (G x n_cmp fp32 per sequence and KV head);
    ** one CTA per (sequence, KV head) turns them into probabilities, Eq. 9 and the top-n, with
    ** no second pass over K_cmp. */
    double cand = floor((s.off + s.t - 1) / s.lp) + 1.0;
    mdl_work w = {0};
    w.name = "nsa.select_scores";
    w.map = SPEC_K_SELECT_SCORES;
    w.ctas = groups;
    w.sfu_ops = groups * s.g * s.nc;
    w.fp32_flops = groups * (2.0 * s.g * s.nc + cand * (s.lp / s.d + s.l / s.d + log2(s.n)));
    w.l2_read_bytes = groups * (s.g * s.nc * 4.0 + s.g * 4.0);
    w.hbm_read_bytes = w.l2_read_bytes;
    w.hbm_write_bytes = groups * s.n * 4.0;
    /* As select_decode_kernel runs it: rounds of 1024 logits, each a dependent round trip; then
    ** Eq. 9 and one warp's top-n as the CTA's serial tail, behind two barriers. */
    double rounds = fmax(1.0, ceil(s.nc / SPEC_SELDEC_THREADS));
    double n_valid = fmin(cand, floor((s.s - 1.0) / s.lp) + 1.0);
    double forced = (double)wl->attention.selection.initial + wl->attention.selection.local;
    w.iters_per_cta = rounds;
    w.tile_bytes = s.g * s.nc * 4.0 / rounds;
    w.tail_units = groups;
    w.tail_barriers = 2.0;
    w.tail_instr = spec_seldec_tail_instr(n_valid, s.n, forced, s.lp, s.l, s.d);
    return mdl_emit(a, wl, &w, p, d);
  }
  /* A CTA holds block_m rows: the G heads of block_m/G query tokens. */
  double tok_per_cta = fmax(1.0, floor(m->block_m / s.g));
  double row_tiles = ceil(s.t / tok_per_cta);
  double tiles = cmp_tiles(&s, tok_per_cta, m->block_n);
  /* Few rows (decode): split the compressed keys across CTAs to fill the
  ** SMs; a final pass merges the per-split top-n candidates. */
  double splits = 1;
  if (groups * row_tiles < a->sm.count)
    splits = fmax(1.0, fmin(tiles / row_tiles, ceil(2.0 * a->sm.count / (groups * row_tiles))));
  double scores = groups * tiles * m->block_m * m->block_n;
  /* Candidate selection blocks per query: floor(p/l') + 1, summed. */
  double cand = (double)mdl_floor_sum((uint64_t)s.t, (uint64_t)s.lp, 1, (uint64_t)s.off) + s.t;
  mdl_work w = {0};
  w.name = "nsa.select_scores";
  w.map = SPEC_K_SELECT_SCORES;
  w.ctas = groups * row_tiles * splits;
  w.tensor_flops = 2.0 * scores * s.dk;
  w.sfu_ops = scores;
  /* p = exp(s - lse), group sum (Eq. 10), block mapping (Eq. 9), top-n. */
  w.fp32_flops = scores * 2.0 + groups * cand * (s.lp / s.d + s.l / s.d + log2(s.n));
  double q = s.b * s.hq * s.t * (s.dk * s.e + 4.0);
  double kc_l2 = groups * tiles * m->block_n * s.dk * s.e;
  w.l2_read_bytes = q + kc_l2;
  w.hbm_read_bytes = q + groups * s.nc * s.dk * s.e;
  w.hbm_write_bytes = groups * s.t * s.n * 4.0 * splits;
  w.smem_bytes = kc_l2 * 2.0 + q * splits;
  w.iters_per_cta = ceil(tiles / (row_tiles * splits));
  w.tile_bytes = m->block_n * s.dk * s.e;
  /* The validation's scores_kernel: its instruction stream and measured issue interval. */
  /* Its stream is one token's (a warp per token, the group padded to 16 MMA columns): a CTA of
  ** more tokens than warps (groups of fewer than 16 heads) runs several per warp. */
  w.warp_instr_per_iter = spec_scores_instr_per_tile(s.dk) *
                          fmax(1.0, ceil(tok_per_cta / (m->warps ? m->warps : 1)));
  w.warp_instr_fixed = SPEC_SCORES_INSTR_FIXED;
  w.issue_cycles = SPEC_SCORES_ISSUE_CYCLES;
  w.issue_warps = SPEC_SCORES_ISSUE_WARPS;
  /* The validation runs the top-n as a second kernel (select_topn, a warp per token), which the
  ** cycle engine runs as each CTA's last step (sim/cycle/pipeline.c, sched.c step_topn): the
  ** top-n of the tile's last token (n_valid = floor(p / l') + 1) at the arch's dependent interval,
  ** and a second launch; averaged here over the query tiles. */
  if (m->mma == SPEC_MMA_SYNC && groups * row_tiles >= a->sm.count && tok_per_cta <= (m->warps ? m->warps : 1)) {
    const spec_attention *at = &wl->attention;
    double forced = (double)at->selection.initial + at->selection.local, sum = 0;
    for (double j = 0; j < row_tiles; j++) {
      double r1 = fmin((j + 1.0) * tok_per_cta, s.t);
      double n_valid = floor((s.off + r1 - 1.0) / at->selection.block) + 1.0;
      sum += spec_topn_instr(n_valid, at->selection.count, forced, 32.0);
    }
    w.dep_instr_per_cta = sum / row_tiles;
    w.launches = 2;
  }
  return mdl_emit(a, wl, &w, p, d);
}

/* HBM bytes of the selected K/V: per wave of co-resident CTAs (consecutive
** tokens of one KV head), the distinct blocks the pattern makes them read,
** less what L2 kept of the sequence's blocks from the previous wave. */
static double selected_kv_hbm(const spec_arch *a, const spec_workload *wl, const nsa_shape *s,
                              double sharers, double rereads_per_block) {
  double block_bytes = s->lp * (s->dk + s->dv) * s->e;
  double eff = mdl_l2_effective_bytes(a);
  const int samples = 16;
  double per_group = 0;
  for (int i = 0; i < samples; i++) {
    double pos = s->off + (i + 0.5) * s->t / samples;
    double avail = floor(pos / s->lp) + 1.0;
    double waves = (s->t / samples) / sharers;
    double distinct = mdl_distinct_blocks(wl, sharers, avail);
    double kept = fmin(1.0, eff / (avail * block_bytes));
    per_group += waves * distinct * block_bytes * (1.0 - kept) * rereads_per_block;
  }
  double unique = (floor((s->s - 1) / s->lp) + 1.0) * block_bytes;
  return s->b * s->hk * fmax(unique, per_group);
}

static sim_status selected_fwd(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                               sim_diag *d) {
  nsa_shape s = nsa_shape_of(wl);
  const spec_mapping *m = &wl->kernel[SPEC_K_SELECTED];
  double groups = s.b * s.hk;
  double sum_blocks = selected_blocks(&s); /* per group */
  double block_kv = s.lp * (s.dk + s.dv) * s.e;
  double q = s.b * s.hq * s.t * s.dk * s.e;
  double o = s.b * s.hq * s.t * (s.dv * s.e + 4.0);
  mdl_work w = {0};
  if (m->design == SPEC_DESIGN_KV_OUTER) {
    /* One CTA per (selection block, KV head) gathers the queries that chose
    ** it: rows are dense, but Q is re-read per block and partial outputs go
    ** through memory to a reduction (FSA's loop inversion). */
    double nblocks = floor((s.s - 1) / s.lp) + 1.0;
    double rows = groups * sum_blocks * s.g;
    double rows_pad = rows + groups * nblocks * m->block_m / 2.0;
    double partial = rows * (s.dv * 4.0 + 8.0);
    w.name = "nsa.selected";
    w.map = SPEC_K_SELECTED;
    w.ctas = groups * nblocks;
    w.tensor_flops = 2.0 * rows_pad * s.lp * (s.dk + s.dv);
    w.sfu_ops = rows_pad * s.lp;
    w.fp32_flops = w.sfu_ops * MDL_FP32_OPS_PER_SCORE;
    double q_l2 = rows * s.dk * s.e;
    w.l2_read_bytes = groups * nblocks * block_kv + q_l2 + rows * 8.0;
    w.hbm_read_bytes = groups * nblocks * block_kv +
                       mdl_reuse_hbm(a, q / groups, q_l2 / groups, a->sm.count) * groups;
    w.hbm_write_bytes = partial;
    w.smem_bytes = (groups * nblocks * block_kv + q_l2) * 2.0;
    w.iters_per_cta = ceil(rows / (groups * nblocks) / m->block_m) * s.lp / m->block_n;
    w.tile_bytes = m->block_m * s.dk * s.e;
    sim_status st = mdl_emit(a, wl, &w, p, d);
    if (st != SIM_OK)
      return st;
    w = (mdl_work){0};
    w.name = "nsa.selected.reduce";
    w.map = SPEC_K_COMBINE;
    w.ctas = fmax(1.0, ceil(s.b * s.hq * s.t / wl->kernel[SPEC_K_COMBINE].block_m));
    w.fp32_flops = rows * (s.dv * 2.0 + 4.0);
    w.sfu_ops = rows;
    w.l2_read_bytes = partial;
    w.hbm_read_bytes = partial;
    w.hbm_write_bytes = o;
    w.iters_per_cta = s.n;
    w.tile_bytes = s.dv * 4.0 + 8.0;
    return mdl_emit(a, wl, &w, p, d);
  }
  if (spec_design_union(m->design)) {
    /* T = block_m/16 consecutive tokens per CTA: the union of their blocks is
    ** fetched once (forced initial and local blocks, and any block several
    ** chose), each token computes only its own blocks on its 16 padded rows. */
    double tok = fmax(1.0, floor(m->block_m / 16.0));
    const int samples = 16;
    double union_tiles = 0; /* per group, over all CTAs */
    for (int i = 0; i < samples; i++) {
      double pos = s.off + (i + 0.5) * s.t / samples;
      double avail = floor(pos / s.lp) + 1.0;
      union_tiles += (s.t / samples) / tok * mdl_distinct_blocks(wl, tok, avail);
    }
    double rows_tok = groups * 16.0 * sum_blocks * s.lp;
    double kv_l2u = groups * union_tiles * block_kv;
    w.name = "nsa.selected";
    w.map = SPEC_K_SELECTED;
    w.ctas = groups * ceil(s.t / tok);
    w.tensor_flops = 2.0 * rows_tok * (s.dk + s.dv);
    w.sfu_ops = rows_tok;
    w.fp32_flops = rows_tok * MDL_FP32_OPS_PER_SCORE;
    w.l2_read_bytes = q + kv_l2u + groups * s.t * s.n * 4.0;
    double sharers = fmin(s.t, tok * a->sm.count * mdl_occupancy(a, wl, SPEC_K_SELECTED).ctas_per_sm);
    w.hbm_read_bytes = q + groups * s.t * s.n * 4.0 + selected_kv_hbm(a, wl, &s, sharers, 1.0);
    w.hbm_write_bytes = o;
    w.smem_bytes = kv_l2u * 2.0 + 2.0 * rows_tok / s.lp * s.dk * s.e;
    w.iters_per_cta = union_tiles / (s.t / tok) * s.lp / m->block_n;
    w.tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
    /* The validation's attn_union_kernel (kstream.h): one producer warp issues every copy of
    ** the union's tiles, each consumer warp computes its own token's tiles and passes the others;
    ** the CTA's path per union tile is the longer of the two streams, at the kernel's measured
    ** issue interval. Fixed: the list union, TOK x n entries each scanning the TOK lists. The lean
    ** producer (group_union_lean) issues fewer instructions per tile; the consumers are the same. */
    double own = sum_blocks / s.t * s.lp / m->block_n;
    double share = w.iters_per_cta > 0 ? fmin(1.0, own / w.iters_per_cta) : 1.0;
    double producer = spec_union_producer_slots(s.dk, s.dv, m->design == SPEC_DESIGN_GROUP_UNION_LEAN) *
                      m->block_n / 64.0;
    double consumer = (SPEC_UNION_CONSUMER_INSTR_PER_TILE + SPEC_UNION_CONSUMER_INSTR_PER_16DK * (s.dk - 128.0) / 16.0) *
                          m->block_n / 64.0 * share +
                      SPEC_UNION_CONSUMER_INSTR_SKIP * (1.0 - share);
    w.warp_instr_per_iter = fmax(producer, consumer);
    w.warp_instr_fixed = SPEC_UNION_INSTR_FIXED + SPEC_UNION_INSTR_PER_SCAN * tok * fmin(s.n, 32.0);
    w.issue_cycles = SPEC_UNION_ISSUE_CYCLES;
    w.issue_warps = SPEC_UNION_ISSUE_WARPS;
    return mdl_emit(a, wl, &w, p, d);
  }
  /* Group-centric (the paper's kernel): one CTA per (token, KV head); the
  ** Q tile holds the group's heads padded to block_m rows. */
  double row_tiles = ceil(s.g / m->block_m);
  double rows_exec = groups * row_tiles * m->block_m * sum_blocks * s.lp;
  w.name = "nsa.selected";
  w.map = SPEC_K_SELECTED;
  w.ctas = groups * s.t * row_tiles;
  w.tensor_flops = 2.0 * rows_exec * (s.dk + s.dv);
  w.sfu_ops = rows_exec;
  w.fp32_flops = rows_exec * MDL_FP32_OPS_PER_SCORE;
  double kv_l2 = groups * row_tiles * sum_blocks * block_kv;
  w.l2_read_bytes = q + kv_l2 + groups * s.t * s.n * 4.0;
  double sharers = fmin(s.t, a->sm.count * mdl_occupancy(a, wl, SPEC_K_SELECTED).ctas_per_sm);
  w.hbm_read_bytes = q + groups * s.t * s.n * 4.0 + selected_kv_hbm(a, wl, &s, sharers, row_tiles);
  w.hbm_write_bytes = o;
  w.smem_bytes = kv_l2 * 2.0 + q * 2.0;
  /* The kernel walks a token's valid blocks only (val_group.cuh compacts the list to those that
  ** start at or before the token): min(n, floor(p / l') + 1), sum_blocks / t on average. */
  w.iters_per_cta = sum_blocks / s.t * s.lp / m->block_n;
  w.tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
  w.warp_instr_per_iter = MDL_GROUP_INSTR_PER_TILE(s.dk);
  w.warp_instr_fixed = spec_grp_instr_fixed_g(m->warps, s.dv, s.g);
  w.issue_cycles = SPEC_GRP_ISSUE_CYCLES;
  w.issue_warps = SPEC_GRP_ISSUE_WARPS;
  w.issue_slope = SPEC_GRP_ISSUE_SLOPE;
  return mdl_emit(a, wl, &w, p, d);
}

static sim_status combine_kernel(const spec_arch *a, const spec_workload *wl, int bwd,
                                 sim_pipeline *p, sim_diag *d) {
  nsa_shape s = nsa_shape_of(wl);
  double rows = s.b * s.hq * s.t;
  mdl_work w = {0};
  w.name = bwd ? "nsa.combine.bwd" : "nsa.combine";
  w.map = SPEC_K_COMBINE;
  w.ctas = fmax(1.0, ceil(rows / wl->kernel[SPEC_K_COMBINE].block_m));
  /* fwd: o = sum_c g_c o_c. bwd: dO_c = g_c dO, dg_c = <dO, o_c>. */
  w.fp32_flops = rows * s.dv * (bwd ? 9.0 : 5.0);
  w.l2_read_bytes = rows * ((bwd ? 4.0 : 3.0) * s.dv * s.e + 3.0 * s.e);
  w.hbm_read_bytes = w.l2_read_bytes;
  w.hbm_write_bytes = rows * (bwd ? 3.0 * s.dv * s.e + 3.0 * s.e : s.dv * s.e);
  w.iters_per_cta = 1;
  w.tile_bytes = wl->kernel[SPEC_K_COMBINE].block_m * s.dv * s.e * 3.0;
  return mdl_emit(a, wl, &w, p, d);
}
/* }==== */

/* {==== Backward of the selected branch ==== */
static sim_status selected_bwd(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                               sim_diag *d) {
  nsa_shape s = nsa_shape_of(wl);
  const spec_mapping *m = &wl->kernel[SPEC_K_SELECTED];
  double groups = s.b * s.hk, heads = s.b * s.hq;
  double sum_blocks = selected_blocks(&s);
  double block_kv = s.lp * (s.dk + s.dv) * s.e;
  double row_tiles = ceil(s.g / m->block_m);
  double rows_exec = groups * row_tiles * m->block_m * sum_blocks * s.lp;
  double qdo = heads * s.t * ((s.dk + s.dv) * s.e + 8.0);
  mdl_work w = {0};
  mdl_delta_work(a, wl, SPEC_K_SELECTED, "nsa.selected.bwd.pre", heads * s.t, groups * s.t,
                 s.g * s.dv * s.e * 2.0, &w);
  sim_status st = mdl_emit(a, wl, &w, p, d);
  if (st != SIM_OK)
    return st;
  /* dQ: group-centric like the forward: S, P, dP = dO V^T, dS, dQ += dS K. */
  w = (mdl_work){0};
  w.name = "nsa.selected.bwd.dq";
  w.map = SPEC_K_SELECTED;
  w.ctas = groups * s.t * row_tiles;
  w.tensor_flops = 2.0 * rows_exec * (2.0 * s.dk + s.dv);
  w.sfu_ops = rows_exec;
  w.fp32_flops = rows_exec * (MDL_FP32_OPS_PER_SCORE + 2.0);
  double kv_l2 = groups * row_tiles * sum_blocks * block_kv;
  w.l2_read_bytes = qdo + kv_l2;
  double sharers = fmin(s.t, a->sm.count * mdl_occupancy(a, wl, SPEC_K_SELECTED).ctas_per_sm);
  w.hbm_read_bytes = qdo + selected_kv_hbm(a, wl, &s, sharers, row_tiles);
  w.hbm_write_bytes = heads * s.t * s.dk * s.e;
  w.smem_bytes = kv_l2 * 2.0 + qdo * 2.0;
  w.iters_per_cta = s.n * s.lp / m->block_n;
  w.tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
  /* The validation's sel_dq_kernel (mma: sync): one step per block the token sees, its stream at
  ** its measured interval (kstream.h SPEC_SELBWD_DQ_*); dispatch balances the tokens' blocks. */
  if (m->mma == SPEC_MMA_SYNC && s.lp == 64.0 && m->block_m == 16) {
    mdl_occ oq = mdl_occupancy(a, wl, SPEC_K_SELECTED);
    double slots = a->sm.count * (oq.ctas_per_sm ? oq.ctas_per_sm : 1);
    w.iters_per_cta = s.n;
    w.path_iters = ceil(w.ctas / slots) * (groups * sum_blocks) / w.ctas;
    w.warp_instr_per_iter = spec_at_dim(SPEC_SELBWD_DQ_INSTR_PER_BLOCK, SPEC_SELBWD_DQ_INSTR_PER_16DK, s.dk);
    w.warp_instr_fixed = spec_at_dim(SPEC_SELBWD_DQ_INSTR_FIXED, SPEC_SELBWD_DQ_FIXED_PER_16DK, s.dk);
    w.issue_cycles = SPEC_SELBWD_DQ_ISSUE_CYCLES;
    w.issue_warps = SPEC_SELBWD_DQ_ISSUE_WARPS;
  }
  st = mdl_emit(a, wl, &w, p, d);
  if (st != SIM_OK)
    return st;
  /* dK, dV: KV-block outer through an inverted index of the selections (as
  ** public kernels do): each block gathers the query rows that chose it and
  ** recomputes S, P, dP, dS; dV += P^T dO, dK += dS^T Q. */
  double nblocks = floor((s.s - 1) / s.lp) + 1.0;
  double rows = groups * sum_blocks * s.g;
  double rows_pad = rows + groups * nblocks * 64.0 / 2.0;
  w = (mdl_work){0};
  w.name = "nsa.selected.bwd.dkdv";
  w.map = SPEC_K_SELECTED;
  w.ctas = groups * nblocks;
  w.tensor_flops = 2.0 * rows_pad * s.lp * (2.0 * s.dk + 2.0 * s.dv);
  w.sfu_ops = rows_pad * s.lp;
  w.fp32_flops = w.sfu_ops * (MDL_FP32_OPS_PER_SCORE + 2.0);
  double gathered = rows * ((s.dk + s.dv) * s.e + 8.0);
  w.l2_read_bytes = groups * nblocks * block_kv + gathered + groups * s.t * s.n * 4.0 * 2.0;
  w.hbm_read_bytes = groups * nblocks * block_kv +
                     mdl_reuse_hbm(a, qdo / groups, gathered / groups, a->sm.count) * groups +
                     groups * s.t * s.n * 4.0 * 2.0;
  w.hbm_write_bytes = groups * nblocks * block_kv;
  w.smem_bytes = (groups * nblocks * block_kv + gathered) * 2.0;
  w.iters_per_cta = ceil(rows / (groups * nblocks) / 64.0);
  w.tile_bytes = 64.0 * (s.dk + s.dv) * s.e;
  /* The validation's sel_dkdv_kernel (mma: sync): one CTA per chunk of up to 128 tokens that chose
  ** a block, one step per token (its group's 16 Q and dO rows), its stream at its measured
  ** interval, 2 CTAs per SM by its accumulators' registers (kstream.h SPEC_SELBWD_DKDV_*). The
  ** grid is the index's bound on the chunks; those beyond the count return at once. */
  if (m->mma == SPEC_MMA_SYNC && s.lp == 64.0 && s.g <= 16.0) {
    double pairs = groups * sum_blocks, chunk = SPEC_SELBWD_DKDV_CHUNK;
    double regs = fmin(a->sm.max_registers_per_thread, (s.dk + s.dv) / 2.0 + SPEC_SELBWD_DKDV_REGS_BEYOND_ACC);
    double cpr = spec_grid_ctas_per_sm(a, 4, (uint32_t)regs);
    double runs = pairs / chunk + groups * nblocks * 0.5;
    w.ctas = s.b * s.hk * (floor(s.t * s.n / chunk) + nblocks);
    w.grid_warps = 4.0;
    w.grid_ctas_per_sm = cpr;
    w.iters_per_cta = chunk;
    w.path_iters = pairs / (a->sm.count * cpr);
    w.warp_instr_per_iter = spec_at_dim(SPEC_SELBWD_DKDV_INSTR_PER_TOKEN, SPEC_SELBWD_DKDV_INSTR_PER_16DK, s.dk);
    w.warp_instr_fixed = spec_at_dim(SPEC_SELBWD_DKDV_INSTR_FIXED, SPEC_SELBWD_DKDV_FIXED_PER_16DK, s.dk) * runs / w.ctas;
    w.issue_cycles = SPEC_SELBWD_DKDV_ISSUE_CYCLES;
    w.issue_warps = SPEC_SELBWD_DKDV_ISSUE_WARPS;
    w.tile_bytes = 16.0 * (s.dk + s.dv) * s.e;
  }
  return mdl_emit(a, wl, &w, p, d);
}
/* }==== */

sim_status mdl_nsa_pipeline(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                            sim_diag *d) {
  if (wl->attention.selection.pattern == SPEC_PAT_TRACE)
    return sim_diag_set(d, SIM_ERR_UNSUPPORTED, "", 0, 0,
                        "attention.selection.pattern trace is not modelled yet by the analytical engine; use uniform or local");
  nsa_shape s = nsa_shape_of(wl);
  const spec_problem *pr = &wl->problem;
  const spec_mapping *mc = &wl->kernel[SPEC_K_CMP_ATTN], *mw = &wl->kernel[SPEC_K_WINDOW];
  double ctiles = cmp_tiles(&s, mc->block_m, mc->block_n);
  double wtiles = mdl_window_tiles(pr->q_len, pr->seq_len, mw->block_m, mw->block_n,
                                   wl->attention.window);
  sim_status st = SIM_OK;
  mdl_work w = {0};
  switch (pr->phase) {
  case SPEC_PHASE_FWD:
    st = compress_kernel(a, wl, "nsa.compress", s.nc, 1.0, p, d);
    if (st == SIM_OK) {
      mdl_flash_fwd(a, wl, SPEC_K_CMP_ATTN, "nsa.cmp_attn", ctiles, s.nc, &w);
      st = mdl_emit(a, wl, &w, p, d);
    }
    if (st == SIM_OK)
      st = scores_kernel(a, wl, p, d);
    if (st == SIM_OK)
      st = selected_fwd(a, wl, p, d);
    if (st == SIM_OK) {
      w = (mdl_work){0};
      mdl_flash_fwd(a, wl, SPEC_K_WINDOW, "nsa.window", wtiles, s.s, &w);
      st = mdl_emit(a, wl, &w, p, d);
    }
    if (st == SIM_OK)
      st = combine_kernel(a, wl, 0, p, d);
    break;
  case SPEC_PHASE_BWD: {
    static const char *const win[4] = {"nsa.window.bwd.pre", "nsa.window.bwd.dkdv",
                                       "nsa.window.bwd.dq", "nsa.window.bwd.gqa_sum"};
    static const char *const cmp[4] = {"nsa.cmp_attn.bwd.pre", "nsa.cmp_attn.bwd.dkdv",
                                       "nsa.cmp_attn.bwd.dq", "nsa.cmp_attn.bwd.gqa_sum"};
    st = combine_kernel(a, wl, 1, p, d);
    if (st == SIM_OK)
      st = selected_bwd(a, wl, p, d);
    if (st == SIM_OK)
      st = mdl_flash_bwd(a, wl, SPEC_K_WINDOW, win, wtiles, s.s, p, d);
    if (st == SIM_OK)
      st = mdl_flash_bwd(a, wl, SPEC_K_CMP_ATTN, cmp, ctiles, s.nc, p, d);
    /* phi's backward: dX and dW, two products the size of the forward's. */
    if (st == SIM_OK)
      st = compress_kernel(a, wl, "nsa.compress.bwd", s.nc, 2.0, p, d);
    break;
  }
  case SPEC_PHASE_DECODE: {
    /* A block completes every d steps: the incremental compression does one
    ** block's work per d steps, shown here per step. */
    double splits_c = 1, splits_s = 1, splits_w = 1;
    int fused = spec_decode_fused(wl);
    /* The fused decode pools the mean itself (model/nsa_fused.c); phi's MLP keeps its kernel. */
    if (!fused || wl->attention.compression.method == SPEC_CMP_MLP)
      st = compress_kernel(a, wl, "nsa.compress.step", 1.0 / s.d, 1.0, p, d);
    if (fused) {
      if (st == SIM_OK)
        st = mdl_nsa_decode_fused(a, wl, p, d);
      break;
    }
    if (st == SIM_OK)
      st = mdl_split_decode(a, wl, SPEC_K_CMP_ATTN, "nsa.cmp_attn.decode", s.nc, &splits_c, p, d);
    if (st == SIM_OK)
      st = scores_kernel(a, wl, p, d);
    if (st == SIM_OK) {
      sim_tokens tk;
      spec_decode_tokens(wl, &tk);
      st = mdl_split_decode(a, wl, SPEC_K_SELECTED, "nsa.selected.decode", tk.selection,
                            &splits_s, p, d);
    }
    if (st == SIM_OK)
      st = mdl_split_decode(a, wl, SPEC_K_WINDOW, "nsa.window.decode", fmin(s.w, s.s), &splits_w,
                            p, d);
    if (st == SIM_OK)
      /* As validate/ runs it: the compressed branch's splits merged by their own launch
      ** (split_combine), then the gated combine merges the selected and window splits. */
      st = mdl_decode_combine(a, wl, "nsa.combine.decode", splits_c + splits_s + splits_w, 3.0,
                              mdl_merge_rounds(splits_c) + mdl_merge_rounds(splits_s) + mdl_merge_rounds(splits_w),
                              2, p, d);
    break;
  }
  }
  sim_pipeline_sum(p);
  return st;
}
