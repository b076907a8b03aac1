/*
** model/occupancy.c — resident CTAs per SM for a kernel's mapping, and which
** limit binds: thread slots, warp slots, CTA slots, registers (allocated per
** warp in register_alloc_unit granules) or shared memory (plus the per-CTA
** system reservation). Same rules as the CUDA occupancy calculator.
*/
#include "mdl_int.h"

mdl_occ mdl_occupancy(const spec_arch *a, const spec_workload *wl, spec_kernel_id k) {
  const spec_mapping *m = &wl->kernel[k];
  mdl_occ o = {a->sm.max_ctas, 0, "ctas"};
  uint64_t threads = (uint64_t)m->warps * 32u;
  uint64_t lim = a->sm.max_threads / threads;
  if (lim < o.ctas_per_sm) {
    o.ctas_per_sm = (uint32_t)lim;
    o.limiter = "threads";
  }
  lim = a->sm.max_warps / m->warps;
  if (lim < o.ctas_per_sm) {
    o.ctas_per_sm = (uint32_t)lim;
    o.limiter = "warps";
  }
  uint64_t unit = a->sm.register_alloc_unit;
  uint64_t per_warp = ((uint64_t)m->regs_per_thread * 32u + unit - 1) / unit * unit;
  lim = a->sm.registers / (per_warp * m->warps);
  if (lim < o.ctas_per_sm) {
    o.ctas_per_sm = (uint32_t)lim;
    o.limiter = "registers";
  }
  uint64_t smem = spec_mapping_smem_bytes(wl, k);
  if (smem > 0) {
    lim = a->sm.smem_bytes / (smem + a->sm.smem_reserved_per_cta_bytes);
    if (lim < o.ctas_per_sm) {
      o.ctas_per_sm = (uint32_t)lim;
      o.limiter = "smem";
    }
  }
  o.occupancy = (double)o.ctas_per_sm * m->warps / a->sm.max_warps;
  return o;
}
