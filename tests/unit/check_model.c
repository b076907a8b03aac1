/*
** tests/unit/check_model.c — the analytical model: counting helpers against
** brute force, occupancy on hand-computed mappings, exact bound arithmetic on
** a tiny arch, Table 4's token counts, and properties the pipelines must have
** (the selection pattern and the L2 size change HBM traffic; more HBM
** bandwidth speeds up a memory-bound decode; FLOPs match closed forms; the
** fused decode does the unfused one's work; the default decode is unchanged).
*/
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_int.h"

#define SRC NSASIM_SOURCE_DIR

static void load(const char *arch, const char *wl, const spec_override *o, size_t n,
                 spec_arch *a, spec_workload *w) {
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch(arch, arch, NULL, o, n, a, NULL, &d), SIM_OK);
  ck_assert_int_eq(spec_load_workload(wl, wl, NULL, o, n, w, NULL, &d), SIM_OK);
}

static sim_result res;

static double predict(const char *arch, const char *wl, const spec_override *o, size_t n) {
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  load(arch, wl, o, n, &a, &w);
  ck_assert_int_eq(mdl_run(&a, &w, &res, &d), SIM_OK);
  return res.main.total_time_s;
}

static const sim_kernel_stats *kernel(const sim_pipeline *p, const char *name) {
  for (size_t i = 0; i < p->nkernels; i++)
    if (strcmp(p->kernels[i].name, name) == 0)
      return &p->kernels[i];
  ck_abort_msg("no kernel %s", name);
  return NULL;
}

/* {==== counts ==== */
START_TEST(floor_sum_matches_brute_force) {
  unsigned seed = 7;
  for (int it = 0; it < 2000; it++) {
    seed = seed * 1103515245u + 12345u;
    uint64_t n = seed % 300, m = 1 + (seed >> 8) % 97, a = (seed >> 4) % 500, b = (seed >> 12) % 1000;
    uint64_t want = 0;
    for (uint64_t i = 0; i < n; i++)
      want += (a * i + b) / m;
    ck_assert_uint_eq(mdl_floor_sum(n, m, a, b), want);
  }
}
END_TEST

static double brute_tiles(uint64_t t, uint64_t s, uint64_t bm, uint64_t bn, int causal, uint64_t w) {
  double sum = 0;
  uint64_t off = s - t;
  for (uint64_t r0 = 0; r0 < t; r0 += bm) {
    uint64_t r1 = r0 + bm < t ? r0 + bm : t;
    uint64_t end = causal ? off + r1 : s;                 /* keys [start, end) */
    uint64_t start = 0;
    if (w && off + r0 + 1 > w)
      start = off + r0 + 1 - w;
    sum += (double)((end + bn - 1) / bn - start / bn);
  }
  return sum;
}

START_TEST(kv_and_window_tiles_match_brute_force) {
  const uint64_t shapes[][4] = {{1000, 1000, 64, 64}, {1000, 1000, 128, 64}, {777, 5000, 64, 128},
                                {1, 65536, 16, 64},   {4096, 4096, 48, 80},  {300, 300, 16, 16}};
  const uint64_t windows[] = {1, 64, 100, 512, 999};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    const uint64_t *sh = shapes[i];
    ck_assert_double_eq(mdl_kv_tiles(sh[0], sh[1], sh[2], sh[3], 1), brute_tiles(sh[0], sh[1], sh[2], sh[3], 1, 0));
    ck_assert_double_eq(mdl_kv_tiles(sh[0], sh[1], sh[2], sh[3], 0), brute_tiles(sh[0], sh[1], sh[2], sh[3], 0, 0));
    for (size_t j = 0; j < sizeof windows / sizeof windows[0]; j++)
      ck_assert_double_eq(mdl_window_tiles(sh[0], sh[1], sh[2], sh[3], windows[j]),
                          brute_tiles(sh[0], sh[1], sh[2], sh[3], 1, windows[j]));
  }
}
END_TEST

START_TEST(cmp_tiles_match_brute_force) {
  const uint64_t shapes[][6] = {{1000, 1000, 64, 64, 32, 16}, {65536, 65536, 128, 64, 32, 16},
                                {1, 8192, 16, 64, 32, 16},     {777, 5000, 48, 32, 64, 32},
                                {100, 100, 128, 64, 32, 16},   {20, 20, 4, 4, 32, 8}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    const uint64_t *sh = shapes[i];
    uint64_t off = sh[1] - sh[0];
    double want = 0;
    for (uint64_t r0 = 0; r0 < sh[0]; r0 += sh[2]) {
      uint64_t end = off + (r0 + sh[2] < sh[0] ? r0 + sh[2] : sh[0]); /* positions < end */
      uint64_t count = end >= sh[4] ? (end - sh[4]) / sh[5] + 1 : 0;
      want += (double)((count + sh[3] - 1) / sh[3]);
    }
    ck_assert_double_eq(mdl_cmp_tiles(sh[0], sh[1], sh[2], sh[3], sh[4], sh[5]), want);
  }
}
END_TEST

/* NSA paper Table 4: tokens read per decode step. Eq. 7 gives floor((s-l)/d)+1
** compressed tokens; the paper's formula floor((s-l)/d) is one fewer. */
START_TEST(table4_tokens) {
  const uint64_t ctx[] = {8192, 16384, 32768, 65536};
  const double paper[] = {2048, 2560, 3584, 5632};
  for (int i = 0; i < 4; i++) {
    spec_arch a;
    spec_workload w;
    char set[64];
    snprintf(set, sizeof set, "problem.seq_len=%llu", (unsigned long long)ctx[i]);
    spec_override o[] = {{set}, {"problem.phase=decode"}};
    load(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 2, &a, &w);
    sim_tokens t;
    spec_decode_tokens(&w, &t);
    ck_assert_double_eq(t.compression, floor((ctx[i] - 32) / 16.0) + 1);
    ck_assert_double_eq(t.selection, 1024);
    ck_assert_double_eq(t.window, 512);
    ck_assert_double_eq(t.total - 1, floor((ctx[i] - 32) / 16.0) + 16 * 64 + 512);
    ck_assert_double_le(fabs(t.total - paper[i]), 2.0); /* the paper rounds */
    ck_assert_double_eq(t.full, (double)ctx[i]);
  }
}
END_TEST
/* }==== */

/* {==== occupancy ==== */
START_TEST(occupancy_limits) {
  spec_arch a;
  spec_workload w;
  load(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", NULL, 0, &a, &w);
  /* 128x64 tiles, d 192/128, bf16: 131072 B + 1 KiB reserved -> one per 228 KiB. */
  mdl_occ o = mdl_occupancy(&a, &w, SPEC_K_FULL);
  ck_assert_uint_eq(o.ctas_per_sm, 1);
  ck_assert_str_eq(o.limiter, "smem");
  ck_assert_double_eq_tol(o.occupancy, 4.0 / 64.0, 1e-12);
  /* 255 registers x 32 threads round to 8192 per warp: 8 warps fill 64 Ki. */
  spec_override ov[] = {{"kernel.full.block_m=16"}, {"kernel.full.block_n=16"}, {"kernel.full.warps=4"}};
  load(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", ov, 3, &a, &w);
  o = mdl_occupancy(&a, &w, SPEC_K_FULL);
  ck_assert_uint_eq(o.ctas_per_sm, 2);
  ck_assert_str_eq(o.limiter, "registers");
  /* combine: 4 warps x 32 regs, no smem -> 16 CTAs by warps (64 / 4). */
  o = mdl_occupancy(&a, &w, SPEC_K_COMBINE);
  ck_assert_uint_eq(o.ctas_per_sm, 16);
  ck_assert_str_eq(o.limiter, "threads");
  /* Fewer warp slots than thread slots / 32: warps bind. */
  a.sm.max_warps = 48;
  o = mdl_occupancy(&a, &w, SPEC_K_COMBINE);
  ck_assert_uint_eq(o.ctas_per_sm, 12);
  ck_assert_str_eq(o.limiter, "warps");
  /* One small warp per CTA: the 32 CTA slots bind. */
  spec_override one[] = {{"kernel.combine.warps=1"}, {"kernel.combine.regs_per_thread=16"}};
  load(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", one, 2, &a, &w);
  o = mdl_occupancy(&a, &w, SPEC_K_COMBINE);
  ck_assert_uint_eq(o.ctas_per_sm, 32);
  ck_assert_str_eq(o.limiter, "ctas");
}
END_TEST

/* Hand-computed: B=1, 2 query heads on 1 KV head, T=S=256, d=64, 64x64 tiles,
** not causal: 4 query tiles x 4 KV tiles per head. */
START_TEST(full_fwd_bytes_by_hand) {
  spec_override o[] = {{"problem.seq_len=256"}, {"problem.heads_q=2"}, {"problem.heads_kv=1"},
                       {"problem.head_dim_qk=64"}, {"problem.head_dim_v=64"},
                       {"problem.causal=false"}, {"kernel.full.block_m=64"}, {"kernel.full.block_n=64"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", o, 8);
  const sim_kernel_stats *k = kernel(&res.main, "full.fwd");
  ck_assert_uint_eq(k->ctas, 8);
  ck_assert_double_eq(k->tensor_flops, 2.0 * 2 * 256 * 256 * 128);
  ck_assert_double_eq(k->sfu_ops, 2.0 * 256 * 256);
  ck_assert_uint_eq(k->l2_read_bytes, 2 * 256 * 64 * 2 + 32 * 64 * 128 * 2);  /* Q + 32 K/V tiles */
  ck_assert_uint_eq(k->hbm_read_bytes, 2 * 256 * 64 * 2 + 256 * 128 * 2);     /* K/V fit L2: once */
  ck_assert_uint_eq(k->hbm_write_bytes, 2 * 256 * (64 * 2 + 4));              /* O and LSE */
}
END_TEST

/* phi as an MLP: 2 * l * (dk^2 + dv^2) FLOPs per compressed token, for K and V. */
START_TEST(compress_flops_by_hand) {
  spec_override o[] = {{"problem.seq_len=1024"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 1);
  const sim_kernel_stats *k = kernel(&res.main, "nsa.compress");
  double nc = (1024 - 32) / 16 + 1; /* Eq. 7 */
  ck_assert_double_eq(k->tensor_flops, 2.0 * 4 * nc * 32 * (192.0 * 192 + 128.0 * 128));
  ck_assert_uint_eq(k->hbm_write_bytes, (uint64_t)(4 * nc * 320 * 2));
  spec_override m[] = {{"problem.seq_len=1024"}, {"attention.compression.method=mean"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", m, 2);
  ck_assert_double_eq(kernel(&res.main, "nsa.compress")->tensor_flops, 0);
}
END_TEST
/* }==== */

/* {==== bounds ==== */
START_TEST(bounds_exact_on_tiny_work) {
  spec_arch a;
  spec_workload w;
  load(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", NULL, 0, &a, &w);
  a.efficiency.tensor = 1;
  a.efficiency.hbm = 1;
  a.launch.overhead_s = 0;
  mdl_work k = {0};
  k.name = "t";
  k.map = SPEC_K_FULL;
  k.ctas = 264; /* two per SM: the busiest SM runs 2 */
  k.tensor_flops = 264.0 * 4096 * 10000; /* 10000 clk of tensor work per CTA */
  k.hbm_read_bytes = 4.8e12 * 1e-6;      /* 1 us at 4.8 TB/s */
  k.iters_per_cta = 1;
  sim_kernel_stats st;
  memset(&st, 0, sizeof st);
  mdl_finish(&a, &w, &k, &st);
  ck_assert_double_eq_tol(st.bound_time_s[SIM_BOUND_TENSOR], 20000 / 1.83e9, 1e-15);
  ck_assert_double_eq_tol(st.bound_time_s[SIM_BOUND_HBM], 1e-6, 1e-15);
  /* Latency: 2 waves x (1 step over 2 stages + 2 prologue round trips) x (L2 hit 263 clk + the
  ** HBM latency 290 ns for the share that misses: all of it, with no L2 reads). */
  ck_assert_double_eq_tol(st.bound_time_s[SIM_BOUND_LATENCY], 2 * (0.5 + 2) * (263 / 1.83e9 + 290e-9), 1e-15);
  ck_assert_double_eq_tol(st.time_s, 20000 / 1.83e9, 1e-15);
  ck_assert_int_eq(st.bound, SIM_BOUND_TENSOR);
  ck_assert_double_eq_tol(st.waves, 2.0, 1e-12); /* 1 CTA per SM (smem) */
  /* One more CTA: the tail wave makes the busiest SM run 3. */
  k.ctas = 265;
  k.tensor_flops = 265.0 * 4096 * 10000;
  mdl_finish(&a, &w, &k, &st);
  ck_assert_double_eq_tol(st.bound_time_s[SIM_BOUND_TENSOR], 30000 / 1.83e9, 1e-15);
  /* Softmax serialises with the MMAs unless overlapped. */
  k.sfu_ops = 265.0 * 16 * 5000;
  mdl_finish(&a, &w, &k, &st);
  ck_assert_double_eq_tol(st.time_s, 45000 / 1.83e9, 1e-15);
  k.softmax_overlapped = 1;
  mdl_finish(&a, &w, &k, &st);
  ck_assert_double_eq_tol(st.time_s, 30000 / 1.83e9, 1e-15);
}
END_TEST

START_TEST(reuse_model) {
  spec_arch a;
  spec_workload w;
  load(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", NULL, 0, &a, &w);
  double eff = mdl_l2_effective_bytes(&a);
  ck_assert_double_eq(eff, 62914560.0 / 2);
  /* Fits: read once. */
  ck_assert_double_eq(mdl_reuse_hbm(&a, 1e6, 1e9, 10), 1e6);
  /* Does not fit: once per group of sharers, less what L2 keeps. */
  double u = 4 * eff;
  ck_assert_double_eq_tol(mdl_reuse_hbm(&a, u, 100 * u, 10), 10 * u * 0.75, 1);
  /* Never below the unique bytes. */
  ck_assert_double_eq(mdl_reuse_hbm(&a, u, 2 * u, 100), u);
}
END_TEST
/* }==== */

/* {==== pipelines ==== */
START_TEST(full_flops_closed_form) {
  spec_override o[] = {{"problem.causal=false"}, {"problem.seq_len=8192"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", o, 2);
  const sim_kernel_stats *k = kernel(&res.main, "full.fwd");
  /* Non-causal, tiles divide: 2 * T * S * (dk + dv) per head. */
  ck_assert_double_eq(k->tensor_flops, 2.0 * 8192 * 8192 * (192 + 128) * 64);
  ck_assert_double_eq(k->sfu_ops, 8192.0 * 8192 * 64);
  ck_assert_uint_eq(k->ctas, 64 * 8192 / 128);
  /* Causal: half the tiles plus the diagonal (64 of 128 rows per tile pair). */
  spec_override c[] = {{"problem.seq_len=8192"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", c, 1);
  k = kernel(&res.main, "full.fwd");
  double tiles = 64.0 * (2 + 4 + 2 * 63.0) / 2 * 64; /* sum_j 2(j+1) over 64 q tiles */
  (void)tiles;
  ck_assert_double_eq(k->tensor_flops, 2.0 * 128 * 64 * (192 + 128) * 64 * (2.0 * 64 * 65 / 2));
}
END_TEST

START_TEST(nsa_selected_flops) {
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", NULL, 0);
  const sim_kernel_stats *k = kernel(&res.main, "nsa.selected");
  /* Blocks per query: min(16, floor(p/64)+1), summed over p < 65536. */
  double blocks = 0;
  for (int p = 0; p < 65536; p++)
    blocks += fmin(16, floor(p / 64.0) + 1);
  ck_assert_double_eq(k->tensor_flops, 2.0 * 4 * 16 * blocks * 64 * (192 + 128));
  ck_assert_uint_eq(k->ctas, 4u * 65536);
  ck_assert(res.has_baseline);
  ck_assert_double_gt(res.speedup_vs_full, 1.0);
}
END_TEST

/* The union design: same FLOPs as one CTA per token, block_m/16 tokens per CTA, fewer L2 bytes. */
START_TEST(union_design_shares_blocks) {
  spec_override o[] = {{"attention.selection.pattern=uniform"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 1);
  const sim_kernel_stats one = *kernel(&res.main, "nsa.selected");
  spec_override u[] = {{"attention.selection.pattern=uniform"}, {"kernel.selected.design=group_union"},
                       {"kernel.selected.block_m=64"}, {"kernel.selected.warps=5"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", u, 4);
  const sim_kernel_stats *k = kernel(&res.main, "nsa.selected");
  ck_assert_double_eq(k->tensor_flops, one.tensor_flops);
  ck_assert_uint_eq(k->ctas, 4u * 65536 / 4);
  /* 4 tokens share the 3 forced blocks of 16 and a few uniform picks: at most (3 + 4 x 13) / 64 =
  ** 0.86 of the K/V bytes, less early in the sequence where the pool is small (0.79 in all) */
  ck_assert_double_lt((double)k->l2_read_bytes, 0.95 * (double)one.l2_read_bytes);
  ck_assert_double_gt((double)k->l2_read_bytes, 0.75 * (double)one.l2_read_bytes);
}
END_TEST

/* The validation kernels' streams beyond the tiled ones (sim/spec/kstream.h), mma.sync only:
** the delta pass (a warp per row) turns over its resident warps' dependent rounds slower than HBM
** streams the same bytes; the union kernel's producer warp issues every copy, so 8 tokens per CTA
** (one CTA of 9 warps per SM) run slower than 2 (three CTAs), as measured on the H200. */
START_TEST(sync_streams_delta_and_union) {
  spec_override b[] = {{"problem.phase=bwd"}, {"problem.seq_len=16384"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", b, 2);
  const sim_kernel_stats async_pre = *kernel(&res.main, "full.bwd.pre");
  spec_override bs[] = {{"problem.phase=bwd"}, {"problem.seq_len=16384"}, {"kernel.full.mma=sync"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", bs, 3);
  const sim_kernel_stats *pre = kernel(&res.main, "full.bwd.pre");
  ck_assert_uint_eq(pre->hbm_read_bytes, async_pre.hbm_read_bytes);
  ck_assert_uint_eq(pre->ctas, 64u * 16384 / 4);
  ck_assert_int_eq(pre->bound, SIM_BOUND_LATENCY);
  ck_assert_double_gt(pre->bound_time_s[SIM_BOUND_LATENCY], 1.3 * pre->bound_time_s[SIM_BOUND_HBM]);
  spec_override u2[] = {{"attention.selection.pattern=uniform"}, {"kernel.selected.design=group_union"},
                        {"kernel.selected.block_m=32"}, {"kernel.selected.warps=3"},
                        {"kernel.selected.stages=2"}, {"kernel.selected.mma=sync"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", u2, 6);
  const double t2 = kernel(&res.main, "nsa.selected")->time_s;
  spec_override u8[] = {{"attention.selection.pattern=uniform"}, {"kernel.selected.design=group_union"},
                        {"kernel.selected.block_m=128"}, {"kernel.selected.warps=9"},
                        {"kernel.selected.stages=4"}, {"kernel.selected.mma=sync"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", u8, 6);
  ck_assert_double_gt(kernel(&res.main, "nsa.selected")->time_s, 1.5 * t2);
}
END_TEST

/* group_union_lean: the union kernel with the lean producer (kstream.h: 250 SASS instructions per
** tile against the plain copy's 976). Where the producer is the CTA's critical path (8 tokens per
** CTA, one CTA of 9 warps per SM) it predicts a faster kernel; everywhere it is never slower, and
** the FLOPs, grid and bytes are the plain kernel's (only the producer's copy changed). */
START_TEST(union_lean_producer) {
  for (int bm = 32; bm <= 128; bm *= 4) {
    char m[64], wp[64];
    snprintf(m, sizeof m, "kernel.selected.block_m=%d", bm);
    snprintf(wp, sizeof wp, "kernel.selected.warps=%d", bm / 16 + 1);
    spec_override p[] = {{"attention.selection.pattern=uniform"}, {"kernel.selected.design=group_union"}, {m}, {wp},
                         {"kernel.selected.stages=2"}, {"kernel.selected.mma=sync"}};
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", p, 6);
    const sim_kernel_stats plain = *kernel(&res.main, "nsa.selected");
    p[1].text = "kernel.selected.design=group_union_lean";
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", p, 6);
    const sim_kernel_stats *lean = kernel(&res.main, "nsa.selected");
    ck_assert_double_eq(lean->tensor_flops, plain.tensor_flops);
    ck_assert_uint_eq(lean->ctas, plain.ctas);
    ck_assert_uint_eq(lean->l2_read_bytes, plain.l2_read_bytes);
    ck_assert_double_le(lean->time_s, plain.time_s);
    if (bm == 128) /* the producer-bound shape: its stream is a quarter of the plain one's */
      ck_assert_double_lt(lean->time_s, 0.8 * plain.time_s);
  }
}
END_TEST

/* The backward's dK/dV design group: a CTA per KV tile and KV head, no GQA-sum pass, the same
** FLOPs; the compressed branch's staggered walk misses L2 (Q/dO come from HBM about as often as
** they are read), the window's neighbouring CTAs meet in it. */
START_TEST(bwd_group_walk) {
  spec_override o[] = {{"problem.phase=bwd"}, {"problem.seq_len=16384"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 2);
  const sim_kernel_stats per_head = *kernel(&res.main, "nsa.cmp_attn.bwd.dkdv");
  kernel(&res.main, "nsa.cmp_attn.bwd.gqa_sum");
  spec_override g[] = {{"problem.phase=bwd"}, {"problem.seq_len=16384"}, {"kernel.cmp_attn.design=group"},
                       {"kernel.window.design=group"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", g, 4);
  const sim_kernel_stats *k = kernel(&res.main, "nsa.cmp_attn.bwd.dkdv");
  for (size_t i = 0; i < res.main.nkernels; i++)
    ck_assert_msg(strstr(res.main.kernels[i].name, "gqa_sum") == NULL, "%s", res.main.kernels[i].name);
  ck_assert_double_eq(k->tensor_flops, per_head.tensor_flops);
  ck_assert_uint_eq(k->ctas, per_head.ctas / 16);
  ck_assert_double_gt((double)k->hbm_read_bytes, 0.8 * (double)k->l2_read_bytes);
  const sim_kernel_stats *wk = kernel(&res.main, "nsa.window.bwd.dkdv");
  ck_assert_double_lt((double)wk->hbm_read_bytes, 0.2 * (double)wk->l2_read_bytes);
}
END_TEST

START_TEST(pattern_and_l2_matter) {
  spec_override uni[] = {{"attention.selection.pattern=uniform"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", uni, 1);
  double hbm_uniform = (double)kernel(&res.main, "nsa.selected")->hbm_read_bytes;
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", NULL, 0);
  double hbm_half = (double)kernel(&res.main, "nsa.selected")->hbm_read_bytes;
  spec_override loc[] = {{"attention.selection.locality=0.95"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", loc, 1);
  double hbm_local = (double)kernel(&res.main, "nsa.selected")->hbm_read_bytes;
  /* Half the free picks uniform still touch most blocks per wave; with 95%
  ** near the query, neighbouring tokens share most of what they read. */
  ck_assert_double_le(hbm_half, hbm_uniform);
  ck_assert_double_gt(hbm_uniform, 1.5 * hbm_local); /* Q (1.6 GB) is read either way */
  predict(SRC "/arch/h200-l2x4.yaml", SRC "/workloads/nsa-paper.yaml", uni, 1);
  double hbm_big_l2 = (double)kernel(&res.main, "nsa.selected")->hbm_read_bytes;
  ck_assert_double_lt(hbm_big_l2, hbm_uniform);
}
END_TEST

START_TEST(decode_is_memory_bound_and_scales) {
  spec_override o[] = {{"problem.phase=decode"}, {"problem.batch=64"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", o, 2);
  ck_assert_uint_eq(kernel(&res.main, "full.decode")->hbm_read_bytes,
                    64ull * 4 * 65536 * 320 * 2 + 64ull * 64 * 192 * 2);
  /* The group kernel's instruction stream at the measured issue interval takes about as long
  ** as the stream from HBM (as measured: full_dec_d192_b8_64k at 98% of the copy bandwidth). */
  const sim_kernel_stats *k0 = kernel(&res.main, "full.decode");
  ck_assert(k0->bound == SIM_BOUND_HBM || k0->bound == SIM_BOUND_LATENCY);
  ck_assert_double_lt(k0->time_s, 1.1 * k0->bound_time_s[SIM_BOUND_HBM]);
  /* With half the issue interval the stream binds; twice the HBM bandwidth is then faster,
  ** though not twice, since the L2 (6.85 TB/s measured) then carries the stream from HBM at
  ** about its own rate. */
  spec_override oi[] = {{"problem.phase=decode"}, {"problem.batch=64"}, {"arch.sm.dependent_issue_cycles=2.31"}};
  double t1 = predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", oi, 3);
  ck_assert_int_eq(kernel(&res.main, "full.decode")->bound, SIM_BOUND_HBM);
  double t2 = predict(SRC "/arch/h200-hbm2x.yaml", SRC "/workloads/full-paper.yaml", oi, 3);
  ck_assert_double_lt(t2, 0.7 * t1);
  sim_bound b2 = kernel(&res.main, "full.decode")->bound;
  ck_assert(b2 == SIM_BOUND_L2 || b2 == SIM_BOUND_HBM);
  /* NSA reads ~5.6k of 64k tokens per step: a large speedup at batch 64. */
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 2);
  ck_assert(res.has_tokens);
  ck_assert_double_gt(res.speedup_vs_full, 4.0);
}
END_TEST

/* The other NSA kernels on a small case: 1 sequence of 1024 tokens. */
START_TEST(nsa_kernels_by_hand) {
  spec_override o[] = {{"problem.seq_len=1024"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 1);
  const double T = 1024, Hq = 64, Hk = 4, dk = 192, dv = 128;
  /* combine: reads three branch outputs and three gates, writes O. */
  const sim_kernel_stats *k = kernel(&res.main, "nsa.combine");
  ck_assert_uint_eq(k->hbm_read_bytes, (uint64_t)(Hq * T * (3 * dv * 2 + 3 * 2)));
  ck_assert_uint_eq(k->hbm_write_bytes, (uint64_t)(Hq * T * dv * 2));
  /* window: 128-row tiles, 64-key tiles, w = 512: tiles per query tile j are
  ** ceil(end/64) - floor(max(0, start)/64) with end = 128(j+1), start = 128j - 511. */
  double tiles = 0;
  for (int j = 0; j < 8; j++) {
    int start = 128 * j - 511;
    tiles += ceil(128.0 * (j + 1) / 64) - (start > 0 ? start / 64 : 0);
  }
  k = kernel(&res.main, "nsa.window");
  ck_assert_double_eq(k->tensor_flops, 2.0 * Hq * tiles * 128 * 64 * (dk + dv));
  /* compressed attention: rows of tile j see floor((128(j+1) - 32)/16) + 1 tokens. */
  tiles = 0;
  for (int j = 0; j < 8; j++)
    tiles += ceil((floor((128.0 * (j + 1) - 32) / 16) + 1) / 64);
  k = kernel(&res.main, "nsa.cmp_attn");
  ck_assert_double_eq(k->tensor_flops, 2.0 * Hq * tiles * 128 * 64 * (dk + dv));
  /* top-n writes n block indices (int32) per token and KV head. */
  k = kernel(&res.main, "nsa.select_scores");
  ck_assert_uint_eq(k->hbm_write_bytes, (uint64_t)(Hk * T * 16 * 4));
  ck_assert_uint_eq(k->ctas, (uint64_t)(Hk * T / 4)); /* 64 rows = 4 tokens x 16 heads */
}
END_TEST

static double total(const sim_pipeline *p, int unit) {
  double t = 0;
  for (size_t i = 0; i < p->nkernels; i++)
    t += unit == 0 ? p->kernels[i].tensor_flops : unit == 1 ? p->kernels[i].fp32_flops : p->kernels[i].sfu_ops;
  return t;
}

/* The fused decode (kernel.cmp_attn.design fused) does the unfused pipeline's work in three
** launches (four with phi's MLP, whose kernel stays): the same FLOPs by unit in all, and
** kernel for kernel where the work maps. */
START_TEST(fused_decode_same_work) {
  const char *cases[][4] = {
      {"problem.batch=8", "problem.seq_len=65536", "problem.head_dim_qk=192", "attention.compression.method=mean"},
      {"problem.batch=8", "problem.seq_len=65536", "problem.head_dim_qk=128", "attention.compression.method=mlp"},
      {"problem.batch=1", "problem.seq_len=8193", "problem.head_dim_qk=128", "attention.compression.method=mean"},
      {"problem.batch=3", "problem.seq_len=40", "problem.head_dim_qk=192", "attention.compression.method=mean"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    static sim_result unf;
    spec_override o[] = {{"problem.phase=decode"}, {cases[i][0]}, {cases[i][1]}, {cases[i][2]}, {cases[i][3]},
                         {"kernel.cmp_attn.design=fused"}};
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 5);
    unf = res;
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 6);
    int mlp = strstr(cases[i][3], "mlp") != NULL;
    ck_assert_uint_eq(unf.main.nkernels, 6);
    ck_assert_uint_eq(res.main.nkernels, mlp ? 4u : 3u);
    static const char *const names[] = {"nsa.compress.step", "nsa.decode.cmp", "nsa.decode.select", "nsa.decode.branches"};
    for (size_t k = 0; k < res.main.nkernels; k++)
      ck_assert_str_eq(res.main.kernels[k].name, names[k + !mlp]);
    for (int u = 0; u < 3; u++)
      ck_assert_msg(fabs(total(&res.main, u) - total(&unf.main, u)) <= 1e-12 * total(&unf.main, u),
                    "%s %s: FLOPs (unit %d) %.17g fused, %.17g unfused", cases[i][1], cases[i][3], u,
                    total(&res.main, u), total(&unf.main, u));
    const sim_kernel_stats *c = kernel(&res.main, "nsa.decode.cmp"), *uc = kernel(&unf.main, "nsa.cmp_attn.decode");
    ck_assert_double_eq(c->tensor_flops, uc->tensor_flops);
    ck_assert_double_eq(c->sfu_ops, uc->sfu_ops);
    ck_assert_uint_eq(c->ctas, uc->ctas);
    const sim_kernel_stats *b = kernel(&res.main, "nsa.decode.branches");
    const sim_kernel_stats *us = kernel(&unf.main, "nsa.selected.decode"), *uw = kernel(&unf.main, "nsa.window.decode");
    ck_assert_double_eq(b->tensor_flops, us->tensor_flops + uw->tensor_flops);
    ck_assert_uint_eq(b->ctas, us->ctas + uw->ctas);
    /* Both branches' partials, then o (bf16) written once by the merge. */
    uint64_t heads = 64u * (uint64_t)atoi(cases[i][0] + strlen("problem.batch="));
    ck_assert_uint_eq(b->hbm_write_bytes, us->hbm_write_bytes + uw->hbm_write_bytes + heads * 128u * 2u);
    /* Fewer launches: the fused step is faster at every one of these sizes. */
    ck_assert_msg(res.main.total_time_s < unf.main.total_time_s, "%s: fused %g s, unfused %g s", cases[i][1],
                  res.main.total_time_s, unf.main.total_time_s);
  }
}
END_TEST

/* The lean group body (fused_lean) issues fewer instructions per tile and fixed than the plain one
** (kstream.h SPEC_GRP_LEAN_*): with the validation's mma.sync streams its attention kernels are
** faster than fused's and the selection is the same kernel; fused2 runs two kernels, the
** selection inside nsa.decode.cmp_select (slower than the lean nsa.decode.cmp), the same FLOPs. */
START_TEST(fused_variants_predict) {
  spec_override o[] = {{"problem.phase=decode"}, {"problem.batch=8"}, {"attention.compression.method=mean"},
                       {"kernel.cmp_attn.mma=sync"}, {"kernel.selected.mma=sync"}, {"kernel.window.mma=sync"},
                       {"kernel.cmp_attn.design=fused"}};
  size_t no = sizeof o / sizeof o[0];
  static sim_result plain, lean;
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, no);
  plain = res;
  o[no - 1].text = "kernel.cmp_attn.design=fused_lean";
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, no);
  lean = res;
  ck_assert_uint_eq(lean.main.nkernels, 3);
  ck_assert_double_lt(kernel(&lean.main, "nsa.decode.cmp")->time_s, kernel(&plain.main, "nsa.decode.cmp")->time_s);
  ck_assert_double_lt(kernel(&lean.main, "nsa.decode.branches")->time_s, kernel(&plain.main, "nsa.decode.branches")->time_s);
  ck_assert_double_eq(kernel(&lean.main, "nsa.decode.select")->time_s, kernel(&plain.main, "nsa.decode.select")->time_s);
  ck_assert_double_eq(kernel(&lean.main, "nsa.decode.cmp")->tensor_flops, kernel(&plain.main, "nsa.decode.cmp")->tensor_flops);
  o[no - 1].text = "kernel.cmp_attn.design=fused2";
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, no);
  ck_assert_uint_eq(res.main.nkernels, 2);
  ck_assert_str_eq(res.main.kernels[0].name, "nsa.decode.cmp_select");
  ck_assert_str_eq(res.main.kernels[1].name, "nsa.decode.branches");
  const sim_kernel_stats *cs = kernel(&res.main, "nsa.decode.cmp_select");
  ck_assert_double_gt(cs->time_s, kernel(&lean.main, "nsa.decode.cmp")->time_s);
  ck_assert_double_eq(kernel(&res.main, "nsa.decode.branches")->time_s, kernel(&lean.main, "nsa.decode.branches")->time_s);
  for (int u = 0; u < 3; u++)
    ck_assert_msg(fabs(total(&res.main, u) - total(&plain.main, u)) <= 1e-12 * total(&plain.main, u),
                  "FLOPs (unit %d) %.17g fused2, %.17g fused", u, total(&res.main, u), total(&plain.main, u));
}
END_TEST

/* The validation's batch-8 64k decode (the paper's shape at d_qk 128, mean pool, mma.sync) under the
** fused design `first` (its result copied to *first_res), then under `second` (left in res). */
static void predict_two_designs(const char *first, const char *second, sim_result *first_res) {
  spec_override o[] = {{"problem.phase=decode"}, {"problem.batch=8"}, {"problem.head_dim_qk=128"},
                       {"attention.compression.method=mean"}, {"kernel.cmp_attn.mma=sync"},
                       {"kernel.selected.mma=sync"}, {"kernel.window.mma=sync"}, {first}};
  size_t no = sizeof o / sizeof o[0];
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, no);
  *first_res = res;
  o[no - 1].text = second;
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, no);
}

/* fused3 (the step v3) runs fused_lean's three kernels: the compressed kernel is the same; the
** branch kernel's merge is shared by its pair's CTAs instead of run by the last alone, so at the
** validation's batch-8 64k shape (the paper's at d_qk 128, mma.sync) it is predicted no slower than
** fused_lean's (run 7: 21.3 against 24.7 us measured), with the same FLOPs. */
START_TEST(fused3_branches_no_slower) {
  static sim_result lean;
  predict_two_designs("kernel.cmp_attn.design=fused_lean", "kernel.cmp_attn.design=fused3", &lean);
  ck_assert_uint_eq(res.main.nkernels, 3);
  const sim_kernel_stats *b3 = kernel(&res.main, "nsa.decode.branches"), *bl = kernel(&lean.main, "nsa.decode.branches");
  ck_assert_msg(b3->time_s <= bl->time_s, "fused3 branches %.3g s, fused_lean %.3g s", b3->time_s, bl->time_s);
  ck_assert_double_eq(kernel(&res.main, "nsa.decode.cmp")->time_s, kernel(&lean.main, "nsa.decode.cmp")->time_s);
  for (int u = 0; u < 3; u++)
    ck_assert_msg(fabs(total(&res.main, u) - total(&lean.main, u)) <= 1e-12 * total(&lean.main, u),
                  "FLOPs (unit %d) %.17g fused3, %.17g fused_lean", u, total(&res.main, u), total(&lean.main, u));
}
END_TEST

/* fused4 (the step v4) runs fused3's three kernels: the compressed kernel is the same; the
** compressed branch's merge moves from the selection to the branch kernel's shared merge, so the
** selection's FLOPs drop by what the branches' rise (the step's total unchanged) and the selection
** writes no o_cmp; its top-n is topn_warps's source count (kstream.h). */
START_TEST(fused4_moves_the_cmp_merge) {
  static sim_result v3;
  predict_two_designs("kernel.cmp_attn.design=fused3", "kernel.cmp_attn.design=fused4", &v3);
  ck_assert_uint_eq(res.main.nkernels, 3);
  ck_assert_double_eq(kernel(&res.main, "nsa.decode.cmp")->time_s, kernel(&v3.main, "nsa.decode.cmp")->time_s);
  const sim_kernel_stats *s4 = kernel(&res.main, "nsa.decode.select"), *s3 = kernel(&v3.main, "nsa.decode.select");
  const sim_kernel_stats *b4 = kernel(&res.main, "nsa.decode.branches"), *b3 = kernel(&v3.main, "nsa.decode.branches");
  ck_assert(s4->hbm_write_bytes < s3->hbm_write_bytes && b4->hbm_write_bytes > b3->hbm_write_bytes);
  ck_assert(b4->time_s >= b3->time_s);
  for (int u = 0; u < 3; u++)
    ck_assert_msg(fabs(total(&res.main, u) - total(&v3.main, u)) <= 1e-9 * total(&v3.main, u),
                  "FLOPs (unit %d) %.17g fused4, %.17g fused3", u, total(&res.main, u), total(&v3.main, u));
}
END_TEST

/* The default decode (no design set) is the unfused six kernels, as before the fused design
** existed: golden figures of the paper's decode at batch 8 (bytes and FLOPs of nsasim 0.1.0 before
** the change; times since the CTA critical path of issue 6: instruction streams, loaded latency,
** the merges' load rounds; the decode selection's rounds and its Eq. 9 and top-n tail; the group
** body's 907.7 per tile (and 42 per 16 of d_qk beyond 128) and 2627.7 fixed, kstream.h SPEC_GRP_*
** (879 / 2666 before the twentieth round re-split the profile at its 15.53 valid tiles per CTA), at
** its own issue interval measured at two occupancies, and a merge round's bytes in flight, not all
** its partials at once; the compression step's L2 reads since the sixteenth round: the step that
** compresses a block reads its l tokens, not the average step's 1 / d of them; the merge's rounds
** since the twenty-third: L2 hits, each with its partials' instructions, kstream.h SPEC_MERGE_*). */
START_TEST(default_decode_unchanged) {
  /* mma.sync, as the validation kernels: the instruction streams apply to them only. */
  spec_override o[] = {{"problem.phase=decode"}, {"problem.batch=8"}, {"kernel.cmp_attn.mma=sync"}, {"kernel.select_scores.mma=sync"}, {"kernel.selected.mma=sync"}, {"kernel.window.mma=sync"}, {"kernel.combine.mma=sync"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 7);
  static const struct {
    const char *name;
    double time_s, flops;
    uint64_t hbm_read, l2_read;
  } want[] = {{"nsa.compress.step", 6.083223093e-06, 6836224, 4083712, 4063232},
              {"nsa.cmp_attn.decode", 5.459483825e-05, 1352663040, 84062208, 85635072},
              {"nsa.select_scores", 1.800755239e-05, 6617600, 8388608, 8388608},
              {"nsa.selected.decode", 2.71420444e-05, 338165760, 21168128, 22740992},
              {"nsa.window.decode", 1.453526091e-05, 169082880, 10682368, 12058624},
              {"nsa.combine.decode", 1.437693443e-05, 3474432, 6925312, 6925312}};
  ck_assert_uint_eq(res.main.nkernels, 6);
  for (size_t i = 0; i < 6; i++) {
    const sim_kernel_stats *k = &res.main.kernels[i];
    ck_assert_str_eq(k->name, want[i].name);
    ck_assert_double_eq_tol(k->time_s, want[i].time_s, 1e-9 * want[i].time_s);
    ck_assert_double_eq(k->flops, want[i].flops);
    ck_assert_uint_eq(k->hbm_read_bytes, want[i].hbm_read);
    ck_assert_uint_eq(k->l2_read_bytes, want[i].l2_read);
  }
  ck_assert_double_eq_tol(res.main.total_time_s, 1.347398535e-04, 1e-9 * 1.347398535e-04);
  /* The instruction streams are mma.sync kernels' only: the paper's own mapping (mma: async) has
  ** none, so its step is faster. */
  const double sync_total_s = res.main.total_time_s;
  predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 2);
  ck_assert_double_lt(res.main.total_time_s, sync_total_s);
}
END_TEST

/* More HBM bandwidth never slows a kernel; a longer sequence never speeds
** full attention up. */
START_TEST(monotonic) {
  const char *phases[] = {"problem.phase=fwd", "problem.phase=bwd", "problem.phase=decode"};
  for (size_t j = 0; j < 3; j++) {
    static sim_result slow;
    spec_override o[] = {{phases[j]}, {"arch.hbm.bandwidth=2e12"}};
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", o, 2);
    slow = res;
    spec_override f[] = {{phases[j]}, {"arch.hbm.bandwidth=8e12"}};
    predict(SRC "/arch/h200.yaml", SRC "/workloads/nsa-paper.yaml", f, 2);
    ck_assert_uint_eq(slow.main.nkernels, res.main.nkernels);
    for (size_t n = 0; n < res.main.nkernels; n++)
      ck_assert_double_le(res.main.kernels[n].time_s, slow.main.kernels[n].time_s);
    double prev = 0;
    for (uint64_t len = 1024; len <= 131072; len += 3072) {
      char set[64];
      snprintf(set, sizeof set, "problem.seq_len=%llu", (unsigned long long)len);
      spec_override l[] = {{phases[j]}, {set}};
      double t = predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", l, 2);
      ck_assert_msg(t >= prev, "%s: %llu tokens take %g s < %g s", phases[j], (unsigned long long)len, t, prev);
      prev = t;
    }
  }
}
END_TEST

/* Decode without split-KV: batch x KV heads = 4 CTAs on 132 SMs. Four SMs
** cannot keep enough bytes in flight (latency) nor stream the cache through
** their shared memory fast enough: a per-SM bound, far above the HBM one. */
START_TEST(decode_without_split_is_latency_bound) {
  spec_override o[] = {{"problem.phase=decode"}, {"kernel.full.split_kv=1"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", o, 2);
  const sim_kernel_stats *k = kernel(&res.main, "full.decode");
  ck_assert_uint_eq(k->ctas, 4);
  ck_assert(k->bound == SIM_BOUND_LATENCY || k->bound == SIM_BOUND_SMEM);
  ck_assert_double_gt(k->bound_time_s[SIM_BOUND_LATENCY], 5 * k->bound_time_s[SIM_BOUND_HBM]);
  ck_assert_double_gt(k->time_s, 5 * k->bound_time_s[SIM_BOUND_HBM]);
  /* Split, the same decode streams the cache near the HBM rate (its CTAs' instruction
  ** streams, at the measured issue interval, take a little longer). */
  spec_override s2[] = {{"problem.phase=decode"}};
  predict(SRC "/arch/h200.yaml", SRC "/workloads/full-paper.yaml", s2, 1);
  const sim_kernel_stats *k2 = kernel(&res.main, "full.decode");
  ck_assert(k2->bound == SIM_BOUND_HBM || k2->bound == SIM_BOUND_LATENCY);
  ck_assert_double_lt(k2->time_s, 1.5 * k2->bound_time_s[SIM_BOUND_HBM]);
}
END_TEST

START_TEST(every_arch_phase_and_design_runs) {
  const char *arches[] = {"a100", "h100", "h200", "b200", "h200-hbm2x", "h200-l2x4", "h200-sfu2x"};
  const char *phases[] = {"problem.phase=fwd", "problem.phase=bwd", "problem.phase=decode"};
  const char *designs[] = {"kernel.selected.design=group", "kernel.selected.design=kv_outer"};
  for (size_t i = 0; i < 7; i++)
    for (size_t j = 0; j < 3; j++)
      for (size_t k = 0; k < 2; k++) {
        char path[256];
        snprintf(path, sizeof path, SRC "/arch/%s.yaml", arches[i]);
        spec_override o[] = {{phases[j]}, {designs[k]}, {"problem.seq_len=16384"}};
        double t = predict(path, SRC "/workloads/nsa-paper.yaml", o, 3);
        ck_assert(isfinite(t) && t > 0);
        for (size_t n = 0; n < res.main.nkernels; n++) {
          const sim_kernel_stats *ks = &res.main.kernels[n];
          ck_assert_msg(isfinite(ks->time_s) && ks->time_s > 0, "%s %s", arches[i], ks->name);
          ck_assert_msg(ks->ctas_per_sm >= 1, "%s %s", arches[i], ks->name);
        }
      }
  /* and the fused decode, with either compression */
  for (size_t i = 0; i < 7; i++)
    for (int mlp = 0; mlp < 2; mlp++) {
      char path[256];
      snprintf(path, sizeof path, SRC "/arch/%s.yaml", arches[i]);
      spec_override o[] = {{"problem.phase=decode"}, {"kernel.cmp_attn.design=fused"}, {"problem.seq_len=16384"},
                           {mlp ? "attention.compression.method=mlp" : "attention.compression.method=mean"}};
      double t = predict(path, SRC "/workloads/nsa-paper.yaml", o, 4);
      ck_assert(isfinite(t) && t > 0);
      ck_assert_uint_eq(res.main.nkernels, 3u + (unsigned)mlp);
      for (size_t n = 0; n < res.main.nkernels; n++)
        ck_assert_msg(isfinite(res.main.kernels[n].time_s) && res.main.kernels[n].ctas_per_sm >= 1, "%s %s",
                      arches[i], res.main.kernels[n].name);
    }
}
END_TEST
/* }==== */

int main(void) {
  Suite *s[4] = {suite_create("counts"), suite_create("occupancy"), suite_create("bounds"),
                 suite_create("pipelines")};
  TCase *tc = tcase_create("counts");
  tcase_add_test(tc, floor_sum_matches_brute_force);
  tcase_add_test(tc, kv_and_window_tiles_match_brute_force);
  tcase_add_test(tc, cmp_tiles_match_brute_force);
  tcase_add_test(tc, table4_tokens);
  suite_add_tcase(s[0], tc);
  tc = tcase_create("occupancy");
  tcase_add_test(tc, occupancy_limits);
  tcase_add_test(tc, full_fwd_bytes_by_hand);
  tcase_add_test(tc, compress_flops_by_hand);
  suite_add_tcase(s[1], tc);
  tc = tcase_create("bounds");
  tcase_add_test(tc, bounds_exact_on_tiny_work);
  tcase_add_test(tc, reuse_model);
  suite_add_tcase(s[2], tc);
  tc = tcase_create("pipelines");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, full_flops_closed_form);
  tcase_add_test(tc, nsa_selected_flops);
  tcase_add_test(tc, nsa_kernels_by_hand);
  tcase_add_test(tc, pattern_and_l2_matter);
  tcase_add_test(tc, union_design_shares_blocks);
  tcase_add_test(tc, bwd_group_walk);
  tcase_add_test(tc, sync_streams_delta_and_union);
  tcase_add_test(tc, union_lean_producer);
  tcase_add_test(tc, decode_is_memory_bound_and_scales);
  tcase_add_test(tc, monotonic);
  tcase_add_test(tc, decode_without_split_is_latency_bound);
  tcase_add_test(tc, every_arch_phase_and_design_runs);
  tcase_add_test(tc, fused_decode_same_work);
  tcase_add_test(tc, fused_variants_predict);
  tcase_add_test(tc, fused3_branches_no_slower);
  tcase_add_test(tc, fused4_moves_the_cmp_merge);
  tcase_add_test(tc, default_decode_unchanged);
  suite_add_tcase(s[3], tc);
  SRunner *sr = srunner_create(s[0]);
  for (int i = 1; i < 4; i++)
    srunner_add_suite(sr, s[i]);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
