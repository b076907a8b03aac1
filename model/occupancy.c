/*
** model/occupancy.c — resident CTAs per SM for a kernel's mapping, and which
** limit binds (spec_occupancy, shared with the cycle engine), as the share of
** the SM's warp slots they fill.
*/
#include <math.h>

#include "mdl_int.h"

mdl_occ mdl_occupancy(const spec_arch *a, const spec_workload *wl, spec_kernel_id k) {
  mdl_occ o;
  o.ctas_per_sm = spec_occupancy(a, wl, k, &o.limiter);
  o.occupancy = (double)o.ctas_per_sm * wl->kernel[k].warps / a->sm.max_warps;
  return o;
}

double mdl_grid_ctas_per_sm(const spec_arch *a, double warps, double regs_per_thread) {
  double unit = a->sm.register_alloc_unit ? a->sm.register_alloc_unit : 1.0;
  double per_warp = ceil(regs_per_thread * 32.0 / unit) * unit;
  double cps = fmin((double)a->sm.max_ctas, floor(a->sm.max_warps / warps));
  cps = fmin(cps, floor(a->sm.max_threads / (32.0 * warps)));
  if (per_warp > 0)
    cps = fmin(cps, floor(a->sm.registers / (per_warp * warps)));
  return fmax(1.0, cps);
}
