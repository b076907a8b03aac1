/*
** validate/kernels/val_group.cuh — the body of the group-centric attention CTA ([NSA] §3.4,
** Fig. 3), shared by the group kernel (attn_group.cu) and the fused NSA decode kernels
** (nsa_decode.cu), which run it for one branch and then do more in the same CTA.
** The Q tile is all h heads of the GQA group at one token, padded to the 16 rows of an MMA tile,
** so every K/V byte fetched serves h heads. K/V tiles stream through a cp.async ring; each warp
** takes 16 keys of a tile with its own online-softmax state, and the warps merge (m, l, O)
** through shared memory at the end. Tiles are 64 keys (4 warps) or 32 keys (2 warps); selection
** blocks of l' = 64 are 1 or 2 tiles. Keys come either from a contiguous position range (decode
** of full / compressed / window attention) or from the selected blocks of the top-n kernel.
*/
#ifndef VAL_GROUP_CUH
#define VAL_GROUP_CUH

#include "val_common.cuh"

namespace {

constexpr int GRP_MAX_BLK = 128;    /* n_blk limit (list kept in shared memory) */

/* BN keys per tile, one warp per 16 of them. BN = 32 halves the shared memory of a stage, so more
** CTAs (and more stages) fit on an SM: more K/V bytes in flight per SM for the same smem. */
template <int DQK, int DV, int BN, int STAGES>
struct GrpCfg {
  static constexpr int WARPS = BN / 16;
  static constexpr int NT = WARPS * 32;
  static constexpr size_t Q_ELEMS = (size_t)16 * DQK;
  static constexpr size_t K_ELEMS = (size_t)BN * DQK;
  static constexpr size_t V_ELEMS = (size_t)BN * DV;
  static constexpr size_t KV_BYTES = 2 * STAGES * (K_ELEMS + V_ELEMS);
  static constexpr size_t RED_BYTES = (size_t)WARPS * 16 * (DV + 2) * 4;
  static constexpr size_t SMEM_BYTES =
      2 * Q_ELEMS + (KV_BYTES > RED_BYTES ? KV_BYTES : RED_BYTES) + GRP_MAX_BLK * 4;
};

/* Range mode: the first BN-key tile of token position qpos and how many tiles it attends to. */
__device__ __forceinline__ void grp_range_tiles(const val_attn_group_params &p, int qpos, int bn, int *tile_lo,
                                                int *n_tiles) {
  const int st = p.kv_pos_stride, off = p.kv_pos_off, win = p.window;
  const int j_hi = min(val_floordiv(qpos - off, st), p.seq_k - 1);
  const int j_lo = win > 0 ? max(0, val_floordiv(qpos - win - off, st) + 1) : 0;
  *tile_lo = j_lo / bn;
  *n_tiles = j_hi >= j_lo ? j_hi / bn - *tile_lo + 1 : 0;
}

/* The first tile of split `split` of n_tiles (the last split's end is split == splits). */
__device__ __forceinline__ int grp_split_tile(int n_tiles, int split, int splits) {
  return (int)((long long)n_tiles * split / splits);
}

/* The lean body's copy of a ROWS x D tile: columns split into groups of CW 16-byte chunks (CW a
** power of two dividing NT), so a thread keeps one chunk column and steps NT / CW rows per pass.
** Its offsets are computed once per CTA and a pass costs a pointer add and one copy, where
** val_load_tile divides and multiplies per copy (about 25 instructions each; ncu source counters
** of decode_cmp, 2026-11-29). Same bytes, same swizzled layout, same zero fill past rows_valid.
** (ValWarpCopy in val_common.cuh is the one-warp form, for the union kernel's producer: with 32
** threads a pass cannot cover whole rows, so it walks 8 rows x 4 chunks instead.) */
template <int ROWS, int D, int NT>
struct GrpLeanCopy {
  static constexpr int CH = D / 8;
  static constexpr int CW0 = CH >= 16 ? 16 : 8;        /* first column group: 16 chunks (or 8) */
  static constexpr int CW1 = CH - CW0;                 /* the rest (D = 192: 8 chunks), or none */
  static_assert(CW1 == 0 || CW1 == 8 || CW1 == 16, "D of 64, 128, 192 or 256");
  static constexpr int CW1N = CW1 ? CW1 : 1;
  static_assert(NT % CW0 == 0 && NT % CW1N == 0, "threads cover whole rows of a group");
  static constexpr int RS0 = NT / CW0, RS1 = NT / CW1N; /* rows per pass */
  static_assert(ROWS % RS0 == 0 && (CW1 == 0 || ROWS % RS1 == 0), "whole passes");
  int r0, r1, c0, c1;   /* this thread's first row and its chunk column in each group */
  uint32_t s0, s1;      /* byte offsets of its first chunk in the tile (swizzle of its row) */
  int g0, g1;           /* element offsets of its first chunk from a tile's first row (< 16 rows) */
  long long stride;     /* elements between rows */

  __device__ __forceinline__ void init(long long row_stride, int tid) {
    stride = row_stride;
    c0 = tid % CW0;
    r0 = tid / CW0;
    s0 = 2u * (uint32_t)val_swz<D>(r0, c0);
    g0 = r0 * (int)row_stride + c0 * 8;
    if (CW1) {
      c1 = CW0 + tid % CW1N;
      r1 = tid / CW1N;
      s1 = 2u * (uint32_t)val_swz<D>(r1, c1);
      g1 = r1 * (int)row_stride + c1 * 8;
    }
  }
  /* rows_valid >= ROWS skips the bound (every row there). */
  __device__ __forceinline__ void copy(uint32_t tile, const __nv_bfloat16 *g, int rows_valid) const {
#pragma unroll
    for (int k = 0; k < ROWS / RS0; ++k) {
      const int r = r0 + k * RS0;
      /* r & 7 changes only where RS0 is not a multiple of 8 */
      const uint32_t s = RS0 % 8 == 0 ? s0 + 2u * (uint32_t)(k * RS0 * D) : tile_swz(r, c0);
      val_cp_async16(tile + s, g + g0 + (long long)k * RS0 * stride, r < rows_valid);
    }
    if (CW1) {
#pragma unroll
      for (int k = 0; k < ROWS / RS1; ++k) {
        const int r = r1 + k * RS1;
        const uint32_t s = RS1 % 8 == 0 ? s1 + 2u * (uint32_t)(k * RS1 * D) : tile_swz(r, c1);
        val_cp_async16(tile + s, g + g1 + (long long)k * RS1 * stride, r < rows_valid);
      }
    }
  }
  /* Byte offset of logical chunk c of row r. */
  static __device__ __forceinline__ uint32_t tile_swz(int r, int c) { return 2u * (uint32_t)val_swz<D>(r, c); }
};

/* One CTA's work: token t, KV head hk, sequence b, KV split `split` of p.splits; smem_raw holds
** GrpCfg::SMEM_BYTES. Every thread of the CTA must call it (it synchronises the CTA).
** LEAN (the fused decode's second version, dec_fused=2) issues fewer instructions for the same
** result, bit for bit: GrpLeanCopy instead of val_load_tile, the key mask only on a warp's edge
** tiles, the logits row pointer formed once, the O rescale skipped when no row's maximum moved
** (alpha is exactly 1 then), and a shift for the block of a tile where sub is a power of two. */
template <int DQK, int DV, int BN, int STAGES, bool LEAN = false, bool FLAGS = false>
__device__ __forceinline__ void val_group_attend(const val_attn_group_params &p, int t, int hk, int b, int split,
                                                 unsigned char *smem_raw) {
  using C = GrpCfg<DQK, DV, BN, STAGES>;
  constexpr int GRP_BN = BN, GRP_WARPS = C::WARPS, GRP_NT = C::NT;
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  unsigned char *kv_raw = smem_raw + 2 * C::Q_ELEMS;
  __nv_bfloat16 *ks = reinterpret_cast<__nv_bfloat16 *>(kv_raw);
  __nv_bfloat16 *vs = ks + STAGES * C::K_ELEMS;
  int *blk_list = reinterpret_cast<int *>(kv_raw + (C::KV_BYTES > C::RED_BYTES ? C::KV_BYTES : C::RED_BYTES));

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, c = lane & 3;
  const int group = p.heads_q / p.heads_kv;
  const int qpos = p.q_pos0 + t;
  const int st = p.kv_pos_stride, off = p.kv_pos_off, win = p.window;

  /* The list of 64-key tiles this token attends to. */
  int n_tiles, tile_lo = 0, sub = 1;
  if (p.mode == VAL_GROUP_RANGE) {
    grp_range_tiles(p, qpos, GRP_BN, &tile_lo, &n_tiles);
  } else {
    if (FLAGS && p.ready) { /* decode v4: this pair's indices are written, not the whole grid */
      val_wait_flag(p.ready + (long long)b * p.heads_kv + hk, 1);
    } else if (p.pdl) { /* the indices come from the kernel before */
      val_pdl_wait();
      val_pdl_trigger();
    }
    /* Compact the block indices: drop "no block" (-1) and blocks starting after the query. Warp 0
    ** reads 32 indices per step in parallel and keeps their order with a ballot prefix count, so
    ** the first K/V fetch waits for one global load, not n_blk dependent ones. */
    __shared__ int n_valid;
    if (warp == 0) {
      const int32_t *row = p.blk_idx + (((long long)b * p.seq_q + t) * p.heads_kv + hk) * p.n_blk;
      int n = 0;
      for (int i0 = 0; i0 < p.n_blk; i0 += 32) {
        const int i = i0 + lane;
        const int bi = i < p.n_blk ? (FLAGS ? __ldcg(row + i) : row[i]) : -1;
        const bool ok = bi >= 0 && (long long)bi * p.blk_size <= qpos && (long long)bi * p.blk_size < p.seq_k;
        const unsigned m = __ballot_sync(0xffffffffu, ok);
        if (ok) blk_list[n + __popc(m & ((1u << lane) - 1u))] = bi;
        n += __popc(m);
      }
      if (lane == 0) n_valid = n;
    }
    __syncthreads();
    sub = p.blk_size / GRP_BN;
    n_tiles = n_valid * sub;
  }
  const int it_lo = grp_split_tile(n_tiles, split, p.splits);
  const int it_hi = grp_split_tile(n_tiles, split + 1, p.splits);
  const int n_it = it_hi - it_lo;

  const __nv_bfloat16 *qg = static_cast<const __nv_bfloat16 *>(p.q) + (((long long)b * p.seq_q + t) * p.heads_q + hk * group) * DQK;
  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + ((long long)b * p.seq_k * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + ((long long)b * p.seq_k * p.heads_kv + hk) * DV;
  const long long k_stride = (long long)p.heads_kv * DQK;
  const long long v_stride = (long long)p.heads_kv * DV;

  const int sub_sh = __ffs(sub) - 1; /* LEAN: sub is 1, 2 or 4 (l' / BN) */
  auto tile_start = [&](int i) -> int {
    if (LEAN)
      return p.mode == VAL_GROUP_RANGE ? (tile_lo + i) * GRP_BN
                                       : blk_list[i >> sub_sh] * p.blk_size + (i & (sub - 1)) * GRP_BN;
    return p.mode == VAL_GROUP_RANGE ? (tile_lo + i) * GRP_BN : blk_list[i / sub] * p.blk_size + (i % sub) * GRP_BN;
  };
  GrpLeanCopy<GRP_BN, DQK, GRP_NT> kcp;
  GrpLeanCopy<GRP_BN, DV, GRP_NT> vcp;
  if (LEAN) kcp.init(k_stride, tid), vcp.init(v_stride, tid);
  auto load_kv = [&](int i, int buf) {
    const int j0 = tile_start(i);
    if (LEAN) {
      kcp.copy(val_smem_u32(ks + buf * C::K_ELEMS), kg + (long long)j0 * k_stride, p.seq_k - j0);
      vcp.copy(val_smem_u32(vs + buf * C::V_ELEMS), vg + (long long)j0 * v_stride, p.seq_k - j0);
      return;
    }
    val_load_tile<GRP_BN, DQK, GRP_NT>(ks + buf * C::K_ELEMS, kg + j0 * k_stride, k_stride, p.seq_k - j0, tid);
    val_load_tile<GRP_BN, DV, GRP_NT>(vs + buf * C::V_ELEMS, vg + j0 * v_stride, v_stride, p.seq_k - j0, tid);
  };

  const bool no_wait = FLAGS && p.ready; /* v4's window: it reads only inputs and writes its partials */
  if (p.pdl == 2 && p.mode == VAL_GROUP_RANGE && !no_wait) { /* the keys come from the kernel before */
    val_pdl_wait();
    val_pdl_trigger();
  }
  val_load_tile<16, DQK, GRP_NT>(qs, qg, DQK, group, tid); /* rows >= h are zero padding */
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < n_it) load_kv(it_lo + s, s);
    val_cp_async_commit();
  }

  if (p.pdl == 1 && p.mode == VAL_GROUP_RANGE && !no_wait) { /* inputs loading; outputs are written below */
    val_pdl_wait();
    val_pdl_trigger();
  }
  const float sl2 = p.scale * VAL_LOG2E;
  float o_acc[DV / 8][4];
#pragma unroll
  for (int i = 0; i < DV / 8; ++i) o_acc[i][0] = o_acc[i][1] = o_acc[i][2] = o_acc[i][3] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};
  const int kw0 = warp * 16; /* this warp's 16 keys within the tile */
  float *const lg_row = p.logits ? p.logits + (((long long)b * p.heads_kv + hk) * 16 + g) * p.seq_k : nullptr;
  /* The group's Q tile is reused by every K tile: keep its A fragments in registers instead of
  ** re-reading shared memory (DQK/4 registers). */
  uint32_t qf[DQK / 16][4];

  for (int it = 0; it < n_it; ++it) {
    if (it + STAGES - 1 < n_it) load_kv(it_lo + it + STAGES - 1, (it + STAGES - 1) % STAGES);
    val_cp_async_commit();
    val_cp_async_wait<STAGES - 1>();
    __syncthreads();
    const __nv_bfloat16 *kt = ks + (it % STAGES) * C::K_ELEMS;
    const __nv_bfloat16 *vt = vs + (it % STAGES) * C::V_ELEMS;
    const int j0 = tile_start(it_lo + it) + kw0;

    if (it == 0) {
#pragma unroll
      for (int kk = 0; kk < DQK / 16; ++kk) val_frag_a<DQK>(qf[kk], qs, 0, kk * 16, lane);
    }
    float s_acc[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t bb[4];
      val_frag_b_nk<DQK>(bb, kt, kw0, kk * 16, lane);
      val_mma(s_acc[0], qf[kk], bb[0], bb[1]);
      val_mma(s_acc[1], qf[kk], bb[2], bb[3]);
    }
    /* Every row is the same token, so visibility depends on the key only; keys are monotone in
    ** position, so a warp's 16 keys are all visible when its first and last are (LEAN tests that). */
    bool interior = false;
    if (LEAN) {
      const int ja = j0, jb = j0 + 15;
      interior = p.mode == VAL_GROUP_RANGE
                     ? jb < p.seq_k && jb * st + off <= qpos && (win <= 0 || ja * st + off > qpos - win)
                     : jb < p.seq_k && jb <= qpos;
    }
#pragma unroll
    for (int nt = 0; nt < 2; ++nt) {
#pragma unroll
      for (int e = 0; e < 2; ++e) {
        const int j = j0 + nt * 8 + 2 * c + e;
        if (!interior) {
          bool vis;
          if (p.mode == VAL_GROUP_RANGE) {
            const int kp = j * st + off;
            vis = j < p.seq_k && kp <= qpos && (win <= 0 || kp > qpos - win);
          } else {
            vis = j < p.seq_k && j <= qpos;
          }
          if (!vis) s_acc[nt][e] = s_acc[nt][e + 2] = -INFINITY;
        }
        if (p.logits && (interior || j < p.seq_k)) { /* decode selection reuses these instead of recomputing q.k */
          float *lg = LEAN ? lg_row + j : p.logits + (((long long)b * p.heads_kv + hk) * 16 + g) * p.seq_k + j;
          if (g < group) lg[0] = s_acc[nt][e] * sl2;
          if (g + 8 < group) lg[8LL * p.seq_k] = s_acc[nt][e + 2] * sl2;
        }
      }
    }
    float alpha[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = fmaxf(fmaxf(s_acc[0][2 * r], s_acc[0][2 * r + 1]), fmaxf(s_acc[1][2 * r], s_acc[1][2 * r + 1])) * sl2;
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m_run[r], mx);
      const float m_use = m_new == -INFINITY ? 0.f : m_new; /* no visible key yet: avoid inf - inf */
      alpha[r] = exp2f(m_run[r] - m_use);
      m_run[r] = m_new;
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < 2; ++nt) {
        const float p0 = exp2f(s_acc[nt][2 * r] * sl2 - m_use);
        const float p1 = exp2f(s_acc[nt][2 * r + 1] * sl2 - m_use);
        s_acc[nt][2 * r] = p0;
        s_acc[nt][2 * r + 1] = p1;
        sum += p0 + p1;
      }
      l_run[r] = l_run[r] * alpha[r] + sum;
      if (!LEAN) {
#pragma unroll
        for (int dt = 0; dt < DV / 8; ++dt) {
          o_acc[dt][2 * r] *= alpha[r];
          o_acc[dt][2 * r + 1] *= alpha[r];
        }
      }
    }
    if (LEAN && __any_sync(0xffffffffu, alpha[0] != 1.f || alpha[1] != 1.f)) {
#pragma unroll
      for (int dt = 0; dt < DV / 8; ++dt) {
        o_acc[dt][0] *= alpha[0], o_acc[dt][1] *= alpha[0];
        o_acc[dt][2] *= alpha[1], o_acc[dt][3] *= alpha[1];
      }
    }
    uint32_t a[4];
    a[0] = val_pack_bf16(s_acc[0][0], s_acc[0][1]);
    a[1] = val_pack_bf16(s_acc[0][2], s_acc[0][3]);
    a[2] = val_pack_bf16(s_acc[1][0], s_acc[1][1]);
    a[3] = val_pack_bf16(s_acc[1][2], s_acc[1][3]);
#pragma unroll
    for (int dd = 0; dd < DV / 16; ++dd) {
      uint32_t bb[4];
      val_frag_b_kn<DV>(bb, vt, kw0, dd * 16, lane);
      val_mma(o_acc[2 * dd], a, bb[0], bb[1]);
      val_mma(o_acc[2 * dd + 1], a, bb[2], bb[3]);
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();
  __syncthreads(); /* the K/V ring is reused below as the cross-warp reduction buffer */

  float *red_o = reinterpret_cast<float *>(kv_raw);          /* [warp][16][DV] */
  float *red_m = red_o + GRP_WARPS * 16 * DV;                 /* [warp][16] */
  float *red_l = red_m + GRP_WARPS * 16;                      /* [warp][16] */
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_run[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int row = g + 8 * r;
    if (c == 0) {
      red_m[warp * 16 + row] = m_run[r];
      red_l[warp * 16 + row] = l;
    }
#pragma unroll
    for (int dt = 0; dt < DV / 8; ++dt) {
      red_o[(warp * 16 + row) * DV + dt * 8 + 2 * c] = o_acc[dt][2 * r];
      red_o[(warp * 16 + row) * DV + dt * 8 + 2 * c + 1] = o_acc[dt][2 * r + 1];
    }
  }
  __syncthreads();

  if (LEAN) {
    /* Each row's warp scales, 1/l and lse once (16 threads), then 4 outputs per thread per pass
    ** from float4 reads: the same products and sums in the same order as below, about a tenth of
    ** its instructions (ncu source counters: ~126 per pass there, 16 passes per thread at d_v 128). */
    __shared__ float grp_sc[GRP_WARPS * 16], grp_inv[16], grp_lse[16];
    if (tid < 16) {
      const int row = tid;
      float m = -INFINITY;
#pragma unroll
      for (int w = 0; w < GRP_WARPS; ++w) m = fmaxf(m, red_m[w * 16 + row]);
      const float m_use = m == -INFINITY ? 0.f : m;
      float l = 0.f;
#pragma unroll
      for (int w = 0; w < GRP_WARPS; ++w) {
        const float sc = exp2f(red_m[w * 16 + row] - m_use);
        grp_sc[w * 16 + row] = sc;
        l += red_l[w * 16 + row] * sc;
      }
      grp_inv[row] = l > 0.f ? 1.f / l : 0.f;
      grp_lse[row] = l > 0.f ? (m + log2f(l)) * VAL_LN2 : -INFINITY;
    }
    __syncthreads();
    for (int i = tid; i < group * (DV / 4); i += GRP_NT) {
      const int row = i / (DV / 4), d = (i % (DV / 4)) * 4;
      float4 o = make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
      for (int w = 0; w < GRP_WARPS; ++w) {
        const float sc = grp_sc[w * 16 + row];
        const float4 v = *reinterpret_cast<const float4 *>(red_o + (w * 16 + row) * DV + d);
        o.x += v.x * sc, o.y += v.y * sc, o.z += v.z * sc, o.w += v.w * sc;
      }
      const float inv = grp_inv[row];
      const int hq = hk * group + row;
      const long long orow = ((long long)b * p.seq_q + t) * p.heads_q + hq;
      const long long lrow = ((long long)b * p.heads_q + hq) * p.seq_q + t;
      if (p.splits == 1 && !p.write_part) {
        uint2 out;
        out.x = val_pack_bf16(o.x * inv, o.y * inv);
        out.y = val_pack_bf16(o.z * inv, o.w * inv);
        *reinterpret_cast<uint2 *>(static_cast<__nv_bfloat16 *>(p.o) + orow * DV + d) = out;
        if (d == 0) p.lse[lrow] = grp_lse[row];
      } else {
        const long long n_rows = (long long)p.batch * p.seq_q * p.heads_q;
        *reinterpret_cast<float4 *>(p.o_part + ((long long)split * n_rows + orow) * DV + d) =
            make_float4(o.x * inv, o.y * inv, o.z * inv, o.w * inv);
        if (d == 0) p.lse_part[(long long)split * n_rows + lrow] = grp_lse[row];
      }
    }
  } else { /* the measured (run 2 / run 4) kernels' merge, kept as it was */
    for (int i = tid; i < group * DV; i += GRP_NT) {
      const int row = i / DV, d = i % DV;
      float m = -INFINITY;
#pragma unroll
      for (int w = 0; w < GRP_WARPS; ++w) m = fmaxf(m, red_m[w * 16 + row]);
      const float m_use = m == -INFINITY ? 0.f : m;
      float l = 0.f, o = 0.f;
#pragma unroll
      for (int w = 0; w < GRP_WARPS; ++w) {
        const float sc = exp2f(red_m[w * 16 + row] - m_use);
        l += red_l[w * 16 + row] * sc;
        o += red_o[(w * 16 + row) * DV + d] * sc;
      }
      const float inv = l > 0.f ? 1.f / l : 0.f;
      const float lse = l > 0.f ? (m + log2f(l)) * VAL_LN2 : -INFINITY;
      const int hq = hk * group + row;
      const long long orow = ((long long)b * p.seq_q + t) * p.heads_q + hq;
      const long long lrow = ((long long)b * p.heads_q + hq) * p.seq_q + t;
      if (p.splits == 1 && !p.write_part) {
        static_cast<__nv_bfloat16 *>(p.o)[orow * DV + d] = __float2bfloat16(o * inv);
        if (d == 0) p.lse[lrow] = lse;
      } else {
        const long long n_rows = (long long)p.batch * p.seq_q * p.heads_q;
        p.o_part[((long long)split * n_rows + orow) * DV + d] = o * inv;
        if (d == 0) p.lse_part[(long long)split * n_rows + lrow] = lse;
      }
    }
  }
}

} // namespace

/* The instantiated mappings: (d_qk, d_v, block_n, stages). */
#define VAL_GRP_MAPPINGS(X) \
  X(128, 128, 64, 2)        \
  X(128, 128, 64, 3)        \
  X(128, 128, 32, 3)        \
  X(128, 128, 32, 4)        \
  X(192, 128, 64, 2)        \
  X(192, 128, 64, 3)        \
  X(192, 128, 32, 3)        \
  X(192, 128, 32, 4)

#endif /* VAL_GROUP_CUH */
