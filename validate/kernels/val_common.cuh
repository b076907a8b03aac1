/*
** validate/kernels/val_common.cuh — device helpers shared by the validation kernels.
** cp.async copies, ldmatrix fragment loads, the bf16 m16n8k16 tensor-core MMA (inline PTX), the
** XOR-swizzled shared-memory tile layout, and launch bookkeeping (val_launch_info, >48 KB smem).
** Fragment layouts follow the PTX ISA for mma.m16n8k16: lane = 4*g + c; A holds (row g|g+8,
** cols 2c..2c+1 | +8), B holds (k 2c..2c+1 | +8, col g), C holds (row g|g+8, cols 2c, 2c+1).
*/
#ifndef VAL_COMMON_CUH
#define VAL_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>

#include "val_kernels.h"

#define VAL_LOG2E 1.4426950408889634f
#define VAL_LN2 0.6931471805599453f

__device__ __forceinline__ uint32_t val_smem_u32(const void *p) {
  return (uint32_t)__cvta_generic_to_shared(p);
}

/* 16-byte async copy global->shared; when !pred the 16 bytes are zero-filled (src-size 0), so
** rows past the end of a tensor become zeros and cannot inject NaN through 0 * garbage. */
__device__ __forceinline__ void val_cp_async16(uint32_t dst, const void *src, bool pred) {
  int src_bytes = pred ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(src_bytes));
}
__device__ __forceinline__ void val_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void val_cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void val_ldsm_x4(uint32_t r[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void val_ldsm_x4_t(uint32_t r[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

/* d += a * b for one 16x8x16 tile, bf16 operands, fp32 accumulators. */
__device__ __forceinline__ void val_mma(float d[4], const uint32_t a[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
      "{%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* Two floats -> packed bf16x2, first argument in the low half (lower column index). */
__device__ __forceinline__ uint32_t val_pack_bf16(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t *>(&v);
}

/*
** Swizzled tile: rows of D bf16 (D/8 16-byte chunks, D a multiple of 64). Chunk c of row r is
** stored at chunk c ^ (r & 7): the 8 rows an ldmatrix reads at one logical column then hit 8
** different 16-byte bank groups instead of one (rows are 256 or 384 B apart, a multiple of 128).
** Returns the element offset.
*/
template <int D>
__device__ __forceinline__ int val_swz(int row, int chunk) {
  return row * D + ((chunk ^ (row & 7)) << 3);
}

/* Cooperative async load of ROWS x D bf16 from global rows (row_stride elements apart) into a
** swizzled tile; rows >= rows_valid are zero-filled. */
template <int ROWS, int D, int NT>
__device__ __forceinline__ void val_load_tile(__nv_bfloat16 *smem, const __nv_bfloat16 *g, long long row_stride,
                                              int rows_valid, int tid) {
  constexpr int CH = D / 8;
  const uint32_t base = val_smem_u32(smem);
#pragma unroll
  for (int i = tid; i < ROWS * CH; i += NT) {
    const int r = i / CH, c = i % CH;
    const bool ok = r < rows_valid;
    const __nv_bfloat16 *src = ok ? g + (long long)r * row_stride + c * 8 : g;
    val_cp_async16(base + 2u * (uint32_t)val_swz<D>(r, c), src, ok);
  }
}

/* One warp's copy of a ROWS x D swizzled tile with its addresses worked out once per warp: lane
** (r0 = lane & 7, q = lane >> 3) copies chunks 4 cg + q of rows r0 + 8 a, so r & 7 is the lane's
** own and the swizzled chunk 4 (cg ^ (r0 >> 2)) + (q ^ (r0 & 3)) differs between even and odd cg
** by a lane constant only: a copy is one cp.async with immediate offsets (plus a pointer add and
** a bound per 8 rows). val_load_tile with 32 threads divides, multiplies (64-bit) and swizzles per
** copy (ncu: 432 producer instructions per 64-key tile in attn_union_kernel). Same bytes, same
** layout, same zero fill past rows_valid. */
template <int ROWS, int D>
struct ValWarpCopy {
  static constexpr int CH = D / 8;
  static_assert(ROWS % 8 == 0 && CH % 4 == 0, "8-row, 4-chunk passes");
  uint32_t s_even, s_odd; /* byte offset of the lane's chunk of row r0 for even / odd cg */
  int g_off, r0;          /* element offset of that chunk from a tile's first row; the lane's row */
  long long stride8;      /* elements between rows r and r + 8 */

  __device__ __forceinline__ void init(long long row_stride, int lane) {
    r0 = lane & 7;
    const int q = lane >> 3, h = r0 >> 2, lo = q ^ (r0 & 3);
    s_even = 2u * (uint32_t)(r0 * D) + (uint32_t)(lo << 4) + (uint32_t)(h << 6);
    s_odd = 2u * (uint32_t)(r0 * D) + (uint32_t)(lo << 4) - (uint32_t)(h << 6);
    g_off = r0 * (int)row_stride + q * 8;
    stride8 = 8 * row_stride;
  }
  __device__ __forceinline__ void copy(uint32_t tile, const __nv_bfloat16 *g, int rows_valid) const {
    const __nv_bfloat16 *src = g + g_off;
#pragma unroll
    for (int a = 0; a < ROWS / 8; ++a) {
      const bool ok = r0 + 8 * a < rows_valid;
#pragma unroll
      for (int cg = 0; cg < CH / 4; ++cg)
        val_cp_async16(tile + (cg & 1 ? s_odd : s_even) + 2u * (uint32_t)(8 * a * D) + 64u * (uint32_t)cg,
                       src + 32 * cg, ok);
      src += stride8;
    }
  }
};

/* A fragment (16x16) at (r0, k0) of a swizzled row-major tile. */
template <int D>
__device__ __forceinline__ void val_frag_a(uint32_t a[4], const __nv_bfloat16 *tile, int r0, int k0, int lane) {
  const int row = r0 + (lane & 15);
  const int ch = (k0 >> 3) + (lane >> 4);
  val_ldsm_x4(a, val_smem_u32(tile + val_swz<D>(row, ch)));
}

/* B fragments for S = A * T^T where T is a [n][k] tile (K stored key-major): keys n0..n0+15,
** k0..k0+15. b[0..1] serve n-tile n0, b[2..3] n-tile n0+8. */
template <int D>
__device__ __forceinline__ void val_frag_b_nk(uint32_t b[4], const __nv_bfloat16 *tile, int n0, int k0, int lane) {
  const int row = n0 + (lane & 7) + ((lane >> 4) << 3);
  const int ch = (k0 >> 3) + ((lane >> 3) & 1);
  val_ldsm_x4(b, val_smem_u32(tile + val_swz<D>(row, ch)));
}

/* B fragments for O = P * T where T is a [k][n] tile (V stored key-major): keys k0..k0+15,
** columns n0..n0+15, via ldmatrix.trans. b[0..1] serve n-tile n0, b[2..3] n-tile n0+8. */
template <int D>
__device__ __forceinline__ void val_frag_b_kn(uint32_t b[4], const __nv_bfloat16 *tile, int k0, int n0, int lane) {
  const int row = k0 + (lane & 7) + (((lane >> 3) & 1) << 3);
  const int ch = (n0 >> 3) + (lane >> 4);
  val_ldsm_x4_t(b, val_smem_u32(tile + val_swz<D>(row, ch)));
}

/* Raise the dynamic shared-memory limit before every launch that needs more than 48 KB. It is
** not a stream operation, so it is also legal while a stream is being captured into a graph
** (FlashAttention-2 does the same on every launch). */
template <typename F>
static cudaError_t val_prepare(F *func, size_t dyn_smem_bytes) {
  if (dyn_smem_bytes <= 48 * 1024) return cudaSuccess;
  return cudaFuncSetAttribute(func, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)dyn_smem_bytes);
}

template <typename F>
static cudaError_t val_fill_info(val_launch_info *info, F *func, const char *name, dim3 grid, dim3 block,
                                 size_t dyn_smem_bytes) {
  if (!info) return cudaSuccess;
  cudaFuncAttributes a;
  cudaError_t e = cudaFuncGetAttributes(&a, func);
  if (e != cudaSuccess) return e;
  info->func_name = name;
  info->grid_x = grid.x;
  info->grid_y = grid.y;
  info->grid_z = grid.z;
  info->block_threads = block.x * block.y * block.z;
  info->dyn_smem_bytes = dyn_smem_bytes;
  info->num_regs = a.numRegs;
  info->static_smem_bytes = a.sharedSizeBytes;
  info->local_bytes = a.localSizeBytes;
  info->max_threads_per_block = a.maxThreadsPerBlock;
  return cudaSuccess;
}

/* The launch every launcher does: raise the shared-memory limit when needed, record what is
** launched, launch fn(params) and return the launch's error. */
/* pdl: programmatic dependent launch (Hopper), so the kernel's launch and prologue overlap the
** tail of the kernel before it in the stream. Only for kernels that call val_pdl_wait(). */
template <typename F, typename P>
static cudaError_t val_launch(F *fn, const char *name, dim3 grid, dim3 block, size_t dyn_smem_bytes, cudaStream_t s,
                              val_launch_info *info, const P &params, int pdl = 0) {
  cudaError_t e = val_prepare(fn, dyn_smem_bytes);
  if (e != cudaSuccess) return e;
  e = val_fill_info(info, fn, name, grid, block, dyn_smem_bytes);
  if (e != cudaSuccess) return e;
  if (!pdl) {
    fn<<<grid, block, dyn_smem_bytes, s>>>(params);
    return cudaGetLastError();
  }
  cudaLaunchConfig_t cfg = {};
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  cfg.gridDim = grid, cfg.blockDim = block, cfg.dynamicSmemBytes = dyn_smem_bytes, cfg.stream = s;
  cfg.attrs = attr, cfg.numAttrs = 1;
  e = cudaLaunchKernelEx(&cfg, fn, params);
  return e != cudaSuccess ? e : cudaGetLastError();
}

/* A kernel launched with pdl may start while the one before it finishes: it calls val_pdl_wait()
** before it reads what that kernel wrote or writes what it reads, and val_pdl_trigger() right after,
** so the next kernel launches early but at most one kernel runs ahead. No-ops without pdl. */
__device__ __forceinline__ void val_pdl_wait() { asm volatile("griddepcontrol.wait;" ::: "memory"); }
__device__ __forceinline__ void val_pdl_trigger() { asm volatile("griddepcontrol.launch_dependents;" ::: "memory"); }

/* A load with acquire semantics at GPU scope: the writes released before the value read are seen. */
__device__ __forceinline__ int val_ld_acquire(const int *ptr) {
  int v;
  asm volatile("ld.acquire.gpu.global.s32 %0, [%1];" : "=r"(v) : "l"(ptr) : "memory");
  return v;
}

/* Wait until *flag >= v, where another grid running at the same time sets the flag after its writes
** (decode v4: a flag per sequence and KV head instead of waiting for that whole grid). Thread 0
** polls with acquire loads at GPU scope and fences; the barrier then releases the CTA. Read what the
** flag guards through L2 (__ldcg): a line this SM's L1 holds may predate the writes. */
__device__ __forceinline__ void val_wait_flag(const int *flag, int v) {
  if (threadIdx.x == 0) {
    while (val_ld_acquire(flag) < v) __nanosleep(32);
    __threadfence();
  }
  __syncthreads();
}

/* Floor division for possibly negative numerators (positions before the first key). */
__host__ __device__ __forceinline__ int val_floordiv(int a, int b) {
  return (a >= 0) ? a / b : -((-a + b - 1) / b);
}

/* 8 bf16 (16 bytes) added into fp32 sums, and stored back scaled: the mean pool's units. */
__device__ __forceinline__ void val_add8(float acc[8], const uint4 raw) {
  const __nv_bfloat162 *v2 = reinterpret_cast<const __nv_bfloat162 *>(&raw);
#pragma unroll
  for (int e = 0; e < 4; ++e) {
    const float2 f = __bfloat1622float2(v2[e]);
    acc[2 * e] += f.x;
    acc[2 * e + 1] += f.y;
  }
}
__device__ __forceinline__ void val_store8(__nv_bfloat16 *dst, const float acc[8], float scale) {
  uint4 out;
  uint32_t *o32 = reinterpret_cast<uint32_t *>(&out);
#pragma unroll
  for (int e = 0; e < 4; ++e) o32[e] = val_pack_bf16(acc[2 * e] * scale, acc[2 * e + 1] * scale);
  *reinterpret_cast<uint4 *>(dst) = out;
}

/* One 8-column chunk of a mean-pooled block: the mean of `len` rows of src (row_stride elements
** apart) stored as bf16 at dst. Shared by the compression kernel and the fused decode, which
** compresses the newest block inside its attention kernel. */
__device__ __forceinline__ void val_mean_chunk8(__nv_bfloat16 *dst, const __nv_bfloat16 *src, long long row_stride,
                                                int len) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
#pragma unroll 8 /* 8 loads in flight: the rows are independent */
  for (int u = 0; u < len; ++u) val_add8(acc, *reinterpret_cast<const uint4 *>(src + u * row_stride));
  val_store8(dst, acc, 1.f / (float)len);
}

#endif /* VAL_COMMON_CUH */
