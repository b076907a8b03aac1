/*
** sim/spec/spec_int.h — private to sim/spec: the schema-table row, the loaded
** source (text, SHA-256, where each key was found) and the generic binder
** that walks a libyaml document against a table. Never included outside
** sim/spec, so no other module sees a yaml_node_t.
*/
#ifndef NSASIM_SPEC_SPEC_INT_H
#define NSASIM_SPEC_SPEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "spec.h"

typedef enum spec_ftype {
  SPEC_F_U32, SPEC_F_U64, SPEC_F_F64, SPEC_F_BOOL, SPEC_F_ENUM, SPEC_F_STR, SPEC_F_MAP
} spec_ftype;

#define SPEC_REQUIRED 1u /* absent -> error */
#define SPEC_DEFAULT 2u  /* absent -> def / def_str */
#define SPEC_DERIVED 4u  /* absent -> a rule of the section fills it in */

/* One config key (Redis standardConfig / netplan mapping_entry_handler). */
typedef struct spec_field {
  const char *key;
  spec_ftype type;
  size_t offset;           /* offsetof into the section's struct */
  size_t size;             /* STR: buffer size */
  double min, max;         /* numbers: inclusive range */
  const char *unit;        /* printed in errors and params; "" if none */
  unsigned flags;
  double def;              /* SPEC_DEFAULT numbers and bools */
  const char *def_str;     /* SPEC_DEFAULT strings and enums; DERIVED: how */
  const char *const *names;/* ENUM: NULL-terminated names, value = index */
  const struct spec_field *sub; /* MAP: nested table */
  const char *desc;
} spec_field;

#define SPEC_END {NULL, SPEC_F_U32, 0, 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL, NULL}

/* Where a key's value was found: a file position, or an override. */
typedef struct spec_mark {
  char path[128];
  unsigned long line, col; /* 1-based; 0 when from an override */
  int ovr;                 /* index of the override, -1 when from the file */
} spec_mark;

struct spec_source {
  char name[SPEC_PATH_MAX];
  char sha256[65];
  const spec_override *ovr; /* borrowed for the load; NULL afterwards */
  char ovr_text[8][SPEC_PATH_MAX]; /* copies for marks that point at --set */
  size_t novr_text;
  spec_mark *marks;
  size_t nmarks, cap;
};

/* Binds the document in text (len bytes) against the top-level table into
** base. root_path is the prefix of every key path ("arch" or "" for the
** workload); overrides with that prefix are applied first. */
sim_status spec_bind_text(spec_source *src, const char *text, size_t len,
                          const spec_field *table, const char *root_path,
                          const spec_override *ovr, size_t novr, void *base,
                          sim_diag *diag);

/* Reads a file into a NUL-terminated buffer after checking its size. */
sim_status spec_read_file(const char *display_name, const char *path, char **text,
                          size_t *len, sim_diag *diag);

spec_source *spec_source_new(const char *name);
/* Position of a key path that was given, or NULL if it took its default. */
const spec_mark *spec_find_mark(const spec_source *src, const char *path);
int spec_was_set(const spec_source *src, const char *path);
/* Reports an error at the mark of path (or at the file when path was not
** given). */
sim_status spec_error_at(const spec_source *src, const char *path, sim_status st,
                         sim_diag *diag, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Sets a key of an already bound struct, as --set would, and marks it given. */
sim_status spec_set_value(const spec_field *table, const char *root, void *base, spec_source *src,
                          const char *key, const char *value, sim_diag *d);
sim_status spec_arch_rules(const spec_arch *a, const spec_source *s, sim_diag *d);
sim_status spec_workload_rules(spec_workload *w, const spec_source *s, sim_diag *d);

/* "an integer in [1, 4096] (SMs)" and the like. */
void spec_describe(const spec_field *f, char *buf, size_t n);
/* Looks up a dotted path below a table ("sm.count"); NULL if unknown. */
const spec_field *spec_table_lookup(const spec_field *table, const char *path);

/* Generic JSON dump of a struct through its table. */
void spec_write_json_table(struct jsonw *w, const char *key, const spec_field *table,
                           const void *base);
void spec_print_table(FILE *out, const spec_field *table, const char *prefix);

/* The phase-dependent mapping defaults, as a Markdown table. */
void spec_print_kernel_defaults(FILE *out);

extern const spec_field spec_arch_table[];
extern const spec_field spec_workload_table[];

#endif
