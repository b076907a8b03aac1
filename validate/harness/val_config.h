/*
** validate/harness/val_config.h — one validation config per line of a text file.
** Format (validate/README.md): `key=value` tokens separated by blanks; `#` starts a comment.
** Every key is in one table with its range and default, so an unknown key, a duplicate, a value
** out of range or an inconsistent shape is an error with file:line, never a silent default.
** Pure C: used by the GPU harness and by the CPU self-test, which needs no CUDA.
*/
#ifndef VAL_CONFIG_H
#define VAL_CONFIG_H

#include <stdio.h>

typedef enum val_kind {
  VAL_FULL_FWD = 0,   /* full causal attention forward (FlashAttention-2 style) */
  VAL_FULL_DECODE,    /* full attention decode, split-KV + combine */
  VAL_NSA_FWD,        /* NSA forward pipeline: compress .. combine, one CSV row per kernel */
  VAL_NSA_DECODE,     /* NSA decode pipeline, one query token per sequence */
  VAL_FULL_BWD,       /* full causal attention backward: delta, dK/dV, dQ (forward run in setup) */
  VAL_NSA_SEL_BWD,    /* NSA selected-branch backward on random top-n indices (forward in setup) */
  VAL_NSA_CMP_BWD,    /* NSA compressed-branch backward: delta, dK/dV of K_cmp/V_cmp, dQ, compression backward */
  VAL_NSA_WIN_BWD,    /* NSA sliding-window branch backward: delta, dK/dV, dQ */
  VAL_KIND_COUNT
} val_kind;

#define VAL_ID_MAX 64
#define VAL_PATH_MAX 512
#define VAL_ERR_MAX 256

typedef enum val_inputs {
  VAL_INPUTS_RANDOM = 0, /* uniform bf16 noise made on the device (the default) */
  VAL_INPUTS_STRUCTURED  /* Q/K with position, global and topic structure (val_input.h), nsa_fwd only */
} val_inputs;

typedef struct val_config {
  char id[VAL_ID_MAX];
  val_kind kind;
  int batch, seq_len, heads_q, heads_kv, d_qk, d_v;
  int cmp_len, cmp_stride, sel_len, sel_count, window;
  int block_m, block_n, stages;  /* token-major kernels: full, cmp_attn, window */
  int grp_block_n, grp_stages;   /* group-centric kernels: selected and every decode kernel */
  int compress_mlp;              /* NSA compression phi: 0 mean pool, 1 MLP (nsa_fwd, nsa_decode) */
  int sel_tok;                   /* nsa_fwd selected branch: 1 = one CTA per token (attn_group.cu),
                                 ** 2, 4 or 8 = tokens per CTA sharing the union of blocks (attn_union.cu) */
  int split_kv;                  /* decode splits per (sequence, KV head); 0 = automatic */
  int topn_fused;                /* nsa_fwd: 1 = top-n at the end of the scores kernel (no top-n launch) */
  int gate_fused;                /* nsa_fwd: 1 = gated combine in the window kernel's epilogue */
  int dec_fused;                 /* nsa_decode: 0 = one kernel per step, 1 and 3 = three launches, 2 = two (nsa_decode.cu) */
  int grp_lean;                  /* 1 = lean copies: nsa_decode dec_fused=1 group bodies (implied by 2), nsa_fwd union producer */
  int pdl;                       /* decode: programmatic dependent launch between the pipeline's kernels */
  int check;                     /* 1: compare with the CPU reference before timing */
  int check_rows;                /* query rows sampled per (batch, head) for the reference */
  int warmup, runs;
  int seed;
  val_inputs inputs;             /* inputs=random|structured */
  char trace_out[VAL_PATH_MAX];  /* trace_out=FILE: nsa_fwd writes its top-n as a selection trace; "" = none */
  int line;                      /* line in the config file (for messages) */
} val_config;

const char *val_kind_name(val_kind k);

/* Parses one line. Returns 1 and fills *out for a config, 0 for a blank/comment line, -1 on error
** with a message (no location) in err. */
int val_config_parse_line(const char *line, val_config *out, char *err, size_t err_len);

/* Checks relations between fields (GQA divisibility, NSA block sizes, ...). 0 ok, -1 + err. */
int val_config_check(const val_config *c, char *err, size_t err_len);

/* Reads a whole file. On error prints "path:line: error: msg" to stderr and returns -1. On success
** returns the number of configs and sets *out (free with free()). */
int val_config_load(const char *path, val_config **out);

/* Writes the config back as one line (same format), for logs and the self-test round trip. */
void val_config_print(const val_config *c, FILE *f);

/* Number of compressed blocks floor((T - l)/d) + 1 and selection blocks ceil(T / l'). */
int val_n_cmp(const val_config *c);
int val_n_sel(const val_config *c);

#endif /* VAL_CONFIG_H */
