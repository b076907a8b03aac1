/*
** sim/cycle/cyc_int.h — private to the cycle engine: the tile-level schedule
** a kernel generator produces for each CTA (cyc_step), the kernel record,
** and the memory system's interface.
*/
#ifndef NSASIM_CYCLE_CYC_INT_H
#define NSASIM_CYCLE_CYC_INT_H

#include <stdint.h>

#include "cycle.h"
#include "kstream.h"
#include "trace.h"

#define CYC_MAX_RANGES 6

/* rows of row_bytes each, starting at addr, stride apart. */
typedef struct cyc_range {
  uint64_t addr;
  uint32_t row_bytes, rows;
  uint64_t stride;
} cyc_range;

static inline uint64_t cyc_ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* rows of row_bytes each, stride bytes apart, from addr */
static inline void cyc_range_set(cyc_range *r, uint64_t addr, uint64_t row_bytes, uint64_t rows, uint64_t stride) {
  r->addr = addr;
  r->row_bytes = (uint32_t)row_bytes;
  r->rows = (uint32_t)rows;
  r->stride = stride;
}

/* One inner-loop iteration of a CTA: its asynchronous loads (staged in
** shared memory `stages` iterations ahead), the compute that uses them, and
** the stores after it. */
typedef struct cyc_step {
  cyc_range load[CYC_MAX_RANGES];
  uint32_t nload;
  cyc_range store[2];
  uint32_t nstore;
  double tensor_flops, sfu_ops, fp32_flops, smem_bytes;
  /* Instructions each of the step's issuing warps issues in order for this step (0: not
  ** modelled; the pipes alone time it), and how many of the CTA's warps issue them (0: all; a
  ** serial tail on one warp: 1). */
  double warp_instr, issue_warps;
  int dep_only; /* issued at sm.dependent_issue_cycles, not the kernel's measured interval */
} cyc_step;

typedef enum cyc_kind {
  CYC_K_FLASH_Q,   /* CTA = query tile; loop over the KV tiles it sees */
  CYC_K_FLASH_KV,  /* CTA = KV tile; loop over the query tiles that see it (dK/dV) */
  CYC_K_SELECTED,  /* CTA = (token, KV head); loop over its selected blocks */
  CYC_K_KV_OUTER,  /* CTA = (block, KV head); loop over the query rows that chose it */
  CYC_K_STREAM,    /* CTA = rows of an element-wise pass */
  CYC_K_COMPRESS,  /* CTA = compressed tokens of one KV head; phi's weights streamed */
  CYC_K_DEC_SELECT,  /* fused decode: CTA = (unit, chunk of selection blocks); scores, split merge */
  CYC_K_DEC_BRANCHES /* fused decode: CTA = (unit, split) of the selected or the window branch */
} cyc_kind;

typedef enum cyc_keys {
  CYC_KEYS_CAUSAL, /* keys [0, position] */
  CYC_KEYS_ALL,    /* every key */
  CYC_KEYS_WINDOW, /* keys (position - w, position] */
  CYC_KEYS_CMP,    /* compressed tokens whose block ends at or before the position */
  CYC_KEYS_SPLIT   /* decode: split s of the keys */
} cyc_keys;

struct cyc_sel;

typedef struct cyc_kernel {
  char name[48];
  spec_kernel_id map;
  cyc_kind kind;
  cyc_keys keys;
  int overlapped;        /* softmax beside the MMAs */
  uint64_t ctas;
  /* Geometry. */
  uint64_t rows;         /* query rows per (b, head) for FLASH kinds, tokens for others */
  uint64_t nkeys;        /* keys per (b, kv head) */
  uint64_t heads;        /* heads the grid runs over (query heads, or KV heads) */
  uint64_t bm, bn, splits;
  uint64_t row_q_bytes, row_k_bytes, row_v_bytes, row_o_bytes; /* per row of each tensor */
  uint64_t q_base, k_base, v_base, o_base, aux_base, aux_bytes;
  uint64_t weights_bytes;
  /* Compute per (query row, key) pair, and per row. */
  double tensor_per_pair, sfu_per_pair, fp32_per_pair, fp32_per_row;
  double smem_readers;
  uint32_t loads_k_only; /* scoring loads no V */
  uint32_t sel_keys;     /* keys are the unit's selected blocks (decode) */
  uint64_t key_stride;   /* keys per unit in memory (nkeys unless a suffix is read) */
  uint64_t key_off;      /* first key read (decode window: seq_len - w) */
  uint32_t weights_split;/* COMPRESS: each CTA streams its own slice of phi's weights */
  uint64_t group;        /* query heads per KV head */
  uint64_t q_rows_per_token; /* rows of Q (heads) a CTA row stands for */
  uint32_t tok_per_cta;  /* SELECTED with design group_union: consecutive tokens per CTA (0/1: one) */
  uint32_t walk_group;   /* FLASH_KV: a CTA per KV tile and KV head walks every head of its group */
  uint32_t rev_tiles;    /* FLASH_KV/FLASH_Q: the grid runs its key (query) tiles last to first, as
                         ** the validation's backward dK/dV (dQ) kernel numbers them (kstream.h) */
  /* STREAM: inputs and output per row */
  uint32_t nin;
  uint64_t in_base[4], in_row[4];
  uint64_t total_rows;
  double scale;          /* decode compression: expected share of a block per step */
  /* The validation kernel's instruction stream per warp (kstream.h; 0: not modelled): per K/V
  ** tile, and once per CTA (prologue and epilogue, charged on its last tile step); the group and
  ** the scores kernels. issue_cycles > 0: the kernel's own measured cycles per issued instruction
  ** at issue_warps warps per scheduler (the scores kernel's; 0: sm.dependent_issue_cycles), one
  ** issue slot more (less) per warp a scheduler holds beyond (below) that. */
  double instr_per_tile, instr_fixed;
  /* The code of the launches it stands for, each read from HBM once on the instruction path (a
  ** cold L2, as ncu profiles it): added to the DRAM reads, not to the L2 tex reads nor the time
  ** (kstream.h SPEC_*_CODE_BYTES; 0: not counted). */
  double code_bytes;
  /* warm_l2: the launch the measurement times finds in L2 what its previous launch left there
  ** (the harness repeats each kernel back to back over its rotations; pipeline.c sets it where
  ** those fit in L2): the engine runs it twice, the traffic from the first (cold, as ncu
  ** profiles it), the time from the second. keep_l2: leave the lines in L2 after the run. */
  uint32_t warm_l2, keep_l2;
  double issue_cycles, issue_warps;
  double issue_slope; /* issue slots per warp beyond (below) issue_warps; 0: one (spec_issue_cpi) */
  /* The share of a resident CTA's warps still running (0: all): a CTA of independent warps holds
  ** its slot until its last warp is done, and the exited ones take no issue slots (the delta pass,
  ** kstream.h SPEC_DELTA_WARPS_ACTIVE). */
  double warps_active;
  /* 1: that interval is a shared pipe's throughput, which the resident warps share
  ** (spec_issue_cpi_shared: the token-major forward). */
  int issue_shared;
  /* STREAM as the unfused decode selection (select_decode_kernel, one CTA per row): sel_rounds
  ** dependent rounds of the row's inputs, then Eq. 9 (eq9_instr per warp on eq9_warps warps) and
  ** the top-n (topn_instr on one warp), each behind a barrier. 0 rounds: not this kernel. */
  uint32_t sel_rounds;
  /* FLASH_Q as the forward scores: > 0, the validation's select_topn (a second launch, one warp
  ** per token) runs each token's top-n of its n_valid blocks after the CTA's tiles, on that
  ** token's warp at the dependent issue interval; counted as one more step of the CTA. */
  uint32_t topn_tail;
  double eq9_instr, eq9_warps, topn_instr;
  /* STREAM as a split merge (decode combine): each row merges merge_parts[i] partials of branch
  ** i (a row of in_row[0] bytes: the partials' o, branch after branch, then their 8-byte lse
  ** likewise) in dependent rounds of SPEC_MERGE_UNROLL partials, SPEC_MERGE_PASSES
  ** passes per branch: the lse, the lse again, o. 0 parts: one step, all at once. */
  uint64_t merge_parts[3];
  /* Branches b < merge_streamed issue the split merge's instruction stream (instr_per_tile per
  ** partial, instr_fixed after the last of them); 0: none. */
  uint32_t merge_streamed;
  uint32_t launches;     /* launches the validation's design runs as this kernel (0 = 1) */
  /* The kernel's own grid where it is not its mapping's (an elementwise pass beside a tiled
  ** kernel: the delta pass, the mean pool): warps per CTA and resident CTAs per SM (0: the
  ** mapping's). loads_serial: every step's loads wait for the CTA's earlier steps (unrolled loads,
  ** then their arithmetic: one dependent round trip per step). */
  uint32_t grid_warps, grid_cps;
  uint32_t loads_serial;
  /* STREAM in rounds (the delta pass): each step loads round_bytes of every input row of the
  ** CTA's rows, ceil(in_row[0] / round_bytes) steps (0: one step, whole rows). */
  uint64_t round_bytes;
  /* COMPRESS as the mean pool: each step loads pool_rows tokens of each of the CTA's blocks
  ** (0: one step, whole blocks). pool_l1: the CTA's tokens stay in the SM's L1 while it runs
  ** (its resident CTAs' spans fit the L1), so a block's tokens that its right neighbour in the
  ** CTA loaded d tokens earlier in the walk come from L1, not L2. */
  uint32_t pool_rows, pool_l1;
  /* SELECTED as the union kernel (kstream.h): per union tile the producer warp's issue
  ** slots; a consumer warp's instructions per tile of its own token (instr_per_tile) and per tile
  ** of another token (skip_per_tile); the step's path is the longer of the producer and the mean
  ** consumer, its issue slots all of them. 0: not modelled. */
  double prod_per_tile, skip_per_tile;
  /* The fused decode (sched_fused.c); zero for every other kernel. */
  struct cyc_fused {
    uint32_t pool_tokens;   /* FLASH_Q split: > 0, the last split's CTA of a unit first pools the
                            ** unit's newest compressed block (key nkeys - 1) from this many tokens */
    uint64_t pool_k, pool_v;/* the tokens pooled, [unit, seq_len, dim] */
    double pool_fp32;
    uint64_t per_unit;      /* CTAs per unit that arrive at its counter after their steps; the last
                            ** to arrive runs the tail (0: no arrivals) */
    uint64_t sync_base;     /* a 4-byte word per unit: the arrival counter, the pool's fence */
    const struct cyc_kernel *part[2]; /* DEC_BRANCHES: the selected and the window split kernels */
    uint64_t nsel;          /* DEC_SELECT: selection blocks per unit */
    uint32_t picks;         /* DEC_SELECT: the top-n's picks after the forced blocks */
    uint64_t part_base, part_row, part_o_bytes; /* split partials: base, row (fp32 o, then its max and
                                                ** sum, standing for the lse), o's bytes */
    uint64_t logits_base, scores_base, idx_base, idx_bytes;
    uint64_t ocmp_base, ocmp_row, ocmp_o_bytes; /* the compressed branch's merged o (bf16) and lse */
    uint64_t gates_base, gates_row, out_base, out_row;
    double blk_fp32;        /* DEC_SELECT: Eq. 9 and the block mapping per selection block */
    double topn_fp32;       /* DEC_SELECT: the top-n per unit */
    double topn_instr;      /* DEC_SELECT: the top-n's warp instructions per unit (kstream.h) */
    double merge_fp32;      /* per split partial of one head merged */
    uint32_t v2_topn;       /* FLASH_Q of fused2: the last CTA of a unit runs the top-n tail */
    uint32_t radix_barriers; /* DEC_SELECT of fused3 / fused4: the top-n's barriers (its tail's steps) */
    uint32_t no_merge;      /* DEC_SELECT of fused4: no o_cmp merge (the branch merge runs it) */
    const struct cyc_kernel *part_c; /* DEC_BRANCHES of fused4: the compressed kernel, whose split
                                     ** partials the shared merge also merges (o_cmp stored) */
    uint32_t coop;          /* DEC_BRANCHES of fused3: every CTA merges 1 / per_unit of the outputs */
  } fz;
  const spec_workload *wl;
  const struct cyc_sel *sel;
} cyc_kernel;

/* Selections, from the pattern or a trace, with the inverted index the
** KV-block-outer design needs. */
typedef struct cyc_sel {
  const spec_workload *wl;
  const cyc_trace *trace;
  /* inverted: for (b, h, block) the query tokens that chose it */
  uint64_t nblocks;
  uint64_t *start;  /* (b*H + h)*nblocks + blk -> offset into tok; size +1 */
  uint32_t *tok;
} cyc_sel;

uint32_t cyc_sel_get(const cyc_sel *s, uint32_t b, uint32_t h, uint64_t t, int32_t *out);

/* {==== sched.c ==== */
/* Steps of CTA cta; fills blk (selection.count entries) with the CTA's
** selected blocks where the kernel needs them, for cyc_step_of. */
uint32_t cyc_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk);
void cyc_step_of(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, const int32_t *blk,
                 cyc_step *out);
/* }==== */

/* {==== sched_fused.c: the fused decode's schedules ====
** Serial steps issue their loads only once every earlier step of the CTA is done: the first
** cyc_pre_steps and the step after them, the arrival (a CTA's last step when fz.per_unit), and
** the tail's steps, which the last CTA of a unit to arrive runs after its own. */
uint32_t cyc_pre_steps(const cyc_kernel *k, uint64_t cta);
void cyc_step_pre(const cyc_kernel *k, uint64_t cta, uint32_t i, cyc_step *out);
uint32_t cyc_select_steps(const cyc_kernel *k, uint64_t cta);
void cyc_step_select(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *out);
uint32_t cyc_branch_steps(const cyc_kernel *k, uint64_t cta, int32_t *blk);
void cyc_step_branch(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, const int32_t *blk,
                     cyc_step *out);
uint32_t cyc_tail_steps(const cyc_kernel *k);
void cyc_tail_step_of(const cyc_kernel *k, uint64_t cta, uint32_t i, uint32_t n, cyc_step *out);
/* }==== */

/* {==== mem.c ==== */
typedef struct cyc_mem cyc_mem;
cyc_mem *cyc_mem_new(const spec_arch *a, cyc_fidelity fid);
void cyc_mem_free(cyc_mem *m);
/* Loads the ranges for SM sm issued at cycle now; returns the cycle the last
** byte is in shared memory. */
uint64_t cyc_mem_load(cyc_mem *m, uint32_t sm, uint64_t now, const cyc_range *r, uint32_t n);
void cyc_mem_store(cyc_mem *m, uint32_t sm, uint64_t now, const cyc_range *r, uint32_t n);
/* Writes back every dirty chunk and empties L2 (kernels start cold; keep: the lines stay, clean,
** for a warm second run of the same kernel). The write-backs queue on their HBM channels behind
** what the kernel reserved there; returns the cycle the last one ends. */
double cyc_mem_flush(cyc_mem *m, int keep);
typedef struct cyc_mem_stats {
  uint64_t l2_read_bytes, l2_hit_bytes, hbm_read_bytes, hbm_write_bytes, stored_bytes;
  uint64_t coalesced_bytes; /* rewritten in L2 before reaching HBM */
  uint64_t lrc_merged_bytes; /* reads the L2 request coalescer merged (not in l2_read_bytes) */
  uint64_t hbm_busy_cycles_max, l2_busy_cycles_max;
} cyc_mem_stats;
void cyc_mem_stats_get(const cyc_mem *m, cyc_mem_stats *s);
void cyc_mem_stats_reset(cyc_mem *m);
/* }==== */

/* {==== engine.c ==== */
sim_status cyc_run_kernel(const spec_arch *a, const cyc_kernel *k, const cyc_opts *o, cyc_mem *mem,
                          sim_kernel_stats *out, sim_diag *d);
/* }==== */

/* {==== pipeline.c ==== */
sim_status cyc_full_pipeline(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                             cyc_mem *mem, sim_pipeline *p, sim_diag *d);
sim_status cyc_nsa_pipeline(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                            cyc_mem *mem, const cyc_sel *sel, sim_pipeline *p, sim_diag *d);
/* The selected-attention forward alone (bench-cycle, tests). */
sim_status cyc_selected_kernel(const spec_arch *a, const spec_workload *wl, const cyc_opts *o,
                               cyc_mem *mem, const cyc_sel *sel, sim_pipeline *p, sim_diag *d);
/* }==== */

#endif
