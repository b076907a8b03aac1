/*
** tests/unit/check_spec.c — sim/spec through its public API: shipped files
** load with the right values, derived defaults follow the phase, overrides
** replace and add keys, errors carry file:line:col, the fit check rejects
** mappings that do not fit, and every allocation failure is a clean
** SIM_ERR_NOMEM (LeakSanitizer checks nothing leaks when built with it).
*/
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sha256.h"
#include "spec.h"

#define SRC NSASIM_SOURCE_DIR

static const char *tiny_arch =
    "version: 1\nname: tiny\nsm:\n  count: 4\n  clock_hz: 1e9\n  max_threads: 2048\n"
    "  max_warps: 64\n  max_ctas: 32\n  max_threads_per_cta: 1024\n  registers: 65536\n"
    "  max_registers_per_cta: 65536\n  max_registers_per_thread: 255\n  register_alloc_unit: 256\n"
    "  smem_bytes: 65536\n  smem_per_cta_bytes: 49152\n  smem_reserved_per_cta_bytes: 0\n"
    "  smem_banks: 32\n  smem_bank_bytes: 4\n  smem_bytes_per_clk: 128\n  smem_latency_cycles: 30\n"
    "  l1_bytes: 131072\n  l1_latency_cycles: 40\ncompute:\n  tensor_bf16_flops_per_clk: 1024\n"
    "  tensor_fp16_flops_per_clk: 1024\n  tensor_fp8_flops_per_clk: 0\n  fp32_flops_per_clk: 128\n"
    "  sfu_ops_per_clk: 16\n  tensor_sync_fraction: 1\nl2:\n  bytes: 4194304\n  line_bytes: 128\n  sector_bytes: 32\n"
    "  slices: 8\n  partitions: 2\n  ways: 16\n  bytes_per_clk: 512\n  hit_latency_cycles: 200\n"
    "  far_latency_factor: 1.5\nhbm:\n  bytes: 1073741824\n  bandwidth: 1e12\n  channels: 4\n"
    "  latency_ns: 500\ncopy:\n  cp_async: true\n  tma: false\nlaunch:\n  overhead_s: 0\n"
    "efficiency:\n  tensor: 1\n  hbm: 1\n";

START_TEST(load_h200) {
  spec_arch a;
  spec_source *src = NULL;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, &src, &d), SIM_OK);
  ck_assert_str_eq(a.name, "h200");
  ck_assert_uint_eq(a.sm.count, 132);
  ck_assert_uint_eq(a.sm.smem_per_cta_bytes, 232448);
  ck_assert_uint_eq(a.l2.bytes, 62914560);
  ck_assert_double_eq(a.hbm.bandwidth, 4.8e12);
  ck_assert_double_eq(a.efficiency.tensor, 0.80);
  ck_assert_int_eq(a.copy.tma, 1);
  ck_assert_uint_eq(strlen(spec_source_sha256(src)), 64);
  spec_source_free(src);
}
END_TEST

START_TEST(load_workload_defaults_by_phase) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, NULL, 0, &w, NULL, &d), SIM_OK);
  ck_assert_int_eq(w.attention.kind, SPEC_ATTN_NSA);
  ck_assert_uint_eq(w.problem.q_len, 65536); /* fwd: q_len = seq_len */
  ck_assert_uint_eq(w.kernel[SPEC_K_FULL].block_m, 128);
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECTED].block_m, 16);
  ck_assert_int_eq(w.kernel[SPEC_K_SELECTED].design, SPEC_DESIGN_GROUP);
  ck_assert_uint_eq(spec_mapping_smem_bytes(&w, SPEC_K_FULL), 2u * (128 * 192 + 2 * 64 * 320));
  spec_override o = {"problem.phase=decode"};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, &o, 1, &w, NULL, &d), SIM_OK);
  ck_assert_uint_eq(w.problem.q_len, 1);
  ck_assert_uint_eq(w.kernel[SPEC_K_FULL].block_m, 16);
  ck_assert_uint_eq(w.kernel[SPEC_K_FULL].block_n, 64);
}
END_TEST

/* kernel.cmp_attn.design fused: decode only; the selection's CTA defaults to 256 threads and 64
** registers unless set; its shared memory is the fp32 probabilities and scores. */
START_TEST(fused_decode_defaults) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, NULL, 0, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w));
  ck_assert_int_eq(w.kernel[SPEC_K_CMP_ATTN].design, SPEC_DESIGN_FUSED);
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_FUSED), "fused");
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].warps, 8);
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].regs_per_thread, 64);
  /* 64k tokens, l' 64, d 16, l 32: 64 x 4 probabilities, a halo of 1, 1024 scores */
  ck_assert_uint_eq(spec_selection_blocks(&w), 1024);
  ck_assert_uint_eq(spec_mapping_smem_bytes(&w, SPEC_K_SELECT_SCORES), 4u * (256 + 1 + 1024));
  /* The chunks own the compressed tokens in turn, and read one token of halo before them. */
  spec_select_chunk c;
  uint64_t owned = 0;
  for (uint64_t i = 0; i < 16; i++) {
    spec_fused_select_chunk(&w, i, &c);
    ck_assert_uint_eq(c.own_lo, owned);
    owned = c.own_hi;
    ck_assert_uint_eq(c.lo, i ? c.own_lo - 1 : 0);
    ck_assert_uint_eq(c.j1 - c.j0, SPEC_FUSED_SELECT_BLOCKS);
  }
  ck_assert_uint_eq(owned, (65536 - 32) / 16 + 1);
  spec_override o[] = {{"kernel.select_scores.warps=4"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, o, 1, &w, NULL, &d), SIM_OK);
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].warps, 4);
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].regs_per_thread, 64);
  /* Unfused decode: the selection keeps its phase defaults. */
  spec_override u[] = {{"kernel.cmp_attn.design=auto"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, u, 1, &w, NULL, &d), SIM_OK);
  ck_assert(!spec_decode_fused(&w));
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].warps, 4);
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].regs_per_thread, 128);
  /* Elsewhere it is an error at the design key. */
  const char *bad[][2] = {
      {"problem.phase=fwd", "'kernel.cmp_attn.design' = fused is a decode design (phase is fwd)"},
      {"problem.q_len=2", "'kernel.cmp_attn.design' = fused decodes one query per sequence ('problem.q_len' is 2)"}};
  for (size_t i = 0; i < 2; i++) {
    spec_override b[] = {{bad[i][0]}};
    sim_diag_clear(&d);
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, b, 1, &w, NULL, &d), SIM_ERR_RULE);
    ck_assert_str_eq(d.msg, bad[i][1]);
    ck_assert_uint_eq(d.line, 42);
  }
  spec_override e[] = {{"kernel.window.design=fused"}};
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, e, 1, &w, NULL, &d), SIM_ERR_RULE);
  ck_assert_str_eq(d.msg, "'kernel.window.design' = fused applies only to kernel.cmp_attn (the fused NSA decode)");
}
END_TEST

/* fused_lean and fused2: the fused decode's variants, through the same rules as fused. */
START_TEST(fused_variants) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_FUSED_LEAN), "fused_lean");
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_FUSED2), "fused2");
  spec_override l[] = {{"kernel.cmp_attn.design=fused_lean"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, l, 1, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w) && spec_decode_lean(&w) && !spec_decode_two_launch(&w));
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].warps, 8);
  spec_override t[] = {{"kernel.cmp_attn.design=fused2"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, t, 1, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w) && spec_decode_lean(&w) && spec_decode_two_launch(&w));
  spec_override f[] = {{"kernel.cmp_attn.design=fused"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, f, 1, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w) && !spec_decode_lean(&w) && !spec_decode_two_launch(&w));
  const char *bad[][3] = {
      {"kernel.cmp_attn.design=fused2", "problem.phase=fwd", "'kernel.cmp_attn.design' = fused2 is a decode design (phase is fwd)"},
      {"kernel.cmp_attn.design=fused_lean", "problem.q_len=2",
       "'kernel.cmp_attn.design' = fused_lean decodes one query per sequence ('problem.q_len' is 2)"},
      {"kernel.selected.design=fused2", "problem.batch=8",
       "'kernel.selected.design' = fused2 applies only to kernel.cmp_attn (the fused NSA decode)"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    spec_override b[] = {{bad[i][0]}, {bad[i][1]}};
    sim_diag_clear(&d);
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, b, 2, &w, NULL, &d), SIM_ERR_RULE);
    ck_assert_str_eq(d.msg, bad[i][2]);
  }
  spec_override u[] = {{"kernel.cmp_attn.design=fused5"}};
  sim_diag_clear(&d);
  ck_assert_int_ne(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, u, 1, &w, NULL, &d), SIM_OK);
}
END_TEST

/* fused3 (the step v3): accepted where fused is (kernel.cmp_attn, decode, one query), rejected
** where fused is, with the same messages naming it. */
START_TEST(fused3_rules) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_FUSED3), "fused3");
  spec_override v[] = {{"kernel.cmp_attn.design=fused3"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, v, 1, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w) && spec_decode_lean(&w) && spec_decode_v3(&w) && !spec_decode_two_launch(&w));
  ck_assert_uint_eq(w.kernel[SPEC_K_SELECT_SCORES].warps, SPEC_FUSED_SELECT_WARPS);
  ck_assert(!spec_decode_v4(&w));
  spec_override f[] = {{"kernel.cmp_attn.design=fused_lean"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, f, 1, &w, NULL, &d), SIM_OK);
  ck_assert(!spec_decode_v3(&w) && !spec_decode_v4(&w));
  const char *bad[][3] = {
      {"kernel.cmp_attn.design=fused3", "problem.phase=fwd", "'kernel.cmp_attn.design' = fused3 is a decode design (phase is fwd)"},
      {"kernel.cmp_attn.design=fused3", "problem.q_len=2",
       "'kernel.cmp_attn.design' = fused3 decodes one query per sequence ('problem.q_len' is 2)"},
      {"kernel.selected.design=fused3", "problem.batch=8",
       "'kernel.selected.design' = fused3 applies only to kernel.cmp_attn (the fused NSA decode)"},
      {"kernel.window.design=fused3", "problem.batch=8",
       "'kernel.window.design' = fused3 applies only to kernel.cmp_attn (the fused NSA decode)"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    spec_override b[] = {{bad[i][0]}, {bad[i][1]}};
    sim_diag_clear(&d);
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, b, 2, &w, NULL, &d), SIM_ERR_RULE);
    ck_assert_str_eq(d.msg, bad[i][2]);
    /* fused is rejected by the same rule */
    char fb[96];
    snprintf(fb, sizeof fb, "%.*s", (int)(strlen(bad[i][0]) - 1), bad[i][0]);
    spec_override bf[] = {{fb}, {bad[i][1]}};
    sim_diag_clear(&d);
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, bf, 2, &w, NULL, &d), SIM_ERR_RULE);
  }
}
END_TEST

/* fused4 (the step v4): fused3's rules and predicates, and its own. */
START_TEST(fused4_rules) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_FUSED4), "fused4");
  spec_override v[] = {{"kernel.cmp_attn.design=fused4"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, v, 1, &w, NULL, &d), SIM_OK);
  ck_assert(spec_decode_fused(&w) && spec_decode_lean(&w) && spec_decode_v3(&w) && spec_decode_v4(&w) &&
            !spec_decode_two_launch(&w));
  const char *bad[][3] = {
      {"kernel.cmp_attn.design=fused4", "problem.phase=fwd", "'kernel.cmp_attn.design' = fused4 is a decode design (phase is fwd)"},
      {"kernel.cmp_attn.design=fused4", "problem.q_len=2",
       "'kernel.cmp_attn.design' = fused4 decodes one query per sequence ('problem.q_len' is 2)"},
      {"kernel.window.design=fused4", "problem.batch=8",
       "'kernel.window.design' = fused4 applies only to kernel.cmp_attn (the fused NSA decode)"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    spec_override b[] = {{bad[i][0]}, {bad[i][1]}};
    sim_diag_clear(&d);
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, b, 2, &w, NULL, &d), SIM_ERR_RULE);
    ck_assert_str_eq(d.msg, bad[i][2]);
  }
}
END_TEST

/* group_union_lean: the union kernel with the lean producer, through group_union's rules. */
START_TEST(union_lean_rules) {
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_str_eq(spec_design_name(SPEC_DESIGN_GROUP_UNION_LEAN), "group_union_lean");
  ck_assert(spec_design_union(SPEC_DESIGN_GROUP_UNION) && spec_design_union(SPEC_DESIGN_GROUP_UNION_LEAN));
  ck_assert(!spec_design_union(SPEC_DESIGN_GROUP) && !spec_design_union(SPEC_DESIGN_FUSED_LEAN));
  spec_override ok[] = {{"kernel.selected.design=group_union_lean"}, {"kernel.selected.block_m=64"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, ok, 2, &w, NULL, &d), SIM_OK);
  ck_assert_int_eq(w.kernel[SPEC_K_SELECTED].design, SPEC_DESIGN_GROUP_UNION_LEAN);
  /* Each case fails for group_union and for group_union_lean, with the design's own name. */
  const char *bad[][2] = {
      {"problem.phase=bwd", " is a forward design (phase is bwd)"},
      {"kernel.selected.block_m=40",
       " needs block_m = 16 x tokens per CTA (1..32 tokens) and a group of at most 16 heads (block_m = 40, group = 16)"},
      {"kernel.selected.block_m=528",
       " needs block_m = 16 x tokens per CTA (1..32 tokens) and a group of at most 16 heads (block_m = 528, group = 16)"}};
  const char *designs[] = {"group_union", "group_union_lean"};
  for (size_t j = 0; j < 2; j++)
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      char dk[64], want[256];
      snprintf(dk, sizeof dk, "kernel.selected.design=%s", designs[j]);
      snprintf(want, sizeof want, "'kernel.selected.design' = %s%s", designs[j], bad[i][1]);
      spec_override b[] = {{dk}, {bad[i][0]}};
      sim_diag_clear(&d);
      ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, b, 2, &w, NULL, &d), SIM_ERR_RULE);
      ck_assert_str_eq(d.msg, want);
    }
  /* A decode's cmp_attn takes fused designs only, and the selected kernel no fused one. */
  spec_override c[] = {{"kernel.cmp_attn.design=group_union_lean"}};
  sim_diag_clear(&d);
  ck_assert_int_ne(spec_load_workload("w", SRC "/workloads/nsa-decode-fused.yaml", NULL, c, 1, &w, NULL, &d), SIM_OK);
}
END_TEST

START_TEST(detect_kind) {
  sim_diag d;
  sim_diag_clear(&d);
  spec_kind k;
  ck_assert_int_eq(spec_detect_kind(SRC "/arch/a100.yaml", &k, &d), SIM_OK);
  ck_assert_int_eq(k, SPEC_KIND_ARCH);
  ck_assert_int_eq(spec_detect_kind(SRC "/workloads/full-paper.yaml", &k, &d), SIM_OK);
  ck_assert_int_eq(k, SPEC_KIND_WORKLOAD);
}
END_TEST

START_TEST(override_replaces_and_adds) {
  spec_override o[] = {{"arch.hbm.bandwidth=9.6e12"}, {"problem.seq_len=8192"},
                       {"kernel.window.stages=3"}, {"attention.selection.pattern=uniform"}};
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_check_overrides(o, 4, &d), SIM_OK);
  ck_assert_int_eq(spec_load_arch("a", SRC "/arch/h200.yaml", NULL, o, 4, &a, NULL, &d), SIM_OK);
  ck_assert_double_eq(a.hbm.bandwidth, 9.6e12);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 4, &w, NULL, &d), SIM_OK);
  ck_assert_uint_eq(w.problem.seq_len, 8192);
  ck_assert_uint_eq(w.kernel[SPEC_K_WINDOW].stages, 3);
  ck_assert_uint_eq(w.kernel[SPEC_K_WINDOW].block_m, 128); /* siblings keep defaults */
  ck_assert_int_eq(w.attention.selection.pattern, SPEC_PAT_UNIFORM);
}
END_TEST

START_TEST(override_errors) {
  sim_diag d;
  sim_diag_clear(&d);
  spec_override bad[] = {{"problem.nosuch=1"}};
  ck_assert_int_eq(spec_check_overrides(bad, 1, &d), SIM_ERR_SCHEMA);
  ck_assert_str_eq(d.file, "--set problem.nosuch=1");
  sim_diag_clear(&d);
  spec_override noeq[] = {{"problem.seq_len"}};
  ck_assert_int_eq(spec_check_overrides(noeq, 1, &d), SIM_ERR_USAGE);
  sim_diag_clear(&d);
  spec_arch a;
  spec_override range[] = {{"arch.sm.count=0"}};
  ck_assert_int_eq(spec_load_arch("t", NULL, tiny_arch, range, 1, &a, NULL, &d), SIM_ERR_RANGE);
  ck_assert_str_eq(d.file, "--set arch.sm.count=0");
  ck_assert_uint_eq(d.line, 0);
}
END_TEST

START_TEST(error_positions) {
  spec_arch a;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("t.yaml", NULL, tiny_arch, NULL, 0, &a, NULL, &d), SIM_OK);
  char *text = sim_strdup(tiny_arch);
  char *p = strstr(text, "  ways: 16");
  memcpy(p, "  wayz: 16", 10);
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("t.yaml", NULL, text, NULL, 0, &a, NULL, &d), SIM_ERR_SCHEMA);
  ck_assert_str_eq(d.file, "t.yaml");
  ck_assert_uint_eq(d.line, 36);
  ck_assert_uint_eq(d.col, 3);
  ck_assert_str_eq(d.msg, "unknown key 'wayz' in 'arch.l2' (did you mean 'ways'?)");
  sim_free(text);
}
END_TEST

START_TEST(fit_rejects_big_tiles) {
  spec_arch a;
  spec_workload w;
  spec_source *src = NULL;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("t", NULL, tiny_arch, NULL, 0, &a, NULL, &d), SIM_OK);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/full-paper.yaml", NULL, NULL, 0, &w, &src, &d), SIM_OK);
  /* 128x64 tiles at d 192/128 need 128 KiB; tiny allows 48 KiB per CTA. */
  ck_assert_int_eq(spec_check_fit(&a, &w, src, &d), SIM_ERR_RULE);
  ck_assert_ptr_nonnull(strstr(d.msg, "needs 131072 B of shared memory per CTA; arch 'tiny' allows 49152 B"));
  spec_source_free(src);
  /* fp8 has no tensor rate on tiny. */
  spec_override o[] = {{"problem.dtype=fp8"}, {"kernel.full.block_m=16"}, {"kernel.full.block_n=16"}};
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/full-paper.yaml", NULL, o, 3, &w, &src, &d), SIM_OK);
  ck_assert_int_eq(spec_check_fit(&a, &w, src, &d), SIM_ERR_RULE);
  ck_assert_str_eq(d.file, "--set problem.dtype=fp8");
  spec_source_free(src);
}
END_TEST

/* Every allocation of a load fails in turn; each failure is reported as
** SIM_ERR_NOMEM and the load succeeds once no allocation fails. */
START_TEST(fail_every_allocation) {
  int failures = 0;
  for (unsigned long n = 1; n < 10000; n++) {
    spec_workload w;
    spec_source *src = NULL;
    sim_diag d;
    sim_diag_clear(&d);
    spec_override o[] = {{"kernel.window.stages=3"}};
    sim_alloc_fail_at(n);
    sim_status st = spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 1, &w, &src, &d);
    sim_alloc_fail_at(0);
    if (st == SIM_OK) {
      ck_assert_uint_eq(w.kernel[SPEC_K_WINDOW].stages, 3);
      spec_source_free(src);
      break;
    }
    ck_assert_int_eq(st, SIM_ERR_NOMEM);
    ck_assert_ptr_null(src);
    failures++;
  }
  ck_assert_int_ge(failures, 3);
}
END_TEST

int main(void) {
  Suite *s[4] = {suite_create("load"), suite_create("override"), suite_create("rules"),
                 suite_create("faults")};
  TCase *tc = tcase_create("load");
  tcase_add_test(tc, load_h200);
  tcase_add_test(tc, load_workload_defaults_by_phase);
  tcase_add_test(tc, fused_decode_defaults);
  tcase_add_test(tc, fused_variants);
  tcase_add_test(tc, fused3_rules);
  tcase_add_test(tc, fused4_rules);
  tcase_add_test(tc, union_lean_rules);
  tcase_add_test(tc, detect_kind);
  suite_add_tcase(s[0], tc);
  tc = tcase_create("override");
  tcase_add_test(tc, override_replaces_and_adds);
  tcase_add_test(tc, override_errors);
  suite_add_tcase(s[1], tc);
  tc = tcase_create("rules");
  tcase_add_test(tc, error_positions);
  tcase_add_test(tc, fit_rejects_big_tiles);
  suite_add_tcase(s[2], tc);
  tc = tcase_create("faults");
  tcase_add_test(tc, fail_every_allocation);
  suite_add_tcase(s[3], tc);
  SRunner *sr = srunner_create(s[0]);
  for (int i = 1; i < 4; i++)
    srunner_add_suite(sr, s[i]);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
