/*
** model/bounds.c — from a kernel's work to its time. Each resource gives a
** time on its own: tensor cores, FP32 pipes and SFU (on the busiest SM, so
** the tail of the last wave counts), shared memory (busiest SM), L2 and HBM
** (device-wide), latency (bytes in flight by Little's law) and launch. The
** softmax pipes serialise with the MMAs unless the kernel overlaps them
** (FlashAttention-2 style kernels do not; warp-specialised ones do). The
** kernel takes the largest of compute and the memory bounds, plus launch;
** `bound` names the resource behind that maximum. A serial tail (the last
** CTA of a unit merging what the others left, in the fused decode) starts
** only when the rest of its unit is done, so it adds to that time.
*/
#include <math.h>
#include <string.h>

#include "mdl_int.h"

void mdl_finish(const spec_arch *a, const spec_workload *wl, const mdl_work *w,
                sim_kernel_stats *out) {
  const spec_mapping *m = &wl->kernel[w->map];
  mdl_occ occ = mdl_occupancy(a, wl, w->map);
  double sms = a->sm.count, clk = a->sm.clock_hz;
  double ctas = w->ctas > 0 ? w->ctas : 1;
  /* Round-robin dispatch: the busiest SM runs ceil(ctas / SMs) CTAs. */
  double busy = ceil(ctas / sms);
  double per_cta = busy / ctas;
  double rate = spec_kernel_tensor_flops_per_clk(a, wl, w->map);
  double *bt = out->bound_time_s;
  bt[SIM_BOUND_TENSOR] = w->tensor_flops * per_cta / (rate * clk);
  /* The tail's arithmetic runs on one SM after the rest: not spread over the grid. */
  bt[SIM_BOUND_FP32] = (w->fp32_flops - w->tail_units * w->tail_fp32) * per_cta / (a->compute.fp32_flops_per_clk * clk);
  bt[SIM_BOUND_SFU] = (w->sfu_ops - w->tail_units * w->tail_sfu) * per_cta / (a->compute.sfu_ops_per_clk * clk);
  bt[SIM_BOUND_SMEM] = w->smem_bytes * per_cta / (a->sm.smem_bytes_per_clk * clk);
  bt[SIM_BOUND_HBM] = (w->hbm_read_bytes + w->hbm_write_bytes) / (a->hbm.bandwidth * a->efficiency.hbm);
  bt[SIM_BOUND_L2] = w->l2_read_bytes / (a->l2.bytes_per_clk * clk);
  /* Latency: each CTA keeps `stages` tiles in flight; a tile arrives after the
  ** L2 latency, plus the HBM latency for the share that misses. Before the
  ** pipeline runs, a CTA waits out two dependent round trips that nothing
  ** overlaps: its operands and indices (Q, the block list), then its first
  ** tile, whose address depends on them. */
  double miss = w->l2_read_bytes > 0 ? fmin(1.0, w->hbm_read_bytes / w->l2_read_bytes) : 1.0;
  double lat_s = a->l2.hit_latency_cycles / clk + miss * a->hbm.latency_ns * 1e-9;
  double waves_ceil = ceil(ctas / (sms * (occ.ctas_per_sm ? occ.ctas_per_sm : 1)));
  bt[SIM_BOUND_LATENCY] = waves_ceil * (w->iters_per_cta / (m->stages ? m->stages : 1) + MDL_PROLOGUE_TRIPS + w->sync_trips) * lat_s +
                          w->serial_trips * lat_s;
  bt[SIM_BOUND_LAUNCH] = a->launch.overhead_s;

  double softmax = bt[SIM_BOUND_FP32] + bt[SIM_BOUND_SFU];
  double compute = w->softmax_overlapped ? fmax(bt[SIM_BOUND_TENSOR], softmax)
                                         : bt[SIM_BOUND_TENSOR] + softmax;
  sim_bound win = bt[SIM_BOUND_TENSOR] >= softmax ? SIM_BOUND_TENSOR
                  : bt[SIM_BOUND_SFU] >= bt[SIM_BOUND_FP32] ? SIM_BOUND_SFU
                                                             : SIM_BOUND_FP32;
  double best = compute;
  static const sim_bound mem[] = {SIM_BOUND_HBM, SIM_BOUND_L2, SIM_BOUND_SMEM, SIM_BOUND_LATENCY};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
    if (bt[mem[i]] > best) {
      best = bt[mem[i]];
      win = mem[i];
    }
  if (bt[SIM_BOUND_LAUNCH] > best)
    win = SIM_BOUND_LAUNCH;
  /* The tail: its round trips hit L2 (the partials were just written), one of them also waits
  ** on HBM if any of its loads miss; each of its barriers is a shared-memory round trip; its
  ** bytes come through the SM's port; its arithmetic has the SM's pipes to itself. */
  double tail_s = 0;
  if (w->tail_units > 0)
    tail_s = (w->tail_trips * a->l2.hit_latency_cycles + w->tail_barriers * a->sm.smem_latency_cycles) / clk +
             (w->tail_hbm_bytes > 0 ? a->hbm.latency_ns * 1e-9 : 0.0) +
             w->tail_bytes / (a->sm.smem_bytes_per_clk * clk) +
             w->tail_fp32 / (a->compute.fp32_flops_per_clk * clk) +
             w->tail_sfu / (a->compute.sfu_ops_per_clk * clk);
  out->time_s = best + tail_s + bt[SIM_BOUND_LAUNCH];
  out->bound = win;
  out->tensor_flops = w->tensor_flops;
  out->fp32_flops = w->fp32_flops;
  out->sfu_ops = w->sfu_ops;
  out->flops = w->tensor_flops + w->fp32_flops + w->sfu_ops;
  out->hbm_read_bytes = (uint64_t)llround(w->hbm_read_bytes);
  out->hbm_write_bytes = (uint64_t)llround(w->hbm_write_bytes);
  out->l2_read_bytes = (uint64_t)llround(w->l2_read_bytes);
  out->smem_bytes = (uint64_t)llround(w->smem_bytes);
  out->ctas = (uint64_t)llround(w->ctas);
  out->ctas_per_sm = occ.ctas_per_sm;
  out->occupancy = occ.occupancy;
  snprintf(out->occupancy_limiter, sizeof out->occupancy_limiter, "%s", occ.limiter);
  out->waves = ctas / (sms * (occ.ctas_per_sm ? occ.ctas_per_sm : 1));
}
