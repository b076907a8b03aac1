/*
** model/full.c — full attention as FlashAttention-2 style kernels, causal or
** not, with GQA: forward (O and log-sum-exp), backward (the delta = rowsum(dO*O)
** pass, a dK/dV kernel over KV tiles and a dQ kernel over query tiles, each
** recomputing P from the log-sum-exp), and decode (split-KV over the cache with
** all heads of a group packed into the query tile, then a combine pass).
** FLOPs are those executed: whole tiles, masked and padded rows included.
*/
#include <math.h>

#include "mdl_int.h"

/* {==== Shared shapes ==== */
typedef struct shape {
  double b, hq, hk, g, t, s, dk, dv, e;
} shape;

static shape shape_of(const spec_workload *wl) {
  const spec_problem *p = &wl->problem;
  shape s = {p->batch, p->heads_q, p->heads_kv, (double)p->heads_q / p->heads_kv,
             (double)p->q_len, (double)p->seq_len, p->head_dim_qk, p->head_dim_v,
             spec_dtype_bytes(p->dtype)};
  return s;
}

/* Warps of a CTA that each read a whole K/V tile from shared memory: each
** warp owns 16 query rows, so a tile of fewer rows splits keys instead. */
static double smem_readers(const spec_mapping *m) {
  double rows16 = m->block_m / 16.0;
  return fmax(1.0, fmin((double)m->warps, rows16));
}
/* }==== */

sim_status mdl_emit(const spec_arch *a, const spec_workload *wl, const mdl_work *w,
                    sim_pipeline *p, sim_diag *d) {
  sim_kernel_stats *k = sim_pipeline_add(p, w->name);
  if (!k)
    return sim_diag_set(d, SIM_ERR_INTERNAL, "", 0, 0, "pipeline has more than %d kernels",
                        SIM_MAX_KERNELS);
  if (mdl_occupancy(a, wl, w->map).ctas_per_sm == 0)
    return sim_diag_set(d, SIM_ERR_RULE, "", 0, 0,
                        "kernel.%s does not fit one SM of arch '%s' (shared memory, registers or threads)",
                        spec_kernel_name(w->map), a->name);
  mdl_finish(a, wl, w, k);
  return SIM_OK;
}

/* {==== Forward ==== */
void mdl_flash_fwd(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                   const char *name, double tiles, double keys, mdl_work *w) {
  shape s = shape_of(wl);
  s.s = keys;
  const spec_mapping *m = &wl->kernel[map];
  double nq = ceil(s.t / m->block_m);
  double heads = s.b * s.hq;
  double scores = heads * tiles * m->block_m * m->block_n;
  double kv_tile = m->block_n * (s.dk + s.dv) * s.e;
  w->name = name;
  w->map = map;
  w->ctas = heads * nq;
  w->tensor_flops = 2.0 * scores * (s.dk + s.dv);
  w->sfu_ops = scores;
  w->fp32_flops = scores * MDL_FP32_OPS_PER_SCORE + heads * tiles * m->block_m * s.dv * MDL_FP32_OPS_PER_RESCALE;
  double q_bytes = heads * s.t * s.dk * s.e;
  double kv_l2 = heads * tiles * kv_tile;
  w->l2_read_bytes = q_bytes + kv_l2;
  /* The query tiles of all heads of a group read the same K/V; co-resident
  ** CTAs are consecutive query tiles of one head (grid x = query tile). */
  double kv_unique = s.b * s.hk * s.s * (s.dk + s.dv) * s.e;
  double sharers = fmin(nq, a->sm.count * mdl_occupancy(a, wl, map).ctas_per_sm);
  double hpg = s.hq / s.hk, head_bytes = s.t * (s.dk * s.e + s.dv * s.e + 4.0);
  w->hbm_read_bytes = q_bytes + mdl_group_kv_hbm(a, kv_unique / (s.b * s.hk), kv_l2 / (s.b * s.hk), sharers,
                                                 head_bytes, hpg) * s.b * s.hk;
  w->hbm_write_bytes = heads * s.t * (s.dv * s.e + 4.0);
  w->smem_bytes = kv_l2 * (1.0 + smem_readers(m)) + q_bytes * 2.0;
  w->iters_per_cta = ceil(tiles / nq);
  w->tile_bytes = kv_tile;
  w->softmax_overlapped = 0;
  /* The validation's token-major forward (attn_fwd.cu: mma.sync, a warp per 16 query rows, 64-key
  ** tiles; full attention, the compressed branch, the window): its instruction stream per tile and
  ** fixed (the Q tile, the first copies, the epilogue: a tenth of a window CTA's 10 tiles), at its
  ** measured interval, a tensor-pipe throughput its resident warps share (kstream.h SPEC_FWD_*),
  ** as the cycle engine runs it. */
  if (m->mma == SPEC_MMA_SYNC && m->block_m == 16u * m->warps && m->block_n == 64) {
    w->warp_instr_per_iter = spec_fwd_instr_per_tile(s.dk, s.dv);
    w->warp_instr_fixed = SPEC_FWD_INSTR_FIXED;
    w->issue_cycles = SPEC_FWD_ISSUE_CYCLES;
    w->issue_warps = SPEC_FWD_ISSUE_WARPS;
    w->issue_shared = 1;
  }
}
/* }==== */

/* {==== Backward ==== */
void mdl_delta_work(const spec_arch *a, const spec_workload *wl, spec_kernel_id map, const char *name,
                    double rows, double ctas, double tile_bytes, mdl_work *w) {
  const spec_problem *pr = &wl->problem;
  double dv = pr->head_dim_v, e = spec_dtype_bytes(pr->dtype);
  *w = (mdl_work){0};
  w->name = name;
  w->map = map;
  w->ctas = ctas;
  w->fp32_flops = 2.0 * rows * dv;
  w->l2_read_bytes = 2.0 * rows * dv * e;
  w->hbm_read_bytes = w->l2_read_bytes;
  w->hbm_write_bytes = rows * 4.0;
  w->iters_per_cta = 1;
  w->tile_bytes = tile_bytes;
  if (wl->kernel[map].mma != SPEC_MMA_SYNC)
    return;
  /* The validation's bwd_pre_kernel (kstream.h): a warp per row in CTAs of 4 warps, as many
  ** resident as the SM's warp, thread and CTA slots allow; each warp waits out d_v / 64 round
  ** trips one after another, each followed by its arithmetic, then its reduction and store. So the
  ** pass is as fast as its resident warps turn over (Little's law on 256 bytes per warp in flight),
  ** not the HBM bandwidth, unless that is the slower. */
  w->ctas = ceil(rows / SPEC_DELTA_WARPS);
  w->grid_warps = SPEC_DELTA_WARPS;
  w->grid_ctas_per_sm = spec_grid_ctas_per_sm(a, (uint32_t)SPEC_DELTA_WARPS, 0);
  w->iters_per_cta = ceil(dv / SPEC_DELTA_COLS_PER_ROUND);
  w->tile_bytes = SPEC_DELTA_WARPS * 32.0 * 2.0 * 2.0 * e;
  w->loads_serial = 1;
  w->warp_instr_per_iter = SPEC_DELTA_INSTR_PER_ROUND;
  w->warp_instr_fixed = SPEC_DELTA_INSTR_FIXED;
  w->warps_active = SPEC_DELTA_WARPS_ACTIVE;
}

/* The validation's dK/dV kernel (bwd_dkdv_kernel, kstream.h): one CTA per (sequence, split,
** KV head, key tile) walks the (head of group, query tile) items that see its keys, a 1/splits share
** each, issuing SPEC_BWD_DKDV_* per item. Its grid dispatches the key tiles last to first, so
** in a causal walk the longest CTAs start last: the busiest slot's steps are those of the CTAs
** before the last `slots` spread over the slots, then the longest of the last (greedy dispatch in
** ascending length). Key tile k's keys sit at positions k0 * st + off on (compressed branch: st =
** d, off = l - 1); a window of w ends the query tiles at its last key's position + w - 1. */
static void dkdv_stream(const spec_arch *a, const spec_workload *wl, spec_kernel_id map, mdl_work *w) {
  const spec_problem *pr = &wl->problem;
  const spec_mapping *m = &wl->kernel[map];
  double dk = pr->head_dim_qk, g = (double)pr->heads_q / pr->heads_kv;
  double bm = m->block_m, bn = m->block_n, T = (double)pr->q_len, Tk = T, st = 1, off = 0, win = 0;
  if (map == SPEC_K_CMP_ATTN) {
    st = wl->attention.compression.stride;
    off = wl->attention.compression.block - 1.0;
    Tk = T >= wl->attention.compression.block ? floor((T - wl->attention.compression.block) / st) + 1 : 0;
  } else if (map == SPEC_K_WINDOW) {
    win = wl->attention.window;
  }
  double splits = m->split_kv > 1 ? m->split_kv : 1.0;
  double nk = ceil(Tk / bn);
  if (nk < 1 || !pr->causal)
    return;
  /* The compressed branch's few key tiles are each seen by nearly every query: the validation
  ** splits their queries so the grid holds about 8 CTAs per SM, at least 4 query tiles a split
  ** (validate/harness/val_main.c q_splits), and a reduce pass sums the partials (about 1% of the
  ** time, not modelled). */
  if (map == SPEC_K_CMP_ATTN && splits <= 1) {
    double tiles = nk * pr->batch * pr->heads_kv, items = ceil(T / bm) * g;
    splits = fmax(1.0, fmin(ceil(8.0 * a->sm.count / tiles), floor(items / 4.0)));
  }
  w->warp_instr_per_iter = SPEC_BWD_DKDV_INSTR_PER_ITEM + SPEC_BWD_DKDV_INSTR_PER_16DK * (dk - 128.0) / 16.0;
  w->warp_instr_fixed = SPEC_BWD_DKDV_INSTR_FIXED;
  w->issue_cycles = SPEC_BWD_DKDV_ISSUE_CYCLES;
  w->issue_warps = SPEC_BWD_DKDV_ISSUE_WARPS;
  w->ctas *= splits;
  double units = w->ctas / nk; /* (sequence, split, KV head) blocks of nk CTAs, dispatched in turn */
  double slots = a->sm.count * fmax(1.0, mdl_occupancy(a, wl, map).ctas_per_sm);
  /* Items of key tile k per CTA; the last CTAs dispatched are each unit's k = 0, 1, ... */
  double total = 0, last = 0, longest = 0;
  for (double k = 0; k < nk; k++) {
    double k0 = k * bn, kl = fmin(k0 + bn, Tk) - 1.0;
    double qf = k0 * st + off, ql = win > 0 ? fmin(T - 1.0, kl * st + off + win - 1.0) : T - 1.0;
    double items = qf <= ql ? ceil(g * (floor(ql / bm) - floor(qf / bm) + 1.0) / splits) : 0;
    total += items * units;
    longest = fmax(longest, items);
    /* the last `slots` CTAs: whole units from the last back, then the rest of one unit's k = 0.. */
    last += items * fmin(units, floor(slots / nk) + (k < fmod(slots, nk) ? 1.0 : 0.0));
  }
  w->path_iters = fmax(total / slots, fmax(0.0, total - last) / slots + longest);
}

sim_status mdl_flash_bwd(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                         const char *const names[4], double tiles, double keys, sim_pipeline *p,
                         sim_diag *d) {
  shape s = shape_of(wl);
  s.s = keys;
  const spec_mapping *m = &wl->kernel[map];
  double heads = s.b * s.hq;
  double scores = heads * tiles * m->block_m * m->block_n;
  double nq = ceil(s.t / m->block_m), nk = ceil(s.s / m->block_n);
  double kv_unique = s.b * s.hk * s.s * (s.dk + s.dv) * s.e;
  double q_do_tile = m->block_m * (s.dk + s.dv) * s.e + m->block_m * 8.0;
  mdl_work w = {0};

  /* delta = rowsum(dO * O): one streaming pass. */
  mdl_delta_work(a, wl, map, names[0], heads * s.t, heads * nq, m->block_m * s.dv * s.e * 2.0, &w);
  sim_status st = mdl_emit(a, wl, &w, p, d);
  if (st != SIM_OK)
    return st;

  /* dK, dV: one CTA per KV tile and query head, looping over the query tiles
  ** that see it: S = Q K^T, P, dV += P^T dO, dP = dO V^T, dS, dK += dS^T Q.
  ** Design group: one CTA per KV tile and KV head walks the query tiles of
  ** every head of its group, summing dK, dV in registers (no GQA-sum pass). */
  int walk = m->design == SPEC_DESIGN_GROUP;
  w = (mdl_work){0};
  w.name = names[1];
  w.map = map;
  w.ctas = (walk ? s.b * s.hk : heads) * nk;
  w.tensor_flops = 2.0 * scores * (2.0 * s.dk + 2.0 * s.dv);
  w.sfu_ops = scores;
  w.fp32_flops = scores * (MDL_FP32_OPS_PER_SCORE + 2.0);
  double q_l2 = heads * tiles * q_do_tile;
  w.l2_read_bytes = q_l2 + (walk ? s.b * s.hk : heads) * s.s * (s.dk + s.dv) * s.e;
  double q_unique = heads * s.t * ((s.dk + s.dv) * s.e + 8.0);
  if (walk) {
    /* Neighbouring KV tiles' CTAs read the same Q/dO tile of head h some steps apart: their first
    ** query tiles differ by dlo tiles, and in a causal walk each head's span shrinks by dlo too
    ** (a window keeps it). A tile is still in L2 when the whole device's traffic in between,
    ** (dlo + h * dspan) steps of every resident CTA, fits the L2; heads further in the walk miss. */
    double dlo = fmax(1.0, m->block_n * (s.t / fmax(1.0, s.s)) / m->block_m);
    double dspan = map == SPEC_K_WINDOW ? 0.0 : dlo;
    double step_bytes = a->sm.count * mdl_occupancy(a, wl, map).ctas_per_sm * q_do_tile;
    double hits = 0;
    for (double h = 0; h < s.g; h++)
      hits += (dlo + h * dspan) * step_bytes <= mdl_l2_effective_bytes(a);
    w.hbm_read_bytes = kv_unique + q_unique + (1.0 - hits / s.g) * fmax(0.0, q_l2 - q_unique);
    w.hbm_write_bytes = s.b * s.hk * s.s * (s.dk + s.dv) * s.e;
  } else {
    w.hbm_read_bytes = kv_unique + mdl_reuse_hbm(a, q_unique / heads, q_l2 / heads,
                                                 fmin(nk, a->sm.count)) * heads;
    /* GQA: per-query-head dK/dV are written, then summed over the group. */
    w.hbm_write_bytes = heads * s.s * (s.dk + s.dv) * s.e;
  }
  w.smem_bytes = q_l2 * (1.0 + smem_readers(m)) + heads * tiles * m->block_m * m->block_n * s.e * 2.0;
  w.iters_per_cta = ceil(tiles / nk) * (walk ? s.g : 1.0);
  w.tile_bytes = q_do_tile;
  if (walk && m->mma == SPEC_MMA_SYNC)
    dkdv_stream(a, wl, map, &w);
  st = mdl_emit(a, wl, &w, p, d);
  if (st != SIM_OK)
    return st;

  /* dQ: one CTA per query tile: S, P, dP = dO V^T, dS, dQ += dS K. */
  w = (mdl_work){0};
  w.name = names[2];
  w.map = map;
  w.ctas = heads * nq;
  w.tensor_flops = 2.0 * scores * (2.0 * s.dk + s.dv);
  w.sfu_ops = scores;
  w.fp32_flops = scores * (MDL_FP32_OPS_PER_SCORE + 2.0);
  double kv_l2 = heads * tiles * m->block_n * (s.dk + s.dv) * s.e;
  w.l2_read_bytes = q_unique + kv_l2;
  double sharers = fmin(nq, a->sm.count * mdl_occupancy(a, wl, map).ctas_per_sm);
  /* One head's pass: its Q, dO, lse and delta (q_unique's share) and its dQ written. */
  w.hbm_read_bytes = q_unique + mdl_group_kv_hbm(a, kv_unique / (s.b * s.hk), kv_l2 / (s.b * s.hk), sharers,
                                                 q_unique / heads + s.t * s.dk * s.e, s.hq / s.hk) * s.b * s.hk;
  w.hbm_write_bytes = heads * s.t * s.dk * s.e;
  w.smem_bytes = kv_l2 * (1.0 + smem_readers(m)) + q_unique * 2.0;
  w.iters_per_cta = ceil(tiles / nq);
  w.tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
  if (m->mma == SPEC_MMA_SYNC && m->block_m == 64 && m->block_n == 64) {
    /* bwd_dq_kernel's stream (kstream.h); its grid starts the longest query tiles first. */
    w.warp_instr_per_iter = SPEC_BWD_DQ_INSTR_PER_TILE + SPEC_BWD_DQ_INSTR_PER_16DK * (s.dk - 128.0) / 16.0;
    w.warp_instr_fixed = SPEC_BWD_DQ_INSTR_FIXED;
    w.issue_cycles = SPEC_BWD_DQ_ISSUE_CYCLES;
    w.issue_warps = SPEC_BWD_DQ_ISSUE_WARPS;
  }
  st = mdl_emit(a, wl, &w, p, d);
  if (st != SIM_OK)
    return st;

  /* The group sum of dK and dV (GQA only, per-head design). */
  if (s.g > 1 && !walk) {
    w = (mdl_work){0};
    w.name = names[3];
    w.map = SPEC_K_COMBINE;
    w.ctas = ceil(s.b * s.hk * s.s / wl->kernel[SPEC_K_COMBINE].block_m);
    w.fp32_flops = heads * s.s * (s.dk + s.dv);
    w.l2_read_bytes = heads * s.s * (s.dk + s.dv) * s.e;
    w.hbm_read_bytes = w.l2_read_bytes;
    w.hbm_write_bytes = s.b * s.hk * s.s * (s.dk + s.dv) * s.e;
    w.iters_per_cta = 1;
    w.tile_bytes = wl->kernel[SPEC_K_COMBINE].block_m * (s.dk + s.dv) * s.e * s.g;
    st = mdl_emit(a, wl, &w, p, d);
  }
  return st;
}
/* }==== */

/* {==== Decode ==== */
static uint32_t auto_splits(const spec_arch *a, double units, double kv_tiles) {
  /* Enough splits for two CTAs per SM, no more than there are KV tiles. */
  double want = ceil(2.0 * a->sm.count / units);
  return (uint32_t)fmax(1.0, fmin(want, kv_tiles));
}

double mdl_decode_splits(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                         uint32_t split_kv, double keys) {
  double units = (double)wl->problem.batch * wl->problem.heads_kv;
  double kv_tiles = ceil(keys / wl->kernel[map].block_n);
  return split_kv ? split_kv : auto_splits(a, units, kv_tiles);
}

void mdl_split_decode_work(const spec_workload *wl, spec_kernel_id map,
                           const char *name, double keys, double splits, mdl_work *w) {
  shape s = shape_of(wl);
  s.s = keys;
  const spec_mapping *m = &wl->kernel[map];
  double units = s.b * s.hk; /* one (sequence, KV head): its G heads share K/V */
  double kv_tiles = ceil(s.s / m->block_n);
  double rows = s.g * s.t;                 /* queries of a group packed as tile rows */
  double row_tiles = ceil(rows / m->block_m);
  double scores = units * row_tiles * m->block_m * kv_tiles * m->block_n;
  *w = (mdl_work){0};
  w->name = name;
  w->map = map;
  w->ctas = units * row_tiles * splits;
  w->tensor_flops = 2.0 * scores * (s.dk + s.dv);
  w->sfu_ops = scores;
  w->fp32_flops = scores * MDL_FP32_OPS_PER_SCORE;
  double kv = units * s.s * (s.dk + s.dv) * s.e;
  double q = s.b * s.hq * s.t * s.dk * s.e;
  w->l2_read_bytes = kv * row_tiles + q * splits;
  w->hbm_read_bytes = kv + q;
  w->hbm_write_bytes = s.b * s.hq * s.t * splits * (s.dv * 4.0 + 8.0);
  /* NSA decode: the compressed branch also leaves its logits (G x keys fp32 per unit) for the
  ** selection, which then needs no second pass over K_cmp (model/nsa.c). */
  if (map == SPEC_K_CMP_ATTN)
    w->hbm_write_bytes += units * s.g * s.s * 4.0;
  w->smem_bytes = kv * row_tiles * (1.0 + smem_readers(m));
  w->iters_per_cta = ceil(kv_tiles / splits);
  w->tile_bytes = m->block_n * (s.dk + s.dv) * s.e;
  /* The validation kernel is the group kernel (val_group.cuh), one row tile per CTA, at its own
  ** measured issue interval (kstream.h SPEC_GRP_ISSUE_*). */
  w->warp_instr_per_iter = MDL_GROUP_INSTR_PER_TILE(s.dk);
  w->warp_instr_fixed = spec_grp_instr_fixed_g(m->warps, s.dv, s.g);
  w->issue_cycles = SPEC_GRP_ISSUE_CYCLES;
  w->issue_warps = SPEC_GRP_ISSUE_WARPS;
  w->issue_slope = SPEC_GRP_ISSUE_SLOPE;
}

sim_status mdl_split_decode(const spec_arch *a, const spec_workload *wl, spec_kernel_id map,
                            const char *name, double keys, double *splits_out, sim_pipeline *p,
                            sim_diag *d) {
  mdl_work w;
  double splits = mdl_decode_splits(a, wl, map, wl->kernel[map].split_kv, keys);
  mdl_split_decode_work(wl, map, name, keys, splits, &w);
  *splits_out = splits;
  return mdl_emit(a, wl, &w, p, d);
}

double mdl_merge_rounds(double splits) {
  return MDL_MERGE_PASSES * ceil(splits / MDL_MERGE_UNROLL);
}

sim_status mdl_decode_combine(const spec_arch *a, const spec_workload *wl, const char *name,
                              double partials, double gated, double rounds, double launches,
                              sim_pipeline *p, sim_diag *d) {
  shape s = shape_of(wl);
  double splits = partials;
  mdl_work w = {0};
  w.name = name;
  w.map = SPEC_K_COMBINE;
  /* One CTA per query row; its threads load every partial at once. */
  w.ctas = s.b * s.hq * s.t;
  w.fp32_flops = s.b * s.hq * s.t * splits * (s.dv * 2.0 + 4.0);
  w.sfu_ops = s.b * s.hq * s.t * splits;
  w.l2_read_bytes = s.b * s.hq * s.t * splits * (s.dv * 4.0 + 8.0);
  w.l2_read_bytes += gated * s.b * s.hq * s.t * s.e;
  w.hbm_read_bytes = w.l2_read_bytes;
  w.hbm_write_bytes = s.b * s.hq * s.t * s.dv * s.e;
  /* Its loads come in rounds that each wait for the one before, each round a pass's next 8
  ** partials of the row: what a CTA has in flight is one round's share of its bytes, not every
  ** partial at once. */
  w.tile_bytes = splits * (s.dv * 4.0 + 8.0) / fmax(1.0, rounds);
  w.launches = launches;
  /* The merges as their source runs them (split_combine_kernel, and gate_combine_split_kernel for
  ** the gated second launch): each round one pass's next 8 partials loaded, then their arithmetic,
  ** one round after another (kstream.h SPEC_MERGE_INSTR_*: 18 per partial over the three passes,
  ** 516 fixed per row; the gated launch's own 633 fixed, SPEC_GATE_MERGE_INSTR_FIXED). The partials
  ** were written by the kernel before and the harness repeats the merge back to back, so each
  ** round trip is an L2 hit, in the home partition of the line: half of them the far one. */
  w.iters_per_cta = fmax(1.0, rounds);
  w.warp_instr_per_iter = SPEC_MERGE_INSTR_PER_PART * splits / w.iters_per_cta;
  w.warp_instr_fixed = SPEC_MERGE_INSTR_FIXED + (gated > 0 ? SPEC_GATE_MERGE_INSTR_FIXED : 0.0);
  w.loads_serial = 1;
  w.loads_l2_resident = 1;
  return mdl_emit(a, wl, &w, p, d);
}
/* }==== */

sim_status mdl_full_pipeline(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                             sim_diag *d) {
  const spec_problem *pr = &wl->problem;
  const spec_mapping *m = &wl->kernel[SPEC_K_FULL];
  double tiles = mdl_kv_tiles(pr->q_len, pr->seq_len, m->block_m, m->block_n, pr->causal);
  sim_status st = SIM_OK;
  switch (pr->phase) {
  case SPEC_PHASE_FWD: {
    mdl_work w = {0};
    mdl_flash_fwd(a, wl, SPEC_K_FULL, "full.fwd", tiles, (double)pr->seq_len, &w);
    st = mdl_emit(a, wl, &w, p, d);
    break;
  }
  case SPEC_PHASE_BWD: {
    static const char *const names[4] = {"full.bwd.pre", "full.bwd.dkdv", "full.bwd.dq",
                                         "full.bwd.gqa_sum"};
    st = mdl_flash_bwd(a, wl, SPEC_K_FULL, names, tiles, (double)pr->seq_len, p, d);
    break;
  }
  case SPEC_PHASE_DECODE: {
    double splits = 1;
    st = mdl_split_decode(a, wl, SPEC_K_FULL, "full.decode", (double)pr->seq_len, &splits, p, d);
    if (st == SIM_OK)
      st = mdl_decode_combine(a, wl, "full.decode.combine", splits, 0, mdl_merge_rounds(splits), 1, p, d);
    break;
  }
  }
  sim_pipeline_sum(p);
  return st;
}
