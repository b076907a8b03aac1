/*
** sim/spec/sweep.h — sweep specs (workloads/sweeps/NAME.yaml): a base arch
** and workload, axes over any key of either (a Cartesian product of
** dimensions; a dimension may zip several keys that move together), and
** constraints that filter points. Point i's values follow from i alone, in
** a fixed order (the last dimension varies fastest).
*/
#ifndef NSASIM_SPEC_SWEEP_H
#define NSASIM_SPEC_SWEEP_H

#include <stdint.h>

#include "spec.h"

#define SPEC_SWEEP_MAX_DIMS 16
#define SPEC_SWEEP_MAX_ZIP 8
#define SPEC_SWEEP_MAX_VALUES 1000000u
/* Larger sweeps are refused before anything is allocated. */
#define SPEC_SWEEP_MAX_POINTS 1000000000ull
#define SPEC_SWEEP_VALUE_MAX 48

typedef struct spec_axis {
  char key[128];                       /* dotted path, as --set takes it */
  char (*values)[SPEC_SWEEP_VALUE_MAX]; /* the values as text */
} spec_axis;

typedef struct spec_dim {
  size_t naxes;                        /* > 1: zipped keys */
  spec_axis axes[SPEC_SWEEP_MAX_ZIP];
  size_t nvalues;
} spec_dim;

typedef struct spec_sweep {
  char name[SPEC_NAME_MAX];
  char arch_path[SPEC_PATH_MAX];       /* resolved against the sweep file's folder */
  char workload_path[SPEC_PATH_MAX];
  size_t ndims;
  spec_dim dims[SPEC_SWEEP_MAX_DIMS];
  uint64_t npoints;
  double min_attended_tokens;          /* per query; 0 = no limit */
  uint64_t max_smem_per_cta_bytes;     /* every kernel; 0 = the arch's limit only */
  int skip_invalid;                    /* points that break a rule: skipped (1) or an error (0) */
  char sha256[65];
} spec_sweep;

sim_status spec_load_sweep(const char *path, spec_sweep *sw, sim_diag *d);
void spec_sweep_free(spec_sweep *sw);
/* The (key, value) pairs of point i, in dimension order; returns how many. */
size_t spec_sweep_point(const spec_sweep *sw, uint64_t i, const char **keys, const char **values,
                        size_t max);

#endif
