/*
** validate/kernels/attn_bwd.cu — FlashAttention-2 style backward of causal GQA attention.
** The position mask of the forward (val_kernels.h) carries over: key j sits at j*stride + off and
** is seen by query q iff pos(j) <= q and, with a window w, pos(j) > q - w; so the same kernels are
** the backward of full attention, of the NSA compressed branch (keys = compressed blocks) and of
** the sliding-window branch.
** preprocess: delta = rowsum(dO * O), one warp per (token, head) row.
** dkdv: one CTA per (64 keys, KV head, batch), 4 warps x 16 keys. It loops over the h heads of the
**   group and the query tiles at or after its keys, recomputing P^T = exp(S^T - lse) from the
**   forward's log-sum-exp; dK and dV of the whole group accumulate in registers (no atomics).
** dq: one CTA per (64 queries, query head, batch), 4 warps x 16 queries, looping over key tiles.
** Both stream their loop operand through a 2-stage cp.async ring and use mma.m16n8k16 (bf16, fp32).
*/
#include "val_common.cuh"

namespace {

constexpr int BW_BM = 64, BW_BN = 64, BW_NT = 128, BW_STAGES = 2;

/* --------------------------------------------------------------------------- preprocess */
__global__ void bwd_pre_kernel(const val_attn_bwd_params p) {
  const long long row = (long long)blockIdx.x * 4 + (threadIdx.x >> 5); /* (b, t, hq) */
  const int lane = threadIdx.x & 31;
  const long long rows = (long long)p.batch * p.seq_len * p.heads_q;
  if (row >= rows) return;
  const __nv_bfloat16 *o = static_cast<const __nv_bfloat16 *>(p.o) + row * p.d_v;
  const __nv_bfloat16 *d = static_cast<const __nv_bfloat16 *>(p.d_o) + row * p.d_v;
  float acc = 0.f;
  for (int i = lane * 2; i < p.d_v; i += 64) {
    const float2 a = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(o + i));
    const float2 b = __bfloat1622float2(*reinterpret_cast<const __nv_bfloat162 *>(d + i));
    acc += a.x * b.x + a.y * b.y;
  }
#pragma unroll
  for (int s = 16; s > 0; s >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, s);
  const int hq = (int)(row % p.heads_q);
  const long long bt = row / p.heads_q;
  const int t = (int)(bt % p.seq_len), b = (int)(bt / p.seq_len);
  if (lane == 0) p.delta[((long long)b * p.heads_q + hq) * p.seq_len + t] = acc;
}

/* --------------------------------------------------------------------------- dK, dV */
template <int DQK, int DV>
struct DkdvCfg {
  static constexpr size_t K_ELEMS = (size_t)BW_BN * DQK, V_ELEMS = (size_t)BW_BN * DV;
  static constexpr size_t Q_ELEMS = (size_t)BW_BM * DQK, DO_ELEMS = (size_t)BW_BM * DV;
  static constexpr size_t SMEM_BYTES =
      2 * (K_ELEMS + V_ELEMS + BW_STAGES * (Q_ELEMS + DO_ELEMS)) + BW_STAGES * 2 * BW_BM * sizeof(float);
};

template <int DQK, int DV>
__global__ void __launch_bounds__(BW_NT) bwd_dkdv_kernel(const val_attn_bwd_params p) {
  using C = DkdvCfg<DQK, DV>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *ks = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *vs = ks + C::K_ELEMS;
  __nv_bfloat16 *qs = vs + C::V_ELEMS;                      /* [stage][BM][DQK] */
  __nv_bfloat16 *dos = qs + BW_STAGES * C::Q_ELEMS;          /* [stage][BM][DV] */
  float *stat = reinterpret_cast<float *>(dos + BW_STAGES * C::DO_ELEMS); /* [stage][lse2 | delta][BM] */

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, c = lane & 3;
  const int T = p.seq_len, Tk = p.seq_k;
  const int st = p.kv_pos_stride, off = p.kv_pos_off, win = p.window;
  const int ktile = gridDim.x - 1 - blockIdx.x; /* early keys see the most queries: start them first */
  const int hk = blockIdx.y, b = blockIdx.z / p.q_splits, split = blockIdx.z % p.q_splits;
  const int group = p.heads_q / p.heads_kv;
  const int k0 = ktile * BW_BN;
  const long long kst = (long long)p.heads_kv * DQK, vst = (long long)p.heads_kv * DV;
  const long long qst = (long long)p.heads_q * DQK, dost = (long long)p.heads_q * DV;
  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + (((long long)b * Tk + k0) * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + (((long long)b * Tk + k0) * p.heads_kv + hk) * DV;
  val_load_tile<BW_BN, DQK, BW_NT>(ks, kg, kst, Tk - k0, tid);
  val_load_tile<BW_BN, DV, BW_NT>(vs, vg, vst, Tk - k0, tid);

  /* Work items: (head of group, query tile) over the query tiles that see a key of this tile:
  ** from the first key's position to the end, or with a window to the last key's position + w - 1. */
  const int k_last = min(k0 + BW_BN, Tk) - 1;
  const int q_first = k0 * st + off;
  const int q_last = win > 0 ? min(T - 1, k_last * st + off + win - 1) : T - 1;
  const int qt_lo = q_first / BW_BM, n_qt = q_first <= q_last ? q_last / BW_BM - qt_lo + 1 : 0;
  /* With q_splits > 1 the CTA takes one contiguous share of the (head, query tile) items. */
  const int it_lo = (int)((long long)group * n_qt * split / p.q_splits);
  const int it_hi = (int)((long long)group * n_qt * (split + 1) / p.q_splits);
  const int n_it = it_hi - it_lo;
  const float sl2 = p.scale * VAL_LOG2E;
  auto load_q = [&](int itl, int buf) {
    const int it = it_lo + itl;
    const int hq = hk * group + it / n_qt, q0 = (qt_lo + it % n_qt) * BW_BM;
    const __nv_bfloat16 *qg = static_cast<const __nv_bfloat16 *>(p.q) + (((long long)b * T + q0) * p.heads_q + hq) * DQK;
    const __nv_bfloat16 *dg = static_cast<const __nv_bfloat16 *>(p.d_o) + (((long long)b * T + q0) * p.heads_q + hq) * DV;
    val_load_tile<BW_BM, DQK, BW_NT>(qs + buf * C::Q_ELEMS, qg, qst, T - q0, tid);
    val_load_tile<BW_BM, DV, BW_NT>(dos + buf * C::DO_ELEMS, dg, dost, T - q0, tid);
    /* lse (log2 domain) and delta of the 64 query rows; rows past the end see nothing */
    if (tid < BW_BM) {
      const int q = q0 + tid;
      const long long r = ((long long)b * p.heads_q + hq) * T + q;
      stat[buf * 2 * BW_BM + tid] = q < T ? p.lse[r] * VAL_LOG2E : INFINITY;
      stat[buf * 2 * BW_BM + BW_BM + tid] = q < T ? p.delta[r] : 0.f;
    }
  };
  if (n_it > 0) load_q(0, 0);
  val_cp_async_commit();

  float dk[DQK / 8][4], dv[DV / 8][4];
#pragma unroll
  for (int i = 0; i < DQK / 8; ++i) dk[i][0] = dk[i][1] = dk[i][2] = dk[i][3] = 0.f;
#pragma unroll
  for (int i = 0; i < DV / 8; ++i) dv[i][0] = dv[i][1] = dv[i][2] = dv[i][3] = 0.f;
  const int kw = warp * 16; /* this warp's keys within the tile */

  for (int it = 0; it < n_it; ++it) {
    if (it + 1 < n_it) load_q(it + 1, (it + 1) % BW_STAGES);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const int buf = it % BW_STAGES;
    const __nv_bfloat16 *qt = qs + buf * C::Q_ELEMS, *dot = dos + buf * C::DO_ELEMS;
    const float *lse2 = stat + buf * 2 * BW_BM, *dlt = lse2 + BW_BM;
    const int q0 = (qt_lo + (it_lo + it) % n_qt) * BW_BM;

    /* S^T = K Q^T: rows = this warp's 16 keys, columns = 64 queries. */
    float s[BW_BM / 8][4];
#pragma unroll
    for (int i = 0; i < BW_BM / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<DQK>(a, ks, kw, kk * 16, lane);
#pragma unroll
      for (int nn = 0; nn < BW_BM / 16; ++nn) {
        uint32_t bb[4];
        val_frag_b_nk<DQK>(bb, qt, nn * 16, kk * 16, lane);
        val_mma(s[2 * nn], a, bb[0], bb[1]);
        val_mma(s[2 * nn + 1], a, bb[2], bb[3]);
      }
    }
    /* P^T = exp2(S^T * scale*log2e - lse2[q]), zero where the key is not visible to the query. */
#pragma unroll
    for (int nt = 0; nt < BW_BM / 8; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int qi = nt * 8 + 2 * c + (e & 1);
        const int key = k0 + kw + g + 8 * (e >> 1);
        const int q = q0 + qi, kp = key * st + off;
        const bool vis = key < Tk && kp <= q && (win <= 0 || kp > q - win);
        s[nt][e] = vis ? exp2f(s[nt][e] * sl2 - lse2[qi]) : 0.f;
      }
    /* dV += P^T dO (k = queries). */
#pragma unroll
    for (int kk = 0; kk < BW_BM / 16; ++kk) {
      uint32_t a[4];
      a[0] = val_pack_bf16(s[2 * kk][0], s[2 * kk][1]);
      a[1] = val_pack_bf16(s[2 * kk][2], s[2 * kk][3]);
      a[2] = val_pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      a[3] = val_pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int dd = 0; dd < DV / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<DV>(bb, dot, kk * 16, dd * 16, lane);
        val_mma(dv[2 * dd], a, bb[0], bb[1]);
        val_mma(dv[2 * dd + 1], a, bb[2], bb[3]);
      }
    }
    /* dP^T = V dO^T, then dS^T = P^T (dP^T - delta[q]). */
    float dp[BW_BM / 8][4];
#pragma unroll
    for (int i = 0; i < BW_BM / 8; ++i) dp[i][0] = dp[i][1] = dp[i][2] = dp[i][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < DV / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<DV>(a, vs, kw, kk * 16, lane);
#pragma unroll
      for (int nn = 0; nn < BW_BM / 16; ++nn) {
        uint32_t bb[4];
        val_frag_b_nk<DV>(bb, dot, nn * 16, kk * 16, lane);
        val_mma(dp[2 * nn], a, bb[0], bb[1]);
        val_mma(dp[2 * nn + 1], a, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int nt = 0; nt < BW_BM / 8; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] *= dp[nt][e] - dlt[nt * 8 + 2 * c + (e & 1)];
    /* dK += dS^T Q (k = queries); the softmax scale is applied once at the end. */
#pragma unroll
    for (int kk = 0; kk < BW_BM / 16; ++kk) {
      uint32_t a[4];
      a[0] = val_pack_bf16(s[2 * kk][0], s[2 * kk][1]);
      a[1] = val_pack_bf16(s[2 * kk][2], s[2 * kk][3]);
      a[2] = val_pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      a[3] = val_pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int dd = 0; dd < DQK / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<DQK>(bb, qt, kk * 16, dd * 16, lane);
        val_mma(dk[2 * dd], a, bb[0], bb[1]);
        val_mma(dk[2 * dd + 1], a, bb[2], bb[3]);
      }
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();

  if (p.q_splits > 1) { /* fp32 partials [split][B][Tk][Hkv][D], summed in split order by bwd_reduce */
    const long long base = (long long)split * p.batch * Tk * p.heads_kv;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int key = kw + g + 8 * r;
      if (k0 + key >= Tk) continue;
      const long long row = base + ((long long)b * Tk + k0 + key) * p.heads_kv + hk;
#pragma unroll
      for (int dt = 0; dt < DQK / 8; ++dt)
        *reinterpret_cast<float2 *>(p.dk_part + row * DQK + dt * 8 + 2 * c) = make_float2(dk[dt][2 * r], dk[dt][2 * r + 1]);
#pragma unroll
      for (int dt = 0; dt < DV / 8; ++dt)
        *reinterpret_cast<float2 *>(p.dv_part + row * DV + dt * 8 + 2 * c) = make_float2(dv[dt][2 * r], dv[dt][2 * r + 1]);
    }
    return;
  }
  __nv_bfloat16 *dkg = static_cast<__nv_bfloat16 *>(p.dk) + (((long long)b * Tk + k0) * p.heads_kv + hk) * DQK;
  __nv_bfloat16 *dvg = static_cast<__nv_bfloat16 *>(p.dv) + (((long long)b * Tk + k0) * p.heads_kv + hk) * DV;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int key = kw + g + 8 * r;
    if (k0 + key >= Tk) continue;
    uint32_t *krow = reinterpret_cast<uint32_t *>(dkg + key * kst);
    uint32_t *vrow = reinterpret_cast<uint32_t *>(dvg + key * vst);
#pragma unroll
    for (int dt = 0; dt < DQK / 8; ++dt)
      krow[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(dk[dt][2 * r] * p.scale, dk[dt][2 * r + 1] * p.scale);
#pragma unroll
    for (int dt = 0; dt < DV / 8; ++dt) vrow[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(dv[dt][2 * r], dv[dt][2 * r + 1]);
  }
}

/* Sum of the q_splits partials of dK (times the softmax scale) and dV, in split order. */
__global__ void bwd_reduce_kernel(const val_attn_bwd_params p) {
  const long long rows = (long long)p.batch * p.seq_k * p.heads_kv;
  const long long nk = rows * p.d_qk, n = nk + rows * p.d_v;
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n) return;
  const bool is_k = i < nk;
  const long long j = is_k ? i : i - nk, stride = is_k ? nk : rows * p.d_v;
  const float *src = is_k ? p.dk_part : p.dv_part;
  float acc = 0.f;
  for (int s = 0; s < p.q_splits; ++s) acc += src[s * stride + j];
  if (is_k) static_cast<__nv_bfloat16 *>(p.dk)[j] = __float2bfloat16(acc * p.scale);
  else static_cast<__nv_bfloat16 *>(p.dv)[j] = __float2bfloat16(acc);
}

/* --------------------------------------------------------------------------- dQ */
template <int DQK, int DV>
struct DqCfg {
  static constexpr size_t Q_ELEMS = (size_t)BW_BM * DQK, DO_ELEMS = (size_t)BW_BM * DV;
  static constexpr size_t K_ELEMS = (size_t)BW_BN * DQK, V_ELEMS = (size_t)BW_BN * DV;
  static constexpr size_t SMEM_BYTES = 2 * (Q_ELEMS + DO_ELEMS + BW_STAGES * (K_ELEMS + V_ELEMS));
};

template <int DQK, int DV>
__global__ void __launch_bounds__(BW_NT) bwd_dq_kernel(const val_attn_bwd_params p) {
  using C = DqCfg<DQK, DV>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *dos = qs + C::Q_ELEMS;
  __nv_bfloat16 *ks = dos + C::DO_ELEMS;                  /* [stage][BN][DQK] */
  __nv_bfloat16 *vs = ks + BW_STAGES * C::K_ELEMS;        /* [stage][BN][DV] */

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, c = lane & 3;
  const int T = p.seq_len, Tk = p.seq_k;
  const int st = p.kv_pos_stride, off = p.kv_pos_off, win = p.window;
  const int qtile = gridDim.x - 1 - blockIdx.x;
  const int hq = blockIdx.y, b = blockIdx.z;
  const int hk = hq / (p.heads_q / p.heads_kv);
  const int q0 = qtile * BW_BM;
  const long long kst = (long long)p.heads_kv * DQK, vst = (long long)p.heads_kv * DV;
  const long long qst = (long long)p.heads_q * DQK, dost = (long long)p.heads_q * DV;
  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + ((long long)b * Tk * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + ((long long)b * Tk * p.heads_kv + hk) * DV;
  val_load_tile<BW_BM, DQK, BW_NT>(qs, static_cast<const __nv_bfloat16 *>(p.q) + (((long long)b * T + q0) * p.heads_q + hq) * DQK,
                                   qst, T - q0, tid);
  val_load_tile<BW_BM, DV, BW_NT>(dos, static_cast<const __nv_bfloat16 *>(p.d_o) + (((long long)b * T + q0) * p.heads_q + hq) * DV,
                                  dost, T - q0, tid);
  /* Key tiles seen by some row of the tile: up to the diagonal, from the window's start. */
  const int j_hi = min(val_floordiv(min(q0 + BW_BM, T) - 1 - off, st), Tk - 1);
  const int j_lo = win > 0 ? max(0, val_floordiv(q0 - win - off, st) + 1) : 0;
  const int jt_lo = j_lo / BW_BN;
  const int n_it = j_hi >= j_lo ? j_hi / BW_BN - jt_lo + 1 : 0;
  auto load_kv = [&](int it, int buf) {
    const int j0 = (jt_lo + it) * BW_BN;
    val_load_tile<BW_BN, DQK, BW_NT>(ks + buf * C::K_ELEMS, kg + j0 * kst, kst, Tk - j0, tid);
    val_load_tile<BW_BN, DV, BW_NT>(vs + buf * C::V_ELEMS, vg + j0 * vst, vst, Tk - j0, tid);
  };
  if (n_it > 0) load_kv(0, 0);
  val_cp_async_commit();

  const int qw = warp * 16;
  float lse2[2], dlt[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int q = q0 + qw + g + 8 * r;
    const long long ri = ((long long)b * p.heads_q + hq) * T + q;
    lse2[r] = q < T ? p.lse[ri] * VAL_LOG2E : INFINITY;
    dlt[r] = q < T ? p.delta[ri] : 0.f;
  }
  const float sl2 = p.scale * VAL_LOG2E;
  float dq[DQK / 8][4];
#pragma unroll
  for (int i = 0; i < DQK / 8; ++i) dq[i][0] = dq[i][1] = dq[i][2] = dq[i][3] = 0.f;

  for (int it = 0; it < n_it; ++it) {
    if (it + 1 < n_it) load_kv(it + 1, (it + 1) % BW_STAGES);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const int buf = it % BW_STAGES;
    const __nv_bfloat16 *kt = ks + buf * C::K_ELEMS, *vt = vs + buf * C::V_ELEMS;
    const int j0 = (jt_lo + it) * BW_BN;
    float s[BW_BN / 8][4], dp[BW_BN / 8][4];
#pragma unroll
    for (int i = 0; i < BW_BN / 8; ++i) {
      s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
      dp[i][0] = dp[i][1] = dp[i][2] = dp[i][3] = 0.f;
    }
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<DQK>(a, qs, qw, kk * 16, lane);
#pragma unroll
      for (int nn = 0; nn < BW_BN / 16; ++nn) {
        uint32_t bb[4];
        val_frag_b_nk<DQK>(bb, kt, nn * 16, kk * 16, lane);
        val_mma(s[2 * nn], a, bb[0], bb[1]);
        val_mma(s[2 * nn + 1], a, bb[2], bb[3]);
      }
    }
#pragma unroll
    for (int kk = 0; kk < DV / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<DV>(a, dos, qw, kk * 16, lane);
#pragma unroll
      for (int nn = 0; nn < BW_BN / 16; ++nn) {
        uint32_t bb[4];
        val_frag_b_nk<DV>(bb, vt, nn * 16, kk * 16, lane);
        val_mma(dp[2 * nn], a, bb[0], bb[1]);
        val_mma(dp[2 * nn + 1], a, bb[2], bb[3]);
      }
    }
    /* dS = P (dP - delta), P = exp2(S*scale*log2e - lse2) where the key is visible. */
#pragma unroll
    for (int nt = 0; nt < BW_BN / 8; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int r = e >> 1;
        const int key = j0 + nt * 8 + 2 * c + (e & 1);
        const int q = q0 + qw + g + 8 * r, kp = key * st + off;
        const bool vis = key < Tk && kp <= q && (win <= 0 || kp > q - win);
        const float pr = vis ? exp2f(s[nt][e] * sl2 - lse2[r]) : 0.f;
        s[nt][e] = pr * (dp[nt][e] - dlt[r]);
      }
    /* dQ += dS K (k = keys). */
#pragma unroll
    for (int kk = 0; kk < BW_BN / 16; ++kk) {
      uint32_t a[4];
      a[0] = val_pack_bf16(s[2 * kk][0], s[2 * kk][1]);
      a[1] = val_pack_bf16(s[2 * kk][2], s[2 * kk][3]);
      a[2] = val_pack_bf16(s[2 * kk + 1][0], s[2 * kk + 1][1]);
      a[3] = val_pack_bf16(s[2 * kk + 1][2], s[2 * kk + 1][3]);
#pragma unroll
      for (int dd = 0; dd < DQK / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<DQK>(bb, kt, kk * 16, dd * 16, lane);
        val_mma(dq[2 * dd], a, bb[0], bb[1]);
        val_mma(dq[2 * dd + 1], a, bb[2], bb[3]);
      }
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();
  __nv_bfloat16 *dqg = static_cast<__nv_bfloat16 *>(p.dq) + (((long long)b * T + q0) * p.heads_q + hq) * DQK;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = qw + g + 8 * r;
    if (q0 + row >= T) continue;
    uint32_t *qrow = reinterpret_cast<uint32_t *>(dqg + row * qst);
#pragma unroll
    for (int dt = 0; dt < DQK / 8; ++dt)
      qrow[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(dq[dt][2 * r] * p.scale, dq[dt][2 * r + 1] * p.scale);
  }
}

template <typename F>
cudaError_t launch_bw(F *fn, const char *name, dim3 grid, size_t smem, const val_attn_bwd_params *p, cudaStream_t s,
                      val_launch_info *info) {
  const dim3 block(BW_NT);
  return val_launch(fn, name, grid, block, smem, s, info, *p);
}

bool bwd_shape_ok(const val_attn_bwd_params *p) {
  return p->heads_q % p->heads_kv == 0 && p->d_v == 128 && (p->d_qk == 128 || p->d_qk == 192) && p->seq_k >= 1 &&
         p->kv_pos_stride >= 1 && p->kv_pos_off >= 0 && p->window >= 0 && p->q_splits >= 1 &&
         (p->q_splits == 1 || (p->dk_part && p->dv_part));
}

} // namespace

extern "C" cudaError_t val_launch_attn_bwd_pre(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  const long long rows = (long long)p->batch * p->seq_len * p->heads_q;
  if (p->d_v % 64) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)((rows + 3) / 4)), block(128);
  cudaError_t e = val_fill_info(info, bwd_pre_kernel, "attn_bwd_pre", grid, block, 0);
  if (e != cudaSuccess) return e;
  bwd_pre_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}

extern "C" cudaError_t val_launch_attn_bwd_dkdv(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!bwd_shape_ok(p)) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)((p->seq_k + BW_BN - 1) / BW_BN), (unsigned)p->heads_kv, (unsigned)(p->batch * p->q_splits));
  if (p->d_qk == 128)
    return launch_bw(bwd_dkdv_kernel<128, 128>, "attn_bwd_dkdv<128/128>", grid, DkdvCfg<128, 128>::SMEM_BYTES, p, s, info);
  return launch_bw(bwd_dkdv_kernel<192, 128>, "attn_bwd_dkdv<192/128>", grid, DkdvCfg<192, 128>::SMEM_BYTES, p, s, info);
}

extern "C" cudaError_t val_launch_attn_bwd_dq(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!bwd_shape_ok(p)) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)((p->seq_len + BW_BM - 1) / BW_BM), (unsigned)p->heads_q, (unsigned)p->batch);
  if (p->d_qk == 128)
    return launch_bw(bwd_dq_kernel<128, 128>, "attn_bwd_dq<128/128>", grid, DqCfg<128, 128>::SMEM_BYTES, p, s, info);
  return launch_bw(bwd_dq_kernel<192, 128>, "attn_bwd_dq<192/128>", grid, DqCfg<192, 128>::SMEM_BYTES, p, s, info);
}

extern "C" cudaError_t val_launch_attn_bwd_reduce(const val_attn_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!bwd_shape_ok(p) || p->q_splits < 2) return cudaErrorInvalidValue;
  const long long n = (long long)p->batch * p->seq_k * p->heads_kv * (p->d_qk + p->d_v);
  const dim3 block(256), grid((unsigned)((n + 255) / 256));
  cudaError_t e = val_fill_info(info, bwd_reduce_kernel, "attn_bwd_reduce", grid, block, 0);
  if (e != cudaSuccess) return e;
  bwd_reduce_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}
