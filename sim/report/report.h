/*
** sim/report/report.h — `nsasim report`: the answers an architect asks for,
** as a Markdown page and a self-contained HTML page with gnuplot figures
** (SVG and PNG): NSA's speedup over full attention against sequence length
** per arch and phase, heatmaps over l' x n and w x seq_len, a roofline per
** arch with every kernel on it, Pareto fronts of time against attended
** tokens, which resource bounds NSA and where it crosses full attention, and
** a per-SM timeline of a cycle-level run. Prefix rep_.
*/
#ifndef NSASIM_REPORT_REPORT_H
#define NSASIM_REPORT_REPORT_H

#include "sim.h"

#define REP_MAX_MEASURED 16 /* --measured files, as nsasim validate takes */
#define REP_MAX_ARCH 8

typedef struct rep_opts {
  const char *out_dir;
  const char *arch_paths[REP_MAX_ARCH];
  size_t narch;
  const char *workload_path;
  const char *command;  /* the command line, written at the top */
  int no_timeline;      /* skip the cycle-level run */
  /* Predicted against measured (optional): the validate/ harness's CSVs, the
  ** arch it ran on and the base workloads, as `nsasim validate` takes them. */
  const char *measured[REP_MAX_MEASURED];
  size_t nmeasured;
  const char *measured_ncu, *measured_calibration;
  const char *measured_arch_text, *nsa_text, *full_text;
} rep_opts;

sim_status rep_write(const rep_opts *o, sim_diag *d);

#endif
