/*
** sim/cli/opts.c — option parsing and spec loading shared by the verbs.
** Options are long-only and strict: an unknown or repeated option, a missing
** value or a bad enum is a usage error (exit 2), never ignored.
*/
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

static const char *value_of(int argc, char **argv, int *i, const char *opt, sim_diag *d) {
  const char *a = argv[*i];
  size_t n = strlen(opt);
  if (a[n] == '=')
    return a + n + 1;
  if (*i + 1 >= argc) {
    sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "option %s needs a value", opt);
    return NULL;
  }
  return argv[++*i];
}

static int is_opt(const char *a, const char *opt) {
  size_t n = strlen(opt);
  return strncmp(a, opt, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

sim_status cli_parse(int argc, char **argv, int first, const char *allowed, int takes_files,
                     cli_opts *o, sim_diag *d) {
  memset(o, 0, sizeof *o);
  o->engine = "model";
  static const char *files[256];
  o->files = files;
  int seen_fmt = 0, seen_engine = 0;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    const char *v;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      o->help = 1;
    } else if (strchr(allowed, 'a') && is_opt(a, "--arch")) {
      if (o->arch_path)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--arch given twice");
      if (!(o->arch_path = value_of(argc, argv, &i, "--arch", d)))
        return SIM_ERR_USAGE;
    } else if (strchr(allowed, 'w') && is_opt(a, "--workload")) {
      if (o->workload_path)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--workload given twice");
      if (!(o->workload_path = value_of(argc, argv, &i, "--workload", d)))
        return SIM_ERR_USAGE;
    } else if (strchr(allowed, 'e') && is_opt(a, "--engine")) {
      if (seen_engine++)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--engine given twice");
      if (!(v = value_of(argc, argv, &i, "--engine", d)))
        return SIM_ERR_USAGE;
      if (strcmp(v, "model") != 0 && strcmp(v, "sim") != 0)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0,
                            "--engine must be model or sim, got '%s'", v);
      o->engine = v;
    } else if (strchr(allowed, 'f') && is_opt(a, "--format")) {
      if (seen_fmt++)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--format given twice");
      if (!(v = value_of(argc, argv, &i, "--format", d)))
        return SIM_ERR_USAGE;
      o->format_given = 1;
      if (strchr(allowed, 'S') && strcmp(v, "jsonl") == 0)
        o->jsonl = 1;
      else if (strchr(allowed, 'S') && strcmp(v, "csv") == 0)
        o->format = CLI_FMT_CSV;
      else if (strchr(allowed, 'S'))
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--format must be csv or jsonl, got '%s'", v);
      else if (strcmp(v, "table") == 0)
        o->format = CLI_FMT_TABLE;
      else if (strcmp(v, "json") == 0)
        o->format = CLI_FMT_JSON;
      else if (strcmp(v, "csv") == 0)
        o->format = CLI_FMT_CSV;
      else
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0,
                            "--format must be table, json or csv, got '%s'", v);
    } else if (strchr(allowed, 'F') && is_opt(a, "--fidelity")) {
      if (!(v = value_of(argc, argv, &i, "--fidelity", d)))
        return SIM_ERR_USAGE;
      if (strcmp(v, "tile") != 0 && strcmp(v, "sector") != 0)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0,
                            "--fidelity must be tile or sector, got '%s'", v);
      o->sector = strcmp(v, "sector") == 0;
    } else if (strchr(allowed, 'T') && is_opt(a, "--timeline")) {
      if (!(o->timeline = value_of(argc, argv, &i, "--timeline", d)))
        return SIM_ERR_USAGE;
    } else if (strchr(allowed, 'j') && is_opt(a, "--jobs")) {
      if (!(v = value_of(argc, argv, &i, "--jobs", d)))
        return SIM_ERR_USAGE;
      char *end = NULL;
      long n = strtol(v, &end, 10);
      if (!*v || *end || n < 1 || n > 1024)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--jobs must be an integer in [1, 1024], got '%s'", v);
      o->jobs = (int)n;
    } else if (strchr(allowed, 'S') && is_opt(a, "--shard")) {
      if (!(v = value_of(argc, argv, &i, "--shard", d)))
        return SIM_ERR_USAGE;
      unsigned long long si, sn;
      char tail;
      if (sscanf(v, "%llu/%llu%c", &si, &sn, &tail) != 2 || sn == 0 || si >= sn || sn > 1000000)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "--shard must be I/N with 0 <= I < N <= 1000000, got '%s'", v);
      o->shard_i = si;
      o->shard_n = sn;
    } else if (strchr(allowed, 'o') && is_opt(a, "--out")) {
      if (!(o->out = value_of(argc, argv, &i, "--out", d)))
        return SIM_ERR_USAGE;
    } else if (strchr(allowed, 's') && is_opt(a, "--set")) {
      if (!(v = value_of(argc, argv, &i, "--set", d)))
        return SIM_ERR_USAGE;
      if (o->nset >= CLI_MAX_SET)
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "at most %d --set options", CLI_MAX_SET);
      o->set[o->nset++].text = v;
    } else if (a[0] == '-' && a[1] != '\0') {
      return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "unknown option '%s' (see --help)", a);
    } else if (takes_files) {
      if (o->nfiles >= sizeof files / sizeof files[0])
        return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "at most %zu files",
                            sizeof files / sizeof files[0]);
      files[o->nfiles++] = a;
    } else {
      return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0, "unexpected argument '%s' (see --help)", a);
    }
  }
  return spec_check_overrides(o->set, o->nset, d);
}

sim_status cli_load_specs(const cli_opts *o, cli_specs *s, sim_diag *d) {
  memset(s, 0, sizeof *s);
  sim_status st;
  if (o->arch_path)
    st = spec_load_arch(o->arch_path, o->arch_path, NULL, o->set, o->nset, &s->arch,
                        &s->arch_src, d);
  else
    st = spec_load_arch(CLI_DEFAULT_ARCH, NULL, nsasim_default_arch_yaml, o->set, o->nset,
                        &s->arch, &s->arch_src, d);
  if (st != SIM_OK)
    return st;
  if (o->workload_path)
    st = spec_load_workload(o->workload_path, o->workload_path, NULL, o->set, o->nset, &s->wl,
                            &s->wl_src, d);
  else
    st = spec_load_workload(CLI_DEFAULT_WORKLOAD, NULL, nsasim_default_workload_yaml, o->set,
                            o->nset, &s->wl, &s->wl_src, d);
  if (st != SIM_OK)
    return st;
  return spec_check_fit(&s->arch, &s->wl, s->wl_src, d);
}

void cli_free_specs(cli_specs *s) {
  spec_source_free(s->arch_src);
  spec_source_free(s->wl_src);
  s->arch_src = s->wl_src = NULL;
}

int cli_fail(const sim_diag *d) {
  sim_diag_print(d, stderr);
  return sim_status_exit_code(d->status);
}
