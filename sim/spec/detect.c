/*
** sim/spec/detect.c — tells an arch spec from a workload spec by its
** top-level keys, for `nsasim check FILE...` on a mix of files.
*/
#include <string.h>
#include <yaml.h>

#include "alloc.h"
#include "spec_int.h"

sim_status spec_detect_kind(const char *path, spec_kind *kind, sim_diag *diag) {
  char *text = NULL;
  size_t len = 0;
  sim_status st = spec_read_file(path, path, &text, &len, diag);
  if (st != SIM_OK)
    return st;
  yaml_parser_t parser;
  yaml_document_t doc;
  *kind = SPEC_KIND_UNKNOWN;
  if (!yaml_parser_initialize(&parser)) {
    sim_free(text);
    return sim_diag_set(diag, SIM_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (yaml_parser_load(&parser, &doc)) {
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type == YAML_MAPPING_NODE) {
      for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
           p++) {
        yaml_node_t *k = yaml_document_get_node(&doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE)
          continue;
        const char *key = (const char *)k->data.scalar.value;
        if (strcmp(key, "axes") == 0)
          *kind = SPEC_KIND_SWEEP;
        else if (*kind != SPEC_KIND_SWEEP &&
                 (strcmp(key, "problem") == 0 || strcmp(key, "attention") == 0 ||
                  strcmp(key, "kernel") == 0))
          *kind = SPEC_KIND_WORKLOAD;
        else if (*kind == SPEC_KIND_UNKNOWN &&
                 (strcmp(key, "sm") == 0 || strcmp(key, "hbm") == 0 || strcmp(key, "l2") == 0))
          *kind = SPEC_KIND_ARCH;
      }
    }
    yaml_document_delete(&doc);
  }
  /* Files that do not parse, or say nothing about their kind, are loaded as
  ** workloads unless they sit under arch/, so the loader reports the error. */
  if (*kind == SPEC_KIND_UNKNOWN)
    *kind = (strncmp(path, "arch/", 5) == 0 || strstr(path, "/arch/")) ? SPEC_KIND_ARCH
                                                                        : SPEC_KIND_WORKLOAD;
  yaml_parser_delete(&parser);
  sim_free(text);
  return SIM_OK;
}
