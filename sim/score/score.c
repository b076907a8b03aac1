/*
** sim/score/score.c — measured against predicted. Each measured config is
** rebuilt from its CSV columns (shapes, NSA hyperparameters, the mapping of
** each kernel that ran); kernels pair by name (a measured kernel pair whose
** work one predicted kernel does, such as scores + top-n, is summed); every
** configuration here is held out: no arch constant was fitted to them (the
** efficiencies come from a GEMM and a copy, see arch/h200.yaml).
*/
#define _POSIX_C_SOURCE 200809L

#include "score.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "cycle.h"
#include "jsonw.h"
#include "model.h"
#include "result.h"

/* {==== CSV ==== */
static const char *const cols[] = {"config_id", "kernel", "batch", "seq_len", "heads_q", "heads_kv",
                                   "d_qk", "d_v", "cmp_len", "cmp_stride", "sel_len", "sel_count",
                                   "window", "block_m", "block_n", "warps", "stages", "split_kv",
                                   "design", "regs", "median_ms"};
#define NCOLS (sizeof cols / sizeof cols[0])

static int split(char *line, char **f, int max) {
  int n = 0;
  for (char *p = line; n < max;) {
    f[n++] = p;
    char *c = strchr(p, ',');
    if (!c)
      break;
    *c = '\0';
    p = c + 1;
  }
  return n;
}

static int num(const char *s, double lo, double hi, double *v) {
  char *end = NULL;
  *v = strtod(s, &end);
  return *s && end && *end == '\0' && isfinite(*v) && *v >= lo && *v <= hi;
}

sim_status scr_read_csv(const char *path, scr_table *t, sim_diag *d) {
  memset(t, 0, sizeof t[0]);
  FILE *f = fopen(path, "r");
  if (!f)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot open");
  static char line[8192];
  char *fld[128];
  int idx[NCOLS];
  unsigned long lineno = 0;
  sim_status st = SIM_OK;
  int header_seen = 0;
  while (st == SIM_OK && fgets(line, sizeof line, f)) {
    lineno++;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n')
      line[--len] = '\0';
    if (len && line[len - 1] == '\r')
      line[--len] = '\0';
    if (len == 0 || line[0] == '#')
      continue;
    int nf = split(line, fld, 128);
    /* The first line that is neither blank nor a comment names the columns. */
    if (!header_seen) {
      for (size_t c = 0; c < NCOLS; c++) {
        idx[c] = -1;
        for (int k = 0; k < nf; k++)
          if (strcmp(fld[k], cols[c]) == 0)
            idx[c] = k;
        if (idx[c] < 0) {
          st = sim_diag_set(d, SIM_ERR_SCHEMA, path, lineno, 1, "missing column '%s'", cols[c]);
          break;
        }
      }
      header_seen = 1;
      continue;
    }
    if (t->n == SCR_MAX_ROWS) {
      st = sim_diag_set(d, SIM_ERR_RANGE, path, lineno, 1, "more than %d rows", SCR_MAX_ROWS);
      break;
    }
    if (t->n % 256 == 0) {
      scr_row *r = sim_realloc_array(t->rows, t->n + 256, sizeof *r);
      if (!r) {
        st = sim_diag_set(d, SIM_ERR_NOMEM, path, 0, 0, "out of memory");
        break;
      }
      t->rows = r;
    }
    scr_row *r = &t->rows[t->n];
    memset(r, 0, sizeof *r);
    r->line = lineno;
    double v[NCOLS];
    for (size_t c = 0; c < NCOLS && st == SIM_OK; c++) {
      if (idx[c] >= nf) {
        st = sim_diag_set(d, SIM_ERR_SCHEMA, path, lineno, 1, "row has %d fields; '%s' is missing", nf, cols[c]);
        break;
      }
      const char *s = fld[idx[c]];
      unsigned long col = (unsigned long)(s - line) + 1;
      if (c == 0 || c == 1 || c == 18) {
        char *dst = c == 0 ? r->config : c == 1 ? r->kernel : r->design;
        size_t cap_ = c == 0 ? sizeof r->config : c == 1 ? sizeof r->kernel : sizeof r->design;
        if (strlen(s) >= cap_ || (c < 2 && !*s))
          st = sim_diag_set(d, SIM_ERR_RANGE, path, lineno, col, "'%s' must be a name of 1 to %zu bytes", cols[c], cap_ - 1);
        else
          snprintf(dst, cap_, "%s", s);
        continue;
      }
      double hi = c == 3 ? 16777216.0 : c == 20 ? 1e9 : 1e6;
      if (!num(s, 0, hi, &v[c]))
        st = sim_diag_set(d, SIM_ERR_SCHEMA, path, lineno, col, "'%s' must be a number in [0, %g], got '%s'", cols[c], hi, s);
    }
    if (st != SIM_OK)
      break;
    r->batch = (uint32_t)v[2];
    r->seq_len = (uint64_t)v[3];
    r->heads_q = (uint32_t)v[4];
    r->heads_kv = (uint32_t)v[5];
    r->d_qk = (uint32_t)v[6];
    r->d_v = (uint32_t)v[7];
    r->l = (uint32_t)v[8];
    r->d = (uint32_t)v[9];
    r->lp = (uint32_t)v[10];
    r->n = (uint32_t)v[11];
    r->w = (uint32_t)v[12];
    r->block_m = (uint32_t)v[13];
    r->block_n = (uint32_t)v[14];
    r->warps = (uint32_t)v[15];
    r->stages = (uint32_t)v[16];
    r->split_kv = (uint32_t)v[17];
    r->regs = (uint32_t)v[19];
    r->median_ms = v[20];
    t->n++;
  }
  fclose(f);
  if (st == SIM_OK && t->n == 0)
    st = sim_diag_set(d, SIM_ERR_SCHEMA, path, 0, 0, "no measured rows");
  if (st != SIM_OK)
    scr_table_free(t);
  return st;
}

void scr_table_free(scr_table *t) {
  sim_free(t->rows);
  t->rows = NULL;
  t->n = 0;
}

/* Kernel launches of a harness stage when its name line does not say (files written before
** nsa_validate --profile printed the count): the selected backward's index stage runs count,
** scan and fill; its dK/dV stage the chunk kernel and two fp32-to-bf16 conversions. */
static unsigned stage_launches(const char *kernel) {
  return strcmp(kernel, "selected_bwd_index") == 0 || strcmp(kernel, "selected_bwd_dkdv") == 0 ? 3u : 1u;
}

/* Grows the array at arrp (elem bytes each) to at least need entries, doubling from first but
** never past max; 0 when more than max are needed or memory runs out. */
static int grow(void *arrp, size_t *cap, size_t need, size_t elem, size_t first, size_t max) {
  if (need <= *cap)
    return 1;
  if (need > max)
    return 0;
  size_t nc = *cap ? *cap : first;
  while (nc < need)
    nc *= 2;
  if (nc > max)
    nc = max;
  void *p;
  memcpy(&p, arrp, sizeof p);
  void *g = sim_realloc_array(p, nc, elem);
  if (!g)
    return 0;
  memcpy(arrp, &g, sizeof g);
  *cap = nc;
  return 1;
}

sim_status scr_read_ncu(const char *path, scr_counters **out, size_t *n, sim_diag *d) {
  *out = NULL;
  *n = 0;
  FILE *f = fopen(path, "r");
  if (!f)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot open");
  static char line[8192];
  scr_counters *c = NULL;
  size_t *owner = NULL; /* launch slot -> counter */
  size_t named = 0, cap = 0, base = 0, nslots = 0, slot_cap = 0;
  int in_rows = 0; /* CSV rows seen since the last name: the next name opens a new block */
  unsigned long lineno = 0;
  sim_status st = SIM_OK;
  while (st == SIM_OK && fgets(line, sizeof line, f)) {
    lineno++;
    char tag[96], kern[48];
    if (line[0] != '"') {
      unsigned launches = 0;
      char third[32] = "";
      int got = strncmp(line, "ncu_", 4) == 0 ? sscanf(line + 4, "%95s %47s %31s", tag, kern, third) : 0;
      if (got < 2 || strstr(kern, "_total"))
        continue;
      /* "ncu_<config> <kernel> <launches>"; older files print the kernel's time third */
      if (got == 3 && strspn(third, "0123456789") == strlen(third))
        launches = (unsigned)strtoul(third, NULL, 10);
      else
        launches = stage_launches(kern);
      if (launches < 1 || launches > 64) {
        st = sim_diag_set(d, SIM_ERR_RANGE, path, lineno, 1, "a stage of %u kernel launches", launches);
        break;
      }
      if (in_rows) {
        base = nslots;
        in_rows = 0;
      }
      if (named + 1 > SCR_MAX_ROWS) {
        st = sim_diag_set(d, SIM_ERR_RANGE, path, lineno, 1, "more than %d profiled kernels", SCR_MAX_ROWS);
        break;
      }
      if (!grow(&owner, &slot_cap, nslots + launches, sizeof *owner, 512, 64u * SCR_MAX_ROWS) ||
          !grow(&c, &cap, named + 1, sizeof *c, 256, SCR_MAX_ROWS)) {
        st = sim_diag_set(d, SIM_ERR_NOMEM, path, lineno, 1, "out of memory");
        break;
      }
      for (unsigned j = 0; j < launches; j++)
        owner[nslots++] = named;
      scr_counters *e = &c[named++];
      memset(e, 0, sizeof *e);
      snprintf(e->config, sizeof e->config, "%s", tag);
      snprintf(e->kernel, sizeof e->kernel, "%s", kern);
      e->time_ns = e->dram_read_bytes = e->dram_write_bytes = NAN;
      e->l2_read_sectors = e->l2_read_hit_sectors = e->l2_write_sectors = NAN;
      e->smem_wavefronts = e->smem_bank_conflicts = e->warps_active_pct = e->tensor_active_pct = NAN;
      continue;
    }
    if (strncmp(line, "\"ID\"", 4) == 0)
      continue;
    /* "ID", ..., "Metric Name","Metric Unit","Metric Value" */
    char *q[32];
    int nq = 0;
    for (char *p = line; *p && nq < 32; p++)
      if (*p == '"') {
        q[nq++] = p + 1;
        char *e = strchr(p + 1, '"');
        if (!e)
          break;
        *e = '\0';
        p = e;
      }
    if (nq < 15)
      continue;
    char *end = NULL;
    long id = strtol(q[0], &end, 10);
    if (*end || id < 0 || base + (size_t)id >= nslots) {
      st = sim_diag_set(d, SIM_ERR_SCHEMA, path, lineno, 1, "counter row for launch %s, but the harness named %zu launches before it",
                        q[0], nslots - base);
      break;
    }
    in_rows = 1;
    char val[64];
    size_t k = 0;
    for (const char *s = q[14]; *s && k + 1 < sizeof val; s++)
      if (*s != ',')
        val[k++] = *s;
    val[k] = '\0';
    double v = strtod(val, NULL);
    scr_counters *e = &c[owner[base + (size_t)id]];
    static const struct {
      const char *metric;
      size_t off;
    } tab[] = {
        {"gpu__time_duration.sum", offsetof(scr_counters, time_ns)},
        {"dram__bytes_read.sum", offsetof(scr_counters, dram_read_bytes)},
        {"dram__bytes_write.sum", offsetof(scr_counters, dram_write_bytes)},
        {"lts__t_sectors_srcunit_tex_op_read.sum", offsetof(scr_counters, l2_read_sectors)},
        {"lts__t_sectors_srcunit_tex_op_read_lookup_hit.sum", offsetof(scr_counters, l2_read_hit_sectors)},
        {"lts__t_sectors_srcunit_tex_op_write.sum", offsetof(scr_counters, l2_write_sectors)},
        {"l1tex__data_pipe_lsu_wavefronts_mem_shared.sum", offsetof(scr_counters, smem_wavefronts)},
        {"l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum", offsetof(scr_counters, smem_bank_conflicts)},
        {"sm__warps_active.avg.pct_of_peak_sustained_active", offsetof(scr_counters, warps_active_pct)},
        {"sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active", offsetof(scr_counters, tensor_active_pct)},
    };
    /* A stage of several launches: sums, and the largest of the percentages. */
    for (size_t t = 0; t < sizeof tab / sizeof tab[0]; t++)
      if (strcmp(q[12], tab[t].metric) == 0) {
        double *x = (double *)((char *)e + tab[t].off);
        int pct = strstr(tab[t].metric, "pct") != NULL;
        *x = isnan(*x) ? v : pct ? fmax(*x, v) : *x + v;
      }
  }
  fclose(f);
  sim_free(owner);
  if (st != SIM_OK) {
    sim_free(c);
    return st;
  }
  *out = c;
  *n = named;
  return SIM_OK;
}
/* }==== */

/* {==== Statistics ==== */
static void ranks_of(const double *x, size_t n, double *r) {
  for (size_t i = 0; i < n; i++) {
    double less = 0, eq = 0;
    for (size_t j = 0; j < n; j++) {
      less += x[j] < x[i];
      eq += x[j] == x[i];
    }
    r[i] = less + (eq + 1) / 2.0; /* ties take the mean rank */
  }
}

static double pearson(const double *a, const double *b, size_t n) {
  double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= (double)n;
  mb /= (double)n;
  for (size_t i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

void scr_stats_of(const double *p, const double *m, size_t n, scr_stats *s) {
  memset(s, 0, sizeof *s);
  s->n = n;
  if (n == 0) {
    s->mape = s->max_abs = s->bias = s->pearson_log = s->spearman = s->within10 = NAN;
    return;
  }
  /* calloc: GCC -O3 cannot see that the loop below fills every entry pearson() reads. */
  double *lp = calloc(n, sizeof *lp), *lm = calloc(n, sizeof *lm);
  double *rp = calloc(n, sizeof *rp), *rm = calloc(n, sizeof *rm);
  for (size_t i = 0; i < n; i++) {
    double e = (p[i] - m[i]) / m[i];
    s->mape += fabs(e);
    s->bias += e;
    if (fabs(e) > s->max_abs)
      s->max_abs = fabs(e);
    s->within10 += fabs(e) <= 0.10;
    if (lp && lm) {
      lp[i] = log(p[i]);
      lm[i] = log(m[i]);
    }
  }
  s->mape /= (double)n;
  s->bias /= (double)n;
  s->within10 /= (double)n;
  s->pearson_log = lp && lm && n > 1 ? pearson(lp, lm, n) : NAN;
  if (rp && rm && n > 1) {
    ranks_of(p, n, rp);
    ranks_of(m, n, rm);
    s->spearman = pearson(rp, rm, n);
  } else {
    s->spearman = NAN;
  }
  free(lp);
  free(lm);
  free(rp);
  free(rm);
}
/* }==== */

/* {==== Configurations ==== */
typedef struct pairing {
  const char *measured, *ours;
  spec_kernel_id map; /* the mapping the measured kernel ran with; SPEC_K_COUNT: none */
} pairing;

static const pairing pairs_tab[] = {
    {"full_fwd", "full.fwd", SPEC_K_FULL},
    {"full_bwd_pre", "full.bwd.pre", SPEC_K_COUNT},
    {"full_bwd_dkdv", "full.bwd.dkdv", SPEC_K_FULL},
    {"full_bwd_dq", "full.bwd.dq", SPEC_K_COUNT},
    {"full_decode", "full.decode", SPEC_K_FULL},
    {"full_decode_combine", "full.decode.combine", SPEC_K_COUNT},
    {"compress", "nsa.compress", SPEC_K_COUNT},
    {"cmp_attn", "nsa.cmp_attn", SPEC_K_CMP_ATTN},
    {"select_scores", "nsa.select_scores", SPEC_K_SELECT_SCORES},
    {"select_topn", "nsa.select_scores", SPEC_K_COUNT},
    {"selected", "nsa.selected", SPEC_K_SELECTED},
    {"window", "nsa.window", SPEC_K_WINDOW},
    /* validate's gate_fused=1: the combine runs in the window kernel's epilogue; the engines model
    ** them apart, so the measured kernel is scored against the sum of the two. */
    {"window_combine", "nsa.window+nsa.combine", SPEC_K_WINDOW},
    {"combine", "nsa.combine", SPEC_K_COUNT},
    {"compress_decode", "nsa.compress.step", SPEC_K_COUNT},
    {"cmp_attn_decode", "nsa.cmp_attn.decode", SPEC_K_CMP_ATTN},
    {"cmp_attn_decode_combine", "nsa.combine.decode", SPEC_K_COUNT},
    {"select_scores_decode", "nsa.select_scores", SPEC_K_COUNT},
    {"selected_decode", "nsa.selected.decode", SPEC_K_SELECTED},
    {"window_decode", "nsa.window.decode", SPEC_K_WINDOW},
    {"combine_decode", "nsa.combine.decode", SPEC_K_COUNT},
    {"selected_bwd_pre", "nsa.selected.bwd.pre", SPEC_K_COUNT},
    {"selected_bwd_dq", "nsa.selected.bwd.dq", SPEC_K_SELECTED},
    {"selected_bwd_index", "nsa.selected.bwd.dkdv", SPEC_K_COUNT},
    {"selected_bwd_dkdv", "nsa.selected.bwd.dkdv", SPEC_K_COUNT},
    {"cmp_bwd_pre", "nsa.cmp_attn.bwd.pre", SPEC_K_COUNT},
    {"cmp_bwd_dkdv", "nsa.cmp_attn.bwd.dkdv", SPEC_K_CMP_ATTN},
    {"cmp_bwd_dkdv_reduce", "nsa.cmp_attn.bwd.dkdv", SPEC_K_COUNT},
    {"cmp_bwd_dq", "nsa.cmp_attn.bwd.dq", SPEC_K_COUNT},
    {"cmp_bwd_compress", "nsa.compress.bwd", SPEC_K_COUNT},
    {"window_bwd_pre", "nsa.window.bwd.pre", SPEC_K_COUNT},
    {"window_bwd_dkdv", "nsa.window.bwd.dkdv", SPEC_K_WINDOW},
    {"window_bwd_dq", "nsa.window.bwd.dq", SPEC_K_COUNT},
    /* The fused decode (validate/kernels/nsa_decode.cu): its rows make build() set
    ** kernel.cmp_attn.design fused. The selection's CTA is fixed (256 threads): no mapping; the
    ** branch grid's row carries the group mapping both branches run (kernel.selected's). */
    {"dec_cmp_fused", "nsa.decode.cmp", SPEC_K_CMP_ATTN},
    {"dec_select_fused", "nsa.decode.select", SPEC_K_COUNT},
    {"dec_branches_fused", "nsa.decode.branches", SPEC_K_SELECTED},
    /* The same three with the lean group body (grp_lean=1): rows of design fused_lean, which make
    ** build() set fused_lean. The two-launch step (dec_fused=2): the selection runs at the end of
    ** the compressed kernel, so its row carries cmp_attn's mapping; build() sets fused2. */
    {"dec2_cmp_select", "nsa.decode.cmp_select", SPEC_K_CMP_ATTN},
    {"dec2_branches", "nsa.decode.branches", SPEC_K_SELECTED},
    /* The step v3 (dec_fused=3): fused_lean's three kernels (the selection's top-n by radix select,
    ** the branch merge shared by a pair's CTAs); build() sets fused3. */
    {"dec3_cmp", "nsa.decode.cmp", SPEC_K_CMP_ATTN},
    {"dec3_select", "nsa.decode.select", SPEC_K_COUNT},
    {"dec3_branches", "nsa.decode.branches", SPEC_K_SELECTED},
    /* The step v4 (dec_fused=4): v3's three kernels with the top-n from per-warp thresholds, the
    ** selection without the o_cmp merge and the branch merge merging the compressed splits too;
    ** build() sets fused4. Each row is its kernel timed alone (no per-pair flags). */
    {"dec4_cmp", "nsa.decode.cmp", SPEC_K_CMP_ATTN},
    {"dec4_select", "nsa.decode.select", SPEC_K_COUNT},
    {"dec4_branches", "nsa.decode.branches", SPEC_K_SELECTED},
};

/* Predicted time of kernel `ours`, or of the sum "a+b" of several; -1 when one is missing. */
static double predicted_time(const sim_pipeline *p, const char *ours) {
  double t = 0;
  for (const char *a = ours; *a;) {
    const char *e = strchr(a, '+');
    size_t len = e ? (size_t)(e - a) : strlen(a);
    double one = -1;
    for (size_t k = 0; k < p->nkernels; k++)
      if (strlen(p->kernels[k].name) == len && strncmp(p->kernels[k].name, a, len) == 0)
        one = p->kernels[k].time_s;
    if (one <= 0)
      return -1;
    t += one;
    a += len + (e != NULL);
  }
  return t;
}

static const pairing *pairing_of(const char *k) {
  for (size_t i = 0; i < sizeof pairs_tab / sizeof pairs_tab[0]; i++)
    if (strcmp(pairs_tab[i].measured, k) == 0)
      return &pairs_tab[i];
  return NULL;
}

/* A name of the fused NSA decode's form: decN_... (a step version) or dec_..._fused. */
static int fused_decode_name(const char *k) {
  if (strncmp(k, "dec", 3) == 0 && k[3] >= '0' && k[3] <= '9') {
    const char *u = k + 3;
    while (*u >= '0' && *u <= '9')
      u++;
    return *u == '_' && u[1] != '\0';
  }
  return strncmp(k, "dec_", 4) == 0 && strlen(k) > 10 && strcmp(k + strlen(k) - 6, "_fused") == 0;
}

/* A kernel of the fused NSA decode: dec_cmp_fused, dec_select_fused, dec_branches_fused (1), or of
** its two-launch step: dec2_cmp_select, dec2_branches (2), or of the step v3: dec3_cmp, dec3_select,
** dec3_branches (4), or of the step v4: dec4_cmp, dec4_select, dec4_branches (8; a bit each of its
** own for build()); 0 otherwise, also for a name of that form no design models (score_config
** refuses those: a silent default would score another pipeline). */
static int fused_decode_kernel(const char *k) {
  if (!fused_decode_name(k) || !pairing_of(k))
    return 0;
  if (strncmp(k, "dec2_", 5) == 0)
    return 2;
  if (strncmp(k, "dec3_", 5) == 0)
    return 4;
  if (strncmp(k, "dec4_", 5) == 0)
    return 8;
  return 1;
}

/* The branch grid's kernel, whose split_kv counts both branches' CTAs. */
static int fused_branch_kernel(const char *k) {
  return strcmp(k, "dec_branches_fused") == 0 || strcmp(k, "dec2_branches") == 0 || strcmp(k, "dec3_branches") == 0 ||
         strcmp(k, "dec4_branches") == 0;
}

/* Whether a profiled kernel's traffic counts toward predicted kernel `ours`: the top-n is summed
** with the scores for time, but its bytes (the scores read back) are not the scores kernel's. */
static int counts_toward(const scr_counters *c, const char *ours) {
  const pairing *q = pairing_of(c->kernel);
  return q && strcmp(q->ours, ours) == 0 && strcmp(c->kernel, "select_topn") != 0;
}

typedef struct sample {
  char config[96], kernel[48];
  int engine;      /* 0 model, 1 sim */
  int total;       /* a pipeline total rather than one kernel */
  int calib;       /* the config set an arch constant: reported apart */
  double pred_s, meas_s;
} sample;

typedef struct cfg {
  const scr_row *first;
  size_t n;
  int nsa;
  spec_phase phase;
  double total_ms;   /* measured pipeline total (0: none) */
  size_t tab;        /* the measurement file it came from (a device call) */
  double pred_total[2];
  int scored[2];
  /* each engine's predicted traffic per predicted kernel, for the ncu comparison */
  struct {
    char name[48];
    double hbm_read, l2_read;
  } pk[2][40];
  size_t npk[2];
} cfg;

typedef struct ctx {
  const scr_opts *o;
  spec_arch arch;
  spec_source *as, *asc;
  spec_workload nsa, full;
  spec_source *nws, *fws, *wsc;
  sample *s;
  size_t ns, cap;
  char notes[16384];
  size_t nnotes;
  sim_diag *d;
} ctx;

static void note(ctx *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#include <stdarg.h>
static void note(ctx *c, const char *fmt, ...) {
  if (c->nnotes + 256 >= sizeof c->notes)
    return;
  va_list ap;
  va_start(ap, fmt);
  c->nnotes += (size_t)vsnprintf(c->notes + c->nnotes, sizeof c->notes - c->nnotes, fmt, ap);
  va_end(ap);
}

static int add_sample(ctx *c, const sample *s) {
  if (c->ns == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 256;
    sample *p = sim_realloc_array(c->s, cap, sizeof *p);
    if (!p)
      return 0;
    c->s = p;
    c->cap = cap;
  }
  c->s[c->ns++] = *s;
  return 1;
}

/* Sets the config's shapes and mappings on a copy of the base workload. */
static sim_status build(ctx *c, const cfg *g, int with_mapping, spec_arch *a, spec_workload *w) {
  const scr_row *r = g->first;
  spec_source *base = g->nsa ? c->nws : c->fws;
  *a = c->arch;
  *w = g->nsa ? c->nsa : c->full;
  spec_source_free(c->wsc);
  c->wsc = spec_source_clone(base);
  spec_source_truncate(c->asc, spec_source_marks(c->as));
  if (!c->wsc)
    return sim_diag_set(c->d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  char kv[80][96];
  size_t n = 0;
  static const char *const ph[] = {"fwd", "bwd", "decode"};
  snprintf(kv[n++], 96, "problem.phase=%s", ph[g->phase]);
  snprintf(kv[n++], 96, "problem.batch=%u", r->batch);
  snprintf(kv[n++], 96, "problem.seq_len=%llu", (unsigned long long)r->seq_len);
  snprintf(kv[n++], 96, "problem.heads_q=%u", r->heads_q);
  snprintf(kv[n++], 96, "problem.heads_kv=%u", r->heads_kv);
  snprintf(kv[n++], 96, "problem.head_dim_qk=%u", r->d_qk);
  snprintf(kv[n++], 96, "problem.head_dim_v=%u", r->d_v);
  if (g->nsa) {
    snprintf(kv[n++], 96, "attention.compression.block=%u", r->l);
    snprintf(kv[n++], 96, "attention.compression.stride=%u", r->d);
    int mlp = 0;
    for (size_t i = 0; i < g->n; i++)
      mlp |= strcmp(g->first[i].design, "mlp") == 0;
    snprintf(kv[n++], 96, "attention.compression.method=%s", mlp ? "mlp" : "mean");
    snprintf(kv[n++], 96, "attention.selection.block=%u", r->lp);
    snprintf(kv[n++], 96, "attention.selection.count=%u", r->n);
    snprintf(kv[n++], 96, "attention.selection.pattern=uniform");
    snprintf(kv[n++], 96, "attention.window=%u", r->w);
  }
  /* The validate/ kernels issue warp-level mma.sync. */
  for (int k = 0; k < SPEC_K_COUNT; k++)
    snprintf(kv[n++], 96, "kernel.%s.mma=sync", spec_kernel_name((spec_kernel_id)k));
  /* The fused decode is the pipeline that ran, whatever its mapping. */
  /* fused4, fused3 or fused2 when their kernels ran; fused_lean when the three kernels ran the lean body (their
  ** attention rows' design column says so; the selection's row keeps fused). */
  int fused = 0, lean = 0;
  for (size_t i = 0; g->nsa && g->phase == SPEC_PHASE_DECODE && i < g->n; i++) {
    fused |= fused_decode_kernel(g->first[i].kernel);
    lean |= fused_decode_kernel(g->first[i].kernel) && strcmp(g->first[i].design, "fused_lean") == 0;
  }
  if (fused)
    snprintf(kv[n++], 96, "kernel.cmp_attn.design=%s",
             fused & 8   ? "fused4"
             : fused & 4 ? "fused3"
             : fused & 2 ? "fused2"
             : lean      ? "fused_lean"
                         : "fused");
  for (size_t i = 0; with_mapping && i < g->n; i++) {
    const scr_row *k = &g->first[i];
    const pairing *p = pairing_of(k->kernel);
    if (!p || p->map == SPEC_K_COUNT || k->block_m == 0 || n + 8 > 80)
      continue;
    const char *m = spec_kernel_name(p->map);
    snprintf(kv[n++], 96, "kernel.%s.block_m=%u", m, k->block_m);
    snprintf(kv[n++], 96, "kernel.%s.block_n=%u", m, k->block_n);
    snprintf(kv[n++], 96, "kernel.%s.warps=%u", m, k->warps);
    snprintf(kv[n++], 96, "kernel.%s.stages=%u", m, k->stages);
    if (k->regs)
      snprintf(kv[n++], 96, "kernel.%s.regs_per_thread=%u", m, k->regs);
    if (g->phase == SPEC_PHASE_DECODE && k->split_kv && fused_branch_kernel(k->kernel)) {
      /* The branch grid's split_kv is its CTAs per (sequence, KV head), both branches together;
      ** validate/harness/val_main.c shares them in proportion to each branch's 64-key tiles (n l'/64
      ** selected, w/64 + 1 window), and so does this, which recovers the harness's own split
      ** unless a config set split_kv (then each branch ran split_kv). */
      uint64_t ts = (uint64_t)k->n * (k->lp / 64u), tw = (k->w + 63u) / 64u + 1u;
      uint64_t ss = (uint64_t)k->split_kv * ts / (ts + tw);
      if (ss > ts)
        ss = ts;
      if (ss < 1)
        ss = 1;
      uint64_t sw = k->split_kv > ss ? k->split_kv - ss : 1;
      snprintf(kv[n++], 96, "kernel.selected.split_kv=%llu", (unsigned long long)ss);
      snprintf(kv[n++], 96, "kernel.window.split_kv=%llu", (unsigned long long)sw);
    } else if (g->phase == SPEC_PHASE_DECODE && k->split_kv) {
      snprintf(kv[n++], 96, "kernel.%s.split_kv=%u", m, k->split_kv);
    }
    /* The union kernel as it ran: plain, or with the lean producer (grp_lean=1). */
    if (p->map == SPEC_K_SELECTED &&
        (strcmp(k->design, "group_union") == 0 || strcmp(k->design, "group_union_lean") == 0))
      snprintf(kv[n++], 96, "kernel.selected.design=%s", k->design);
  }
  /* The validation backward's dK/dV kernel walks every head of the group in one CTA per KV tile
  ** and KV head (validate/kernels/attn_bwd.cu): design group. */
  static const struct {
    const char *measured, *key;
  } walkers[] = {{"full_bwd_dkdv", "kernel.full.design=group"},
                 {"cmp_bwd_dkdv", "kernel.cmp_attn.design=group"},
                 {"window_bwd_dkdv", "kernel.window.design=group"}};
  for (size_t i = 0; g->phase == SPEC_PHASE_BWD && i < g->n; i++)
    for (size_t j = 0; j < sizeof walkers / sizeof walkers[0] && n < 80; j++)
      if (strcmp(g->first[i].kernel, walkers[j].measured) == 0)
        snprintf(kv[n++], 96, "%s", walkers[j].key);
  /* The mean pool runs one thread per 16 bytes of output in CTAs of 256 threads, so a CTA holds
  ** 2048 / (d_qk + d_v) compressed rows of K and V (validate/kernels/nsa_compress.cu). */
  for (size_t i = 0; with_mapping && g->nsa && i < g->n && n + 2 <= 80; i++)
    if (strcmp(g->first[i].kernel, "compress") == 0 && strcmp(g->first[i].design, "elementwise") == 0) {
      unsigned bm = 2048u / (r->d_qk + r->d_v);
      snprintf(kv[n++], 96, "kernel.compress.block_m=%u", bm ? bm : 1u);
      snprintf(kv[n++], 96, "kernel.compress.warps=8");
      break;
    }
  /* The MLP compression runs its own grid (model/nsa.c); the registers it ran with bound its CTAs
  ** per SM. */
  for (size_t i = 0; with_mapping && g->nsa && i < g->n && n + 1 <= 80; i++)
    if ((strcmp(g->first[i].kernel, "compress") == 0 || strcmp(g->first[i].kernel, "compress_decode") == 0) &&
        strcmp(g->first[i].design, "mlp") == 0 && g->first[i].regs) {
      snprintf(kv[n++], 96, "kernel.compress.regs_per_thread=%u", g->first[i].regs);
      break;
    }
  sim_status st = SIM_OK;
  for (size_t i = 0; i < n && st == SIM_OK; i++) {
    char *eq = strchr(kv[i], '=');
    *eq = '\0';
    st = spec_point_set(a, c->asc, w, c->wsc, kv[i], eq + 1, c->d);
  }
  if (st == SIM_OK)
    st = spec_point_check(a, c->asc, w, c->wsc, c->d);
  return st;
}

static int is_calibration(const ctx *c, const char *id) {
  const char *l = c->o->calibration;
  size_t n = strlen(id);
  while (l && *l) {
    const char *e = strchr(l, ',');
    size_t len = e ? (size_t)(e - l) : strlen(l);
    if (len == n && strncmp(l, id, n) == 0)
      return 1;
    l = e ? e + 1 : NULL;
  }
  return 0;
}

static sim_status score_config(ctx *c, cfg *g) {
  spec_arch a;
  spec_workload w;
  sim_diag_clear(c->d);
  /* A fused decode kernel no design models would be scored as another pipeline: refuse it. */
  for (size_t i = 0; i < g->n; i++)
    if (fused_decode_name(g->first[i].kernel) && !pairing_of(g->first[i].kernel))
      return sim_diag_set(c->d, SIM_ERR_SCHEMA, "", 0, 0,
                          "config '%s': kernel '%s' is a fused NSA decode kernel that no engine design models "
                          "(sim/score/score.c pairs it with none)",
                          g->first->config, g->first[i].kernel);
  sim_status st = build(c, g, 1, &a, &w);
  if (st != SIM_OK) {
    note(c, "- `%s`: the measured mapping does not load (%s); scored with the default mapping\n",
         g->first->config, c->d->msg);
    sim_diag_clear(c->d);
    st = build(c, g, 0, &a, &w);
    if (st != SIM_OK) {
      note(c, "- `%s`: not scored: %s\n", g->first->config, c->d->msg);
      sim_diag_clear(c->d);
      return SIM_OK;
    }
  }
  static sim_result r;
  for (int e = 0; e < 2; e++) {
    if ((e == 0 && !c->o->model) || (e == 1 && !c->o->sim))
      continue;
    if (e == 1 && g->first->seq_len > c->o->sim_max_seq)
      continue;
    if (e == 0)
      st = mdl_run(&a, &w, &r, c->d);
    else {
      cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
      st = cyc_run(&a, &w, &co, &r, c->d);
    }
    if (st != SIM_OK) {
      note(c, "- `%s`: the %s engine failed: %s\n", g->first->config, e ? "sim" : "model", c->d->msg);
      sim_diag_clear(c->d);
      continue;
    }
    g->scored[e] = 1;
    g->pred_total[e] = r.main.total_time_s;
    g->npk[e] = 0;
    for (size_t k = 0; k < r.main.nkernels && g->npk[e] < sizeof g->pk[e] / sizeof g->pk[e][0]; k++) {
      snprintf(g->pk[e][g->npk[e]].name, sizeof g->pk[e][0].name, "%s", r.main.kernels[k].name);
      g->pk[e][g->npk[e]].hbm_read = (double)r.main.kernels[k].hbm_read_bytes;
      g->pk[e][g->npk[e]].l2_read = (double)r.main.kernels[k].l2_read_bytes;
      g->npk[e]++;
    }
    /* Sum measured kernels per predicted kernel, in measured order. */
    for (size_t i = 0; i < g->n; i++) {
      const pairing *p = pairing_of(g->first[i].kernel);
      if (!p)
        continue;
      int seen = 0;
      for (size_t j = 0; j < i; j++) {
        const pairing *q = pairing_of(g->first[j].kernel);
        seen |= q && strcmp(q->ours, p->ours) == 0;
      }
      if (seen)
        continue;
      double meas = 0;
      for (size_t j = i; j < g->n; j++) {
        const pairing *q = pairing_of(g->first[j].kernel);
        if (q && strcmp(q->ours, p->ours) == 0)
          meas += g->first[j].median_ms * 1e-3;
      }
      const double pred = predicted_time(&r.main, p->ours);
      if (pred <= 0 || meas <= 0)
        continue;
      sample s;
      memset(&s, 0, sizeof s);
      snprintf(s.config, sizeof s.config, "%s", g->first->config);
      snprintf(s.kernel, sizeof s.kernel, "%s", p->ours);
      s.engine = e;
      s.calib = is_calibration(c, g->first->config);
      s.pred_s = pred;
      s.meas_s = meas;
      if (!add_sample(c, &s))
        return sim_diag_set(c->d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
    }
    /* Pipeline totals: the NSA selected backward is measured alone. */
    if (g->total_ms > 0 && !(g->nsa && g->phase == SPEC_PHASE_BWD)) {
      sample s;
      memset(&s, 0, sizeof s);
      snprintf(s.config, sizeof s.config, "%s", g->first->config);
      snprintf(s.kernel, sizeof s.kernel, "%s", g->nsa ? "nsa (pipeline)" : "full (pipeline)");
      s.engine = e;
      s.total = 1;
      s.calib = is_calibration(c, g->first->config);
      s.pred_s = r.main.total_time_s;
      s.meas_s = g->total_ms * 1e-3;
      if (!add_sample(c, &s))
        return sim_diag_set(c->d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
    }
  }
  return SIM_OK;
}
/* }==== */

/* {==== Running, printing ==== */
/* calib: 0 held out, 1 calibration configs. */
static void stats_for(const ctx *c, int engine, int total, const char *kernel, int calib, scr_stats *s) {
  double *p = malloc((c->ns + 1) * sizeof *p), *m = malloc((c->ns + 1) * sizeof *m);
  size_t n = 0;
  for (size_t i = 0; p && m && i < c->ns; i++)
    if (c->s[i].engine == engine && c->s[i].total == total && c->s[i].calib == calib &&
        (!kernel || strcmp(kernel, c->s[i].kernel) == 0)) {
      p[n] = c->s[i].pred_s;
      m[n] = c->s[i].meas_s;
      n++;
    }
  scr_stats_of(p, m, n, s);
  free(p);
  free(m);
}

/* The traffic samples' statistics (pred[i] against meas[i]) over those with cal[i] == 0, as
** stats_for() does for the times: calibration configs are reported apart. */
static void traffic_stats(const double *pred, const double *meas, const unsigned char *cal, size_t ntr,
                          scr_stats *s) {
  double *p = malloc((ntr + 1) * sizeof *p), *m = malloc((ntr + 1) * sizeof *m);
  size_t n = 0;
  for (size_t i = 0; p && m && i < ntr; i++)
    if (!cal[i]) {
      p[n] = pred[i];
      m[n] = meas[i];
      n++;
    }
  scr_stats_of(p, m, n, s);
  free(p);
  free(m);
}

static void print_stats_row(FILE *out, const char *what, const scr_stats *s, int md) {
  if (md)
    fprintf(out, "| %s | %zu | %.1f%% | %.1f%% | %+.1f%% | %.3f | %.3f | %.0f%% |\n", what, s->n,
            100 * s->mape, 100 * s->max_abs, 100 * s->bias, s->pearson_log, s->spearman, 100 * s->within10);
  else
    fprintf(out, "  %-40s %5zu %8.1f%% %8.1f%% %+8.1f%% %8.3f %8.3f %7.0f%%\n", what, s->n, 100 * s->mape,
            100 * s->max_abs, 100 * s->bias, s->pearson_log, s->spearman, 100 * s->within10);
}

/* The summary rows, per engine: kernel and pipeline time (held out, calibration), and traffic
** against ncu; a table on a terminal, Markdown in a report. */
static void print_summary(FILE *f, const scr_stats ks[2], const scr_stats ts[2], const scr_stats cs[2],
                          const scr_stats dr[2], const scr_stats l2[2], int md) {
  static const char *const en[2] = {"model", "sim"};
  for (int e = 0; e < 2; e++) {
    if (!ks[e].n)
      continue;
    const struct {
      const char *what;
      const scr_stats *s;
    } rows[] = {{"kernel time, held out", &ks[e]}, {"pipeline time, held out", &ts[e]},
                {"kernel time, calibration", cs[e].n ? &cs[e] : NULL}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
      if (rows[i].s) {
        char what[64];
        snprintf(what, sizeof what, "%s: %s", en[e], rows[i].what);
        print_stats_row(f, what, rows[i].s, md);
      }
  }
  for (int e = 0; e < 2; e++)
    if (dr[e].n) {
      char what[64];
      snprintf(what, sizeof what, "%s: DRAM read bytes (ncu), held out", en[e]);
      print_stats_row(f, what, &dr[e], md);
      snprintf(what, sizeof what, "%s: L2 read bytes (ncu), held out", en[e]);
      print_stats_row(f, what, &l2[e], md);
    }
}

static void stats_json(jsonw *w, const char *key, const scr_stats *s) {
  jsonw_obj_begin(w, key);
  jsonw_u64(w, "n", s->n);
  jsonw_num(w, "mape", s->mape);
  jsonw_num(w, "max_abs_error", s->max_abs);
  jsonw_num(w, "bias", s->bias);
  jsonw_num(w, "pearson_log", s->pearson_log);
  jsonw_num(w, "spearman", s->spearman);
  jsonw_num(w, "within_10pct", s->within10);
  jsonw_obj_end(w);
}

typedef struct speedup {
  char nsa[96], full[96];
  double meas, pred[2];
  int have[2];
} speedup;

static int same_shape(const scr_row *a, const scr_row *b) {
  return a->batch == b->batch && a->seq_len == b->seq_len && a->heads_q == b->heads_q &&
         a->heads_kv == b->heads_kv && a->d_qk == b->d_qk && a->d_v == b->d_v;
}

sim_status scr_run(const char *const *files, size_t nfiles, const scr_opts *o, FILE *out,
                   double mape[2], sim_diag *d) {
  static ctx c;
  memset(&c, 0, sizeof c);
  c.o = o;
  c.d = d;
  mape[0] = mape[1] = NAN;
  scr_table tabs[16];
  size_t ntab = 0;
  sim_status st = SIM_OK;
  if (nfiles > 16)
    return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "at most 16 measurement files");
  for (size_t i = 0; i < nfiles && st == SIM_OK; i++)
    if ((st = scr_read_csv(files[i], &tabs[i], d)) == SIM_OK)
      ntab++;
  if (st == SIM_OK)
    st = spec_load_arch(o->arch_name, NULL, o->arch_text, NULL, 0, &c.arch, &c.as, d);
  if (st == SIM_OK)
    st = spec_load_workload("nsa", NULL, o->nsa_text, NULL, 0, &c.nsa, &c.nws, d);
  if (st == SIM_OK)
    st = spec_load_workload("full", NULL, o->full_text, NULL, 0, &c.full, &c.fws, d);
  if (st == SIM_OK && !(c.asc = spec_source_clone(c.as)))
    st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  /* Configurations: runs of rows with one config id. */
  cfg *cf = NULL;
  size_t ncf = 0;
  for (size_t t = 0; st == SIM_OK && t < ntab; t++)
    for (size_t i = 0; i < tabs[t].n;) {
      size_t j = i;
      while (j < tabs[t].n && strcmp(tabs[t].rows[j].config, tabs[t].rows[i].config) == 0)
        j++;
      cfg *g2 = sim_realloc_array(cf, ncf + 1, sizeof *cf);
      if (!g2) {
        st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
        break;
      }
      cf = g2;
      cfg *g = &cf[ncf++];
      memset(g, 0, sizeof *g);
      g->first = &tabs[t].rows[i];
      g->n = j - i;
      g->tab = t;
      g->nsa = strncmp(g->first->kernel, "full_", 5) != 0;
      g->phase = SPEC_PHASE_FWD;
      for (size_t k = i; k < j; k++) {
        const char *kn = tabs[t].rows[k].kernel;
        if (strstr(kn, "decode") || fused_decode_kernel(kn))
          g->phase = SPEC_PHASE_DECODE;
        else if (strstr(kn, "bwd"))
          g->phase = SPEC_PHASE_BWD;
        if (strstr(kn, "_total"))
          g->total_ms = tabs[t].rows[k].median_ms;
      }
      if (g->total_ms == 0 && g->n == 1) /* a one-kernel pipeline (full forward) */
        g->total_ms = g->first->median_ms;
      i = j;
    }
  for (size_t i = 0; st == SIM_OK && i < ncf; i++)
    st = score_config(&c, &cf[i]);
  /* NSA/full pairs of one shape and phase: speedups, against the full config of the same
  ** measurement file when it has one (the same device call, the same kernel versions: a full
  ** config measured in another run may be an older build of its kernels), else the first. */
  speedup *sp = st == SIM_OK ? sim_calloc(ncf + 1, sizeof *sp) : NULL;
  size_t nsp = 0;
  for (size_t i = 0; sp && i < ncf; i++) {
    if (!cf[i].nsa || cf[i].phase == SPEC_PHASE_BWD || cf[i].total_ms <= 0)
      continue;
    size_t jf = ncf;
    for (size_t j = 0; j < ncf; j++)
      if (!cf[j].nsa && cf[j].phase == cf[i].phase && cf[j].total_ms > 0 && same_shape(cf[i].first, cf[j].first) &&
          (jf == ncf || (cf[j].tab == cf[i].tab && cf[jf].tab != cf[i].tab)))
        jf = j;
    if (jf == ncf)
      continue;
    speedup *s = &sp[nsp++];
    snprintf(s->nsa, sizeof s->nsa, "%s", cf[i].first->config);
    snprintf(s->full, sizeof s->full, "%s", cf[jf].first->config);
    s->meas = cf[jf].total_ms / cf[i].total_ms;
    for (int e = 0; e < 2; e++)
      if ((s->have[e] = cf[i].scored[e] && cf[jf].scored[e]))
        s->pred[e] = cf[jf].pred_total[e] / cf[i].pred_total[e];
  }
  /* Counters (ncu) against each engine's traffic: a profiled kernel joins its measured config by
  ** id; measured kernels that one predicted kernel stands for are summed (as for time). */
  scr_counters *cnt = NULL;
  size_t ncnt = 0;
  for (size_t f = 0; st == SIM_OK && f < o->n_ncu; f++) {
    scr_counters *one = NULL;
    size_t none = 0;
    if (scr_read_ncu(o->ncu_path[f], &one, &none, d) != SIM_OK) {
      st = d->status;
      break;
    }
    scr_counters *all = none ? sim_realloc_array(cnt, ncnt + none, sizeof *cnt) : cnt;
    if (none && !all) {
      sim_free(one);
      st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
      break;
    }
    if (none)
      memcpy(all + ncnt, one, none * sizeof *one);
    cnt = all;
    ncnt += none;
    sim_free(one);
  }
  double *tr[2][4] = {{NULL}}; /* [engine][dram pred, dram meas, l2 pred, l2 meas] */
  char (*tr_name[2])[96] = {NULL, NULL}; /* [engine][sample]: config and kernel */
  for (int e = 0; e < 2 && st == SIM_OK; e++)
    tr_name[e] = sim_calloc(ncnt + 1, sizeof *tr_name[e]);
  size_t ntr[2] = {0, 0};
  for (int e = 0; e < 2; e++)
    for (int j = 0; j < 4; j++)
      tr[e][j] = st == SIM_OK ? sim_calloc(ncnt + 1, sizeof(double)) : NULL;
  /* Whether a traffic sample is of a calibration config: those set an arch constant (some from
  ** these very counters), so the traffic statistics, like the times', are of the held-out rest. */
  unsigned char *tr_cal[2] = {NULL, NULL};
  for (int e = 0; e < 2 && st == SIM_OK; e++)
    tr_cal[e] = sim_calloc(ncnt + 1, 1);
  for (size_t k = 0; st == SIM_OK && k < ncnt; k++) {
    const pairing *p = pairing_of(cnt[k].kernel);
    if (!p || !counts_toward(&cnt[k], p->ours) || !tr_name[0] || !tr_name[1] || !tr[1][3] || !tr_cal[0] ||
        !tr_cal[1])
      continue;
    /* One profiled run of a config is a contiguous run of launches (a config measured in two
    ** files is profiled twice: two runs, two samples); the first measured kernel of a predicted
    ** one opens the sum over that run. */
    size_t r0 = k, r1 = k;
    while (r0 > 0 && strcmp(cnt[r0 - 1].config, cnt[k].config) == 0)
      r0--;
    while (r1 + 1 < ncnt && strcmp(cnt[r1 + 1].config, cnt[k].config) == 0)
      r1++;
    int first = 1;
    for (size_t j = r0; j < k; j++)
      if (counts_toward(&cnt[j], p->ours))
        first = 0;
    if (!first)
      continue;
    double dram = 0, l2 = 0;
    for (size_t j = k; j <= r1; j++)
      if (counts_toward(&cnt[j], p->ours)) {
        dram += cnt[j].dram_read_bytes;
        l2 += cnt[j].l2_read_sectors * 32.0;
      }
    const cfg *g = NULL;
    for (size_t i = 0; i < ncf && !g; i++)
      if (strcmp(cf[i].first->config, cnt[k].config) == 0)
        g = &cf[i];
    if (!g || !(dram > 0) || !(l2 > 0))
      continue;
    for (int e = 0; e < 2; e++) {
      if (!g->scored[e])
        continue;
      for (size_t q = 0; q < g->npk[e]; q++)
        if (strcmp(g->pk[e][q].name, p->ours) == 0 && g->pk[e][q].l2_read > 0) {
          size_t i = ntr[e]++;
          tr[e][0][i] = g->pk[e][q].hbm_read;
          tr[e][1][i] = dram;
          tr[e][2][i] = g->pk[e][q].l2_read;
          tr[e][3][i] = l2;
          tr_cal[e][i] = (unsigned char)is_calibration(&c, cnt[k].config);
          snprintf(tr_name[e][i], sizeof tr_name[e][i], "%.50s %.30s%s", cnt[k].config, p->ours,
                   tr_cal[e][i] ? " (calibration)" : "");
          break;
        }
    }
  }
  if (st == SIM_OK) {
    scr_stats ks[2], ts[2], cs[2], dr[2], l2[2];
    for (int e = 0; e < 2; e++) {
      stats_for(&c, e, 0, NULL, 0, &ks[e]);
      stats_for(&c, e, 1, NULL, 0, &ts[e]);
      stats_for(&c, e, 0, NULL, 1, &cs[e]);
      if (ks[e].n)
        mape[e] = ks[e].mape;
    }
    for (int e = 0; e < 2; e++) { /* held out only; the tables below list every sample */
      traffic_stats(tr[e][0], tr[e][1], tr_cal[e], ntr[e], &dr[e]);
      traffic_stats(tr[e][2], tr[e][3], tr_cal[e], ntr[e], &l2[e]);
    }
    static const char *const en[2] = {"model", "sim"};
    if (o->json_path) {
      jsonw w;
      jsonw_init(&w, out, 1);
      jsonw_obj_begin(&w, NULL);
      jsonw_str(&w, "arch", c.arch.name);
      jsonw_u64(&w, "configs", ncf);
      jsonw_str(&w, "calibration_configs", o->calibration ? o->calibration : "");
      for (int e = 0; e < 2; e++) {
        if (!ks[e].n)
          continue;
        jsonw_obj_begin(&w, en[e]);
        stats_json(&w, "kernel_time", &ks[e]);
        stats_json(&w, "pipeline_time", &ts[e]);
        stats_json(&w, "calibration_kernel_time", &cs[e]);
        jsonw_obj_end(&w);
      }
      jsonw_u64(&w, "ncu_kernels", ncnt);
      stats_json(&w, "dram_read_bytes_model", &dr[0]);
      stats_json(&w, "l2_read_bytes_model", &l2[0]);
      stats_json(&w, "dram_read_bytes_sim", &dr[1]);
      stats_json(&w, "l2_read_bytes_sim", &l2[1]);
      jsonw_arr_begin(&w, "speedups");
      for (size_t i = 0; i < nsp; i++) {
        jsonw_obj_begin(&w, NULL);
        jsonw_str(&w, "nsa", sp[i].nsa);
        jsonw_str(&w, "full", sp[i].full);
        jsonw_num(&w, "measured", sp[i].meas);
        for (int e = 0; e < 2; e++)
          if (sp[i].have[e]) {
            char k[32];
            snprintf(k, sizeof k, "%s", en[e]);
            jsonw_num(&w, k, sp[i].pred[e]);
          }
        jsonw_obj_end(&w);
      }
      jsonw_arr_end(&w);
      jsonw_arr_begin(&w, "samples");
      for (size_t i = 0; i < c.ns; i++) {
        jsonw_obj_begin(&w, NULL);
        jsonw_str(&w, "config", c.s[i].config);
        jsonw_str(&w, "kernel", c.s[i].kernel);
        jsonw_str(&w, "engine", en[c.s[i].engine]);
        jsonw_num(&w, "predicted_s", c.s[i].pred_s);
        jsonw_num(&w, "measured_s", c.s[i].meas_s);
        jsonw_obj_end(&w);
      }
      jsonw_arr_end(&w);
      jsonw_obj_end(&w);
    } else {
      fprintf(out, "nsasim validate: %zu measured configurations on %s; calibration (set an arch constant, reported apart): %s\n\n",
              ncf, c.arch.name, o->calibration && *o->calibration ? o->calibration : "none");
      fprintf(out, "  %-40s %5s %9s %9s %9s %8s %8s %8s\n", "engine / metric", "n", "MAPE", "max|err|", "bias", "r(log)", "rho", "<=10%");
      print_summary(out, ks, ts, cs, dr, l2, 0);
      if (nsp) {
        fprintf(out, "\n  NSA over full attention, same shape:\n  %-28s %9s %9s %9s\n", "NSA config", "measured", "model", "sim");
        for (size_t i = 0; i < nsp; i++)
          fprintf(out, "  %-28s %8.2fx %8.2fx %8s%s\n", sp[i].nsa, sp[i].meas, sp[i].have[0] ? sp[i].pred[0] : NAN,
                  sp[i].have[1] ? "" : "-", (sp[i].have[0] && (sp[i].pred[0] > 1) != (sp[i].meas > 1)) ? "  (ranked wrong)" : "");
      }
      if (c.nnotes)
        fprintf(out, "\nnotes:\n%s", c.notes);
    }
    if (o->report) {
      char path[1024];
      snprintf(path, sizeof path, "%s.md", o->report);
      FILE *md = fopen(path, "w");
      mkdir(o->report, 0755);
      if (!md) {
        st = sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot write");
      } else {
        const char *stem = strrchr(o->report, '/') ? strrchr(o->report, '/') + 1 : o->report;
        fprintf(md, "# Predicted against measured on the %s\n\nRegenerate with `%s`.\n\n"
                    "%zu measured configurations (`reports/measurements/h200/`, provenance beside them). "
                    "Calibration configs (they set an arch constant; reported apart from the held-out rest): %s. "
                    "The arch's other constants come from microbenchmarks (a bf16 GEMM, device reads, empty launches), "
                    "not from these kernels. Statistics are of relative errors (predicted / measured - 1).\n\n"
                    "| engine: metric | n | MAPE | max abs | bias | Pearson r (log) | Spearman rho | within 10%% |\n|---|---|---|---|---|---|---|---|\n",
                c.arch.name, o->command, ncf, o->calibration && *o->calibration ? o->calibration : "none");
        print_summary(md, ks, ts, cs, dr, l2, 1);
        fprintf(md, "\n![predicted vs measured](%s/pred-vs-meas.png)\n\n![error by kernel](%s/error-by-kernel.png)\n\n", stem, stem);
        fprintf(md, "## Error by kernel\n\n| engine | kernel | n | MAPE | bias | max abs |\n|---|---|---|---|---|---|\n");
        FILE *kd = NULL;
        char dp[1024];
        snprintf(dp, sizeof dp, "%s/error-by-kernel.dat", o->report);
        kd = fopen(dp, "w");
        size_t kidx = 0;
        for (int e = 0; e < 2; e++)
          for (size_t i = 0; i < sizeof pairs_tab / sizeof pairs_tab[0]; i++) {
            int dup = 0;
            for (size_t j = 0; j < i; j++)
              dup |= strcmp(pairs_tab[j].ours, pairs_tab[i].ours) == 0;
            if (dup)
              continue;
            scr_stats s;
            stats_for(&c, e, 0, pairs_tab[i].ours, 0, &s);
            if (!s.n)
              continue;
            fprintf(md, "| %s | %s | %zu | %.1f%% | %+.1f%% | %.1f%% |\n", en[e], pairs_tab[i].ours, s.n,
                    100 * s.mape, 100 * s.bias, 100 * s.max_abs);
            if (kd)
              fprintf(kd, "%zu \"%s %s\" %.4f\n", kidx++, en[e], pairs_tab[i].ours + (strncmp(pairs_tab[i].ours, "nsa.", 4) ? 0 : 4), 100 * s.bias);
          }
        if (kd)
          fclose(kd);
        fprintf(md, "\n## NSA over full attention, same shape\n\n| NSA config | full config | measured | model | error | NSA faster, as measured? |\n|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < nsp; i++)
          fprintf(md, "| %s | %s | %.2fx | %.2fx | %+.0f%% | %s |\n", sp[i].nsa, sp[i].full, sp[i].meas, sp[i].pred[0],
                  100 * (sp[i].pred[0] / sp[i].meas - 1), (sp[i].pred[0] > 1) == (sp[i].meas > 1) ? "ranked right" : "**ranked wrong**");
        if (ntr[0]) {
          fprintf(md, "\n## Traffic against ncu counters (model; %zu profiled kernels in all)\n\n"
                      "| config and kernel | DRAM read predicted | measured | L2 read predicted | measured |\n|---|---|---|---|---|\n", ncnt);
          for (size_t i = 0; i < ntr[0]; i++)
            fprintf(md, "| %s | %.3g | %.3g | %.3g | %.3g |\n", tr_name[0][i], tr[0][0][i], tr[0][1][i], tr[0][2][i], tr[0][3][i]);
        }
        if (ntr[1]) {
          fprintf(md, "\n## Traffic against ncu counters (sim; %zu kernels up to --sim-max-seq)\n\n"
                      "| config and kernel | DRAM read predicted | measured | L2 read predicted | measured |\n|---|---|---|---|---|\n", ntr[1]);
          for (size_t i = 0; i < ntr[1]; i++)
            fprintf(md, "| %s | %.3g | %.3g | %.3g | %.3g |\n", tr_name[1][i], tr[1][0][i], tr[1][1][i], tr[1][2][i], tr[1][3][i]);
        }
        if (c.nnotes)
          fprintf(md, "\n## Notes from scoring\n\n%s", c.notes);
        fclose(md);
        /* Data and figures. */
        snprintf(dp, sizeof dp, "%s/pred-vs-meas.dat", o->report);
        FILE *pd = fopen(dp, "w");
        for (int e = 0; pd && e < 2; e++) {
          for (size_t i = 0; i < c.ns; i++)
            if (c.s[i].engine == e && !c.s[i].total)
              fprintf(pd, "%.6g %.6g\n", c.s[i].meas_s * 1e3, c.s[i].pred_s * 1e3);
          fprintf(pd, "\n\n");
        }
        if (pd)
          fclose(pd);
        snprintf(dp, sizeof dp, "%s/plots.gp", o->report);
        FILE *gp = fopen(dp, "w");
        if (gp) {
          for (int png = 0; png < 2; png++) {
            const char *term = png ? "pngcairo size 900,700 font 'Helvetica,11' noenhanced"
                                   : "svg size 900,700 font 'Helvetica,12' noenhanced background '#ffffff'";
            fprintf(gp, "set terminal %s\nset output 'pred-vs-meas.%s'\nset logscale xy\nset grid\n"
                        "set xlabel 'measured kernel time on the H200 (ms)'\nset ylabel 'predicted (ms)'\n"
                        "set title 'Predicted against measured, per kernel'\nset key top left\n"
                        "set xrange [0.001:1000]\nset yrange [0.001:1000]\n"
                        "plot '+' using 1:($1*0.9):($1*1.1) with filledcurves fc rgb '#dddddd' title '+-10%%', "
                        "x with lines lc rgb '#444444' title 'y = x', "
                        "'pred-vs-meas.dat' index 0 using 1:2 with points pt 7 ps 0.8 lc rgb '#b2182b' title 'model', "
                        "'pred-vs-meas.dat' index 1 using 1:2 with points pt 6 ps 1.0 lc rgb '#2166ac' title 'sim'\n"
                        "unset logscale\nset xrange [*:*]\nset yrange [*:*]\n",
                    term, png ? "png" : "svg");
            fprintf(gp, "set terminal %s\nset output 'error-by-kernel.%s'\nset style fill solid 0.7\nset boxwidth 0.7\n"
                        "set ylabel 'mean signed error (%%)'\nset xlabel ''\nset xtics rotate by -45 font ',9'\nunset key\n"
                        "set title 'Bias by kernel (predicted / measured - 1)'\nset grid y\n"
                        "plot 'error-by-kernel.dat' using 1:3:xtic(2) with boxes lc rgb '#4393c3'\nunset xtics\nset xtics\n",
                    term, png ? "png" : "svg");
          }
          fclose(gp);
          char cmd[1200];
          snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot plots.gp 2>gnuplot.log", o->report);
          if (system(cmd) != 0)
            fprintf(stderr, "nsasim: warning: gnuplot failed or is missing; figures not drawn\n");
        }
      }
    }
  }
  sim_free(sp);
  sim_free(cf);
  sim_free(cnt);
  sim_free(tr_name[0]);
  sim_free(tr_name[1]);
  sim_free(tr_cal[0]);
  sim_free(tr_cal[1]);
  for (int e = 0; e < 2; e++)
    for (int j = 0; j < 4; j++)
      sim_free(tr[e][j]);
  sim_free(c.s);
  for (size_t i = 0; i < ntab; i++)
    scr_table_free(&tabs[i]);
  spec_source_free(c.as);
  spec_source_free(c.asc);
  spec_source_free(c.nws);
  spec_source_free(c.fws);
  spec_source_free(c.wsc);
  return st;
}
/* }==== */
