/*
** validate/kernels/nsa_select.cu — NSA importance scores, top-n and gated combine (compression:
** nsa_compress.cu).
** scores: [NSA] Eq. 8-10 on tensor cores, one warp per query token computing S^T = K_cmp Q^T for
**   its 16 group heads; the head sum is a row sum of P^T, then Eq. 9 maps compressed blocks to
**   selection blocks. Compressed keys are shared by the 8 tokens of a CTA through shared memory.
** topn: Eq. 11 with the forced initial and local blocks, one warp per (token, KV head); in
**   prefill it can run at the end of the scores kernel instead (val_scores_params.idx).
** select_decode: decode scores from the logits the compressed branch wrote, then top-n.
** gate_combine: o = g_cmp o_cmp + g_slc o_slc + g_win o_win (memory bound); the decode variant
**   also finishes the split-KV reduction of the selected and window branches.
*/
#include "val_common.cuh"

namespace {

/* ---------------------------------------------------------------- top-n */
constexpr int TN_WARPS = 8;

/* One warp selects n of the n_valid blocks whose scores sit in shared memory `sc` (overwritten),
** and writes them ascending to out[0..n). Forced: the initial block and the two local ones
** (current and previous); the rest by descending score, ties to the lower index. */
__device__ void topn_warp(float *sc, int n_valid, int n, int32_t *out, int lane) {
  if (n_valid <= n) {
    for (int k = lane; k < n; k += 32) out[k] = k < n_valid ? k : -1;
    return;
  }
  /* n_valid > n >= 3, so cur - 1 >= 2 and the three forced blocks are distinct. */
  const int cur = n_valid - 1;
  int chosen = 0x7fffffff;
  if (lane == 0) chosen = 0;
  if (lane == 1) chosen = cur;
  if (lane == 2) chosen = cur - 1;
  __syncwarp();
  if (lane == 0) sc[0] = sc[cur] = sc[cur - 1] = -INFINITY;
  __syncwarp();
  for (int k = 3; k < n; ++k) {
    float best = -INFINITY;
    int best_j = 0x7fffffff;
    for (int j = lane; j < n_valid; j += 32) {
      const float v = sc[j];
      if (v > best) { best = v; best_j = j; } /* j ascends per lane: ties keep the lower index */
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
      const float ov = __shfl_xor_sync(0xffffffffu, best, o);
      const int oj = __shfl_xor_sync(0xffffffffu, best_j, o);
      if (ov > best || (ov == best && oj < best_j)) { best = ov; best_j = oj; }
    }
    if (lane == k) chosen = best_j;
    __syncwarp();
    if (lane == 0 && best_j < n_valid) sc[best_j] = -INFINITY;
    __syncwarp();
  }
  /* Ascending output: rank of each chosen index among the n chosen. */
  int rank = 0;
  for (int o = 0; o < 32; ++o) {
    const int other = __shfl_sync(0xffffffffu, chosen, o);
    rank += other < chosen;
  }
  if (lane < n) out[rank] = chosen;
}

/* ---------------------------------------------------------------- importance scores */
/* TOK tokens (= warps) per CTA: 8 for prefill, so 8 tokens share every K_cmp tile fetched; 1 for
** decode, where there is one token per sequence and the work is split over key ranges instead. */
constexpr int SC_BN = 64;            /* compressed keys per tile */
constexpr int SC_STAGES = 2;
constexpr int SC_MAX_HALO = 63;

template <int DQK, int TOK>
struct ScCfg {
  static constexpr int NT = TOK * 32;
  static constexpr size_t Q_ELEMS = (size_t)TOK * 16 * DQK;
  static constexpr size_t K_ELEMS = (size_t)SC_BN * DQK;
  static constexpr size_t P_FLOATS = (size_t)TOK * (SC_BN + SC_MAX_HALO + 1);
  static constexpr size_t SMEM_BYTES = 2 * (Q_ELEMS + SC_STAGES * K_ELEMS) + 4 * P_FLOATS;
};

/* Three CTAs per SM where shared memory allows it (d 128; ncu showed two, limited by 100 registers,
** and an issue-bound kernel at 58% of the SM's throughput: more warps hide the exp and MMA latency;
** ptxas then spills 4 bytes). */
template <int DQK, int TOK>
__global__ void __launch_bounds__(TOK * 32, 3 * (ScCfg<DQK, TOK>::SMEM_BYTES + 1024) <= 233472 ? 3 : 1)
    scores_kernel(const val_scores_params p) {
  using C = ScCfg<DQK, TOK>;
  constexpr int NT = C::NT;
  extern __shared__ __align__(128) unsigned char smem_raw[];
  __nv_bfloat16 *qs = reinterpret_cast<__nv_bfloat16 *>(smem_raw);
  __nv_bfloat16 *ks = qs + C::Q_ELEMS;
  float *pbuf = reinterpret_cast<float *>(ks + SC_STAGES * C::K_ELEMS);

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int g = lane >> 2, c = lane & 3;
  const int hk = blockIdx.y;
  const int b = blockIdx.z / p.splits, split = blockIdx.z % p.splits;
  const int tok0 = blockIdx.x * TOK;
  const int n_tok = min(TOK, p.seq_q - tok0);
  const int group = p.heads_q / p.heads_kv;
  const int R = p.sel_len / p.cmp_stride;        /* compressed blocks per selection block */
  const int H = p.cmp_len / p.cmp_stride - 1;    /* Eq. 9 reaches H blocks back (halo) */
  const int own = SC_BN / R;                     /* selection blocks owned by one key tile */

  /* Tiles needed by the last token of the CTA; tile ct owns selection blocks whose last
  ** contributing compressed block, R(j+1)-1, lies in [64 ct, 64 ct + 64). */
  const int qpos_hi = p.q_pos0 + tok0 + n_tok - 1;
  const int j_max = min(qpos_hi / p.sel_len, p.n_sel - 1);
  const int n_ct = (R * (j_max + 1) - 1) / SC_BN + 1;
  const int ct_lo = (int)((long long)n_ct * split / p.splits);
  const int ct_hi = (int)((long long)n_ct * (split + 1) / p.splits);
  const int ct_first = ct_lo > 0 ? ct_lo - 1 : 0;   /* one extra tile to fill the halo */
  const int n_it = ct_hi > ct_lo ? ct_hi - ct_first : 0;

  const __nv_bfloat16 *kg = static_cast<const __nv_bfloat16 *>(p.k_cmp) + ((long long)b * p.n_cmp * p.heads_kv + hk) * DQK;
  const long long k_stride = (long long)p.heads_kv * DQK;

  /* Q: warp w's 16-row tile is token tok0 + w, heads hk*h .. hk*h + h - 1 (zero padded). */
  for (int w = 0; w < TOK; ++w) {
    const int rows = w < n_tok ? group : 0;
    const __nv_bfloat16 *qg = static_cast<const __nv_bfloat16 *>(p.q) +
                              (((long long)b * p.seq_q + tok0 + min(w, n_tok - 1)) * p.heads_q + hk * group) * DQK;
    val_load_tile<16, DQK, NT>(qs + w * 16 * DQK, qg, DQK, rows, tid);
  }
  if (n_it > 0) val_load_tile<SC_BN, DQK, NT>(ks, kg + (long long)ct_first * SC_BN * k_stride, k_stride, p.n_cmp - ct_first * SC_BN, tid);
  val_cp_async_commit();

  const int tok = tok0 + warp;
  const bool tok_ok = warp < n_tok;
  const int qpos = p.q_pos0 + tok;
  const float sl2 = p.scale * VAL_LOG2E;
  /* S^T = K Q^T puts keys on MMA rows and heads on columns: this thread holds heads
  ** 8 nt + 2c + e, so the head sum (Eq. 10) is 4 in-thread adds and 2 quad shuffles per key. */
  float lse2[2][2];
#pragma unroll
  for (int nt = 0; nt < 2; ++nt)
#pragma unroll
    for (int e = 0; e < 2; ++e) {
      const int h = nt * 8 + 2 * c + e;
      /* +inf where there is nothing to add: padded head rows, and tokens that see no compressed
      ** block (lse = -inf; their keys are all masked anyway), so exp2(s - lse2) = 0 without a test. */
      const float l = (tok_ok && h < group) ? p.lse_cmp[((long long)b * p.heads_q + hk * group + h) * p.seq_q + tok]
                                            : -INFINITY;
      lse2[nt][e] = l > -INFINITY ? l * VAL_LOG2E : INFINITY;
    }
  float *pw = pbuf + warp * (SC_BN + SC_MAX_HALO + 1);
  for (int i = lane; i < H; i += 32) pw[i] = 0.f; /* compressed blocks before index 0 */
  __syncwarp();
  float *out_row = p.scores + (((long long)b * p.heads_kv + hk) * p.seq_q + tok) * p.n_sel;
  const __nv_bfloat16 *qw = qs + warp * 16 * DQK;

  for (int it = 0; it < n_it; ++it) {
    const int ct = ct_first + it;
    if (it + 1 < n_it) {
      const int nx = ct + 1;
      val_load_tile<SC_BN, DQK, NT>(ks + ((it + 1) % SC_STAGES) * C::K_ELEMS, kg + (long long)nx * SC_BN * k_stride,
                                    k_stride, p.n_cmp - nx * SC_BN, tid);
    }
    val_cp_async_commit();
    val_cp_async_wait<1>();
    __syncthreads();
    const __nv_bfloat16 *kt = ks + (it % SC_STAGES) * C::K_ELEMS;

    float s_acc[SC_BN / 16][2][4];
#pragma unroll
    for (int mt = 0; mt < SC_BN / 16; ++mt)
#pragma unroll
      for (int nt = 0; nt < 2; ++nt) s_acc[mt][nt][0] = s_acc[mt][nt][1] = s_acc[mt][nt][2] = s_acc[mt][nt][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < DQK / 16; ++kk) {
      uint32_t bq[4];
      val_frag_b_nk<DQK>(bq, qw, 0, kk * 16, lane); /* Q^T: heads 0-7 in bq[0..1], 8-15 in bq[2..3] */
#pragma unroll
      for (int mt = 0; mt < SC_BN / 16; ++mt) {
        uint32_t a[4];
        val_frag_a<DQK>(a, kt, mt * 16, kk * 16, lane);
        val_mma(s_acc[mt][0], a, bq[0], bq[1]);
        val_mma(s_acc[mt][1], a, bq[2], bq[3]);
      }
    }
    /* p = exp(s*scale - lse) for visible compressed blocks, summed over the group's heads. Only
    ** the tile holding the token's last visible block (or the tensor end) needs a per-key test. */
    const int i_last = ct * SC_BN + SC_BN - 1;
    const bool all_vis = i_last < p.n_cmp && i_last * p.cmp_stride + p.cmp_len - 1 <= qpos;
#pragma unroll
    for (int mt = 0; mt < SC_BN / 16; ++mt)
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int i = ct * SC_BN + mt * 16 + g + 8 * r;
        const bool vis = all_vis || (i < p.n_cmp && i * p.cmp_stride + p.cmp_len - 1 <= qpos);
        float v = 0.f;
        if (vis) {
#pragma unroll
          for (int nt = 0; nt < 2; ++nt)
#pragma unroll
            for (int e = 0; e < 2; ++e) v += exp2f(s_acc[mt][nt][2 * r + e] * sl2 - lse2[nt][e]);
        }
        v += __shfl_xor_sync(0xffffffffu, v, 1);
        v += __shfl_xor_sync(0xffffffffu, v, 2);
        if (c == 0) pw[H + mt * 16 + g + 8 * r] = v;
      }
    __syncwarp();
    if (ct >= ct_lo && tok_ok) {
      for (int o = lane; o < own; o += 32) {
        const int j = ct * own + o;
        if (j > qpos / p.sel_len || j >= p.n_sel) continue;
        float sum = 0.f;
        for (int m = 0; m < R; ++m)
          for (int n = 0; n <= H; ++n) sum += pw[R * (o + 1) - 1 - m - n + H];
        out_row[j] = sum;
      }
    }
    __syncwarp();
    for (int i = lane; i < H; i += 32) pw[i] = pw[SC_BN + i];
    __syncwarp();
    __syncthreads(); /* K buffer it % 2 is refilled next iteration */
  }
  val_cp_async_wait<0>();
  if (p.idx) {
    /* Fused top-n (prefill, one split, the 8 rows fit the drained K ring): each warp reads its
    ** own row back, so the separate top-n launch and its pass over every score row in HBM go. */
    __syncthreads();
    float *sc = reinterpret_cast<float *>(ks) + warp * p.n_sel;
    if (tok_ok) {
      const int n_valid = min(qpos / p.sel_len + 1, p.n_sel);
      __syncwarp(); /* the row was written by this warp's lanes */
      if (n_valid > p.n) {
#pragma unroll 16
        for (int j = lane; j < n_valid; j += 32) sc[j] = out_row[j]; /* unrolled: 16 loads in flight, not one */
      }
      __syncwarp();
      topn_warp(sc, n_valid, p.n, p.idx + (((long long)b * p.seq_q + tok) * p.heads_kv + hk) * p.n, lane);
    }
  }
}

__global__ void __launch_bounds__(TN_WARPS * 32) topn_kernel(const val_topn_params p) {
  extern __shared__ float sc_all[];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const long long item = (long long)blockIdx.x * TN_WARPS + warp; /* (b, t, hk) */
  if (item >= (long long)p.batch * p.seq_q * p.heads_kv) return;
  const int hk = (int)(item % p.heads_kv);
  const long long bt = item / p.heads_kv;
  const int t = (int)(bt % p.seq_q), b = (int)(bt / p.seq_q);
  const int qpos = p.q_pos0 + t;
  const int n_valid = min(qpos / p.sel_len + 1, p.n_sel);
  float *sc = sc_all + warp * p.n_sel;
  if (n_valid > p.n) {
    const float *row = p.scores + (((long long)b * p.heads_kv + hk) * p.seq_q + t) * p.n_sel;
    /* Unrolled so each lane has 16 loads in flight: one at a time, the row's 32 round trips to
    ** HBM made this kernel latency bound (0.84 ms at 64k for 1 GB of scores). */
#pragma unroll 16
    for (int j = lane; j < n_valid; j += 32) sc[j] = row[j];
    __syncwarp();
  }
  topn_warp(sc, n_valid, p.n, p.idx + item * p.n, lane);
}

/* ---------------------------------------------------------------- decode selection from logits */
constexpr int SD_NT = 1024; /* one CTA per (sequence, KV head): few CTAs, so make each wide */

__global__ void __launch_bounds__(SD_NT) select_decode_kernel(const val_select_decode_params p) {
  extern __shared__ float sd_smem[];
  float *pc = sd_smem;             /* [n_cmp] head-summed probabilities */
  float *sc = sd_smem + p.n_cmp;   /* [n_sel] selection scores */
  const int hk = blockIdx.x, b = blockIdx.y, tid = threadIdx.x;
  const int group = p.heads_q / p.heads_kv;
  __shared__ float lse2[16];
  const float *lg = p.logits + ((long long)b * p.heads_kv + hk) * 16 * p.n_cmp;
  if (tid < 16) lse2[tid] = tid < group ? p.lse_cmp[(long long)b * p.heads_q + hk * group + tid] * VAL_LOG2E : -INFINITY;
  __syncthreads();
  for (int i = tid; i < p.n_cmp; i += SD_NT) {
    float v = 0.f;
    if (i * p.cmp_stride + p.cmp_len - 1 <= p.q_pos) { /* block fully in the past */
      float x[16];
#pragma unroll
      for (int h = 0; h < 16; ++h) x[h] = h < group ? lg[(long long)h * p.n_cmp + i] : -INFINITY; /* 16 loads in flight */
#pragma unroll
      for (int h = 0; h < 16; ++h)
        if (lse2[h] > -INFINITY && x[h] > -INFINITY) v += exp2f(x[h] - lse2[h]);
    }
    pc[i] = v;
  }
  __syncthreads();
  const int R = p.sel_len / p.cmp_stride, H = p.cmp_len / p.cmp_stride - 1;
  const int n_valid = min(p.q_pos / p.sel_len + 1, p.n_sel);
  float *out_sc = p.scores + ((long long)b * p.heads_kv + hk) * p.n_sel;
  for (int j = tid; j < n_valid; j += SD_NT) {
    float sum = 0.f;
    for (int m = 0; m < R; ++m)
      for (int n = 0; n <= H; ++n) {
        const int i = R * (j + 1) - 1 - m - n; /* Eq. 9 */
        if (i >= 0 && i < p.n_cmp) sum += pc[i];
      }
    sc[j] = sum;
    out_sc[j] = sum;
  }
  __syncthreads();
  if (tid < 32) topn_warp(sc, n_valid, p.n, p.idx + ((long long)b * p.heads_kv + hk) * p.n, tid);
}

/* ---------------------------------------------------------------- gated combine */
__global__ void gate_combine_kernel(const val_gate_params p) {
  const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; /* one 8-element chunk */
  const int chunks = p.d_v / 8;
  if (i >= p.rows * chunks) return;
  const long long row = i / chunks;
  const __nv_bfloat16 *gt = static_cast<const __nv_bfloat16 *>(p.gates) + row * 3;
  const float g0 = __bfloat162float(gt[0]), g1 = __bfloat162float(gt[1]), g2 = __bfloat162float(gt[2]);
  const uint4 a = reinterpret_cast<const uint4 *>(p.o_cmp)[i];
  const uint4 bb = reinterpret_cast<const uint4 *>(p.o_slc)[i];
  const uint4 cc = reinterpret_cast<const uint4 *>(p.o_win)[i];
  const __nv_bfloat162 *a2 = reinterpret_cast<const __nv_bfloat162 *>(&a);
  const __nv_bfloat162 *b2 = reinterpret_cast<const __nv_bfloat162 *>(&bb);
  const __nv_bfloat162 *c2 = reinterpret_cast<const __nv_bfloat162 *>(&cc);
  uint4 out;
  uint32_t *o32 = reinterpret_cast<uint32_t *>(&out);
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 x = __bfloat1622float2(a2[e]), y = __bfloat1622float2(b2[e]), z = __bfloat1622float2(c2[e]);
    o32[e] = val_pack_bf16(g0 * x.x + g1 * y.x + g2 * z.x, g0 * x.y + g1 * y.y + g2 * z.y);
  }
  reinterpret_cast<uint4 *>(p.o)[i] = out;
}

/* One CTA per (sequence, query head) row; finishes the split-KV reduction of the selected and
** window branches and applies the gates. */
__device__ __forceinline__ float split_weight_sum(const float *lse_part, int splits, long long rows, long long r,
                                                  float *m_out) {
  float m = -INFINITY;
  for (int s = 0; s < splits; ++s) m = fmaxf(m, lse_part[s * rows + r]);
  const float m_use = m == -INFINITY ? 0.f : m;
  float l = 0.f;
  for (int s = 0; s < splits; ++s) l += __expf(lse_part[s * rows + r] - m_use);
  *m_out = m_use;
  return l;
}

__global__ void gate_combine_split_kernel(const val_gate_split_params p) {
  const long long r = blockIdx.x, rows = p.rows;
  const __nv_bfloat16 *gt = static_cast<const __nv_bfloat16 *>(p.gates) + r * 3;
  const float g0 = __bfloat162float(gt[0]), g1 = __bfloat162float(gt[1]), g2 = __bfloat162float(gt[2]);
  float ms, mw;
  const float ls = split_weight_sum(p.lse_part_slc, p.splits_slc, rows, r, &ms);
  const float lw = split_weight_sum(p.lse_part_win, p.splits_win, rows, r, &mw);
  const float is = ls > 0.f ? 1.f / ls : 0.f, iw = lw > 0.f ? 1.f / lw : 0.f;
  for (int d = threadIdx.x; d < p.d_v; d += blockDim.x) {
    float os = 0.f, ow = 0.f;
    for (int s = 0; s < p.splits_slc; ++s)
      os += __expf(p.lse_part_slc[s * rows + r] - ms) * p.o_part_slc[(s * rows + r) * p.d_v + d];
    for (int s = 0; s < p.splits_win; ++s)
      ow += __expf(p.lse_part_win[s * rows + r] - mw) * p.o_part_win[(s * rows + r) * p.d_v + d];
    const float oc = __bfloat162float(static_cast<const __nv_bfloat16 *>(p.o_cmp)[r * p.d_v + d]);
    static_cast<__nv_bfloat16 *>(p.o)[r * p.d_v + d] = __float2bfloat16(g0 * oc + g1 * os * is + g2 * ow * iw);
  }
}

template <int DQK, int TOK>
cudaError_t launch_scores(const val_scores_params *p, cudaStream_t s, val_launch_info *info, const char *name) {
  auto *fn = scores_kernel<DQK, TOK>;
  const size_t smem = ScCfg<DQK, TOK>::SMEM_BYTES;
  const dim3 grid((unsigned)((p->seq_q + TOK - 1) / TOK), (unsigned)p->heads_kv, (unsigned)(p->batch * p->splits));
  const dim3 block(TOK * 32);
  return val_launch(fn, name, grid, block, smem, s, info, *p);
}

} // namespace

extern "C" cudaError_t val_launch_scores(const val_scores_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->cmp_len % p->cmp_stride || p->sel_len % p->cmp_stride || SC_BN % (p->sel_len / p->cmp_stride) ||
      p->cmp_len / p->cmp_stride - 1 > SC_MAX_HALO || p->heads_q % p->heads_kv || p->heads_q / p->heads_kv > 16 ||
      p->splits < 1)
    return cudaErrorInvalidValue;
  /* Fewer than 8 query rows (decode): one warp per CTA so no warp idles. */
  const bool one = p->seq_q < 8;
  if (p->idx && (one || p->splits != 1 || p->n < 3 || p->n > 32 ||
                 (size_t)p->n_sel * 4 * 8 > (size_t)SC_STAGES * SC_BN * p->d_qk * 2))
    return cudaErrorInvalidValue; /* fused top-n: 8 rows of n_sel scores in the drained K ring */
  if (p->d_qk == 128)
    return one ? launch_scores<128, 1>(p, s, info, "select_scores<128/1>") : launch_scores<128, 8>(p, s, info, "select_scores<128/8>");
  if (p->d_qk == 192)
    return one ? launch_scores<192, 1>(p, s, info, "select_scores<192/1>") : launch_scores<192, 8>(p, s, info, "select_scores<192/8>");
  return cudaErrorInvalidValue;
}

extern "C" cudaError_t val_launch_topn(const val_topn_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->n < 3 || p->n > 32 || p->n_sel < 1) return cudaErrorInvalidValue;
  const long long items = (long long)p->batch * p->seq_q * p->heads_kv;
  const dim3 block(TN_WARPS * 32), grid((unsigned)((items + TN_WARPS - 1) / TN_WARPS));
  const size_t smem = (size_t)TN_WARPS * p->n_sel * sizeof(float);
  return val_launch(topn_kernel, "select_topn", grid, block, smem, s, info, *p);
}

extern "C" cudaError_t val_launch_select_decode(const val_select_decode_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->n < 3 || p->n > 32 || p->n_sel < 1 || p->cmp_len % p->cmp_stride || p->sel_len % p->cmp_stride ||
      p->heads_q % p->heads_kv || p->heads_q / p->heads_kv > 16)
    return cudaErrorInvalidValue;
  const size_t smem = ((size_t)p->n_cmp + (size_t)p->n_sel) * sizeof(float);
  const dim3 grid((unsigned)p->heads_kv, (unsigned)p->batch), block(SD_NT);
  return val_launch(select_decode_kernel, "select_decode", grid, block, smem, s, info, *p);
}

extern "C" cudaError_t val_launch_gate_combine_split(const val_gate_split_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->rows <= 0 || p->splits_slc < 1 || p->splits_win < 1) return cudaErrorInvalidValue;
  const dim3 grid((unsigned)p->rows), block(128);
  cudaError_t e = val_fill_info(info, gate_combine_split_kernel, "gate_combine_split", grid, block, 0);
  if (e != cudaSuccess) return e;
  gate_combine_split_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}

extern "C" cudaError_t val_launch_gate_combine(const val_gate_params *p, cudaStream_t s, val_launch_info *info) {
  if (p->d_v % 8) return cudaErrorInvalidValue;
  const long long n = p->rows * (p->d_v / 8);
  const dim3 block(256), grid((unsigned)((n + 255) / 256));
  cudaError_t e = val_fill_info(info, gate_combine_kernel, "gate_combine", grid, block, 0);
  if (e != cudaSuccess) return e;
  gate_combine_kernel<<<grid, block, 0, s>>>(*p);
  return cudaGetLastError();
}
