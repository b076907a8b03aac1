/*
** sim/core/report.c — printers for sim_result: JSON (the stable contract),
** an aligned table for people, and CSV. They format; they never compute
** anything an engine did not put in the record.
*/
#include <string.h>

#include "jsonw.h"
#include "result.h"

/* {==== JSON ==== */
static void kernel_json(jsonw *w, const sim_kernel_stats *k) {
  jsonw_obj_begin(w, NULL);
  jsonw_str(w, "name", k->name);
  jsonw_num(w, "time_s", k->time_s);
  jsonw_num(w, "flops", k->flops);
  jsonw_num(w, "tensor_flops", k->tensor_flops);
  jsonw_num(w, "fp32_flops", k->fp32_flops);
  jsonw_num(w, "sfu_ops", k->sfu_ops);
  jsonw_u64(w, "hbm_read_bytes", k->hbm_read_bytes);
  jsonw_u64(w, "hbm_write_bytes", k->hbm_write_bytes);
  jsonw_u64(w, "l2_read_bytes", k->l2_read_bytes);
  jsonw_u64(w, "smem_bytes", k->smem_bytes);
  jsonw_u64(w, "ctas", k->ctas);
  jsonw_u64(w, "ctas_per_sm", k->ctas_per_sm);
  jsonw_num(w, "occupancy", k->occupancy);
  jsonw_str(w, "occupancy_limiter", k->occupancy_limiter);
  jsonw_num(w, "waves", k->waves);
  jsonw_str(w, "bound", sim_bound_name(k->bound));
  jsonw_obj_begin(w, "bound_time_s");
  for (int b = 0; b < SIM_BOUND_COUNT; b++)
    jsonw_num(w, sim_bound_name((sim_bound)b), k->bound_time_s[b]);
  jsonw_obj_end(w);
  if (k->has_cycle) {
    jsonw_u64(w, "cycles", k->cycles);
    jsonw_num(w, "l2_read_hit_rate", k->l2_read_hit_rate);
    jsonw_num(w, "smem_wavefronts", k->smem_wavefronts);
    jsonw_num(w, "smem_bank_conflicts", k->smem_bank_conflicts);
    jsonw_num(w, "tensor_util", k->tensor_util);
    jsonw_num(w, "achieved_occupancy", k->achieved_occupancy);
    jsonw_obj_begin(w, "stalls");
    jsonw_num(w, "memory", k->stall_memory);
    jsonw_num(w, "barrier", k->stall_barrier);
    jsonw_num(w, "tensor", k->stall_tensor);
    jsonw_num(w, "other", k->stall_other);
    jsonw_obj_end(w);
  }
  jsonw_obj_end(w);
}

static void pipeline_json(jsonw *w, const sim_pipeline *p) {
  jsonw_num(w, "total_time_s", p->total_time_s);
  jsonw_arr_begin(w, "kernels");
  for (size_t i = 0; i < p->nkernels; i++)
    kernel_json(w, &p->kernels[i]);
  jsonw_arr_end(w);
}

void sim_result_write_json(jsonw *w, const sim_result *r) {
  jsonw_str(w, "engine", r->engine);
  jsonw_str(w, "arch", r->arch);
  jsonw_str(w, "workload", r->workload);
  pipeline_json(w, &r->main);
  if (r->has_baseline) {
    jsonw_obj_begin(w, "baseline");
    pipeline_json(w, &r->baseline);
    jsonw_obj_end(w);
    jsonw_num(w, "speedup_vs_full", r->speedup_vs_full);
  }
  if (r->has_tokens) {
    jsonw_obj_begin(w, "tokens_per_step");
    jsonw_num(w, "compression", r->tokens_per_step.compression);
    jsonw_num(w, "selection", r->tokens_per_step.selection);
    jsonw_num(w, "window", r->tokens_per_step.window);
    jsonw_num(w, "total", r->tokens_per_step.total);
    jsonw_num(w, "full", r->tokens_per_step.full);
    jsonw_obj_end(w);
  }
}
/* }==== */

/* {==== Table ==== */
static void human_time(char *buf, size_t n, double s) {
  if (s >= 1)
    snprintf(buf, n, "%.3f s", s);
  else if (s >= 1e-3)
    snprintf(buf, n, "%.3f ms", s * 1e3);
  else
    snprintf(buf, n, "%.2f us", s * 1e6);
}

static void human_bytes(char *buf, size_t n, double b) {
  if (b >= 1e9)
    snprintf(buf, n, "%.2f GB", b / 1e9);
  else if (b >= 1e6)
    snprintf(buf, n, "%.2f MB", b / 1e6);
  else if (b >= 1e3)
    snprintf(buf, n, "%.2f kB", b / 1e3);
  else
    snprintf(buf, n, "%.0f B", b);
}

static void pipeline_table(FILE *out, const char *title, const sim_pipeline *p) {
  char t[32];
  human_time(t, sizeof t, p->total_time_s);
  fprintf(out, "%s: %s\n", title, t);
  fprintf(out, "  %-20s %11s %6s %9s %10s %10s %10s %9s %6s %5s %7s  %s\n", "kernel", "time",
          "share", "TFLOP/s", "HBM read", "HBM write", "L2 read", "CTAs", "CTA/SM", "occ",
          "waves", "bound");
  for (size_t i = 0; i < p->nkernels; i++) {
    const sim_kernel_stats *k = &p->kernels[i];
    char tm[32], hr[32], hw[32], l2[32];
    human_time(tm, sizeof tm, k->time_s);
    human_bytes(hr, sizeof hr, (double)k->hbm_read_bytes);
    human_bytes(hw, sizeof hw, (double)k->hbm_write_bytes);
    human_bytes(l2, sizeof l2, (double)k->l2_read_bytes);
    double share = p->total_time_s > 0 ? 100.0 * k->time_s / p->total_time_s : 0;
    double tflops = k->time_s > 0 ? k->tensor_flops / k->time_s / 1e12 : 0;
    fprintf(out, "  %-20s %11s %5.1f%% %9.1f %10s %10s %10s %9llu %6u %4.0f%% %7.2f  %s\n",
            k->name, tm, share, tflops, hr, hw, l2, (unsigned long long)k->ctas, k->ctas_per_sm,
            100.0 * k->occupancy, k->waves, sim_bound_name(k->bound));
  }
}

void sim_result_write_table(FILE *out, const sim_result *r) {
  fprintf(out, "nsasim %s engine, arch %s, workload %s\n\n", r->engine, r->arch, r->workload);
  pipeline_table(out, "pipeline", &r->main);
  if (r->has_baseline) {
    fputc('\n', out);
    pipeline_table(out, "full-attention baseline", &r->baseline);
  }
  if (r->has_tokens)
    fprintf(out,
            "\ntokens read per decode step and KV head: compression %.0f + selection %.0f + "
            "window %.0f = %.0f (full attention: %.0f)\n",
            r->tokens_per_step.compression, r->tokens_per_step.selection,
            r->tokens_per_step.window, r->tokens_per_step.total, r->tokens_per_step.full);
  /* Verdict: the kernel that takes the most time and what bounds it. */
  const sim_kernel_stats *top = NULL;
  for (size_t i = 0; i < r->main.nkernels; i++)
    if (!top || r->main.kernels[i].time_s > top->time_s)
      top = &r->main.kernels[i];
  fputc('\n', out);
  if (top) {
    char t[32];
    human_time(t, sizeof t, r->main.total_time_s);
    fprintf(out, "verdict: %s total; %s takes %.0f%% and is %s-bound", t, top->name,
            r->main.total_time_s > 0 ? 100.0 * top->time_s / r->main.total_time_s : 0.0,
            sim_bound_name(top->bound));
    if (r->has_baseline)
      fprintf(out, "; %.2fx faster than full attention", r->speedup_vs_full);
    fputs("\n", out);
  }
}
/* }==== */

/* {==== CSV ==== */
static void csv_rows(FILE *out, const sim_result *r, const char *pipe, const sim_pipeline *p) {
  for (size_t i = 0; i < p->nkernels; i++) {
    const sim_kernel_stats *k = &p->kernels[i];
    char v[10][40];
    sim_format_num(v[0], sizeof v[0], k->time_s);
    sim_format_num(v[1], sizeof v[1], k->flops);
    sim_format_num(v[2], sizeof v[2], k->tensor_flops);
    sim_format_num(v[3], sizeof v[3], k->fp32_flops);
    sim_format_num(v[4], sizeof v[4], k->sfu_ops);
    sim_format_num(v[5], sizeof v[5], k->occupancy);
    sim_format_num(v[6], sizeof v[6], k->waves);
    fprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%llu,%llu,%llu,%llu,%llu,%u,%s,%s,%s,%s\n",
            r->engine, r->arch, r->workload, pipe, k->name, v[0], v[1], v[2], v[3], v[4],
            (unsigned long long)k->hbm_read_bytes, (unsigned long long)k->hbm_write_bytes,
            (unsigned long long)k->l2_read_bytes, (unsigned long long)k->smem_bytes,
            (unsigned long long)k->ctas, k->ctas_per_sm, v[5], k->occupancy_limiter, v[6],
            sim_bound_name(k->bound));
  }
}

void sim_result_write_csv(FILE *out, const sim_result *r) {
  fputs("engine,arch,workload,pipeline,kernel,time_s,flops,tensor_flops,fp32_flops,sfu_ops,"
        "hbm_read_bytes,hbm_write_bytes,l2_read_bytes,smem_bytes,ctas,ctas_per_sm,occupancy,"
        "occupancy_limiter,waves,bound\n",
        out);
  csv_rows(out, r, "main", &r->main);
  if (r->has_baseline)
    csv_rows(out, r, "baseline", &r->baseline);
}
/* }==== */
