/*
** tests/unit/check_cycle.c — the cycle engine: exact cycle counts on tiny
** cases (ChampSim style), agreement with closed forms on a pure streaming
** and a pure tensor-core kernel (within 2%), the engine against the
** analytical model on FLOP and byte counts (the fused decode's too), the
** default decode cycle for cycle as before the fused design, the selection
** generator's invariants, the trace format's round trip and every
** corrupt-trace error, determinism, and the watchdog.
*/
#include <check.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cyc_int.h"
#include "mdl_int.h"
#include "model.h"
#include "select.h"
#include "sweep.h"

#define SRC NSASIM_SOURCE_DIR

/* 4 SMs at 1 GHz; L2 of one partition, 4 slices, 4096 B/clk; HBM 1 TB/s in
** 4 channels (250 B/clk each), 500 ns; hit 200 cycles; SMEM 1024 B/clk (so
** that four SMs' fill ports can outrun HBM, as 132 real ones do). */
static const char *tiny_arch =
    "version: 1\nname: tiny\nsm:\n  count: 4\n  clock_hz: 1e9\n  max_threads: 2048\n"
    "  max_warps: 64\n  max_ctas: 32\n  max_threads_per_cta: 1024\n  registers: 65536\n"
    "  max_registers_per_cta: 65536\n  max_registers_per_thread: 255\n  register_alloc_unit: 256\n"
    "  smem_bytes: 233472\n  smem_per_cta_bytes: 232448\n  smem_reserved_per_cta_bytes: 0\n"
    "  smem_banks: 32\n  smem_bank_bytes: 4\n  smem_bytes_per_clk: 1024\n  smem_latency_cycles: 30\n"
    "  l1_bytes: 262144\n  l1_latency_cycles: 40\ncompute:\n  tensor_bf16_flops_per_clk: 1024\n"
    "  tensor_fp16_flops_per_clk: 1024\n  tensor_fp8_flops_per_clk: 0\n  fp32_flops_per_clk: 128\n"
    "  sfu_ops_per_clk: 16\n  tensor_sync_fraction: 1\nl2:\n  bytes: 4194304\n  line_bytes: 128\n  sector_bytes: 32\n"
    "  slices: 4\n  partitions: 1\n  ways: 16\n  bytes_per_clk: 4096\n  hit_latency_cycles: 200\n"
    "  far_latency_factor: 1.5\nhbm:\n  bytes: 1073741824\n  bandwidth: 1e12\n  channels: 4\n"
    "  latency_ns: 500\ncopy:\n  cp_async: true\n  tma: false\nlaunch:\n  overhead_s: 0\n"
    "efficiency:\n  tensor: 1\n  hbm: 1\n";

static spec_arch arch;
static spec_workload wl;

static void setup(void) {
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("tiny", NULL, tiny_arch, NULL, 0, &arch, NULL, &d), SIM_OK);
  spec_override o[] = {{"problem.seq_len=4096"}, {"problem.head_dim_qk=128"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 2, &wl, NULL, &d), SIM_OK);
}

static cyc_kernel stream_kernel(uint64_t rows, uint64_t bm, uint64_t in_row, uint64_t out_row) {
  cyc_kernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "stream");
  k.map = SPEC_K_COMBINE;
  k.kind = CYC_K_STREAM;
  k.wl = &wl;
  k.bm = bm;
  k.total_rows = rows;
  k.ctas = (rows + bm - 1) / bm;
  k.nin = 1;
  k.in_base[0] = 1ull << 44;
  k.in_row[0] = in_row;
  k.o_base = 2ull << 44;
  k.row_o_bytes = out_row;
  k.fp32_per_row = 1;
  return k;
}

/* {==== exact cycles ==== */
START_TEST(memory_exact_cycles) {
  cyc_mem *m = cyc_mem_new(&arch, CYC_FIDELITY_TILE);
  cyc_range r = {0, 128, 1, 0};
  /* miss: slice 128/4096, channel 128/250 = 0.512, +500 latency, port
  ** 128/1024 -> ceil(500.54) = 501 */
  ck_assert_uint_eq(cyc_mem_load(m, 0, 0, &r, 1), 501);
  /* hit at 1000: slice 0.03 + 200 -> 1201 */
  ck_assert_uint_eq(cyc_mem_load(m, 1, 1000, &r, 1), 1201);
  /* the other half of the line's chunk was never fetched: a miss again */
  cyc_range r2 = {128, 128, 1, 0};
  ck_assert_uint_eq(cyc_mem_load(m, 1, 2000, &r2, 1), 2501);
  cyc_mem_stats s;
  cyc_mem_stats_get(m, &s);
  ck_assert_uint_eq(s.l2_read_bytes, 384);
  ck_assert_uint_eq(s.l2_hit_bytes, 128);
  ck_assert_uint_eq(s.hbm_read_bytes, 256);
  cyc_mem_store(m, 0, 3000, &r, 1);
  cyc_mem_flush(m, 0);
  cyc_mem_stats_get(m, &s);
  ck_assert_uint_eq(s.hbm_write_bytes, 128);
  cyc_mem_free(m);
}
END_TEST

/* Runs k on the tiny arch at tile fidelity with memory m (kept between runs by the caller). */
static void run_tiny(const cyc_kernel *k, cyc_mem *m, sim_kernel_stats *s) {
  cyc_opts o = {CYC_FIDELITY_TILE, NULL, NULL, 0};
  sim_diag d;
  memset(s, 0, sizeof *s);
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_run_kernel(&arch, k, &o, m, s, &d), SIM_OK);
}

START_TEST(engine_exact_cycles) {
  /* One CTA, one step: load 128 B (ready at 501), barrier 30, FP32 128
  ** FLOP at 128/clk (1 cycle) -> done at 532; store; retire. */
  cyc_kernel k = stream_kernel(1, 1, 128, 128);
  k.fp32_per_row = 128;
  cyc_mem *m = cyc_mem_new(&arch, CYC_FIDELITY_TILE);
  sim_kernel_stats s;
  run_tiny(&k, m, &s);
  ck_assert_uint_eq(s.cycles, 532);
  ck_assert_uint_eq(s.hbm_read_bytes, 128);
  ck_assert_uint_eq(s.hbm_write_bytes, 128);
  /* Two CTAs on two SMs run side by side: the second line misses too and
  ** may queue behind the first for the slice (0.03) and a channel (0.512),
  ** so it ends at 532 or 533. */
  k = stream_kernel(2, 1, 128, 128);
  k.fp32_per_row = 128;
  run_tiny(&k, m, &s);
  ck_assert_uint_le(s.cycles, 533);
  ck_assert_uint_ge(s.cycles, 532);
  /* Timed warm (warm_l2): the first, cold run leaves its line in L2 and gives the traffic (128 B
  ** read from HBM, 128 written); the timed run's load hits (slice 0.03 + 200 -> 201), barrier 30,
  ** 1 cycle of FP32 -> 232. */
  k = stream_kernel(1, 1, 128, 128);
  k.fp32_per_row = 128;
  k.warm_l2 = 1;
  run_tiny(&k, m, &s);
  ck_assert_uint_eq(s.cycles, 232);
  ck_assert_uint_eq(s.hbm_read_bytes, 128);
  ck_assert_uint_eq(s.hbm_write_bytes, 128);
  ck_assert_uint_eq(s.l2_read_bytes, 128);
  /* and it leaves the L2 cold for the next kernel */
  k.warm_l2 = 0;
  run_tiny(&k, m, &s);
  ck_assert_uint_eq(s.cycles, 532);
  cyc_mem_free(m);
}
END_TEST

START_TEST(selection_tail_exact_cycles) {
  /* The unfused decode selection (kstream.h): two dependent rounds of 128 B of logits, then Eq. 9
  ** (10 instructions on 2 warps) and the top-n (100 on one warp), each after a barrier. Round 0
  ** misses (ready 501), barrier to 531; round 1 issues only then, misses (1032), barrier to 1062;
  ** Eq. 9 from 1092: 10 x 4.62 (the default sm.dependent_issue_cycles) -> 1139; the top-n from
  ** 1169: 100 x 4.62 -> 1631 (its 25 issue slots are not the bound). */
  cyc_kernel k = stream_kernel(1, 1, 256, 64);
  k.fp32_per_row = 0;
  k.sel_rounds = 2;
  k.eq9_instr = 10;
  k.eq9_warps = 2;
  k.topn_instr = 100;
  cyc_mem *m = cyc_mem_new(&arch, CYC_FIDELITY_TILE);
  sim_kernel_stats s;
  run_tiny(&k, m, &s);
  ck_assert_uint_eq(s.cycles, 1631);
  ck_assert_uint_eq(s.hbm_read_bytes, 256);
  ck_assert_uint_eq(s.hbm_write_bytes, 64);
  cyc_mem_free(m);
}
END_TEST
/* }==== */

/* {==== closed forms ==== */
START_TEST(streaming_matches_bandwidth) {
  /* 64 MiB in, 64 MiB out, 8 KiB rows: bytes / (1 TB/s). */
  cyc_kernel k = stream_kernel(8192, 4, 8192, 8192);
  cyc_mem *m = cyc_mem_new(&arch, CYC_FIDELITY_TILE);
  sim_kernel_stats s;
  run_tiny(&k, m, &s);
  double want = 2.0 * 8192 * 8192 / 1e12;
  ck_assert_msg(fabs(s.time_s / want - 1) < 0.02, "stream %g s vs %g s", s.time_s, want);
  ck_assert_int_eq(s.bound, SIM_BOUND_HBM);
  cyc_mem_free(m);
}
END_TEST

START_TEST(tensor_matches_peak) {
  /* Full attention over 256 keys that live in L2, 64 query tiles per SM:
  ** tensor time = FLOPs / (4 SMs x 1024 FLOP/clk). */
  cyc_kernel k;
  memset(&k, 0, sizeof k);
  snprintf(k.name, sizeof k.name, "tensor");
  k.map = SPEC_K_FULL;
  k.kind = CYC_K_FLASH_Q;
  k.keys = CYC_KEYS_ALL;
  k.wl = &wl;
  k.bm = 128;
  k.bn = 64;
  k.rows = 128 * 256;
  k.nkeys = 256;
  k.group = 1;
  k.q_rows_per_token = 1;
  k.ctas = 256;
  k.row_q_bytes = k.row_k_bytes = k.row_v_bytes = k.row_o_bytes = 256;
  k.q_base = 1ull << 44;
  k.k_base = 2ull << 44;
  k.v_base = 3ull << 44;
  k.o_base = 4ull << 44;
  k.key_stride = 256;
  k.tensor_per_pair = 2.0 * 4096; /* heavy MMAs: memory and barriers are noise */
  k.smem_readers = 1;
  cyc_mem *m = cyc_mem_new(&arch, CYC_FIDELITY_TILE);
  sim_kernel_stats s;
  run_tiny(&k, m, &s);
  double flops = 256.0 * 4 * 128 * 64 * 2 * 4096;
  ck_assert_double_eq(s.tensor_flops, flops);
  double want = flops / (4 * 1024) / 1e9;
  ck_assert_msg(fabs(s.time_s / want - 1) < 0.02, "tensor %g s vs %g s", s.time_s, want);
  ck_assert_int_eq(s.bound, SIM_BOUND_TENSOR);
  ck_assert_double_gt(s.tensor_util, 0.98);
  cyc_mem_free(m);
}
END_TEST

/* Both engines count the same work: executed FLOPs and L2 bytes requested
** agree exactly; HBM bytes closely; times within a band. */
START_TEST(engines_agree_on_counts) {
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  spec_override o[] = {{"problem.seq_len=4096"}};
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 1, &w, NULL, &d), SIM_OK);
  /* the bytes requested: the cycle engine's L2 request coalescer (arch l2.lrc_gpcs, twenty-fifth
  ** round) takes the merged reads out of its count, which the model does not model */
  a.l2.lrc_gpcs = 0;
  static sim_result rm, rs;
  ck_assert_int_eq(mdl_run(&a, &w, &rm, &d), SIM_OK);
  cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
  ck_assert_int_eq(cyc_run(&a, &w, &co, &rs, &d), SIM_OK);
  ck_assert_uint_eq(rm.main.nkernels, rs.main.nkernels);
  for (size_t i = 0; i < rm.main.nkernels; i++) {
    const sim_kernel_stats *m = &rm.main.kernels[i], *s = &rs.main.kernels[i];
    ck_assert_str_eq(m->name, s->name);
    ck_assert_msg(fabs(s->tensor_flops - m->tensor_flops) <= 1e-9 * m->tensor_flops, "%s flops", m->name);
    ck_assert_msg(fabs((double)s->l2_read_bytes - (double)m->l2_read_bytes) <= 0.02 * m->l2_read_bytes,
                  "%s l2 %llu vs %llu", m->name, (unsigned long long)s->l2_read_bytes,
                  (unsigned long long)m->l2_read_bytes);
    ck_assert_msg(fabs((double)s->hbm_write_bytes - (double)m->hbm_write_bytes) <= 0.05 * m->hbm_write_bytes + 4096,
                  "%s hbm write", m->name);
    ck_assert_msg(s->time_s > 0.5 * m->time_s && s->time_s < 2.0 * m->time_s, "%s time %g vs %g",
                  m->name, s->time_s, m->time_s);
  }
}
END_TEST
static const sim_kernel_stats *find(const sim_pipeline *p, const char *name) {
  for (size_t i = 0; i < p->nkernels; i++)
    if (strcmp(p->kernels[i].name, name) == 0)
      return &p->kernels[i];
  ck_abort_msg("no kernel %s", name);
  return NULL;
}

/* The fused decode: both engines emit the same kernels with the same FLOPs by unit (the pool,
** the per-chunk scores, the merges and the top-n of the tails included, so each tail ran once per
** unit), the same L2 bytes, close HBM writes, times in a band; and in the cycle engine too the
** fused step does the unfused step's work (with phi's MLP, whose kernel both pipelines run). */
START_TEST(engines_agree_on_fused_decode) {
  spec_arch a;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  const char *cases[][3] = {{"problem.batch=8", "problem.seq_len=65536", "attention.compression.method=mean"},
                            {"problem.batch=2", "problem.seq_len=8193", "attention.compression.method=mlp"}};
  for (size_t c = 0; c < 2; c++) {
    spec_workload w;
    spec_override o[] = {{"problem.phase=decode"}, {cases[c][0]}, {cases[c][1]}, {cases[c][2]},
                         {"problem.head_dim_qk=128"}, {"kernel.cmp_attn.design=fused"}};
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 6, &w, NULL, &d), SIM_OK);
    static sim_result rm, rs, ru;
    ck_assert_int_eq(mdl_run(&a, &w, &rm, &d), SIM_OK);
    cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
    ck_assert_msg(cyc_run(&a, &w, &co, &rs, &d) == SIM_OK, "%s", d.msg);
    ck_assert_uint_eq(rm.main.nkernels, rs.main.nkernels);
    for (size_t i = 0; i < rm.main.nkernels; i++) {
      const sim_kernel_stats *m = &rm.main.kernels[i], *s = &rs.main.kernels[i];
      ck_assert_str_eq(m->name, s->name);
      if (strncmp(m->name, "nsa.decode.", 11) != 0)
        continue; /* nsa.compress.step: the unfused kernel, not compared here */
      const double pm[3] = {m->tensor_flops, m->fp32_flops, m->sfu_ops}, ps[3] = {s->tensor_flops, s->fp32_flops, s->sfu_ops};
      for (int u = 0; u < 3; u++)
        ck_assert_msg(fabs(ps[u] - pm[u]) <= 1e-9 * pm[u], "%s FLOPs (unit %d) %.17g sim, %.17g model", m->name, u,
                      ps[u], pm[u]);
      ck_assert_msg(fabs((double)s->l2_read_bytes - (double)m->l2_read_bytes) <= 0.02 * m->l2_read_bytes,
                    "%s l2 %llu vs %llu", m->name, (unsigned long long)s->l2_read_bytes,
                    (unsigned long long)m->l2_read_bytes);
      /* nsa.decode.cmp stores its logits as nsa.cmp_attn.decode does, in CTA slots that overlap
      ** in the cycle engine (fewer bytes reach HBM than the model writes): not compared. */
      if (strcmp(m->name, "nsa.decode.cmp") != 0)
        ck_assert_msg(fabs((double)s->hbm_write_bytes - (double)m->hbm_write_bytes) <= 0.05 * m->hbm_write_bytes + 4096,
                      "%s hbm write %llu vs %llu", m->name, (unsigned long long)s->hbm_write_bytes,
                      (unsigned long long)m->hbm_write_bytes);
      /* The model's branch merge carries the measured tail stream (kstream.h
      ** SPEC_FUSED_MERGE_INSTR_PER_ITEM) that the cycle engine has not adopted yet: there the
      ** lower bound is a quarter. */
      const double lo = strcmp(m->name, "nsa.decode.branches") == 0 ? 0.25 : 0.5;
      ck_assert_msg(s->time_s > lo * m->time_s && s->time_s < 2.0 * m->time_s, "%s time %g vs %g", m->name,
                    s->time_s, m->time_s);
    }
    /* The cycle engine's unfused decode: the same total FLOPs (its compress.step counts one block
    ** per step for the whole batch, the pool a block per unit: compared with phi's MLP only). */
    if (strstr(cases[c][2], "mlp")) {
      spec_override u[] = {{"problem.phase=decode"}, {cases[c][0]}, {cases[c][1]}, {cases[c][2]}, {"problem.head_dim_qk=128"}};
      ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, u, 5, &w, NULL, &d), SIM_OK);
      ck_assert_int_eq(cyc_run(&a, &w, &co, &ru, &d), SIM_OK);
      double fu[3] = {0}, ff[3] = {0};
      for (size_t i = 0; i < ru.main.nkernels; i++) {
        fu[0] += ru.main.kernels[i].tensor_flops, fu[1] += ru.main.kernels[i].fp32_flops, fu[2] += ru.main.kernels[i].sfu_ops;
      }
      for (size_t i = 0; i < rs.main.nkernels; i++) {
        ff[0] += rs.main.kernels[i].tensor_flops, ff[1] += rs.main.kernels[i].fp32_flops, ff[2] += rs.main.kernels[i].sfu_ops;
      }
      for (int k = 0; k < 3; k++)
        ck_assert_msg(fabs(ff[k] - fu[k]) <= 1e-9 * fu[k], "sim fused FLOPs (unit %d) %.17g, unfused %.17g", k, ff[k], fu[k]);
      ck_assert_double_lt(rs.main.total_time_s, ru.main.total_time_s);
    }
  }
}
END_TEST

/* The default decode (no design set) is the unfused six kernels, cycle for cycle (the paper's
** decode at batch 8). The figures were nsasim 0.1.0's before the fused design; they changed once,
** on purpose, when the engine took on the validation kernels' physics (kstream.h): the split
** decodes' group-kernel instruction stream (cmp_attn 37840 -> 53089 cycles, selected 10950 ->
** 23942, window 6046 -> 14467) and the merge's dependent rounds with its second launch (combine
** 3651 -> 7894 cycles; its lse read twice, so more L2 bytes: 6925312 -> 7031808); then the
** decode selection's rounds of logits (4 dependent rounds of 1024 at 64k) and its Eq. 9 and
** one-warp top-n as the CTA's last two steps (select_scores 8841 -> 24696 cycles; the logits
** loaded in four slices, so L2 keeps a few more of their bytes: HBM 8385752 -> 8374759); then
** each round of logits' warp instructions (kstream.h SPEC_SELDEC_INSTR_PER_ROUND, from ncu's
** executed count of select_decode_kernel: select_scores 24696 -> 28552 cycles); then the group
** body's two-profile count (879 per tile, 2666 fixed, the model's) at its own measured interval
** (4.62 cycles at 2.98 warps per scheduler, one slot less per warp below it: kstream.h SPEC_GRP_*):
** cmp_attn 53089 -> 57043, selected 23942 -> 31437, window 14467 -> 18214; then that interval's
** second measured point (3.89 at 2.0 warps per scheduler: 0.745 of a slot per warp) and the
** count's 42 per 16 of d_qk (this workload is d 192): cmp_attn 57043 -> 59166, selected 31437 ->
** 34516, window 18214 -> 19754. FLOPs, bytes and the other kernels are unchanged (the gated merge
** does not take the split merges' stream). Then (fourteenth round) the first wave primed one step
** deep at a time (engine.c: every first-wave CTA's first tile reaches the memory before any CTA's
** second): cmp_attn 59166 -> 61111, selected 34516 -> 32400; and the NSA merge's first launch,
** split_combine over the compressed branch's partials, issuing the split merge's stream as the
** full decode's merge does: combine 7894 -> 11240. Bytes and FLOPs unchanged. */
START_TEST(default_decode_unchanged) {
  spec_arch a;
  spec_workload w;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  /* mma.sync, as the validation kernels: the instruction streams apply to them only. */
  spec_override o[] = {{"problem.phase=decode"}, {"problem.batch=8"}, {"kernel.cmp_attn.mma=sync"}, {"kernel.select_scores.mma=sync"}, {"kernel.selected.mma=sync"}, {"kernel.window.mma=sync"}, {"kernel.combine.mma=sync"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 7, &w, NULL, &d), SIM_OK);
  static sim_result r;
  cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
  ck_assert_int_eq(cyc_run(&a, &w, &co, &r, &d), SIM_OK);
  /* The HBM reads include each launch's code (kstream.h SPEC_*_CODE_BYTES): the group decodes
  ** 51,584 B (cmp_attn 84062208, selected 21168128, window 10682368 without it), the selection
  ** 19,200 (8374759), the merge's two launches 17,920 + 31,744 (6607613); not the mean pool's
  ** step here, whose mapping is not mma.sync. The L2 of 60 MiB that the lent H200 reports
  ** (arch/h200.yaml, was the datasheet's 50 MB): 20% more sets per slice move which of cmp_attn's
  ** lines share a set, and its copies' L2 round trips end 60 cycles sooner (61111 -> 61051); no
  ** byte count changes, as this step's data fit either L2. The group body's count re-split at the
  ** selected forward profile's 15.53 valid tiles per CTA (twentieth round, kstream.h SPEC_GRP_*:
  ** 907.7 per tile, 2627.7 fixed, was 879 / 2666): cmp_attn 61051 -> 60904, selected 32400 ->
  ** 32326, window 19754 -> 19717. The H200's L2 without the far partition's copy in the near one
  ** (twenty-first round, arch l2.far_copy false): cmp_attn 60904 -> 60757 (its reads no longer
  ** insert a near copy of every far line, so they evict and touch other ways; no byte count moves,
  ** as this step reads its data once); total 112.583 -> 112.503 us. */
  static const struct {
    const char *name;
    uint64_t cycles, hbm_read, l2_read;
    double flops;
  } want[] = {{"nsa.compress.step", 3599, 381044, 381959, 213632},
              {"nsa.cmp_attn.decode", 60757, 84113792, 85635072, 1352663040},
              {"nsa.select_scores", 32937, 8393959, 8388608, 6617600},
              {"nsa.selected.decode", 32326, 21219712, 22740992, 338165760},
              {"nsa.window.decode", 19717, 10733952, 12058624, 169082880},
              {"nsa.combine.decode", 11240, 6657277, 7031808, 3474432}};
  ck_assert_uint_eq(r.main.nkernels, 6);
  for (size_t i = 0; i < 6; i++) {
    const sim_kernel_stats *k = find(&r.main, want[i].name);
    ck_assert_ptr_eq(k, &r.main.kernels[i]);
    ck_assert_uint_eq(k->cycles, want[i].cycles);
    ck_assert_uint_eq(k->hbm_read_bytes, want[i].hbm_read);
    ck_assert_uint_eq(k->l2_read_bytes, want[i].l2_read);
    ck_assert_double_eq_tol(k->flops, want[i].flops, 1e-9 * want[i].flops);
  }
  ck_assert_double_eq_tol(r.main.total_time_s, 1.12502698e-04, 1e-9 * 1.12502698e-04);
}
END_TEST

/* }==== */

/* {==== selections and traces ==== */
START_TEST(selection_invariants) {
  int32_t blk[64];
  for (uint64_t t = 0; t < wl.problem.q_len; t += 37) {
    uint32_t n = cyc_select_blocks(&wl, 0, 1, t, blk);
    uint64_t cur = t / 64;
    ck_assert_uint_eq(n, cur + 1 < 16 ? cur + 1 : 16);
    for (uint32_t i = 0; i < n; i++) {
      ck_assert_int_ge(blk[i], 0);
      ck_assert_int_le(blk[i], (int32_t)cur);
      for (uint32_t j = 0; j < i; j++)
        ck_assert_int_ne(blk[i], blk[j]);
    }
    if (cur >= 16) {
      ck_assert_int_eq(blk[0], 0);              /* initial */
      ck_assert_int_eq(blk[1], (int32_t)cur);   /* local */
      ck_assert_int_eq(blk[2], (int32_t)cur - 1);
    }
  }
  /* Same coordinates, same blocks; another seed, other blocks. */
  int32_t a[16], b[16];
  cyc_select_blocks(&wl, 0, 2, 4000, a);
  cyc_select_blocks(&wl, 0, 2, 4000, b);
  ck_assert_mem_eq(a, b, sizeof a);
  spec_workload w2 = wl;
  w2.attention.selection.seed = 99;
  cyc_select_blocks(&w2, 0, 2, 4000, b);
  ck_assert(memcmp(a, b, sizeof a) != 0);
}
END_TEST

static char tmpdir[64];
static void tmp_setup(void) {
  setup();
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nsasim-trace-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}
static void tmp_teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  ck_assert_int_eq(system(cmd), 0);
}

START_TEST(trace_round_trip) {
  char path[128];
  snprintf(path, sizeof path, "%s/sel.trace", tmpdir);
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_trace_write(path, &wl, &d), SIM_OK);
  cyc_trace t;
  ck_assert_int_eq(cyc_trace_read(path, &wl, &t, &d), SIM_OK);
  ck_assert_uint_eq(t.entries, 4ull * 4096 * 16);
  int32_t blk[16];
  for (uint64_t q = 0; q < 4096; q += 101) {
    cyc_select_blocks(&wl, 0, 3, q, blk);
    ck_assert_mem_eq(t.idx + ((3 * 4096) + q) * 16, blk, sizeof blk);
  }
  cyc_trace_free(&t);
}
END_TEST

static void corrupt(const char *path, long off, const void *bytes, size_t n) {
  FILE *f = fopen(path, "r+b");
  ck_assert_ptr_nonnull(f);
  fseek(f, off, SEEK_SET);
  ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
  fclose(f);
}

START_TEST(trace_errors) {
  char path[128], msg[600];
  snprintf(path, sizeof path, "%s/bad.trace", tmpdir);
  sim_diag d;
  cyc_trace t;
  struct {
    long off;
    const char *bytes;
    size_t n;
    const char *want;
  } cases[] = {
      {0, "XXXX", 4, "not a selection trace: bad magic (want \"NSASEL1\\n\")"},
      {8, "\x02", 1, "unsupported trace version 2 (this build reads 1)"},
      {16, "\x02", 1, "trace header field batch (byte 16) is 2 but the workload has 1"},
      {40, "\x20", 1, "trace header field block (byte 40) is 32 but the workload has 64"},
      {48, "\x01\x00\x00\x01", 4, "trace header field entries (byte 48) is 16777217 but the workload has 262144"},
      {64 + 4 * 17, "\xff\x7f\x00\x00", 4, "entry 17 (byte 132) selects block 32767; query 1 may select -1 or 0..0"},
      {64 + 4 * 18, "\xfe\xff\xff\xff", 4, "entry 18 (byte 136) selects block -2; query 1 may select -1 or 0..0"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sim_diag_clear(&d);
    ck_assert_int_eq(cyc_trace_write(path, &wl, &d), SIM_OK);
    corrupt(path, cases[i].off, cases[i].bytes, cases[i].n);
    ck_assert_int_eq(cyc_trace_read(path, &wl, &t, &d), SIM_ERR_SYNTAX);
    ck_assert_str_eq(d.msg, cases[i].want);
    ck_assert_str_eq(d.file, path);
  }
  /* Truncated: claims more entries than it holds. */
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_trace_write(path, &wl, &d), SIM_OK);
  ck_assert_int_eq(truncate(path, 1000), 0);
  ck_assert_int_eq(cyc_trace_read(path, &wl, &t, &d), SIM_ERR_SYNTAX);
  snprintf(msg, sizeof msg, "trace is 1000 bytes but its header promises 262144 entries (1048640 bytes)");
  ck_assert_str_eq(d.msg, msg);
  ck_assert_int_eq(truncate(path, 10), 0);
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_trace_read(path, &wl, &t, &d), SIM_ERR_SYNTAX);
  ck_assert_str_eq(d.msg, "not a selection trace: shorter than its 64-byte header");
  /* A workload of another shape. */
  ck_assert_int_eq(cyc_trace_write(path, &wl, &d), SIM_OK);
  spec_workload w2 = wl;
  w2.problem.heads_kv = 8;
  w2.problem.heads_q = 128;
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_trace_read(path, &w2, &t, &d), SIM_ERR_SYNTAX);
  ck_assert_str_eq(d.msg, "trace header field heads_kv (byte 20) is 4 but the workload has 8");
}
END_TEST
/* }==== */

/* {==== whole runs ==== */
START_TEST(deterministic_and_watchdog) {
  spec_arch a;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  static sim_result r1, r2;
  cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
  ck_assert_int_eq(cyc_run(&a, &wl, &co, &r1, &d), SIM_OK);
  ck_assert_int_eq(cyc_run(&a, &wl, &co, &r2, &d), SIM_OK);
  ck_assert_mem_eq(&r1, &r2, sizeof r1);
  co.max_events = 1000;
  sim_diag_clear(&d);
  ck_assert_int_eq(cyc_run(&a, &wl, &co, &r1, &d), SIM_ERR_INTERNAL);
  ck_assert_ptr_nonnull(strstr(d.msg, "watchdog: event limit reached"));
  ck_assert_ptr_nonnull(strstr(d.msg, "CTAs resident"));
}
END_TEST

/* Every allocation of a cycle-level run, of a trace read and of a sweep-spec
** load fails in turn: each failure is a clean SIM_ERR_NOMEM (LeakSanitizer
** checks nothing leaks), and the operation succeeds once none fails. */
START_TEST(fail_every_allocation) {
  spec_arch a;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("h200", SRC "/arch/h200.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  spec_workload w = wl;
  w.problem.seq_len = w.problem.q_len = 512;
  w.kernel[SPEC_K_SELECTED].design = SPEC_DESIGN_KV_OUTER;
  static sim_result r;
  int fails = 0;
  for (unsigned long n = 1;; n++) {
    cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
    sim_diag_clear(&d);
    sim_alloc_fail_at(n);
    sim_status st = cyc_run(&a, &w, &co, &r, &d);
    sim_alloc_fail_at(0);
    if (st == SIM_OK)
      break;
    ck_assert_int_eq(st, SIM_ERR_NOMEM);
    fails++;
    ck_assert_int_lt(n, 100000);
  }
  ck_assert_int_gt(fails, 10);
  /* the fused decode: the pool's second run, the arrival counters */
  spec_workload wf;
  spec_override fo[] = {{"problem.phase=decode"}, {"kernel.cmp_attn.design=fused"}, {"problem.seq_len=1024"},
                        {"attention.compression.method=mean"}};
  ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, fo, 4, &wf, NULL, &d), SIM_OK);
  for (unsigned long n = 1;; n++) {
    cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
    sim_diag_clear(&d);
    sim_alloc_fail_at(n);
    sim_status st = cyc_run(&a, &wf, &co, &r, &d);
    sim_alloc_fail_at(0);
    if (st == SIM_OK)
      break;
    ck_assert_int_eq(st, SIM_ERR_NOMEM);
    ck_assert_int_lt(n, 100000);
  }
  char path[128];
  snprintf(path, sizeof path, "/tmp/nsasim-failnth-%d.trace", (int)getpid());
  ck_assert_int_eq(cyc_trace_write(path, &w, &d), SIM_OK);
  for (unsigned long n = 1;; n++) {
    cyc_trace t;
    sim_diag_clear(&d);
    sim_alloc_fail_at(n);
    sim_status st = cyc_trace_read(path, &w, &t, &d);
    sim_alloc_fail_at(0);
    if (st == SIM_OK) {
      cyc_trace_free(&t);
      break;
    }
    ck_assert_int_eq(st, SIM_ERR_NOMEM);
  }
  remove(path);
  for (unsigned long n = 1;; n++) {
    spec_sweep sw;
    sim_diag_clear(&d);
    sim_alloc_fail_at(n);
    sim_status st = spec_load_sweep(SRC "/workloads/sweeps/nsa-grid-h200.yaml", &sw, &d);
    sim_alloc_fail_at(0);
    if (st == SIM_OK) {
      ck_assert_uint_eq(sw.npoints, 1215);
      spec_sweep_free(&sw);
      break;
    }
    ck_assert_int_eq(st, SIM_ERR_NOMEM);
  }
}
END_TEST

START_TEST(every_phase_and_design_runs) {
  spec_arch a;
  sim_diag d;
  sim_diag_clear(&d);
  ck_assert_int_eq(spec_load_arch("a100", SRC "/arch/a100.yaml", NULL, NULL, 0, &a, NULL, &d), SIM_OK);
  const char *ph[] = {"problem.phase=fwd", "problem.phase=bwd", "problem.phase=decode"};
  const char *de[] = {"kernel.selected.design=group", "kernel.selected.design=kv_outer"};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++) {
      spec_workload w;
      spec_override o[] = {{ph[i]}, {de[j]}, {"problem.seq_len=2048"}, {"attention.compression.method=mean"}};
      ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 4, &w, NULL, &d), SIM_OK);
      static sim_result r;
      cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
      ck_assert_msg(cyc_run(&a, &w, &co, &r, &d) == SIM_OK, "%s %s: %s", ph[i], de[j], d.msg);
      ck_assert(r.has_baseline && r.main.total_time_s > 0 && r.baseline.total_time_s > 0);
      for (size_t n = 0; n < r.main.nkernels; n++)
        ck_assert_msg(r.main.kernels[n].has_cycle && r.main.kernels[n].cycles > 0, "%s", r.main.kernels[n].name);
    }
  /* the fused decode, with either compression, and a group of more than 16 heads */
  const char *fz[][2] = {{"attention.compression.method=mean", "problem.heads_kv=4"},
                         {"attention.compression.method=mlp", "problem.heads_kv=2"}};
  for (int i = 0; i < 2; i++) {
    spec_workload w;
    spec_override o[] = {{"problem.phase=decode"}, {"kernel.cmp_attn.design=fused"}, {"problem.seq_len=2048"},
                         {fz[i][0]}, {fz[i][1]}};
    ck_assert_int_eq(spec_load_workload("w", SRC "/workloads/nsa-paper.yaml", NULL, o, 5, &w, NULL, &d), SIM_OK);
    static sim_result r;
    cyc_opts co = {CYC_FIDELITY_TILE, NULL, NULL, 0};
    ck_assert_msg(cyc_run(&a, &w, &co, &r, &d) == SIM_OK, "fused %s: %s", fz[i][0], d.msg);
    ck_assert_uint_eq(r.main.nkernels, 3u + (unsigned)i);
    for (size_t n = 0; n < r.main.nkernels; n++)
      ck_assert_msg(r.main.kernels[n].has_cycle && r.main.kernels[n].cycles > 0, "%s", r.main.kernels[n].name);
  }
}
END_TEST
/* }==== */

int main(void) {
  Suite *s[4] = {suite_create("exact"), suite_create("agreement"), suite_create("trace"),
                 suite_create("runs")};
  TCase *tc = tcase_create("exact");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, memory_exact_cycles);
  tcase_add_test(tc, engine_exact_cycles);
  tcase_add_test(tc, selection_tail_exact_cycles);
  suite_add_tcase(s[0], tc);
  tc = tcase_create("agreement");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, streaming_matches_bandwidth);
  tcase_add_test(tc, tensor_matches_peak);
  tcase_add_test(tc, engines_agree_on_counts);
  tcase_add_test(tc, engines_agree_on_fused_decode);
  tcase_add_test(tc, default_decode_unchanged);
  suite_add_tcase(s[1], tc);
  tc = tcase_create("trace");
  tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
  tcase_add_test(tc, selection_invariants);
  tcase_add_test(tc, trace_round_trip);
  tcase_add_test(tc, trace_errors);
  suite_add_tcase(s[2], tc);
  tc = tcase_create("runs");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, deterministic_and_watchdog);
  tcase_add_test(tc, fail_every_allocation);
  tcase_add_test(tc, every_phase_and_design_runs);
  suite_add_tcase(s[3], tc);
  SRunner *sr = srunner_create(s[0]);
  for (int i = 1; i < 4; i++)
    srunner_add_suite(sr, s[i]);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
