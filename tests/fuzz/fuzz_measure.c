/*
** tests/fuzz/fuzz_measure.c — fuzz target: the reader of the validation
** harness's CSV (sim/score), and the ncu CSV reader on the same bytes.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "alloc.h"
#include "score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/nsasim-fuzz-measure-%d.csv", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  sim_diag d;
  sim_diag_clear(&d);
  scr_table t;
  if (scr_read_csv(path, &t, &d) == SIM_OK)
    scr_table_free(&t);
  scr_counters *c = NULL;
  size_t n = 0;
  sim_diag_clear(&d);
  if (scr_read_ncu(path, &c, &n, &d) == SIM_OK)
    sim_free(c);
  remove(path);
  return 0;
}
