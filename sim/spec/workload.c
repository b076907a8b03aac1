/*
** sim/spec/workload.c — the workload spec: the problem (shapes, dtype,
** phase), the attention variant (full, or NSA with l, d, l', n, w and the
** selection pattern) and the kernel mapping of each kernel of the pipeline.
** Table rows give types, ranges and meanings; the rules below check what
** spans fields (GQA divisibility, the paper's Eq. 9 divisibility, keys that
** apply only to NSA or only to decode). Mapping defaults depend on the phase.
*/
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "spec_int.h"

static const char *const dtype_names[] = {"bf16", "fp16", "fp8", NULL};
static const char *const phase_names[] = {"fwd", "bwd", "decode", NULL};
static const char *const kind_names[] = {"full", "nsa", NULL};
static const char *const method_names[] = {"mlp", "mean", NULL};
static const char *const pattern_names[] = {"uniform", "local", "trace", NULL};
static const char *const design_names[] = {"auto",       "group",  "kv_outer", "group_union", "fused",
                                           "fused_lean", "fused2", "group_union_lean", "fused3", "fused4", NULL};
static const char *const mma_names[] = {"async", "sync", NULL};
static const char *const kernel_names[SPEC_K_COUNT] = {
    "full", "compress", "cmp_attn", "select_scores", "selected", "window", "combine"};

#define P(key) offsetof(spec_problem, key)
#define REQ(k, t, o, lo, hi, u, d) {k, t, o, 0, lo, hi, u, SPEC_REQUIRED, 0, NULL, NULL, NULL, d}
#define DEF(k, t, o, lo, hi, u, dv, d) {k, t, o, 0, lo, hi, u, SPEC_DEFAULT, dv, NULL, NULL, NULL, d}
#define ENUMF(k, o, names, dv, d) {k, SPEC_F_ENUM, o, 0, 0, 0, "", SPEC_DEFAULT, 0, dv, names, NULL, d}

static const spec_field problem_table[] = {
    REQ("batch", SPEC_F_U32, P(batch), 1, 4096, "sequences", "sequences in the batch"),
    REQ("seq_len", SPEC_F_U64, P(seq_len), 1, 16777216, "tokens", "keys/values per sequence (the KV-cache length in decode)"),
    {"q_len", SPEC_F_U64, P(q_len), 0, 1, 16777216, "tokens", SPEC_DERIVED, 0, "seq_len (fwd, bwd); 1 (decode)", NULL, NULL, "queries per sequence, the last q_len positions"},
    REQ("heads_q", SPEC_F_U32, P(heads_q), 1, 1024, "heads", "query heads"),
    REQ("heads_kv", SPEC_F_U32, P(heads_kv), 1, 1024, "heads", "key/value heads (GQA groups); must divide heads_q"),
    REQ("head_dim_qk", SPEC_F_U32, P(head_dim_qk), 8, 1024, "elements", "head dimension of queries and keys (d_k)"),
    REQ("head_dim_v", SPEC_F_U32, P(head_dim_v), 8, 1024, "elements", "head dimension of values (d_v)"),
    ENUMF("dtype", P(dtype), dtype_names, "bf16", "element type of Q, K, V and O (accumulation is fp32)"),
    DEF("causal", SPEC_F_BOOL, P(causal), 0, 1, "", 1, "causal mask; NSA requires true"),
    {"phase", SPEC_F_ENUM, P(phase), 0, 0, 0, "", SPEC_REQUIRED, 0, NULL, phase_names, NULL, "fwd (training/prefill forward), bwd (backward), decode (one step per sequence)"},
    SPEC_END};

#define A(key) offsetof(spec_attention, key)
/* Nested rows are relative to their section, as the binder adds the MAP offset. */
#define AC(key) (offsetof(spec_attention, compression.key) - offsetof(spec_attention, compression))
#define AS(key) (offsetof(spec_attention, selection.key) - offsetof(spec_attention, selection))
static const spec_field compression_table[] = {
    DEF("block", SPEC_F_U32, AC(block), 1, 65536, "tokens", 32, "l: tokens compressed into one key/value"),
    DEF("stride", SPEC_F_U32, AC(stride), 1, 65536, "tokens", 16, "d: stride between compression blocks; must divide l and l'"),
    ENUMF("method", AC(method), method_names, "mlp", "phi: the paper's MLP with intra-block position, or the mean pool public kernels use"),
    SPEC_END};

static const spec_field selection_table[] = {
    DEF("block", SPEC_F_U32, AS(block), 1, 65536, "tokens", 64, "l': tokens per selection block"),
    DEF("count", SPEC_F_U32, AS(count), 1, 65536, "blocks", 16, "n: blocks each query attends, forced ones included"),
    DEF("initial", SPEC_F_U32, AS(initial), 0, 65536, "blocks", 1, "forced blocks at the start of the sequence"),
    DEF("local", SPEC_F_U32, AS(local), 0, 65536, "blocks", 2, "forced blocks ending at the query"),
    ENUMF("pattern", AS(pattern), pattern_names, "local", "how the free blocks are picked: uniform at random, biased towards the query, or from a trace"),
    DEF("locality", SPEC_F_F64, AS(locality), 0, 1, "", 0.5, "local pattern: share of free picks drawn from blocks near the query"),
    {"trace", SPEC_F_STR, AS(trace), SPEC_PATH_MAX, 0, 0, "", SPEC_DEFAULT, 0, "", NULL, NULL, "trace pattern: file of recorded block indices"},
    DEF("seed", SPEC_F_U64, AS(seed), 0, 18446744073709551615.0, "", 1, "seed of the synthetic patterns"),
    SPEC_END};

static const spec_field attention_table[] = {
    {"kind", SPEC_F_ENUM, A(kind), 0, 0, 0, "", SPEC_REQUIRED, 0, NULL, kind_names, NULL, "full attention or Native Sparse Attention"},
    {"compression", SPEC_F_MAP, A(compression), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, compression_table, "NSA compression branch (kind nsa only)"},
    {"selection", SPEC_F_MAP, A(selection), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, selection_table, "NSA selection branch (kind nsa only)"},
    DEF("window", SPEC_F_U32, A(window), 1, 16777216, "tokens", 512, "w: sliding-window length (kind nsa only)"),
    SPEC_END};

#define M(key) offsetof(spec_mapping, key)
#define MD(k, o, lo, hi, u, d) {k, SPEC_F_U32, o, 0, lo, hi, u, SPEC_DERIVED, 0, "by phase (below)", NULL, NULL, d}
static const spec_field mapping_table[] = {
    MD("block_m", M(block_m), 1, 4096, "rows", "query rows per CTA tile (selected: padded heads of a group; compress/combine: tokens per CTA)"),
    MD("block_n", M(block_n), 1, 65536, "rows", "key/value rows per inner-loop tile (selected: must divide l')"),
    MD("warps", M(warps), 1, 64, "warps", "warps per CTA"),
    MD("stages", M(stages), 1, 16, "stages", "shared-memory pipeline stages for K/V tiles"),
    MD("regs_per_thread", M(regs_per_thread), 1, 4096, "registers", "registers per thread the compiler allocates"),
    MD("split_kv", M(split_kv), 0, 65536, "splits", "decode only: KV splits per (sequence, KV head); 0 = enough to fill the SMs"),
    {"design", SPEC_F_ENUM, M(design), 0, 0, 0, "", SPEC_DERIVED, 0, "by phase (below)", design_names, NULL, "selected: group (one CTA per token and KV head, all heads of the group in one Q tile), kv_outer (KV block outer, queries that chose it inner) or group_union (block_m/16 consecutive tokens per CTA load the union of their blocks once; forward); group_union_lean, the same with the lean producer (each copy one cp.async from per-warp offsets: about a quarter of the producer's instructions per tile). full, cmp_attn, window in bwd: group (a dK/dV CTA per KV tile and KV head walks every head of its group, no GQA-sum pass); auto: a CTA per query head and a GQA-sum pass. cmp_attn in decode: fused, the NSA decode step in 3 kernels instead of 6: nsa.decode.cmp (the compressed attention; with compression.method mean its last split's CTA first pools the newest block, so no compress kernel), nsa.decode.select (CTAs of 64 selection blocks score them and merge the compressed branch's splits, the last per sequence and KV head picks the top-n), nsa.decode.branches (the selected and window CTAs in one grid, the last per sequence and KV head merges them with the gates); fused_lean, the same 3 kernels with the lean group body (hoisted copy offsets, key mask on edge tiles only, conditional O rescale, float4 cross-warp merge: fewer instructions per tile and far fewer fixed); fused2, 2 kernels with the lean body: nsa.decode.cmp_select (the compressed attention, then its CTAs of a sequence and KV head wait for each other, each merges a share of the compressed output and scores its own tokens' blocks, and the last runs the top-n) and nsa.decode.branches; fused3, fused_lean's 3 kernels with the selection's top-n by radix select (four 8-bit histogram passes over the scores' bits, one ordered pass) and the branch merge shared: the CTAs of a sequence and KV head wait for each other and each merges its share of the outputs; fused4, fused3 with the selection's top-n from per-warp thresholds (each warp bisects its own keys two bits a round with one warp reduction, no barrier; the keys at or above the largest warp threshold ranked among themselves; three barriers), the selection loading its logits with the split lse in one memory round and no longer merging the compressed branch's output, and the branch kernel's shared merge merging the compressed branch's splits too (writing o_cmp); mappings: see below the defaults"},
    {"mma", SPEC_F_ENUM, M(mma), 0, 0, 0, "", SPEC_DEFAULT, 0, "async", mma_names, NULL, "tensor-core instructions: async (wgmma, tcgen05: the arch's full rate) or sync (warp-level mma.sync: times arch.compute.tensor_sync_fraction)"},
    SPEC_END};

/* Relative to the kernel section, as the binder adds its offset. */
#define K(id) ((size_t)(id) * sizeof(spec_mapping))
/* String literals, since table initialisers must be constant. */
static const char kn_full[] = "full", kn_compress[] = "compress", kn_cmp[] = "cmp_attn",
                  kn_scores[] = "select_scores", kn_sel[] = "selected", kn_win[] = "window",
                  kn_comb[] = "combine";
static const spec_field kernel_table[] = {
    {kn_full, SPEC_F_MAP, K(SPEC_K_FULL), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "full attention (FlashAttention-2 style; split-KV in decode)"},
    {kn_compress, SPEC_F_MAP, K(SPEC_K_COMPRESS), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA compression of K and V"},
    {kn_cmp, SPEC_F_MAP, K(SPEC_K_CMP_ATTN), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA attention over compressed keys"},
    {kn_scores, SPEC_F_MAP, K(SPEC_K_SELECT_SCORES), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA importance scores and top-n"},
    {kn_sel, SPEC_F_MAP, K(SPEC_K_SELECTED), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA attention over the selected blocks"},
    {kn_win, SPEC_F_MAP, K(SPEC_K_WINDOW), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA sliding-window attention"},
    {kn_comb, SPEC_F_MAP, K(SPEC_K_COMBINE), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, mapping_table, "NSA gated combine; split-KV merge in decode"},
    SPEC_END};

const spec_field spec_workload_table[] = {
    {"version", SPEC_F_U32, offsetof(spec_workload, version), 0, 1, 1, "", SPEC_REQUIRED, 0, NULL, NULL, NULL, "spec format version"},
    {"name", SPEC_F_STR, offsetof(spec_workload, name), SPEC_NAME_MAX, 0, 0, "", SPEC_REQUIRED, 0, NULL, NULL, NULL, "short name used in outputs"},
    {"description", SPEC_F_STR, offsetof(spec_workload, description), SPEC_TEXT_MAX, 0, 0, "", SPEC_DEFAULT, 0, "", NULL, NULL, "one line for people"},
    {"problem", SPEC_F_MAP, offsetof(spec_workload, problem), 0, 0, 0, "", SPEC_REQUIRED, 0, NULL, NULL, problem_table, "the attention problem"},
    {"attention", SPEC_F_MAP, offsetof(spec_workload, attention), 0, 0, 0, "", SPEC_REQUIRED, 0, NULL, NULL, attention_table, "full attention or NSA and its hyperparameters"},
    {"kernel", SPEC_F_MAP, offsetof(spec_workload, kernel), 0, 0, 0, "", SPEC_DEFAULT, 0, NULL, NULL, kernel_table, "mapping of each kernel of the pipeline; omitted keys take the phase's defaults"},
    SPEC_END};

/* {==== Mapping defaults by phase ====
** FlashAttention-2's tiles (FA2 §3.3: 128 x 64 forward with 4 warps; smaller
** tiles and 8 warps for the backward, which holds K, V, dK and dV), the NSA
** selection kernel as the paper and public Triton kernels run it (Q tile of
** one group's heads padded to 16 rows, B_k = l' = 64), and decode kernels
** that keep few query rows and split the KV sequence. Registers per thread are
** typical ptxas figures for such kernels; validate/ records the real ones. */
static const spec_mapping kernel_defaults[SPEC_K_COUNT][3] = {
    /*                 fwd                                  bwd                                  decode */
    [SPEC_K_FULL] = {{128, 64, 4, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 8, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}},
    [SPEC_K_COMPRESS] = {{64, 64, 4, 2, 64, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 4, 2, 64, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 1, 64, 0, 0, SPEC_MMA_ASYNC}},
    [SPEC_K_CMP_ATTN] = {{128, 64, 4, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 8, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}},
    [SPEC_K_SELECT_SCORES] = {{64, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}},
    [SPEC_K_SELECTED] = {{16, 64, 4, 2, 128, 0, SPEC_DESIGN_GROUP, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, SPEC_DESIGN_GROUP, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, SPEC_DESIGN_GROUP, SPEC_MMA_ASYNC}},
    [SPEC_K_WINDOW] = {{128, 64, 4, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 8, 2, 255, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 2, 128, 0, 0, SPEC_MMA_ASYNC}},
    [SPEC_K_COMBINE] = {{64, 64, 4, 1, 32, 0, 0, SPEC_MMA_ASYNC}, {64, 64, 4, 1, 32, 0, 0, SPEC_MMA_ASYNC}, {16, 64, 4, 1, 32, 0, 0, SPEC_MMA_ASYNC}},
};
/* }==== */

const char *spec_dtype_name(spec_dtype dt) { return dtype_names[dt]; }
const char *spec_phase_name(spec_phase ph) { return phase_names[ph]; }
const char *spec_kernel_name(spec_kernel_id k) { return kernel_names[k]; }
const char *spec_design_name(spec_design d) { return design_names[d]; }

int spec_design_union(spec_design d) { return d == SPEC_DESIGN_GROUP_UNION || d == SPEC_DESIGN_GROUP_UNION_LEAN; }

uint32_t spec_dtype_bytes(spec_dtype dt) { return dt == SPEC_DT_FP8 ? 1u : 2u; }

int spec_decode_fused(const spec_workload *wl) {
  spec_design d = wl->kernel[SPEC_K_CMP_ATTN].design;
  return wl->attention.kind == SPEC_ATTN_NSA && wl->problem.phase == SPEC_PHASE_DECODE &&
         (d == SPEC_DESIGN_FUSED || d == SPEC_DESIGN_FUSED_LEAN || d == SPEC_DESIGN_FUSED2 || d == SPEC_DESIGN_FUSED3 ||
          d == SPEC_DESIGN_FUSED4);
}

int spec_decode_lean(const spec_workload *wl) {
  return spec_decode_fused(wl) && wl->kernel[SPEC_K_CMP_ATTN].design != SPEC_DESIGN_FUSED;
}

int spec_decode_two_launch(const spec_workload *wl) {
  return spec_decode_fused(wl) && wl->kernel[SPEC_K_CMP_ATTN].design == SPEC_DESIGN_FUSED2;
}

int spec_decode_v3(const spec_workload *wl) {
  spec_design d = wl->kernel[SPEC_K_CMP_ATTN].design;
  return spec_decode_fused(wl) && (d == SPEC_DESIGN_FUSED3 || d == SPEC_DESIGN_FUSED4);
}

int spec_decode_v4(const spec_workload *wl) {
  return spec_decode_fused(wl) && wl->kernel[SPEC_K_CMP_ATTN].design == SPEC_DESIGN_FUSED4;
}

uint64_t spec_selection_blocks(const spec_workload *wl) {
  return (wl->problem.seq_len - 1) / wl->attention.selection.block + 1;
}

void spec_fused_select_chunk(const spec_workload *wl, uint64_t chunk, spec_select_chunk *c) {
  const spec_attention *at = &wl->attention;
  uint64_t s = wl->problem.seq_len, l = at->compression.block, d = at->compression.stride;
  uint64_t nc = s >= l ? (s - l) / d + 1 : 0, r = at->selection.block / d, halo = l / d - 1;
  uint64_t nsel = spec_selection_blocks(wl);
  c->j0 = chunk * SPEC_FUSED_SELECT_BLOCKS;
  c->j1 = c->j0 + SPEC_FUSED_SELECT_BLOCKS < nsel ? c->j0 + SPEC_FUSED_SELECT_BLOCKS : nsel;
  if (c->j0 > c->j1)
    c->j0 = c->j1;
  uint64_t first = r * c->j0, end = r * c->j1 < nc ? r * c->j1 : nc;
  c->hi = end;
  c->lo = first > halo ? first - halo : 0;
  if (c->lo > c->hi)
    c->lo = c->hi;
  c->own_lo = first < end ? first : end;
  c->own_hi = end;
}

int spec_kernel_used(const spec_workload *wl, spec_kernel_id k) {
  /* An NSA workload also runs full attention: its baseline. */
  if (wl->attention.kind == SPEC_ATTN_FULL)
    return k == SPEC_K_FULL || (k == SPEC_K_COMBINE && wl->problem.phase == SPEC_PHASE_DECODE);
  return 1;
}

uint64_t spec_mapping_smem_bytes(const spec_workload *wl, spec_kernel_id k) {
  const spec_mapping *m = &wl->kernel[k];
  uint64_t e = spec_dtype_bytes(wl->problem.dtype);
  uint64_t dk = wl->problem.head_dim_qk, dv = wl->problem.head_dim_v;
  uint64_t bm = m->block_m, bn = m->block_n, st = m->stages;
  switch (k) {
  case SPEC_K_FULL:
  case SPEC_K_CMP_ATTN:
  case SPEC_K_WINDOW:
  case SPEC_K_SELECTED:
    if (wl->problem.phase == SPEC_PHASE_BWD)
      /* K and V tiles resident, Q and dO tiles pipelined, one dS tile. */
      return e * (bn * (dk + dv) + st * bm * (dk + dv) + bm * bn);
    /* Q tile resident, K and V tiles pipelined. */
    return e * (bm * dk + st * bn * (dk + dv));
  case SPEC_K_COMPRESS:
    /* K and V token tiles pipelined; compressed rows staged for the store. */
    return e * (st * bn * (dk + dv) + bm * (dk + dv));
  case SPEC_K_SELECT_SCORES:
    if (spec_decode_fused(wl)) {
      /* The fused selection: the probabilities of its blocks' compressed tokens (l'/d per block,
      ** and the l/d - 1 before them that Eq. 9 overlaps), then every block's score for the top-n. */
      const spec_attention *at = &wl->attention;
      uint64_t r = at->selection.block / at->compression.stride;
      uint64_t halo = at->compression.block / at->compression.stride - 1;
      return 4u * (SPEC_FUSED_SELECT_BLOCKS * r + halo + spec_selection_blocks(wl));
    }
    /* Q tile resident, compressed K tiles pipelined (scores need no V). */
    return e * (bm * dk + st * bn * dk);
  case SPEC_K_COMBINE:
  case SPEC_K_COUNT:
    break;
  }
  return 0; /* element-wise: registers only */
}

void spec_decode_tokens(const spec_workload *wl, sim_tokens *t) {
  const spec_attention *at = &wl->attention;
  uint64_t s = wl->problem.seq_len;
  uint64_t l = at->compression.block, d = at->compression.stride, lp = at->selection.block;
  uint64_t avail = (s - 1) / lp + 1;
  t->compression = s >= l ? (double)((s - l) / d + 1) : 0.0;
  t->selection = (double)((avail < at->selection.count ? avail : at->selection.count) * lp);
  t->window = (double)(at->window < s ? at->window : s);
  t->total = t->compression + t->selection + t->window;
  t->full = (double)s;
}

/* {==== Rules ==== */
sim_status spec_workload_rules(spec_workload *w, const spec_source *s, sim_diag *d) {
  spec_problem *p = &w->problem;
  spec_attention *a = &w->attention;
  if (p->heads_q % p->heads_kv != 0)
    return spec_error_at(s, "problem.heads_kv", SIM_ERR_RULE, d,
                         "'problem.heads_q' = %u is not a multiple of 'problem.heads_kv' = %u",
                         p->heads_q, p->heads_kv);
  if (!spec_was_set(s, "problem.q_len"))
    p->q_len = p->phase == SPEC_PHASE_DECODE ? 1 : p->seq_len;
  if (p->q_len > p->seq_len)
    return spec_error_at(s, "problem.q_len", SIM_ERR_RULE, d,
                         "'problem.q_len' = %llu exceeds 'problem.seq_len' = %llu",
                         (unsigned long long)p->q_len, (unsigned long long)p->seq_len);
  if (a->kind == SPEC_ATTN_FULL) {
    static const char *const nsa_only[] = {"attention.compression", "attention.selection",
                                           "attention.window"};
    for (size_t i = 0; i < sizeof nsa_only / sizeof nsa_only[0]; i++)
      if (spec_was_set(s, nsa_only[i]))
        return spec_error_at(s, nsa_only[i], SIM_ERR_RULE, d,
                             "'%s' applies only to 'attention.kind' nsa", nsa_only[i]);
  } else {
    uint32_t l = a->compression.block, st = a->compression.stride, lp = a->selection.block;
    if (!p->causal)
      return spec_error_at(s, "problem.causal", SIM_ERR_RULE, d,
                           "'problem.causal' must be true for 'attention.kind' nsa (its branches only see the past)");
    if (l % st != 0)
      return spec_error_at(s, "attention.compression.stride", SIM_ERR_RULE, d,
                           "'attention.compression.stride' d = %u must divide 'attention.compression.block' l = %u (paper Eq. 9)",
                           st, l);
    if (lp % st != 0)
      return spec_error_at(s, "attention.selection.block", SIM_ERR_RULE, d,
                           "'attention.selection.block' l' = %u must be a multiple of 'attention.compression.stride' d = %u (paper Eq. 9)",
                           lp, st);
    if (l > lp)
      return spec_error_at(s, "attention.selection.block", SIM_ERR_RULE, d,
                           "'attention.selection.block' l' = %u must be at least 'attention.compression.block' l = %u (paper Eq. 9)",
                           lp, l);
    if (a->selection.initial + a->selection.local > a->selection.count)
      return spec_error_at(s, "attention.selection.count", SIM_ERR_RULE, d,
                           "'attention.selection.count' n = %u is less than the forced blocks: initial %u + local %u",
                           a->selection.count, a->selection.initial, a->selection.local);
    if (a->selection.pattern == SPEC_PAT_TRACE && a->selection.trace[0] == '\0')
      return spec_error_at(s, "attention.selection.pattern", SIM_ERR_RULE, d,
                           "'attention.selection.pattern' trace needs 'attention.selection.trace' (a file)");
    if (a->selection.pattern != SPEC_PAT_TRACE && spec_was_set(s, "attention.selection.trace"))
      return spec_error_at(s, "attention.selection.trace", SIM_ERR_RULE, d,
                           "'attention.selection.trace' applies only to pattern trace");
    if (a->selection.pattern != SPEC_PAT_LOCAL && spec_was_set(s, "attention.selection.locality"))
      return spec_error_at(s, "attention.selection.locality", SIM_ERR_RULE, d,
                           "'attention.selection.locality' applies only to pattern local");
  }
  for (int k = 0; k < SPEC_K_COUNT; k++) {
    char path[128];
    spec_mapping *m = &w->kernel[k];
    const spec_mapping *def = &kernel_defaults[k][p->phase];
    static const char *const fields[] = {"block_m", "block_n", "warps", "stages",
                                         "regs_per_thread", "split_kv", "design"};
    uint32_t *vals[] = {&m->block_m, &m->block_n, &m->warps, &m->stages, &m->regs_per_thread,
                        &m->split_kv};
    const uint32_t defs[] = {def->block_m, def->block_n, def->warps, def->stages,
                             def->regs_per_thread, def->split_kv};
    for (size_t f = 0; f < 6; f++) {
      snprintf(path, sizeof path, "kernel.%s.%s", kernel_names[k], fields[f]);
      if (!spec_was_set(s, path))
        *vals[f] = defs[f];
    }
    snprintf(path, sizeof path, "kernel.%s.design", kernel_names[k]);
    if (!spec_was_set(s, path)) {
      m->design = def->design;
    } else if (m->design == SPEC_DESIGN_FUSED || m->design == SPEC_DESIGN_FUSED_LEAN ||
               m->design == SPEC_DESIGN_FUSED2 || m->design == SPEC_DESIGN_FUSED3 ||
               m->design == SPEC_DESIGN_FUSED4) {
      const char *dn = design_names[m->design];
      if (k != SPEC_K_CMP_ATTN)
        return spec_error_at(s, path, SIM_ERR_RULE, d,
                             "'%s' = %s applies only to kernel.cmp_attn (the fused NSA decode)", path, dn);
      if (p->phase != SPEC_PHASE_DECODE)
        return spec_error_at(s, path, SIM_ERR_RULE, d, "'%s' = %s is a decode design (phase is %s)",
                             path, dn, phase_names[p->phase]);
      if (p->q_len != 1)
        return spec_error_at(s, path, SIM_ERR_RULE, d,
                             "'%s' = %s decodes one query per sequence ('problem.q_len' is %llu)", path,
                             dn, (unsigned long long)p->q_len);
    } else if (k != SPEC_K_SELECTED && m->design != SPEC_DESIGN_AUTO &&
             !(m->design == SPEC_DESIGN_GROUP && p->phase == SPEC_PHASE_BWD &&
               (k == SPEC_K_FULL || k == SPEC_K_CMP_ATTN || k == SPEC_K_WINDOW))) {
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "'%s' applies only to kernel.selected (and, as group, to the backward of full, cmp_attn and window)",
                           path);
    } else if (k == SPEC_K_SELECTED && m->design == SPEC_DESIGN_AUTO) {
      m->design = SPEC_DESIGN_GROUP;
    }
    if (k == SPEC_K_SELECTED && spec_design_union(m->design)) {
      const char *dn = design_names[m->design];
      if (p->phase != SPEC_PHASE_FWD)
        return spec_error_at(s, path, SIM_ERR_RULE, d, "'%s' = %s is a forward design (phase is %s)",
                             path, dn, phase_names[p->phase]);
      if (m->block_m % 16 != 0 || m->block_m / 16 > 32 || p->heads_q / p->heads_kv > 16)
        return spec_error_at(s, path, SIM_ERR_RULE, d,
                             "'%s' = %s needs block_m = 16 x tokens per CTA (1..32 tokens) and a group of at most 16 heads (block_m = %u, group = %u)",
                             path, dn, m->block_m, p->heads_q / p->heads_kv);
    }
    snprintf(path, sizeof path, "kernel.%s.split_kv", kernel_names[k]);
    if (m->split_kv != 0 && p->phase != SPEC_PHASE_DECODE)
      return spec_error_at(s, path, SIM_ERR_RULE, d, "'%s' applies only to phase decode", path);
    snprintf(path, sizeof path, "kernel.%s", kernel_names[k]);
    if (spec_was_set(s, path) && !spec_kernel_used(w, (spec_kernel_id)k))
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "'%s' maps a kernel that a %s %s pipeline does not run", path,
                           kind_names[a->kind], phase_names[p->phase]);
  }
  if (spec_decode_fused(w)) {
    /* The fused selection runs 256 threads (validate/kernels/nsa_decode.cu); the unfused decode
    ** selection, its closest measured kin, ran with 60 registers per thread. */
    spec_mapping *m = &w->kernel[SPEC_K_SELECT_SCORES];
    if (!spec_was_set(s, "kernel.select_scores.warps"))
      m->warps = SPEC_FUSED_SELECT_WARPS;
    if (!spec_was_set(s, "kernel.select_scores.regs_per_thread"))
      m->regs_per_thread = SPEC_FUSED_SELECT_REGS;
  }
  if (a->kind == SPEC_ATTN_NSA && a->selection.block % w->kernel[SPEC_K_SELECTED].block_n != 0)
    return spec_error_at(s, "kernel.selected.block_n", SIM_ERR_RULE, d,
                         "'kernel.selected.block_n' = %u must divide 'attention.selection.block' l' = %u (B_k | l')",
                         w->kernel[SPEC_K_SELECTED].block_n, a->selection.block);
  return SIM_OK;
}
/* }==== */

sim_status spec_load_workload(const char *display_name, const char *path, const char *text,
                              const spec_override *ovr, size_t novr, spec_workload *out,
                              spec_source **srcp, sim_diag *diag) {
  memset(out, 0, sizeof *out);
  if (srcp)
    *srcp = NULL;
  spec_source *src = spec_source_new(display_name);
  if (!src)
    return sim_diag_set(diag, SIM_ERR_NOMEM, display_name, 0, 0, "out of memory");
  char *buf = NULL;
  size_t len = 0;
  sim_status st = SIM_OK;
  if (path) {
    st = spec_read_file(display_name, path, &buf, &len, diag);
    text = buf;
  } else {
    len = strlen(text);
  }
  if (st == SIM_OK)
    st = spec_bind_text(src, text, len, spec_workload_table, "", ovr, novr, out, diag);
  if (st == SIM_OK)
    st = spec_workload_rules(out, src, diag);
  sim_free(buf);
  if (st != SIM_OK || !srcp)
    spec_source_free(src);
  else
    *srcp = src;
  return st;
}

void spec_workload_write_json(struct jsonw *w, const char *key, const spec_workload *wl) {
  spec_write_json_table(w, key, spec_workload_table, wl);
}

void spec_print_kernel_defaults(FILE *out) {
  fprintf(out, "\nKernel mapping defaults by phase (fwd / bwd / decode):\n\n");
  fprintf(out, "| kernel | block_m | block_n | warps | stages | regs_per_thread | split_kv | design |\n");
  fprintf(out, "|---|---|---|---|---|---|---|---|\n");
  for (int k = 0; k < SPEC_K_COUNT; k++) {
    const spec_mapping *m = kernel_defaults[k];
    fprintf(out, "| `%s` | %u / %u / %u | %u / %u / %u | %u / %u / %u | %u / %u / %u | %u / %u / %u | %u / %u / %u | %s |\n",
            kernel_names[k], m[0].block_m, m[1].block_m, m[2].block_m, m[0].block_n,
            m[1].block_n, m[2].block_n, m[0].warps, m[1].warps, m[2].warps, m[0].stages,
            m[1].stages, m[2].stages, m[0].regs_per_thread, m[1].regs_per_thread,
            m[2].regs_per_thread, m[0].split_kv, m[1].split_kv, m[2].split_kv,
            design_names[m[0].design]);
  }
  fprintf(out, "\nWith `kernel.cmp_attn.design: fused` (decode only): `nsa.decode.cmp` runs `cmp_attn`'s mapping; "
               "`nsa.decode.select` runs `select_scores`'s, which then defaults to %u warps and %u registers per "
               "thread (the fused selection's CTAs); `nsa.decode.branches` runs `selected`'s for both branches, "
               "its window CTAs split by `window`'s split_kv; `combine` is not launched, nor `compress` with "
               "method mean. `fused_lean` runs the same three kernels with the lean group body. `fused2` runs two: "
               "`nsa.decode.cmp_select` (`cmp_attn`'s mapping; the selection runs on its CTAs, so its grid must be "
               "one wave) and `nsa.decode.branches`; `select_scores` is not launched. `fused3` runs `fused_lean`'s three kernels with "
               "the top-n by radix select and the branch merge shared by each sequence and KV head's CTAs (its grid must "
               "be one wave). `fused4` runs `fused3`'s with the top-n from per-warp thresholds, the selection without the "
               "compressed output's merge, and the branch merge merging the compressed branch's splits as well.\n",
          SPEC_FUSED_SELECT_WARPS, SPEC_FUSED_SELECT_REGS);
}
