/*
** model/traffic.c — how many tiles a FlashAttention-style loop loads, and how
** much of what the SMs read from L2 must come from HBM. Reuse is modelled by
** working sets: data that fits the usable L2 is read from HBM once; data that
** does not is fetched once per group of co-resident CTAs that read it at
** about the same time, less the share L2 still holds from the last group.
** For NSA selection, the group's distinct blocks depend on the pattern.
*/
#include <math.h>

#include "mdl_int.h"

double mdl_l2_effective_bytes(const spec_arch *a) {
  /* Lines read by SMs in both partitions are duplicated, so data shared by
  ** every SM can use one partition's worth [JIA21, hardware.md §3.1]. */
  return (double)a->l2.bytes / (a->l2.partitions ? a->l2.partitions : 1);
}

double mdl_reuse_hbm(const spec_arch *a, double unique_bytes, double l2_reads, double sharers) {
  double eff = mdl_l2_effective_bytes(a);
  if (unique_bytes <= eff || l2_reads <= unique_bytes)
    return fmin(unique_bytes, l2_reads > 0 ? l2_reads : unique_bytes);
  double refetch = l2_reads / (sharers > 1 ? sharers : 1);
  double kept = eff / unique_bytes;
  return fmax(unique_bytes, refetch * (1.0 - kept));
}

double mdl_group_kv_hbm(const spec_arch *a, double kv_unique, double kv_l2, double sharers,
                        double head_bytes, double heads) {
  /* The validation's grids run every query tile of one head before the next head (grid x = query
  ** tile, y = head), so the heads of a KV group meet on a K/V tile one head's pass apart: that
  ** head's Q and O (head_bytes) and the group's K/V. While that footprint fits the L2 the group's
  ** K/V comes from HBM once per group; past it every head fetches it again (ncu, d 128: window
  ** and causal forward at 16k read Q + K/V once, at 64k, a 67 MB pass, Q + 64 x K/V). */
  if (heads <= 1.0 || head_bytes + kv_unique <= (double)a->l2.bytes)
    return mdl_reuse_hbm(a, kv_unique, kv_l2, sharers);
  return heads * mdl_reuse_hbm(a, kv_unique, kv_l2 / heads, sharers);
}

uint64_t mdl_floor_sum(uint64_t n, uint64_t m, uint64_t a, uint64_t b) {
  uint64_t ans = 0;
  if (n == 0 || m == 0)
    return 0;
  for (;;) {
    if (a >= m) {
      ans += n * (n - 1) / 2 * (a / m);
      a %= m;
    }
    if (b >= m) {
      ans += n * (b / m);
      b %= m;
    }
    uint64_t y_max = a * n + b;
    if (y_max < m)
      break;
    n = y_max / m;
    b = y_max % m;
    uint64_t t = m;
    m = a;
    a = t;
  }
  return ans;
}

static uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

double mdl_kv_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, int causal) {
  uint64_t nq = ceil_div(q_len, bm);
  if (!causal)
    return (double)nq * (double)ceil_div(seq_len, bn);
  uint64_t off = seq_len - q_len;
  /* Tile j < nq-1 ends at key off + (j+1)*bm - 1: ceil((off + bm + j*bm) / bn). */
  uint64_t body = mdl_floor_sum(nq - 1, bn, bm, off + bm + bn - 1);
  return (double)body + (double)ceil_div(seq_len, bn);
}

double mdl_window_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, uint64_t w) {
  uint64_t nq = ceil_div(q_len, bm);
  uint64_t off = seq_len - q_len;
  double ends = mdl_kv_tiles(q_len, seq_len, bm, bn, 1);
  /* Tiles wholly before the window of the tile's first query are skipped:
  ** floor((off + j*bm - w + 1) / bn) of them, once that is positive. */
  uint64_t j0 = w > off ? ceil_div(w - off, bm) : 0;
  double skipped = 0;
  if (j0 < nq)
    skipped = (double)mdl_floor_sum(nq - j0, bn, bm, off + j0 * bm + 1 - w);
  return ends - skipped;
}

double mdl_distinct_blocks(const spec_workload *wl, double sharers, double avail) {
  const spec_attention *at = &wl->attention;
  double n = fmin((double)at->selection.count, avail);
  double forced = fmin(n, (double)(at->selection.initial + at->selection.local));
  double free_picks = n - forced;
  double lp = at->selection.block;
  /* Forced: the initial blocks, and the local blocks the sharers' positions span. */
  double span = sharers / lp;
  double d_forced = fmin(avail, at->selection.initial + span + at->selection.local);
  double pool = fmax(1.0, avail - forced);
  double picks = free_picks * sharers;
  double local_share = at->selection.pattern == SPEC_PAT_LOCAL ? at->selection.locality : 0.0;
  /* Local picks fall in the 4n blocks before each query (a neighbourhood the
  ** sharers' neighbourhoods mostly overlap); the rest anywhere before it. */
  double hood = fmin(pool, span + 4.0 * at->selection.count);
  double d_local = local_share > 0 ? hood * (1.0 - exp(-local_share * picks / hood)) : 0;
  double d_uniform = pool * (1.0 - exp(-(1.0 - local_share) * picks / pool));
  double d_free = d_local + d_uniform - d_local * d_uniform / pool;
  return fmin(avail, d_forced + d_free);
}

double mdl_cmp_tiles(uint64_t q_len, uint64_t seq_len, uint64_t bm, uint64_t bn, uint64_t l,
                     uint64_t d) {
  uint64_t off = seq_len - q_len;
  uint64_t nq = ceil_div(q_len, bm);
  /* Tile j < nq-1 ends at position off + (j+1)*bm; its rows see
  ** count = floor((off + (j+1)*bm - l + d) / d) compressed tokens (none while
  ** off + (j+1)*bm < l), loaded in ceil(count / bn) tiles, which folds into
  ** floor((off + (j+1)*bm - l + d + d*(bn-1)) / (d*bn)). */
  double sum = 0;
  if (nq > 1) {
    uint64_t j0 = off + bm >= l ? 0 : ceil_div(l - off - bm, bm);
    if (j0 < nq - 1)
      sum += (double)mdl_floor_sum(nq - 1 - j0, d * bn, bm, off + (j0 + 1) * bm - l + d * bn);
  }
  uint64_t last = off + q_len >= l ? (off + q_len - l) / d + 1 : 0;
  return sum + (double)ceil_div(last, bn);
}
