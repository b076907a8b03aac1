/*
** validate/kernels/attn_fwd.cu — FlashAttention-2 style forward, token-major tiles.
** One CTA per (block_m query rows, query head, batch); block_m/16 warps, each owning 16 rows.
** K/V tiles of block_n keys stream through a `stages`-deep cp.async ring; S = QK^T and O += PV run
** on mma.m16n8k16 (bf16 in, fp32 accumulate) with an online softmax in registers.
** The position mask (see val_kernels.h) makes the same kernel the full causal forward, the NSA
** compressed-attention branch (keys = compressed blocks) and the sliding-window branch.
*/
#include "val_common.cuh"

namespace {

template <int DQK, int DV, int BM, int BN, int STAGES>
struct FwdCfg {
  static constexpr int WARPS = BM / 16;
  static constexpr int NT = WARPS * 32;
  static constexpr size_t Q_ELEMS = (size_t)BM * DQK;
  static constexpr size_t K_ELEMS = (size_t)BN * DQK;
  static constexpr size_t V_ELEMS = (size_t)BN * DV;
  static constexpr size_t SMEM_BYTES = 2 * (Q_ELEMS + STAGES * (K_ELEMS + V_ELEMS));
  /* Ask ptxas for two resident CTAs when shared memory allows it (227 KB per SM): at one CTA of
  ** 8 warps a barrier stalls the whole SM, two CTAs overlap one's softmax with the other's MMAs. */
  static constexpr int MIN_BLOCKS = (2 * SMEM_BYTES <= 227 * 1024) ? 2 : 1;
};

/* Position of key j: keys are tokens (stride 1) or compressed blocks (stride d, offset l-1). */
__device__ __forceinline__ int key_pos(int j, int st, int off) { return j * st + off; }

/* GATED: the epilogue applies the NSA gates (val_attn_fwd_params.gates); a separate
** instantiation, so the plain kernel (the full-attention baseline) keeps its registers. */
template <int DQK, int DV, int BM, int BN, int STAGES, bool GATED>
__global__ void __launch_bounds__(FwdCfg<DQK, DV, BM, BN, STAGES>::NT, FwdCfg<DQK, DV, BM, BN, STAGES>::MIN_BLOCKS)
    attn_fwd_kernel(const val_attn_fwd_params p) {
  using C = FwdCfg<DQK, DV, BM, BN, STAGES>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *ks = qs + C::Q_ELEMS;
  __nv_bfloat16 *vs = ks + STAGES * C::K_ELEMS;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, c = lane & 3;
  /* Causal tiles near the end of the sequence do the most work: launch them first (reverse
  ** order) so the last wave is made of short tiles. */
  const int qtile = gridDim.x - 1 - blockIdx.x;
  const int hq = blockIdx.y, b = blockIdx.z;
  const int group = p.heads_q / p.heads_kv;
  const int hk = hq / group;
  const int row0 = qtile * BM;
  const int rows_valid = min(BM, p.seq_q - row0);

  const __nv_bfloat16 *qg = static_cast<const __nv_bfloat16 *>(p.q) + (((long long)b * p.seq_q + row0) * p.heads_q + hq) * DQK;
  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + ((long long)b * p.seq_k * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + ((long long)b * p.seq_k * p.heads_kv + hk) * DV;
  const long long q_stride = (long long)p.heads_q * DQK;
  const long long k_stride = (long long)p.heads_kv * DQK;
  const long long v_stride = (long long)p.heads_kv * DV;

  /* Key range seen by any row of this tile. */
  const int st = p.kv_pos_stride, off = p.kv_pos_off, win = p.window;
  const int qpos_lo = p.q_pos0 + row0;
  const int qpos_hi = p.q_pos0 + row0 + rows_valid - 1;
  const int j_hi = min(val_floordiv(qpos_hi - off, st), p.seq_k - 1);
  const int j_lo = win > 0 ? max(0, val_floordiv(qpos_lo - win - off, st) + 1) : 0;
  const int tile_lo = j_lo / BN;
  const int n_tiles = j_hi >= j_lo ? j_hi / BN - tile_lo + 1 : 0;

  val_load_tile<BM, DQK, C::NT>(qs, qg, q_stride, rows_valid, tid);
#pragma unroll
  for (int s = 0; s < STAGES - 1; ++s) {
    if (s < n_tiles) {
      const int j0 = (tile_lo + s) * BN;
      val_load_tile<BN, DQK, C::NT>(ks + s * C::K_ELEMS, kg + j0 * k_stride, k_stride, p.seq_k - j0, tid);
      val_load_tile<BN, DV, C::NT>(vs + s * C::V_ELEMS, vg + j0 * v_stride, v_stride, p.seq_k - j0, tid);
    }
    val_cp_async_commit();
  }

  const float sl2 = p.scale * VAL_LOG2E;
  float o_acc[DV / 8][4];
#pragma unroll
  for (int i = 0; i < DV / 8; ++i) o_acc[i][0] = o_acc[i][1] = o_acc[i][2] = o_acc[i][3] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};
  const int wr0 = warp * 16;
  const int qpos_r[2] = {qpos_lo + wr0 + g, qpos_lo + wr0 + g + 8};

  for (int it = 0; it < n_tiles; ++it) {
    {
      const int nxt = it + STAGES - 1;
      if (nxt < n_tiles) {
        const int j0 = (tile_lo + nxt) * BN, buf = nxt % STAGES;
        val_load_tile<BN, DQK, C::NT>(ks + buf * C::K_ELEMS, kg + j0 * k_stride, k_stride, p.seq_k - j0, tid);
        val_load_tile<BN, DV, C::NT>(vs + buf * C::V_ELEMS, vg + j0 * v_stride, v_stride, p.seq_k - j0, tid);
      }
      val_cp_async_commit();
    }
    val_cp_async_wait<STAGES - 1>();
    __syncthreads();
    const __nv_bfloat16 *kt = ks + (it % STAGES) * C::K_ELEMS;
    const __nv_bfloat16 *vt = vs + (it % STAGES) * C::V_ELEMS;
    const int j0 = (tile_lo + it) * BN;

    float s_acc[BN / 8][4];
#pragma unroll
    for (int i = 0; i < BN / 8; ++i) s_acc[i][0] = s_acc[i][1] = s_acc[i][2] = s_acc[i][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<DQK>(a, qs, wr0, kk * 16, lane);
#pragma unroll
      for (int nn = 0; nn < BN / 16; ++nn) {
        uint32_t bb[4];
        val_frag_b_nk<DQK>(bb, kt, nn * 16, kk * 16, lane);
        val_mma(s_acc[2 * nn], a, bb[0], bb[1]);
        val_mma(s_acc[2 * nn + 1], a, bb[2], bb[3]);
      }
    }

    /* Mask only tiles that straddle a boundary: the diagonal, the window edge, the tensor end. */
    const bool need_mask = (j0 + BN > p.seq_k) || (key_pos(j0 + BN - 1, st, off) > qpos_lo) ||
                           (win > 0 && key_pos(j0, st, off) <= qpos_hi - win);
    if (need_mask) {
#pragma unroll
      for (int nt = 0; nt < BN / 8; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int j = j0 + nt * 8 + 2 * c + (e & 1);
          const int qp = qpos_r[e >> 1];
          const int kp = key_pos(j, st, off);
          const bool vis = j < p.seq_k && kp <= qp && (win <= 0 || kp > qp - win);
          if (!vis) s_acc[nt][e] = -INFINITY;
        }
      }
    }

    /* Online softmax on rows g (e = 0,1) and g + 8 (e = 2,3), in the log2 domain. */
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
#pragma unroll
      for (int nt = 0; nt < BN / 8; ++nt) mx = fmaxf(mx, fmaxf(s_acc[nt][2 * r], s_acc[nt][2 * r + 1]));
      mx *= sl2;
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float m_new = fmaxf(m_run[r], mx);
      /* A row that has seen no visible key keeps m = -inf; subtract 0 so exp2 gives 0, not NaN. */
      const float m_use = m_new == -INFINITY ? 0.f : m_new;
      const float alpha = exp2f(m_run[r] - m_use);
      m_run[r] = m_new;
      float sum = 0.f;
#pragma unroll
      for (int nt = 0; nt < BN / 8; ++nt) {
        const float p0 = exp2f(s_acc[nt][2 * r] * sl2 - m_use);
        const float p1 = exp2f(s_acc[nt][2 * r + 1] * sl2 - m_use);
        s_acc[nt][2 * r] = p0;
        s_acc[nt][2 * r + 1] = p1;
        sum += p0 + p1;
      }
      l_run[r] = l_run[r] * alpha + sum;
#pragma unroll
      for (int dt = 0; dt < DV / 8; ++dt) {
        o_acc[dt][2 * r] *= alpha;
        o_acc[dt][2 * r + 1] *= alpha;
      }
    }

    /* O += P V: the S accumulators of two adjacent n-tiles form one A fragment of P. */
#pragma unroll
    for (int kk = 0; kk < BN / 16; ++kk) {
      uint32_t a[4];
      a[0] = val_pack_bf16(s_acc[2 * kk][0], s_acc[2 * kk][1]);
      a[1] = val_pack_bf16(s_acc[2 * kk][2], s_acc[2 * kk][3]);
      a[2] = val_pack_bf16(s_acc[2 * kk + 1][0], s_acc[2 * kk + 1][1]);
      a[3] = val_pack_bf16(s_acc[2 * kk + 1][2], s_acc[2 * kk + 1][3]);
#pragma unroll
      for (int dd = 0; dd < DV / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<DV>(bb, vt, kk * 16, dd * 16, lane);
        val_mma(o_acc[2 * dd], a, bb[0], bb[1]);
        val_mma(o_acc[2 * dd + 1], a, bb[2], bb[3]);
      }
    }
    __syncthreads(); /* the buffer just read is refilled by the next iteration's prefetch */
  }
  val_cp_async_wait<0>();

  __nv_bfloat16 *og = static_cast<__nv_bfloat16 *>(p.o) + (((long long)b * p.seq_q + row0) * p.heads_q + hq) * DV;
  const long long o_stride = (long long)p.heads_q * DV;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_run[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int row = wr0 + g + 8 * r;
    if (row >= rows_valid) continue;
    const float inv = l > 0.f ? 1.f / l : 0.f;
    uint32_t *orow = reinterpret_cast<uint32_t *>(og + row * o_stride);
    if (GATED) {
      /* The gated combine in the epilogue: this branch's output never goes through HBM, and the
      ** combine's launch and its pass over three outputs go. */
      const long long r_off = (((long long)b * p.seq_q + row0 + row) * p.heads_q + hq);
      const __nv_bfloat16 *gt = static_cast<const __nv_bfloat16 *>(p.gates) + r_off * 3;
      const float g0 = __bfloat162float(gt[0]), g1 = __bfloat162float(gt[1]), g2 = __bfloat162float(gt[2]) * inv;
      const __nv_bfloat162 *ca = reinterpret_cast<const __nv_bfloat162 *>(static_cast<const __nv_bfloat16 *>(p.gate_a) + r_off * DV);
      const __nv_bfloat162 *cb = reinterpret_cast<const __nv_bfloat162 *>(static_cast<const __nv_bfloat16 *>(p.gate_b) + r_off * DV);
#pragma unroll
      for (int dt = 0; dt < DV / 8; ++dt) {
        const int k = (dt * 8 + 2 * c) >> 1;
        const float2 x = __bfloat1622float2(ca[k]), y = __bfloat1622float2(cb[k]);
        orow[k] = val_pack_bf16(g0 * x.x + g1 * y.x + g2 * o_acc[dt][2 * r], g0 * x.y + g1 * y.y + g2 * o_acc[dt][2 * r + 1]);
      }
    } else {
#pragma unroll
      for (int dt = 0; dt < DV / 8; ++dt)
        orow[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(o_acc[dt][2 * r] * inv, o_acc[dt][2 * r + 1] * inv);
    }
    if (c == 0)
      p.lse[((long long)b * p.heads_q + hq) * p.seq_q + row0 + row] =
          l > 0.f ? (m_run[r] + log2f(l)) * VAL_LN2 : -INFINITY;
  }
}

template <int DQK, int DV, int BM, int BN, int STAGES>
cudaError_t launch_fwd(const val_attn_fwd_params *p, cudaStream_t s, val_launch_info *info, const char *name) {
  using C = FwdCfg<DQK, DV, BM, BN, STAGES>;
  if (p->gates && (!p->gate_a || !p->gate_b)) return cudaErrorInvalidValue;
  auto *fn = p->gates ? attn_fwd_kernel<DQK, DV, BM, BN, STAGES, true> : attn_fwd_kernel<DQK, DV, BM, BN, STAGES, false>;
  const dim3 grid((unsigned)((p->seq_q + BM - 1) / BM), (unsigned)p->heads_q, (unsigned)p->batch);
  const dim3 block(C::NT);
  return val_launch(fn, name, grid, block, C::SMEM_BYTES, s, info, *p);
}

} // namespace

/* The instantiated mappings; each line is one (d_qk, d_v, block_m, block_n, stages). */
#define VAL_FWD_MAPPINGS(X)      \
  X(128, 128, 128, 64, 2)        \
  X(128, 128, 64, 64, 2)         \
  X(128, 128, 128, 64, 3)        \
  X(192, 128, 128, 64, 2)        \
  X(192, 128, 64, 64, 2)         \
  X(192, 128, 128, 32, 2)

extern "C" int val_attn_fwd_supported(int d_qk, int d_v, int block_m, int block_n, int stages) {
#define X(a, b, c, d, e) if (d_qk == a && d_v == b && block_m == c && block_n == d && stages == e) return 1;
  VAL_FWD_MAPPINGS(X)
#undef X
  return 0;
}

extern "C" cudaError_t val_launch_attn_fwd(const val_attn_fwd_params *p, cudaStream_t s, val_launch_info *info) {
#define X(a, b, c, d, e)                                                                                     \
  if (p->d_qk == a && p->d_v == b && p->block_m == c && p->block_n == d && p->stages == e)                  \
    return launch_fwd<a, b, c, d, e>(p, s, info, p->gates ? "attn_fwd_gated<" #a "/" #b "/" #c "/" #d "/" #e ">" \
                                                          : "attn_fwd<" #a "/" #b "/" #c "/" #d "/" #e ">");
  VAL_FWD_MAPPINGS(X)
#undef X
  return cudaErrorInvalidValue;
}
