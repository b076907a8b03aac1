/*
** model/nsa_fused.c — the fused NSA decode step (kernel.cmp_attn.design fused; the validation
** kernels in validate/kernels/nsa_decode.cu): three launches where model/nsa.c has six, since
** at decode sizes each launch, ramp and drain cost about as much as a kernel's work.
**   nsa.decode.cmp      the split-KV attention over the compressed keys, as nsa.cmp_attn.decode;
**                       with the mean pool, the last split's CTA first pools the newest block;
**   nsa.decode.select   CTAs of SPEC_FUSED_SELECT_BLOCKS selection blocks score their blocks
**                       from the logits and merge the compressed branch's splits; the last CTA
**                       of each (sequence, KV head) picks the top-n;
**   nsa.decode.branches the selected and window CTAs in one grid; the last CTA of each
**                       (sequence, KV head) merges both with the compressed output and the gates.
** The work is the unfused pipeline's, kernel for kernel: the FLOPs add up to the same total.
** What fusion changes is launches, and the serial tails (mdl_work.tail_*) that replace them.
** fused_lean runs the same three kernels with the lean group body (fewer warp instructions per
** tile and fixed: kstream.h SPEC_GRP_LEAN_*). fused2 runs two: nsa.decode.cmp_select, the lean
** compressed attention whose CTAs then wait for their unit's other splits, each merge a share of
** o_cmp and score the blocks of its own tokens, the last running the top-n as its tail
** (kstream.h spec_v2_*); and nsa.decode.branches with the lean body. fused3 runs fused_lean's
** three kernels; the selection's last CTA picks the top-n by radix select (kstream.h
** spec_topn_radix_instr) and the branch kernel's CTAs of a unit share its merge (spec_v3_merge_instr).
** fused4 runs fused3's with the top-n from per-warp thresholds (spec_topn_warps_instr), the
** selection's front without the compressed output's merge and with its logits in flight with the
** split lse (one memory round, not three), and the shared branch merge merging the compressed
** branch's splits too and writing o_cmp (spec_v4_merge_instr). Each kernel is the one timed alone:
** the whole step's per-pair flags (done_cmp, ready_sel) are not modelled, so its total is the
** kernels' sum as for every fused step.
*/
#include <math.h>

#include "mdl_int.h"

/* Dependent round trips of the pool: the l tokens' loads, then the fence after its store. */
#define MDL_POOL_TRIPS 2.0
/* The 4-byte arrival counter (and the pool's fence) each CTA touches at L2. */
#define MDL_SYNC_BYTES 4.0

typedef struct fshape {
  double units, g, dk, dv, e, l, d, lp, n;
  double nc, nsel, sel_keys, win_keys;
} fshape;

static fshape fshape_of(const spec_workload *wl) {
  const spec_problem *p = &wl->problem;
  const spec_attention *at = &wl->attention;
  sim_tokens tk;
  spec_decode_tokens(wl, &tk);
  fshape s = {(double)p->batch * p->heads_kv, (double)p->heads_q / p->heads_kv, p->head_dim_qk,
              p->head_dim_v, spec_dtype_bytes(p->dtype), at->compression.block,
              at->compression.stride, at->selection.block, at->selection.count, tk.compression,
              (double)spec_selection_blocks(wl), tk.selection, tk.window};
  return s;
}

/* fused2: the selection on the compressed kernel's CTAs (nsa_decode.cu cmp_select_v2). Each CTA,
** after its tiles: the wait for its unit's other splits and, at the end, its arrival (two round
** trips at L2); every split's lse, its share of the o_cmp partials, and its own tokens' logits, two
** per thread per pass, read back from L2 (one round trip each: a pass's loads are in flight
** together); its instructions (kstream.h spec_v2_select_instr, on every CTA's path). The last CTA
** of a unit then reads the splits' block scores and runs the CTA-wide top-n (its tail). The
** selection's arithmetic and the compressed merge are the fused selection kernel's; the logits and
** partials were written by this grid moments before, so they come from L2. */
static void add_v2_select(const spec_workload *wl, double sc, mdl_work *w) {
  fshape s = fshape_of(wl);
  const spec_mapping *m = &wl->kernel[SPEC_K_CMP_ATTN];
  double nt = m->warps * 32.0, r = s.lp / s.d, h = s.l / s.d - 1.0;
  double tokens = ceil(ceil(s.nc / m->block_n) / sc) * m->block_n; /* the longest split's */
  double blocks = ceil(tokens / r) + 1.0;
  double forced = (double)wl->attention.selection.initial + wl->attention.selection.local;
  double picks = s.nsel > s.n ? fmax(0.0, s.n - forced) : 0.0;
  double nsel4 = ceil(s.nsel / 4.0) * 4.0;
  w->name = "nsa.decode.cmp_select";
  w->sfu_ops += s.units * s.g * s.nc + s.units * s.g * sc;
  w->fp32_flops += s.units * (2.0 * s.g * s.nc + s.nsel * (s.lp / s.d + s.l / s.d + log2(s.n))) +
                   s.units * s.g * sc * (s.dv * 2.0 + 4.0);
  /* every CTA: all split lse; once per unit: the o partials, the logits, the block scores */
  w->l2_read_bytes += s.units * sc * sc * s.g * 4.0 + s.units * s.g * sc * s.dv * 4.0 + s.units * s.g * s.nc * 4.0 +
                      s.units * sc * nsel4 * 4.0 + 2.0 * w->ctas * MDL_SYNC_BYTES;
  /* the splits' block scores, the scores, o_cmp (bf16) and its lse, the top-n indices */
  w->hbm_write_bytes += s.units * (sc * nsel4 * 4.0 + s.nsel * 4.0 + s.g * (s.dv * s.e + 4.0) + s.n * 4.0);
  w->warp_instr_fixed += spec_v2_select_instr(nt, sc, s.g, s.dv, r, h, tokens, blocks);
  w->sync_trips += 2.0 + 2.0 + ceil(tokens / (2.0 * nt));
  w->tail_units = s.units;
  w->tail_trips = 1.0;
  w->tail_bytes = sc * nsel4 * 4.0;
  w->tail_fp32 = s.nsel * log2(s.n);
  w->tail_barriers = 1.0 + 2.0 * picks;
  w->tail_instr = spec_v2_tail_instr(nt, sc, s.nsel, s.n, forced);
}

/* The compressed branch; *splits_out for the selection's merge. */
static sim_status cmp_kernel(const spec_arch *a, const spec_workload *wl, double *splits_out,
                             sim_pipeline *p, sim_diag *d) {
  fshape s = fshape_of(wl);
  double sc = mdl_decode_splits(a, wl, SPEC_K_CMP_ATTN, wl->kernel[SPEC_K_CMP_ATTN].split_kv, s.nc);
  mdl_work w;
  mdl_split_decode_work(wl, SPEC_K_CMP_ATTN, "nsa.decode.cmp", s.nc, sc, &w);
  if (wl->attention.compression.method == SPEC_CMP_MEAN && s.nc > 0) {
    /* A block completes every d steps; on that step the last split's CTA pools it (l tokens of
    ** K and V in, one compressed token out) before its tile loop. Per step a d-th of it, as
    ** nsa.compress.step counts the unfused pool. */
    double pools = s.units / s.d;
    w.fp32_flops += pools * s.l * (s.dk + s.dv);
    w.l2_read_bytes += pools * (s.l * (s.dk + s.dv) * s.e + MDL_SYNC_BYTES);
    w.hbm_read_bytes += pools * s.l * (s.dk + s.dv) * s.e;
    w.hbm_write_bytes += pools * (s.dk + s.dv) * s.e;
    w.serial_trips = MDL_POOL_TRIPS / s.d;
    /* The pooling CTA's instructions come before its tiles (kstream.h), a d-th of steps. */
    w.warp_instr_fixed += SPEC_FUSED_POOL_INSTR / s.d;
  }
  /* The plain fused kernel's own measured interval (SPEC_DEC_CMP_ISSUE_*): the group forward's
  ** does not hold for a body that also stores its logits and streams from HBM. */
  w.issue_cycles = SPEC_DEC_CMP_ISSUE_CYCLES;
  w.issue_warps = SPEC_DEC_CMP_ISSUE_WARPS;
  w.issue_slope = SPEC_GRP_ISSUE_SLOPE;
  if (spec_decode_lean(wl)) {
    /* The lean body's stream (kstream.h): its tiles store the logits; the pool's count stays. It
    ** issues at its own measured interval (SPEC_DEC_CMP_LEAN_ISSUE_*), not the group forward's. */
    const spec_mapping *m = &wl->kernel[SPEC_K_CMP_ATTN];
    w.warp_instr_fixed += spec_grp_lean_instr_fixed_g(m->warps, s.dv, 0, s.g) - spec_grp_instr_fixed_g(m->warps, s.dv, s.g);
    w.warp_instr_per_iter = spec_grp_lean_instr_per_tile(s.dk, 1);
    w.issue_cycles = SPEC_DEC_CMP_LEAN_ISSUE_CYCLES;
    w.issue_warps = SPEC_DEC_CMP_LEAN_ISSUE_WARPS;
    w.issue_slope = SPEC_DEC_CMP_LEAN_ISSUE_SLOPE;
  }
  if (spec_decode_two_launch(wl))
    add_v2_select(wl, sc, &w);
  if (spec_decode_lean(wl)) {
    /* Only the tiles issue at the lean interval, which holds their stream's waits (kstream.h); the
    ** fixed instructions (prologue, pool, epilogue and fused2's selection), whose round trips are
    ** counted apart (the prologue's trip, the first tiles, sync_trips), at the dependent one. */
    w.dep_instr_per_cta = w.warp_instr_fixed;
    w.warp_instr_fixed = 0;
  }
  *splits_out = sc;
  return mdl_emit(a, wl, &w, p, d);
}

static sim_status select_kernel(const spec_arch *a, const spec_workload *wl, double sc,
                                sim_pipeline *p, sim_diag *d) {
  fshape s = fshape_of(wl);
  double chunks = ceil(s.nsel / SPEC_FUSED_SELECT_BLOCKS);
  double logits = 0; /* compressed tokens whose logits the CTAs of one unit read, halos included */
  for (uint64_t c = 0; c < (uint64_t)chunks; c++) {
    spec_select_chunk ch;
    spec_fused_select_chunk(wl, c, &ch);
    logits += (double)(ch.hi - ch.lo);
  }
  /* The forced blocks the top-n takes before it picks. */
  double forced = (double)wl->attention.selection.initial + wl->attention.selection.local;
  mdl_work w = {0};
  w.name = "nsa.decode.select";
  w.map = SPEC_K_SELECT_SCORES;
  w.ctas = s.units * chunks;
  /* The unfused selection's work (exp of every logit less its head's lse, the group sum, Eq. 9,
  ** the top-n) and the compressed branch's share of the unfused combine (its splits merged). */
  w.sfu_ops = s.units * s.g * s.nc + s.units * s.g * sc;
  w.fp32_flops = s.units * (2.0 * s.g * s.nc + s.nsel * (s.lp / s.d + s.l / s.d + log2(s.n))) +
                 s.units * s.g * sc * (s.dv * 2.0 + 4.0);
  /* Every CTA reads every head's split lse (for the probabilities) and its logits with the Eq. 9
  ** halo; the split outputs (fp32 o and lse) are read once, by the CTA that merges their head;
  ** the tail reads the scores back; each CTA touches its arrival counter. */
  double partials = s.units * s.g * sc * (s.dv * 4.0 + 4.0);
  w.l2_read_bytes = s.units * chunks * sc * s.g * 4.0 + s.units * s.g * logits * 4.0 + partials +
                    s.units * s.nsel * 4.0 + w.ctas * MDL_SYNC_BYTES;
  w.hbm_read_bytes = s.units * s.g * s.nc * 4.0 + partials;
  /* scores, o_cmp (bf16) and its lse, the top-n indices */
  w.hbm_write_bytes = s.units * s.nsel * 4.0 + s.units * s.g * (s.dv * s.e + 4.0) + s.units * s.n * 4.0;
  /* Each CTA's warps issue the front's measured stream (the logits, the merge, Eq. 9, the arrival:
  ** kstream.h SPEC_FUSED_SELECT_FRONT_*) at its measured interval, which holds its loads' and
  ** barriers' waits: the loads are on that path (loads_serial, no steps) and no trip is added. */
  w.tile_bytes = s.g * SPEC_FUSED_SELECT_BLOCKS * (s.lp / s.d) * 4.0;
  w.warp_instr_fixed = SPEC_FUSED_SELECT_FRONT_INSTR;
  w.issue_cycles = SPEC_FUSED_SELECT_FRONT_ISSUE_CYCLES;
  w.issue_warps = SPEC_FUSED_SELECT_FRONT_ISSUE_WARPS;
  w.issue_slope = SPEC_FUSED_SELECT_FRONT_ISSUE_SLOPE;
  w.loads_serial = 1;
  w.iters_per_cta = 0.0;
  w.sync_trips = 0.0;
  /* The top-n on the unit's last CTA: the measured tail (the scores read back from L2, topn_cta or,
  ** in fused3, topn_radix) at its measured interval (barriers in it); the arrival's round trip. */
  w.tail_units = s.units;
  w.tail_trips = 1.0;
  w.tail_bytes = s.nsel * 4.0;
  w.tail_fp32 = s.nsel * log2(s.n);
  w.tail_barriers = 0.0;
  int radix = spec_decode_v3(wl) && !spec_decode_v4(wl);
  w.tail_instr = spec_fused_select_tail_instr(s.nsel, s.n, forced, SPEC_FUSED_SELECT_WARPS * 32.0, radix);
  w.tail_issue_cycles = radix ? SPEC_RADIX_TAIL_ISSUE_CYCLES : SPEC_FUSED_SELECT_TOPN_ISSUE_CYCLES;
  if (spec_decode_v4(wl)) {
    /* fused4: no o_cmp merge here (the branch kernel's shared merge runs it): its exp, FLOPs,
    ** partials and o_cmp store leave; the lse_cmp rows stay. The front's measured stream less the
    ** merge's instructions (kstream.h spec_v4_front_instr); its interval holds three dependent
    ** memory rounds (lse, partials, logits), of which one remains: the logits are in flight with
    ** the lse. The top-n by topn_warps (its source count with the scores' read-back) at topn_cta's
    ** measured interval, the same last CTA of 8 warps. */
    w.sfu_ops -= s.units * s.g * sc;
    w.fp32_flops -= s.units * s.g * sc * (s.dv * 2.0 + 4.0);
    w.l2_read_bytes -= partials;
    w.hbm_read_bytes -= partials;
    w.hbm_write_bytes -= s.units * s.g * s.dv * s.e;
    w.warp_instr_fixed = spec_v4_front_instr(sc, s.dv);
    w.sync_trips = -2.0;
    w.tail_instr = spec_topn_warps_instr(s.nsel, s.n, forced, SPEC_FUSED_SELECT_WARPS * 32.0);
    w.tail_issue_cycles = SPEC_FUSED_SELECT_TOPN_ISSUE_CYCLES;
  }
  return mdl_emit(a, wl, &w, p, d);
}

static sim_status branches_kernel(const spec_arch *a, const spec_workload *wl, double sc, sim_pipeline *p,
                                  sim_diag *d) {
  fshape s = fshape_of(wl);
  /* One compiled kernel runs both branches: kernel.selected's mapping; the window's CTAs take
  ** kernel.window's split_kv (or the same auto rule over their own tiles). */
  double ss = mdl_decode_splits(a, wl, SPEC_K_SELECTED, wl->kernel[SPEC_K_SELECTED].split_kv, s.sel_keys);
  double sw = mdl_decode_splits(a, wl, SPEC_K_SELECTED, wl->kernel[SPEC_K_WINDOW].split_kv, s.win_keys);
  mdl_work w, ws, ww;
  mdl_split_decode_work(wl, SPEC_K_SELECTED, "nsa.decode.branches", s.sel_keys, ss, &ws);
  mdl_split_decode_work(wl, SPEC_K_SELECTED, "nsa.decode.branches", s.win_keys, sw, &ww);
  w = ws;
  w.ctas += ww.ctas;
  w.tensor_flops += ww.tensor_flops;
  w.sfu_ops += ww.sfu_ops;
  w.fp32_flops += ww.fp32_flops;
  w.l2_read_bytes += ww.l2_read_bytes;
  w.hbm_read_bytes += ww.hbm_read_bytes;
  w.hbm_write_bytes += ww.hbm_write_bytes;
  w.smem_bytes += ww.smem_bytes;
  w.iters_per_cta = fmax(ws.iters_per_cta, ww.iters_per_cta);
  /* The merge, as the unfused combine's share of these two branches: per query head, their
  ** split partials (fp32 o, max, sum) from L2, o_cmp and the gates from memory, o written. */
  double rows = s.units * s.g, parts = ss + sw;
  w.fp32_flops += rows * parts * (s.dv * 2.0 + 4.0);
  w.sfu_ops += rows * parts;
  w.l2_read_bytes += rows * parts * (s.dv * 4.0 + 8.0) + rows * (s.dv * s.e + 3.0 * s.e) +
                     w.ctas * MDL_SYNC_BYTES;
  w.hbm_read_bytes += rows * (s.dv * s.e + 3.0 * s.e);
  w.hbm_write_bytes += rows * s.dv * s.e;
  w.sync_trips = 1.0;
  w.tail_units = s.units;
  w.tail_trips = 1.0;
  w.tail_hbm_bytes = s.g * (s.dv * s.e + 3.0 * s.e);
  w.tail_bytes = s.g * parts * (s.dv * 4.0 + 8.0) + w.tail_hbm_bytes;
  w.tail_fp32 = s.g * parts * (s.dv * 2.0 + 4.0);
  w.tail_sfu = s.g * parts;
  w.tail_barriers = 1.0;
  /* The merge's instructions per thread: its items (query head x 4 values of d_v) over the CTA's
  ** threads, each over both branches' splits (kstream.h). */
  double nt = wl->kernel[SPEC_K_SELECTED].warps * 32.0;
  w.tail_instr = ceil(s.g * s.dv / 4.0 / nt) * SPEC_FUSED_MERGE_INSTR_PER_ITEM;
  if (spec_decode_lean(wl)) { /* the lean body's stream; the merge's source is unchanged */
    w.warp_instr_per_iter = spec_grp_lean_instr_per_tile(s.dk, 0);
    w.warp_instr_fixed = spec_grp_lean_instr_fixed_g(wl->kernel[SPEC_K_SELECTED].warps, s.dv, 1, s.g);
  }
  if (spec_decode_v3(wl)) {
    /* fused3: the pair's CTAs wait for each other, then each merges 1 / parts of the items. The
    ** wait ends when the last CTA arrives, as the plain tail starts, so the tail is one CTA's share,
    ** side by side on the pair's CTAs (parts tails per unit): the poll that sees the count complete
    ** before its lse and partials, and last_to_arrive after them (a second arrival); its share of
    ** the partials, o_cmp and the gates; its instructions (kstream.h spec_v3_merge_instr), every
    ** CTA computing the group's weights. */
    w.sync_trips = 2.0;
    /* every CTA, not only the last, reads the split lse; each arrives twice */
    w.l2_read_bytes += s.units * parts * (parts - 1.0) * s.g * 4.0 + w.ctas * MDL_SYNC_BYTES;
    w.tail_units = s.units * parts;
    w.tail_trips = 2.0;
    w.tail_hbm_bytes = s.g * (s.dv * s.e + 3.0 * s.e) / parts;
    w.tail_bytes = s.g * (s.dv * 4.0 + 8.0) + s.g * parts * 4.0 + w.tail_hbm_bytes;
    w.tail_fp32 = s.g * (s.dv * 2.0 + 4.0);
    w.tail_sfu = s.g;
    w.tail_barriers = 3.0;
    w.tail_instr = spec_v3_merge_instr(nt, parts, s.g, s.dv);
  }
  if (spec_decode_v4(wl)) {
    /* fused4: the shared merge also merges the compressed branch's sc splits (their lse read by
    ** every CTA, their partials once, from L2 as the selection read them in fused3) and writes o_cmp
    ** (bf16) instead of reading it; each CTA's share of it in its tail. */
    double cpart = rows * sc * (s.dv * 4.0 + 4.0);
    w.fp32_flops += rows * sc * (s.dv * 2.0 + 4.0);
    w.sfu_ops += rows * sc;
    w.l2_read_bytes += cpart - rows * s.dv * s.e + s.units * parts * sc * s.g * 4.0;
    w.hbm_read_bytes += cpart - rows * s.dv * s.e;
    w.hbm_write_bytes += rows * s.dv * s.e;
    w.tail_bytes += s.g * sc * (s.dv * 4.0 + 4.0) / parts + s.g * sc * 4.0;
    w.tail_fp32 += s.g * sc * (s.dv * 2.0 + 4.0) / parts;
    w.tail_sfu += s.g * sc / parts;
    w.tail_instr = spec_v4_merge_instr(nt, parts, sc, s.g, s.dv);
  }
  return mdl_emit(a, wl, &w, p, d);
}

sim_status mdl_nsa_decode_fused(const spec_arch *a, const spec_workload *wl, sim_pipeline *p,
                                sim_diag *d) {
  double sc = 1;
  sim_status st = cmp_kernel(a, wl, &sc, p, d);
  if (st == SIM_OK && !spec_decode_two_launch(wl)) /* fused2 selects inside cmp_select */
    st = select_kernel(a, wl, sc, p, d);
  if (st == SIM_OK)
    st = branches_kernel(a, wl, sc, p, d);
  return st;
}
