/*
** sim/cycle/select.c — synthetic selection patterns. Deterministic: entry
** (b, h, t) depends only on the seed and its coordinates, so the scheduler,
** the trace writer and the tests agree without storing anything.
*/
#include "select.h"

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static int contains(const int32_t *v, uint32_t n, int32_t x) {
  for (uint32_t i = 0; i < n; i++)
    if (v[i] == x)
      return 1;
  return 0;
}

uint32_t cyc_select_blocks(const spec_workload *wl, uint32_t b, uint32_t h, uint64_t t,
                           int32_t *out) {
  const spec_attention *at = &wl->attention;
  uint32_t n = at->selection.count;
  uint64_t pos = wl->problem.seq_len - wl->problem.q_len + t;
  uint64_t cur = pos / at->selection.block; /* the block holding the query */
  uint64_t avail = cur + 1;
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++)
    out[i] = -1;
  if (avail <= n) {
    for (uint64_t i = 0; i < avail; i++)
      out[k++] = (int32_t)i;
    return k;
  }
  for (uint32_t i = 0; i < at->selection.initial; i++)
    out[k++] = (int32_t)i;
  for (uint32_t i = 0; i < at->selection.local; i++)
    if (!contains(out, k, (int32_t)(cur - i)))
      out[k++] = (int32_t)(cur - i);
  /* Free picks come from [initial, cur - local], which holds > n - k blocks. */
  uint64_t lo = at->selection.initial, hi = cur + 1 - at->selection.local; /* [lo, hi) */
  uint64_t hood = 4ull * n;
  uint64_t state = splitmix64(at->selection.seed ^ splitmix64(((uint64_t)b << 48) ^
                                                             ((uint64_t)h << 32) ^ t));
  for (uint32_t tries = 0; k < n && tries < 64u * n; tries++) {
    state = splitmix64(state);
    double u = (double)(state >> 11) * 0x1.0p-53;
    state = splitmix64(state);
    uint64_t pick;
    int near = at->selection.pattern == SPEC_PAT_LOCAL && u < at->selection.locality;
    if (near) {
      uint64_t span = hi - lo < hood ? hi - lo : hood;
      pick = hi - 1 - state % span;
    } else {
      pick = lo + state % (hi - lo);
    }
    if (!contains(out, k, (int32_t)pick))
      out[k++] = (int32_t)pick;
  }
  /* Collisions exhausted the tries (tiny pools): fill from the top. */
  for (uint64_t p = hi; k < n && p-- > lo;)
    if (!contains(out, k, (int32_t)p))
      out[k++] = (int32_t)p;
  return k;
}
