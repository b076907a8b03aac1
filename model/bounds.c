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
  /* mma.sync: the calibrated sync rate holds with the calibration kernel's warps per scheduler;
  ** with fewer, a warp's dependent MMAs and operand loads leave the pipe idle (kstream.h). */
  if (m->mma == SPEC_MMA_SYNC) {
    double wps = fmin(busy, occ.ctas_per_sm ? occ.ctas_per_sm : 1) * m->warps / a->sm.issue_per_clk;
    bt[SIM_BOUND_TENSOR] /= fmin(1.0, wps / SPEC_SYNC_TENSOR_WARPS_PER_SCHED);
  }
  /* The tail's arithmetic runs on one SM after the rest: not spread over the grid. */
  bt[SIM_BOUND_FP32] = (w->fp32_flops - w->tail_units * w->tail_fp32) * per_cta / (a->compute.fp32_flops_per_clk * clk);
  bt[SIM_BOUND_SFU] = (w->sfu_ops - w->tail_units * w->tail_sfu) * per_cta / (a->compute.sfu_ops_per_clk * clk);
  bt[SIM_BOUND_SMEM] = w->smem_bytes * per_cta / (a->sm.smem_bytes_per_clk * clk);
  bt[SIM_BOUND_HBM] = (w->hbm_read_bytes + w->hbm_write_bytes) / (a->hbm.bandwidth * a->efficiency.hbm);
  bt[SIM_BOUND_L2] = w->l2_read_bytes / (a->l2.bytes_per_clk * clk);
  /* Latency: a CTA's critical path. Each CTA keeps stages - 1 tiles in flight ahead of the one it
  ** computes (cp.async.wait_group STAGES - 1 after issuing the next tile, in every validate/
  ** kernel); a tile arrives after the L2 latency, plus the HBM latency for the share that misses.
  ** Before the pipeline runs, a CTA waits out two dependent round trips that nothing overlaps:
  ** its operands and indices (Q, the block list), then its first tile, whose address depends on
  ** them. Where the kernel's instruction stream is known, each warp also issues it in order:
  ** per step the longer of the tile's arrival and the step's instructions, each instruction at
  ** the dependent issue interval or, when the SM's resident warps saturate its schedulers, at
  ** their share of the issue rate; the fixed instructions (prologue, epilogue) add to it. */
  double miss = w->l2_read_bytes > 0 ? fmin(1.0, w->hbm_read_bytes / w->l2_read_bytes) : 1.0;
  double lat_s = a->l2.hit_latency_cycles / clk + miss * a->hbm.latency_ns * 1e-9;
  /* Loads that hit L2 in the timed runs (the split merges' partials): a hit in the line's home
  ** partition, the near or the far one alike. */
  if (w->loads_l2_resident)
    lat_s = a->l2.hit_latency_cycles * (1.0 + 0.5 * (a->l2.far_latency_factor - 1.0)) / clk;
  double cpr = occ.ctas_per_sm ? occ.ctas_per_sm : 1, warps = m->warps;
  /* The counts are the validate/ kernels' (warp-level mma.sync, cp.async): a wgmma/TMA kernel
  ** (mma: async) issues far fewer instructions per tile, and its stream is not modelled. */
  int stream = m->mma == SPEC_MMA_SYNC && (w->warp_instr_per_iter > 0 || w->warp_instr_fixed > 0);
  if (stream && w->grid_ctas_per_sm > 0) {
    cpr = w->grid_ctas_per_sm;
    warps = w->grid_warps > 0 ? w->grid_warps : warps;
  }
  double waves_ceil = ceil(ctas / (sms * cpr));
  double ahead = m->stages > 1 ? m->stages - 1.0 : 1.0;
  /* One step of every resident CTA must also come through the device's bandwidth: what a CTA
  ** reads per step (its share of the kernel's L2 reads, at most a tile) through L2, the share
  ** that misses through HBM. That is the latency a tile sees under load (Little's law); the first
  ** tile of each CTA waits for it with nothing to overlap. */
  double resident = fmin(ctas, sms * cpr);
  double steps = ctas * fmax(1.0, w->iters_per_cta);
  double step_hbm = fmin(w->tile_bytes, w->hbm_read_bytes / steps);
  double step_bw = resident * step_hbm / (a->hbm.bandwidth * a->efficiency.hbm);
  double step_s = lat_s / ahead, fixed_s = 0;
  if (stream) {
    /* The kernel's own measured interval, where it has one, stands in for the arch's dependent
    ** one (the backward's dQ and d 192 kernels issue faster than it); dep_instr_per_cta is
    ** issued at the arch's. */
    double share = fmin(busy, cpr) * warps / a->sm.issue_per_clk;
    double cpi = w->issue_shared ? spec_issue_cpi_shared(a->sm.dependent_issue_cycles, share, w->issue_cycles, w->issue_warps)
                                 : spec_issue_cpi(a->sm.dependent_issue_cycles, share, w->issue_cycles, w->issue_warps, w->issue_slope);
    fixed_s = w->warp_instr_fixed * cpi / clk;
    fixed_s += w->dep_instr_per_cta * spec_issue_cpi(a->sm.dependent_issue_cycles, share, 0, 0, 0) / clk;
    if (w->loads_serial && w->warps_active > 0) {
      /* Warps of independent rows on serial round trips (the delta pass): a warp waiting out its
      ** loads takes no issue slot, so its instructions do not each wait one slot per resident warp
      ** (the rule above: every warp always issuing). The active warps share their scheduler as a
      ** processor-sharing queue: at utilization u (active warps per scheduler x a warp's
      ** instructions / its life) each instruction waits 1 / (1 - u) cycles for its slot (M/M/1-PS),
      ** plus the dependent interval's dep - 1 beyond it, never more than the rule above. The
      ** warp's life T = its round trips + its instructions at that interval, solved for by
      ** bisection (the right side falls as T grows); the CTA holds its slot for T / warps_active
      ** (its exited warps wait for its last). */
      double ni = fmax(1.0, w->iters_per_cta), instr = ni * w->warp_instr_per_iter + w->warp_instr_fixed;
      double wa = share * w->warps_active, trips = ni * lat_s * clk, dep = a->sm.dependent_issue_cycles;
      double lo = wa * instr, hi = trips + instr * cpi;
      for (int it = 0; it < 64; it++) {
        double t = 0.5 * (lo + hi);
        if (trips + instr * fmin(cpi, dep - 1.0 + 1.0 / (1.0 - wa * instr / t)) > t)
          lo = t;
        else
          hi = t;
      }
      double life = 0.5 * (lo + hi), was = cpi;
      if (instr > 0)
        cpi = (life / w->warps_active - trips) / instr;
      fixed_s += w->warp_instr_fixed * (cpi - was) / clk;
    }
    step_s = w->loads_serial ? lat_s + w->warp_instr_per_iter * cpi / clk
                             : fmax(step_s, w->warp_instr_per_iter * cpi / clk);
  }
  double extra_s = fixed_s + (MDL_PROLOGUE_TRIPS - 1.0 + w->sync_trips) * lat_s;
  double fill_s = fmax(lat_s, step_bw);
  /* Serial loads: every round trip is on the path already, each step's own. */
  if (stream && w->loads_serial) {
    extra_s = fixed_s + w->sync_trips * lat_s;
    fill_s = 0;
  }
  double path = w->path_iters > 0 ? w->path_iters : waves_ceil * w->iters_per_cta;
  bt[SIM_BOUND_LATENCY] = path * step_s + waves_ceil * extra_s + fill_s + w->serial_trips * lat_s;
  /* Where the bandwidth share of a step is the longer, the path is HBM's: the stream plus what
  ** it cannot overlap (the first tiles, the prologue and epilogue). */
  if (step_bw / ahead > step_s) {
    /* A last, partial wave shares the bandwidth among fewer CTAs: its steps take the longer of
    ** their instructions and its own CTAs' share, not a full wave's. */
    double last = ctas - (waves_ceil - 1.0) * resident;
    double last_bw = fmax(step_s, step_bw * last / resident / ahead);
    bt[SIM_BOUND_HBM] = fmax(bt[SIM_BOUND_HBM], (waves_ceil - 1.0) * w->iters_per_cta * step_bw / ahead +
                                                    w->iters_per_cta * last_bw + waves_ceil * extra_s +
                                                    fill_s + w->serial_trips * lat_s);
  }
  bt[SIM_BOUND_LAUNCH] = (w->launches > 1 ? w->launches : 1.0) * a->launch.overhead_s;

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
             w->tail_sfu / (a->compute.sfu_ops_per_clk * clk) +
             w->tail_instr * (w->tail_issue_cycles > 0 ? w->tail_issue_cycles : a->sm.dependent_issue_cycles) / clk;
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
