/*
** tests/fuzz/fuzz_trace.c — fuzz target: the selection-trace reader against
** a fixed small workload (1 sequence, 4 KV heads, 256 queries, n = 16).
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spec.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const char fuzz_default_workload[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static spec_workload w;
  static int ready;
  sim_diag d;
  sim_diag_clear(&d);
  if (!ready) {
    spec_override o[] = {{"problem.seq_len=256"}};
    if (spec_load_workload("w", NULL, fuzz_default_workload, o, 1, &w, NULL, &d) != SIM_OK)
      return 0;
    ready = 1;
  }
  char path[64];
  snprintf(path, sizeof path, "/tmp/nsasim-fuzz-trace-%d", (int)getpid());
  FILE *f = fopen(path, "wb");
  if (!f)
    return 0;
  fwrite(data, 1, size, f);
  fclose(f);
  cyc_trace t;
  if (cyc_trace_read(path, &w, &t, &d) == SIM_OK)
    cyc_trace_free(&t);
  remove(path);
  return 0;
}
