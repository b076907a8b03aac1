/*
** validate/kernels/val_util.cu — device-side helpers for the harness.
** val_fill_uniform_bf16: element i gets a uniform value in [lo, hi) from splitmix64(seed, i), so
** inputs of several GB are produced in milliseconds and the same (seed, i) always gives the same
** value (the host copies them back for the CPU reference). val_spin: a busy wait that holds the
** GPU while the host enqueues the timed launches, so event timings exclude host launch gaps.
*/
#include "val_common.cuh"

namespace {

__device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

__global__ void fill_kernel(__nv_bfloat16 *dst, int64_t n, uint64_t seed, float lo, float hi) {
  const int64_t stride = (int64_t)gridDim.x * blockDim.x;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    const uint64_t r = splitmix64(seed * 0x632BE59BD9B4E019ull + (uint64_t)i);
    const float u = (float)(r >> 40) * (1.0f / 16777216.0f); /* 24 random bits -> [0, 1) */
    dst[i] = __float2bfloat16(lo + (hi - lo) * u);
  }
}

__global__ void spin_kernel(int64_t cycles) {
  const long long t0 = clock64();
  while (clock64() - t0 < cycles) {
  }
}

} // namespace

extern "C" cudaError_t val_fill_uniform_bf16(void *dst, int64_t n, uint64_t seed, float lo, float hi, cudaStream_t s) {
  if (n <= 0) return cudaSuccess;
  const int64_t blocks64 = (n + 255) / 256;
  const unsigned blocks = (unsigned)(blocks64 < 65536 ? blocks64 : 65536);
  fill_kernel<<<blocks, 256, 0, s>>>(static_cast<__nv_bfloat16 *>(dst), n, seed, lo, hi);
  return cudaGetLastError();
}

extern "C" cudaError_t val_spin(int64_t cycles, cudaStream_t s) {
  spin_kernel<<<1, 1, 0, s>>>(cycles);
  return cudaGetLastError();
}
