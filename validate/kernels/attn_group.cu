/*
** validate/kernels/attn_group.cu — the group-centric attention kernel ([NSA] §3.4, Fig. 3: one CTA
** per (query token, KV head, KV split), the CTA's work in val_group.cuh) and the split-KV combine.
*/
#include "val_group.cuh"

namespace {

template <int DQK, int DV, int BN, int STAGES>
__global__ void __launch_bounds__(GrpCfg<DQK, DV, BN, STAGES>::NT) attn_group_kernel(const val_attn_group_params p) {
  extern __shared__ __align__(128) unsigned char smem_raw[];
  val_group_attend<DQK, DV, BN, STAGES>(p, blockIdx.x, blockIdx.y, blockIdx.z / p.splits, blockIdx.z % p.splits, smem_raw);
}

template <int DQK, int DV, int BN, int STAGES>
cudaError_t launch_group(const val_attn_group_params *p, cudaStream_t s, val_launch_info *info, const char *name) {
  using C = GrpCfg<DQK, DV, BN, STAGES>;
  auto *fn = attn_group_kernel<DQK, DV, BN, STAGES>;
  if (p->mode == VAL_GROUP_INDEX && p->blk_size % BN != 0) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)p->seq_q, (unsigned)p->heads_kv, (unsigned)(p->batch * p->splits));
  const dim3 block(C::NT);
  return val_launch(fn, name, grid, block, C::SMEM_BYTES, s, info, *p, p->pdl);
}

__global__ void split_combine_kernel(const val_split_combine_params p) {
  /* One CTA per output row (b, t, hq); lse_part is [split][b][hq][t], o_part [split][b][t][hq][d]. */
  const long long orow = blockIdx.x;
  const int hq = (int)(orow % p.heads_q);
  const long long bt = orow / p.heads_q;
  const int t = (int)(bt % p.seq_q), b = (int)(bt / p.seq_q);
  const long long n_rows = (long long)p.batch * p.seq_q * p.heads_q;
  const long long lrow = ((long long)b * p.heads_q + hq) * p.seq_q + t;
  if (p.pdl) { /* the partials come from the kernel before */
    val_pdl_wait();
    val_pdl_trigger();
  }
  /* Loops over splits unrolled: each split's load is independent, and one at a time they cost a
  ** memory latency each (the kernel took 7 us for 3 MB). */
  float m = -INFINITY;
#pragma unroll 8
  for (int s = 0; s < p.splits; ++s) m = fmaxf(m, p.lse_part[s * n_rows + lrow]);
  const float m_use = m == -INFINITY ? 0.f : m;
  float l = 0.f;
#pragma unroll 8
  for (int s = 0; s < p.splits; ++s) l += __expf(p.lse_part[s * n_rows + lrow] - m_use);
  const float inv = l > 0.f ? 1.f / l : 0.f;
  for (int d = threadIdx.x; d < p.d_v; d += blockDim.x) {
    float o = 0.f;
#pragma unroll 8
    for (int s = 0; s < p.splits; ++s)
      o += __expf(p.lse_part[s * n_rows + lrow] - m_use) * p.o_part[(s * n_rows + orow) * p.d_v + d];
    static_cast<__nv_bfloat16 *>(p.o)[orow * p.d_v + d] = __float2bfloat16(o * inv);
  }
  if (threadIdx.x == 0) p.lse[lrow] = l > 0.f ? m + logf(l) : -INFINITY;
}

} // namespace

extern "C" int val_attn_group_supported(int d_qk, int d_v, int block_n, int stages) {
#define X(a, b, c, d) if (d_qk == a && d_v == b && block_n == c && stages == d) return 1;
  VAL_GRP_MAPPINGS(X)
#undef X
  return 0;
}

extern "C" cudaError_t val_launch_attn_group(const val_attn_group_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->heads_q % p->heads_kv != 0 || p->heads_q / p->heads_kv > 16 || p->splits < 1 ||
      (p->logits && (p->mode != VAL_GROUP_RANGE || p->seq_q != 1)) ||
      (p->mode == VAL_GROUP_INDEX && p->n_blk > GRP_MAX_BLK))
    return cudaErrorInvalidValue;
#define X(a, b, c, d)                                                                  \
  if (p->d_qk == a && p->d_v == b && p->block_n == c && p->stages == d)                \
    return launch_group<a, b, c, d>(p, s, info, "attn_group<" #a "/" #b "/" #c "/" #d ">");
  VAL_GRP_MAPPINGS(X)
#undef X
  return cudaErrorInvalidValue;
}

extern "C" int val_attn_group_ctas_per_sm(int d_qk, int d_v, int block_n, int stages) {
  int n = 0;
#define X(a, b, c, d)                                                                                          \
  if (d_qk == a && d_v == b && block_n == c && stages == d &&                                                  \
      val_prepare(attn_group_kernel<a, b, c, d>, GrpCfg<a, b, c, d>::SMEM_BYTES) == cudaSuccess &&             \
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, attn_group_kernel<a, b, c, d>, GrpCfg<a, b, c, d>::NT, \
                                                    GrpCfg<a, b, c, d>::SMEM_BYTES) == cudaSuccess)            \
    return n;
  VAL_GRP_MAPPINGS(X)
#undef X
  return 0;
}

extern "C" cudaError_t val_launch_split_combine(const val_split_combine_params *p, cudaStream_t s, val_launch_info *info) {
  const long long rows = (long long)p->batch * p->seq_q * p->heads_q;
  if (rows <= 0 || rows > 0x7fffffffLL || p->splits < 1) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)rows), block(128);
  return val_launch(split_combine_kernel, "split_combine", grid, block, 0, s, info, *p, p->pdl);
}
