/*
** model/occupancy.c — resident CTAs per SM for a kernel's mapping, and which
** limit binds (spec_occupancy, shared with the cycle engine), as the share of
** the SM's warp slots they fill.
*/
#include "mdl_int.h"

mdl_occ mdl_occupancy(const spec_arch *a, const spec_workload *wl, spec_kernel_id k) {
  mdl_occ o;
  o.ctas_per_sm = spec_occupancy(a, wl, k, &o.limiter);
  o.occupancy = (double)o.ctas_per_sm * wl->kernel[k].warps / a->sm.max_warps;
  return o;
}
