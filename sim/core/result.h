/*
** sim/core/result.h — the statistics both engines emit (the JSON contract).
** Stats are data: engines fill these records, report.c formats them as a
** table, CSV or JSON. Names carry their units.
*/
#ifndef NSASIM_CORE_RESULT_H
#define NSASIM_CORE_RESULT_H

#include <stdint.h>
#include <stdio.h>

#define SIM_MAX_KERNELS 24

typedef enum sim_bound {
  SIM_BOUND_TENSOR,  /* tensor-core issue rate */
  SIM_BOUND_FP32,    /* FP32 CUDA cores (softmax arithmetic) */
  SIM_BOUND_SFU,     /* special-function unit (exp) */
  SIM_BOUND_HBM,     /* device-memory bandwidth */
  SIM_BOUND_L2,      /* L2 bandwidth */
  SIM_BOUND_SMEM,    /* shared-memory bandwidth */
  SIM_BOUND_LATENCY, /* too little work in flight to hide memory latency */
  SIM_BOUND_LAUNCH,  /* launch overhead */
  SIM_BOUND_COUNT
} sim_bound;

const char *sim_bound_name(sim_bound b);

typedef struct sim_kernel_stats {
  char name[48];               /* pipeline-qualified, e.g. "selected" or "full.dq" */
  double time_s;
  double flops;                /* tensor + fp32 + sfu work, FLOP */
  double tensor_flops, fp32_flops, sfu_ops;
  uint64_t hbm_read_bytes, hbm_write_bytes;
  uint64_t l2_read_bytes;      /* bytes the SMs read from L2 (hits and misses) */
  uint64_t smem_bytes;         /* shared-memory bytes read and written */
  uint64_t ctas;
  uint32_t ctas_per_sm;        /* resident CTAs per SM allowed by occupancy */
  double occupancy;            /* resident warps / max warps per SM */
  char occupancy_limiter[16];  /* registers, smem, threads, ctas, warps */
  double waves;                /* ctas / (ctas_per_sm x SMs) */
  sim_bound bound;
  double bound_time_s[SIM_BOUND_COUNT]; /* the time each resource alone would take */
  /* Filled by the cycle-level engine only (has_cycle = 1). */
  int has_cycle;
  uint64_t cycles;
  double l2_read_hit_rate;        /* L2 read requests that hit, by bytes */
  double smem_wavefronts;         /* 128-byte shared-memory wavefronts */
  double smem_bank_conflicts;     /* extra wavefronts from bank conflicts */
  double tensor_util;             /* tensor-pipe busy cycles / (SMs x kernel cycles) */
  double achieved_occupancy;      /* mean resident warps / max warps, over SMs and time */
  double stall_memory, stall_barrier, stall_tensor, stall_other; /* shares of resident CTA time */
} sim_kernel_stats;

typedef struct sim_pipeline {
  double total_time_s;
  size_t nkernels;
  sim_kernel_stats kernels[SIM_MAX_KERNELS];
} sim_pipeline;

typedef struct sim_tokens {
  double compression, selection, window, total; /* per query, per KV head */
  double full;                                  /* full attention reads every token */
} sim_tokens;

typedef struct sim_result {
  char engine[16];
  char arch[64];
  char workload[64];
  sim_pipeline main;
  int has_baseline; /* NSA: the full-attention pipeline of the same problem */
  sim_pipeline baseline;
  double speedup_vs_full;
  int has_tokens;   /* decode: tokens each step reads */
  sim_tokens tokens_per_step;
} sim_result;

/* Appends a zeroed kernel record; NULL if the pipeline is full. */
sim_kernel_stats *sim_pipeline_add(sim_pipeline *p, const char *name);
void sim_pipeline_sum(sim_pipeline *p);

struct jsonw;
/* The engine part of the JSON contract: engine, arch, total_time_s,
** kernels, baseline, speedup_vs_full, tokens_per_step. */
void sim_result_write_json(struct jsonw *w, const sim_result *r);
/* Aligned table for people, with units and a one-line verdict. */
void sim_result_write_table(FILE *out, const sim_result *r);
/* One header row, then one row per kernel (pipeline main or baseline). */
void sim_result_write_csv(FILE *out, const sim_result *r);

#endif
