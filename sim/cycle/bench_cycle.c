/*
** sim/cycle/bench_cycle.c — speed of the cycle engine, printed as figures
** (not a test). (1) The NSA selected-attention forward at 64k tokens (batch
** 1, 64 query heads, 4 KV heads, d 128, n 16, l' 64: 262,144 CTAs) on the
** H200 at the default fidelity, end to end. (2) Sector requests replayed per
** second in the sector fidelity, on a smaller kernel.
**   build/bench-cycle [ARCH.yaml]
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cyc_int.h"

static double now_s(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

sim_status cyc_nsa_selected_only(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                                 sim_kernel_stats *out, uint64_t *sectors, sim_diag *d);

int main(int argc, char **argv) {
  const char *arch_path = argc > 1 ? argv[1] : NSASIM_SOURCE_DIR "/arch/h200.yaml";
  const char *wl_path = NSASIM_SOURCE_DIR "/workloads/nsa-paper.yaml";
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  spec_override o64[] = {{"problem.head_dim_qk=128"}, {"problem.seq_len=65536"}};
  if (spec_load_arch(arch_path, arch_path, NULL, NULL, 0, &a, NULL, &d) != SIM_OK ||
      spec_load_workload(wl_path, wl_path, NULL, o64, 2, &w, NULL, &d) != SIM_OK) {
    sim_diag_print(&d, stderr);
    return 2;
  }
  cyc_opts opts = {CYC_FIDELITY_TILE, NULL, NULL, 0};
  sim_kernel_stats k;
  memset(&k, 0, sizeof k);
  uint64_t sectors = 0;
  double t0 = now_s();
  if (cyc_nsa_selected_only(&a, &w, &opts, &k, &sectors, &d) != SIM_OK) {
    sim_diag_print(&d, stderr);
    return 1;
  }
  double t1 = now_s();
  printf("bench-cycle: nsa.selected fwd, 64k tokens, d 128, %llu CTAs on %s, tile fidelity: "
         "%.2f s on one core (target <= 10 s); predicted %.3f ms, %llu cycles, L2 hit %.3f\n",
         (unsigned long long)k.ctas, a.name, t1 - t0, k.time_s * 1e3,
         (unsigned long long)k.cycles, k.l2_read_hit_rate);
  /* Sector fidelity on 1k tokens. */
  spec_override o4[] = {{"problem.head_dim_qk=128"}, {"problem.seq_len=1024"}};
  spec_load_workload(wl_path, wl_path, NULL, o4, 2, &w, NULL, &d);
  opts.fidelity = CYC_FIDELITY_SECTOR;
  t0 = now_s();
  if (cyc_nsa_selected_only(&a, &w, &opts, &k, &sectors, &d) != SIM_OK) {
    sim_diag_print(&d, stderr);
    return 1;
  }
  t1 = now_s();
  printf("bench-cycle: nsa.selected fwd, 1k tokens, sector fidelity: %llu sector requests in "
         "%.2f s = %.3g per second (target >= 1e7)\n",
         (unsigned long long)sectors, t1 - t0, sectors / (t1 - t0));
  /* What the tile aggregation costs: the same kernel in both fidelities. */
  spec_override o2[] = {{"problem.head_dim_qk=128"}, {"problem.seq_len=2048"}};
  spec_load_workload(wl_path, wl_path, NULL, o2, 2, &w, NULL, &d);
  sim_kernel_stats kt, ks;
  opts.fidelity = CYC_FIDELITY_TILE;
  if (cyc_nsa_selected_only(&a, &w, &opts, &kt, &sectors, &d) != SIM_OK)
    return 1;
  opts.fidelity = CYC_FIDELITY_SECTOR;
  if (cyc_nsa_selected_only(&a, &w, &opts, &ks, &sectors, &d) != SIM_OK)
    return 1;
  printf("bench-cycle: tile vs sector fidelity, nsa.selected fwd at 2k tokens: time %.2f vs %.2f us "
         "(%+.2f%%), HBM read %llu vs %llu B (%+.2f%%), L2 hit %.4f vs %.4f\n",
         kt.time_s * 1e6, ks.time_s * 1e6, 100.0 * (kt.time_s / ks.time_s - 1),
         (unsigned long long)kt.hbm_read_bytes, (unsigned long long)ks.hbm_read_bytes,
         100.0 * ((double)kt.hbm_read_bytes / (double)ks.hbm_read_bytes - 1), kt.l2_read_hit_rate,
         ks.l2_read_hit_rate);
  return 0;
}
