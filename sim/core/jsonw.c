/*
** sim/core/jsonw.c — streaming JSON writer.
** Escapes per RFC 8259; doubles printed with %.10g so output is deterministic
** and readable (10 significant digits is beyond any model's accuracy).
*/
#include "jsonw.h"

#include <math.h>
#include <string.h>

void sim_format_num(char *buf, size_t n, double v) {
  if (!isfinite(v)) {
    snprintf(buf, n, "null");
    return;
  }
  if (v == 0.0)
    v = 0.0; /* no "-0" */
  snprintf(buf, n, "%.10g", v);
}

void jsonw_init(jsonw *w, FILE *out, int pretty) {
  memset(w, 0, sizeof *w);
  w->out = out;
  w->pretty = pretty;
  w->first[0] = 1;
}

static void put_escaped(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04x", *p);
      else
        fputc(*p, out);
    }
  }
  fputc('"', out);
}

static void indent(jsonw *w) {
  if (!w->pretty)
    return;
  fputc('\n', w->out);
  for (int i = 0; i < w->depth; i++)
    fputs("  ", w->out);
}

static void member(jsonw *w, const char *key) {
  if (!w->first[w->depth])
    fputc(',', w->out);
  w->first[w->depth] = 0;
  if (w->depth > 0)
    indent(w);
  if (key) {
    put_escaped(w->out, key);
    fputs(w->pretty ? ": " : ":", w->out);
  }
}

static void jw_open(jsonw *w, const char *key, char c) {
  member(w, key);
  fputc(c, w->out);
  if (w->depth + 1 < JSONW_MAX_DEPTH)
    w->depth++;
  w->first[w->depth] = 1;
}

static void jw_close(jsonw *w, char c) {
  int empty = w->first[w->depth];
  if (w->depth > 0)
    w->depth--;
  if (!empty)
    indent(w);
  fputc(c, w->out);
  if (w->depth == 0)
    fputc('\n', w->out);
}

void jsonw_obj_begin(jsonw *w, const char *key) { jw_open(w, key, '{'); }
void jsonw_obj_end(jsonw *w) { jw_close(w, '}'); }
void jsonw_arr_begin(jsonw *w, const char *key) { jw_open(w, key, '['); }
void jsonw_arr_end(jsonw *w) { jw_close(w, ']'); }

void jsonw_str(jsonw *w, const char *key, const char *val) {
  member(w, key);
  put_escaped(w->out, val ? val : "");
}

void jsonw_num(jsonw *w, const char *key, double val) {
  char buf[64];
  member(w, key);
  sim_format_num(buf, sizeof buf, val);
  fputs(buf, w->out);
}

void jsonw_u64(jsonw *w, const char *key, uint64_t val) {
  member(w, key);
  fprintf(w->out, "%llu", (unsigned long long)val);
}

void jsonw_bool(jsonw *w, const char *key, int val) {
  member(w, key);
  fputs(val ? "true" : "false", w->out);
}

void jsonw_null(jsonw *w, const char *key) {
  member(w, key);
  fputs("null", w->out);
}
