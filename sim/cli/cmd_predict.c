/*
** sim/cli/cmd_predict.c — `nsasim predict`: load the arch and workload (the
** embedded defaults unless given), apply --set overrides, check the mapping
** fits, run an engine and print the result as a table, JSON or CSV.
** JSON is the stable contract: meta (version, commit, inputs with SHA-256,
** overrides, resolved specs) followed by the engine's statistics.
*/
#include <string.h>

#include "cli_int.h"
#include "cycle.h"
#include "jsonw.h"
#include "model.h"
#include "result.h"

static const char help[] =
    "usage: nsasim predict [--arch FILE] [--workload FILE] [--engine model|sim]\n"
    "                      [--set KEY=VALUE]... [--format table|json|csv]\n"
    "\n"
    "Predicts each kernel of the workload's pipeline on the arch: time, FLOPs by unit,\n"
    "HBM/L2/shared-memory bytes, CTAs, occupancy and the resource that bounds it. For an\n"
    "NSA workload it also predicts the full-attention baseline of the same problem and\n"
    "the speedup; for phase decode, the tokens each step reads per branch. An NSA decode\n"
    "runs six kernels, or with --set kernel.cmp_attn.design=fused three (the compressed\n"
    "attention with the pool, the selection with the compressed merge, both other branches\n"
    "in one grid with the gated merge), =fused_lean the same three with the lean group body\n"
    "(fewer warp instructions per tile and fixed), =fused2 two (the selection on the\n"
    "compressed kernel's CTAs, then the branches), =fused3 fused_lean's three with the\n"
    "top-n by radix select and the branch merge shared by each pair's CTAs, =fused4\n"
    "fused3's with the top-n from per-warp thresholds and the compressed output merged\n"
    "in the branch merge. An NSA\n"
    "forward's selected branch runs\n"
    "several tokens per CTA with --set kernel.selected.design=group_union (block_m = 16 x\n"
    "tokens), =group_union_lean the same with the lean producer (one cp.async per copy);\n"
    "`nsasim params workload` has details.\n"
    "\n"
    "options:\n"
    "  --arch FILE        hardware spec (default: built-in copy of " CLI_DEFAULT_ARCH ")\n"
    "  --workload FILE    problem + attention + kernel mapping (default: built-in copy of\n"
    "                     " CLI_DEFAULT_WORKLOAD ")\n"
    "  --engine E         model (analytical, default) or sim (cycle-level, trace-driven)\n"
    "  --fidelity F       sim only: tile (L2 in 2 KiB chunks of tiles, default) or sector\n"
    "                     (32-byte sectors; for small kernels)\n"
    "  --timeline FILE    sim only: write one CSV row per CTA: kernel,sm,cta,start_cycle,\n"
    "                     end_cycle,phase\n"
    "  --set KEY=VALUE    override any spec key by its dotted path; arch keys start with\n"
    "                     'arch.' (--set arch.hbm.bandwidth=9.6e12, --set problem.seq_len=8192,\n"
    "                     --set attention.window=1024); repeatable, checked like the files\n"
    "  --format F         table (default, for people), json (stable contract) or csv\n"
    "  --help             this text\n"
    "\n"
    "JSON fields: meta {version, git_commit, inputs [{role, path, sha256}], overrides,\n"
    "arch, workload (fully resolved specs)}, engine, arch, workload, total_time_s, kernels\n"
    "[{name, time_s, flops, tensor_flops, fp32_flops, sfu_ops, hbm_read_bytes,\n"
    "hbm_write_bytes, l2_read_bytes, smem_bytes, ctas, ctas_per_sm, occupancy,\n"
    "occupancy_limiter, waves, bound, bound_time_s; with --engine sim also cycles,\n"
    "l2_read_hit_rate, smem_wavefronts, smem_bank_conflicts, tensor_util, achieved_occupancy,\n"
    "stalls {memory, barrier, tensor, other}}], and for NSA baseline {total_time_s,\n"
    "kernels} and speedup_vs_full; for decode tokens_per_step {compression, selection,\n"
    "window, total, full}.\n"
    "\n"
    "exit status: 0 success, 1 the engine failed, 2 bad input or usage\n";

static void write_json(const cli_opts *o, const cli_specs *s, const sim_result *r) {
  jsonw w;
  jsonw_init(&w, stdout, 1);
  jsonw_obj_begin(&w, NULL);
  jsonw_obj_begin(&w, "meta");
  jsonw_str(&w, "version", SIM_VERSION);
  jsonw_str(&w, "git_commit", nsasim_git_commit());
  jsonw_arr_begin(&w, "inputs");
  const spec_source *srcs[2] = {s->arch_src, s->wl_src};
  const char *roles[2] = {"arch", "workload"};
  const int embedded[2] = {o->arch_path == NULL, o->workload_path == NULL};
  for (int i = 0; i < 2; i++) {
    jsonw_obj_begin(&w, NULL);
    jsonw_str(&w, "role", roles[i]);
    jsonw_str(&w, "path", spec_source_name(srcs[i]));
    jsonw_bool(&w, "embedded", embedded[i]);
    jsonw_str(&w, "sha256", spec_source_sha256(srcs[i]));
    jsonw_obj_end(&w);
  }
  jsonw_arr_end(&w);
  jsonw_arr_begin(&w, "overrides");
  for (size_t i = 0; i < o->nset; i++)
    jsonw_str(&w, NULL, o->set[i].text);
  jsonw_arr_end(&w);
  spec_arch_write_json(&w, "arch", &s->arch);
  spec_workload_write_json(&w, "workload", &s->wl);
  jsonw_obj_end(&w);
  sim_result_write_json(&w, r);
  jsonw_obj_end(&w);
}

int cmd_predict(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "awesfFT", 0, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  cli_specs s;
  if (cli_load_specs(&o, &s, &d) != SIM_OK) {
    cli_free_specs(&s);
    return cli_fail(&d);
  }
  static sim_result r; /* large: keep it off the stack */
  memset(&r, 0, sizeof r);
  sim_status st;
  if (strcmp(o.engine, "sim") == 0) {
    cyc_opts co = {o.sector ? CYC_FIDELITY_SECTOR : CYC_FIDELITY_TILE, NULL, NULL, 0};
    if (o.timeline) {
      co.timeline = fopen(o.timeline, "w");
      if (!co.timeline) {
        cli_free_specs(&s);
        sim_diag_set(&d, SIM_ERR_IO, o.timeline, 0, 0, "cannot write the timeline");
        return cli_fail(&d);
      }
      fputs("kernel,sm,cta,start_cycle,end_cycle,phase\n", co.timeline);
    }
    st = cyc_run(&s.arch, &s.wl, &co, &r, &d);
    if (co.timeline && fclose(co.timeline) != 0 && st == SIM_OK)
      st = sim_diag_set(&d, SIM_ERR_IO, o.timeline, 0, 0, "cannot write the timeline");
  } else {
    if (o.sector || o.timeline) {
      cli_free_specs(&s);
      sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "--fidelity and --timeline apply to --engine sim");
      return cli_fail(&d);
    }
    st = mdl_run(&s.arch, &s.wl, &r, &d);
  }
  if (st != SIM_OK) {
    cli_free_specs(&s);
    return cli_fail(&d);
  }
  switch (o.format) {
  case CLI_FMT_JSON: write_json(&o, &s, &r); break;
  case CLI_FMT_CSV: sim_result_write_csv(stdout, &r); break;
  case CLI_FMT_TABLE: sim_result_write_table(stdout, &r); break;
  }
  cli_free_specs(&s);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "nsasim: error: cannot write the output\n");
    return 1;
  }
  return 0;
}
