/*
** sim/core/jsonw.h — a small streaming JSON writer with stable formatting.
** Same calls, same bytes: numbers use one fixed format so outputs can be
** diffed and golden-tested.
*/
#ifndef NSASIM_CORE_JSONW_H
#define NSASIM_CORE_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

typedef struct jsonw {
  FILE *out;
  int depth;
  int first[JSONW_MAX_DEPTH]; /* no member written yet at this level */
  int pretty;
} jsonw;

void jsonw_init(jsonw *w, FILE *out, int pretty);
void jsonw_obj_begin(jsonw *w, const char *key);  /* key NULL inside arrays/at top */
void jsonw_obj_end(jsonw *w);
void jsonw_arr_begin(jsonw *w, const char *key);
void jsonw_arr_end(jsonw *w);
void jsonw_str(jsonw *w, const char *key, const char *val);
void jsonw_num(jsonw *w, const char *key, double val); /* non-finite -> null */
void jsonw_u64(jsonw *w, const char *key, uint64_t val);
void jsonw_bool(jsonw *w, const char *key, int val);
void jsonw_null(jsonw *w, const char *key);

/* The number format shared by all printers (JSON, CSV): %.10g. */
void sim_format_num(char *buf, size_t n, double v);

#endif
