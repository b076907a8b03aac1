/*
** validate/micro/micro.cu — hardware microbenchmarks behind arch/h200.yaml's
** measured rows: L2 read bandwidth (a buffer that fits in L2, read by every
** SM), HBM read bandwidth (a buffer 60x the L2), load-to-use latency of L2
** hits and of HBM misses (one thread chasing pointers), and the time one
** empty kernel adds between back-to-back launches. Prints CSV:
** metric,value,unit,detail. Every CUDA call is checked; medians of repeats.
**   nvcc -O3 -arch=sm_90 micro.cu -o micro && ./micro
*/
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <algorithm>
#include <vector>

#define CK(x)                                                                              \
  do {                                                                                     \
    cudaError_t e_ = (x);                                                                  \
    if (e_ != cudaSuccess) {                                                               \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
      exit(1);                                                                             \
    }                                                                                      \
  } while (0)

/* Each thread reads 16-byte vectors strided by the grid; the sum goes to
** out so the compiler keeps the loads. */
__global__ void read_kernel(const int4 *__restrict__ p, size_t n, int reps, unsigned long long *out) {
  unsigned long long acc = 0;
  size_t stride = (size_t)gridDim.x * blockDim.x;
  for (int r = 0; r < reps; r++)
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
      int4 v = __ldcg(p + i);
      acc += (unsigned)(v.x ^ v.y ^ v.z ^ v.w);
    }
  if (acc == 0x12345678ull)
    *out = acc;
}

__global__ void chase_kernel(const unsigned *__restrict__ next, unsigned start, int steps, unsigned *out,
                             long long *cycles) {
  unsigned j = start;
  for (int i = 0; i < 64; i++) /* warm the path */
    j = __ldcg(next + j);
  long long t0 = clock64();
  for (int i = 0; i < steps; i++)
    j = __ldcg(next + j);
  long long t1 = clock64();
  *out = j;
  *cycles = t1 - t0;
}

__global__ void empty_kernel(void) {}

static float time_read(const int4 *p, size_t n, int reps, int blocks, unsigned long long *out) {
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  read_kernel<<<blocks, 512>>>(p, n, 1, out); /* warm-up */
  CK(cudaGetLastError());
  std::vector<float> ms;
  for (int k = 0; k < 9; k++) {
    CK(cudaEventRecord(a));
    read_kernel<<<blocks, 512>>>(p, n, reps, out);
    CK(cudaGetLastError());
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float t;
    CK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  CK(cudaEventDestroy(a));
  CK(cudaEventDestroy(b));
  return ms[ms.size() / 2];
}

static double chase(size_t bytes, int steps) {
  size_t n = bytes / sizeof(unsigned);
  /* a random cycle over lines: each hop lands on a new 128-byte line */
  size_t lines = n / 32;
  std::vector<unsigned> perm(lines), next(n, 0);
  for (size_t i = 0; i < lines; i++)
    perm[i] = (unsigned)i;
  srand(12345);
  for (size_t i = lines - 1; i > 0; i--) {
    size_t k = (size_t)rand() % (i + 1);
    std::swap(perm[i], perm[k]);
  }
  for (size_t i = 0; i < lines; i++)
    next[(size_t)perm[i] * 32] = perm[(i + 1) % lines] * 32;
  unsigned *d_next, *d_out;
  long long *d_cyc;
  CK(cudaMalloc(&d_next, n * sizeof(unsigned)));
  CK(cudaMalloc(&d_out, sizeof(unsigned)));
  CK(cudaMalloc(&d_cyc, sizeof(long long)));
  CK(cudaMemcpy(d_next, next.data(), n * sizeof(unsigned), cudaMemcpyHostToDevice));
  std::vector<double> cyc;
  for (int k = 0; k < 5; k++) {
    chase_kernel<<<1, 1>>>(d_next, perm[0] * 32, steps, d_out, d_cyc);
    CK(cudaGetLastError());
    long long c;
    CK(cudaMemcpy(&c, d_cyc, sizeof c, cudaMemcpyDeviceToHost));
    cyc.push_back((double)c / steps);
  }
  std::sort(cyc.begin(), cyc.end());
  CK(cudaFree(d_next));
  CK(cudaFree(d_out));
  CK(cudaFree(d_cyc));
  return cyc[cyc.size() / 2];
}

int main(void) {
  int dev_count = 0;
  if (cudaGetDeviceCount(&dev_count) != cudaSuccess || dev_count == 0) {
    fprintf(stderr, "micro: no GPU\n");
    return 77;
  }
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  int sm_khz = 0;
  CK(cudaDeviceGetAttribute(&sm_khz, cudaDevAttrClockRate, 0));
  printf("metric,value,unit,detail\n");
  printf("device,%s,,%d SMs; L2 %d bytes; max SM clock %d kHz\n", prop.name, prop.multiProcessorCount,
         prop.l2CacheSize, sm_khz);
  unsigned long long *d_out;
  CK(cudaMalloc(&d_out, sizeof *d_out));
  int blocks = prop.multiProcessorCount * 4;
  /* L2: 16 MiB (under one partition's 25-30 MiB), read 64 times. */
  size_t l2b = 16u << 20;
  int4 *l2buf;
  CK(cudaMalloc(&l2buf, l2b));
  CK(cudaMemset(l2buf, 1, l2b));
  float t = time_read(l2buf, l2b / 16, 64, blocks, d_out);
  printf("l2_read_bandwidth,%.4g,B/s,16 MiB buffer read 64x by %d CTAs of 512 threads (ld.global.cg 16 B)\n",
         64.0 * l2b / (t * 1e-3), blocks);
  CK(cudaFree(l2buf));
  /* HBM: 4 GiB, read once. */
  size_t hb = 4ull << 30;
  int4 *hbuf;
  CK(cudaMalloc(&hbuf, hb));
  CK(cudaMemset(hbuf, 1, hb));
  t = time_read(hbuf, hb / 16, 1, blocks, d_out);
  printf("hbm_read_bandwidth,%.4g,B/s,4 GiB buffer read once by %d CTAs (ld.global.cg 16 B)\n", hb / (t * 1e-3), blocks);
  CK(cudaFree(hbuf));
  /* Latency: pointer chase in 4 MiB (L2 hits) and 2 GiB (HBM). */
  double l2c = chase(4u << 20, 20000);
  double hbmc = chase(2ull << 30, 20000);
  printf("l2_hit_latency,%.1f,cycles,pointer chase over 4 MiB, 128-byte hops (clock64)\n", l2c);
  printf("hbm_latency,%.1f,cycles,pointer chase over 2 GiB, 128-byte hops (clock64)\n", hbmc);
  /* Launch: 2000 back-to-back empty kernels between two events. */
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  std::vector<float> per;
  for (int k = 0; k < 5; k++) {
    CK(cudaEventRecord(a));
    for (int i = 0; i < 2000; i++)
      empty_kernel<<<1, 32>>>();
    CK(cudaGetLastError());
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float ms;
    CK(cudaEventElapsedTime(&ms, a, b));
    per.push_back(ms * 1e3f / 2000);
  }
  std::sort(per.begin(), per.end());
  printf("launch_interval,%.3f,us,2000 back-to-back empty kernels on one stream (device time per launch)\n",
         per[per.size() / 2]);
  CK(cudaFree(d_out));
  return 0;
}
