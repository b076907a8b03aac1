/*
** sim/report/report.c — computes the report's data with the analytical
** engine (and one cycle-level run for the timeline), writes .dat files and a
** gnuplot script, runs gnuplot for SVG and PNG, then writes report.md and a
** self-contained report.html (SVG inlined). Deterministic: the same inputs
** give the same files.
*/
#define _POSIX_C_SOURCE 200809L

#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "cycle.h"
#include "model.h"
#include "result.h"
#include "score.h"
#include "spec.h"

typedef struct arch_in {
  spec_arch a;
  spec_source *as, *asc; /* as loaded; a working copy for points */
  char stem[64];
} arch_in;

typedef struct rep {
  const rep_opts *o;
  arch_in arch[REP_MAX_ARCH];
  size_t narch;
  spec_workload wl;
  spec_source *ws, *wsc;
  sim_diag *d;
  FILE *md, *gp;
} rep;

static const uint64_t seqs[] = {4096, 8192, 16384, 32768, 65536, 131072};
#define NSEQ (sizeof seqs / sizeof seqs[0])

/* {==== Predictions ==== */
/* Runs the model on arch i with the workload plus KEY=VALUE pairs. */
static sim_status predict(rep *r, size_t i, const char *const *kv, size_t n, sim_result *out) {
  spec_arch a = r->arch[i].a;
  spec_workload w = r->wl;
  spec_source *asc = r->arch[i].asc;
  spec_source_truncate(asc, spec_source_marks(r->arch[i].as));
  spec_source_truncate(r->wsc, spec_source_marks(r->ws));
  sim_status st = SIM_OK;
  for (size_t k = 0; k < n && st == SIM_OK; k++) {
    char key[128];
    const char *eq = strchr(kv[k], '=');
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv[k]), kv[k]);
    st = spec_point_set(&a, asc, &w, r->wsc, key, eq + 1, r->d);
  }
  if (st == SIM_OK)
    st = spec_point_check(&a, asc, &w, r->wsc, r->d);
  if (st == SIM_OK)
    st = mdl_run(&a, &w, out, r->d);
  return st;
}

static const sim_kernel_stats *top_kernel(const sim_pipeline *p) {
  const sim_kernel_stats *t = NULL;
  for (size_t i = 0; i < p->nkernels; i++)
    if (!t || p->kernels[i].time_s > t->time_s)
      t = &p->kernels[i];
  return t;
}
/* }==== */

static FILE *open_in(rep *r, const char *name, const char *mode) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", r->o->out_dir, name);
  FILE *f = fopen(path, mode);
  if (!f)
    sim_diag_set(r->d, SIM_ERR_IO, path, 0, 0, "cannot write");
  return f;
}

/* {==== Speedup against sequence length ==== */
static sim_status speedups(rep *r) {
  static sim_result res;
  fprintf(r->md, "## NSA over full attention, by sequence length\n\n"
                 "![speedup](speedup.png)\n\n"
                 "| arch | phase | 4k | 8k | 16k | 32k | 64k | 128k |\n|---|---|---|---|---|---|---|---|\n");
  static const char *const phase[] = {"problem.phase=fwd", "problem.phase=bwd", "problem.phase=decode",
                                      "problem.phase=decode"};
  static const char *const label[] = {"fwd", "bwd", "decode, batch 1", "decode, batch 64"};
  for (size_t i = 0; i < r->narch; i++) {
    char name[96];
    snprintf(name, sizeof name, "speedup-%s.dat", r->arch[i].stem);
    FILE *f = open_in(r, name, "w");
    if (!f)
      return SIM_ERR_IO;
    double sp[4][NSEQ];
    fprintf(f, "# seq_len fwd bwd decode_b1 decode_b64 (NSA speedup over full attention)\n");
    for (size_t s = 0; s < NSEQ; s++) {
      char seq[64];
      snprintf(seq, sizeof seq, "problem.seq_len=%llu", (unsigned long long)seqs[s]);
      for (int p = 0; p < 4; p++) {
        const char *kv[] = {seq, phase[p], p == 3 ? "problem.batch=64" : "problem.batch=1"};
        sim_status st = predict(r, i, kv, 3, &res);
        if (st != SIM_OK) {
          fclose(f);
          return st;
        }
        sp[p][s] = res.speedup_vs_full;
      }
      fprintf(f, "%llu %.6g %.6g %.6g %.6g\n", (unsigned long long)seqs[s], sp[0][s], sp[1][s], sp[2][s], sp[3][s]);
    }
    fclose(f);
    for (int p = 0; p < 4; p++) {
      fprintf(r->md, "| %s | %s |", r->arch[i].stem, label[p]);
      for (size_t s = 0; s < NSEQ; s++)
        fprintf(r->md, " %.2fx |", sp[p][s]);
      fputc('\n', r->md);
    }
  }
  fputc('\n', r->md);
  fprintf(r->gp, "set terminal svg size 1200,420 font 'Helvetica,12' background '#ffffff' noenhanced\n"
                 "set output 'speedup.svg'\nset multiplot layout 1,3 title 'NSA speedup over full attention (nsasim model)'\n"
                 "set logscale x 2\nset xlabel 'sequence length (tokens)'\nset ylabel 'speedup (x)'\n"
                 "set grid\nset key top left\nset xrange [3500:150000]\n"
                 "set xtics ('4k' 4096, '8k' 8192, '16k' 16384, '32k' 32768, '64k' 65536, '128k' 131072)\n"
                 "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#888888'\n");
  static const char *const titles[] = {"forward", "backward", "decode (batch 1 dashed, 64 solid)"};
  for (int p = 0; p < 3; p++) {
    fprintf(r->gp, "set title '%s'\nplot ", titles[p]);
    for (size_t i = 0; i < r->narch; i++) {
      if (p < 2)
        fprintf(r->gp, "%s'speedup-%s.dat' using 1:%d with linespoints lw 2 lc %zu title '%s'", i ? ", " : "",
                r->arch[i].stem, p + 2, i + 1, r->arch[i].stem);
      else
        fprintf(r->gp, "%s'speedup-%s.dat' using 1:5 with linespoints lw 2 lc %zu title '%s', "
                       "'speedup-%s.dat' using 1:4 with linespoints lw 1 dt 2 lc %zu notitle",
                i ? ", " : "", r->arch[i].stem, i + 1, r->arch[i].stem, r->arch[i].stem, i + 1);
    }
    fputc('\n', r->gp);
  }
  fprintf(r->gp, "unset multiplot\nunset arrow 1\nunset logscale\nset xrange [*:*]\nset xtics auto\n");
  return SIM_OK;
}
/* }==== */

/* {==== Heatmaps ==== */
static sim_status heatmaps(rep *r) {
  static sim_result res;
  static const unsigned lps[] = {32, 64, 128, 256}, ns[] = {4, 8, 16, 32, 64};
  static const unsigned ws[] = {128, 256, 512, 1024, 2048};
  FILE *f = open_in(r, "heat-lp-n.dat", "w");
  if (!f)
    return SIM_ERR_IO;
  fprintf(r->md, "## Design space on %s\n\n![heatmaps](heatmaps.png)\n\n"
                 "NSA forward time (ms) at 64k tokens over l' x n, w = %u:\n\n| l' \\ n |",
          r->arch[0].stem, r->wl.attention.window);
  for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
    fprintf(r->md, " %u |", ns[j]);
  fprintf(r->md, "\n|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < sizeof lps / sizeof lps[0]; i++) {
    fprintf(r->md, "| %u |", lps[i]);
    for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
      char lp[64], n[64], bn[64];
      snprintf(lp, sizeof lp, "attention.selection.block=%u", lps[i]);
      snprintf(n, sizeof n, "attention.selection.count=%u", ns[j]);
      snprintf(bn, sizeof bn, "kernel.selected.block_n=%u", lps[i] < 64 ? lps[i] : 64);
      const char *kv[] = {"problem.seq_len=65536", "problem.phase=fwd", lp, n, bn};
      double t = NAN;
      if (predict(r, 0, kv, 5, &res) == SIM_OK)
        t = res.main.total_time_s * 1e3;
      else
        sim_diag_clear(r->d);
      fprintf(f, "%zu %zu %.6g\n", j, i, t);
      fprintf(r->md, isnan(t) ? " — |" : " %.1f |", t);
    }
    fputc('\n', f);
    fputc('\n', r->md);
  }
  fclose(f);
  f = open_in(r, "heat-w-seq.dat", "w");
  if (!f)
    return SIM_ERR_IO;
  fprintf(r->md, "\nNSA forward speedup over full attention by window w and sequence length:\n\n| w \\ seq |");
  for (size_t s = 0; s < NSEQ; s++)
    fprintf(r->md, " %lluk |", (unsigned long long)(seqs[s] / 1024));
  fprintf(r->md, "\n|---|---|---|---|---|---|---|\n");
  for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
    fprintf(r->md, "| %u |", ws[i]);
    for (size_t s = 0; s < NSEQ; s++) {
      char w[64], seq[64];
      snprintf(w, sizeof w, "attention.window=%u", ws[i]);
      snprintf(seq, sizeof seq, "problem.seq_len=%llu", (unsigned long long)seqs[s]);
      const char *kv[] = {seq, "problem.phase=fwd", w};
      sim_status st = predict(r, 0, kv, 3, &res);
      if (st != SIM_OK) {
        fclose(f);
        return st;
      }
      fprintf(f, "%zu %zu %.6g\n", s, i, res.speedup_vs_full);
      fprintf(r->md, " %.2fx |", res.speedup_vs_full);
    }
    fputc('\n', f);
    fputc('\n', r->md);
  }
  fclose(f);
  fputc('\n', r->md);
  fprintf(r->gp, "set terminal svg size 1200,460 font 'Helvetica,12' background '#ffffff' noenhanced\n"
                 "set output 'heatmaps.svg'\nset multiplot layout 1,2\nunset key\nset view map\n"
                 "set palette defined (0 '#2166ac', 1 '#f7f7f7', 2 '#b2182b')\n"
                 "set title \"NSA forward time (ms), 64k tokens, %s\"\n"
                 "set xlabel 'selected blocks n'\nset ylabel \"selection block l' (tokens)\"\n"
                 "set xtics ('4' 0, '8' 1, '16' 2, '32' 3, '64' 4)\nset ytics ('32' 0, '64' 1, '128' 2, '256' 3)\n"
                 "set cblabel 'ms'\nset xrange [-0.5:4.5]\nset yrange [-0.5:3.5]\n"
                 "plot 'heat-lp-n.dat' using 1:2:3 with image, '' using 1:2:(sprintf('%%.1f',$3)) with labels font ',10'\n"
                 "set title \"NSA forward speedup over full attention, %s\"\n"
                 "set xlabel 'sequence length (tokens)'\nset ylabel 'window w (tokens)'\n"
                 "set xtics ('4k' 0, '8k' 1, '16k' 2, '32k' 3, '64k' 4, '128k' 5)\n"
                 "set ytics ('128' 0, '256' 1, '512' 2, '1024' 3, '2048' 4)\nset cblabel 'speedup (x)'\n"
                 "set xrange [-0.5:5.5]\nset yrange [-0.5:4.5]\n"
                 "plot 'heat-w-seq.dat' using 1:2:3 with image, '' using 1:2:(sprintf('%%.2f',$3)) with labels font ',10'\n"
                 "unset multiplot\nunset view\nset xrange [*:*]\nset yrange [*:*]\nset xtics auto\nset ytics auto\nset key\n",
          r->arch[0].stem, r->arch[0].stem);
  return SIM_OK;
}
/* }==== */

/* {==== Roofline ==== */
static sim_status roofline(rep *r) {
  static sim_result res;
  fprintf(r->md, "## Roofline: every kernel of the NSA forward pipeline and its baseline at 64k\n\n"
                 "![roofline](roofline.png)\n\nArithmetic intensity is tensor FLOPs per HBM byte; the roof is"
                 " the arch's sustained tensor rate and HBM bandwidth (peaks times `efficiency`). A kernel well"
                 " under the roof at high intensity is bound by something this roof does not draw: for the"
                 " group-centric `nsa.selected`, L2 bandwidth (16 FLOP per L2 byte at 16 heads per group).\n\n");
  fprintf(r->gp, "set terminal svg size %zu,%d font 'Helvetica,12' background '#ffffff' noenhanced\n"
                 "set output 'roofline.svg'\nset multiplot layout 1,%zu title 'Roofline (NSA fwd, 64k tokens)'\n"
                 "set logscale xy 10\nset xlabel 'arithmetic intensity (FLOP per HBM byte)'\n"
                 "set ylabel 'tensor TFLOP/s'\nset grid\nset key bottom right font ',9'\nset xrange [1:100000]\n",
          r->narch > 3 ? 400 * r->narch : 1200, 460, r->narch);
  for (size_t i = 0; i < r->narch; i++) {
    const spec_arch *a = &r->arch[i].a;
    const char *kv[] = {"problem.seq_len=65536", "problem.phase=fwd"};
    sim_status st = predict(r, i, kv, 2, &res);
    if (st != SIM_OK)
      return st;
    char name[96];
    snprintf(name, sizeof name, "roofline-%s.dat", r->arch[i].stem);
    FILE *f = open_in(r, name, "w");
    if (!f)
      return SIM_ERR_IO;
    fprintf(f, "# kernel intensity_flop_per_byte tflops\n");
    for (int pass = 0; pass < 2; pass++) {
      const sim_pipeline *p = pass ? &res.baseline : &res.main;
      for (size_t k = 0; k < p->nkernels; k++) {
        const sim_kernel_stats *ks = &p->kernels[k];
        double bytes = (double)(ks->hbm_read_bytes + ks->hbm_write_bytes);
        if (ks->tensor_flops <= 0 || bytes <= 0)
          continue;
        fprintf(f, "%s %.6g %.6g\n", ks->name, ks->tensor_flops / bytes, ks->tensor_flops / ks->time_s / 1e12);
      }
    }
    fclose(f);
    double peak = spec_arch_tensor_flops_per_clk(a, r->wl.problem.dtype) * a->sm.count * a->sm.clock_hz *
                  a->efficiency.tensor / 1e12;
    double bw = a->hbm.bandwidth * a->efficiency.hbm / 1e12;
    fprintf(r->gp, "set title '%s'\nset yrange [1:%g]\n"
                   "plot (x*%g < %g ? x*%g : %g) with lines lw 2 lc rgb '#444444' title 'roof'",
            r->arch[i].stem, peak * 2, bw, peak, bw, peak);
    size_t row = 0;
    for (int pass = 0; pass < 2; pass++) {
      const sim_pipeline *p = pass ? &res.baseline : &res.main;
      for (size_t k = 0; k < p->nkernels; k++) {
        const sim_kernel_stats *ks = &p->kernels[k];
        if (ks->tensor_flops <= 0 || ks->hbm_read_bytes + ks->hbm_write_bytes == 0)
          continue;
        fprintf(r->gp, ", '%s' every ::%zu::%zu using 2:3 with points pt %d ps 1.3 lc %zu title '%s'",
                name, row, row, pass ? 5 : 7, row + 1, ks->name);
        row++;
      }
    }
    fputc('\n', r->gp);
  }
  fprintf(r->gp, "unset multiplot\nunset logscale\nset xrange [*:*]\nset yrange [*:*]\n");
  return SIM_OK;
}
/* }==== */

/* {==== Pareto fronts ==== */
typedef struct pt {
  double tokens, time_ms;
  unsigned l, lp, n, w;
} pt;

/* Most attended tokens first; equal budgets, fastest first. */
static int by_tokens(const void *x, const void *y) {
  const pt *a = x, *b = y;
  if (a->tokens != b->tokens)
    return a->tokens > b->tokens ? -1 : 1;
  return a->time_ms < b->time_ms ? -1 : a->time_ms > b->time_ms;
}

static sim_status pareto(rep *r) {
  static sim_result res;
  static const unsigned ls[] = {16, 32, 64}, lps[] = {32, 64, 128}, ns[] = {4, 8, 16, 32}, ws[] = {128, 256, 512, 1024};
  fprintf(r->md, "## Pareto fronts: time against the sparsity budget (NSA forward, 64k tokens)\n\n"
                 "![pareto](pareto.png)\n\nEach point is a configuration (l with d = l/2, l', n, w); the budget is"
                 " the tokens a query attends (compressed + selected + window), a proxy for quality: more is"
                 " better, and so is less time. A point is on the front when no other attends at least as many"
                 " tokens in less time. The paper's (l=32, d=16, l'=64, n=16, w=512) is the star.\n\n"
                 "| arch | paper's point: tokens, ms | on the front? | fastest with at least its tokens |\n|---|---|---|---|\n");
  fprintf(r->gp, "set terminal svg size 1200,460 font 'Helvetica,12' background '#ffffff' noenhanced\n"
                 "set output 'pareto.svg'\nset logscale x 2\nset grid\n"
                 "set xlabel 'tokens attended per query'\nset ylabel 'NSA forward time (ms)'\n"
                 "set title 'Pareto fronts, NSA forward at 64k tokens'\nset key top left\nplot ");
  for (size_t i = 0; i < r->narch; i++) {
    pt *pts = sim_calloc(3 * 3 * 4 * 4, sizeof *pts);
    if (!pts)
      return sim_diag_set(r->d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
    size_t np = 0;
    pt paper = {0, 0, 0, 0, 0, 0};
    for (size_t a = 0; a < 3; a++)
      for (size_t b = 0; b < 3; b++)
        for (size_t c = 0; c < 4; c++)
          for (size_t e = 0; e < 4; e++) {
            char l[48], d[48], lp[48], bn[48], n[48], w[48];
            snprintf(l, sizeof l, "attention.compression.block=%u", ls[a]);
            snprintf(d, sizeof d, "attention.compression.stride=%u", ls[a] / 2);
            snprintf(lp, sizeof lp, "attention.selection.block=%u", lps[b]);
            snprintf(bn, sizeof bn, "kernel.selected.block_n=%u", lps[b] < 64 ? lps[b] : 64);
            snprintf(n, sizeof n, "attention.selection.count=%u", ns[c]);
            snprintf(w, sizeof w, "attention.window=%u", ws[e]);
            const char *kv[] = {"problem.seq_len=65536", "problem.phase=fwd", l, d, lp, bn, n, w};
            if (predict(r, i, kv, 8, &res) != SIM_OK) {
              sim_diag_clear(r->d); /* l > l' breaks Eq. 9: not a configuration */
              continue;
            }
            sim_tokens tk;
            spec_workload tmp = r->wl;
            tmp.problem.seq_len = 65536;
            tmp.attention.compression.block = ls[a];
            tmp.attention.compression.stride = ls[a] / 2;
            tmp.attention.selection.block = lps[b];
            tmp.attention.selection.count = ns[c];
            tmp.attention.window = ws[e];
            spec_decode_tokens(&tmp, &tk);
            pt p = {tk.total, res.main.total_time_s * 1e3, ls[a], lps[b], ns[c], ws[e]};
            pts[np++] = p;
            if (ls[a] == 32 && lps[b] == 64 && ns[c] == 16 && ws[e] == 512)
              paper = p;
          }
    qsort(pts, np, sizeof *pts, by_tokens);
    char name[96];
    snprintf(name, sizeof name, "pareto-%s.dat", r->arch[i].stem);
    FILE *f = open_in(r, name, "w");
    if (!f) {
      sim_free(pts);
      return SIM_ERR_IO;
    }
    fprintf(f, "# tokens time_ms l lp n w on_front\n");
    double best = INFINITY, best_at_budget = INFINITY;
    int paper_on = 0;
    for (size_t k = 0; k < np; k++) {
      int on = pts[k].time_ms < best; /* faster than everything attending more */
      if (on)
        best = pts[k].time_ms;
      if (pts[k].tokens >= paper.tokens && pts[k].time_ms < best_at_budget)
        best_at_budget = pts[k].time_ms;
      if (pts[k].l == paper.l && pts[k].lp == paper.lp && pts[k].n == paper.n && pts[k].w == paper.w)
        paper_on = on;
      fprintf(f, "%.0f %.6g %u %u %u %u %d\n", pts[k].tokens, pts[k].time_ms, pts[k].l, pts[k].lp,
              pts[k].n, pts[k].w, on);
    }
    fprintf(f, "\n\n%.0f %.6g\n\n\n", paper.tokens, paper.time_ms);
    double front = INFINITY; /* index 2: the front alone */
    for (size_t k = 0; k < np; k++)
      if (pts[k].time_ms < front) { /* same rule as on_front */
        front = pts[k].time_ms;
        fprintf(f, "%.0f %.6g\n", pts[k].tokens, pts[k].time_ms);
      }
    fclose(f);
    sim_free(pts);
    fprintf(r->md, "| %s | %.0f tokens, %.2f ms | %s | %.2f ms |\n", r->arch[i].stem, paper.tokens,
            paper.time_ms, paper_on ? "yes" : "no", best_at_budget);
    fprintf(r->gp, "%s'%s' index 0 using 1:2 with points pt 7 ps 0.4 lc %zu notitle, "
                   "'%s' index 2 using 1:2 with lines lw 2 lc %zu title '%s front', "
                   "'%s' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc %zu title \"%s: paper's point\"",
            i ? ", " : "", name, i + 1, name, i + 1, r->arch[i].stem, name, i + 1, r->arch[i].stem);
  }
  fprintf(r->gp, "\nunset logscale\n");
  fputc('\n', r->md);
  return SIM_OK;
}
/* }==== */

/* {==== Bounds and crossovers ==== */
static sim_status bounds(rep *r) {
  static sim_result res;
  fprintf(r->md, "## What bounds NSA, and where it overtakes full attention\n\n"
                 "The NSA forward kernel that takes longest at each length, and the resource that bounds it"
                 " (`bound`); then the shortest sequence (powers of two from 1k) at which NSA is faster than"
                 " full attention, per phase.\n\n| arch |");
  for (size_t s = 0; s < NSEQ; s++)
    fprintf(r->md, " %lluk |", (unsigned long long)(seqs[s] / 1024));
  fprintf(r->md, " crossover fwd | bwd | decode (b=1) | decode (b=64) |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  static const char *const phase[] = {"problem.phase=fwd", "problem.phase=bwd", "problem.phase=decode", "problem.phase=decode"};
  for (size_t i = 0; i < r->narch; i++) {
    fprintf(r->md, "| %s |", r->arch[i].stem);
    for (size_t s = 0; s < NSEQ; s++) {
      char seq[64];
      snprintf(seq, sizeof seq, "problem.seq_len=%llu", (unsigned long long)seqs[s]);
      const char *kv[] = {seq, "problem.phase=fwd"};
      sim_status st = predict(r, i, kv, 2, &res);
      if (st != SIM_OK)
        return st;
      const sim_kernel_stats *t = top_kernel(&res.main);
      fprintf(r->md, " %s: %s |", t->name + 4, sim_bound_name(t->bound));
    }
    for (int p = 0; p < 4; p++) {
      uint64_t cross = 0;
      for (uint64_t s = 1024; s <= 1048576 && !cross; s *= 2) {
        char seq[64];
        snprintf(seq, sizeof seq, "problem.seq_len=%llu", (unsigned long long)s);
        const char *kv[] = {seq, phase[p], p == 3 ? "problem.batch=64" : "problem.batch=1"};
        sim_status st = predict(r, i, kv, 3, &res);
        if (st != SIM_OK)
          return st;
        if (res.speedup_vs_full > 1.0)
          cross = s;
      }
      if (cross)
        fprintf(r->md, " %lluk |", (unsigned long long)(cross / 1024));
      else
        fprintf(r->md, " > 1M |");
    }
    fputc('\n', r->md);
  }
  fputc('\n', r->md);
  return SIM_OK;
}
/* }==== */

/* {==== Timeline ==== */
static sim_status timeline(rep *r) {
  static sim_result res;
  spec_arch a = r->arch[0].a;
  spec_workload w = r->wl;
  spec_source *asc = r->arch[0].asc;
  spec_source_truncate(asc, spec_source_marks(r->arch[0].as));
  spec_source_truncate(r->wsc, spec_source_marks(r->ws));
  sim_status st = spec_point_set(&a, asc, &w, r->wsc, "problem.seq_len", "2048", r->d);
  if (st == SIM_OK)
    st = spec_point_set(&a, asc, &w, r->wsc, "problem.phase", "fwd", r->d);
  if (st == SIM_OK)
    st = spec_point_check(&a, asc, &w, r->wsc, r->d);
  if (st != SIM_OK)
    return st;
  FILE *raw = open_in(r, "timeline.csv", "w+");
  if (!raw)
    return SIM_ERR_IO;
  fputs("kernel,sm,cta,start_cycle,end_cycle,phase\n", raw);
  cyc_opts co = {CYC_FIDELITY_TILE, raw, NULL, 0};
  w.attention.kind = SPEC_ATTN_NSA;
  st = cyc_run(&a, &w, &co, &res, r->d);
  if (st != SIM_OK) {
    fclose(raw);
    return st;
  }
  /* Kernels run one after another: offset each kernel's cycles. */
  FILE *f = open_in(r, "timeline.dat", "w");
  if (!f) {
    fclose(raw);
    return SIM_ERR_IO;
  }
  fprintf(f, "# kernel_index sm start_us end_us (main pipeline, kernels back to back)\n");
  double off[SIM_MAX_KERNELS];
  double acc = 0;
  for (size_t k = 0; k < res.main.nkernels; k++) {
    off[k] = acc;
    acc += (double)res.main.kernels[k].cycles;
  }
  rewind(raw);
  char line[256];
  if (!fgets(line, sizeof line, raw))
    line[0] = '\0';
  while (fgets(line, sizeof line, raw)) {
    char name[64];
    unsigned sm;
    unsigned long long cta, s, e;
    if (sscanf(line, "%63[^,],%u,%llu,%llu,%llu", name, &sm, &cta, &s, &e) != 5)
      continue;
    for (size_t k = 0; k < res.main.nkernels; k++)
      if (strcmp(res.main.kernels[k].name, name) == 0) {
        double clk = a.sm.clock_hz / 1e6;
        fprintf(f, "%zu %u %.4f %.4f\n", k, sm, (off[k] + (double)s) / clk, (off[k] + (double)e) / clk);
      }
  }
  fclose(f);
  fclose(raw);
  /* The raw rows are large and `nsasim predict --engine sim --timeline` gives
  ** them again; the report keeps the plotted .dat. */
  char rawpath[1024];
  snprintf(rawpath, sizeof rawpath, "%s/timeline.csv", r->o->out_dir);
  remove(rawpath);
  fprintf(r->md, "## A cycle-level run, SM by SM\n\n![timeline](timeline.png)\n\n"
                 "`nsasim predict --engine sim --set problem.seq_len=2048` on %s: each segment is one CTA on"
                 " its SM, coloured by kernel, kernels back to back (%.1f us in all); `--timeline FILE` on that"
                 " command writes the per-CTA rows.\n\n| kernel | cycles | L2 hit | tensor util | achieved occupancy | stall: memory | barrier | tensor |\n"
                 "|---|---|---|---|---|---|---|---|\n",
          r->arch[0].stem, acc / (a.sm.clock_hz / 1e6));
  for (size_t k = 0; k < res.main.nkernels; k++) {
    const sim_kernel_stats *ks = &res.main.kernels[k];
    fprintf(r->md, "| %s | %llu | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", ks->name,
            (unsigned long long)ks->cycles, ks->l2_read_hit_rate, ks->tensor_util, ks->achieved_occupancy,
            ks->stall_memory, ks->stall_barrier, ks->stall_tensor);
  }
  fputc('\n', r->md);
  fprintf(r->gp, "set terminal svg size 1200,520 font 'Helvetica,12' background '#ffffff' noenhanced\n"
                 "set output 'timeline.svg'\nset title 'Per-SM timeline of the NSA forward pipeline, 2k tokens, %s (cycle engine)'\n"
                 "set xlabel 'time (us)'\nset ylabel 'SM'\nset yrange [-1:%u]\nset key outside right font ',10'\nunset grid\nplot ",
          r->arch[0].stem, a.sm.count);
  for (size_t k = 0; k < res.main.nkernels; k++)
    fprintf(r->gp, "%s'timeline.dat' using ($1==%zu ? $3 : 1/0):2:($4-$3):(0) with vectors nohead lw 2 lc %zu title '%s'",
            k ? ", " : "", k, k + 1, res.main.kernels[k].name);
  fprintf(r->gp, "\nset yrange [*:*]\n");
  return SIM_OK;
}
/* }==== */

static void stem_of(const char *path, char *out, size_t n) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  const char *dot = strrchr(b, '.');
  snprintf(out, n, "%.*s", (int)(dot ? dot - b : (long)strlen(b)), b);
}

/* Converts each SVG to PNG with gnuplot's pngcairo terminal by re-running the
** script with the terminal swapped; returns 0 when gnuplot is missing. */
static int run_gnuplot(rep *r) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "cd '%s' && gnuplot plots.gp 2>gnuplot.log && "
           "sed -e \"s/^set terminal svg size \\([0-9]*\\),\\([0-9]*\\).*/set terminal pngcairo size \\1,\\2 font 'Helvetica,11' background '#ffffff' noenhanced/\" "
           "-e \"s/^set output '\\(.*\\)\\.svg'/set output '\\1.png'/\" plots.gp >plots-png.gp && gnuplot plots-png.gp 2>>gnuplot.log",
           r->o->out_dir);
  return system(cmd) == 0;
}

static void inline_svg(FILE *html, const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.svg", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(html, "<p>(figure %s not drawn: gnuplot missing)</p>\n", name);
    return;
  }
  char buf[65536];
  size_t n;
  int skipped_decl = 0;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    char *p = buf;
    if (!skipped_decl) { /* drop the XML declaration: HTML takes <svg> directly */
      char *s = strstr(buf, "<svg");
      if (s && (size_t)(s - buf) < n) {
        n -= (size_t)(s - buf);
        p = s;
      }
      skipped_decl = 1;
    }
    fwrite(p, 1, n, html);
  }
  fclose(f);
}

/* Markdown to HTML for this report's subset: headings, tables, paragraphs,
** images (replaced by the inline SVG). */
static sim_status write_html(rep *r) {
  char path[1024];
  snprintf(path, sizeof path, "%s/report.md", r->o->out_dir);
  FILE *md = fopen(path, "r");
  FILE *h = open_in(r, "report.html", "w");
  if (!md || !h) {
    if (md)
      fclose(md);
    if (h)
      fclose(h);
    return sim_diag_set(r->d, SIM_ERR_IO, path, 0, 0, "cannot convert to HTML");
  }
  fprintf(h, "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>nsasim report</title>\n"
             "<style>body{font-family:Helvetica,Arial,sans-serif;max-width:1240px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
             "code{background:#f3f3f3}svg{max-width:100%%;height:auto}</style></head><body>\n");
  char line[8192];
  int in_table = 0, header_row = 0;
  while (fgets(line, sizeof line, md)) {
    line[strcspn(line, "\n")] = '\0';
    if (in_table && line[0] != '|') {
      fputs("</table>\n", h);
      in_table = 0;
    }
    if (strncmp(line, "# ", 2) == 0)
      fprintf(h, "<h1>%s</h1>\n", line + 2);
    else if (strncmp(line, "## ", 3) == 0)
      fprintf(h, "<h2>%s</h2>\n", line + 3);
    else if (strncmp(line, "![", 2) == 0) {
      char *open = strchr(line, '('), *close = strrchr(line, '.');
      if (open && close && close > open) {
        *close = '\0';
        inline_svg(h, r->o->out_dir, open + 1);
      }
    } else if (line[0] == '|') {
      if (strncmp(line, "|---", 4) == 0)
        continue;
      if (!in_table) {
        fputs("<table>\n", h);
        in_table = 1;
        header_row = 1;
      }
      fputs("<tr>", h);
      char *save = NULL;
      for (char *cell = strtok_r(line + 1, "|", &save); cell; cell = strtok_r(NULL, "|", &save))
        fprintf(h, header_row ? "<th>%s</th>" : "<td>%s</td>", cell);
      fputs("</tr>\n", h);
      header_row = 0;
    } else if (line[0]) {
      fprintf(h, "<p>%s</p>\n", line);
    }
  }
  if (in_table)
    fputs("</table>\n", h);
  fputs("</body></html>\n", h);
  fclose(md);
  fclose(h);
  return SIM_OK;
}

sim_status rep_write(const rep_opts *o, sim_diag *d) {
  static rep r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.d = d;
  mkdir(o->out_dir, 0755);
  sim_status st = SIM_OK;
  for (size_t i = 0; i < o->narch && st == SIM_OK; i++) {
    st = spec_load_arch(o->arch_paths[i], o->arch_paths[i], NULL, NULL, 0, &r.arch[i].a, &r.arch[i].as, d);
    stem_of(o->arch_paths[i], r.arch[i].stem, sizeof r.arch[i].stem);
    r.narch++;
  }
  if (st == SIM_OK)
    st = spec_load_workload(o->workload_path, o->workload_path, NULL, NULL, 0, &r.wl, &r.ws, d);
  if (st == SIM_OK && r.wl.attention.kind != SPEC_ATTN_NSA)
    st = sim_diag_set(d, SIM_ERR_USAGE, o->workload_path, 0, 0, "the report compares NSA with full attention: give an NSA workload");
  for (size_t i = 0; st == SIM_OK && i < r.narch; i++)
    if (!(r.arch[i].asc = spec_source_clone(r.arch[i].as)))
      st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  if (st == SIM_OK && !(r.wsc = spec_source_clone(r.ws)))
    st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  if (st == SIM_OK) {
    r.md = open_in(&r, "report.md", "w");
    r.gp = open_in(&r, "plots.gp", "w");
    if (!r.md || !r.gp)
      st = SIM_ERR_IO;
  }
  if (st == SIM_OK) {
    fprintf(r.md, "# nsasim report: NSA against full attention on %zu devices\n\nRegenerate with `%s`.\n\n",
            r.narch, o->command);
    fprintf(r.md, "nsasim %s, analytical engine unless said otherwise; workload `%s` (%s); archs:", SIM_VERSION,
            o->workload_path, r.wl.description);
    for (size_t i = 0; i < r.narch; i++)
      fprintf(r.md, " `%s`%s", o->arch_paths[i], i + 1 < r.narch ? "," : ".");
    fprintf(r.md, " Figures are SVG (and PNG beside them); the data behind each is in the `.dat` files.\n\n");
    st = speedups(&r);
  }
  if (st == SIM_OK)
    st = bounds(&r);
  if (st == SIM_OK)
    st = pareto(&r);
  if (st == SIM_OK)
    st = heatmaps(&r);
  if (st == SIM_OK)
    st = roofline(&r);
  if (st == SIM_OK && !o->no_timeline)
    st = timeline(&r);
  if (st == SIM_OK && o->nmeasured) {
    /* nsasim validate's report beside this one, its figure inline here. */
    char prefix[1024];
    snprintf(prefix, sizeof prefix, "%s/validation", o->out_dir);
    scr_opts so;
    memset(&so, 0, sizeof so);
    so.model = 1;
    so.sim_max_seq = 8192;
    so.arch_text = o->measured_arch_text;
    so.arch_name = "measured arch";
    so.nsa_text = o->nsa_text;
    so.full_text = o->full_text;
    so.report = prefix;
    so.command = o->command;
    if (o->measured_ncu)
      so.ncu_path[so.n_ncu++] = o->measured_ncu;
    so.calibration = o->measured_calibration;
    double mape[2];
    FILE *sink = fopen("/dev/null", "w");
    st = sink ? scr_run(o->measured, o->nmeasured, &so, sink, mape, d)
              : sim_diag_set(d, SIM_ERR_IO, "/dev/null", 0, 0, "cannot open");
    if (sink)
      fclose(sink);
    if (st == SIM_OK) {
      fprintf(r.md, "## Predicted against measured\n\n![predicted vs measured](validation/pred-vs-meas.png)\n\n"
                    "The analytical engine against ");
      for (size_t i = 0; i < o->nmeasured; i++)
        fprintf(r.md, "%s`%s`", i == 0 ? "" : i + 1 == o->nmeasured ? " and " : ", ", o->measured[i]);
      fprintf(r.md, " (kernel-time MAPE %.1f%% on the held-out configurations; every statistic, the error by "
                    "kernel and the speedup pairs are in `validation.md`).\n\n",
              100 * mape[0]);
    }
  }
  if (r.md)
    fclose(r.md);
  if (r.gp)
    fclose(r.gp);
  if (st == SIM_OK && !run_gnuplot(&r))
    fprintf(stderr, "nsasim: warning: gnuplot failed or is missing (see %s/gnuplot.log); figures not drawn\n", o->out_dir);
  if (st == SIM_OK)
    st = write_html(&r);
  for (size_t i = 0; i < r.narch; i++) {
    spec_source_free(r.arch[i].as);
    spec_source_free(r.arch[i].asc);
  }
  spec_source_free(r.ws);
  spec_source_free(r.wsc);
  return st;
}
