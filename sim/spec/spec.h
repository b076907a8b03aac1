/*
** sim/spec/spec.h — typed, validated hardware and workload descriptions.
** arch/NAME.yaml becomes spec_arch (hardware only); workloads/NAME.yaml becomes
** spec_workload (problem, attention variant, kernel mapping). Both engines read
** these structs and nothing else; libyaml stays behind this header.
** Every field's type, unit, range, default and meaning lives in one table per
** section (arch.c, workload.c), which also drives errors and `nsasim params`.
*/
#ifndef NSASIM_SPEC_SPEC_H
#define NSASIM_SPEC_SPEC_H

#include <stdint.h>
#include <stdio.h>

#include "result.h"
#include "sim.h"

#define SPEC_NAME_MAX 64
#define SPEC_TEXT_MAX 256
#define SPEC_PATH_MAX 512
/* Spec files are a few KB; anything this large is not a spec. */
#define SPEC_FILE_MAX_BYTES (4u * 1024u * 1024u)

/* {==== Hardware ==== */
typedef struct spec_arch {
  uint32_t version;
  char name[SPEC_NAME_MAX];
  char description[SPEC_TEXT_MAX];
  struct {
    uint32_t count;
    double clock_hz;
    uint32_t max_threads, max_warps, max_ctas, max_threads_per_cta;
    uint32_t registers, max_registers_per_cta, max_registers_per_thread;
    uint32_t register_alloc_unit;
    uint64_t smem_bytes, smem_per_cta_bytes, smem_reserved_per_cta_bytes;
    uint32_t smem_banks, smem_bank_bytes;
    double smem_bytes_per_clk;
    uint32_t smem_latency_cycles;
    uint64_t l1_bytes;
    uint32_t l1_latency_cycles;
    double issue_per_clk;          /* warp instructions the SM's schedulers issue per clock */
    double dependent_issue_cycles; /* cycles between one warp's issues when the schedulers are free */
  } sm;
  struct {
    /* per SM per clock; 0 means the dtype is not supported */
    double tensor_bf16_flops_per_clk, tensor_fp16_flops_per_clk, tensor_fp8_flops_per_clk;
    double fp32_flops_per_clk;
    double sfu_ops_per_clk;
    double tensor_sync_fraction; /* share of that rate warp-level mma.sync kernels sustain */
  } compute;
  struct {
    uint64_t bytes;
    uint32_t line_bytes, sector_bytes, slices, partitions, ways;
    double bytes_per_clk;
    uint32_t hit_latency_cycles;
    double far_latency_factor;
    int far_copy; /* far reads are copied into the near partition (default 1) */
    uint32_t lrc_gpcs; /* GPCs the L2 request coalescer merges within (0: no coalescer) */
  } l2;
  struct {
    uint64_t bytes;
    double bandwidth; /* B/s, peak */
    uint32_t channels;
    double latency_ns;
  } hbm;
  struct {
    int cp_async, tma;
  } copy;
  struct {
    double overhead_s;
  } launch;
  struct {
    double tensor; /* sustained fraction of the tensor peak in a tuned MMA loop */
    double hbm;    /* achievable fraction of the HBM peak */
  } efficiency;
} spec_arch;
/* }==== */

/* {==== Workload ==== */
typedef enum spec_dtype { SPEC_DT_BF16, SPEC_DT_FP16, SPEC_DT_FP8 } spec_dtype;
typedef enum spec_phase { SPEC_PHASE_FWD, SPEC_PHASE_BWD, SPEC_PHASE_DECODE } spec_phase;
typedef enum spec_attn_kind { SPEC_ATTN_FULL, SPEC_ATTN_NSA } spec_attn_kind;
typedef enum spec_cmp_method { SPEC_CMP_MLP, SPEC_CMP_MEAN } spec_cmp_method;
typedef enum spec_pattern { SPEC_PAT_UNIFORM, SPEC_PAT_LOCAL, SPEC_PAT_TRACE } spec_pattern;
/* group_union: block_m/16 consecutive tokens per CTA share the union of their selected blocks
** (validate/kernels/attn_union.cu); forward only; group_union_lean: the same kernel whose producer
** warp copies with addresses worked out once per warp (validate's grp_lean=1; appended last so the
** other values keep their numbers). fused: kernel.cmp_attn in decode only, the NSA
** decode step in three kernels (validate/kernels/nsa_decode.cu; model/nsa_fused.c); fused_lean: the
** same three with the lean group body (val_group.cuh LEAN, validate's grp_lean=1); fused2: two
** launches, the selection at the end of the compressed kernel (validate's dec_fused=2); fused3:
** fused_lean's three with the selection's top-n by radix select and the branch merge shared by each
** (sequence, KV head)'s CTAs (validate's dec_fused=3); fused4: fused3 with the top-n from per-warp
** thresholds (topn_warps), the selection without the compressed output's merge (its logits and split
** lse in one memory round) and the branch merge also merging the compressed branch's splits
** (validate's dec_fused=4). */
typedef enum spec_design {
  SPEC_DESIGN_AUTO,
  SPEC_DESIGN_GROUP,
  SPEC_DESIGN_KV_OUTER,
  SPEC_DESIGN_GROUP_UNION,
  SPEC_DESIGN_FUSED,
  SPEC_DESIGN_FUSED_LEAN,
  SPEC_DESIGN_FUSED2,
  SPEC_DESIGN_GROUP_UNION_LEAN,
  SPEC_DESIGN_FUSED3,
  SPEC_DESIGN_FUSED4
} spec_design;
typedef enum spec_mma { SPEC_MMA_ASYNC, SPEC_MMA_SYNC } spec_mma;

/* The kernels of the full and NSA pipelines that take a mapping. */
typedef enum spec_kernel_id {
  SPEC_K_FULL,          /* FlashAttention-2 style full attention (fwd, bwd, split-KV decode) */
  SPEC_K_COMPRESS,      /* phi: K and V blocks of l tokens, stride d -> one token each */
  SPEC_K_CMP_ATTN,      /* attention over compressed keys, with log-sum-exp */
  SPEC_K_SELECT_SCORES, /* importance scores -> selection blocks, group sum, top-n */
  SPEC_K_SELECTED,      /* attention over the n selected blocks of l' tokens */
  SPEC_K_WINDOW,        /* sliding-window attention over the last w tokens */
  SPEC_K_COMBINE,       /* gated sum of the branches; split-KV merge in decode */
  SPEC_K_COUNT
} spec_kernel_id;

typedef struct spec_mapping {
  uint32_t block_m;         /* query rows per CTA tile */
  uint32_t block_n;         /* key/value rows per inner-loop tile */
  uint32_t warps;           /* warps per CTA */
  uint32_t stages;          /* shared-memory pipeline stages for K/V tiles */
  uint32_t regs_per_thread; /* registers the compiler gives each thread */
  uint32_t split_kv;        /* decode: KV splits per (sequence, head); 0 = enough to fill the SMs */
  spec_design design;       /* selected: group, kv_outer, group_union(_lean); group in bwd; cmp_attn in decode: fused */
  spec_mma mma;             /* async (wgmma/tcgen05 class) or sync (warp-level mma.sync) */
} spec_mapping;

typedef struct spec_problem {
  uint32_t batch;
  uint64_t seq_len;   /* keys/values per sequence (the KV cache length in decode) */
  uint64_t q_len;     /* queries per sequence; seq_len in fwd/bwd, 1 in decode unless set */
  uint32_t heads_q, heads_kv;
  uint32_t head_dim_qk, head_dim_v;
  spec_dtype dtype;
  int causal;
  spec_phase phase;
} spec_problem;

typedef struct spec_attention {
  spec_attn_kind kind;
  struct {
    uint32_t block;  /* l */
    uint32_t stride; /* d */
    spec_cmp_method method;
  } compression;
  struct {
    uint32_t block;   /* l' */
    uint32_t count;   /* n, forced blocks included */
    uint32_t initial; /* forced leading blocks */
    uint32_t local;   /* forced blocks ending at the query */
    spec_pattern pattern;
    double locality;  /* local pattern: share of free picks drawn near the query */
    char trace[SPEC_PATH_MAX];
    uint64_t seed;
  } selection;
  uint32_t window; /* w */
} spec_attention;

typedef struct spec_workload {
  uint32_t version;
  char name[SPEC_NAME_MAX];
  char description[SPEC_TEXT_MAX];
  spec_problem problem;
  spec_attention attention;
  spec_mapping kernel[SPEC_K_COUNT];
} spec_workload;
/* }==== */

/* {==== Loading ==== */
/* One loaded input: the struct plus what is needed to point back into the
** text (key marks for cross-file errors, the bytes for meta's SHA-256). */
typedef struct spec_source spec_source;

typedef struct spec_override {
  const char *text; /* "KEY=VALUE" exactly as given */
} spec_override;

/* display_name is used in messages and meta (e.g. "arch/h200.yaml"). Either
** path (read from disk) or text (embedded defaults) is given. Overrides whose
** key starts with "arch." apply to the arch, others to the workload; each
** loader ignores the other's. */
sim_status spec_load_arch(const char *display_name, const char *path, const char *text,
                          const spec_override *ovr, size_t novr, spec_arch *out,
                          spec_source **src, sim_diag *diag);
sim_status spec_load_workload(const char *display_name, const char *path, const char *text,
                              const spec_override *ovr, size_t novr, spec_workload *out,
                              spec_source **src, sim_diag *diag);
/* Rules across the two specs: every kernel of the pipeline must fit a CTA of
** the arch (shared memory, registers, threads) and use a supported dtype. */
sim_status spec_check_fit(const spec_arch *arch, const spec_workload *wl,
                          const spec_source *wl_src, sim_diag *diag);
/* Checks that each override names a key of the arch or the workload table. */
sim_status spec_check_overrides(const spec_override *ovr, size_t novr, sim_diag *diag);
typedef enum spec_kind { SPEC_KIND_UNKNOWN, SPEC_KIND_ARCH, SPEC_KIND_WORKLOAD, SPEC_KIND_SWEEP } spec_kind;
/* Arch, workload or sweep spec, from the file's top-level keys (for
** `nsasim check`). */
sim_status spec_detect_kind(const char *path, spec_kind *kind, sim_diag *diag);
void spec_source_free(spec_source *src);
/* {==== Points: one loaded pair of specs, many variations (sweeps) ====
** Clone the sources once per thread; per point, copy the base structs,
** truncate the sources to their base mark count, set each KEY=VALUE (same
** parsing and range checks as --set), then re-run every rule and the fit
** check. */
spec_source *spec_source_clone(const spec_source *src);
size_t spec_source_marks(const spec_source *src);
void spec_source_truncate(spec_source *src, size_t n);
sim_status spec_point_set(spec_arch *a, spec_source *as, spec_workload *w, spec_source *ws,
                          const char *key, const char *value, sim_diag *d);
sim_status spec_point_check(spec_arch *a, const spec_source *as, spec_workload *w,
                            const spec_source *ws, sim_diag *d);
/* }==== */
const char *spec_source_name(const spec_source *src);
const char *spec_source_sha256(const spec_source *src);
/* }==== */

/* {==== Derived quantities shared by both engines ==== */
uint32_t spec_dtype_bytes(spec_dtype dt);
const char *spec_dtype_name(spec_dtype dt);
const char *spec_phase_name(spec_phase ph);
const char *spec_kernel_name(spec_kernel_id k);
const char *spec_design_name(spec_design d);
/* Whether kernel k runs in the workload's pipeline or in its full-attention
** baseline (an NSA workload runs every kernel). */
int spec_kernel_used(const spec_workload *wl, spec_kernel_id k);
/* Shared memory one CTA of kernel k needs under its mapping (documented by
** `nsasim params workload`). */
uint64_t spec_mapping_smem_bytes(const spec_workload *wl, spec_kernel_id k);
/* Resident CTAs per SM for kernel k's mapping and the limit that binds
** ("threads", "warps", "ctas", "registers" or "smem"): the CUDA occupancy
** calculator's rules. */
uint32_t spec_occupancy(const spec_arch *arch, const spec_workload *wl, spec_kernel_id k,
                        const char **limiter);
/* Resident CTAs per SM (at least 1) of a grid of CTAs of `warps` warps at regs_per_thread and no
** shared memory: a validation kernel's own grid rather than its mapping's (the delta pass, the
** mean pool). One count for both engines. */
uint32_t spec_grid_ctas_per_sm(const spec_arch *arch, uint32_t warps, uint32_t regs_per_thread);
/* Whether the workload runs the fused NSA decode (kernel.cmp_attn.design fused, fused_lean,
** fused2, fused3 or fused4): nsa.decode.cmp, nsa.decode.select and nsa.decode.branches (fused2: nsa.decode.cmp_select
** and nsa.decode.branches) instead of the six unfused decode kernels. */
int spec_decode_fused(const spec_workload *wl);
/* Whether its attention kernels run the lean group body (fused_lean, fused2, fused3, fused4). */
int spec_decode_lean(const spec_workload *wl);
/* Whether a selected design is the union kernel, plain or with the lean producer (the same rules,
** grid and streams but the producer's copy). */
int spec_design_union(spec_design d);
/* Whether it is the two-launch step (fused2). */
int spec_decode_two_launch(const spec_workload *wl);
/* Whether it is the step v3 (fused3) or v4 (fused4, v3 with changes): the shared branch merge (and,
** in fused3, the radix top-n). */
int spec_decode_v3(const spec_workload *wl);
/* Whether it is the step v4 (fused4): the top-n by topn_warps, no o_cmp merge in the selection, the
** compressed branch's splits merged in the shared branch merge. */
int spec_decode_v4(const spec_workload *wl);
/* Selection blocks one CTA of the fused decode's selection kernel scores (chunk_blocks of
** validate/kernels/nsa_decode.cu); the grid has ceil(blocks / this) CTAs per (sequence, KV head). */
#define SPEC_FUSED_SELECT_BLOCKS 64u
/* Its CTA, as a mapping default (kernel.select_scores in a fused decode): 256 threads; registers as
** the unfused decode selection measured (60, reports/measurements/h200/). */
#define SPEC_FUSED_SELECT_WARPS 8u
#define SPEC_FUSED_SELECT_REGS 64u
/* Selection blocks of the context a decode step scores: floor((seq_len - 1) / l') + 1. */
uint64_t spec_selection_blocks(const spec_workload *wl);
/* CTA `chunk` of the fused decode's selection kernel: its selection blocks [j0, j1); the
** compressed tokens whose logits it reads [lo, hi) (l'/d per block and, by Eq. 9, the l/d - 1
** before its first); those whose probabilities it counts [own_lo, own_hi) (its blocks' l'/d
** each: the chunks partition the compressed tokens, so the FLOPs are the unfused selection's). */
typedef struct spec_select_chunk {
  uint64_t j0, j1, lo, hi, own_lo, own_hi;
} spec_select_chunk;
void spec_fused_select_chunk(const spec_workload *wl, uint64_t chunk, spec_select_chunk *c);
/* Tokens one decode step reads per KV head: NSA's branches (compressed
** tokens by Eq. 7, n selected blocks of l', the window) and full attention's
** seq_len (the paper's Table 4). */
void spec_decode_tokens(const spec_workload *wl, sim_tokens *t);
/* Tensor-core FLOP/clk/SM kernel k sustains: the dtype's rate times the
** arch's efficiency, times tensor_sync_fraction for mma.sync kernels. */
double spec_kernel_tensor_flops_per_clk(const spec_arch *arch, const spec_workload *wl, spec_kernel_id k);
/* Tensor-core FLOP/clk/SM for the workload's dtype (0: unsupported). */
double spec_arch_tensor_flops_per_clk(const spec_arch *arch, spec_dtype dt);
/* }==== */

/* {==== Output ==== */
struct jsonw;
void spec_arch_write_json(struct jsonw *w, const char *key, const spec_arch *a);
void spec_workload_write_json(struct jsonw *w, const char *key, const spec_workload *wl);
/* Reference of every key; which: "arch", "workload" or NULL for both. */
sim_status spec_print_params(FILE *out, const char *which, sim_diag *diag);
/* }==== */

#endif
