/*
** tests/fuzz/fuzz_spec.c — fuzz target: the arch and workload loaders with
** --set overrides, then the fit check and the analytical engine on whatever
** loads. Input: a YAML text; lines after a line "#set" are KEY=VALUE
** overrides. The first byte's low bit picks arch (1) or workload (0); the
** other spec is the shipped default.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const char fuzz_default_arch[];
extern const char fuzz_default_workload[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0 || size > 65536)
    return 0;
  int is_arch = data[0] & 1;
  char *text = malloc(size);
  if (!text)
    return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  spec_override ovr[8];
  size_t novr = 0;
  char *set = strstr(text, "\n#set\n");
  if (set) {
    *set = '\0';
    for (char *line = strtok(set + 6, "\n"); line && novr < 8; line = strtok(NULL, "\n"))
      ovr[novr++].text = line;
  }
  sim_diag d;
  sim_diag_clear(&d);
  if (spec_check_overrides(ovr, novr, &d) != SIM_OK) {
    free(text);
    return 0;
  }
  spec_arch a;
  spec_workload w;
  spec_source *ws = NULL;
  sim_status st;
  if (is_arch) {
    st = spec_load_arch("fuzz.yaml", NULL, text, ovr, novr, &a, NULL, &d);
    if (st == SIM_OK)
      st = spec_load_workload("w", NULL, fuzz_default_workload, NULL, 0, &w, &ws, &d);
  } else {
    st = spec_load_arch("a", NULL, fuzz_default_arch, NULL, 0, &a, NULL, &d);
    if (st == SIM_OK)
      st = spec_load_workload("fuzz.yaml", NULL, text, ovr, novr, &w, &ws, &d);
  }
  if (st == SIM_OK)
    st = spec_check_fit(&a, &w, ws, &d);
  /* Keep the engine's work bounded: the model is closed-form, any size goes. */
  static sim_result r;
  if (st == SIM_OK)
    (void)mdl_run(&a, &w, &r, &d);
  spec_source_free(ws);
  free(text);
  return 0;
}
