/*
** sim/cycle/cycle.c — cyc_run: selections (pattern or trace, and the
** inverted index the KV-block-outer kernels need), the memory system, the
** workload's pipeline and, for NSA, the full-attention baseline.
*/
#include <string.h>

#include "alloc.h"
#include "cyc_int.h"
#include "select.h"

uint32_t cyc_sel_get(const cyc_sel *s, uint32_t b, uint32_t h, uint64_t t, int32_t *out) {
  const spec_workload *wl = s->wl;
  uint32_t n = wl->attention.selection.count;
  if (s->trace) {
    const int32_t *e = s->trace->idx + (((uint64_t)b * wl->problem.heads_kv + h) * wl->problem.q_len + t) * n;
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++)
      if (e[i] >= 0)
        out[k++] = e[i];
    for (uint32_t i = k; i < n; i++)
      out[i] = -1;
    return k;
  }
  return cyc_select_blocks(wl, b, h, t, out);
}

/* For each (b, h, block), the query tokens that selected it (counting sort). */
static sim_status build_inverted(cyc_sel *s, sim_diag *d) {
  const spec_problem *p = &s->wl->problem;
  uint32_t n = s->wl->attention.selection.count;
  s->nblocks = (p->seq_len - 1) / s->wl->attention.selection.block + 1;
  uint64_t units = (uint64_t)p->batch * p->heads_kv, buckets = units * s->nblocks;
  uint64_t entries = units * p->q_len * n;
  if (entries > (1ull << 32))
    return sim_diag_set(d, SIM_ERR_UNSUPPORTED, "", 0, 0,
                        "the KV-block-outer selection kernel's index would hold %llu entries",
                        (unsigned long long)entries);
  s->start = sim_calloc((size_t)buckets + 1, sizeof *s->start);
  s->tok = sim_calloc((size_t)entries + 1, sizeof *s->tok);
  int32_t *blk = sim_calloc(n, sizeof *blk);
  if (!s->start || !s->tok || !blk) {
    sim_free(blk);
    return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory for the selection index");
  }
  for (int pass = 0; pass < 2; pass++) {
    for (uint64_t u = 0; u < units; u++)
      for (uint64_t t = 0; t < p->q_len; t++) {
        uint32_t k = cyc_sel_get(s, (uint32_t)(u / p->heads_kv), (uint32_t)(u % p->heads_kv), t, blk);
        for (uint32_t i = 0; i < k; i++) {
          uint64_t bkt = u * s->nblocks + (uint64_t)blk[i];
          if (pass == 0)
            s->start[bkt + 1]++;
          else
            s->tok[s->start[bkt]++] = (uint32_t)t;
        }
      }
    if (pass == 0)
      for (uint64_t i = 0; i < buckets; i++)
        s->start[i + 1] += s->start[i];
    else /* the fill advanced each start to the next bucket's: shift back */
      for (uint64_t i = buckets; i > 0; i--)
        s->start[i] = s->start[i - 1];
  }
  s->start[0] = 0;
  sim_free(blk);
  return SIM_OK;
}

sim_status cyc_run(const spec_arch *a, const spec_workload *wl, const cyc_opts *opts,
                   sim_result *r, sim_diag *d) {
  memset(r, 0, sizeof *r);
  snprintf(r->engine, sizeof r->engine, "sim");
  snprintf(r->arch, sizeof r->arch, "%s", a->name);
  snprintf(r->workload, sizeof r->workload, "%s", wl->name);
  cyc_mem *mem = cyc_mem_new(a, opts->fidelity);
  if (!mem)
    return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory for the memory system");
  sim_status st = SIM_OK;
  cyc_trace trace;
  memset(&trace, 0, sizeof trace);
  cyc_sel sel;
  memset(&sel, 0, sizeof sel);
  sel.wl = wl;
  if (wl->attention.kind == SPEC_ATTN_NSA) {
    if (wl->attention.selection.pattern == SPEC_PAT_TRACE) {
      const char *path = opts->trace_path ? opts->trace_path : wl->attention.selection.trace;
      st = cyc_trace_read(path, wl, &trace, d);
      sel.trace = &trace;
    }
    sel.nblocks = (wl->problem.seq_len - 1) / wl->attention.selection.block + 1;
    int need_index = wl->problem.phase == SPEC_PHASE_BWD ||
                     (wl->problem.phase == SPEC_PHASE_FWD &&
                      wl->kernel[SPEC_K_SELECTED].design == SPEC_DESIGN_KV_OUTER);
    if (st == SIM_OK && need_index)
      st = build_inverted(&sel, d);
    if (st == SIM_OK)
      st = cyc_nsa_pipeline(a, wl, opts, mem, &sel, &r->main, d);
    if (st == SIM_OK)
      st = cyc_full_pipeline(a, wl, opts, mem, &r->baseline, d);
    if (st == SIM_OK) {
      r->has_baseline = 1;
      r->speedup_vs_full = r->main.total_time_s > 0 ? r->baseline.total_time_s / r->main.total_time_s : 0;
      if (wl->problem.phase == SPEC_PHASE_DECODE) {
        r->has_tokens = 1;
        spec_decode_tokens(wl, &r->tokens_per_step);
      }
    }
  } else {
    st = cyc_full_pipeline(a, wl, opts, mem, &r->main, d);
  }
  sim_free(sel.start);
  sim_free(sel.tok);
  cyc_trace_free(&trace);
  cyc_mem_free(mem);
  return st;
}

/* Runs only the selected-attention forward kernel (for bench-cycle and
** tests); *sectors is the number of L2 sector requests it made. */
sim_status cyc_nsa_selected_only(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                                 sim_kernel_stats *out, uint64_t *sectors, sim_diag *d);
sim_status cyc_nsa_selected_only(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                                 sim_kernel_stats *out, uint64_t *sectors, sim_diag *d) {
  cyc_mem *mem = cyc_mem_new(a, o->fidelity);
  if (!mem)
    return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  cyc_sel sel;
  memset(&sel, 0, sizeof sel);
  sel.wl = wl;
  sel.nblocks = (wl->problem.seq_len - 1) / wl->attention.selection.block + 1;
  static sim_pipeline p;
  memset(&p, 0, sizeof p);
  spec_workload w = *wl;
  w.problem.phase = SPEC_PHASE_FWD;
  w.kernel[SPEC_K_SELECTED].design = SPEC_DESIGN_GROUP;
  sel.wl = &w;
  sim_status st = cyc_selected_kernel(a, &w, o, mem, &sel, &p, d);
  if (st == SIM_OK) {
    *out = p.kernels[0];
    *sectors = (out->l2_read_bytes + a->l2.sector_bytes - 1) / a->l2.sector_bytes;
  }
  cyc_mem_free(mem);
  return st;
}
