/*
** validate/kernels/attn_union.cu — selected attention for TOK consecutive tokens per CTA.
** The group-centric kernel (attn_group.cu) fetches every selected block once per token, so at 64k
** its L2 traffic is n x l' x (d_qk + d_v) x 2 bytes per (token, KV head) and it runs at the L2's
** bandwidth. Here one CTA serves TOK consecutive tokens of one KV head: it loads the union of their
** selected blocks once (the forced initial and local blocks are shared by all of them, and any
** block picked by several), and each block is used by the warps whose token chose it.
** Warp-specialised: warp TOK is the producer (cp.async into a STAGES-deep ring, completion signalled
** on an mbarrier per slot); warps 0..TOK-1 are consumers, warp w owning token t0 + w with its own
** online softmax over its 16 head rows, so no cross-warp reduction is needed. A consumer waits only
** for the tiles' data, not for the other consumers, so warps whose token skips a block run ahead.
*/
#include "val_common.cuh"

namespace {

constexpr int UN_BN = 64;       /* keys per tile */
constexpr int UN_MAX_BLK = 32;  /* selected blocks per token (n <= 32) */

template <int DQK, int DV, int TOK, int STAGES>
struct UnCfg {
  static constexpr int NT = (TOK + 1) * 32;
  static constexpr size_t Q_ELEMS = (size_t)TOK * 16 * DQK;
  static constexpr size_t K_ELEMS = (size_t)UN_BN * DQK;
  static constexpr size_t V_ELEMS = (size_t)UN_BN * DV;
  static constexpr size_t RING_BYTES = 2 * STAGES * (K_ELEMS + V_ELEMS);
  static constexpr size_t BAR_BYTES = 2 * STAGES * 8;
  /* tok_blk, u_blk, u_mask: TOK * UN_MAX_BLK each; tok_n: TOK; warp_first: TOK + 1 (every warp). */
  static constexpr size_t LIST_BYTES = (size_t)TOK * UN_MAX_BLK * 4 * 3 + (size_t)TOK * 4 + (size_t)(TOK + 1) * 4;
  static constexpr size_t SMEM_BYTES = 2 * Q_ELEMS + RING_BYTES + BAR_BYTES + LIST_BYTES;
  /* Two or three CTAs per SM when shared memory allows (233472 B per SM, 1 KB reserved per CTA). */
  static constexpr int MIN_BLOCKS = 3 * (SMEM_BYTES + 1024) <= 233472 ? 3 : 2 * (SMEM_BYTES + 1024) <= 233472 ? 2 : 1;
  static_assert(TOK * UN_MAX_BLK <= NT, "one thread per list entry");
  static_assert(TOK <= 32, "token masks are 32-bit");
};

__device__ __forceinline__ void un_bar_init(uint32_t bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void un_bar_arrive(uint32_t bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
/* The arrival fires when all of this thread's earlier cp.async copies have landed. */
__device__ __forceinline__ void un_bar_arrive_cp_async(uint32_t bar) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(bar) : "memory");
}
__device__ __forceinline__ void un_bar_wait(uint32_t bar, unsigned parity) {
  uint32_t done = 0;
  do {
    asm volatile("{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done)
                 : "r"(bar), "r"(parity)
                 : "memory");
  } while (!done);
}

/* The producer warp's copy of one ROWS x D tile (val_load_tile with NT = 32, not fully unrolled:
** the producer shares the kernel's register budget with the consumers). */
template <int ROWS, int D>
__device__ __forceinline__ void un_load_tile(__nv_bfloat16 *smem, const __nv_bfloat16 *g, long long row_stride,
                                             int rows_valid, int lane) {
  constexpr int CH = D / 8;
  const uint32_t base = val_smem_u32(smem);
#pragma unroll 4
  for (int i = lane; i < ROWS * CH; i += 32) {
    const int r = i / CH, c = i % CH;
    const bool ok = r < rows_valid;
    const __nv_bfloat16 *src = ok ? g + (long long)r * row_stride + c * 8 : g;
    val_cp_async16(base + 2u * (uint32_t)val_swz<D>(r, c), src, ok);
  }
}

/* LEAN (config grp_lean=1): the producer copies with ValWarpCopy (addresses once per warp) instead
** of un_load_tile; everything else, and every result, is the same. */
template <int DQK, int DV, int TOK, int STAGES, bool LEAN>
__global__ void __launch_bounds__(UnCfg<DQK, DV, TOK, STAGES>::NT, UnCfg<DQK, DV, TOK, STAGES>::MIN_BLOCKS) attn_union_kernel(const val_attn_group_params p) {
  using C = UnCfg<DQK, DV, TOK, STAGES>;
  constexpr int NT = C::NT;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *ks = qs + C::Q_ELEMS;
  __nv_bfloat16 *vs = ks + STAGES * C::K_ELEMS;
  uint64_t *bars = reinterpret_cast<uint64_t *>(smem_raw + 2 * C::Q_ELEMS + C::RING_BYTES);
  int *tok_blk = reinterpret_cast<int *>(bars + 2 * STAGES); /* [TOK][UN_MAX_BLK] */
  int *u_blk = tok_blk + TOK * UN_MAX_BLK;                    /* union, first-occurrence order */
  unsigned *u_mask = reinterpret_cast<unsigned *>(u_blk + TOK * UN_MAX_BLK);
  int *tok_n = reinterpret_cast<int *>(u_mask + TOK * UN_MAX_BLK);
  int *warp_first = tok_n + TOK; /* [TOK + 1] first-occurrence counts per warp, then the total */

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, c = lane & 3;
  const int t0 = blockIdx.x * TOK, hk = blockIdx.y, b = blockIdx.z;
  const int group = p.heads_q / p.heads_kv;
  const int sub = p.blk_size / UN_BN;
  const uint32_t full0 = val_smem_u32(bars), empty0 = full0 + 8u * STAGES;

  /* 1. Each consumer warp compacts its token's valid blocks (as attn_group.cu does); the
  **    producer warp initialises the barriers; everyone loads the Q tiles. */
  if (warp < TOK) {
    const int t = t0 + warp;
    int n = 0;
    if (t < p.seq_q) {
      const int qpos = p.q_pos0 + t;
      const int32_t *row = p.blk_idx + (((long long)b * p.seq_q + t) * p.heads_kv + hk) * p.n_blk;
      const int bi = lane < p.n_blk ? row[lane] : -1;
      const bool ok = bi >= 0 && (long long)bi * p.blk_size <= qpos && (long long)bi * p.blk_size < p.seq_k;
      const unsigned m = __ballot_sync(0xffffffffu, ok);
      if (ok) tok_blk[warp * UN_MAX_BLK + __popc(m & ((1u << lane) - 1u))] = bi;
      n = __popc(m);
    }
    if (lane == 0) tok_n[warp] = n;
  } else if (lane < STAGES) {
    un_bar_init(full0 + 8u * lane, 32);   /* the producer's 32 lanes, each through cp.async */
    un_bar_init(empty0 + 8u * lane, TOK); /* one arrival per consumer warp */
  }
  for (int w = 0; w < TOK; ++w) {
    const int t = min(t0 + w, p.seq_q - 1);
    const int rows = t0 + w < p.seq_q ? group : 0;
    const __nv_bfloat16 *qg = static_cast<const __nv_bfloat16 *>(p.q) + (((long long)b * p.seq_q + t) * p.heads_q + hk * group) * DQK;
    val_load_tile<16, DQK, NT>(qs + w * 16 * DQK, qg, DQK, rows, tid);
  }
  val_cp_async_commit();
  __syncthreads();

  /* 2. Union of the TOK lists in first-occurrence order, with the set of tokens using each block.
  **    Thread e takes entry (w = e / UN_MAX_BLK, i = e % UN_MAX_BLK). */
  unsigned mask = 0;
  bool first = false;
  int my_blk = -1;
  {
    const int w = tid / UN_MAX_BLK, i = tid % UN_MAX_BLK;
    if (w < TOK && i < tok_n[w]) {
      my_blk = tok_blk[w * UN_MAX_BLK + i];
      first = true;
      for (int w2 = 0; w2 < TOK; ++w2) {
        const int n2 = tok_n[w2];
        bool has = false;
        for (int i2 = 0; i2 < n2; ++i2) has |= tok_blk[w2 * UN_MAX_BLK + i2] == my_blk;
        if (has) {
          mask |= 1u << w2;
          if (w2 < w) first = false;
        }
      }
    }
  }
  const unsigned fb = __ballot_sync(0xffffffffu, first);
  if (lane == 0) warp_first[warp] = __popc(fb);
  __syncthreads();
  if (first) {
    int pos = __popc(fb & ((1u << lane) - 1u));
    for (int w = 0; w < warp; ++w) pos += warp_first[w];
    u_blk[pos] = my_blk;
    u_mask[pos] = mask;
  }
  int n_union = 0;
  for (int w = 0; w < TOK + 1; ++w) n_union += warp_first[w];
  val_cp_async_wait<0>(); /* Q tiles */
  __syncthreads();
  const int n_tiles = n_union * sub;

  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + ((long long)b * p.seq_k * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + ((long long)b * p.seq_k * p.heads_kv + hk) * DV;
  const long long k_stride = (long long)p.heads_kv * DQK;
  const long long v_stride = (long long)p.heads_kv * DV;

  if (warp == TOK) {
    /* 3a. Producer: tile u goes to slot u % STAGES once the consumers have released that slot's
    **     previous tile (use k - 1 of the slot). */
    ValWarpCopy<UN_BN, DQK> kcp;
    ValWarpCopy<UN_BN, DV> vcp;
    if (LEAN) kcp.init(k_stride, lane), vcp.init(v_stride, lane);
    for (int u = 0; u < n_tiles; ++u) {
      const int s = u % STAGES, k = u / STAGES;
      if (k > 0) un_bar_wait(empty0 + 8u * s, (unsigned)((k - 1) & 1));
      const int j0 = u_blk[u / sub] * p.blk_size + (u % sub) * UN_BN;
      if (LEAN) {
        kcp.copy(val_smem_u32(ks + s * C::K_ELEMS), kg + (long long)j0 * k_stride, p.seq_k - j0);
        vcp.copy(val_smem_u32(vs + s * C::V_ELEMS), vg + (long long)j0 * v_stride, p.seq_k - j0);
      } else {
        un_load_tile<UN_BN, DQK>(ks + s * C::K_ELEMS, kg + j0 * k_stride, k_stride, p.seq_k - j0, lane);
        un_load_tile<UN_BN, DV>(vs + s * C::V_ELEMS, vg + j0 * v_stride, v_stride, p.seq_k - j0, lane);
      }
      un_bar_arrive_cp_async(full0 + 8u * s);
    }
    val_cp_async_wait<0>();
    return;
  }

  /* 3b. Consumer warp w: token t0 + w over the tiles whose mask has bit w. */
  const int t = t0 + warp;
  const int qpos = p.q_pos0 + t;
  const float sl2 = p.scale * VAL_LOG2E;
  float o_acc[DV / 8][4];
#pragma unroll
  for (int i = 0; i < DV / 8; ++i) o_acc[i][0] = o_acc[i][1] = o_acc[i][2] = o_acc[i][3] = 0.f;
  float m_run[2] = {-INFINITY, -INFINITY}, l_run[2] = {0.f, 0.f};
  /* Q fragments are re-read from shared memory per tile (DQK/16 ldmatrix) rather than held in
  ** DQK/4 registers: with 9 warps ptxas gets 168 registers per thread, and O and S need 96. */
  const __nv_bfloat16 *qw = qs + warp * 16 * DQK;

  for (int u = 0; u < n_tiles; ++u) {
    const int s = u % STAGES, k = u / STAGES;
    un_bar_wait(full0 + 8u * s, (unsigned)(k & 1));
    if ((u_mask[u / sub] >> warp) & 1u) {
      const __nv_bfloat16 *kt = ks + s * C::K_ELEMS;
      const __nv_bfloat16 *vt = vs + s * C::V_ELEMS;
      const int j0 = u_blk[u / sub] * p.blk_size + (u % sub) * UN_BN;
      float s_acc[UN_BN / 8][4];
#pragma unroll
      for (int i = 0; i < UN_BN / 8; ++i) s_acc[i][0] = s_acc[i][1] = s_acc[i][2] = s_acc[i][3] = 0.f;
#pragma unroll
      for (int kk = 0; kk < DQK / 16; ++kk) {
        uint32_t qa[4];
        val_frag_a<DQK>(qa, qw, 0, kk * 16, lane);
#pragma unroll
        for (int nn = 0; nn < UN_BN / 16; ++nn) {
          uint32_t bb[4];
          val_frag_b_nk<DQK>(bb, kt, nn * 16, kk * 16, lane);
          val_mma(s_acc[2 * nn], qa, bb[0], bb[1]);
          val_mma(s_acc[2 * nn + 1], qa, bb[2], bb[3]);
        }
      }
      /* All rows are one token: visibility depends on the key only, and only the block holding
      ** the token (or the tensor end) needs a mask. */
      if (j0 + UN_BN - 1 > qpos || j0 + UN_BN > p.seq_k) {
#pragma unroll
        for (int nt = 0; nt < UN_BN / 8; ++nt)
#pragma unroll
          for (int e = 0; e < 2; ++e) {
            const int j = j0 + nt * 8 + 2 * c + e;
            if (j > qpos || j >= p.seq_k) s_acc[nt][e] = s_acc[nt][e + 2] = -INFINITY;
          }
      }
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int nt = 0; nt < UN_BN / 8; ++nt) mx = fmaxf(mx, fmaxf(s_acc[nt][2 * r], s_acc[nt][2 * r + 1]));
        mx *= sl2;
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float m_new = fmaxf(m_run[r], mx);
        const float m_use = m_new == -INFINITY ? 0.f : m_new;
        const float alpha = exp2f(m_run[r] - m_use);
        m_run[r] = m_new;
        float sum = 0.f;
#pragma unroll
        for (int nt = 0; nt < UN_BN / 8; ++nt) {
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
#pragma unroll
      for (int kk = 0; kk < UN_BN / 16; ++kk) {
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
    }
    __syncwarp(); /* every lane's ldmatrix of this slot is done before the warp releases it */
    if (lane == 0) un_bar_arrive(empty0 + 8u * s);
  }
  if (t >= p.seq_q) return;

  __nv_bfloat16 *og = static_cast<__nv_bfloat16 *>(p.o) + (((long long)b * p.seq_q + t) * p.heads_q + hk * group) * DV;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float l = l_run[r];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    const int row = g + 8 * r;
    if (row >= group) continue;
    const float inv = l > 0.f ? 1.f / l : 0.f;
    uint32_t *orow = reinterpret_cast<uint32_t *>(og + (long long)row * DV);
#pragma unroll
    for (int dt = 0; dt < DV / 8; ++dt)
      orow[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(o_acc[dt][2 * r] * inv, o_acc[dt][2 * r + 1] * inv);
    if (c == 0)
      p.lse[((long long)b * p.heads_q + hk * group + row) * p.seq_q + t] =
          l > 0.f ? (m_run[r] + log2f(l)) * VAL_LN2 : -INFINITY;
  }
}

template <int DQK, int DV, int TOK, int STAGES>
cudaError_t launch_union(const val_attn_group_params *p, cudaStream_t s, val_launch_info *info, const char *name) {
  using C = UnCfg<DQK, DV, TOK, STAGES>;
  auto *fn = p->lean ? attn_union_kernel<DQK, DV, TOK, STAGES, true> : attn_union_kernel<DQK, DV, TOK, STAGES, false>;
  const dim3 grid((unsigned)((p->seq_q + TOK - 1) / TOK), (unsigned)p->heads_kv, (unsigned)p->batch);
  const dim3 block(C::NT);
  return val_launch(fn, name, grid, block, C::SMEM_BYTES, s, info, *p);
}

} // namespace

/* The instantiated mappings: (d_qk, d_v, tokens per CTA, stages). */
#define VAL_UNION_MAPPINGS(X) \
  X(128, 128, 2, 2)           \
  X(128, 128, 4, 2)           \
  X(128, 128, 4, 4)           \
  X(128, 128, 8, 3)           \
  X(128, 128, 8, 4)           \
  X(192, 128, 2, 2)           \
  X(192, 128, 4, 2)           \
  X(192, 128, 8, 4)

extern "C" int val_attn_union_supported(int d_qk, int d_v, int tok_per_cta, int stages) {
#define X(a, b, c, d) if (d_qk == a && d_v == b && tok_per_cta == c && stages == d) return 1;
  VAL_UNION_MAPPINGS(X)
#undef X
  return 0;
}

extern "C" cudaError_t val_launch_attn_union(const val_attn_group_params *p, int tok_per_cta, cudaStream_t s,
                                             val_launch_info *info) {
  if (p->mode != VAL_GROUP_INDEX || p->splits != 1 || p->write_part || p->logits || p->blk_size % UN_BN != 0 ||
      p->n_blk > UN_MAX_BLK || p->heads_q % p->heads_kv != 0 || p->heads_q / p->heads_kv > 16)
    return cudaErrorInvalidValue;
#define X(a, b, c, d)                                                                                     \
  if (p->d_qk == a && p->d_v == b && tok_per_cta == c && p->stages == d)                                  \
    return launch_union<a, b, c, d>(p, s, info,                                                           \
                                    p->lean ? "attn_union_lean<" #a "/" #b "/" #c "/" #d ">"              \
                                            : "attn_union<" #a "/" #b "/" #c "/" #d ">");
  VAL_UNION_MAPPINGS(X)
#undef X
  return cudaErrorInvalidValue;
}
