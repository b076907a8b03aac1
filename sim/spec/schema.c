/*
** sim/spec/schema.c — the generic, table-driven YAML binder.
** Walks a libyaml document against spec_field tables: unknown keys (with a
** "did you mean"), duplicate keys, wrong node types, unparsable scalars,
** out-of-range values and missing required keys are all errors at the node's
** file:line:col. Nothing is ever silently defaulted except by a table row.
** --set overrides are spliced into the document before binding, so they pass
** through exactly the same checks.
*/
/* strtok_r is POSIX, not C11. */
#define _POSIX_C_SOURCE 200809L

#include "spec_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "alloc.h"
#include "jsonw.h"
#include "sha256.h"

/* start_mark.line of nodes made from a --set; start_mark.index holds which. */
#define OVR_LINE ((size_t)-1)

typedef struct bind_ctx {
  yaml_document_t *doc;
  spec_source *src;
  sim_diag *diag;
} bind_ctx;

/* {==== Sources and marks ==== */
spec_source *spec_source_new(const char *name) {
  spec_source *s = sim_calloc(1, sizeof *s);
  if (s)
    snprintf(s->name, sizeof s->name, "%s", name);
  return s;
}

void spec_source_free(spec_source *src) {
  if (!src)
    return;
  sim_free(src->marks);
  sim_free(src);
}

const char *spec_source_name(const spec_source *src) { return src->name; }
const char *spec_source_sha256(const spec_source *src) { return src->sha256; }

const spec_mark *spec_find_mark(const spec_source *src, const char *path) {
  if (!src)
    return NULL;
  for (size_t i = 0; i < src->nmarks; i++)
    if (strcmp(src->marks[i].path, path) == 0)
      return &src->marks[i];
  return NULL;
}

int spec_was_set(const spec_source *src, const char *path) {
  return spec_find_mark(src, path) != NULL;
}

static sim_status add_mark(bind_ctx *c, const char *path, const yaml_node_t *n) {
  spec_source *s = c->src;
  if (s->nmarks == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    spec_mark *m = sim_realloc_array(s->marks, cap, sizeof *m);
    if (!m)
      return sim_diag_set(c->diag, SIM_ERR_NOMEM, s->name, 0, 0, "out of memory");
    s->marks = m;
    s->cap = cap;
  }
  spec_mark *m = &s->marks[s->nmarks++];
  memset(m, 0, sizeof *m);
  snprintf(m->path, sizeof m->path, "%s", path);
  if (n->start_mark.line == OVR_LINE) {
    m->ovr = (int)n->start_mark.index;
  } else {
    m->ovr = -1;
    m->line = (unsigned long)n->start_mark.line + 1;
    m->col = (unsigned long)n->start_mark.column + 1;
  }
  return SIM_OK;
}

static sim_status vreport(const spec_source *s, const spec_mark *m, sim_status st,
                          sim_diag *diag, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 0)))
#endif
    ;
static sim_status vreport(const spec_source *s, const spec_mark *m, sim_status st,
                          sim_diag *diag, const char *fmt, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  if (m && m->ovr >= 0 && (size_t)m->ovr < s->novr_text) {
    char where[SPEC_PATH_MAX + 8];
    snprintf(where, sizeof where, "--set %s", s->ovr_text[m->ovr]);
    return sim_diag_set(diag, st, where, 0, 0, "%s", msg);
  }
  if (m)
    return sim_diag_set(diag, st, s->name, m->line, m->col, "%s", msg);
  return sim_diag_set(diag, st, s->name, 0, 0, "%s", msg);
}

sim_status spec_error_at(const spec_source *src, const char *path, sim_status st,
                         sim_diag *diag, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sim_status r = vreport(src, spec_find_mark(src, path), st, diag, fmt, ap);
  va_end(ap);
  return r;
}

/* Error at a node that has no mark entry yet (type errors, unknown keys). */
static sim_status node_error(bind_ctx *c, const yaml_node_t *n, sim_status st,
                             const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static sim_status node_error(bind_ctx *c, const yaml_node_t *n, sim_status st,
                             const char *fmt, ...) {
  spec_mark m;
  memset(&m, 0, sizeof m);
  if (n->start_mark.line == OVR_LINE) {
    m.ovr = (int)n->start_mark.index;
  } else {
    m.ovr = -1;
    m.line = (unsigned long)n->start_mark.line + 1;
    m.col = (unsigned long)n->start_mark.column + 1;
  }
  va_list ap;
  va_start(ap, fmt);
  sim_status r = vreport(c->src, &m, st, c->diag, fmt, ap);
  va_end(ap);
  return r;
}
/* }==== */

/* {==== Descriptions ==== */
static void fmt_num(char *buf, size_t n, double v) { snprintf(buf, n, "%.10g", v); }

void spec_describe(const spec_field *f, char *buf, size_t n) {
  char lo[32], hi[32];
  fmt_num(lo, sizeof lo, f->min);
  fmt_num(hi, sizeof hi, f->max);
  const char *u = f->unit && f->unit[0] ? f->unit : NULL;
  switch (f->type) {
  case SPEC_F_U32:
  case SPEC_F_U64:
    if (u)
      snprintf(buf, n, "an integer in [%s, %s] (%s)", lo, hi, u);
    else
      snprintf(buf, n, "an integer in [%s, %s]", lo, hi);
    break;
  case SPEC_F_F64:
    if (u)
      snprintf(buf, n, "a number in [%s, %s] (%s)", lo, hi, u);
    else
      snprintf(buf, n, "a number in [%s, %s]", lo, hi);
    break;
  case SPEC_F_BOOL: snprintf(buf, n, "true or false"); break;
  case SPEC_F_ENUM: {
    size_t off = (size_t)snprintf(buf, n, "one of ");
    for (size_t i = 0; f->names[i] && off < n; i++)
      off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? ", " : "", f->names[i]);
    break;
  }
  case SPEC_F_STR: snprintf(buf, n, "a string of at most %zu bytes", f->size - 1); break;
  case SPEC_F_MAP: snprintf(buf, n, "a mapping"); break;
  }
}

static const char *node_kind(const yaml_node_t *n) {
  switch (n->type) {
  case YAML_SCALAR_NODE: return "a scalar";
  case YAML_SEQUENCE_NODE: return "a sequence";
  case YAML_MAPPING_NODE: return "a mapping";
  default: return "nothing";
  }
}
/* }==== */

/* {==== Did you mean ==== */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63)
    return (size_t)-1;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t sub = prev + (a[i - 1] != b[j - 1]);
      size_t del = row[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      prev = cur;
    }
  }
  return row[lb];
}

static const char *suggest(const spec_field *table, const char *key) {
  const char *best = NULL;
  size_t best_d = 3; /* only close misspellings are worth suggesting */
  for (const spec_field *f = table; f->key; f++) {
    size_t d = edit_distance(key, f->key);
    if (d < best_d) {
      best_d = d;
      best = f->key;
    }
  }
  return best;
}
/* }==== */

/* {==== Scalars ==== */
static void join_path(char *out, size_t n, const char *prefix, const char *key) {
  if (prefix && prefix[0])
    snprintf(out, n, "%s.%s", prefix, key);
  else
    snprintf(out, n, "%s", key);
}

static int is_plain(const yaml_node_t *n) {
  return n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
         n->data.scalar.style == YAML_ANY_SCALAR_STYLE;
}

static int parse_uint(const char *s, uint64_t *out) {
  if (!*s)
    return 0;
  uint64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9')
      return 0;
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10)
      return 0;
    v = v * 10 + d;
  }
  *out = v;
  return 1;
}

static int parse_double(const char *s, double *out) {
  if (!*s)
    return 0;
  /* strtod also takes "inf", "nan" and hex floats; a spec value never is one. */
  for (const char *p = s; *p; p++)
    if (!strchr("0123456789+-.eE", *p))
      return 0;
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
    return 0;
  *out = v;
  return 1;
}

/* Parses s (plain: an unquoted YAML scalar) for row f into dst. On failure
** writes the message into msg and returns the status. */
static sim_status parse_value(const spec_field *f, const char *s, int plain, const char *path,
                              void *dstv, char *msg, size_t n) {
  char want[256];
  char *dst = dstv;
  spec_describe(f, want, sizeof want);
  if (plain && (s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)) {
    snprintf(msg, n, "'%s' has no value; it must be %s", path, want);
    return SIM_ERR_SCHEMA;
  }
  if (!plain && f->type != SPEC_F_STR && f->type != SPEC_F_ENUM) {
    snprintf(msg, n, "'%s' must be %s, got the quoted string \"%s\"", path, want, s);
    return SIM_ERR_SCHEMA;
  }
  switch (f->type) {
  case SPEC_F_U32:
  case SPEC_F_U64: {
    uint64_t v;
    if (!parse_uint(s, &v)) {
      snprintf(msg, n, "'%s' must be %s, got '%s'", path, want, s);
      return SIM_ERR_SCHEMA;
    }
    if ((double)v < f->min || (double)v > f->max) {
      snprintf(msg, n, "'%s' = %s is out of range: must be %s", path, s, want);
      return SIM_ERR_RANGE;
    }
    if (f->type == SPEC_F_U32)
      *(uint32_t *)(void *)dst = (uint32_t)v;
    else
      *(uint64_t *)(void *)dst = v;
    return SIM_OK;
  }
  case SPEC_F_F64: {
    double v;
    if (!parse_double(s, &v)) {
      snprintf(msg, n, "'%s' must be %s, got '%s'", path, want, s);
      return SIM_ERR_SCHEMA;
    }
    if (v < f->min || v > f->max) {
      snprintf(msg, n, "'%s' = %s is out of range: must be %s", path, s, want);
      return SIM_ERR_RANGE;
    }
    *(double *)(void *)dst = v;
    return SIM_OK;
  }
  case SPEC_F_BOOL:
    if (plain && strcmp(s, "true") == 0)
      *(int *)(void *)dst = 1;
    else if (plain && strcmp(s, "false") == 0)
      *(int *)(void *)dst = 0;
    else {
      snprintf(msg, n, "'%s' must be %s, got '%s'", path, want, s);
      return SIM_ERR_SCHEMA;
    }
    return SIM_OK;
  case SPEC_F_ENUM:
    for (int i = 0; f->names[i]; i++)
      if (strcmp(s, f->names[i]) == 0) {
        *(int *)(void *)dst = i;
        return SIM_OK;
      }
    snprintf(msg, n, "'%s' must be %s, got '%s'", path, want, s);
    return SIM_ERR_RANGE;
  case SPEC_F_STR:
    if (strlen(s) >= f->size) {
      snprintf(msg, n, "'%s' is %zu bytes long; it must be %s", path, strlen(s), want);
      return SIM_ERR_RANGE;
    }
    snprintf(dst, f->size, "%s", s);
    return SIM_OK;
  case SPEC_F_MAP:
    break;
  }
  snprintf(msg, n, "'%s' is a mapping", path);
  return SIM_ERR_SCHEMA;
}

static sim_status bind_scalar(bind_ctx *c, const spec_field *f, yaml_node_t *n,
                              const char *path, void *base) {
  char want[256];
  spec_describe(f, want, sizeof want);
  if (n->type != YAML_SCALAR_NODE)
    return node_error(c, n, SIM_ERR_SCHEMA, "'%s' must be %s, got %s", path, want,
                      node_kind(n));
  const char *s = (const char *)n->data.scalar.value;
  if (n->data.scalar.length != strlen(s))
    return node_error(c, n, SIM_ERR_SCHEMA, "'%s' contains a NUL byte", path);
  char msg[768];
  sim_status st = parse_value(f, s, is_plain(n), path, (char *)base + f->offset, msg, sizeof msg);
  if (st != SIM_OK)
    return node_error(c, n, st, "%s", msg);
  return add_mark(c, path, n);
}
/* }==== */

/* {==== Mappings ==== */
static void set_defaults(const spec_field *table, void *base) {
  for (const spec_field *f = table; f->key; f++) {
    char *dst = (char *)base + f->offset;
    if (f->type == SPEC_F_MAP) {
      set_defaults(f->sub, dst);
      continue;
    }
    if (!(f->flags & SPEC_DEFAULT))
      continue;
    switch (f->type) {
    case SPEC_F_U32: *(uint32_t *)(void *)dst = (uint32_t)f->def; break;
    case SPEC_F_U64: *(uint64_t *)(void *)dst = (uint64_t)f->def; break;
    case SPEC_F_F64: *(double *)(void *)dst = f->def; break;
    case SPEC_F_BOOL: *(int *)(void *)dst = f->def != 0.0; break;
    case SPEC_F_ENUM:
      for (int i = 0; f->names[i]; i++)
        if (f->def_str && strcmp(f->def_str, f->names[i]) == 0)
          *(int *)(void *)dst = i;
      break;
    case SPEC_F_STR: snprintf(dst, f->size, "%s", f->def_str ? f->def_str : ""); break;
    case SPEC_F_MAP: break;
    }
  }
}

/* The first required key in a table that was not given, depth first. */
static const spec_field *first_required(const spec_field *table, char *path, size_t n,
                                        const char *prefix) {
  for (const spec_field *f = table; f->key; f++) {
    join_path(path, n, prefix, f->key);
    if (f->flags & SPEC_REQUIRED)
      return f;
    if (f->type == SPEC_F_MAP) {
      char sub[256];
      snprintf(sub, sizeof sub, "%s", path);
      const spec_field *r = first_required(f->sub, path, n, sub);
      if (r)
        return r;
    }
  }
  return NULL;
}

static sim_status bind_map(bind_ctx *c, const spec_field *table, yaml_node_t *n,
                           const char *path, void *base, int depth) {
  const char *shown = path[0] ? path : "top level";
  if (n->type != YAML_MAPPING_NODE) {
    if (!path[0])
      return node_error(c, n, SIM_ERR_SCHEMA,
                        "the top level must be a mapping of keys, got %s", node_kind(n));
    return node_error(c, n, SIM_ERR_SCHEMA, "'%s' must be a mapping, got %s", path,
                      node_kind(n));
  }
  if (depth > 8)
    return node_error(c, n, SIM_ERR_SCHEMA, "'%s' is nested too deeply", shown);
  yaml_node_pair_t *first = n->data.mapping.pairs.start;
  yaml_node_pair_t *top = n->data.mapping.pairs.top;
  for (yaml_node_pair_t *p = first; p < top; p++) {
    yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
    yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
    if (!k || !v)
      return node_error(c, n, SIM_ERR_SYNTAX, "malformed mapping in '%s'", shown);
    if (k->type != YAML_SCALAR_NODE)
      return node_error(c, k, SIM_ERR_SCHEMA, "keys in '%s' must be plain words, got %s",
                        shown, node_kind(k));
    const char *key = (const char *)k->data.scalar.value;
    for (yaml_node_pair_t *q = first; q < p; q++) {
      yaml_node_t *qk = yaml_document_get_node(c->doc, q->key);
      if (qk && qk->type == YAML_SCALAR_NODE &&
          strcmp((const char *)qk->data.scalar.value, key) == 0) {
        if (qk->start_mark.line == OVR_LINE)
          return node_error(c, k, SIM_ERR_SCHEMA, "duplicate key '%s' in '%s'", key, shown);
        return node_error(c, k, SIM_ERR_SCHEMA, "duplicate key '%s' in '%s' (first at line %lu)",
                          key, shown, (unsigned long)qk->start_mark.line + 1);
      }
    }
    const spec_field *f = NULL;
    for (const spec_field *t = table; t->key; t++)
      if (strcmp(t->key, key) == 0)
        f = t;
    if (!f) {
      const char *s = suggest(table, key);
      if (s)
        return node_error(c, k, SIM_ERR_SCHEMA, "unknown key '%s' in '%s' (did you mean '%s'?)",
                          key, shown, s);
      return node_error(c, k, SIM_ERR_SCHEMA,
                        "unknown key '%s' in '%s' (see `nsasim params` for the keys)", key,
                        shown);
    }
    char sub[256];
    join_path(sub, sizeof sub, path, key);
    sim_status st;
    if (f->type == SPEC_F_MAP) {
      st = add_mark(c, sub, k);
      if (st == SIM_OK)
        st = bind_map(c, f->sub, v, sub, (char *)base + f->offset, depth + 1);
    } else {
      st = bind_scalar(c, f, v, sub, base);
    }
    if (st != SIM_OK)
      return st;
  }
  /* Required keys, in table order, reported at the mapping that lacks them. */
  for (const spec_field *f = table; f->key; f++) {
    char sub[256];
    join_path(sub, sizeof sub, path, f->key);
    if (spec_was_set(c->src, sub))
      continue;
    const spec_field *miss = NULL;
    char mpath[256];
    if (f->flags & SPEC_REQUIRED) {
      miss = f;
      snprintf(mpath, sizeof mpath, "%s", sub);
    } else if (f->type == SPEC_F_MAP) {
      miss = first_required(f->sub, mpath, sizeof mpath, sub);
    }
    if (miss) {
      char want[256];
      spec_describe(miss, want, sizeof want);
      return node_error(c, n, SIM_ERR_SCHEMA, "missing required key '%s' (%s: %s)", mpath,
                        want, miss->desc);
    }
  }
  return SIM_OK;
}
/* }==== */

/* {==== Documents ==== */
sim_status spec_read_file(const char *display_name, const char *path, char **text,
                          size_t *len, sim_diag *diag) {
  struct stat sb;
  if (stat(path, &sb) != 0)
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "cannot open: %s",
                        strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "cannot read: not a regular file");
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "cannot open: %s",
                        strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "cannot read: not a regular file");
  }
  long size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "cannot read: not a regular file");
  }
  if ((unsigned long)size > SPEC_FILE_MAX_BYTES) {
    fclose(f);
    return sim_diag_set(diag, SIM_ERR_SYNTAX, display_name, 1, 1,
                        "file is %ld bytes; a spec file may be at most %u bytes", size,
                        SPEC_FILE_MAX_BYTES);
  }
  char *buf = sim_malloc((size_t)size + 1);
  if (!buf) {
    fclose(f);
    return sim_diag_set(diag, SIM_ERR_NOMEM, display_name, 0, 0, "out of memory");
  }
  size_t got = fread(buf, 1, (size_t)size, f);
  int err = ferror(f);
  fclose(f);
  if (err || got != (size_t)size) {
    sim_free(buf);
    return sim_diag_set(diag, SIM_ERR_IO, display_name, 0, 0, "short read");
  }
  buf[got] = '\0';
  *text = buf;
  *len = got;
  return SIM_OK;
}

/* libyaml reader errors carry a byte offset; turn it into line:col. */
static void offset_to_line_col(const char *text, size_t len, size_t off, unsigned long *line,
                               unsigned long *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static sim_status parser_error(const yaml_parser_t *p, const spec_source *src, const char *text,
                               size_t len, sim_diag *diag) {
  unsigned long line, col;
  switch (p->error) {
  case YAML_MEMORY_ERROR:
    return sim_diag_set(diag, SIM_ERR_NOMEM, src->name, 0, 0, "out of memory while parsing");
  case YAML_READER_ERROR:
    offset_to_line_col(text, len, p->problem_offset, &line, &col);
    return sim_diag_set(diag, SIM_ERR_SYNTAX, src->name, line, col,
                        "not a YAML text file: %s (byte %zu)", p->problem, p->problem_offset);
  default:
    if (p->context)
      return sim_diag_set(diag, SIM_ERR_SYNTAX, src->name, (unsigned long)p->problem_mark.line + 1,
                          (unsigned long)p->problem_mark.column + 1, "invalid YAML: %s %s",
                          p->context, p->problem ? p->problem : "");
    return sim_diag_set(diag, SIM_ERR_SYNTAX, src->name, (unsigned long)p->problem_mark.line + 1,
                        (unsigned long)p->problem_mark.column + 1, "invalid YAML: %s",
                        p->problem ? p->problem : "parse error");
  }
}

/* Finds (or creates) the mapping node for path components below root and
** sets key = value, replacing an existing value. */
static sim_status apply_override(bind_ctx *c, const spec_field *table, const char *key_path,
                                 const char *value, int index) {
  yaml_document_t *doc = c->doc;
  int node_id = 1; /* the root */
  char buf[SPEC_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", key_path);
  char *save = NULL;
  char *part = strtok_r(buf, ".", &save);
  const spec_field *tab = table;
  while (part) {
    char *next = strtok_r(NULL, ".", &save);
    yaml_node_t *n = yaml_document_get_node(doc, node_id);
    if (!n || n->type != YAML_MAPPING_NODE)
      return SIM_OK; /* binding reports the non-mapping with its position */
    const spec_field *f = NULL;
    for (const spec_field *t = tab; t && t->key; t++)
      if (strcmp(t->key, part) == 0)
        f = t;
    int found = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
      yaml_node_t *k = yaml_document_get_node(doc, p->key);
      if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, part) == 0) {
        if (next) {
          node_id = p->value;
        } else {
          int v = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)value, (int)strlen(value),
                                           YAML_PLAIN_SCALAR_STYLE);
          if (!v)
            return sim_diag_set(c->diag, SIM_ERR_NOMEM, c->src->name, 0, 0, "out of memory");
          /* Adding a node may move doc->nodes but not this mapping's pair
          ** array, so p is still valid. */
          p->value = v;
          yaml_node_t *vn = yaml_document_get_node(doc, v);
          vn->start_mark.line = OVR_LINE;
          vn->start_mark.index = (size_t)index;
        }
        found = 1;
        break;
      }
    }
    if (!found) {
      int k = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)part, (int)strlen(part),
                                       YAML_PLAIN_SCALAR_STYLE);
      int v = next ? yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE)
                   : yaml_document_add_scalar(doc, NULL, (yaml_char_t *)value,
                                              (int)strlen(value), YAML_PLAIN_SCALAR_STYLE);
      if (!k || !v || !yaml_document_append_mapping_pair(doc, node_id, k, v))
        return sim_diag_set(c->diag, SIM_ERR_NOMEM, c->src->name, 0, 0, "out of memory");
      yaml_node_t *kn = yaml_document_get_node(doc, k);
      yaml_node_t *vn = yaml_document_get_node(doc, v);
      kn->start_mark.line = vn->start_mark.line = OVR_LINE;
      kn->start_mark.index = vn->start_mark.index = (size_t)index;
      if (next)
        node_id = v;
    }
    tab = f ? f->sub : NULL;
    part = next;
  }
  return SIM_OK;
}

sim_status spec_bind_text(spec_source *src, const char *text, size_t len,
                          const spec_field *table, const char *root_path,
                          const spec_override *ovr, size_t novr, void *base,
                          sim_diag *diag) {
  sim_sha256_hex(text, len, src->sha256);
  set_defaults(table, base);
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser))
    return sim_diag_set(diag, SIM_ERR_NOMEM, src->name, 0, 0, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    sim_status st = parser_error(&parser, src, text, len, diag);
    yaml_parser_delete(&parser);
    return st;
  }
  sim_status st = SIM_OK;
  bind_ctx c = {&doc, src, diag};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (!root) {
    st = sim_diag_set(diag, SIM_ERR_SCHEMA, src->name, 1, 1,
                      "empty document: expected a mapping with the keys listed by `nsasim params`");
    goto done;
  }
  {
    yaml_document_t extra;
    if (!yaml_parser_load(&parser, &extra)) {
      st = parser_error(&parser, src, text, len, diag);
      goto done;
    }
    yaml_node_t *r2 = yaml_document_get_root_node(&extra);
    if (r2) {
      st = sim_diag_set(diag, SIM_ERR_SYNTAX, src->name, (unsigned long)r2->start_mark.line + 1,
                        (unsigned long)r2->start_mark.column + 1,
                        "a spec file holds one YAML document; a second one starts here");
    }
    yaml_document_delete(&extra);
    if (st != SIM_OK)
      goto done;
  }
  if (root->type == YAML_MAPPING_NODE) {
    size_t plen = strlen(root_path);
    for (size_t i = 0; i < novr && st == SIM_OK; i++) {
      const char *t = ovr[i].text;
      const char *eq = strchr(t, '=');
      if (!eq)
        continue; /* spec_check_overrides reports it */
      char key[SPEC_PATH_MAX];
      size_t klen = (size_t)(eq - t);
      if (klen >= sizeof key)
        continue;
      memcpy(key, t, klen);
      key[klen] = '\0';
      const char *rel = key;
      if (plen) {
        if (strncmp(key, root_path, plen) != 0 || key[plen] != '.')
          continue;
        rel = key + plen + 1;
      } else if (strncmp(key, "arch.", 5) == 0) {
        continue;
      }
      if (src->novr_text >= sizeof src->ovr_text / sizeof src->ovr_text[0]) {
        st = sim_diag_set(diag, SIM_ERR_USAGE, "--set", 0, 0,
                          "at most %zu --set options apply to one spec",
                          sizeof src->ovr_text / sizeof src->ovr_text[0]);
        break;
      }
      snprintf(src->ovr_text[src->novr_text], SPEC_PATH_MAX, "%s", t);
      st = apply_override(&c, table, rel, eq + 1, (int)src->novr_text);
      src->novr_text++;
      root = yaml_document_get_root_node(&doc);
    }
    if (st != SIM_OK)
      goto done;
  }
  st = bind_map(&c, table, root, root_path, base, 0);
done:
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  return st;
}
/* }==== */

/* {==== Points: re-using loaded specs (sweeps) ==== */
size_t spec_source_marks(const spec_source *src) { return src->nmarks; }

void spec_source_truncate(spec_source *src, size_t n) {
  if (n < src->nmarks)
    src->nmarks = n;
}

spec_source *spec_source_clone(const spec_source *src) {
  spec_source *c = sim_malloc(sizeof *c);
  if (!c)
    return NULL;
  *c = *src;
  c->marks = NULL;
  c->cap = src->nmarks + 32;
  c->marks = sim_calloc(c->cap, sizeof *c->marks);
  if (!c->marks) {
    sim_free(c);
    return NULL;
  }
  memcpy(c->marks, src->marks, src->nmarks * sizeof *c->marks);
  return c;
}

sim_status spec_set_value(const spec_field *table, const char *root, void *base, spec_source *src,
                          const char *key, const char *value, sim_diag *d) {
  const spec_field *f = spec_table_lookup(table, key);
  char path[256];
  if (root[0])
    snprintf(path, sizeof path, "%s.%s", root, key);
  else
    snprintf(path, sizeof path, "%s", key);
  if (!f || f->type == SPEC_F_MAP)
    return sim_diag_set(d, SIM_ERR_SCHEMA, src->name, 0, 0, "'%s' is not a key of the spec", path);
  /* The row's offset is relative to its section: walk the sections. */
  char buf[SPEC_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", key);
  char *save = NULL;
  size_t off = 0;
  const spec_field *t = table;
  for (char *part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
    const spec_field *g = NULL;
    for (const spec_field *r = t; r && r->key; r++)
      if (strcmp(r->key, part) == 0)
        g = r;
    if (!g)
      break;
    off += g->offset;
    t = g->sub;
  }
  char msg[768];
  sim_status st = parse_value(f, value, 1, path, (char *)base + off, msg, sizeof msg);
  if (st != SIM_OK)
    return sim_diag_set(d, st, src->name, 0, 0, "%s", msg);
  if (!spec_was_set(src, path)) {
    if (src->nmarks == src->cap) {
      size_t cap = src->cap ? src->cap * 2 : 64;
      spec_mark *m = sim_realloc_array(src->marks, cap, sizeof *m);
      if (!m)
        return sim_diag_set(d, SIM_ERR_NOMEM, src->name, 0, 0, "out of memory");
      src->marks = m;
      src->cap = cap;
    }
    spec_mark *m = &src->marks[src->nmarks++];
    memset(m, 0, sizeof *m);
    snprintf(m->path, sizeof m->path, "%.127s", path);
    m->ovr = -1;
  }
  return SIM_OK;
}
/* }==== */

/* {==== Lookup, dump, reference ==== */
const spec_field *spec_table_lookup(const spec_field *table, const char *path) {
  char buf[SPEC_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  const spec_field *f = NULL;
  for (char *part = strtok_r(buf, ".", &save); part; part = strtok_r(NULL, ".", &save)) {
    if (!table)
      return NULL;
    f = NULL;
    for (const spec_field *t = table; t->key; t++)
      if (strcmp(t->key, part) == 0)
        f = t;
    if (!f)
      return NULL;
    table = f->type == SPEC_F_MAP ? f->sub : NULL;
  }
  return f;
}

void spec_write_json_table(struct jsonw *w, const char *key, const spec_field *table,
                           const void *base) {
  jsonw_obj_begin(w, key);
  for (const spec_field *f = table; f->key; f++) {
    const char *src = (const char *)base + f->offset;
    switch (f->type) {
    case SPEC_F_U32: jsonw_u64(w, f->key, *(const uint32_t *)(const void *)src); break;
    case SPEC_F_U64: jsonw_u64(w, f->key, *(const uint64_t *)(const void *)src); break;
    case SPEC_F_F64: jsonw_num(w, f->key, *(const double *)(const void *)src); break;
    case SPEC_F_BOOL: jsonw_bool(w, f->key, *(const int *)(const void *)src); break;
    case SPEC_F_ENUM: jsonw_str(w, f->key, f->names[*(const int *)(const void *)src]); break;
    case SPEC_F_STR: jsonw_str(w, f->key, src); break;
    case SPEC_F_MAP: spec_write_json_table(w, f->key, f->sub, src); break;
    }
  }
  jsonw_obj_end(w);
}

static const char *type_name(spec_ftype t) {
  switch (t) {
  case SPEC_F_U32:
  case SPEC_F_U64: return "integer";
  case SPEC_F_F64: return "number";
  case SPEC_F_BOOL: return "bool";
  case SPEC_F_ENUM: return "enum";
  case SPEC_F_STR: return "string";
  case SPEC_F_MAP: return "mapping";
  }
  return "?";
}

void spec_print_table(FILE *out, const spec_field *table, const char *prefix) {
  for (const spec_field *f = table; f->key; f++) {
    char path[256];
    join_path(path, sizeof path, prefix, f->key);
    if (f->type == SPEC_F_MAP) {
      fprintf(out, "| `%s` | mapping | | | %s | %s |\n", path,
              (f->flags & SPEC_REQUIRED) ? "required" : "optional", f->desc);
      spec_print_table(out, f->sub, path);
      continue;
    }
    char range[160] = "";
    char lo[32], hi[32];
    fmt_num(lo, sizeof lo, f->min);
    fmt_num(hi, sizeof hi, f->max);
    if (f->type == SPEC_F_U32 || f->type == SPEC_F_U64 || f->type == SPEC_F_F64)
      snprintf(range, sizeof range, "[%s, %s]", lo, hi);
    else if (f->type == SPEC_F_ENUM)
      spec_describe(f, range, sizeof range);
    else if (f->type == SPEC_F_BOOL)
      snprintf(range, sizeof range, "true, false");
    else
      snprintf(range, sizeof range, "<= %zu bytes", f->size - 1);
    char def[160];
    if (f->flags & SPEC_REQUIRED)
      snprintf(def, sizeof def, "required");
    else if (f->flags & SPEC_DERIVED)
      snprintf(def, sizeof def, "%s", f->def_str ? f->def_str : "derived");
    else if (f->type == SPEC_F_ENUM || f->type == SPEC_F_STR)
      snprintf(def, sizeof def, "`%s`", f->def_str ? f->def_str : "");
    else if (f->type == SPEC_F_BOOL)
      snprintf(def, sizeof def, "`%s`", f->def != 0.0 ? "true" : "false");
    else {
      fmt_num(lo, sizeof lo, f->def);
      snprintf(def, sizeof def, "`%s`", lo);
    }
    fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", path, type_name(f->type),
            f->unit ? f->unit : "", range, def, f->desc);
  }
}
/* }==== */
