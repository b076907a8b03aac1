/*
** validate/kernels/nsa_bwd.cu — backward of the NSA selected branch (l' = 64 token blocks).
** dq: group-centric like the forward ([NSA] §3.4): one CTA per (token, KV head), the Q and dO tiles
**   hold the group's heads (padded to 16 rows), 4 warps x 16 keys of each selected block.
** index: inverted index block -> tokens (count, scan, fill) plus a chunk table so that popular
**   blocks (the forced initial block is chosen by every token) are split over many CTAs.
** dkdv: one CTA per chunk; the block's K and V stay in shared memory while the chunk's tokens
**   stream their 16-head Q and dO tiles through a 2-stage cp.async ring; dK, dV accumulate in
**   registers and are added to fp32 workspaces with atomics, then converted to bf16.
*/
#include "val_common.cuh"

namespace {

constexpr int SB_BN = 64;   /* keys per block (= l') */
constexpr int SB_NT = 128;  /* 4 warps x 16 keys */
constexpr int SB_STAGES = 2;

/* --------------------------------------------------------------------------- dQ */
template <int DQK, int DV>
struct SelDqCfg {
  static constexpr size_t Q_ELEMS = 16 * (size_t)DQK, DO_ELEMS = 16 * (size_t)DV;
  static constexpr size_t K_ELEMS = (size_t)SB_BN * DQK, V_ELEMS = (size_t)SB_BN * DV;
  static constexpr size_t RING_BYTES = 2 * SB_STAGES * (K_ELEMS + V_ELEMS);
  static constexpr size_t RED_BYTES = 4 * 16 * (size_t)DQK * 4;
  static constexpr size_t SMEM_BYTES = 2 * (Q_ELEMS + DO_ELEMS) + (RING_BYTES > RED_BYTES ? RING_BYTES : RED_BYTES) + 64 * 4;
};

template <int DQK, int DV>
__global__ void __launch_bounds__(SB_NT) sel_dq_kernel(const val_sel_bwd_params p) {
  using C = SelDqCfg<DQK, DV>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *dos = qs + C::Q_ELEMS;
  unsigned char *ring = reinterpret_cast<unsigned char *>(dos + C::DO_ELEMS);
  __nv_bfloat16 *ks = reinterpret_cast<__nv_bfloat16 *>(ring);
  __nv_bfloat16 *vs = ks + SB_STAGES * C::K_ELEMS;
  int *blk = reinterpret_cast<int *>(ring + (C::RING_BYTES > C::RED_BYTES ? C::RING_BYTES : C::RED_BYTES));

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, c = lane & 3;
  const int t = blockIdx.x, hk = blockIdx.y, b = blockIdx.z, T = p.seq_len;
  const int group = p.heads_q / p.heads_kv;
  __shared__ int n_blk;
  if (warp == 0) { /* selected blocks that start at or before t, in order (n <= 32) */
    const int32_t *row = p.idx + (((long long)b * T + t) * p.heads_kv + hk) * p.n;
    const int bi = lane < p.n ? row[lane] : -1;
    const bool ok = bi >= 0 && bi * SB_BN <= t;
    const unsigned m = __ballot_sync(0xffffffffu, ok);
    if (ok) blk[__popc(m & ((1u << lane) - 1u))] = bi;
    if (lane == 0) n_blk = __popc(m);
  }
  const long long qrow = ((long long)b * T + t) * p.heads_q + hk * group;
  val_load_tile<16, DQK, SB_NT>(qs, static_cast<const __nv_bfloat16 *>(p.q) + qrow * DQK, DQK, group, tid);
  val_load_tile<16, DV, SB_NT>(dos, static_cast<const __nv_bfloat16 *>(p.d_o) + qrow * DV, DV, group, tid);
  __syncthreads();
  const int n_it = n_blk;
  const long long kst = (long long)p.heads_kv * DQK, vst = (long long)p.heads_kv * DV;
  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k) + ((long long)b * T * p.heads_kv + hk) * DQK;
  const __nv_bfloat16 *vg = static_cast<const __nv_bfloat16 *>(p.v) + ((long long)b * T * p.heads_kv + hk) * DV;
  auto load_kv = [&](int it, int buf) {
    const int j0 = blk[it] * SB_BN;
    val_load_tile<SB_BN, DQK, SB_NT>(ks + buf * C::K_ELEMS, kg + j0 * kst, kst, T - j0, tid);
    val_load_tile<SB_BN, DV, SB_NT>(vs + buf * C::V_ELEMS, vg + j0 * vst, vst, T - j0, tid);
  };
  if (n_it > 0) load_kv(0, 0);
  val_cp_async_commit();

  float lse2[2], dlt[2];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int h = g + 8 * r;
    const long long ri = ((long long)b * p.heads_q + hk * group + h) * T + t;
    lse2[r] = h < group ? p.lse[ri] * VAL_LOG2E : INFINITY; /* padded rows: P = 0 */
    dlt[r] = h < group ? p.delta[ri] : 0.f;
  }
  const float sl2 = p.scale * VAL_LOG2E;
  const int kw = warp * 16;
  float dq[DQK / 8][4];
#pragma unroll
  for (int i = 0; i < DQK / 8; ++i) dq[i][0] = dq[i][1] = dq[i][2] = dq[i][3] = 0.f;

  for (int it = 0; it < n_it; ++it) {
    if (it + 1 < n_it) load_kv(it + 1, (it + 1) % SB_STAGES);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const __nv_bfloat16 *kt = ks + (it % SB_STAGES) * C::K_ELEMS, *vt = vs + (it % SB_STAGES) * C::V_ELEMS;
    const int j0 = blk[it] * SB_BN + kw;
    float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}}, dp[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t a[4], bb[4];
      val_frag_a<DQK>(a, qs, 0, kk * 16, lane);
      val_frag_b_nk<DQK>(bb, kt, kw, kk * 16, lane);
      val_mma(s[0], a, bb[0], bb[1]);
      val_mma(s[1], a, bb[2], bb[3]);
    }
#pragma unroll
    for (int kk = 0; kk < DV / 16; ++kk) {
      uint32_t a[4], bb[4];
      val_frag_a<DV>(a, dos, 0, kk * 16, lane);
      val_frag_b_nk<DV>(bb, vt, kw, kk * 16, lane);
      val_mma(dp[0], a, bb[0], bb[1]);
      val_mma(dp[1], a, bb[2], bb[3]);
    }
    /* dS = P (dP - delta), P = exp2(S*scale*log2e - lse2) for keys <= t */
#pragma unroll
    for (int nt = 0; nt < 2; ++nt)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int key = j0 + nt * 8 + 2 * c + (e & 1);
        const float pr = (key <= t && key < T) ? exp2f(s[nt][e] * sl2 - lse2[e >> 1]) : 0.f;
        s[nt][e] = pr * (dp[nt][e] - dlt[e >> 1]);
      }
    uint32_t a[4];
    a[0] = val_pack_bf16(s[0][0], s[0][1]);
    a[1] = val_pack_bf16(s[0][2], s[0][3]);
    a[2] = val_pack_bf16(s[1][0], s[1][1]);
    a[3] = val_pack_bf16(s[1][2], s[1][3]);
#pragma unroll
    for (int dd = 0; dd < DQK / 16; ++dd) {
      uint32_t bb[4];
      val_frag_b_kn<DQK>(bb, kt, kw, dd * 16, lane);
      val_mma(dq[2 * dd], a, bb[0], bb[1]);
      val_mma(dq[2 * dd + 1], a, bb[2], bb[3]);
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();
  __syncthreads(); /* the ring becomes the cross-warp reduction buffer */
  float *red = reinterpret_cast<float *>(ring); /* [warp][16][DQK] */
#pragma unroll
  for (int r = 0; r < 2; ++r)
#pragma unroll
    for (int dt = 0; dt < DQK / 8; ++dt) {
      red[(warp * 16 + g + 8 * r) * DQK + dt * 8 + 2 * c] = dq[dt][2 * r];
      red[(warp * 16 + g + 8 * r) * DQK + dt * 8 + 2 * c + 1] = dq[dt][2 * r + 1];
    }
  __syncthreads();
  __nv_bfloat16 *dqg = static_cast<__nv_bfloat16 *>(p.dq) + qrow * DQK;
  for (int i = tid; i < group * DQK; i += SB_NT) {
    const float v = red[i] + red[16 * DQK + i] + red[32 * DQK + i] + red[48 * DQK + i];
    dqg[i] = __float2bfloat16(v * p.scale);
  }
}

/* --------------------------------------------------------------------------- inverted index */
__global__ void sel_count_kernel(const val_sel_bwd_params p) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; /* ((b*T + t)*Hkv + hk)*n + s */
  const long long total = (long long)p.batch * p.seq_len * p.heads_kv * p.n;
  if (i >= total) return;
  const int j = p.idx[i];
  const int hk = (int)((i / p.n) % p.heads_kv);
  const int b = (int)(i / ((long long)p.n * p.heads_kv * p.seq_len));
  if (j >= 0 && j < p.n_sel) atomicAdd(&p.cnt[((long long)b * p.heads_kv + hk) * p.n_sel + j], 1);
}

/* Exclusive scan of v over the 1024 threads of the CTA; returns the prefix and adds the total to
** *carry (shared). */
__device__ int block_scan_1024(int v, int *warp_sums, int *carry) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  int x = v;
#pragma unroll
  for (int o = 1; o < 32; o <<= 1) {
    const int y = __shfl_up_sync(0xffffffffu, x, o);
    if (lane >= o) x += y;
  }
  if (lane == 31) warp_sums[warp] = x;
  __syncthreads();
  if (warp == 0) {
    int w = warp_sums[lane];
#pragma unroll
    for (int o = 1; o < 32; o <<= 1) {
      const int y = __shfl_up_sync(0xffffffffu, w, o);
      if (lane >= o) w += y;
    }
    warp_sums[lane] = w; /* inclusive over warps */
  }
  __syncthreads();
  const int base = *carry + (warp > 0 ? warp_sums[warp - 1] : 0);
  const int excl = base + x - v;
  __syncthreads();
  if (threadIdx.x == 1023) *carry = base + x;
  __syncthreads();
  return excl;
}

/* One CTA of 1024 threads: list offsets, chunk table, reset of the fill cursors. */
__global__ void __launch_bounds__(1024) sel_scan_kernel(const val_sel_bwd_params p) {
  __shared__ int warp_sums[32], carry_off, carry_chunk;
  if (threadIdx.x == 0) carry_off = carry_chunk = 0;
  __syncthreads();
  const long long n_ent = (long long)p.batch * p.heads_kv * p.n_sel;
  for (long long base = 0; base < n_ent; base += 1024) {
    const long long e = base + threadIdx.x;
    const int cnt = e < n_ent ? p.cnt[e] : 0;
    const int nch = (cnt + p.chunk_tokens - 1) / p.chunk_tokens;
    const int off = block_scan_1024(cnt, warp_sums, &carry_off);
    const int coff = block_scan_1024(nch, warp_sums, &carry_chunk);
    if (e < n_ent) {
      p.off[e] = off;
      p.cursor[e] = 0;
      for (int k = 0; k < nch && coff + k < p.max_chunks; ++k) {
        p.chunks[2 * (coff + k)] = (int)e;
        p.chunks[2 * (coff + k) + 1] = k;
      }
    }
  }
  if (threadIdx.x == 0) *p.n_chunks = min(carry_chunk, p.max_chunks);
}

__global__ void sel_fill_kernel(const val_sel_bwd_params p) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  const long long total = (long long)p.batch * p.seq_len * p.heads_kv * p.n;
  if (i >= total) return;
  const int j = p.idx[i];
  if (j < 0 || j >= p.n_sel) return;
  const int hk = (int)((i / p.n) % p.heads_kv);
  const long long bt = i / ((long long)p.n * p.heads_kv);
  const int t = (int)(bt % p.seq_len), b = (int)(bt / p.seq_len);
  const long long e = ((long long)b * p.heads_kv + hk) * p.n_sel + j;
  const int pos = atomicAdd(&p.cursor[e], 1);
  p.list[p.off[e] + pos] = t;
}

/* --------------------------------------------------------------------------- dK, dV */
template <int DQK, int DV>
struct SelDkdvCfg {
  static constexpr size_t K_ELEMS = (size_t)SB_BN * DQK, V_ELEMS = (size_t)SB_BN * DV;
  static constexpr size_t Q_ELEMS = 16 * (size_t)DQK, DO_ELEMS = 16 * (size_t)DV;
  static constexpr size_t SMEM_BYTES = 2 * (K_ELEMS + V_ELEMS + SB_STAGES * (Q_ELEMS + DO_ELEMS)) + SB_STAGES * 32 * 4;
};

template <int DQK, int DV>
__global__ void __launch_bounds__(SB_NT) sel_dkdv_kernel(const val_sel_bwd_params p) {
  using C = SelDkdvCfg<DQK, DV>;
  if ((int)blockIdx.x >= *p.n_chunks) return;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *ks = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *vs = ks + C::K_ELEMS;
  __nv_bfloat16 *qs = vs + C::V_ELEMS;               /* [stage][16][DQK] */
  __nv_bfloat16 *dos = qs + SB_STAGES * C::Q_ELEMS;   /* [stage][16][DV] */
  float *stat = reinterpret_cast<float *>(dos + SB_STAGES * C::DO_ELEMS); /* [stage][lse2 16 | delta 16] */

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, c = lane & 3;
  const int T = p.seq_len, group = p.heads_q / p.heads_kv;
  const long long e = p.chunks[2 * blockIdx.x];
  const int chunk = p.chunks[2 * blockIdx.x + 1];
  const int j = (int)(e % p.n_sel);
  const int hk = (int)((e / p.n_sel) % p.heads_kv), b = (int)(e / ((long long)p.n_sel * p.heads_kv));
  const int first = chunk * p.chunk_tokens;
  const int n_tok = min(p.cnt[e] - first, p.chunk_tokens);
  const int32_t *toks = p.list + p.off[e] + first;
  const int k0 = j * SB_BN;
  const long long kst = (long long)p.heads_kv * DQK, vst = (long long)p.heads_kv * DV;
  val_load_tile<SB_BN, DQK, SB_NT>(ks, static_cast<const __nv_bfloat16 *>(p.k) + (((long long)b * T + k0) * p.heads_kv + hk) * DQK,
                                   kst, T - k0, tid);
  val_load_tile<SB_BN, DV, SB_NT>(vs, static_cast<const __nv_bfloat16 *>(p.v) + (((long long)b * T + k0) * p.heads_kv + hk) * DV,
                                  vst, T - k0, tid);
  auto load_tok = [&](int it, int buf) {
    const int t = toks[it];
    const long long qrow = ((long long)b * T + t) * p.heads_q + hk * group;
    val_load_tile<16, DQK, SB_NT>(qs + buf * C::Q_ELEMS, static_cast<const __nv_bfloat16 *>(p.q) + qrow * DQK, DQK, group, tid);
    val_load_tile<16, DV, SB_NT>(dos + buf * C::DO_ELEMS, static_cast<const __nv_bfloat16 *>(p.d_o) + qrow * DV, DV, group, tid);
    if (tid < 16) {
      const long long ri = ((long long)b * p.heads_q + hk * group + tid) * T + t;
      stat[buf * 32 + tid] = tid < group ? p.lse[ri] * VAL_LOG2E : INFINITY;
      stat[buf * 32 + 16 + tid] = tid < group ? p.delta[ri] : 0.f;
    }
  };
  if (n_tok > 0) load_tok(0, 0);
  val_cp_async_commit();

  const float sl2 = p.scale * VAL_LOG2E;
  const int kw = warp * 16;
  float dk[DQK / 8][4], dv[DV / 8][4];
#pragma unroll
  for (int i = 0; i < DQK / 8; ++i) dk[i][0] = dk[i][1] = dk[i][2] = dk[i][3] = 0.f;
#pragma unroll
  for (int i = 0; i < DV / 8; ++i) dv[i][0] = dv[i][1] = dv[i][2] = dv[i][3] = 0.f;

  for (int it = 0; it < n_tok; ++it) {
    if (it + 1 < n_tok) load_tok(it + 1, (it + 1) % SB_STAGES);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const int buf = it % SB_STAGES, t = toks[it];
    const __nv_bfloat16 *qt = qs + buf * C::Q_ELEMS, *dot = dos + buf * C::DO_ELEMS;
    const float *lse2 = stat + buf * 32, *dlt = lse2 + 16;
    /* S^T = K Q^T: rows = this warp's 16 keys, columns = the 16 head rows of token t. */
    float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}}, dp[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t a[4], bb[4];
      val_frag_a<DQK>(a, ks, kw, kk * 16, lane);
      val_frag_b_nk<DQK>(bb, qt, 0, kk * 16, lane);
      val_mma(s[0], a, bb[0], bb[1]);
      val_mma(s[1], a, bb[2], bb[3]);
    }
#pragma unroll
    for (int kk = 0; kk < DV / 16; ++kk) {
      uint32_t a[4], bb[4];
      val_frag_a<DV>(a, vs, kw, kk * 16, lane);
      val_frag_b_nk<DV>(bb, dot, 0, kk * 16, lane);
      val_mma(dp[0], a, bb[0], bb[1]);
      val_mma(dp[1], a, bb[2], bb[3]);
    }
    float ds[2][4];
#pragma unroll
    for (int nt = 0; nt < 2; ++nt)
#pragma unroll
      for (int e2 = 0; e2 < 4; ++e2) {
        const int h = nt * 8 + 2 * c + (e2 & 1);
        const int key = k0 + kw + g + 8 * (e2 >> 1);
        const float pr = (key <= t && key < T) ? exp2f(s[nt][e2] * sl2 - lse2[h]) : 0.f;
        s[nt][e2] = pr;
        ds[nt][e2] = pr * (dp[nt][e2] - dlt[h]);
      }
    uint32_t a[4];
    a[0] = val_pack_bf16(s[0][0], s[0][1]);
    a[1] = val_pack_bf16(s[0][2], s[0][3]);
    a[2] = val_pack_bf16(s[1][0], s[1][1]);
    a[3] = val_pack_bf16(s[1][2], s[1][3]);
#pragma unroll
    for (int dd = 0; dd < DV / 16; ++dd) { /* dV += P^T dO (k = heads) */
      uint32_t bb[4];
      val_frag_b_kn<DV>(bb, dot, 0, dd * 16, lane);
      val_mma(dv[2 * dd], a, bb[0], bb[1]);
      val_mma(dv[2 * dd + 1], a, bb[2], bb[3]);
    }
    a[0] = val_pack_bf16(ds[0][0], ds[0][1]);
    a[1] = val_pack_bf16(ds[0][2], ds[0][3]);
    a[2] = val_pack_bf16(ds[1][0], ds[1][1]);
    a[3] = val_pack_bf16(ds[1][2], ds[1][3]);
#pragma unroll
    for (int dd = 0; dd < DQK / 16; ++dd) { /* dK += dS^T Q (k = heads) */
      uint32_t bb[4];
      val_frag_b_kn<DQK>(bb, qt, 0, dd * 16, lane);
      val_mma(dk[2 * dd], a, bb[0], bb[1]);
      val_mma(dk[2 * dd + 1], a, bb[2], bb[3]);
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();
  if (n_tok <= 0) return;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int key = k0 + kw + g + 8 * r;
    if (key >= T) continue;
    float *kr = p.dk_acc + (((long long)b * T + key) * p.heads_kv + hk) * DQK;
    float *vr = p.dv_acc + (((long long)b * T + key) * p.heads_kv + hk) * DV;
#pragma unroll
    for (int dt = 0; dt < DQK / 8; ++dt) {
      atomicAdd(kr + dt * 8 + 2 * c, dk[dt][2 * r] * p.scale);
      atomicAdd(kr + dt * 8 + 2 * c + 1, dk[dt][2 * r + 1] * p.scale);
    }
#pragma unroll
    for (int dt = 0; dt < DV / 8; ++dt) {
      atomicAdd(vr + dt * 8 + 2 * c, dv[dt][2 * r]);
      atomicAdd(vr + dt * 8 + 2 * c + 1, dv[dt][2 * r + 1]);
    }
  }
}

__global__ void f32_to_bf16_kernel(const float *a, __nv_bfloat16 *out, long long n) {
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) out[i] = __float2bfloat16(a[i]);
}

bool sel_shape_ok(const val_sel_bwd_params *p) {
  return p->sel_len == SB_BN && p->n >= 1 && p->n <= 32 && p->heads_q % p->heads_kv == 0 &&
         p->heads_q / p->heads_kv <= 16 && p->d_v == 128 && (p->d_qk == 128 || p->d_qk == 192) && p->chunk_tokens > 0;
}

template <typename F>
cudaError_t launch_sb(F *fn, const char *name, dim3 grid, dim3 block, size_t smem, const val_sel_bwd_params *p,
                      cudaStream_t s, val_launch_info *info) {
  return val_launch(fn, name, grid, block, smem, s, info, *p);
}

unsigned blocks_for(long long n, int threads) {
  const long long b = (n + threads - 1) / threads;
  return (unsigned)(b < 1 ? 1 : b);
}

} // namespace

extern "C" long long val_sel_bwd_max_chunks(int batch, int seq_len, int heads_kv, int n, int n_sel, int chunk_tokens) {
  /* sum over blocks of ceil(cnt / C) <= sum cnt / C + #blocks */
  return (long long)batch * heads_kv * ((long long)seq_len * n / chunk_tokens + n_sel);
}

extern "C" cudaError_t val_launch_sel_bwd_dq(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!sel_shape_ok(p)) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)p->seq_len, (unsigned)p->heads_kv, (unsigned)p->batch), block(SB_NT);
  if (p->d_qk == 128)
    return launch_sb(sel_dq_kernel<128, 128>, "sel_bwd_dq<128/128>", grid, block, SelDqCfg<128, 128>::SMEM_BYTES, p, s, info);
  return launch_sb(sel_dq_kernel<192, 128>, "sel_bwd_dq<192/128>", grid, block, SelDqCfg<192, 128>::SMEM_BYTES, p, s, info);
}

extern "C" cudaError_t val_launch_sel_bwd_index(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!sel_shape_ok(p)) return cudaErrorInvalidValue;
  const long long n_ent = (long long)p->batch * p->heads_kv * p->n_sel;
  const long long n_idx = (long long)p->batch * p->seq_len * p->heads_kv * p->n;
  cudaError_t e = cudaMemsetAsync(p->cnt, 0, (size_t)n_ent * sizeof(int32_t), s);
  if (e != cudaSuccess) return e;
  sel_count_kernel<<<blocks_for(n_idx, 256), 256, 0, s>>>(*p);
  if ((e = cudaGetLastError()) != cudaSuccess) return e;
  sel_scan_kernel<<<1, 1024, 0, s>>>(*p);
  if ((e = cudaGetLastError()) != cudaSuccess) return e;
  return launch_sb(sel_fill_kernel, "sel_bwd_index(count+scan+fill)", dim3(blocks_for(n_idx, 256)), dim3(256), 0, p, s, info);
}

extern "C" cudaError_t val_launch_sel_bwd_dkdv(const val_sel_bwd_params *p, cudaStream_t s, val_launch_info *info) {
  if (!sel_shape_ok(p)) return cudaErrorInvalidValue;
  const long long nk = (long long)p->batch * p->seq_len * p->heads_kv * p->d_qk;
  const long long nv = (long long)p->batch * p->seq_len * p->heads_kv * p->d_v;
  cudaError_t e = cudaMemsetAsync(p->dk_acc, 0, (size_t)nk * sizeof(float), s);
  if (e == cudaSuccess) e = cudaMemsetAsync(p->dv_acc, 0, (size_t)nv * sizeof(float), s);
  if (e != cudaSuccess) return e;
  const dim3 grid((unsigned)p->max_chunks), block(SB_NT);
  e = p->d_qk == 128
          ? launch_sb(sel_dkdv_kernel<128, 128>, "sel_bwd_dkdv<128/128>", grid, block, SelDkdvCfg<128, 128>::SMEM_BYTES, p, s, info)
          : launch_sb(sel_dkdv_kernel<192, 128>, "sel_bwd_dkdv<192/128>", grid, block, SelDkdvCfg<192, 128>::SMEM_BYTES, p, s, info);
  if (e != cudaSuccess) return e;
  f32_to_bf16_kernel<<<blocks_for(nk, 256) < 65536 ? blocks_for(nk, 256) : 65536, 256, 0, s>>>(
      p->dk_acc, static_cast<__nv_bfloat16 *>(p->dk), nk);
  if ((e = cudaGetLastError()) != cudaSuccess) return e;
  f32_to_bf16_kernel<<<blocks_for(nv, 256) < 65536 ? blocks_for(nv, 256) : 65536, 256, 0, s>>>(
      p->dv_acc, static_cast<__nv_bfloat16 *>(p->dv), nv);
  return cudaGetLastError();
}
