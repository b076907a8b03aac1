/*
** sim/cli/cli_int.h — shared pieces of the nsasim verbs: option parsing,
** loading the two specs (from disk or the embedded defaults), usage text.
*/
#ifndef NSASIM_CLI_CLI_INT_H
#define NSASIM_CLI_CLI_INT_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"
#include "spec.h"

#define CLI_MAX_SET 8

typedef enum cli_format { CLI_FMT_TABLE, CLI_FMT_JSON, CLI_FMT_CSV } cli_format;

typedef struct cli_opts {
  const char *arch_path;     /* NULL: the embedded arch/h200.yaml */
  const char *workload_path; /* NULL: the embedded workloads/nsa-paper.yaml */
  const char *engine;
  cli_format format;
  spec_override set[CLI_MAX_SET];
  size_t nset;
  int help;
  int sector;            /* --fidelity sector */
  const char *timeline;  /* --timeline FILE */
  const char *out;       /* --out FILE */
  int jobs;              /* --jobs N */
  int jsonl;             /* --format jsonl */
  int format_given;
  uint64_t shard_i, shard_n; /* --shard I/N */
  const char **files; /* positional arguments */
  size_t nfiles;
} cli_opts;

/* Parses argv[first..argc). allowed: a string of the options this verb takes
** (a --arch, w --workload, e --engine, s --set, f --format, F --fidelity,
** T --timeline, o --out, j --jobs, S --shard; --help always). Positional
** arguments are collected only if takes_files. */
sim_status cli_parse(int argc, char **argv, int first, const char *allowed, int takes_files,
                     cli_opts *o, sim_diag *d);

typedef struct cli_specs {
  spec_arch arch;
  spec_workload wl;
  spec_source *arch_src;
  spec_source *wl_src;
} cli_specs;

sim_status cli_load_specs(const cli_opts *o, cli_specs *s, sim_diag *d);
void cli_free_specs(cli_specs *s);

int cmd_predict(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_params(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_validate(int argc, char **argv);

/* Prints the diagnostic and returns the exit code for it. */
int cli_fail(const sim_diag *d);

extern const char nsasim_default_arch_yaml[];
extern const char nsasim_default_workload_yaml[];
extern const char nsasim_full_workload_yaml[];
const char *nsasim_git_commit(void);

#define CLI_DEFAULT_ARCH "arch/h200.yaml"
#define CLI_DEFAULT_WORKLOAD "workloads/nsa-paper.yaml"

#endif
