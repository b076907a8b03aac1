/*
** validate/harness/val_config.c — parser and checker for the validation config list.
** Table-driven (one row per key: offset, range, default) in the style of Redis standardConfig:
** the same table sets defaults, range-checks values and prints configs back.
*/
#include "val_config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const input_names[] = {"random", "structured"};

static const char *const kind_names[VAL_KIND_COUNT] = {"full_fwd", "full_decode", "nsa_fwd", "nsa_decode",
                                                        "full_bwd", "nsa_sel_bwd", "nsa_cmp_bwd",
                                                        "nsa_win_bwd"};

const char *val_kind_name(val_kind k) { return (k >= 0 && k < VAL_KIND_COUNT) ? kind_names[k] : "?"; }

typedef struct int_field {
  const char *key;
  size_t offset;
  long min, max, def;
  const char *desc;
} int_field;

/* Shape limits keep every tensor index below 2^31 elements per row block and every allocation
** well inside the 141 GB card; byte counts are still computed in 64 bits. */
static const int_field int_fields[] = {
    {"batch", offsetof(val_config, batch), 1, 256, 1, "sequences"},
    {"seq_len", offsetof(val_config, seq_len), 16, 262144, -1, "tokens (context length for decode)"},
    {"heads_q", offsetof(val_config, heads_q), 1, 256, 64, "query heads"},
    {"heads_kv", offsetof(val_config, heads_kv), 1, 256, 4, "KV heads (GQA groups)"},
    {"d_qk", offsetof(val_config, d_qk), 64, 256, 192, "query/key head dim"},
    {"d_v", offsetof(val_config, d_v), 64, 256, 128, "value head dim"},
    {"cmp_len", offsetof(val_config, cmp_len), 1, 1024, 32, "NSA compression block l"},
    {"cmp_stride", offsetof(val_config, cmp_stride), 1, 1024, 16, "NSA compression stride d"},
    {"sel_len", offsetof(val_config, sel_len), 64, 4096, 64, "NSA selection block l'"},
    {"sel_count", offsetof(val_config, sel_count), 3, 32, 16, "NSA selected blocks n (incl. 3 forced)"},
    {"window", offsetof(val_config, window), 1, 1 << 20, 512, "NSA sliding window w"},
    {"block_m", offsetof(val_config, block_m), 16, 256, 128, "query rows per CTA (token-major kernels)"},
    {"block_n", offsetof(val_config, block_n), 16, 256, 64, "keys per tile (token-major kernels)"},
    {"stages", offsetof(val_config, stages), 1, 8, 2, "cp.async ring depth (token-major kernels)"},
    {"grp_block_n", offsetof(val_config, grp_block_n), 32, 64, 64, "keys per tile (group kernels: 32 or 64)"},
    {"grp_stages", offsetof(val_config, grp_stages), 1, 8, 2, "cp.async ring depth (group kernels)"},
    {"compress_mlp", offsetof(val_config, compress_mlp), 0, 1, 0, "compression phi: 0 mean pool, 1 MLP (nsa_fwd, nsa_decode)"},
    {"sel_tok", offsetof(val_config, sel_tok), 1, 8, 1, "tokens per CTA of the nsa_fwd selected kernel (1, 2, 4, 8)"},
    {"topn_fused", offsetof(val_config, topn_fused), 0, 1, 0, "nsa_fwd top-n inside the scores kernel (no top-n launch)"},
    {"gate_fused", offsetof(val_config, gate_fused), 0, 1, 0, "nsa_fwd gated combine in the window kernel (no combine launch)"},
    {"pdl", offsetof(val_config, pdl), 0, 1, 0, "decode kernels launched with programmatic dependent launch (full_decode; nsa_decode with dec_fused)"},
    {"dec_fused", offsetof(val_config, dec_fused), 0, 4, 0, "nsa_decode in three launches (1: compressed, selection, selected + window + combine), two (2: the selection at the end of the compressed kernel, lean group bodies) or three again (3: lean bodies, the top-n by radix select, the branch merge shared by each pair's CTAs; 4: as 3 with the top-n from per-warp thresholds and, in a whole step, flags per sequence and KV head in place of waiting for the kernel before)"},
    {"grp_lean", offsetof(val_config, grp_lean), 0, 1, 0, "lean copies: the group body of nsa_decode with dec_fused=1 (dec_fused=2 always), the union producer of nsa_fwd with sel_tok > 1"},
    {"split_kv", offsetof(val_config, split_kv), 0, 1024, 0, "decode KV splits (0 = auto)"},
    {"check", offsetof(val_config, check), 0, 1, 1, "compare with the CPU reference"},
    {"check_rows", offsetof(val_config, check_rows), 1, 1 << 20, 16, "sampled query rows per (b, head)"},
    {"warmup", offsetof(val_config, warmup), 0, 1000, 5, "untimed runs"},
    {"runs", offsetof(val_config, runs), 20, 2000, 30, "timed runs (median reported)"},
    {"seed", offsetof(val_config, seed), 0, INT_MAX, 1, "input seed"},
};
#define N_INT_FIELDS (sizeof int_fields / sizeof int_fields[0])

static int *field_ptr(val_config *c, const int_field *f) { return (int *)((char *)c + f->offset); }

static void set_defaults(val_config *c) {
  memset(c, 0, sizeof *c);
  c->kind = VAL_KIND_COUNT;
  for (size_t i = 0; i < N_INT_FIELDS; ++i) *field_ptr(c, &int_fields[i]) = (int)int_fields[i].def;
}

int val_config_parse_line(const char *line, val_config *out, char *err, size_t err_len) {
  char buf[1024];
  size_t n = strlen(line);
  if (n >= sizeof buf) {
    snprintf(err, err_len, "line longer than %zu characters", sizeof buf - 1);
    return -1;
  }
  memcpy(buf, line, n + 1);
  char *hash = strchr(buf, '#');
  if (hash) *hash = '\0';

  val_config c;
  set_defaults(&c);
  unsigned char seen[N_INT_FIELDS + 4] = {0}; /* +kernel, +id, +inputs, +trace_out */
  int tokens = 0;
  for (char *tok = strtok(buf, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
    ++tokens;
    char *eq = strchr(tok, '=');
    if (!eq || eq == tok || eq[1] == '\0') {
      snprintf(err, err_len, "token '%s' is not key=value", tok);
      return -1;
    }
    *eq = '\0';
    const char *key = tok, *val = eq + 1;
    if (strcmp(key, "kernel") == 0) {
      if (seen[N_INT_FIELDS]++) {
        snprintf(err, err_len, "duplicate key 'kernel'");
        return -1;
      }
      int k;
      for (k = 0; k < VAL_KIND_COUNT; ++k)
        if (strcmp(val, kind_names[k]) == 0) break;
      if (k == VAL_KIND_COUNT) {
        snprintf(err, err_len, "unknown kernel '%s' (expected full_fwd, full_bwd, full_decode, nsa_fwd, nsa_decode or nsa_sel_bwd)", val);
        return -1;
      }
      c.kind = (val_kind)k;
      continue;
    }
    if (strcmp(key, "id") == 0) {
      if (seen[N_INT_FIELDS + 1]++) {
        snprintf(err, err_len, "duplicate key 'id'");
        return -1;
      }
      if (strlen(val) >= VAL_ID_MAX) {
        snprintf(err, err_len, "id longer than %d characters", VAL_ID_MAX - 1);
        return -1;
      }
      for (const char *p = val; *p; ++p)
        if (!(*p == '_' || *p == '-' || *p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z'))) {
          snprintf(err, err_len, "id '%s' may hold only letters, digits, '_', '-', '.'", val);
          return -1;
        }
      strcpy(c.id, val);
      continue;
    }
    if (strcmp(key, "inputs") == 0) {
      if (seen[N_INT_FIELDS + 2]++) {
        snprintf(err, err_len, "duplicate key 'inputs'");
        return -1;
      }
      if (strcmp(val, input_names[VAL_INPUTS_RANDOM]) == 0)
        c.inputs = VAL_INPUTS_RANDOM;
      else if (strcmp(val, input_names[VAL_INPUTS_STRUCTURED]) == 0)
        c.inputs = VAL_INPUTS_STRUCTURED;
      else {
        snprintf(err, err_len, "inputs = '%s' (expected random or structured)", val);
        return -1;
      }
      continue;
    }
    if (strcmp(key, "trace_out") == 0) {
      if (seen[N_INT_FIELDS + 3]++) {
        snprintf(err, err_len, "duplicate key 'trace_out'");
        return -1;
      }
      const size_t len = strlen(val);
      if (len >= VAL_PATH_MAX) {
        snprintf(err, err_len, "trace_out path longer than %d characters", VAL_PATH_MAX - 1);
        return -1;
      }
      for (const char *p = val; *p; ++p)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
          snprintf(err, err_len, "trace_out path holds a control or non-ASCII character (byte 0x%02x)",
                   (unsigned)(unsigned char)*p);
          return -1;
        }
      if (val[len - 1] == '/') {
        snprintf(err, err_len, "trace_out = '%s' names a directory, not a file", val);
        return -1;
      }
      memcpy(c.trace_out, val, len + 1);
      continue;
    }
    size_t i;
    for (i = 0; i < N_INT_FIELDS; ++i)
      if (strcmp(key, int_fields[i].key) == 0) break;
    if (i == N_INT_FIELDS) {
      snprintf(err, err_len, "unknown key '%s'", key);
      return -1;
    }
    if (seen[i]++) {
      snprintf(err, err_len, "duplicate key '%s'", key);
      return -1;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || *end != '\0') {
      snprintf(err, err_len, "%s = '%s' is not an integer", key, val);
      return -1;
    }
    if (v < int_fields[i].min || v > int_fields[i].max) {
      snprintf(err, err_len, "%s = %ld out of range [%ld, %ld] (%s)", key, v, int_fields[i].min, int_fields[i].max,
               int_fields[i].desc);
      return -1;
    }
    *field_ptr(&c, &int_fields[i]) = (int)v;
  }
  if (tokens == 0) return 0;
  if (c.kind == VAL_KIND_COUNT) {
    snprintf(err, err_len, "missing key 'kernel'");
    return -1;
  }
  if (c.seq_len < 0) {
    snprintf(err, err_len, "missing key 'seq_len'");
    return -1;
  }
  if (c.id[0] == '\0') {
    snprintf(err, err_len, "missing key 'id'");
    return -1;
  }
  if (val_config_check(&c, err, err_len) != 0) return -1;
  *out = c;
  return 1;
}

int val_n_cmp(const val_config *c) {
  return c->seq_len >= c->cmp_len ? (c->seq_len - c->cmp_len) / c->cmp_stride + 1 : 0;
}

int val_n_sel(const val_config *c) { return (c->seq_len + c->sel_len - 1) / c->sel_len; }

int val_config_check(const val_config *c, char *err, size_t err_len) {
  if (c->heads_q % c->heads_kv != 0) {
    snprintf(err, err_len, "heads_q = %d is not a multiple of heads_kv = %d", c->heads_q, c->heads_kv);
    return -1;
  }
  if (c->d_qk % 64 || c->d_v % 64) {
    snprintf(err, err_len, "d_qk and d_v must be multiples of 64 (swizzled 128-byte rows)");
    return -1;
  }
  if (c->block_m % 16) {
    snprintf(err, err_len, "block_m = %d is not a multiple of 16 (one warp per 16 rows)", c->block_m);
    return -1;
  }
  if (c->grp_block_n != 32 && c->grp_block_n != 64) {
    snprintf(err, err_len, "grp_block_n = %d must be 32 or 64", c->grp_block_n);
    return -1;
  }
  if (c->compress_mlp && ((c->kind != VAL_NSA_FWD && c->kind != VAL_NSA_DECODE) || c->d_v != 128 ||
                          (c->d_qk != 128 && c->d_qk != 192))) {
    snprintf(err, err_len, "compress_mlp=1 is compiled for nsa_fwd and nsa_decode with d_v = 128, d_qk = 128 or 192");
    return -1;
  }
  if (c->topn_fused && (c->kind != VAL_NSA_FWD || (long long)val_n_sel(c) * 32 > 4LL * 64 * c->d_qk * 2)) {
    snprintf(err, err_len, "topn_fused=1 is the nsa_fwd scores kernel, with 32 * n_sel <= 512 * d_qk bytes (n_sel = %d)",
             val_n_sel(c));
    return -1;
  }
  if (c->gate_fused && c->kind != VAL_NSA_FWD) {
    snprintf(err, err_len, "gate_fused=1 is the nsa_fwd window kernel");
    return -1;
  }
  if (c->pdl && c->kind != VAL_FULL_DECODE && !(c->kind == VAL_NSA_DECODE && c->dec_fused)) {
    snprintf(err, err_len, "pdl=1 is for full_decode and for nsa_decode with dec_fused");
    return -1;
  }
  if (c->dec_fused && c->kind != VAL_NSA_DECODE) {
    snprintf(err, err_len, "dec_fused is the nsa_decode pipeline");
    return -1;
  }
  if (c->grp_lean && !(c->kind == VAL_NSA_DECODE && c->dec_fused == 1) && !(c->kind == VAL_NSA_FWD && c->sel_tok > 1)) {
    snprintf(err, err_len,
             "grp_lean=1 is for nsa_decode with dec_fused=1 (dec_fused=2 is always lean) and nsa_fwd with sel_tok > 1");
    return -1;
  }
  if (c->sel_tok != 1 && c->sel_tok != 2 && c->sel_tok != 4 && c->sel_tok != 8) {
    snprintf(err, err_len, "sel_tok = %d must be 1, 2, 4 or 8", c->sel_tok);
    return -1;
  }
  if (c->sel_tok > 1 && (c->kind != VAL_NSA_FWD || c->sel_len % 64)) {
    snprintf(err, err_len, "sel_tok > 1 is the nsa_fwd selected kernel (sel_len a multiple of 64)");
    return -1;
  }
  const int is_bwd = c->kind == VAL_FULL_BWD || c->kind == VAL_NSA_SEL_BWD || c->kind == VAL_NSA_CMP_BWD ||
                     c->kind == VAL_NSA_WIN_BWD;
  if (is_bwd && (c->d_v != 128 || (c->d_qk != 128 && c->d_qk != 192))) {
    snprintf(err, err_len, "%s is compiled for d_v = 128 and d_qk = 128 or 192", val_kind_name(c->kind));
    return -1;
  }
  if (c->kind == VAL_NSA_SEL_BWD && c->sel_len != 64) {
    snprintf(err, err_len, "nsa_sel_bwd is compiled for sel_len = 64");
    return -1;
  }
  const int group = c->heads_q / c->heads_kv;
  if (c->kind != VAL_FULL_FWD && c->kind != VAL_FULL_BWD) {
    if (group > 16) {
      snprintf(err, err_len, "group size heads_q/heads_kv = %d exceeds the 16 MMA rows of a group tile", group);
      return -1;
    }
  }
  if (c->trace_out[0] && c->kind != VAL_NSA_FWD) {
    snprintf(err, err_len, "trace_out is written by the nsa_fwd top-n only (this config is kernel=%s)",
             val_kind_name(c->kind));
    return -1;
  }
  if (c->inputs == VAL_INPUTS_STRUCTURED && c->kind != VAL_NSA_FWD) {
    snprintf(err, err_len, "inputs=structured is implemented for kernel=nsa_fwd only (this config is kernel=%s)",
             val_kind_name(c->kind));
    return -1;
  }
  if (c->kind == VAL_NSA_FWD || c->kind == VAL_NSA_DECODE) {
    if (c->cmp_len % c->cmp_stride || c->sel_len % c->cmp_stride) {
      snprintf(err, err_len, "cmp_stride = %d must divide cmp_len = %d and sel_len = %d (Eq. 9)", c->cmp_stride,
               c->cmp_len, c->sel_len);
      return -1;
    }
    if (c->cmp_len > c->sel_len) {
      snprintf(err, err_len, "cmp_len = %d must not exceed sel_len = %d (Eq. 9 needs l <= l')", c->cmp_len, c->sel_len);
      return -1;
    }
    if (64 % (c->sel_len / c->cmp_stride)) {
      snprintf(err, err_len, "sel_len/cmp_stride = %d must divide 64 (score tile)", c->sel_len / c->cmp_stride);
      return -1;
    }
    if (c->sel_len % 64) {
      snprintf(err, err_len, "sel_len = %d must be a multiple of 64 (K/V tile)", c->sel_len);
      return -1;
    }
    if (c->seq_len < c->cmp_len) {
      snprintf(err, err_len, "seq_len = %d is shorter than one compression block (%d)", c->seq_len, c->cmp_len);
      return -1;
    }
  }
  if (c->kind == VAL_NSA_CMP_BWD && c->seq_len < c->cmp_len) {
    snprintf(err, err_len, "seq_len = %d is shorter than one compression block (%d)", c->seq_len, c->cmp_len);
    return -1;
  }
  return 0;
}

int val_config_load(const char *path, val_config **out) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
    return -1;
  }
  size_t cap = 16, n = 0;
  val_config *v = malloc(cap * sizeof *v);
  if (!v) {
    fclose(f);
    fprintf(stderr, "%s: error: out of memory\n", path);
    return -1;
  }
  char line[1100];
  int lineno = 0, rc = 0;
  while (fgets(line, sizeof line, f)) {
    ++lineno;
    if (!strchr(line, '\n') && !feof(f)) {
      fprintf(stderr, "%s:%d: error: line longer than %zu characters\n", path, lineno, sizeof line - 2);
      rc = -1;
      break;
    }
    val_config c;
    char err[VAL_ERR_MAX];
    int r = val_config_parse_line(line, &c, err, sizeof err);
    if (r < 0) {
      fprintf(stderr, "%s:%d: error: %s\n", path, lineno, err);
      rc = -1;
      break;
    }
    if (r == 0) continue;
    c.line = lineno;
    for (size_t i = 0; i < n; ++i)
      if (strcmp(v[i].id, c.id) == 0) {
        fprintf(stderr, "%s:%d: error: id '%s' already used on line %d\n", path, lineno, c.id, v[i].line);
        rc = -1;
      } else if (c.trace_out[0] && strcmp(v[i].trace_out, c.trace_out) == 0) {
        fprintf(stderr, "%s:%d: error: trace_out '%s' already used on line %d (one would overwrite the other)\n",
                path, lineno, c.trace_out, v[i].line);
        rc = -1;
      }
    if (rc) break;
    if (n == cap) {
      cap *= 2;
      val_config *nv = realloc(v, cap * sizeof *v);
      if (!nv) {
        fprintf(stderr, "%s: error: out of memory\n", path);
        rc = -1;
        break;
      }
      v = nv;
    }
    v[n++] = c;
  }
  if (rc == 0 && ferror(f)) {
    fprintf(stderr, "%s: error: read failed\n", path);
    rc = -1;
  }
  fclose(f);
  if (rc) {
    free(v);
    return -1;
  }
  if (n == 0) {
    free(v);
    fprintf(stderr, "%s: error: no configs\n", path);
    return -1;
  }
  *out = v;
  return (int)n;
}

void val_config_print(const val_config *c, FILE *f) {
  fprintf(f, "id=%s kernel=%s", c->id, val_kind_name(c->kind));
  for (size_t i = 0; i < N_INT_FIELDS; ++i) {
    const int v = *(const int *)((const char *)c + int_fields[i].offset);
    fprintf(f, " %s=%d", int_fields[i].key, v);
  }
  fprintf(f, " inputs=%s", input_names[c->inputs == VAL_INPUTS_STRUCTURED]);
  if (c->trace_out[0]) fprintf(f, " trace_out=%s", c->trace_out);
  fputc('\n', f);
}
