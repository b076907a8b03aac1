/*
** validate/kernels/nsa_decode.cu — the NSA decode step in three launches (val_decode_fused_params).
** A decode step's kernels are short: at 64k context and batch 8 each moves a few MB, so a launch
** (3.8 us back to back on the H200) and the ramp and drain of its grid cost as much as its work.
** The unfused pipeline is six launches (compress, compressed attention, its split combine,
** selection, selected, window, gated combine); this one is three:
** cmp: the group kernel over the compressed keys; the last split's CTA first pools the newest
**   compressed block (mean), so the compression needs no launch of its own.
** select: many CTAs per (sequence, KV head) turn the logits into selection scores (a single CTA
**   per pair ran at 10% of the copy bandwidth); the last one to finish, found with an atomic
**   counter after a fence (the threadFenceReduction pattern), picks the top-n.
** branches: the selected and window CTAs share one grid; the last CTA of a (sequence, KV head)
**   merges both branches' partials with the compressed output and the gates.
** v2 (dec_fused=2) is two launches: the selection runs at the end of cmp (the CTAs of a pair wait
**   for each other, then each merges a share of o_cmp and turns its own logits into block scores;
**   the last picks the top-n), and both attention kernels run the lean group body (val_group.cuh).
**   ncu source counters of v1 (2026-11-29): cmp issued ~1250 warp instructions per 64-key tile,
**   most of them address arithmetic of the copies; select took 21 us for 12 MB.
** v3 (dec_fused=3) is three launches with the lean bodies, the selection's top-n by radix select
**   (topn_radix) and the branch merge shared by the CTAs of a pair, which wait for each other.
** v4 (dec_fused=4) is v3 with the top-n from per-warp thresholds (topn_warps: three barriers), and,
**   when the three run as one step (p.sync), flags per (sequence, KV head) in place of waiting for the
**   whole kernel before: a pair's selection starts once its compressed CTAs are done (done_cmp), its
**   selected CTAs once its top-n is written (ready_sel), and the window CTAs at once. Kernels timed
**   alone (sync = 0) wait as v3's do, since nothing else sets their flags then. Its selection
**   loads the logits with the split lse in one round and leaves the compressed output's merge to
**   the branch kernel's shared merge (which writes o_cmp), one memory round less on its chain.
** The CTAs that wait for each other (v2's cmp, v3's branches) need their whole grid resident: their
**   launchers check it against the occupancy, and the grids are sized to one wave.
** Every reduction runs in a fixed order, so results do not depend on which CTA finishes last.
*/
#include "val_group.cuh"

#include <climits>

namespace {

/* ---------------------------------------------------------------- select */
constexpr int DS_NT = 256;

/* Whether this CTA is the last of `total` to arrive at counter c (after its global writes);
** the last one finds the counter at total - 1 and leaves it at zero for the next launch. */
__device__ __forceinline__ bool last_to_arrive(int *c, int total) {
  __shared__ int last;
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    last = atomicAdd(c, 1) == total - 1;
    if (last) *c = 0;
  }
  __syncthreads();
  if (last) __threadfence(); /* the other CTAs' writes are read below */
  return last;
}

/* Arrive at counter c (after this CTA's global writes) and wait until all `total` CTAs have: the
** CTAs that wait for each other (v2's cmp, v3's branches) need their whole grid resident, which
** their launchers check. The counter is left at total; the caller resets it once all have passed. */
__device__ __forceinline__ void wait_for_all(int *c, int total) {
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) {
    atomicAdd(c, 1);
    while (val_ld_acquire(c) < total) __nanosleep(64);
  }
  __syncthreads();
}

/* Thread h < 16 of a CTA: head h's max m, sum l and log2-domain lse of the compressed branch from
** its `splits` split lse (lsp[s * 16 + h], natural log), as split_combine_kernel merges them;
** heads h >= group get m = -inf, l = 0. Returns the natural-log lse. */
__device__ __forceinline__ float merge_split_lse(const float *lsp, int splits, int group, int h, float *m_h, float *l_h,
                                                 float *lse2) {
  float m = -INFINITY, l = 0.f;
  if (h < group) {
    for (int s = 0; s < splits; ++s) m = fmaxf(m, lsp[s * 16 + h]);
    const float m_use = m == -INFINITY ? 0.f : m;
    for (int s = 0; s < splits; ++s) l += __expf(lsp[s * 16 + h] - m_use);
  }
  m_h[h] = m, l_h[h] = l;
  const float lse = l > 0.f ? m + logf(l) : -INFINITY;
  lse2[h] = lse * VAL_LOG2E;
  return lse;
}

/* Top-n of the n_valid scores in shared memory `sc` (overwritten) by a whole CTA, with the rule
** of topn_warp (nsa_select.cu): forced block 0, cur and cur - 1, then descending score with ties
** to the lower index, output ascending. Each thread keeps the best of its own entries and only
** the owner of the taken entry rescans, so a pick costs two reductions, not a pass over n_sel. */
template <int NT>
__device__ void topn_cta(float *sc, int n_valid, int n, int32_t *out) {
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  __shared__ int chosen[32];
  __shared__ float w_best[NT / 32];
  __shared__ int w_j[NT / 32];
  if (n_valid <= n) {
    for (int k = tid; k < n; k += NT) out[k] = k < n_valid ? k : -1;
    return;
  }
  const int cur = n_valid - 1;
  if (tid == 0) {
    chosen[0] = 0, chosen[1] = cur, chosen[2] = cur - 1;
    sc[0] = sc[cur] = sc[cur - 1] = -INFINITY;
  }
  __syncthreads();
  float best = -INFINITY;
  int best_j = INT_MAX;
  auto rescan = [&]() {
    best = -INFINITY, best_j = INT_MAX;
    for (int j = tid; j < n_valid; j += NT)
      if (sc[j] > best) best = sc[j], best_j = j;
  };
  rescan();
  for (int k = 3; k < n; ++k) {
    float v = best;
    int j = best_j;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(0xffffffffu, v, o);
      const int oj = __shfl_xor_sync(0xffffffffu, j, o);
      if (ov > v || (ov == v && oj < j)) v = ov, j = oj;
    }
    if (lane == 0) w_best[warp] = v, w_j[warp] = j;
    __syncthreads();
    v = w_best[0], j = w_j[0];
#pragma unroll
    for (int w = 1; w < NT / 32; ++w)
      if (w_best[w] > v || (w_best[w] == v && w_j[w] < j)) v = w_best[w], j = w_j[w];
    if (tid == 0) chosen[k] = j;
    if (j < n_valid && j % NT == tid) {
      sc[j] = -INFINITY;
      rescan();
    }
    __syncthreads(); /* w_best is rewritten by the next pick */
  }
  if (tid < 32) {
    const int mine = tid < n ? chosen[tid] : INT_MAX;
    int rank = 0;
    for (int o = 0; o < n; ++o) rank += chosen[o] < mine;
    if (tid < n) out[rank] = mine;
  }
}

/* The same top-n (the same set, ascending) by a radix select instead of n - 3 CTA-wide arg-max
** rounds (ncu, run 4: the select kernel's last CTA ran ~1750 warp instructions per warp in
** topn_cta): each non-forced score becomes a 32-bit key ordered as the score (scores are sums of
** exp, >= 0; 0 and NaN become the lowest key), four 8-bit histogram passes find the key T of the
** (n - 3)-th largest and how many keys equal to T to take, and one pass in index order keeps the
** forced blocks, every key above T and the lowest-indexed keys equal to T. sc is not modified. */
template <int NT>
__device__ void topn_radix(const float *sc, int n_valid, int n, int32_t *out) {
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  __shared__ unsigned hist[256];
  __shared__ int s_bucket, s_need, s_base_eq, s_base_sel, s_weq[NT / 32], s_wsel[NT / 32];
  if (n_valid <= n) {
    for (int k = tid; k < n; k += NT) out[k] = k < n_valid ? k : -1;
    return;
  }
  const int cur = n_valid - 1;
  auto forced = [&](int j) { return j == 0 || j == cur || j == cur - 1; };
  auto key_of = [&](int j) -> unsigned {
    const float v = sc[j];
    return forced(j) ? 0u : v > 0.f ? __float_as_uint(v) + 1u : 1u;
  };
  int need = n - 3; /* picks after the forced three; n_valid - 3 >= need keys compete */
  unsigned prefix = need > 0 ? 0u : 0xFFFFFFFFu; /* n = 3: no key is above it or equal to it */
  for (int shift = 24; shift >= 0 && need > 0; shift -= 8) {
    for (int i = tid; i < 256; i += NT) hist[i] = 0u;
    __syncthreads();
    const unsigned hi = shift == 24 ? 0u : 0xFFFFFFFFu << (shift + 8);
    for (int j = tid; j < n_valid; j += NT) {
      const unsigned k = key_of(j);
      if (k != 0u && (k & hi) == (prefix & hi)) atomicAdd(&hist[(k >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (warp == 0) { /* lane L holds bins 255 - 8L down to 248 - 8L: a prefix from the top */
      unsigned c[8], sum = 0;
#pragma unroll
      for (int e = 0; e < 8; ++e) c[e] = hist[255 - 8 * lane - e], sum += c[e];
      unsigned incl = sum;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const unsigned t = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += t;
      }
      const unsigned excl = incl - sum;
      if (excl < (unsigned)need && (unsigned)need <= incl) {
        unsigned acc = excl;
        for (int e = 0; e < 8; ++e) {
          if (acc + c[e] >= (unsigned)need) {
            s_bucket = 255 - 8 * lane - e, s_need = need - (int)acc;
            break;
          }
          acc += c[e];
        }
      }
    }
    __syncthreads();
    prefix |= (unsigned)s_bucket << shift;
    need = s_need;
  }
  const unsigned T = prefix; /* take every key above T and the `need` lowest-indexed keys equal to it */
  if (tid == 0) s_base_eq = 0, s_base_sel = 0;
  __syncthreads();
  for (int j0 = 0; j0 < n_valid; j0 += NT) {
    const int j = j0 + tid;
    const bool in = j < n_valid, f = in && forced(j);
    const unsigned k = in ? key_of(j) : 0u;
    const bool eq = in && !f && k == T;
    const unsigned be = __ballot_sync(0xffffffffu, eq);
    if (lane == 0) s_weq[warp] = __popc(be);
    __syncthreads();
    int rank = s_base_eq + __popc(be & ((1u << lane) - 1u));
    for (int w = 0; w < warp; ++w) rank += s_weq[w];
    const bool sel = f || (in && k > T) || (eq && rank < need);
    const unsigned bs = __ballot_sync(0xffffffffu, sel);
    if (lane == 0) s_wsel[warp] = __popc(bs);
    __syncthreads();
    int pos = s_base_sel + __popc(bs & ((1u << lane) - 1u));
    for (int w = 0; w < warp; ++w) pos += s_wsel[w];
    if (sel) out[pos] = j;
    __syncthreads();
    if (tid == 0) {
      for (int w = 0; w < NT / 32; ++w) s_base_eq += s_weq[w], s_base_sel += s_wsel[w];
    }
    __syncthreads();
  }
}

/* The same top-n again (v4) with three barriers. A CTA-wide bisection (16 rounds of one barrier
** each) ran 4 us slower than topn_radix on the H200 (run 9 probe: ncu's samples put ~600 cycles in
** each round), so the rounds run per warp instead: each warp finds T_w, the (n - 3)-th largest key
** among its own 32 x TW_K consecutive keys (key_of as in topn_radix), two bits a round with one
** warp reduction and no barrier. The overall (n - 3)-th largest key is at least L = max_w T_w, so
** only keys >= L are candidates (about n of them); each candidate's rank among the candidates
** (key descending, index ascending) is its overall rank, and the ranks below n - 3 plus the three
** forced blocks are the selection, sorted ascending by one warp at the end. More than TW_CAP
** candidates (ties) returns false: the caller then runs topn_radix. n_valid <= NT * TW_K. */
constexpr int TW_K = 8, TW_CAP = 256;
template <int NT>
__device__ bool topn_warps(const float *sc, int n_valid, int n, int32_t *out) {
  constexpr int NW = NT / 32;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  __shared__ unsigned s_key[TW_CAP], s_tw[NW];
  __shared__ int s_idx[TW_CAP], s_sel[32], s_n;
  if (n_valid <= n) {
    for (int k = tid; k < n; k += NT) out[k] = k < n_valid ? k : -1;
    return true;
  }
  const int cur = n_valid - 1, per = (n_valid + NT - 1) / NT, j0 = tid * per, need = n - 3;
  unsigned key[TW_K];
#pragma unroll
  for (int e = 0; e < TW_K; ++e) {
    const int j = j0 + e;
    const bool in = e < per && j < n_valid, f = j == 0 || j == cur || j == cur - 1;
    const float v = in ? sc[j] : 0.f;
    key[e] = !in || f ? 0u : v > 0.f ? __float_as_uint(v) + 1u : 1u;
  }
  /* The warp's counts of keys >= three candidates fit 10 bits each (at most 32 x TW_K = 256). */
  unsigned T = 0u;
  for (int shift = 30; shift >= 0 && need > 0; shift -= 2) {
    const unsigned c1 = T | (1u << shift), c2 = T | (2u << shift), c3 = T | (3u << shift);
    unsigned cnt = 0;
#pragma unroll
    for (int e = 0; e < TW_K; ++e) cnt += (key[e] >= c1) + ((key[e] >= c2) << 10) + ((key[e] >= c3) << 20);
    cnt = __reduce_add_sync(0xffffffffu, cnt);
    const int n1 = cnt & 1023u, n2 = (cnt >> 10) & 1023u, n3 = cnt >> 20;
    T |= (n3 >= need ? 3u : n2 >= need ? 2u : n1 >= need ? 1u : 0u) << shift;
  }
  if (lane == 0) s_tw[warp] = T;
  if (tid == 0) s_n = 0;
  __syncthreads();
  unsigned L = 1u; /* key 0: forced or out of range; never a candidate */
#pragma unroll
  for (int w = 0; w < NW; ++w) L = max(L, s_tw[w]);
  if (need == 0) L = 0xFFFFFFFFu;
#pragma unroll
  for (int e = 0; e < TW_K; ++e) {
    const bool c = key[e] >= L && key[e] != 0u;
    const unsigned m = __ballot_sync(0xffffffffu, c);
    int base = 0;
    if (lane == 0 && m) base = atomicAdd(&s_n, __popc(m));
    base = __shfl_sync(0xffffffffu, base, 0);
    const int slot = base + __popc(m & ((1u << lane) - 1u));
    if (c && slot < TW_CAP) s_key[slot] = key[e], s_idx[slot] = j0 + e;
  }
  __syncthreads();
  const int nc = s_n;
  if (nc > TW_CAP) return false; /* uniform: every thread read the same s_n */
  if (tid == 0) s_sel[need] = 0, s_sel[need + 1] = cur - 1, s_sel[need + 2] = cur;
  for (int c = tid; c < nc; c += NT) {
    const unsigned k = s_key[c];
    const int j = s_idx[c];
    int rank = 0;
    for (int d = 0; d < nc; ++d) rank += s_key[d] > k || (s_key[d] == k && s_idx[d] < j);
    if (rank < need) s_sel[rank] = j;
  }
  __syncthreads();
  if (warp == 0) { /* n <= 32 entries, each lane one: its place is how many are smaller */
    const int mine = lane < n ? s_sel[lane] : INT_MAX;
    int pos = 0;
    for (int o = 0; o < n; ++o) pos += s_sel[o] < mine;
    if (lane < n) out[pos] = mine;
  }
  return true;
}

/* ---------------------------------------------------------------- v2: the selection inside cmp */
/* Split `split`'s compressed tokens [i0, i1) and the selection blocks they touch, [j_lo, j_hi)
** (Eq. 9: block j sums tokens R(j+1)-1-m-n, m < R, n <= H, i.e. [Rj - H, Rj + R - 1]), and that
** range aligned out to multiples of 4, [a_lo, a_hi): its rows of part_scores are read as float4,
** and hold 0 outside [j_lo, j_hi). */
struct SplitBlocks {
  int i0, i1, j_lo, j_hi, a_lo, a_hi;
};
__device__ __forceinline__ SplitBlocks split_blocks(const val_decode_fused_params &p, int bn, int split) {
  const val_attn_group_params &a = p.cmp;
  const int R = p.sel_len / p.cmp_stride, H = p.cmp_len / p.cmp_stride - 1;
  const int n_valid = min(a.q_pos0 / p.sel_len + 1, p.n_sel);
  int tile_lo, n_tiles;
  grp_range_tiles(a, a.q_pos0, bn, &tile_lo, &n_tiles);
  SplitBlocks r;
  r.i0 = (tile_lo + grp_split_tile(n_tiles, split, a.splits)) * bn;
  r.i1 = min((tile_lo + grp_split_tile(n_tiles, split + 1, a.splits)) * bn, a.seq_k);
  r.j_lo = r.i0 / R;
  r.j_hi = r.i0 < r.i1 ? min((r.i1 - 1 + H) / R + 1, n_valid) : r.j_lo;
  if (r.j_hi <= r.j_lo) r.j_hi = r.j_lo, r.a_lo = r.a_hi = 0;
  else r.a_lo = r.j_lo & ~3, r.a_hi = (r.j_hi + 3) & ~3;
  return r;
}

/* After its attention, every CTA of a (sequence, KV head) waits for the pair's other splits (the
** launcher admits v2 only when the grid is one wave, so they are all resident), then:
** - reads every split's lse, so it knows each head's lse of the whole branch;
** - merges its share (1 / splits) of the branch's output o_cmp from the partials;
** - sums its own tokens' p over the group's heads (Eq. 8, 10: exp2(logit - lse_h)) and then into
**   Eq. 9 block scores, one float per block it touches (part_scores).
** The last CTA to finish adds the (one to three) splits' scores of each block and picks the top-n.
** The selection's work is spread over every CTA of the pair and needs no launch of its own. */
template <int DQK, int DV, int BN, int STAGES>
__device__ void cmp_select_v2(const val_decode_fused_params &p, int hk, int b, int split, unsigned char *smem_raw) {
  using C = GrpCfg<DQK, DV, BN, STAGES>;
  constexpr int NT = C::NT;
  const val_attn_group_params &a = p.cmp;
  const int group = a.heads_q / a.heads_kv, S = a.splits, n_cmp = a.seq_k, tid = threadIdx.x;
  const int R = p.sel_len / p.cmp_stride, H = p.cmp_len / p.cmp_stride - 1, n_sel4 = (p.n_sel + 3) & ~3;
  const int n_valid = min(a.q_pos0 / p.sel_len + 1, p.n_sel);
  const long long pair = (long long)b * a.heads_kv + hk, n_rows = (long long)a.batch * a.heads_q;
  const long long r0 = (long long)b * a.heads_q + hk * group;
  float *lsp = reinterpret_cast<float *>(smem_raw + 2 * C::Q_ELEMS); /* [S][16] split lse */
  float *pc = lsp + S * 16;                                         /* this split's tokens' p */
  __shared__ float m_h[16], l_h[16], lse2[16], cw[64];

  wait_for_all(p.counter_select + pair, S); /* after this CTA's partials and logits */
  for (int i = tid; i < S * group; i += NT)
    lsp[(i / group) * 16 + i % group] = __ldcg(a.lse_part + (i / group) * n_rows + r0 + i % group);
  for (int k = tid; k < R + H; k += NT) { /* token k of a block's R + H: how many (m, n) of Eq. 9 land on it */
    int c = 0;
    for (int m = 0; m < R; ++m) c += R + H - 1 - k - m >= 0 && R + H - 1 - k - m <= H;
    cw[k] = (float)c;
  }
  __syncthreads();
  if (tid < 16) {
    const float lse = merge_split_lse(lsp, S, group, tid, m_h, l_h, lse2);
    if (split == 0 && tid < group) p.lse_cmp[r0 + tid] = lse;
  }
  __syncthreads();

  /* This split's share of o_cmp: float4 items [N s / S, N (s + 1) / S) of the group's N. */
  const int N = group * (DV / 4);
  for (int i = N * split / S + tid; i < N * (split + 1) / S; i += NT) {
    const int h = i / (DV / 4), d = (i % (DV / 4)) * 4;
    const float m = m_h[h], l = l_h[h], m_use = m == -INFINITY ? 0.f : m, inv = l > 0.f ? 1.f / l : 0.f;
    float4 o = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 8
    for (int s = 0; s < S; ++s) {
      const float w = __expf(lsp[s * 16 + h] - m_use);
      const float4 v = __ldcg(reinterpret_cast<const float4 *>(a.o_part + (s * n_rows + r0 + h) * DV + d));
      o.x += w * v.x, o.y += w * v.y, o.z += w * v.z, o.w += w * v.w;
    }
    uint2 out;
    out.x = val_pack_bf16(o.x * inv, o.y * inv);
    out.y = val_pack_bf16(o.z * inv, o.w * inv);
    *reinterpret_cast<uint2 *>(static_cast<__nv_bfloat16 *>(p.o_cmp) + (r0 + h) * DV + d) = out;
  }

  /* This split's tokens: p summed over the group's heads (two tokens per thread per pass, their
  ** 32 loads together), then the Eq. 9 sums of the blocks it touches. */
  const SplitBlocks sb = split_blocks(p, BN, split);
  if (sb.a_lo < sb.a_hi) {
    const float *lg = a.logits + pair * 16 * n_cmp + sb.i0;
    const int nt = sb.i1 - sb.i0;
    for (int i0 = tid; i0 < nt; i0 += 2 * NT) {
      float v[2][16];
#pragma unroll
      for (int u = 0; u < 2; ++u)
#pragma unroll
        for (int h = 0; h < 16; ++h)
          v[u][h] = h < group && i0 + u * NT < nt ? __ldcg(lg + (long long)h * n_cmp + i0 + u * NT) : -INFINITY;
#pragma unroll
      for (int u = 0; u < 2; ++u) {
        float sum = 0.f;
#pragma unroll
        for (int h = 0; h < 16; ++h)
          if (h < group && lse2[h] > -INFINITY && v[u][h] > -INFINITY) sum += exp2f(v[u][h] - lse2[h]);
        if (i0 + u * NT < nt) pc[i0 + u * NT] = sum;
      }
    }
    __syncthreads();
    float *ps = p.part_scores + (pair * S + split) * (long long)n_sel4;
    for (int j = sb.a_lo + tid; j < sb.a_hi; j += NT) {
      float sum = 0.f;
      if (j >= sb.j_lo && j < sb.j_hi) {
        const int base = R * j - H - sb.i0; /* token k of block j is pc[base + k] */
        const int lo = max(0, -base), hi = min(R + H, nt - base);
#pragma unroll 4
        for (int k = lo; k < hi; ++k) sum += cw[k] * pc[base + k];
      }
      ps[j] = sum;
    }
  }

  if (!last_to_arrive(p.counter_select2 + pair, S)) return;
  if (tid == 0) p.counter_select[pair] = 0; /* every split has passed the wait above */
  int *rng = reinterpret_cast<int *>(lsp);     /* [S][2]: the K/V ring is free again */
  float *sc = reinterpret_cast<float *>(rng + 2 * S);
  for (int s = tid; s < S; s += NT) {
    const SplitBlocks q = split_blocks(p, BN, s);
    rng[2 * s] = q.a_lo, rng[2 * s + 1] = q.a_hi;
  }
  __syncthreads();
  float *out_sc = p.scores + pair * p.n_sel;
  const float *ps0 = p.part_scores + pair * S * (long long)n_sel4;
  for (int j = tid * 4; j < n_valid; j += NT * 4) {
    float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
    for (int s = 0; s < S; ++s) {
      if (j < rng[2 * s] || j >= rng[2 * s + 1]) continue;
      const float4 v = __ldcg(reinterpret_cast<const float4 *>(ps0 + s * (long long)n_sel4 + j));
      acc.x += v.x, acc.y += v.y, acc.z += v.z, acc.w += v.w;
    }
    const float av[4] = {acc.x, acc.y, acc.z, acc.w};
#pragma unroll
    for (int e = 0; e < 4; ++e)
      if (j + e < n_valid) sc[j + e] = av[e], out_sc[j + e] = av[e];
  }
  __syncthreads();
  topn_cta<NT>(sc, n_valid, p.n, p.idx + pair * p.n);
}

/* ---------------------------------------------------------------- cmp */
constexpr int DC_PARTS = 4; /* token slices of the newest block pooled in parallel (then summed in order) */

/* CTAs per SM the shared memory allows (up to 3); __launch_bounds__ holds the registers to it:
** ncu showed the branch kernel at 210 registers, 2 CTAs per SM, and its one-wave grid in 1.45 waves. */
template <int DQK, int DV, int BN, int STAGES>
constexpr int dec_min_blocks() {
  return 3 * (GrpCfg<DQK, DV, BN, STAGES>::SMEM_BYTES + 1024) <= 233472   ? 3
         : 2 * (GrpCfg<DQK, DV, BN, STAGES>::SMEM_BYTES + 1024) <= 233472 ? 2
                                                                          : 1;
}

/* V4: in a whole step (p.sync) each CTA counts itself done for its pair after its writes, so the
** selection of that pair starts without waiting for the whole grid. */
template <int DQK, int DV, int BN, int STAGES, bool V2, bool LEAN, bool V4 = false>
__global__ void __launch_bounds__(GrpCfg<DQK, DV, BN, STAGES>::NT, (dec_min_blocks<DQK, DV, BN, STAGES>()))
    decode_cmp_kernel(const val_decode_fused_params p) {
  using C = GrpCfg<DQK, DV, BN, STAGES>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  const int hk = blockIdx.y, b = blockIdx.z / p.cmp.splits, split = blockIdx.z % p.cmp.splits;
  if (p.k_src && split == p.cmp.splits - 1) {
    /* The newest block (n_cmp - 1) lies in this split's last tile. Its l tokens are cut into
    ** DC_PARTS slices so each thread has few dependent loads; the K/V ring is free until the
    ** attention below starts, so the slices' sums meet there. */
    constexpr int CH = (DQK + DV) / 8;
    float *red = reinterpret_cast<float *>(smem_raw + 2 * C::Q_ELEMS); /* [DC_PARTS][CH][8] */
    static_assert((size_t)DC_PARTS * CH * 8 * 4 <= C::KV_BYTES, "pooling scratch fits the K/V ring");
    const int blk = p.cmp.seq_k - 1, hkv = p.cmp.heads_kv;
    const long long tok0 = (long long)blk * p.cmp_stride;
    for (int i = threadIdx.x; i < DC_PARTS * CH; i += C::NT) {
      const int ch = i % CH, part = i / CH;
      const bool is_k = ch < DQK / 8;
      const int D = is_k ? DQK : DV, c8 = is_k ? ch : ch - DQK / 8;
      const int u0 = p.cmp_len * part / DC_PARTS, u1 = p.cmp_len * (part + 1) / DC_PARTS;
      const __nv_bfloat16 *src = static_cast<const __nv_bfloat16 *>(is_k ? p.k_src : p.v_src) +
                                 (((long long)b * p.seq_len + tok0 + u0) * hkv + hk) * D + c8 * 8;
      float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
#pragma unroll 4
      for (int u = u0; u < u1; ++u) val_add8(acc, *reinterpret_cast<const uint4 *>(src + (long long)(u - u0) * hkv * D));
#pragma unroll
      for (int e = 0; e < 8; ++e) red[(part * CH + ch) * 8 + e] = acc[e];
    }
    __syncthreads();
    for (int ch = threadIdx.x; ch < CH; ch += C::NT) {
      const bool is_k = ch < DQK / 8;
      const int D = is_k ? DQK : DV, c8 = is_k ? ch : ch - DQK / 8;
      float acc[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        acc[e] = 0.f;
        for (int part = 0; part < DC_PARTS; ++part) acc[e] += red[(part * CH + ch) * 8 + e];
      }
      __nv_bfloat16 *dst = static_cast<__nv_bfloat16 *>(is_k ? p.k_cmp : p.v_cmp) +
                           (((long long)b * p.cmp.seq_k + blk) * hkv + hk) * D + c8 * 8;
      val_store8(dst, acc, 1.f / (float)p.cmp_len);
    }
    __threadfence(); /* the stores reach L2 before this CTA's cp.async reads them back */
  }
  __syncthreads();
  val_group_attend<DQK, DV, BN, STAGES, LEAN>(p.cmp, 0, hk, b, split, smem_raw);
  if (V2) cmp_select_v2<DQK, DV, BN, STAGES>(p, hk, b, split, smem_raw);
  if (V4 && p.sync) {
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) atomicAdd(p.done_cmp + (long long)b * p.cmp.heads_kv + hk, 1);
  }
}

/* A load of what another grid wrote: v4 reads through L2 (the grid before may still run, see
** val_wait_flag); the other versions load as they were measured. */
template <bool L2>
__device__ __forceinline__ float ld_other(const float *p) {
  return L2 ? __ldcg(p) : *p;
}

/* TOPN: 0 topn_cta (v1), 1 topn_radix (v3), 2 topn_warps (v4: the pair's compressed CTAs are
** waited for by a count, not the whole grid, when p.sync). */
template <int TOPN>
__global__ void __launch_bounds__(DS_NT) decode_select_kernel(const val_decode_fused_params p) {
  constexpr bool V4 = TOPN == 2;
  extern __shared__ float ds_smem[];
  const val_attn_group_params &a = p.cmp;
  const int chunk = blockIdx.x, hk = blockIdx.y, b = blockIdx.z, tid = threadIdx.x;
  const int group = a.heads_q / a.heads_kv, n_cmp = a.seq_k, q_pos = a.q_pos0;
  const long long n_rows = (long long)a.batch * a.heads_q; /* one query per sequence */
  __shared__ float lse2[16], m_h[16], l_h[16];
  const long long pair = (long long)b * a.heads_kv + hk;
  if (V4 && p.sync) { /* this pair's compressed CTAs, not the whole grid before */
    val_pdl_trigger();
    val_wait_flag(p.done_cmp + pair, a.splits);
  } else if (a.pdl) { /* everything read below comes from the kernel before */
    val_pdl_wait();
    val_pdl_trigger();
  }
  float *lsp = ds_smem; /* [splits][16]: the split lse of the group's heads */

  const int R = p.sel_len / p.cmp_stride, H = p.cmp_len / p.cmp_stride - 1;
  const int n_valid = min(q_pos / p.sel_len + 1, p.n_sel);
  const int j0 = chunk * p.chunk_blocks, j1 = min(j0 + p.chunk_blocks, n_valid);
  const int i_lo = R * j0 - H, i_hi = R * j1; /* this chunk's compressed tokens [i_lo, i_hi) */
  float *pc = lsp + a.splits * 16;            /* [chunk_blocks * R + H] */
  float *out_sc = p.scores + ((long long)b * a.heads_kv + hk) * p.n_sel;
  const float *lg = a.logits + ((long long)b * a.heads_kv + hk) * 16 * n_cmp;
  /* Token i's Eq. 8 term is read when its compressed block lies fully in the past. */
  auto in_past = [&](int i) { return i >= 0 && i < i_hi && i < n_cmp && i * p.cmp_stride + p.cmp_len - 1 <= q_pos; };
  /* V4: the thread's first two tokens' logits are in flight with the split lse below (one memory
  ** round where v1 and v3 take three: lse, the o_cmp merge, logits). */
  float x4[2][16];
  if (V4) {
#pragma unroll
    for (int u = 0; u < 2; ++u) {
      const int i = i_lo + tid + u * DS_NT;
      const bool ok = j0 < j1 && in_past(i);
#pragma unroll
      for (int h = 0; h < 16; ++h) x4[u][h] = ok && h < group ? __ldcg(lg + (long long)h * n_cmp + i) : -INFINITY;
    }
  }

  /* All split lse at once (one memory latency, not one per split), then each head's lse as
  ** split_combine_kernel computes it. */
  const long long r0 = (long long)b * a.heads_q + hk * group;
  for (int i = tid; i < a.splits * group; i += DS_NT)
    lsp[(i / group) * 16 + i % group] = ld_other<V4>(a.lse_part + (i / group) * n_rows + r0 + i % group);
  __syncthreads();
  if (tid < 16) {
    const float lse = merge_split_lse(lsp, a.splits, group, tid, m_h, l_h, lse2);
    if (V4 && chunk == 0 && tid < group) p.lse_cmp[r0 + tid] = lse; /* V4: o_cmp is merged in the branch kernel */
  }
  __syncthreads();
  /* This CTA's share of the compressed branch's merged output. */
  for (int h = chunk; h < group && !V4; h += gridDim.x) {
    const long long r = r0 + h;
    const float m = m_h[h], l = l_h[h], m_use = m == -INFINITY ? 0.f : m;
    const float inv = l > 0.f ? 1.f / l : 0.f;
    for (int d = tid; d < a.d_v; d += DS_NT) {
      float o = 0.f;
#pragma unroll 8
      for (int s = 0; s < a.splits; ++s)
        o += __expf(lsp[s * 16 + h] - m_use) * ld_other<V4>(a.o_part + (s * n_rows + r) * a.d_v + d);
      static_cast<__nv_bfloat16 *>(p.o_cmp)[r * a.d_v + d] = __float2bfloat16(o * inv);
    }
    if (tid == 0) p.lse_cmp[r] = l > 0.f ? m + logf(l) : -INFINITY;
  }

  /* Eq. 8 and 10 for the compressed blocks this chunk's selection blocks cover (Eq. 9: block j
  ** sums p_cmp[R(j+1) - 1 - m - n], m < R, n <= H), then the blocks' scores. */
  if (j0 < j1) {
    auto p_of = [&](const float *x) {
      float v = 0.f;
#pragma unroll
      for (int h = 0; h < 16; ++h)
        if (lse2[h] > -INFINITY && x[h] > -INFINITY) v += exp2f(x[h] - lse2[h]);
      return v;
    };
    if (V4) {
#pragma unroll
      for (int u = 0; u < 2; ++u)
        if (i_lo + tid + u * DS_NT < i_hi) pc[tid + u * DS_NT] = p_of(x4[u]);
    }
    for (int i = i_lo + tid + (V4 ? 2 * DS_NT : 0); i < i_hi; i += DS_NT) {
      float v = 0.f;
      if (in_past(i)) { /* block fully in the past */
        float x[16];
#pragma unroll
        for (int h = 0; h < 16; ++h) x[h] = h < group ? ld_other<V4>(lg + (long long)h * n_cmp + i) : -INFINITY;
        v = p_of(x);
      }
      pc[i - i_lo] = v;
    }
    __syncthreads();
    for (int j = j0 + tid; j < j1; j += DS_NT) {
      float sum = 0.f;
      for (int m = 0; m < R; ++m)
        for (int n = 0; n <= H; ++n) {
          const int i = R * (j + 1) - 1 - m - n;
          if (i >= 0 && i < n_cmp) sum += pc[i - i_lo];
        }
      out_sc[j] = sum;
    }
  }
  if (!last_to_arrive(p.counter_select + b * a.heads_kv + hk, gridDim.x)) return;
  if (V4 && p.sync && tid == 0) p.done_cmp[pair] = 0; /* every CTA of the pair has passed its wait */
  float *sc = pc + p.chunk_blocks * R + H;
#pragma unroll 4
  for (int j = tid; j < n_valid; j += DS_NT) sc[j] = __ldcg(out_sc + j); /* L2: written by other CTAs */
  __syncthreads();
  int32_t *idx = p.idx + ((long long)b * a.heads_kv + hk) * p.n;
  bool done = false;
  if (TOPN == 2 && n_valid <= DS_NT * TW_K) done = topn_warps<DS_NT>(sc, n_valid, p.n, idx);
  if (done)
    ;
  else if (TOPN >= 1)
    topn_radix<DS_NT>(sc, n_valid, p.n, idx);
  else
    topn_cta<DS_NT>(sc, n_valid, p.n, idx);
  if (V4 && p.sync) { /* the pair's selection (and, before the counter above, its o_cmp) is written */
    __threadfence();
    __syncthreads();
    if (tid == 0) asm volatile("st.release.gpu.global.s32 [%0], %1;" ::"l"(p.ready_sel + pair), "r"(1) : "memory");
  }
}

/* ---------------------------------------------------------------- branches */
/* Sum over a branch's splits of w_s o_s for 4 consecutive values, w_s from shared memory; unrolled
** so the splits' loads are in flight together. */
__device__ __forceinline__ float4 split_merge4(const val_attn_group_params &a, const float *w, long long rows, long long r,
                                               int d) {
  float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll 8
  for (int s = 0; s < a.splits; ++s) {
    const float4 o = __ldcg(reinterpret_cast<const float4 *>(a.o_part + (s * rows + r) * a.d_v + d));
    acc.x += w[s * 16] * o.x, acc.y += w[s * 16] * o.y, acc.z += w[s * 16] * o.z, acc.w += w[s * 16] * o.w;
  }
  return acc;
}

/* COOP (v3): instead of the last CTA of a (sequence, KV head) merging every output alone (~1650
** warp instructions per warp on 4 warps, ncu), the pair's CTAs wait for each other (the grid is
** one wave: the launcher checks) and each merges 1 / (splits) of the outputs. */
/* V4 (COOP too): in a whole step (p.sync) the selected CTAs wait for their pair's flag from the
** selection instead of the whole selection grid, the window CTAs for nothing (they read inputs and
** write their own partials), and every CTA for the flag before the merge reads o_cmp. */
template <int DQK, int DV, int BN, int STAGES, bool LEAN, bool COOP, bool V4 = false>
__global__ void __launch_bounds__(GrpCfg<DQK, DV, BN, STAGES>::NT, (dec_min_blocks<DQK, DV, BN, STAGES>()))
    decode_branches_kernel(const val_decode_fused_params p) {
  using C = GrpCfg<DQK, DV, BN, STAGES>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  const int hk = blockIdx.y, per = p.slc.splits + p.win.splits;
  const int b = blockIdx.z / per, s = blockIdx.z % per;
  /* One call site for both branches (the body handles either mode): two inlined copies cost 210
  ** registers. */
  const bool slc = s < p.slc.splits;
  /* Every CTA of the grid is resident once all have passed this (the next step's compressed CTAs,
  ** launched then, cannot take the place of a CTA the pair waits for below). */
  if (V4 && p.sync) val_pdl_trigger();
  val_group_attend<DQK, DV, BN, STAGES, LEAN, V4>(slc ? p.slc : p.win, 0, hk, b, slc ? s : s - p.slc.splits, smem_raw);
  const long long pair = (long long)b * p.slc.heads_kv + hk;
  if (COOP) {
    wait_for_all(p.counter_branches2 + pair, per); /* after this CTA's partials */
    if (V4 && p.sync) val_wait_flag(p.ready_sel + pair, 1); /* o_cmp is written */
  } else if (!last_to_arrive(p.counter_branches + pair, per)) {
    return;
  }

  /* Both branches' split lse for the group's heads at once into the drained K/V ring, then per
  ** head the weights exp(lse_s - max) / sum (as gate_combine_split_kernel), then the outputs. */
  /* V4 also merges the compressed branch's splits here (after the selected and window ones), which
  ** the selection kernel did in v1 and v3, so that kernel's chain has one memory round less. */
  const int group = p.slc.heads_q / p.slc.heads_kv, ss = p.slc.splits, all = per + (V4 ? p.cmp.splits : 0);
  const long long rows = (long long)p.slc.batch * p.slc.heads_q, r0 = (long long)b * p.slc.heads_q + hk * group;
  float *w = reinterpret_cast<float *>(smem_raw + 2 * C::Q_ELEMS); /* [all][16] */
  for (int i = threadIdx.x; i < all * group; i += C::NT) {
    const int sp = i / group, h = i % group;
    w[sp * 16 + h] = sp < ss    ? __ldcg(p.slc.lse_part + sp * rows + r0 + h)
                     : sp < per ? __ldcg(p.win.lse_part + (sp - ss) * rows + r0 + h)
                                : __ldcg(p.cmp.lse_part + (sp - per) * rows + r0 + h);
  }
  __syncthreads();
  if (threadIdx.x < group) {
    const int h = threadIdx.x;
    for (int br = 0; br < (V4 ? 3 : 2); ++br) {
      const int s0 = br == 2 ? per : br ? ss : 0, s1 = br == 2 ? all : br ? per : ss;
      float m = -INFINITY;
      for (int sp = s0; sp < s1; ++sp) m = fmaxf(m, w[sp * 16 + h]);
      const float m_use = m == -INFINITY ? 0.f : m;
      float l = 0.f;
      for (int sp = s0; sp < s1; ++sp) l += __expf(w[sp * 16 + h] - m_use);
      const float inv = l > 0.f ? 1.f / l : 0.f;
      for (int sp = s0; sp < s1; ++sp) w[sp * 16 + h] = __expf(w[sp * 16 + h] - m_use) * inv;
    }
  }
  __syncthreads();
  const int N = group * (DV / 4), i_lo = COOP ? N * s / per : 0, i_hi = COOP ? N * (s + 1) / per : N;
  for (int i = i_lo + threadIdx.x; i < i_hi; i += C::NT) {
    const int h = i / (DV / 4), d = (i % (DV / 4)) * 4;
    const long long r = r0 + h;
    const __nv_bfloat16 *gt = static_cast<const __nv_bfloat16 *>(p.gates) + r * 3;
    const float g0 = __bfloat162float(gt[0]), g1 = __bfloat162float(gt[1]), g2 = __bfloat162float(gt[2]);
    const float4 os = split_merge4(p.slc, w + h, rows, r, d), ow = split_merge4(p.win, w + ss * 16 + h, rows, r, d);
    __nv_bfloat16 *oc = static_cast<__nv_bfloat16 *>(p.o_cmp) + r * DV + d;
    float2 c01, c23;
    if (V4) { /* the compressed branch's output, rounded to bf16 as v3's selection kernel stores it */
      const float4 o4 = split_merge4(p.cmp, w + per * 16 + h, rows, r, d);
      uint2 u;
      u.x = val_pack_bf16(o4.x, o4.y), u.y = val_pack_bf16(o4.z, o4.w);
      *reinterpret_cast<uint2 *>(oc) = u;
      c01 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&u.x));
      c23 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(&u.y));
    } else {
      c01 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(oc));
      c23 = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(oc + 2));
    }
    uint2 out;
    out.x = val_pack_bf16(g0 * c01.x + g1 * os.x + g2 * ow.x, g0 * c01.y + g1 * os.y + g2 * ow.y);
    out.y = val_pack_bf16(g0 * c23.x + g1 * os.z + g2 * ow.z, g0 * c23.y + g1 * os.w + g2 * ow.w);
    *reinterpret_cast<uint2 *>(static_cast<__nv_bfloat16 *>(p.o) + r * DV + d) = out;
  }
  if (COOP && last_to_arrive(p.counter_branches + pair, per) && threadIdx.x == 0) {
    p.counter_branches2[pair] = 0; /* every CTA of the pair has passed the wait */
    if (V4 && p.sync) p.ready_sel[pair] = 0;
  }
}

/* The three branches' group views must agree with each other and with one compiled mapping. */
bool fused_ok(const val_decode_fused_params *p) {
  const val_attn_group_params *v[3] = {&p->cmp, &p->slc, &p->win};
  for (int i = 0; i < 3; ++i) {
    const val_attn_group_params *a = v[i];
    if (a->seq_q != 1 || a->splits < 1 || !a->write_part || !a->o_part || !a->lse_part || a->heads_q % a->heads_kv ||
        a->heads_q / a->heads_kv > 16 || a->d_qk != p->cmp.d_qk || a->d_v != p->cmp.d_v ||
        a->block_n != p->cmp.block_n || a->stages != p->cmp.stages || a->batch != p->cmp.batch ||
        a->heads_kv != p->cmp.heads_kv || a->heads_q != p->cmp.heads_q)
      return false;
  }
  return p->cmp.mode == VAL_GROUP_RANGE && p->win.mode == VAL_GROUP_RANGE && p->slc.mode == VAL_GROUP_INDEX &&
         p->cmp.logits && p->slc.n_blk <= 128 && p->slc.blk_size % p->slc.block_n == 0 && p->cmp.d_v % 4 == 0;
}

/* The compressed kernel or the branch kernel (branches) of the compiled mapping of p->cmp, which
** fused_ok() has checked the branches share. */
cudaError_t launch_attention(bool branches, const val_decode_fused_params *p, dim3 grid, cudaStream_t s,
                             val_launch_info *info) {
  const val_attn_group_params &a = p->cmp;
#define L(KERNEL, NAME, A, B, N, S, ...)                                                                      \
  val_launch(KERNEL<A, B, N, S, __VA_ARGS__>, NAME "<" #A "/" #B "/" #N "/" #S ">", grid,                        \
             dim3(GrpCfg<A, B, N, S>::NT), GrpCfg<A, B, N, S>::SMEM_BYTES, s, info, *p, a.pdl)
#define X(A, B, N, S)                                                                                          \
  if (a.d_qk == A && a.d_v == B && a.block_n == N && a.stages == S) {                                          \
    if (branches)                                                                                              \
      return p->v4     ? L(decode_branches_kernel, "decode_branches_flags", A, B, N, S, true, true, true)      \
             : p->v3   ? L(decode_branches_kernel, "decode_branches_coop", A, B, N, S, true, true)             \
             : p->lean ? L(decode_branches_kernel, "decode_branches_lean", A, B, N, S, true, false)            \
                       : L(decode_branches_kernel, "decode_branches", A, B, N, S, false, false);               \
    if (p->v2) return L(decode_cmp_kernel, "decode_cmp_select2", A, B, N, S, true, true);                      \
    if (p->v4) return L(decode_cmp_kernel, "decode_cmp_flags", A, B, N, S, false, true, true);                 \
    return p->lean ? L(decode_cmp_kernel, "decode_cmp_lean", A, B, N, S, false, true)                          \
                   : L(decode_cmp_kernel, "decode_cmp", A, B, N, S, false, false);                             \
  }
  VAL_GRP_MAPPINGS(X)
#undef X
#undef L
  return cudaErrorInvalidValue;
}

/* The v2 selection's shared memory against the K/V ring: the split lse and a split's tokens (at
** most tok_max), then the ranges and scores of the top-n. */
size_t tail_bytes(int splits, int n_sel, int tok_max) {
  const size_t a = (size_t)splits * 16 * 4 + (size_t)tok_max * 4, b = (size_t)splits * 2 * 4 + (size_t)n_sel * 4;
  return a > b ? a : b;
}

/* Whether a grid of `ctas` CTAs of fn (nt threads, smem bytes of shared memory) is resident at once,
** as the kernels whose CTAs wait for each other (v2's cmp, v3's branches) need. */
template <typename F>
bool fits_one_wave(F *fn, int nt, size_t smem, long long ctas) {
  int dev = 0, sms = 0, per_sm = 0;
  return val_prepare(fn, smem) == cudaSuccess && cudaGetDevice(&dev) == cudaSuccess &&
         cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess &&
         cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, fn, nt, smem) == cudaSuccess &&
         ctas <= (long long)per_sm * sms;
}

/* fits_one_wave for the waiting kernel (branches: v3's, else v2's cmp) of a's compiled mapping. */
bool waiting_grid_fits(bool branches, const val_attn_group_params &a, long long ctas, bool v4 = false) {
#define X(A, B, N, S)                                                                                          \
  if (a.d_qk == A && a.d_v == B && a.block_n == N && a.stages == S) {                                          \
    using C = GrpCfg<A, B, N, S>;                                                                              \
    if (branches && v4)                                                                                        \
      return fits_one_wave(decode_branches_kernel<A, B, N, S, true, true, true>, C::NT, C::SMEM_BYTES, ctas);  \
    return branches ? fits_one_wave(decode_branches_kernel<A, B, N, S, true, true>, C::NT, C::SMEM_BYTES, ctas) \
                    : fits_one_wave(decode_cmp_kernel<A, B, N, S, true, true>, C::NT, C::SMEM_BYTES, ctas);     \
  }
  VAL_GRP_MAPPINGS(X)
#undef X
  return false;
}

} // namespace

extern "C" cudaError_t val_launch_decode_cmp(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info) {
  if (!fused_ok(p) || (p->k_src && (!p->v_src || !p->k_cmp || !p->v_cmp || p->cmp_len < 1 ||
                                     (long long)(p->cmp.seq_k - 1) * p->cmp_stride + p->cmp_len > p->seq_len)))
    return cudaErrorInvalidValue;
  if (p->v2 && (!p->part_scores || !p->counter_select || !p->counter_select2 || !p->scores || !p->idx ||
                !p->o_cmp || !p->lse_cmp || p->n < 3 || p->n > 32 || p->n_sel < 1 || p->cmp_stride < 1 ||
                p->cmp_len % p->cmp_stride || p->sel_len % p->cmp_stride || p->cmp_len < p->cmp_stride ||
                p->sel_len / p->cmp_stride + p->cmp_len / p->cmp_stride - 1 > 64 ||
                val_decode_v2_tail_excess(p->cmp.d_qk, p->cmp.d_v, p->cmp.block_n, p->cmp.stages, p->cmp.splits,
                                          p->n_sel, p->cmp.seq_k)))
    return cudaErrorInvalidValue;
  if (p->v2 && !waiting_grid_fits(false, p->cmp, (long long)p->cmp.batch * p->cmp.heads_kv * p->cmp.splits))
    return cudaErrorInvalidConfiguration;
  if (p->v4 && (p->v2 || !p->lean || (p->sync && !p->done_cmp))) return cudaErrorInvalidValue;
  const val_attn_group_params &a = p->cmp;
  return launch_attention(false, p, dim3(1u, (unsigned)a.heads_kv, (unsigned)(a.batch * a.splits)), s, info);
}

extern "C" cudaError_t val_launch_decode_select(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info) {
  if (!fused_ok(p) || p->n < 3 || p->n > 32 || p->n_sel < 1 || p->chunk_blocks < 1 || p->cmp_stride < 1 ||
      p->cmp_len % p->cmp_stride || p->sel_len % p->cmp_stride || !p->counter_select ||
      (p->v4 && p->sync && (!p->done_cmp || !p->ready_sel)))
    return cudaErrorInvalidValue;
  const int R = p->sel_len / p->cmp_stride, H = p->cmp_len / p->cmp_stride - 1;
  const size_t smem = ((size_t)p->cmp.splits * 16 + (size_t)p->chunk_blocks * R + H + (size_t)p->n_sel) * sizeof(float);
  if (smem > 227 * 1024) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)((p->n_sel + p->chunk_blocks - 1) / p->chunk_blocks), (unsigned)p->cmp.heads_kv,
                  (unsigned)p->cmp.batch);
  if (p->v4) /* topn_warps holds at most DS_NT * TW_K scores and TW_CAP candidates; beyond, topn_radix */
    return val_launch(decode_select_kernel<2>, "decode_select_warps", grid, dim3(DS_NT), smem, s, info, *p, p->cmp.pdl);
  return p->v3 ? val_launch(decode_select_kernel<1>, "decode_select_radix", grid, dim3(DS_NT), smem, s, info, *p,
                            p->cmp.pdl)
               : val_launch(decode_select_kernel<0>, "decode_select", grid, dim3(DS_NT), smem, s, info, *p,
                            p->cmp.pdl);
}

extern "C" cudaError_t val_launch_decode_branches(const val_decode_fused_params *p, cudaStream_t s, val_launch_info *info) {
  if (!fused_ok(p) || !p->counter_branches || !p->gates || !p->o || !p->o_cmp || (p->v3 && !p->counter_branches2))
    return cudaErrorInvalidValue;
  if (p->v4 && (!p->v3 || (p->sync && (!p->ready_sel || !p->slc.ready || !p->win.ready))))
    return cudaErrorInvalidValue;
  if (p->v3 && !waiting_grid_fits(true, p->slc,
                                   (long long)p->slc.batch * p->slc.heads_kv * (p->slc.splits + p->win.splits), p->v4))
    return cudaErrorInvalidConfiguration;
  if ((size_t)(p->slc.splits + p->win.splits + (p->v4 ? p->cmp.splits : 0)) * 16 * 4 >
      (size_t)2 * p->cmp.stages * 32 * (p->cmp.d_qk + p->cmp.d_v))
    return cudaErrorInvalidValue; /* the merge's weights live in the K/V ring (stages x 32 keys at least) */
  const val_attn_group_params &a = p->slc;
  return launch_attention(true, p, dim3(1u, (unsigned)a.heads_kv, (unsigned)(a.batch * (a.splits + p->win.splits))), s,
                          info);
}

extern "C" size_t val_decode_v2_tail_excess(int d_qk, int d_v, int block_n, int stages, int splits, int n_sel,
                                            int n_cmp) {
  const int tiles = (n_cmp + block_n - 1) / block_n, tok_max = (tiles + splits - 1) / splits * block_n;
  const size_t need = tail_bytes(splits, n_sel, tok_max);
#define X(A, B, N, S)                                                                                     \
  if (d_qk == A && d_v == B && block_n == N && stages == S) {                                             \
    using C = GrpCfg<A, B, N, S>;                                                                         \
    const size_t have = C::KV_BYTES > C::RED_BYTES ? C::KV_BYTES : C::RED_BYTES;                          \
    return need > have ? need - have : 0;                                                                 \
  }
  VAL_GRP_MAPPINGS(X)
#undef X
  return need;
}

extern "C" int val_decode_ctas_per_sm(int d_qk, int d_v, int block_n, int stages) {
  int n = 0, m = 0;
#define X(A, B, N, S)                                                                                                \
  if (d_qk == A && d_v == B && block_n == N && stages == S) {                                                       \
    using C = GrpCfg<A, B, N, S>;                                                                                    \
    if (val_prepare(decode_branches_kernel<A, B, N, S, false, false>, C::SMEM_BYTES) != cudaSuccess ||                     \
        val_prepare(decode_cmp_kernel<A, B, N, S, false, false>, C::SMEM_BYTES) != cudaSuccess ||                          \
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, decode_branches_kernel<A, B, N, S, false, false>, C::NT,          \
                                                      C::SMEM_BYTES) != cudaSuccess ||                               \
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&m, decode_cmp_kernel<A, B, N, S, false, false>, C::NT,               \
                                                      C::SMEM_BYTES) != cudaSuccess)                                 \
      return 0;                                                                                                      \
    return n < m ? n : m;                                                                                            \
  }
  VAL_GRP_MAPPINGS(X)
#undef X
  return 0;
}
