/*
** sim/spec/sweep.c — loading sweep specs. The same strictness as the other
** loaders: unknown or duplicate keys, wrong types, keys that no spec has,
** zipped axes of unequal length, empty or oversized ranges are errors at
** file:line:col; sizes are checked before anything is allocated.
*/
#define _POSIX_C_SOURCE 200809L

#include "sweep.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "alloc.h"
#include "sha256.h"
#include "spec_int.h"

typedef struct ld {
  yaml_document_t *doc;
  const char *file;
  sim_diag *d;
} ld;

static sim_status at(ld *l, const yaml_node_t *n, sim_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static sim_status at(ld *l, const yaml_node_t *n, sim_status st, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return sim_diag_set(l->d, st, l->file, (unsigned long)n->start_mark.line + 1,
                      (unsigned long)n->start_mark.column + 1, "%s", msg);
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Checks a mapping's keys against allowed; returns the value node of key. */
static sim_status keys_ok(ld *l, yaml_node_t *map, const char *what, const char *const *allowed) {
  if (map->type != YAML_MAPPING_NODE)
    return at(l, map, SIM_ERR_SCHEMA, "'%s' must be a mapping", what);
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const char *k = scalar(yaml_document_get_node(l->doc, p->key));
    yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
    if (!k)
      return at(l, kn, SIM_ERR_SCHEMA, "keys in '%s' must be plain words", what);
    int ok = 0;
    for (size_t i = 0; allowed[i]; i++)
      ok |= strcmp(k, allowed[i]) == 0;
    if (!ok) {
      char list[256] = "";
      for (size_t i = 0; allowed[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
      return at(l, kn, SIM_ERR_SCHEMA, "unknown key '%s' in '%s' (expected %s)", k, what, list);
    }
    for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++)
      if (strcmp(scalar(yaml_document_get_node(l->doc, q->key)), k) == 0)
        return at(l, kn, SIM_ERR_SCHEMA, "duplicate key '%s' in '%s'", k, what);
  }
  return SIM_OK;
}

static yaml_node_t *get(ld *l, yaml_node_t *map, const char *key) {
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    const char *k = scalar(yaml_document_get_node(l->doc, p->key));
    if (k && strcmp(k, key) == 0)
      return yaml_document_get_node(l->doc, p->value);
  }
  return NULL;
}

static sim_status number(ld *l, yaml_node_t *n, const char *what, double lo, double hi, double *out) {
  const char *s = scalar(n);
  char *end = NULL;
  double v = s ? strtod(s, &end) : 0;
  if (!s || !*s || *end || !isfinite(v))
    return at(l, n, SIM_ERR_SCHEMA, "'%s' must be a number", what);
  if (v < lo || v > hi)
    return at(l, n, SIM_ERR_RANGE, "'%s' = %s is out of range [%g, %g]", what, s, lo, hi);
  *out = v;
  return SIM_OK;
}

static void fmt_value(char *buf, double v) {
  if (v == floor(v) && fabs(v) < 9e15)
    snprintf(buf, SPEC_SWEEP_VALUE_MAX, "%.0f", v);
  else
    snprintf(buf, SPEC_SWEEP_VALUE_MAX, "%.10g", v);
}

static sim_status load_axis(ld *l, yaml_node_t *n, spec_axis *ax, size_t *count, uint64_t points) {
  static const char *const allowed[] = {"key", "values", "range", "geometric", NULL};
  sim_status st = keys_ok(l, n, "axes[]", allowed);
  if (st != SIM_OK)
    return st;
  yaml_node_t *key = get(l, n, "key");
  if (!scalar(key))
    return at(l, n, SIM_ERR_SCHEMA, "an axis needs 'key' (a dotted path such as problem.seq_len)");
  const char *k = scalar(key);
  const spec_field *f = strncmp(k, "arch.", 5) == 0 ? spec_table_lookup(spec_arch_table, k + 5)
                                                   : spec_table_lookup(spec_workload_table, k);
  if (!f || strlen(k) >= sizeof ax->key)
    return at(l, key, SIM_ERR_SCHEMA, "'%s' is not a key of the arch or workload spec (see `nsasim params`)", k);
  snprintf(ax->key, sizeof ax->key, "%s", k);
  yaml_node_t *vals = get(l, n, "values"), *rng = get(l, n, "range"), *geo = get(l, n, "geometric");
  if (!!vals + !!rng + !!geo != 1)
    return at(l, n, SIM_ERR_SCHEMA, "axis '%s' needs exactly one of 'values', 'range' or 'geometric'", k);
  if (vals) {
    if (vals->type != YAML_SEQUENCE_NODE || vals->data.sequence.items.top == vals->data.sequence.items.start)
      return at(l, vals, SIM_ERR_SCHEMA, "'values' of axis '%s' must be a non-empty list", k);
    size_t nv = (size_t)(vals->data.sequence.items.top - vals->data.sequence.items.start);
    if (nv > SPEC_SWEEP_MAX_VALUES)
      return at(l, vals, SIM_ERR_RANGE, "axis '%s' has %zu values; at most %u", k, nv, SPEC_SWEEP_MAX_VALUES);
    if (points > SPEC_SWEEP_MAX_POINTS / nv)
      return at(l, n, SIM_ERR_RANGE, "the sweep would have more than %llu points",
                (unsigned long long)SPEC_SWEEP_MAX_POINTS);
    ax->values = sim_calloc(nv, sizeof *ax->values);
    if (!ax->values)
      return sim_diag_set(l->d, SIM_ERR_NOMEM, l->file, 0, 0, "out of memory");
    for (size_t i = 0; i < nv; i++) {
      yaml_node_t *v = yaml_document_get_node(l->doc, vals->data.sequence.items.start[i]);
      const char *s = scalar(v);
      if (!s || strlen(s) >= SPEC_SWEEP_VALUE_MAX)
        return at(l, v ? v : vals, SIM_ERR_SCHEMA, "values of axis '%s' must be scalars of at most %d bytes", k, SPEC_SWEEP_VALUE_MAX - 1);
      snprintf(ax->values[i], SPEC_SWEEP_VALUE_MAX, "%s", s);
    }
    *count = nv;
    return SIM_OK;
  }
  yaml_node_t *r = rng ? rng : geo;
  static const char *const rk[] = {"from", "to", "step", NULL};
  static const char *const gk[] = {"from", "to", "factor", NULL};
  st = keys_ok(l, r, rng ? "range" : "geometric", rng ? rk : gk);
  if (st != SIM_OK)
    return st;
  yaml_node_t *from = get(l, r, "from"), *to = get(l, r, "to"), *by = get(l, r, rng ? "step" : "factor");
  if (!from || !to || !by)
    return at(l, r, SIM_ERR_SCHEMA, "'%s' of axis '%s' needs from, to and %s", rng ? "range" : "geometric", k, rng ? "step" : "factor");
  double a, b, s;
  if ((st = number(l, from, "from", -1e18, 1e18, &a)) != SIM_OK || (st = number(l, to, "to", -1e18, 1e18, &b)) != SIM_OK ||
      (st = number(l, by, rng ? "step" : "factor", rng ? 1e-12 : 1.0000001, 1e18, &s)) != SIM_OK)
    return st;
  if (b < a)
    return at(l, to, SIM_ERR_RANGE, "axis '%s': 'to' is below 'from'", k);
  double nd = rng ? floor((b - a) / s + 1e-9) + 1 : floor(log(b / a) / log(s) + 1e-9) + 1;
  if (!rng && a <= 0)
    return at(l, from, SIM_ERR_RANGE, "axis '%s': a geometric range starts above 0", k);
  if (nd > SPEC_SWEEP_MAX_VALUES)
    return at(l, r, SIM_ERR_RANGE, "axis '%s' has %.0f values; at most %u", k, nd, SPEC_SWEEP_MAX_VALUES);
  if ((double)points * nd > (double)SPEC_SWEEP_MAX_POINTS)
    return at(l, n, SIM_ERR_RANGE, "the sweep would have more than %llu points",
              (unsigned long long)SPEC_SWEEP_MAX_POINTS);
  size_t nv = (size_t)nd;
  ax->values = sim_calloc(nv, sizeof *ax->values);
  if (!ax->values)
    return sim_diag_set(l->d, SIM_ERR_NOMEM, l->file, 0, 0, "out of memory");
  for (size_t i = 0; i < nv; i++)
    fmt_value(ax->values[i], rng ? a + (double)i * s : a * pow(s, (double)i));
  *count = nv;
  return SIM_OK;
}

static void dirname_of(const char *path, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    snprintf(out, n, ".");
  else
    snprintf(out, n, "%.*s", (int)(slash - path), path);
}

static sim_status path_of(ld *l, yaml_node_t *n, const char *dir, char *out, size_t size) {
  const char *s = scalar(n);
  if (!s || !*s)
    return at(l, n, SIM_ERR_SCHEMA, "a spec path must be a string");
  int w = s[0] == '/' ? snprintf(out, size, "%s", s) : snprintf(out, size, "%s/%s", dir, s);
  if (w < 0 || (size_t)w >= size)
    return at(l, n, SIM_ERR_RANGE, "path too long");
  return SIM_OK;
}

sim_status spec_load_sweep(const char *path, spec_sweep *sw, sim_diag *d) {
  memset(sw, 0, sizeof *sw);
  char *text = NULL;
  size_t len = 0;
  sim_status st = spec_read_file(path, path, &text, &len, d);
  if (st != SIM_OK)
    return st;
  sim_sha256_hex(text, len, sw->sha256);
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    sim_free(text);
    return sim_diag_set(d, SIM_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    st = sim_diag_set(d, SIM_ERR_SYNTAX, path, (unsigned long)parser.problem_mark.line + 1,
                      (unsigned long)parser.problem_mark.column + 1, "invalid YAML: %s",
                      parser.problem ? parser.problem : "parse error");
    yaml_parser_delete(&parser);
    sim_free(text);
    return st;
  }
  ld l = {&doc, path, d};
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  static const char *const top[] = {"version", "name", "description", "arch", "workload", "axes", "constraints", NULL};
  char dir[SPEC_PATH_MAX];
  dirname_of(path, dir, sizeof dir);
  if (!root) {
    st = sim_diag_set(d, SIM_ERR_SCHEMA, path, 1, 1, "empty document: a sweep needs version, name, arch, workload and axes");
    goto done;
  }
  if ((st = keys_ok(&l, root, "top level", top)) != SIM_OK)
    goto done;
  {
    static const char *const req[] = {"version", "name", "arch", "workload", "axes"};
    for (size_t i = 0; i < 5; i++)
      if (!get(&l, root, req[i])) {
        st = at(&l, root, SIM_ERR_SCHEMA, "missing required key '%s' in a sweep spec", req[i]);
        goto done;
      }
  }
  if (!scalar(get(&l, root, "version")) || strcmp(scalar(get(&l, root, "version")), "1") != 0) {
    st = at(&l, get(&l, root, "version"), SIM_ERR_RANGE, "'version' must be 1");
    goto done;
  }
  const char *name = scalar(get(&l, root, "name"));
  if (!name || strlen(name) >= sizeof sw->name) {
    st = at(&l, get(&l, root, "name"), SIM_ERR_SCHEMA, "'name' must be a string of at most %zu bytes", sizeof sw->name - 1);
    goto done;
  }
  snprintf(sw->name, sizeof sw->name, "%s", name);
  if ((st = path_of(&l, get(&l, root, "arch"), dir, sw->arch_path, sizeof sw->arch_path)) != SIM_OK ||
      (st = path_of(&l, get(&l, root, "workload"), dir, sw->workload_path, sizeof sw->workload_path)) != SIM_OK)
    goto done;
  yaml_node_t *axes = get(&l, root, "axes");
  if (axes->type != YAML_SEQUENCE_NODE || axes->data.sequence.items.top == axes->data.sequence.items.start) {
    st = at(&l, axes, SIM_ERR_SCHEMA, "'axes' must be a non-empty list");
    goto done;
  }
  sw->npoints = 1;
  for (yaml_node_item_t *it = axes->data.sequence.items.start; it < axes->data.sequence.items.top; it++) {
    yaml_node_t *a = yaml_document_get_node(&doc, *it);
    if (sw->ndims == SPEC_SWEEP_MAX_DIMS) {
      st = at(&l, a, SIM_ERR_RANGE, "at most %d axes", SPEC_SWEEP_MAX_DIMS);
      goto done;
    }
    spec_dim *dim = &sw->dims[sw->ndims++];
    yaml_node_t *zip = a->type == YAML_MAPPING_NODE ? get(&l, a, "zip") : NULL;
    if (zip) {
      static const char *const zk[] = {"zip", NULL};
      if ((st = keys_ok(&l, a, "axes[]", zk)) != SIM_OK)
        goto done;
      if (zip->type != YAML_SEQUENCE_NODE || zip->data.sequence.items.top == zip->data.sequence.items.start) {
        st = at(&l, zip, SIM_ERR_SCHEMA, "'zip' must be a non-empty list of axes");
        goto done;
      }
      for (yaml_node_item_t *z = zip->data.sequence.items.start; z < zip->data.sequence.items.top; z++) {
        yaml_node_t *zn = yaml_document_get_node(&doc, *z);
        if (dim->naxes == SPEC_SWEEP_MAX_ZIP) {
          st = at(&l, zn, SIM_ERR_RANGE, "at most %d zipped axes", SPEC_SWEEP_MAX_ZIP);
          goto done;
        }
        size_t n = 0;
        if ((st = load_axis(&l, zn, &dim->axes[dim->naxes++], &n, sw->npoints)) != SIM_OK)
          goto done;
        if (dim->naxes > 1 && n != dim->nvalues) {
          st = at(&l, zn, SIM_ERR_RULE, "zipped axis '%s' has %zu values but '%s' has %zu",
                  dim->axes[dim->naxes - 1].key, n, dim->axes[0].key, dim->nvalues);
          goto done;
        }
        dim->nvalues = n;
      }
    } else {
      dim->naxes = 1;
      if ((st = load_axis(&l, a, &dim->axes[0], &dim->nvalues, sw->npoints)) != SIM_OK)
        goto done;
    }
    if (sw->npoints > SPEC_SWEEP_MAX_POINTS / dim->nvalues) {
      st = at(&l, a, SIM_ERR_RANGE, "the sweep would have more than %llu points",
              (unsigned long long)SPEC_SWEEP_MAX_POINTS);
      goto done;
    }
    sw->npoints *= dim->nvalues;
  }
  sw->skip_invalid = 1;
  yaml_node_t *c = get(&l, root, "constraints");
  if (c) {
    static const char *const ck[] = {"min_attended_tokens", "max_smem_per_cta_bytes", "skip_invalid", NULL};
    if ((st = keys_ok(&l, c, "constraints", ck)) != SIM_OK)
      goto done;
    yaml_node_t *v;
    double x;
    if ((v = get(&l, c, "min_attended_tokens")) &&
        (st = number(&l, v, "constraints.min_attended_tokens", 0, 1e9, &sw->min_attended_tokens)) != SIM_OK)
      goto done;
    if ((v = get(&l, c, "max_smem_per_cta_bytes"))) {
      if ((st = number(&l, v, "constraints.max_smem_per_cta_bytes", 0, 1e12, &x)) != SIM_OK)
        goto done;
      sw->max_smem_per_cta_bytes = (uint64_t)x;
    }
    if ((v = get(&l, c, "skip_invalid"))) {
      const char *s = scalar(v);
      if (!s || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)) {
        st = at(&l, v, SIM_ERR_SCHEMA, "'constraints.skip_invalid' must be true or false");
        goto done;
      }
      sw->skip_invalid = strcmp(s, "true") == 0;
    }
  }
done:
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  sim_free(text);
  if (st != SIM_OK)
    spec_sweep_free(sw);
  return st;
}

void spec_sweep_free(spec_sweep *sw) {
  for (size_t i = 0; i < sw->ndims; i++)
    for (size_t j = 0; j < sw->dims[i].naxes; j++) {
      sim_free(sw->dims[i].axes[j].values);
      sw->dims[i].axes[j].values = NULL;
    }
  sw->ndims = 0;
}

size_t spec_sweep_point(const spec_sweep *sw, uint64_t i, const char **keys, const char **values,
                        size_t max) {
  size_t n = 0;
  /* last dimension fastest: decompose i from the back */
  uint64_t idx[SPEC_SWEEP_MAX_DIMS];
  for (size_t k = sw->ndims; k-- > 0;) {
    idx[k] = i % sw->dims[k].nvalues;
    i /= sw->dims[k].nvalues;
  }
  for (size_t k = 0; k < sw->ndims; k++)
    for (size_t a = 0; a < sw->dims[k].naxes && n < max; a++, n++) {
      keys[n] = sw->dims[k].axes[a].key;
      values[n] = sw->dims[k].axes[a].values[idx[k]];
    }
  return n;
}
