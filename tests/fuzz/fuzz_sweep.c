/*
** tests/fuzz/fuzz_sweep.c — fuzz target: the sweep-spec loader, and the
** point expansion of whatever loads (first, last and a middle point).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/nsasim-fuzz-sweep-%d.yaml", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  sim_diag d;
  sim_diag_clear(&d);
  spec_sweep sw;
  if (spec_load_sweep(path, &sw, &d) == SIM_OK) {
    const char *k[SPEC_SWEEP_MAX_DIMS * SPEC_SWEEP_MAX_ZIP], *v[SPEC_SWEEP_MAX_DIMS * SPEC_SWEEP_MAX_ZIP];
    uint64_t pts[3] = {0, sw.npoints / 2, sw.npoints - 1};
    for (int i = 0; i < 3; i++)
      spec_sweep_point(&sw, pts[i], k, v, sizeof k / sizeof k[0]);
    spec_sweep_free(&sw);
  }
  remove(path);
  return 0;
}
