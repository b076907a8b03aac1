/*
** validate/kernels/nsa_compress.cu — NSA compression phi of K and V ([NSA] Eq. 7) and its backward.
** mean: average of the l tokens of each block (stride d); memory bound, one thread per 16 bytes out.
** mlp: relu(x W1 + c1) W2 over the flattened block x (l*D values), on tensor cores: one CTA per 64
**   compressed rows (b, block, KV head) and K or V, 4 warps x 16 rows; the 64-wide slices of x and
**   the matching rows of W1 (then of W2) stream through a 2-stage cp.async ring. x's slice u*D + d0
**   is 64 contiguous values of token i*d + u, so the kernel reads the tokens in place.
** mean backward: each token gathers the blocks that cover it (no atomics, deterministic).
*/
#include "val_common.cuh"

namespace {

/* ---------------------------------------------------------------- compression (mean pool) */
__global__ void compress_kernel(const val_compress_params p) {
  const int nb = p.n_blocks - p.first_block;
  const long long ck = (long long)p.batch * nb * p.heads_kv * (p.d_qk / 8);
  const long long cv = (long long)p.batch * nb * p.heads_kv * (p.d_v / 8);
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= ck + cv) return;
  const bool is_k = i < ck;
  const long long r = is_k ? i : i - ck;
  const int D = is_k ? p.d_qk : p.d_v;
  const int chunk = (int)(r % (D / 8));
  const long long rest = r / (D / 8);
  const int h = (int)(rest % p.heads_kv);
  const long long rest2 = rest / p.heads_kv;
  const int blk = p.first_block + (int)(rest2 % nb);
  const int b = (int)(rest2 / nb);
  const __nv_bfloat16 *src = static_cast<const __nv_bfloat16 *>(is_k ? p.k : p.v);
  __nv_bfloat16 *dst = static_cast<__nv_bfloat16 *>(is_k ? p.k_cmp : p.v_cmp);
  const long long row = (long long)p.heads_kv * D;
  val_mean_chunk8(dst + (((long long)b * p.n_blocks + blk) * p.heads_kv + h) * D + chunk * 8,
                  src + (((long long)b * p.seq_len + (long long)blk * p.cmp_stride) * p.heads_kv + h) * D + chunk * 8, row,
                  p.cmp_len);
}

/* ---------------------------------------------------------------- mean-pool backward */
__global__ void compress_bwd_kernel(const val_compress_params p) {
  const long long ck = (long long)p.batch * p.seq_len * p.heads_kv * (p.d_qk / 8);
  const long long cv = (long long)p.batch * p.seq_len * p.heads_kv * (p.d_v / 8);
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= ck + cv) return;
  const bool is_k = i < ck;
  const long long r = is_k ? i : i - ck;
  const int D = is_k ? p.d_qk : p.d_v;
  const int chunk = (int)(r % (D / 8));
  const long long rest = r / (D / 8);
  const int h = (int)(rest % p.heads_kv);
  const long long rest2 = rest / p.heads_kv;
  const int t = (int)(rest2 % p.seq_len);
  const int b = (int)(rest2 / p.seq_len);
  const __nv_bfloat16 *src = static_cast<const __nv_bfloat16 *>(is_k ? p.k : p.v);
  __nv_bfloat16 *dst = static_cast<__nv_bfloat16 *>(is_k ? p.k_cmp : p.v_cmp);
  /* blocks i with i*d <= t <= i*d + l - 1 */
  const int i_hi = min(t / p.cmp_stride, p.n_blocks - 1);
  const int i_lo = t >= p.cmp_len ? (t - p.cmp_len) / p.cmp_stride + 1 : 0;
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  for (int blk = i_lo; blk <= i_hi; ++blk) {
    const uint4 raw = *reinterpret_cast<const uint4 *>(src + (((long long)b * p.n_blocks + blk) * p.heads_kv + h) * D + chunk * 8);
    val_add8(acc, raw);
  }
  val_store8(dst + (((long long)b * p.seq_len + t) * p.heads_kv + h) * D + chunk * 8, acc, 1.f / (float)p.cmp_len);
}

/* ---------------------------------------------------------------- MLP compression */
constexpr int MLP_BM = 64, MLP_BK = 64, MLP_NT = 128;

template <int DQK, int DV>
struct MlpCfg {
  static constexpr int DMAX = DQK > DV ? DQK : DV;
  static constexpr size_t A_ELEMS = (size_t)MLP_BM * MLP_BK;
  static constexpr size_t B_ELEMS = (size_t)MLP_BK * DMAX;
  static constexpr size_t SMEM_BYTES = 2 * 2 * (A_ELEMS + B_ELEMS);
};

/* Rows of one CTA: r = (b * nb + (i - first_block)) * Hkv + h. */
template <int D>
__device__ __forceinline__ void mlp_body(const val_compress_params &p, const __nv_bfloat16 *in, const __nv_bfloat16 *w1,
                                         const __nv_bfloat16 *w2, const float *c1, __nv_bfloat16 *out,
                                         __nv_bfloat16 *as, __nv_bfloat16 *bs, size_t b_elems) {
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, g = lane >> 2, c = lane & 3;
  const int nb = p.n_blocks - p.first_block;
  const long long rows = (long long)p.batch * nb * p.heads_kv;
  const long long r0 = (long long)blockIdx.x * MLP_BM;
  const int n1 = p.cmp_len * D / MLP_BK; /* layer-1 k slices */
  const int n_it = n1 + D / MLP_BK;      /* then layer 2's */

  auto load = [&](int it, int buf) {
    if (it < n1) {
      const int u = it * MLP_BK / D, d0 = it * MLP_BK % D;
      const uint32_t base = val_smem_u32(as + buf * (size_t)MLP_BM * MLP_BK);
#pragma unroll
      for (int k = tid; k < MLP_BM * (MLP_BK / 8); k += MLP_NT) {
        const int rr = k / (MLP_BK / 8), ch = k % (MLP_BK / 8);
        const long long r = r0 + rr;
        const bool ok = r < rows;
        const int h = (int)(r % p.heads_kv);
        const long long bi = r / p.heads_kv;
        const int i = p.first_block + (int)(bi % nb), b = (int)(bi / nb);
        const __nv_bfloat16 *src =
            ok ? in + (((long long)b * p.seq_len + (long long)i * p.cmp_stride + u) * p.heads_kv + h) * D + d0 + ch * 8 : in;
        val_cp_async16(base + 2u * (uint32_t)val_swz<MLP_BK>(rr, ch), src, ok);
      }
      val_load_tile<MLP_BK, D, MLP_NT>(bs + buf * b_elems, w1 + (long long)it * MLP_BK * D, D, MLP_BK, tid);
    } else {
      val_load_tile<MLP_BK, D, MLP_NT>(bs + buf * b_elems, w2 + (long long)(it - n1) * MLP_BK * D, D, MLP_BK, tid);
    }
  };

  load(0, 0);
  val_cp_async_commit();
  float acc[D / 8][4];
#pragma unroll
  for (int i = 0; i < D / 8; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;
  uint32_t ha[D / 16][4]; /* relu(x W1 + c1) as bf16 A fragments of layer 2 */

  for (int it = 0; it < n1; ++it) {
    if (it + 1 < n_it) load(it + 1, (it + 1) & 1);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const __nv_bfloat16 *bt = bs + (it & 1) * b_elems;
    const __nv_bfloat16 *at = as + (it & 1) * (size_t)MLP_BM * MLP_BK;
#pragma unroll
    for (int kk = 0; kk < MLP_BK / 16; ++kk) {
      uint32_t a[4];
      val_frag_a<MLP_BK>(a, at, warp * 16, kk * 16, lane);
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<D>(bb, bt, kk * 16, dd * 16, lane);
        val_mma(acc[2 * dd], a, bb[0], bb[1]);
        val_mma(acc[2 * dd + 1], a, bb[2], bb[3]);
      }
    }
    __syncthreads();
  }
  /* Hidden layer done: bias, relu, pack into layer 2's A fragments, restart the accumulators. */
#pragma unroll
  for (int ks = 0; ks < D / 16; ++ks) {
    float h[2][4];
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) h[j][e] = fmaxf(acc[2 * ks + j][e] + c1[ks * 16 + j * 8 + 2 * c + (e & 1)], 0.f);
    ha[ks][0] = val_pack_bf16(h[0][0], h[0][1]);
    ha[ks][1] = val_pack_bf16(h[0][2], h[0][3]);
    ha[ks][2] = val_pack_bf16(h[1][0], h[1][1]);
    ha[ks][3] = val_pack_bf16(h[1][2], h[1][3]);
  }
#pragma unroll
  for (int i = 0; i < D / 8; ++i) acc[i][0] = acc[i][1] = acc[i][2] = acc[i][3] = 0.f;
  /* Layer 2, unrolled so that ha is indexed at compile time (it stays in registers). */
#pragma unroll
  for (int t2 = 0; t2 < D / MLP_BK; ++t2) {
    const int it = n1 + t2;
    if (it + 1 < n_it) load(it + 1, (it + 1) & 1);
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const __nv_bfloat16 *bt = bs + (it & 1) * b_elems;
#pragma unroll
    for (int kk = 0; kk < MLP_BK / 16; ++kk) {
#pragma unroll
      for (int dd = 0; dd < D / 16; ++dd) {
        uint32_t bb[4];
        val_frag_b_kn<D>(bb, bt, kk * 16, dd * 16, lane);
        val_mma(acc[2 * dd], ha[t2 * (MLP_BK / 16) + kk], bb[0], bb[1]);
        val_mma(acc[2 * dd + 1], ha[t2 * (MLP_BK / 16) + kk], bb[2], bb[3]);
      }
    }
    __syncthreads();
  }
  val_cp_async_wait<0>();
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const long long row = r0 + warp * 16 + g + 8 * r;
    if (row >= rows) continue;
    const int h = (int)(row % p.heads_kv);
    const long long bi = row / p.heads_kv;
    const int i = p.first_block + (int)(bi % nb), b = (int)(bi / nb);
    uint32_t *o = reinterpret_cast<uint32_t *>(out + (((long long)b * p.n_blocks + i) * p.heads_kv + h) * D);
#pragma unroll
    for (int dt = 0; dt < D / 8; ++dt) o[(dt * 8 + 2 * c) >> 1] = val_pack_bf16(acc[dt][2 * r], acc[dt][2 * r + 1]);
  }
}

template <int DQK, int DV>
__global__ void __launch_bounds__(MLP_NT) compress_mlp_kernel(const val_compress_params p) {
  using C = MlpCfg<DQK, DV>;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *as = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *bs = as + 2 * C::A_ELEMS;
  if (blockIdx.y == 0)
    mlp_body<DQK>(p, static_cast<const __nv_bfloat16 *>(p.k), static_cast<const __nv_bfloat16 *>(p.w1_k),
                  static_cast<const __nv_bfloat16 *>(p.w2_k), p.c1_k, static_cast<__nv_bfloat16 *>(p.k_cmp), as, bs,
                  C::B_ELEMS);
  else
    mlp_body<DV>(p, static_cast<const __nv_bfloat16 *>(p.v), static_cast<const __nv_bfloat16 *>(p.w1_v),
                 static_cast<const __nv_bfloat16 *>(p.w2_v), p.c1_v, static_cast<__nv_bfloat16 *>(p.v_cmp), as, bs,
                 C::B_ELEMS);
}

template <int DQK, int DV>
cudaError_t launch_mlp(const val_compress_params *p, cudaStream_t s, val_launch_info *info, const char *name) {
  using C = MlpCfg<DQK, DV>;
  auto *fn = compress_mlp_kernel<DQK, DV>;
  const long long rows = (long long)p->batch * (p->n_blocks - p->first_block) * p->heads_kv;
  const dim3 grid((unsigned)((rows + MLP_BM - 1) / MLP_BM), 2), block(MLP_NT);
  return val_launch(fn, name, grid, block, C::SMEM_BYTES, s, info, *p);
}

} // namespace

extern "C" cudaError_t val_launch_compress(const val_compress_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->d_qk % 8 || p->d_v % 8 || p->first_block < 0 || p->first_block >= p->n_blocks ||
      (long long)(p->n_blocks - 1) * p->cmp_stride + p->cmp_len > p->seq_len)
    return cudaErrorInvalidValue;
  if (p->mlp) {
    if (!p->w1_k || !p->w2_k || !p->w1_v || !p->w2_v || !p->c1_k || !p->c1_v ||
        (long long)p->cmp_len * (p->d_qk > p->d_v ? p->d_qk : p->d_v) > (1 << 20))
      return cudaErrorInvalidValue;
    if (p->d_qk == 128 && p->d_v == 128) return launch_mlp<128, 128>(p, s, info, "compress_mlp<128/128>");
    if (p->d_qk == 192 && p->d_v == 128) return launch_mlp<192, 128>(p, s, info, "compress_mlp<192/128>");
    return cudaErrorInvalidValue;
  }
  const long long nb = p->n_blocks - p->first_block;
  const long long n = (long long)p->batch * nb * p->heads_kv * ((p->d_qk + p->d_v) / 8);
  const dim3 block(256), grid((unsigned)((n + 255) / 256));
  cudaError_t e = val_fill_info(info, compress_kernel, "compress_mean", grid, block, 0);
  if (e != cudaSuccess) return e;
  compress_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}


extern "C" cudaError_t val_launch_compress_bwd(const val_compress_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->mlp || p->d_qk % 8 || p->d_v % 8 || p->n_blocks < 1 || p->cmp_stride < 1 || p->cmp_len < p->cmp_stride ||
      (long long)(p->n_blocks - 1) * p->cmp_stride + p->cmp_len > p->seq_len)
    return cudaErrorInvalidValue;
  const long long n = (long long)p->batch * p->seq_len * p->heads_kv * ((p->d_qk + p->d_v) / 8);
  const dim3 block(256), grid((unsigned)((n + 255) / 256));
  cudaError_t e = val_fill_info(info, compress_bwd_kernel, "compress_mean_bwd", grid, block, 0);
  if (e != cudaSuccess) return e;
  compress_bwd_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}
