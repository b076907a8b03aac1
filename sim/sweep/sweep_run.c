/*
** sim/sweep/sweep_run.c — the sweep runner. Points are done in chunks: the
** threads of a chunk each take points (OpenMP, dynamic schedule), format
** each point's row into its own slot, and the chunk is written in point
** order and flushed before the next starts. So the output is the same bytes
** for any thread count, and an interrupted sweep leaves only whole rows: a
** rerun with the same --out reads them, drops a torn last line, and goes on
** from the next point.
** Under MPI (built with it, run by mpirun) rank r computes the points of each
** chunk with index = r mod ranks (neighbouring points cost about the same,
** so interleaving balances the ranks); rank 0 gathers the rows and alone
** reads and writes the output, so the bytes match a single process's.
*/
#define _POSIX_C_SOURCE 200809L

#include "sweep_run.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef NSASIM_HAVE_MPI
#include <mpi.h>
#endif

#include "alloc.h"
#include "cycle.h"
#include "jsonw.h"
#include "model.h"
#include "result.h"

#define CHUNK 2048
#define ROW_MAX 16384

typedef struct base {
  spec_arch arch;
  spec_workload wl;
  spec_source *as, *ws;
} base;

typedef struct worker {
  spec_arch arch;
  spec_workload wl;
  spec_source *as, *ws;
  sim_result r;
} worker;

static double now_s(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* {==== Rows ==== */
static void csv_quote(char *out, size_t n, const char *s) {
  size_t k = 0;
  if (n < 3)
    return;
  out[k++] = '"';
  for (; *s && k + 3 < n; s++) {
    if (*s == '"')
      out[k++] = '"';
    out[k++] = *s == '\n' ? ' ' : *s;
  }
  out[k++] = '"';
  out[k] = '\0';
}

/* A provenance line (which spec, which engine: resuming checks it), then
** the CSV column names. */
static void header(const spec_sweep *sw, const swp_opts *o, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "# nsasim %s sweep %s spec-sha256 %s engine %s points %llu\n",
                              SIM_VERSION, sw->name, sw->sha256, o->engine_sim ? "sim" : "model",
                              (unsigned long long)sw->npoints);
  if (o->format == SWP_JSONL)
    return;
  k += (size_t)snprintf(buf + k, n - k, "point");
  for (size_t i = 0; i < sw->ndims; i++)
    for (size_t j = 0; j < sw->dims[i].naxes; j++)
      k += (size_t)snprintf(buf + k, n - k, ",%s", sw->dims[i].axes[j].key);
  snprintf(buf + k, n - k,
           ",status,engine,arch,workload,total_time_s,baseline_time_s,speedup_vs_full,"
           "attended_tokens,hbm_read_bytes,hbm_write_bytes,l2_read_bytes,tensor_flops,"
           "top_kernel,top_bound,top_share,note\n");
}

static double attended(const spec_workload *w) {
  if (w->attention.kind == SPEC_ATTN_FULL)
    return (double)w->problem.seq_len;
  sim_tokens t;
  spec_decode_tokens(w, &t);
  return t.total;
}

static void row(const spec_sweep *sw, swp_format f, uint64_t point, const char **keys,
                const char **vals, size_t nk, const char *status, const char *note,
                const worker *wk, int have, char *buf, size_t n) {
  const sim_result *r = &wk->r;
  if (f == SWP_JSONL) {
    FILE *m = fmemopen(buf, n, "w");
    if (!m) {
      snprintf(buf, n, "{\"point\":%llu,\"status\":\"error\"}\n", (unsigned long long)point);
      return;
    }
    jsonw w;
    jsonw_init(&w, m, 0);
    jsonw_obj_begin(&w, NULL);
    jsonw_u64(&w, "point", point);
    jsonw_obj_begin(&w, "params");
    for (size_t i = 0; i < nk; i++)
      jsonw_str(&w, keys[i], vals[i]);
    jsonw_obj_end(&w);
    jsonw_str(&w, "status", status);
    jsonw_str(&w, "note", note);
    if (have) {
      jsonw_num(&w, "attended_tokens", attended(&wk->wl));
      sim_result_write_json(&w, r);
    }
    jsonw_obj_end(&w);
    fclose(m);
    buf[n - 1] = '\0';
    return;
  }
  (void)sw;
  size_t k = (size_t)snprintf(buf, n, "%llu", (unsigned long long)point);
  for (size_t i = 0; i < nk; i++)
    k += (size_t)snprintf(buf + k, n - k, ",%s", vals[i]);
  char q[1024];
  csv_quote(q, sizeof q, note);
  if (!have) {
    snprintf(buf + k, n - k, ",%s,,,,,,,,,,,,,,,%s\n", status, q);
    return;
  }
  double hr = 0, hw = 0, l2 = 0, tf = 0;
  const sim_kernel_stats *top = NULL;
  for (size_t i = 0; i < r->main.nkernels; i++) {
    const sim_kernel_stats *ks = &r->main.kernels[i];
    hr += (double)ks->hbm_read_bytes;
    hw += (double)ks->hbm_write_bytes;
    l2 += (double)ks->l2_read_bytes;
    tf += ks->tensor_flops;
    if (!top || ks->time_s > top->time_s)
      top = ks;
  }
  char v[8][40];
  sim_format_num(v[0], sizeof v[0], r->main.total_time_s);
  sim_format_num(v[1], sizeof v[1], r->has_baseline ? r->baseline.total_time_s : r->main.total_time_s);
  sim_format_num(v[2], sizeof v[2], r->has_baseline ? r->speedup_vs_full : 1.0);
  sim_format_num(v[3], sizeof v[3], attended(&wk->wl));
  sim_format_num(v[4], sizeof v[4], tf);
  sim_format_num(v[5], sizeof v[5], top && r->main.total_time_s > 0 ? top->time_s / r->main.total_time_s : 0);
  snprintf(buf + k, n - k, ",%s,%s,%s,%s,%s,%s,%s,%s,%.0f,%.0f,%.0f,%s,%s,%s,%s,%s\n", status,
           r->engine, r->arch, r->workload, v[0], v[1], v[2], v[3], hr, hw, l2, v[4],
           top ? top->name : "", top ? sim_bound_name(top->bound) : "", v[5], q);
}
/* }==== */

/* One point: base specs + the point's values, rules, constraints, engine. */
static void do_point(const spec_sweep *sw, const swp_opts *o, const base *b, worker *wk,
                     uint64_t point, char *buf, size_t n, int *kind) {
  const char *keys[SPEC_SWEEP_MAX_DIMS * SPEC_SWEEP_MAX_ZIP], *vals[SPEC_SWEEP_MAX_DIMS * SPEC_SWEEP_MAX_ZIP];
  size_t nk = spec_sweep_point(sw, point, keys, vals, sizeof keys / sizeof keys[0]);
  wk->arch = b->arch;
  wk->wl = b->wl;
  spec_source_truncate(wk->as, spec_source_marks(b->as));
  spec_source_truncate(wk->ws, spec_source_marks(b->ws));
  sim_diag d;
  sim_diag_clear(&d);
  sim_status st = SIM_OK;
  for (size_t i = 0; i < nk && st == SIM_OK; i++)
    st = spec_point_set(&wk->arch, wk->as, &wk->wl, wk->ws, keys[i], vals[i], &d);
  if (st == SIM_OK)
    st = spec_point_check(&wk->arch, wk->as, &wk->wl, wk->ws, &d);
  if (st != SIM_OK) {
    *kind = 1; /* invalid */
    row(sw, o->format, point, keys, vals, nk, "skipped", d.msg, wk, 0, buf, n);
    return;
  }
  if (sw->min_attended_tokens > 0 && attended(&wk->wl) < sw->min_attended_tokens) {
    char note[128];
    snprintf(note, sizeof note, "attends %.0f tokens per query, below %.0f", attended(&wk->wl),
             sw->min_attended_tokens);
    *kind = 2;
    row(sw, o->format, point, keys, vals, nk, "filtered", note, wk, 0, buf, n);
    return;
  }
  if (sw->max_smem_per_cta_bytes)
    for (int k = 0; k < SPEC_K_COUNT; k++)
      if (spec_kernel_used(&wk->wl, (spec_kernel_id)k) &&
          spec_mapping_smem_bytes(&wk->wl, (spec_kernel_id)k) > sw->max_smem_per_cta_bytes) {
        char note[160];
        snprintf(note, sizeof note, "kernel.%s needs %llu B of shared memory, over the budget of %llu",
                 spec_kernel_name((spec_kernel_id)k),
                 (unsigned long long)spec_mapping_smem_bytes(&wk->wl, (spec_kernel_id)k),
                 (unsigned long long)sw->max_smem_per_cta_bytes);
        *kind = 2;
        row(sw, o->format, point, keys, vals, nk, "filtered", note, wk, 0, buf, n);
        return;
      }
  if (o->engine_sim) {
    cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
    st = cyc_run(&wk->arch, &wk->wl, &co, &wk->r, &d);
  } else {
    st = mdl_run(&wk->arch, &wk->wl, &wk->r, &d);
  }
  if (st != SIM_OK) {
    *kind = 1;
    row(sw, o->format, point, keys, vals, nk, "skipped", d.msg, wk, 0, buf, n);
    return;
  }
  *kind = 0;
  row(sw, o->format, point, keys, vals, nk, "ok", "", wk, 1, buf, n);
}

/* Reads an earlier run's rows; returns the next point, truncating a torn line. */
static sim_status resume(const char *path, const char *hdr, uint64_t first, uint64_t *next,
                         sim_diag *d) {
  *next = first;
  FILE *f = fopen(path, "rb");
  if (!f)
    return SIM_OK;
  char line[ROW_MAX];
  uint64_t rows = 0;
  long good = 0;
  int torn = 0;
  size_t hdr_lines = 0, lineno = 0;
  for (const char *p = hdr; *p; p++)
    hdr_lines += *p == '\n';
  const char *want = hdr;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    if (len == 0 || line[len - 1] != '\n') {
      torn = 1;
      break;
    }
    if (lineno < hdr_lines) {
      const char *eol = strchr(want, '\n');
      if (strlen(line) != (size_t)(eol - want + 1) || strncmp(line, want, len) != 0) {
        fclose(f);
        return sim_diag_set(d, SIM_ERR_USAGE, path, (unsigned long)lineno + 1, 1,
                            "this file holds another sweep's rows (its header differs: another spec, engine or version); remove it or choose another --out");
      }
      want = eol + 1;
    } else {
      rows++;
    }
    lineno++;
    good = ftell(f);
  }
  fclose(f);
  if (lineno > 0 && lineno < hdr_lines)
    return sim_diag_set(d, SIM_ERR_USAGE, path, 1, 1, "this file ends inside its header; remove it");
  if (torn && truncate(path, good) != 0)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot drop the torn last row");
  *next = first + rows;
  return SIM_OK;
}

sim_status swp_run(const spec_sweep *sw, const swp_opts *o, swp_summary *sum, sim_diag *d) {
  memset(sum, 0, sizeof *sum);
  base b;
  memset(&b, 0, sizeof b);
  sim_status st = spec_load_arch(sw->arch_path, sw->arch_path, NULL, NULL, 0, &b.arch, &b.as, d);
  if (st == SIM_OK)
    st = spec_load_workload(sw->workload_path, sw->workload_path, NULL, NULL, 0, &b.wl, &b.ws, d);
  if (st != SIM_OK) {
    spec_source_free(b.as);
    spec_source_free(b.ws);
    return st;
  }
  uint64_t first = o->first, last = o->last && o->last < sw->npoints ? o->last : sw->npoints;
  char hdr[8192];
  header(sw, o, hdr, sizeof hdr);
  uint64_t next = first;
  FILE *out = stdout;
  int is_root = 1;
#ifdef NSASIM_HAVE_MPI
  {
    int on = 0, rk = 0;
    MPI_Initialized(&on);
    if (on)
      MPI_Comm_rank(MPI_COMM_WORLD, &rk);
    is_root = rk == 0;
  }
#endif
  if (!is_root)
    out = NULL;
  if (o->out_path && is_root) {
    st = resume(o->out_path, hdr, first, &next, d);
    if (st == SIM_OK) {
      out = fopen(o->out_path, next > first ? "ab" : "wb");
      if (!out)
        st = sim_diag_set(d, SIM_ERR_IO, o->out_path, 0, 0, "cannot write");
    }
  }
  if (st == SIM_OK && is_root && next == first && hdr[0])
    fputs(hdr, out);
  sum->resumed_from = next;
  int threads = 1;
#ifdef _OPENMP
  threads = o->jobs > 0 ? o->jobs : omp_get_max_threads();
#endif
  worker *wk = st == SIM_OK ? sim_calloc((size_t)threads, sizeof *wk) : NULL;
  char *rows = st == SIM_OK ? sim_calloc(CHUNK, ROW_MAX) : NULL;
  int *kinds = st == SIM_OK ? sim_calloc(CHUNK, sizeof *kinds) : NULL;
  if (st == SIM_OK && (!wk || !rows || !kinds))
    st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  for (int t = 0; st == SIM_OK && t < threads; t++) {
    wk[t].as = spec_source_clone(b.as);
    wk[t].ws = spec_source_clone(b.ws);
    if (!wk[t].as || !wk[t].ws)
      st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  }
  int rank = 0, ranks = 1;
#ifdef NSASIM_HAVE_MPI
  int mpi_on = 0;
  MPI_Initialized(&mpi_on);
  if (mpi_on) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    /* rank 0 read the output; every rank starts where it says */
    unsigned long long nx = next;
    int ok = st == SIM_OK;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Bcast(&nx, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    next = nx;
    if (!ok && st == SIM_OK)
      st = sim_diag_set(d, SIM_ERR_IO, "", 0, 0, "another MPI rank failed to start the sweep");
  }
#endif
  /* A round is CHUNK points; each rank takes every ranks-th one, at most
  ** `per` of them, so rank 0's gather buffer is one chunk whatever the ranks. */
  uint64_t span = CHUNK, per = (CHUNK + (uint64_t)ranks - 1) / (uint64_t)ranks;
#ifdef NSASIM_HAVE_MPI
  char *gathered = NULL;
  int *kinds_all = NULL;
  if (ranks > 1 && rank == 0 && st == SIM_OK &&
      (!(gathered = sim_calloc((size_t)(per * (uint64_t)ranks), ROW_MAX)) ||
       !(kinds_all = sim_calloc((size_t)(per * (uint64_t)ranks), sizeof *kinds_all))))
    st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
#endif
  double t0 = now_s(), last_print = 0;
  for (uint64_t c = next; st == SIM_OK && c < last; c += span) {
    uint64_t round = last - c < span ? last - c : span;
    /* this rank's points of the round: c + rank, c + rank + ranks, ... */
    int64_t n = round > (uint64_t)rank ? (int64_t)((round - (uint64_t)rank + (uint64_t)ranks - 1) / (uint64_t)ranks) : 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
#endif
    for (int64_t i = 0; i < n; i++) {
      int t = 0;
#ifdef _OPENMP
      t = omp_get_thread_num();
#endif
      do_point(sw, o, &b, &wk[t], c + (uint64_t)rank + (uint64_t)i * (uint64_t)ranks,
               rows + (size_t)i * ROW_MAX, ROW_MAX, &kinds[i]);
    }
    const char *slot = rows;
    const int *kind = kinds;
#ifdef NSASIM_HAVE_MPI
    if (ranks > 1) {
      /* every rank sends `per` fixed-size slots; rank 0 interleaves them */
      MPI_Gather(rows, (int)(per * ROW_MAX), MPI_CHAR, gathered, (int)(per * ROW_MAX), MPI_CHAR, 0,
                 MPI_COMM_WORLD);
      MPI_Gather(kinds, (int)per, MPI_INT, kinds_all, (int)per, MPI_INT, 0, MPI_COMM_WORLD);
      slot = gathered;
      kind = kinds_all;
    }
#endif
    if (rank == 0)
      for (uint64_t p = 0; p < round; p++) {
        /* point c + p was computed by rank p mod ranks as its (p / ranks)-th */
        size_t at = (size_t)((p % (uint64_t)ranks) * per + p / (uint64_t)ranks);
        fputs(slot + at * ROW_MAX, out);
        if (kind[at] == 0)
          sum->ok++;
        else if (kind[at] == 1)
          sum->skipped++;
        else
          sum->filtered++;
        if (kind[at] == 1 && !sw->skip_invalid) {
          st = sim_diag_set(d, SIM_ERR_RULE, "", 0, 0,
                            "point %llu is invalid and constraints.skip_invalid is false (its row says why)",
                            (unsigned long long)(c + p));
          break;
        }
      }
    if (rank == 0 && (fflush(out) != 0 || ferror(out)))
      st = sim_diag_set(d, SIM_ERR_IO, o->out_path ? o->out_path : "stdout", 0, 0, "write failed");
#ifdef NSASIM_HAVE_MPI
    if (ranks > 1) {
      int ok = st == SIM_OK;
      MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
      if (!ok && st == SIM_OK)
        st = sim_diag_set(d, SIM_ERR_RULE, "", 0, 0, "rank 0 stopped the sweep");
    }
#endif
    sum->points += round;
    double t = now_s();
    if (o->progress && rank == 0 && (t - last_print > 0.5 || c + round >= last)) {
      double rate = sum->points / (t - t0 > 0 ? t - t0 : 1e-9);
      fprintf(stderr, "\rsweep %s: %llu/%llu points, %.0f/s, ETA %.0f s   ", sw->name,
              (unsigned long long)(c + round), (unsigned long long)last, rate,
              (double)(last - c - round) / (rate > 0 ? rate : 1));
      last_print = t;
    }
  }
#ifdef NSASIM_HAVE_MPI
  sim_free(gathered);
  sim_free(kinds_all);
#endif
  if (o->progress && is_root)
    fputc('\n', stderr);
  sum->seconds = now_s() - t0;
  if (out && out != stdout && fclose(out) != 0 && st == SIM_OK)
    st = sim_diag_set(d, SIM_ERR_IO, o->out_path, 0, 0, "write failed");
  for (int t = 0; wk && t < threads; t++) {
    spec_source_free(wk[t].as);
    spec_source_free(wk[t].ws);
  }
  sim_free(wk);
  sim_free(rows);
  sim_free(kinds);
  spec_source_free(b.as);
  spec_source_free(b.ws);
  return st;
}
