/*
** sim/score/score.h — scoring the engines against measurements (prefix scr_).
** Reads the validation harness's CSV (validate/README.md) and ncu's CSV,
** rebuilds each measured configuration as a workload with the kernel mapping
** that ran, predicts it with the analytical model and/or the cycle engine,
** pairs predicted and measured kernels, and computes accuracy statistics.
*/
#ifndef NSASIM_SCORE_SCORE_H
#define NSASIM_SCORE_SCORE_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"
#include "spec.h"

#define SCR_MAX_ROWS 100000

/* One measured kernel (or pipeline total) of the harness CSV. */
typedef struct scr_row {
  char config[96], kernel[48];
  uint32_t batch, heads_q, heads_kv, d_qk, d_v, l, d, lp, n, w;
  uint64_t seq_len;
  uint32_t block_m, block_n, warps, stages, split_kv, regs;
  char design[24];
  double median_ms;
  unsigned long line;
} scr_row;

typedef struct scr_table {
  scr_row *rows;
  size_t n;
} scr_table;

/* Strict reader: every required column present, every field parses; errors
** at file:line:col. */
sim_status scr_read_csv(const char *path, scr_table *t, sim_diag *d);
void scr_table_free(scr_table *t);

/* ncu counters of one kernel launch, named by the harness line printed before
** it ("ncu_<config> <kernel>"); metrics ncu did not report stay NAN. */
typedef struct scr_counters {
  char config[96], kernel[48];
  double time_ns, dram_read_bytes, dram_write_bytes;
  double l2_read_sectors, l2_read_hit_sectors, l2_write_sectors;
  double smem_wavefronts, smem_bank_conflicts, warps_active_pct, tensor_active_pct;
} scr_counters;
/* Reads `ncu --csv` output after the harness's lines naming the kernels in
** launch order. Several runs may be concatenated: each block of names is
** followed by its own CSV, whose launch IDs restart at 0. *out is allocated
** (sim_free); *n kernels. */
sim_status scr_read_ncu(const char *path, scr_counters **out, size_t *n, sim_diag *d);

typedef struct scr_stats {
  size_t n;
  double mape, max_abs, bias, pearson_log, spearman, within10;
} scr_stats;
/* Statistics of predicted p against measured m (relative errors). */
void scr_stats_of(const double *p, const double *m, size_t n, scr_stats *s);

typedef struct scr_opts {
  int model, sim;           /* engines to score */
  uint64_t sim_max_seq;     /* the cycle engine scores configs up to this length */
  const char *arch_text;    /* the arch the measurements ran on */
  const char *arch_name;
  const char *nsa_text, *full_text; /* base workloads */
  const char *json_path;    /* NULL: table on out */
  const char *report;       /* NULL, or PREFIX: PREFIX.md and PREFIX/ figures */
  const char *command;
  const char *ncu_path[16]; /* optional counters (ncu_path[0..n_ncu)), read in order */
  size_t n_ncu;
  const char *calibration;  /* comma-separated config ids used to set arch constants */
} scr_opts;

/* Scores every measured file; prints the table or JSON; returns the kernel
** time MAPE per engine (NAN when not scored) for the gate. */
sim_status scr_run(const char *const *files, size_t nfiles, const scr_opts *o, FILE *out,
                   double mape[2], sim_diag *d);

#endif
