/*
** sim/cycle/sched_fused.c — schedules of the fused NSA decode (kernel.cmp_attn.design fused;
** validate/kernels/nsa_decode.cu; model/nsa_fused.c counts the same work in closed form):
** the pool the compressed branch's last split runs before its tile loop, the selection CTAs,
** the one grid that holds the selected and window split kernels, the arrival each CTA makes
** at its unit's counter, and the tail the last CTA of a unit to arrive runs: the top-n, or the
** merge of both branches with the compressed output and the gates.
** Tensors keep pipeline.c's layouts: split partials [unit, split, head] rows of fp32 o, max and
** sum; logits [unit, head, compressed token]; o_cmp [unit, head] rows of bf16 o and fp32 lse.
*/
#include <string.h>

#include "cyc_int.h"

/* A round trip to the unit's 4-byte word in L2: the arrival's atomic, or the fence that waits
** for the pool's store. */
static void step_sync(const cyc_kernel *k, uint64_t unit, cyc_step *o) {
  cyc_range_set(&o->load[o->nload++], k->fz.sync_base + unit * 4u, 4, 1, 0);
}

/* {==== The pool (FLASH_Q split) ==== */
uint32_t cyc_pre_steps(const cyc_kernel *k, uint64_t cta) {
  return k->kind == CYC_K_FLASH_Q && k->fz.pool_tokens && cta % k->splits == k->splits - 1 ? 2u : 0u;
}

/* Step 0: the newest block's l tokens of K and V in, their mean out to its compressed row (the
** last key of the unit, in the split's last tile); step 1: the fence before the tiles load it. */
void cyc_step_pre(const cyc_kernel *k, uint64_t cta, uint32_t i, cyc_step *o) {
  uint64_t unit = cta / k->splits;
  if (i == 1) {
    step_sync(k, unit, o);
    return;
  }
  uint64_t l = k->fz.pool_tokens, s = k->wl->problem.seq_len;
  uint64_t tok0 = (k->nkeys - 1) * k->wl->attention.compression.stride;
  cyc_range_set(&o->load[o->nload++], k->fz.pool_k + (unit * s + tok0) * k->row_k_bytes, l * k->row_k_bytes, 1, 0);
  cyc_range_set(&o->load[o->nload++], k->fz.pool_v + (unit * s + tok0) * k->row_v_bytes, l * k->row_v_bytes, 1, 0);
  o->fp32_flops = k->fz.pool_fp32;
  cyc_range_set(&o->store[o->nstore++], k->k_base + (unit * k->key_stride + k->nkeys - 1) * k->row_k_bytes,
        k->row_k_bytes, 1, 0);
  cyc_range_set(&o->store[o->nstore++], k->v_base + (unit * k->key_stride + k->nkeys - 1) * k->row_v_bytes,
        k->row_v_bytes, 1, 0);
}
/* }==== */

/* {==== Selection (DEC_SELECT): CTA = unit x chunks + chunk ==== */
static uint64_t chunks(const cyc_kernel *k) { return cyc_ceil_div(k->fz.nsel, SPEC_FUSED_SELECT_BLOCKS); }

/* Heads whose compressed-branch splits CTA chunk merges: chunk, chunk + chunks, ... < G. */
static uint64_t merged_heads(const cyc_kernel *k, uint64_t chunk) {
  return chunk < k->group ? (k->group - chunk - 1) / chunks(k) + 1 : 0;
}

uint32_t cyc_select_steps(const cyc_kernel *k, uint64_t cta) {
  if (k->fz.no_merge) /* fused4: the lse with the logits, the scores, the arrival */
    return 2u;
  return (uint32_t)(1 + merged_heads(k, cta % chunks(k)) + 1);
}

/* Step 0: every head's split lse and the chunk's logits (with the Eq. 9 halo) in, the blocks'
** scores out; then one step per merged head; last, the arrival. */
void cyc_step_select(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  uint64_t nch = chunks(k), unit = cta / nch, chunk = cta % nch;
  uint64_t g = k->group, sc = k->splits, row = k->fz.part_row;
  if (i + 1 == n) {
    step_sync(k, unit, o);
    return;
  }
  if (i == 0) {
    spec_select_chunk ch;
    spec_fused_select_chunk(k->wl, chunk, &ch);
    cyc_range_set(&o->load[o->nload++], k->fz.part_base + unit * sc * g * row + k->fz.part_o_bytes, 4, sc * g, row);
    if (ch.hi > ch.lo)
      cyc_range_set(&o->load[o->nload++], k->fz.logits_base + (unit * g * k->nkeys + ch.lo) * 4u, (ch.hi - ch.lo) * 4u, g,
            k->nkeys * 4u);
    double own = (double)(ch.own_hi - ch.own_lo);
    o->sfu_ops = (double)g * own;
    o->fp32_flops = 2.0 * (double)g * own + (double)(ch.j1 - ch.j0) * k->fz.blk_fp32;
    if (ch.j1 > ch.j0)
      cyc_range_set(&o->store[o->nstore++], k->fz.scores_base + (unit * k->fz.nsel + ch.j0) * 4u, (ch.j1 - ch.j0) * 4u, 1, 0);
    return;
  }
  uint64_t h = chunk + (i - 1) * nch;
  cyc_range_set(&o->load[o->nload++], k->fz.part_base + (unit * sc * g + h) * row, k->fz.part_o_bytes + 4u, sc, g * row);
  o->fp32_flops = (double)sc * k->fz.merge_fp32;
  o->sfu_ops = (double)sc;
  cyc_range_set(&o->store[o->nstore++], k->fz.ocmp_base + (unit * g + h) * k->fz.ocmp_row, k->fz.ocmp_row, 1, 0);
}
/* }==== */

/* {==== Branches (DEC_BRANCHES): CTA = unit x (ss + sw) + split; splits below ss are the
** selected kernel's, the rest the window's ==== */
static const cyc_kernel *branch_of(const cyc_kernel *k, uint64_t cta, uint64_t *sub) {
  const cyc_kernel *ks = k->fz.part[0], *kw = k->fz.part[1];
  uint64_t unit = cta / k->fz.per_unit, s = cta % k->fz.per_unit;
  if (s < ks->splits) {
    *sub = unit * ks->splits + s;
    return ks;
  }
  *sub = unit * kw->splits + (s - ks->splits);
  return kw;
}

uint32_t cyc_branch_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk) {
  uint64_t sub;
  const cyc_kernel *b = branch_of(k, cta, &sub);
  return cyc_steps(b, sub, blk) + 1;
}

void cyc_step_branch(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, const int32_t *blk,
                     cyc_step *o) {
  if (i + 1 == n) {
    step_sync(k, cta / k->fz.per_unit, o);
    return;
  }
  uint64_t sub;
  const cyc_kernel *b = branch_of(k, cta, &sub);
  cyc_step_of(b, sub, i, n - 1, blk, o);
}
/* }==== */

/* {==== Tails ==== */
uint32_t cyc_tail_steps(const cyc_kernel *k) {
  /* The top-n: the scores, then two barriers per pick; the merge: one step. */
  if (k->fz.radix_barriers) /* fused3's topn_radix (its histogram passes and compaction rounds), fused4's topn_warps */
    return 1u + k->fz.radix_barriers;
  return k->kind == CYC_K_DEC_SELECT || k->fz.v2_topn ? 1u + 2u * k->fz.picks : 1u;
}

void cyc_tail_step_of(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *o) {
  memset(o, 0, sizeof *o);
  uint64_t unit = cta / k->fz.per_unit, g = k->group;
  if (k->kind == CYC_K_DEC_SELECT || k->fz.v2_topn) {
    if (i == 0) /* the scores every CTA of the unit wrote, back from L2 */
      cyc_range_set(&o->load[o->nload++], k->fz.scores_base + unit * k->fz.nsel * 4u, k->fz.nsel * 4u, 1, 0);
    o->fp32_flops = k->fz.topn_fp32 / n;
    /* topn_cta's critical path (kstream.h), every warp of the CTA issuing it, shared out over
    ** the tail's barriers */
    o->warp_instr = k->fz.topn_instr / n;
    o->issue_warps = k->fz.v2_topn ? (double)k->wl->kernel[SPEC_K_CMP_ATTN].warps : SPEC_FUSED_SELECT_WARPS;
    if (i + 1 == n)
      cyc_range_set(&o->store[o->nstore++], k->fz.idx_base + unit * k->fz.idx_bytes, k->fz.idx_bytes, 1, 0);
    return;
  }
  /* Both branches' partials (from L2), the compressed output and the gates in; o out. */
  const cyc_kernel *ks = k->fz.part[0], *kw = k->fz.part[1];
  uint64_t row = k->fz.part_row, parts = ks->splits + kw->splits;
  if (k->fz.coop) {
    /* fused3: one CTA's share of the items, each over every split (its share of the partials'
    ** bytes), with its share of o_cmp, the gates and o; the other CTAs run theirs beside it. */
    uint64_t sh = parts;
    cyc_range_set(&o->load[o->nload++], ks->o_base + unit * ks->splits * g * row, cyc_ceil_div(ks->splits * g * row, sh), 1, 0);
    cyc_range_set(&o->load[o->nload++], kw->o_base + unit * kw->splits * g * row, cyc_ceil_div(kw->splits * g * row, sh), 1, 0);
    const cyc_kernel *kc = k->fz.part_c;
    if (kc) /* fused4: the compressed branch's partials too; its share of o_cmp stored, not loaded */
      cyc_range_set(&o->load[o->nload++], kc->o_base + unit * kc->splits * g * row, cyc_ceil_div(kc->splits * g * row, sh), 1, 0);
    else
      cyc_range_set(&o->load[o->nload++], k->fz.ocmp_base + unit * g * k->fz.ocmp_row, cyc_ceil_div(g * k->fz.ocmp_o_bytes, sh), 1, 0);
    cyc_range_set(&o->load[o->nload++], k->fz.gates_base + unit * g * k->fz.gates_row, cyc_ceil_div(g * k->fz.gates_row, sh), 1, 0);
    double cs = kc ? (double)kc->splits / (double)sh : 0.0;
    o->fp32_flops = (double)g * k->fz.merge_fp32 * (1.0 + cs);
    o->sfu_ops = (double)g * (1.0 + cs);
    if (kc)
      cyc_range_set(&o->store[o->nstore++], k->fz.ocmp_base + unit * g * k->fz.ocmp_row, cyc_ceil_div(g * k->fz.ocmp_o_bytes, sh), 1, 0);
    cyc_range_set(&o->store[o->nstore++], k->fz.out_base + unit * g * k->fz.out_row, cyc_ceil_div(g * k->fz.out_row, sh), 1, 0);
    return;
  }
  cyc_range_set(&o->load[o->nload++], ks->o_base + unit * ks->splits * g * row, ks->splits * g * row, 1, 0);
  cyc_range_set(&o->load[o->nload++], kw->o_base + unit * kw->splits * g * row, kw->splits * g * row, 1, 0);
  cyc_range_set(&o->load[o->nload++], k->fz.ocmp_base + unit * g * k->fz.ocmp_row, k->fz.ocmp_o_bytes, g, k->fz.ocmp_row);
  cyc_range_set(&o->load[o->nload++], k->fz.gates_base + unit * g * k->fz.gates_row, g * k->fz.gates_row, 1, 0);
  o->fp32_flops = (double)(g * parts) * k->fz.merge_fp32;
  o->sfu_ops = (double)(g * parts);
  cyc_range_set(&o->store[o->nstore++], k->fz.out_base + unit * g * k->fz.out_row, g * k->fz.out_row, 1, 0);
}
/* }==== */
