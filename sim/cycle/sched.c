/*
** sim/cycle/sched.c — schedule generators: for CTA `cta` of a kernel, how
** many steps it runs and what each step loads, computes and stores. Steps
** are made on demand from the CTA's coordinates, so a 262,144-CTA kernel
** needs no schedule in memory. Tensors are laid out [batch, head, token,
** dim] at well-separated base addresses; a tile is a run of contiguous rows.
** FLOPs per step are those of whole tiles, as the analytical model counts.
** The fused decode's own schedules (pool, selection, branch grid, tails) are
** in sched_fused.c.
*/
#include <string.h>

#include "cyc_int.h"

/* {==== Key ranges of a query tile ==== */
/* Keys [lo, hi) that query tile j of a unit sees; positions end at off + rows. */
static void key_range(const cyc_kernel *k, uint64_t j, uint64_t *lo, uint64_t *hi) {
  uint64_t off = k->nkeys >= k->rows ? k->nkeys - k->rows : 0;
  uint64_t r0 = j * k->bm, r1 = (j + 1) * k->bm < k->rows ? (j + 1) * k->bm : k->rows;
  const spec_attention *at = &k->wl->attention;
  *lo = 0;
  *hi = k->nkeys;
  switch (k->keys) {
  case CYC_KEYS_ALL:
  case CYC_KEYS_SPLIT:
    *hi = k->nkeys;
    break;
  case CYC_KEYS_CAUSAL:
    *hi = off + r1;
    break;
  case CYC_KEYS_WINDOW:
    *hi = off + r1;
    *lo = off + r0 + 1 > at->window ? off + r0 + 1 - at->window : 0;
    break;
  case CYC_KEYS_CMP: {
    /* rows are token positions; keys are compressed tokens */
    uint64_t pos_end = (k->wl->problem.seq_len - k->wl->problem.q_len) + r1;
    uint64_t l = at->compression.block, d = at->compression.stride;
    *hi = pos_end >= l ? (pos_end - l) / d + 1 : 0;
    break;
  }
  }
}

static void tile_span(const cyc_kernel *k, uint64_t j, uint64_t *first, uint64_t *last) {
  uint64_t lo, hi;
  key_range(k, j, &lo, &hi);
  *first = lo / k->bn;
  *last = cyc_ceil_div(hi, k->bn); /* tiles [first, last) */
  if (*last < *first)
    *last = *first;
}
/* }==== */

/* {==== Step counts ==== */
static uint64_t nq_tiles(const cyc_kernel *k) { return cyc_ceil_div(k->rows, k->bm); }

/* The query tile of FLASH_Q CTA cta (rev_tiles: last to first, as the backward's dQ grid runs). */
static uint64_t q_tile_of(const cyc_kernel *k, uint64_t cta) {
  uint64_t nq = nq_tiles(k), j = cta % nq;
  return k->rev_tiles ? nq - 1 - j : j;
}

/* The key tile of FLASH_KV CTA cta (rev_tiles: last to first, as the backward's dK/dV grid runs:
** ktile = gridDim.x - 1 - blockIdx.x, so the causal walk's shortest CTAs start first). */
static uint64_t kv_tile_of(const cyc_kernel *k, uint64_t cta) {
  uint64_t nk = cyc_ceil_div(k->nkeys, k->bn), kt = cta % nk;
  return k->rev_tiles ? nk - 1 - kt : kt;
}

/* The first query tile j in [from, nq) whose span's first (use_first) or
** last tile index exceeds kt; spans only grow with j, so bisect. */
static uint64_t first_tile_past(const cyc_kernel *k, uint64_t from, uint64_t kt, int use_first) {
  uint64_t a = from, b = nq_tiles(k);
  while (a < b) {
    uint64_t m = (a + b) / 2, f, l;
    tile_span(k, m, &f, &l);
    if ((use_first ? f : l) > kt)
      b = m;
    else
      a = m + 1;
  }
  return a;
}

/* FLASH_KV: the query tiles [lo, hi) whose key tiles include kt. */
static void q_interval(const cyc_kernel *k, uint64_t kt, uint64_t *lo, uint64_t *hi) {
  *lo = first_tile_past(k, 0, kt, 0);
  *hi = first_tile_past(k, *lo, kt, 1);
}

/* group_union: CTA cta serves tokens [t0, t0 + ntok) of unit u (a sequence and KV head). */
static void union_coords(const cyc_kernel *k, uint64_t cta, uint64_t *u, uint64_t *t0, uint64_t *ntok) {
  uint64_t tpc = k->tok_per_cta, per_unit = cyc_ceil_div(k->rows, tpc);
  *u = cta / per_unit;
  *t0 = (cta % per_unit) * tpc;
  *ntok = *t0 + tpc <= k->rows ? tpc : k->rows - *t0;
}

/* group_union: the union of the CTA's tokens' blocks in first-occurrence order (as the kernel
** builds it) in blk[0, m), how many of the tokens chose each in blk[T*n + j]; the tokens' own
** lists go through blk[2*T*n ...]. */
static uint32_t union_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk) {
  uint64_t tpc = k->tok_per_cta, u, t0, ntok;
  union_coords(k, cta, &u, &t0, &ntok);
  uint32_t cnt = k->wl->attention.selection.count, m = 0;
  int32_t *uni = blk, *users = blk + tpc * cnt, *own = blk + 2 * tpc * cnt;
  for (uint64_t t = t0; t < t0 + ntok; t++) {
    uint32_t n = cyc_sel_get(k->sel, (uint32_t)(u / k->wl->problem.heads_kv),
                             (uint32_t)(u % k->wl->problem.heads_kv), t, own);
    for (uint32_t i = 0; i < n; i++) {
      uint32_t j = 0;
      while (j < m && uni[j] != own[i])
        j++;
      if (j == m) {
        uni[m] = own[i];
        users[m++] = 0;
      }
      users[j]++;
    }
  }
  return m * (uint32_t)(k->wl->attention.selection.block / k->bn);
}

/* STREAM as a split merge: per branch, SPEC_MERGE_PASSES passes of ceil(parts / unroll) rounds. */
static uint32_t merge_rounds(uint64_t parts) { return (uint32_t)cyc_ceil_div(parts, SPEC_MERGE_UNROLL); }

static uint32_t merge_steps(const cyc_kernel *k) {
  uint32_t n = 0;
  for (int b = 0; b < 3; b++)
    n += SPEC_MERGE_PASSES * merge_rounds(k->merge_parts[b]);
  return n ? n : 1;
}

static uint32_t flash_q_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk) {
  if (k->sel_keys)
    cyc_sel_get(k->sel, (uint32_t)((cta / k->splits) / k->wl->problem.heads_kv),
                (uint32_t)((cta / k->splits) % k->wl->problem.heads_kv), 0, blk);
  if (k->keys == CYC_KEYS_SPLIT) {
    uint64_t s = cta % k->splits;
    uint64_t per = cyc_ceil_div(cyc_ceil_div(k->nkeys, k->bn), k->splits);
    uint64_t tiles = cyc_ceil_div(k->nkeys, k->bn);
    uint64_t f = s * per, l = (s + 1) * per < tiles ? (s + 1) * per : tiles;
    return (uint32_t)(l > f ? l - f : 1);
  }
  uint64_t f, l;
  tile_span(k, q_tile_of(k, cta), &f, &l);
  return (uint32_t)(l > f ? l - f : 1) + (k->topn_tail ? 1u : 0u);
}

/* The forward top-n of query tile j's last token (its n_valid = floor(p / l') + 1 blocks). */
static void step_topn(const cyc_kernel *k, uint64_t j, cyc_step *o) {
  const spec_attention *at = &k->wl->attention;
  uint64_t r1 = (j + 1) * k->bm < k->rows ? (j + 1) * k->bm : k->rows;
  uint64_t pos = (k->wl->problem.seq_len - k->wl->problem.q_len) + r1 - 1;
  double n_valid = floor((double)pos / at->selection.block) + 1.0;
  o->warp_instr = spec_topn_instr(n_valid, at->selection.count,
                                  (double)at->selection.initial + at->selection.local, 32.0);
  o->issue_warps = (double)(r1 - j * k->bm);
  o->dep_only = 1;
}

uint32_t cyc_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk) {
  switch (k->kind) {
  case CYC_K_FLASH_Q: /* the fused decode's pool goes first (sched_fused.c) */
    return cyc_pre_steps(k, cta) + flash_q_steps(k, cta, blk);
  case CYC_K_FLASH_KV: {
    uint64_t lo, hi;
    q_interval(k, kv_tile_of(k, cta), &lo, &hi);
    return (uint32_t)(hi > lo ? (hi - lo) * (k->walk_group ? k->group : 1) : 1);
  }
  case CYC_K_SELECTED: {
    if (k->tok_per_cta > 1)
      return union_steps(k, cta, blk);
    uint64_t t = cta % k->rows, u = cta / k->rows;
    uint32_t n = cyc_sel_get(k->sel, (uint32_t)(u / k->wl->problem.heads_kv),
                             (uint32_t)(u % k->wl->problem.heads_kv), t, blk);
    return n * (uint32_t)(k->wl->attention.selection.block / k->bn);
  }
  case CYC_K_KV_OUTER: {
    const cyc_sel *s = k->sel;
    uint64_t nq = s->start[cta + 1] - s->start[cta];
    return (uint32_t)(nq ? cyc_ceil_div(nq * k->group, k->bm) : 0);
  }
  case CYC_K_STREAM: /* the decode selection: its rounds, then Eq. 9 and the top-n */
    if (k->round_bytes) /* the delta pass: rounds of every row's columns */
      return (uint32_t)cyc_ceil_div(k->in_row[0], k->round_bytes);
    return k->sel_rounds ? k->sel_rounds + 2u : merge_steps(k);
  case CYC_K_COMPRESS:
    if (k->pool_rows) /* the mean pool: rounds of pool_rows tokens of each block */
      return (uint32_t)cyc_ceil_div(k->wl->attention.compression.block, k->pool_rows);
    return 1 + (uint32_t)cyc_ceil_div(k->weights_bytes, 65536);
  case CYC_K_DEC_SELECT:
    return cyc_select_steps(k, cta);
  case CYC_K_DEC_BRANCHES:
    return cyc_branch_steps(k, cta, blk);
  }
  return 1;
}
/* }==== */

/* {==== Steps ==== */
static void flash_compute(const cyc_kernel *k, cyc_step *o, double pairs, double rows) {
  o->tensor_flops += k->tensor_per_pair * pairs;
  o->sfu_ops += k->sfu_per_pair * pairs;
  o->fp32_flops += k->fp32_per_pair * pairs + k->fp32_per_row * rows;
}

static uint64_t sel_key_addr(const cyc_kernel *k, uint64_t unit, uint64_t key, uint64_t base,
                             uint64_t row, const int32_t *blk) {
  /* decode: key index in [0, n*l') -> the unit's selected blocks (query 0) */
  if (k->sel_keys) {
    uint64_t lp = k->wl->attention.selection.block;
    uint64_t bi = key / lp;
    int64_t b = bi < k->wl->attention.selection.count && blk[bi] >= 0 ? blk[bi] : 0;
    return base + (unit * k->wl->problem.seq_len + (uint64_t)b * lp + key % lp) * row;
  }
  return base + (unit * k->key_stride + k->key_off + key) * row;
}

static void step_flash_q(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n,
                         const int32_t *blk, cyc_step *o) {
  if (k->topn_tail && k->keys != CYC_KEYS_SPLIT) {
    if (i + 1 == n) {
      step_topn(k, q_tile_of(k, cta), o);
      return;
    }
    n--;
  }
  uint64_t nq = k->keys == CYC_KEYS_SPLIT ? 1 : nq_tiles(k);
  uint64_t j = k->keys == CYC_KEYS_SPLIT ? 0 : q_tile_of(k, cta);
  uint64_t unit = k->keys == CYC_KEYS_SPLIT ? cta / k->splits : cta / nq; /* (b, head) */
  uint64_t kv = unit / k->group;
  uint64_t first, last;
  if (k->keys == CYC_KEYS_SPLIT) {
    uint64_t tiles = cyc_ceil_div(k->nkeys, k->bn), per = cyc_ceil_div(tiles, k->splits);
    first = (cta % k->splits) * per;
    last = first + per < tiles ? first + per : tiles;
  } else {
    tile_span(k, j, &first, &last);
  }
  uint64_t rows = (j + 1) * k->bm < k->rows ? k->bm : k->rows - j * k->bm;
  if (i == 0)
    cyc_range_set(&o->load[o->nload++],
          k->q_base + unit * k->rows * k->row_q_bytes + j * k->bm * k->row_q_bytes / k->q_rows_per_token,
          rows * k->row_q_bytes / k->q_rows_per_token, k->q_rows_per_token,
          k->rows * k->row_q_bytes / k->q_rows_per_token);
  if (first + i < last) {
    uint64_t key = (first + i) * k->bn;
    uint64_t nk = key + k->bn < k->nkeys ? k->bn : k->nkeys - key;
    cyc_range_set(&o->load[o->nload++], sel_key_addr(k, kv, key, k->k_base, k->row_k_bytes, blk),
          nk * k->row_k_bytes, 1, 0);
    if (!k->loads_k_only)
      cyc_range_set(&o->load[o->nload++], sel_key_addr(k, kv, key, k->v_base, k->row_v_bytes, blk),
            nk * k->row_v_bytes, 1, 0);
    double tile = (double)k->bn * (k->row_k_bytes + (k->loads_k_only ? 0 : k->row_v_bytes));
    o->smem_bytes += tile * (1.0 + k->smem_readers);
    flash_compute(k, o, (double)k->bm * k->bn, (double)k->bm);
    o->warp_instr += k->instr_per_tile;
  }
  if (i == 0)
    o->smem_bytes += 2.0 * rows * k->row_q_bytes;
  if (i + 1 == n) {
    o->warp_instr += k->instr_fixed;
    uint64_t slot = k->keys == CYC_KEYS_SPLIT ? cta : unit * k->rows + j * k->bm;
    uint64_t orows = k->keys == CYC_KEYS_SPLIT ? k->rows : rows;
    cyc_range_set(&o->store[o->nstore++], k->o_base + slot * (k->keys == CYC_KEYS_SPLIT ? orows : 1) * k->row_o_bytes,
          orows * k->row_o_bytes, 1, 0);
    if (k->aux_bytes)
      cyc_range_set(&o->store[o->nstore++], k->aux_base + slot * k->aux_bytes, orows * k->aux_bytes, 1, 0);
  }
}

static void step_flash_kv(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  uint64_t nk = cyc_ceil_div(k->nkeys, k->bn), kt = kv_tile_of(k, cta), unit = cta / nk;
  uint64_t lo, hi;
  q_interval(k, kt, &lo, &hi);
  /* unit: the CTA's query head, or with walk_group its KV head; step i reads query tile j of
  ** query head qh (walk_group: head i / span of the group, tile lo + i % span) */
  uint64_t kv, qh, j;
  int have_q;
  if (k->walk_group) {
    uint64_t span = hi > lo ? hi - lo : 0;
    kv = unit;
    have_q = span > 0;
    qh = have_q ? kv * k->group + i / span : 0;
    j = have_q ? lo + i % span : 0;
  } else {
    kv = unit / k->group;
    qh = unit;
    have_q = lo + i < hi;
    j = lo + i;
  }
  uint64_t krows = (kt + 1) * k->bn < k->nkeys ? k->bn : k->nkeys - kt * k->bn;
  if (i == 0) {
    cyc_range_set(&o->load[o->nload++], k->k_base + (kv * k->nkeys + kt * k->bn) * k->row_k_bytes,
          krows * k->row_k_bytes, 1, 0);
    cyc_range_set(&o->load[o->nload++], k->v_base + (kv * k->nkeys + kt * k->bn) * k->row_v_bytes,
          krows * k->row_v_bytes, 1, 0);
  }
  if (have_q) {
    uint64_t rows = (j + 1) * k->bm < k->rows ? k->bm : k->rows - j * k->bm;
    uint64_t r0 = qh * k->rows + j * k->bm;
    cyc_range_set(&o->load[o->nload++], k->q_base + r0 * k->row_q_bytes, rows * k->row_q_bytes, 1, 0);
    cyc_range_set(&o->load[o->nload++], k->o_base + r0 * k->row_o_bytes, rows * k->row_o_bytes, 1, 0);
    cyc_range_set(&o->load[o->nload++], k->aux_base + r0 * k->aux_bytes, rows * k->aux_bytes, 1, 0);
    double tile = (double)rows * (k->row_q_bytes + k->row_o_bytes + k->aux_bytes);
    o->smem_bytes += tile * (1.0 + k->smem_readers) + 2.0 * k->bm * k->bn * 2.0;
    flash_compute(k, o, (double)k->bm * k->bn, 0);
    o->warp_instr += k->instr_per_tile; /* per (head, query tile) item (kstream.h) */
  }
  if (i + 1 == n)
    o->warp_instr += k->instr_fixed;
  if (i + 1 == n)
    cyc_range_set(&o->store[o->nstore++], k->in_base[0] + (unit * k->nkeys + kt * k->bn) * (k->row_k_bytes + k->row_v_bytes),
          krows * (k->row_k_bytes + k->row_v_bytes), 1, 0);
}

/* group_union step i: tile i of the union; each token that chose the block computes its 16 rows. */
static void step_union(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, const int32_t *blk,
                       cyc_step *o) {
  uint64_t tpc = k->tok_per_cta, u, t0, ntok;
  union_coords(k, cta, &u, &t0, &ntok);
  uint64_t cnt = k->wl->attention.selection.count;
  uint64_t lp = k->wl->attention.selection.block, sub = lp / k->bn;
  uint64_t key = (uint64_t)blk[i / sub] * lp + (i % sub) * k->bn;
  uint64_t qrow = (u * k->group) * k->rows + t0;
  if (i == 0) { /* Q of the group's heads for the CTA's tokens (per head a run of tokens), indices */
    cyc_range_set(&o->load[o->nload++], k->q_base + qrow * k->row_q_bytes, ntok * k->row_q_bytes, k->group,
          k->rows * k->row_q_bytes);
    cyc_range_set(&o->load[o->nload++], k->aux_base + (u * k->rows + t0) * cnt * 4u, ntok * cnt * 4u, 1, 0);
    o->smem_bytes += 2.0 * (double)(ntok * k->group * k->row_q_bytes);
  }
  cyc_range_set(&o->load[o->nload++], k->k_base + (u * k->nkeys + key) * k->row_k_bytes, k->bn * k->row_k_bytes, 1, 0);
  cyc_range_set(&o->load[o->nload++], k->v_base + (u * k->nkeys + key) * k->row_v_bytes, k->bn * k->row_v_bytes, 1, 0);
  o->smem_bytes += (double)k->bn * (k->row_k_bytes + k->row_v_bytes) * 2.0;
  double users = (double)blk[tpc * cnt + i / sub];
  flash_compute(k, o, 16.0 * users * k->bn, 0);
  if (k->prod_per_tile > 0) {
    /* The producer warp issues the tile's copies; each consumer warp whose token chose the block
    ** computes it, the others pass it: the path is the longer of the producer and the mean
    ** consumer, the issue slots are everyone's (kstream.h). */
    double share = users / (double)ntok;
    double cons = k->instr_per_tile * share + k->skip_per_tile * (1.0 - share);
    o->warp_instr = cons > k->prod_per_tile ? cons : k->prod_per_tile;
    o->issue_warps = (k->prod_per_tile + (double)ntok * cons) / o->warp_instr;
    if (i == 0) { /* the list union, on every warp's path behind its barriers */
      double fixed = k->instr_fixed;
      o->issue_warps = (o->warp_instr * o->issue_warps + fixed * ((double)ntok + 1.0)) / (o->warp_instr + fixed);
      o->warp_instr += fixed;
    }
  }
  if (i + 1 == n)
    cyc_range_set(&o->store[o->nstore++], k->o_base + qrow * k->row_o_bytes, ntok * k->row_o_bytes, k->group,
          k->rows * k->row_o_bytes);
}

static void step_selected(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n,
                          const int32_t *blk, cyc_step *o) {
  if (k->tok_per_cta > 1) {
    step_union(k, cta, i, n, blk, o);
    return;
  }
  uint64_t t = cta % k->rows, u = cta / k->rows;
  uint64_t lp = k->wl->attention.selection.block, sub = lp / k->bn;
  uint64_t b = (uint64_t)blk[i / sub], key = b * lp + (i % sub) * k->bn;
  uint64_t qrow = (u * k->group) * k->rows + t; /* first head of the group, token t */
  if (i == 0) {
    cyc_range_set(&o->load[o->nload++], k->q_base + qrow * k->row_q_bytes, k->row_q_bytes, k->group,
          k->rows * k->row_q_bytes);
    cyc_range_set(&o->load[o->nload++], k->aux_base + cta * k->wl->attention.selection.count * 4u,
          k->wl->attention.selection.count * 4u, 1, 0);
    o->smem_bytes += 2.0 * k->group * k->row_q_bytes;
  }
  cyc_range_set(&o->load[o->nload++], k->k_base + (u * k->nkeys + key) * k->row_k_bytes, k->bn * k->row_k_bytes, 1, 0);
  cyc_range_set(&o->load[o->nload++], k->v_base + (u * k->nkeys + key) * k->row_v_bytes, k->bn * k->row_v_bytes, 1, 0);
  o->smem_bytes += (double)k->bn * (k->row_k_bytes + k->row_v_bytes) * 2.0;
  double rows = (double)cyc_ceil_div(k->group, k->bm) * k->bm;
  flash_compute(k, o, rows * k->bn, 0);
  o->warp_instr = k->instr_per_tile;
  if (i + 1 == n) {
    o->warp_instr += k->instr_fixed;
    cyc_range_set(&o->store[o->nstore++], k->o_base + qrow * k->row_o_bytes, k->row_o_bytes, k->group,
          k->rows * k->row_o_bytes);
  }
}

static void step_kv_outer(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  const cyc_sel *s = k->sel;
  uint64_t u = cta / s->nblocks, blk = cta % s->nblocks;
  uint64_t lp = k->wl->attention.selection.block;
  uint64_t q0 = s->start[cta], nq = s->start[cta + 1] - q0;
  uint64_t per = k->bm / k->group ? k->bm / k->group : 1; /* query tokens per step */
  if (i == 0) {
    cyc_range_set(&o->load[o->nload++], k->k_base + (u * k->nkeys + blk * lp) * k->row_k_bytes, lp * k->row_k_bytes, 1, 0);
    cyc_range_set(&o->load[o->nload++], k->v_base + (u * k->nkeys + blk * lp) * k->row_v_bytes, lp * k->row_v_bytes, 1, 0);
    o->smem_bytes += 2.0 * lp * (k->row_k_bytes + k->row_v_bytes);
  }
  uint64_t a = i * per, b = a + per < nq ? a + per : nq;
  for (uint64_t q = a; q < b && o->nload < CYC_MAX_RANGES; q++) {
    uint64_t t = s->tok[q0 + q];
    uint64_t qrow = (u * k->group) * k->rows + t;
    cyc_range_set(&o->load[o->nload++], k->q_base + qrow * k->row_q_bytes, k->row_q_bytes, k->group,
          k->rows * k->row_q_bytes);
  }
  double rows = (double)k->bm;
  o->smem_bytes += (double)(b - a) * k->group * k->row_q_bytes * 2.0 + rows * lp * 4.0;
  flash_compute(k, o, rows * lp, rows);
  /* partial rows (fp32 O, max, sum) for the reduction */
  cyc_range_set(&o->store[o->nstore++], k->o_base + ((q0 + a) * k->group) * k->row_o_bytes,
        (b - a) * k->group * k->row_o_bytes, 1, 0);
  if (i + 1 == n && k->in_base[0])
    cyc_range_set(&o->store[o->nstore++], k->in_base[0] + (u * k->nkeys + blk * lp) * (k->row_k_bytes + k->row_v_bytes),
          lp * (k->row_k_bytes + k->row_v_bytes), 1, 0);
}

/* Step i of a split merge (one row per CTA): round r of pass p over branch b's partials. Pass 0
** loads the round's lse (and, in the first step, the other inputs), pass 1 loads them again (from
** L2: ncu counts 3-5% more L2 reads for the decode merges than one pass over the partials,
** reports/validation-h200.md's traffic table), pass 2 loads their o. */
static void step_merge(const cyc_kernel *k, uint64_t cta, uint32_t step, uint32_t n, cyc_step *o) {
  uint64_t total = k->merge_parts[0] + k->merge_parts[1] + k->merge_parts[2];
  uint64_t entry = k->in_row[0] / total, first = 0, b = 0;
  uint32_t i = step;
  for (; b < 2 && i >= SPEC_MERGE_PASSES * merge_rounds(k->merge_parts[b]); b++) {
    i -= SPEC_MERGE_PASSES * merge_rounds(k->merge_parts[b]);
    first += k->merge_parts[b];
  }
  uint32_t rounds = merge_rounds(k->merge_parts[b]), pass = i / rounds, r = i % rounds;
  uint64_t p0 = first + (uint64_t)r * SPEC_MERGE_UNROLL, end = first + k->merge_parts[b];
  uint64_t np = p0 + SPEC_MERGE_UNROLL < end ? SPEC_MERGE_UNROLL : end - p0;
  /* The row's partials: every o, then every lse (separate arrays, as the kernels keep them). */
  uint64_t row = k->in_base[0] + cta * k->in_row[0];
  if (pass < 2)
    cyc_range_set(&o->load[o->nload++], row + total * (entry - 8) + p0 * 8, np * 8, 1, 0);
  else
    cyc_range_set(&o->load[o->nload++], row + p0 * (entry - 8), np * (entry - 8), 1, 0);
  if (pass == 2) { /* the weighted sum of these partials' o */
    o->fp32_flops = k->fp32_per_row * (double)np / (double)total;
    o->sfu_ops = k->sfu_per_pair * (double)np / (double)total;
  }
  /* every warp's share of the pass's instructions per partial; the row's fixed part at the end
  ** of the last branch the stream covers (gated: the compressed branch's split_combine launch) */
  int last = step + 1 == n || (k->merge_streamed < 3 && b + 1 == k->merge_streamed && pass + 1 == SPEC_MERGE_PASSES &&
                               r + 1 == rounds);
  if (b < k->merge_streamed)
    o->warp_instr = k->instr_per_tile * (double)np / SPEC_MERGE_PASSES + (last ? k->instr_fixed : 0.0);
  if (step == 0)
    for (uint32_t j = 1; j < k->nin; j++)
      cyc_range_set(&o->load[o->nload++], k->in_base[j] + cta * k->in_row[j], k->in_row[j], 1, 0);
  if (step + 1 == n)
    cyc_range_set(&o->store[o->nstore++], k->o_base + cta * k->row_o_bytes, k->row_o_bytes, 1, 0);
}

/* Step i of the unfused decode selection (one row per CTA): round i < sel_rounds loads its share
** of the row's logits (the first also the lse) and takes their exp; then Eq. 9 and the group sum
** on the warps that hold selection blocks; then one warp's top-n, which stores the indices. */
static void step_seldec(const cyc_kernel *k, uint64_t cta, uint32_t i, cyc_step *o) {
  uint32_t rounds = k->sel_rounds;
  if (i < rounds) {
    uint64_t per = cyc_ceil_div(k->in_row[0], rounds), b0 = (uint64_t)i * per;
    uint64_t nb = b0 + per < k->in_row[0] ? per : k->in_row[0] - b0;
    cyc_range_set(&o->load[o->nload++], k->in_base[0] + cta * k->in_row[0] + b0, nb, 1, 0);
    if (i == 0)
      for (uint32_t j = 1; j < k->nin; j++)
        cyc_range_set(&o->load[o->nload++], k->in_base[j] + cta * k->in_row[j], k->in_row[j], 1, 0);
    o->sfu_ops = k->sfu_per_pair * (double)nb / (double)k->in_row[0];
    o->fp32_flops = 2.0 * k->sfu_per_pair * (double)nb / (double)k->in_row[0];
    o->warp_instr = k->instr_per_tile; /* every warp's logit of the round */
    return;
  }
  if (i == rounds) {
    o->fp32_flops = k->fp32_per_row - 2.0 * k->sfu_per_pair;
    o->warp_instr = k->eq9_instr;
    o->issue_warps = k->eq9_warps;
    return;
  }
  o->warp_instr = k->topn_instr;
  o->issue_warps = 1;
  cyc_range_set(&o->store[o->nstore++], k->o_base + cta * k->row_o_bytes, k->row_o_bytes, 1, 0);
}

static void step_stream(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  if (k->merge_parts[0] + k->merge_parts[1] + k->merge_parts[2]) {
    step_merge(k, cta, i, n, o);
    return;
  }
  if (k->sel_rounds) {
    step_seldec(k, cta, i, o);
    return;
  }
  uint64_t r0 = cta * k->bm, rows = r0 + k->bm < k->total_rows ? k->bm : k->total_rows - r0;
  if (k->round_bytes) {
    /* The delta pass: round i loads columns [i * round_bytes, ...) of every input row of the
    ** CTA's rows (a warp per row), then its arithmetic; the reduction and store after the last. */
    uint64_t c0 = (uint64_t)i * k->round_bytes;
    uint64_t cb = c0 + k->round_bytes < k->in_row[0] ? k->round_bytes : k->in_row[0] - c0;
    for (uint32_t j = 0; j < k->nin; j++)
      cyc_range_set(&o->load[o->nload++], k->in_base[j] + r0 * k->in_row[j] + c0, cb, rows, k->in_row[j]);
    double f = (double)cb / (double)k->in_row[0];
    o->fp32_flops = k->fp32_per_row * rows * f;
    o->sfu_ops = k->sfu_per_pair * rows * f;
    o->warp_instr = k->instr_per_tile + (i + 1 == n ? k->instr_fixed : 0.0);
    o->dep_only = 1;
    if (i + 1 == n)
      cyc_range_set(&o->store[o->nstore++], k->o_base + r0 * k->row_o_bytes, rows * k->row_o_bytes, 1, 0);
    return;
  }
  for (uint32_t j = 0; j < k->nin; j++)
    cyc_range_set(&o->load[o->nload++], k->in_base[j] + r0 * k->in_row[j], rows * k->in_row[j], 1, 0);
  cyc_range_set(&o->store[o->nstore++], k->o_base + r0 * k->row_o_bytes, rows * k->row_o_bytes, 1, 0);
  o->fp32_flops = k->fp32_per_row * rows;
  o->sfu_ops = k->sfu_per_pair * rows;
}

static void step_compress(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  const spec_attention *at = &k->wl->attention;
  uint64_t per_unit = cyc_ceil_div(k->rows, k->bm); /* rows: compressed tokens per unit */
  uint64_t u = cta / per_unit, c = cta % per_unit;
  uint64_t first = c * k->bm, cnt = first + k->bm < k->rows ? k->bm : k->rows - first;
  uint64_t d = at->compression.stride, l = at->compression.block;
  uint64_t tok0 = first * d, ntok = (cnt - 1) * d + l;
  if (tok0 + ntok > k->nkeys)
    ntok = k->nkeys > tok0 ? k->nkeys - tok0 : 0;
  if (k->pool_rows) {
    /* The mean pool: round i loads tokens [i * pool_rows, ...) of each of the CTA's blocks (a
    ** thread per 8 columns of a block, its loads unrolled pool_rows deep), then their adds. */
    uint64_t t0 = (uint64_t)i * k->pool_rows, nt = t0 + k->pool_rows < l ? k->pool_rows : l - t0;
    if (ntok <= t0)
      nt = 0;
    else if (nt > ntok - t0 && cnt == 1)
      nt = ntok - t0;
    if (nt && k->pool_l1 && t0 >= d) {
      /* With pool_l1, tokens t0 >= d of block j are tokens t0 - d of block j + 1: the SM's L1
      ** serves them when the thread that reads them for block j + 1 (same head and 8 columns) is
      ** in the same CTA of the kernel's grid, whose threads run over (K then V) x sequence x
      ** block x KV head x 8 columns, SPEC_MEAN_THREADS to a CTA (compress_kernel): the rest come
      ** from L2, and so do the sequence's last block's. The engine's CTA keeps its blocks: the nz of
      ** them with such columns load their share of those columns' bytes (the CTA's last nz). */
      uint64_t hk = k->wl->problem.heads_kv, bb = u / hk, h = u % hk, nb = k->rows;
      uint64_t colb = 8 * (uint64_t)spec_dtype_bytes(k->wl->problem.dtype); /* a thread's 8 columns */
      uint64_t ck = k->wl->problem.batch * nb * hk * (k->row_k_bytes / colb);
      for (int v = 0; v < 2; v++) {
        uint64_t row = v ? k->row_v_bytes : k->row_k_bytes, cols = row / colb, stride = hk * cols, cnt_l2 = 0, nz = 0;
        for (uint64_t j = 0; j < cnt; j++) {
          uint64_t blk = first + j, base = (v ? ck : 0) + ((bb * nb + blk) * hk + h) * cols, n0 = cnt_l2;
          for (uint64_t col = 0; col < cols; col++)
            cnt_l2 += blk + 1 >= nb || (base + col) / (uint64_t)SPEC_MEAN_THREADS !=
                                            (base + col + stride) / (uint64_t)SPEC_MEAN_THREADS;
          nz += cnt_l2 > n0;
        }
        if (nz) {
          uint64_t r0 = u * k->key_stride + tok0 + (cnt - nz) * d + t0;
          cyc_range_set(&o->load[o->nload++], (v ? k->v_base : k->k_base) + r0 * row, cnt_l2 * colb * nt / nz, nz,
                        d * row);
        }
      }
    } else if (nt) {
      uint64_t r0 = u * k->key_stride + tok0 + t0;
      cyc_range_set(&o->load[o->nload++], k->k_base + r0 * k->row_k_bytes, nt * k->row_k_bytes, cnt,
                    d * k->row_k_bytes);
      cyc_range_set(&o->load[o->nload++], k->v_base + r0 * k->row_v_bytes, nt * k->row_v_bytes, cnt,
                    d * k->row_v_bytes);
    }
    double f = (double)nt / (double)l;
    o->smem_bytes += 2.0 * (double)(cnt * nt) * (double)(k->row_k_bytes + k->row_v_bytes);
    o->fp32_flops += k->fp32_per_row * cnt * f;
    o->warp_instr = (double)nt * k->instr_per_tile + (i + 1 == n ? k->instr_fixed : 0.0);
    o->dep_only = 1;
  } else if (i == 0) {
    /* Each block reads its own l tokens (rows d tokens apart that overlap): the overlap between
    ** neighbouring blocks is served by L2, as the mean-pool and MLP kernels do it. */
    uint64_t span = ntok < l ? ntok : l;
    cyc_range_set(&o->load[o->nload++], k->k_base + (u * k->nkeys + tok0) * k->row_k_bytes, span * k->row_k_bytes, cnt,
          d * k->row_k_bytes);
    cyc_range_set(&o->load[o->nload++], k->v_base + (u * k->nkeys + tok0) * k->row_v_bytes, span * k->row_v_bytes, cnt,
          d * k->row_v_bytes);
    o->smem_bytes += 2.0 * (double)(cnt * span) * (double)(k->row_k_bytes + k->row_v_bytes);
    o->fp32_flops += k->fp32_per_row * cnt;
  } else {
    uint64_t w0 = (uint64_t)(i - 1) * 65536, wb = w0 + 65536 < k->weights_bytes ? 65536 : k->weights_bytes - w0;
    cyc_range_set(&o->load[o->nload++], k->aux_base + (k->weights_split ? cta * k->weights_bytes : 0) + w0, wb, 1, 0);
    o->smem_bytes += 2.0 * wb;
    o->tensor_flops += k->tensor_per_pair * cnt * ((double)wb / k->weights_bytes);
  }
  if (i + 1 == n)
    cyc_range_set(&o->store[o->nstore++], k->o_base + (u * k->rows + first) * k->row_o_bytes, cnt * k->row_o_bytes, 1, 0);
}

void cyc_step_of(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, const int32_t *blk,
                 cyc_step *o) {
  memset(o, 0, sizeof *o);
  switch (k->kind) {
  case CYC_K_FLASH_Q: {
    uint32_t pre = cyc_pre_steps(k, cta);
    if (i < pre)
      cyc_step_pre(k, cta, i, o);
    else
      step_flash_q(k, cta, i - pre, n - pre, blk, o);
    break;
  }
  case CYC_K_FLASH_KV: step_flash_kv(k, cta, i, n, o); break;
  case CYC_K_SELECTED: step_selected(k, cta, i, n, blk, o); break;
  case CYC_K_KV_OUTER: step_kv_outer(k, cta, i, n, o); break;
  case CYC_K_STREAM: step_stream(k, cta, i, n, o); break;
  case CYC_K_COMPRESS: step_compress(k, cta, i, n, o); break;
  case CYC_K_DEC_SELECT: cyc_step_select(k, cta, i, n, o); break;
  case CYC_K_DEC_BRANCHES: cyc_step_branch(k, cta, i, n, blk, o); break;
  }
}
/* }==== */
