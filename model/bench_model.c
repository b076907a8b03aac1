/*
** model/bench_model.c — speed of the analytical engine: predictions per
** second of the whole NSA forward pipeline plus its full-attention baseline
** (one mdl_run), on one core. A benchmark that prints figures, not a test:
** the CI machine is shared and noisy.
**   build/bench-model [ARCH.yaml WORKLOAD.yaml [SECONDS]]
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "model.h"

static double now_s(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  const char *arch_path = argc > 2 ? argv[1] : NSASIM_SOURCE_DIR "/arch/h200.yaml";
  const char *wl_path = argc > 2 ? argv[2] : NSASIM_SOURCE_DIR "/workloads/nsa-paper.yaml";
  double seconds = argc > 3 ? atof(argv[3]) : 2.0;
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  if (spec_load_arch(arch_path, arch_path, NULL, NULL, 0, &a, NULL, &d) != SIM_OK ||
      spec_load_workload(wl_path, wl_path, NULL, NULL, 0, &w, NULL, &d) != SIM_OK) {
    sim_diag_print(&d, stderr);
    return 2;
  }
  static sim_result r;
  /* Vary the sequence length so no two predictions are the same work. */
  static const uint64_t lens[] = {4096, 8192, 16384, 32768, 65536, 131072};
  unsigned long n = 0;
  double sink = 0, t0 = now_s(), t = t0;
  while (t - t0 < seconds) {
    for (int i = 0; i < 1000; i++, n++) {
      w.problem.seq_len = w.problem.q_len = lens[n % 6];
      if (mdl_run(&a, &w, &r, &d) != SIM_OK) {
        sim_diag_print(&d, stderr);
        return 1;
      }
      sink += r.main.total_time_s;
    }
    t = now_s();
  }
  printf("bench-model: %lu predictions of %s (%s pipeline + full baseline, %zu + %zu kernels) on %s in %.2f s\n",
         n, w.name, spec_phase_name(w.problem.phase), r.main.nkernels, r.baseline.nkernels, a.name, t - t0);
  printf("bench-model: %.0f predictions/s on one core (target >= 100000); checksum %.6g\n",
         n / (t - t0), sink);
  return 0;
}
