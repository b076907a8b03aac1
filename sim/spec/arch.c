/*
** sim/spec/arch.c — the hardware spec: one table row per key of arch/NAME.yaml
** (type, range, unit, meaning) and the rules across keys. Hardware only:
** nothing here knows about attention or kernels.
*/
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "spec_int.h"

/* Nested rows are relative to their section, as the binder adds the MAP offset. */
#define F(sect, key) (offsetof(spec_arch, sect.key) - offsetof(spec_arch, sect))
#define U32(k, o, lo, hi, u, d) {k, SPEC_F_U32, o, 0, lo, hi, u, SPEC_REQUIRED, 0, NULL, NULL, NULL, d}
#define U64(k, o, lo, hi, u, d) {k, SPEC_F_U64, o, 0, lo, hi, u, SPEC_REQUIRED, 0, NULL, NULL, NULL, d}
#define F64(k, o, lo, hi, u, d) {k, SPEC_F_F64, o, 0, lo, hi, u, SPEC_REQUIRED, 0, NULL, NULL, NULL, d}
#define U32D(k, o, lo, hi, u, dv, d) {k, SPEC_F_U32, o, 0, lo, hi, u, SPEC_DEFAULT, dv, NULL, NULL, NULL, d}
#define F64D(k, o, lo, hi, u, dv, d) {k, SPEC_F_F64, o, 0, lo, hi, u, SPEC_DEFAULT, dv, NULL, NULL, NULL, d}
#define BOOL(k, o, d) {k, SPEC_F_BOOL, o, 0, 0, 1, "", SPEC_REQUIRED, 0, NULL, NULL, NULL, d}
#define BOOLD(k, o, dv, d) {k, SPEC_F_BOOL, o, 0, 0, 1, "", SPEC_DEFAULT, dv, NULL, NULL, NULL, d}
#define MAP(k, o, sub, d) {k, SPEC_F_MAP, o, 0, 0, 0, "", SPEC_REQUIRED, 0, NULL, NULL, sub, d}

static const spec_field sm_table[] = {
    U32("count", F(sm, count), 1, 65536, "SMs", "streaming multiprocessors (compute units)"),
    F64("clock_hz", F(sm, clock_hz), 1e8, 1e10, "Hz", "SM clock at which the per-clock rates below are quoted"),
    U32("max_threads", F(sm, max_threads), 32, 65536, "threads", "resident threads per SM"),
    U32("max_warps", F(sm, max_warps), 1, 2048, "warps", "resident warps per SM"),
    U32("max_ctas", F(sm, max_ctas), 1, 1024, "CTAs", "resident thread blocks per SM"),
    U32("max_threads_per_cta", F(sm, max_threads_per_cta), 32, 65536, "threads", "threads per thread block"),
    U32("registers", F(sm, registers), 1024, 16777216, "32-bit registers", "register file per SM"),
    U32("max_registers_per_cta", F(sm, max_registers_per_cta), 1024, 16777216, "32-bit registers", "registers one thread block may hold"),
    U32("max_registers_per_thread", F(sm, max_registers_per_thread), 16, 4096, "32-bit registers", "registers one thread may hold"),
    U32("register_alloc_unit", F(sm, register_alloc_unit), 1, 4096, "registers per warp", "granule in which a warp's registers are allocated"),
    U64("smem_bytes", F(sm, smem_bytes), 0, 1073741824, "B", "shared memory per SM (carve-out maximum)"),
    U64("smem_per_cta_bytes", F(sm, smem_per_cta_bytes), 0, 1073741824, "B", "shared memory one thread block may use (opt-in maximum)"),
    U64("smem_reserved_per_cta_bytes", F(sm, smem_reserved_per_cta_bytes), 0, 1048576, "B", "shared memory the system reserves per resident thread block"),
    U32("smem_banks", F(sm, smem_banks), 1, 1024, "banks", "shared-memory banks"),
    U32("smem_bank_bytes", F(sm, smem_bank_bytes), 1, 64, "B", "width of one bank"),
    F64("smem_bytes_per_clk", F(sm, smem_bytes_per_clk), 1, 65536, "B/clk", "shared-memory bandwidth per SM"),
    U32("smem_latency_cycles", F(sm, smem_latency_cycles), 1, 10000, "cycles", "shared-memory load latency"),
    U64("l1_bytes", F(sm, l1_bytes), 0, 1073741824, "B", "unified L1 data cache + shared memory per SM"),
    U32("l1_latency_cycles", F(sm, l1_latency_cycles), 1, 10000, "cycles", "L1 hit latency"),
    F64D("issue_per_clk", F(sm, issue_per_clk), 0.25, 64, "warp instr/clk", 4,
         "warp instructions the SM issues per clock (default 4: four schedulers of one issue each, Volta to Blackwell)"),
    F64D("dependent_issue_cycles", F(sm, dependent_issue_cycles), 1, 1000, "cycles", 4.62,
         "average cycles between one warp's instructions while its scheduler has slots to spare (waits on MMA, shared-memory, shuffle and SFU results); default: ncu on an H200 (reports/measurements/h200/2026-11-29-h200-run2-detail.txt)"),
    SPEC_END};

static const spec_field compute_table[] = {
    F64("tensor_bf16_flops_per_clk", F(compute, tensor_bf16_flops_per_clk), 0, 1e7, "FLOP/clk/SM", "dense bf16 tensor-core rate (FMA = 2 FLOP); 0 = unsupported"),
    F64("tensor_fp16_flops_per_clk", F(compute, tensor_fp16_flops_per_clk), 0, 1e7, "FLOP/clk/SM", "dense fp16 tensor-core rate; 0 = unsupported"),
    F64("tensor_fp8_flops_per_clk", F(compute, tensor_fp8_flops_per_clk), 0, 1e7, "FLOP/clk/SM", "dense fp8 tensor-core rate; 0 = unsupported"),
    F64("fp32_flops_per_clk", F(compute, fp32_flops_per_clk), 1, 1e7, "FLOP/clk/SM", "FP32 CUDA-core rate (FMA = 2 FLOP)"),
    F64("sfu_ops_per_clk", F(compute, sfu_ops_per_clk), 1, 1e6, "ops/clk/SM", "special-function unit rate (exp2) per SM"),
    F64("tensor_sync_fraction", F(compute, tensor_sync_fraction), 0.05, 1, "fraction", "share of the tensor rate that kernels issuing warp-level mma.sync sustain (1 where that is the native path; calibration, cite it)"),
    SPEC_END};

static const spec_field l2_table[] = {
    U64("bytes", F(l2, bytes), 1024, 1099511627776.0, "B", "L2 capacity"),
    U32("line_bytes", F(l2, line_bytes), 16, 4096, "B", "cache line"),
    U32("sector_bytes", F(l2, sector_bytes), 4, 4096, "B", "sector: the unit of transfer and of the hit counters"),
    U32("slices", F(l2, slices), 1, 4096, "slices", "address-interleaved slices"),
    U32("partitions", F(l2, partitions), 1, 64, "partitions", "partitions (near/far halves on A100/H100)"),
    U32("ways", F(l2, ways), 1, 1024, "ways", "set associativity"),
    F64("bytes_per_clk", F(l2, bytes_per_clk), 1, 1e7, "B/clk", "aggregate L2 read bandwidth at the SM clock"),
    U32("hit_latency_cycles", F(l2, hit_latency_cycles), 1, 100000, "cycles", "near-partition hit latency"),
    F64("far_latency_factor", F(l2, far_latency_factor), 1, 100, "x", "latency of a far-partition hit relative to a near one"),
    BOOLD("far_copy", F(l2, far_copy), 1,
          "a line read from the far partition is also kept in the reader's near one (default true, the A100 layout [WP-A100]); false: a line lives in its home partition only, read from the far side at the far latency"),
    U32D("lrc_gpcs", F(l2, lrc_gpcs), 0, 1024, "GPCs", 0,
         "L2 request coalescer (Hopper): a read of the sectors another SM of the same GPC (SM id mod this) read within the L2 hit latency joins that read and is not counted as an L2 request (cycle engine; traffic counts only). Default 0: no coalescer, every requested sector counts"),
    SPEC_END};

static const spec_field hbm_table[] = {
    U64("bytes", F(hbm, bytes), 1048576, 1e15, "B", "device memory capacity"),
    F64("bandwidth", F(hbm, bandwidth), 1e9, 1e15, "B/s", "peak device-memory bandwidth"),
    U32("channels", F(hbm, channels), 1, 4096, "channels", "independent channels (stacks or pseudo-channels) modelled"),
    F64("latency_ns", F(hbm, latency_ns), 1, 100000, "ns", "unloaded load latency from an SM"),
    SPEC_END};

static const spec_field copy_table[] = {
    BOOL("cp_async", F(copy, cp_async), "asynchronous global->shared copies (cp.async, Ampere+)"),
    BOOL("tma", F(copy, tma), "tensor memory accelerator / bulk tensor copies (Hopper+)"),
    SPEC_END};

static const spec_field launch_table[] = {
    F64("overhead_s", F(launch, overhead_s), 0, 1, "s", "time a kernel launch adds that no kernel work overlaps"),
    SPEC_END};

/* Calibration constants: each arch file names the measurement behind them. */
static const spec_field efficiency_table[] = {
    F64("tensor", F(efficiency, tensor), 0.05, 1, "fraction", "sustained share of the tensor-core peak in a tuned MMA loop (calibration; cite the measurement)"),
    F64("hbm", F(efficiency, hbm), 0.05, 1, "fraction", "achievable share of the HBM peak bandwidth (calibration; cite the measurement)"),
    SPEC_END};

const spec_field spec_arch_table[] = {
    U32("version", offsetof(spec_arch, version), 1, 1, "", "spec format version"),
    {"name", SPEC_F_STR, offsetof(spec_arch, name), SPEC_NAME_MAX, 0, 0, "", SPEC_REQUIRED, 0, NULL, NULL, NULL, "short name used in outputs"},
    {"description", SPEC_F_STR, offsetof(spec_arch, description), SPEC_TEXT_MAX, 0, 0, "", SPEC_DEFAULT, 0, "", NULL, NULL, "one line for people"},
    MAP("sm", offsetof(spec_arch, sm), sm_table, "per-SM resources and limits"),
    MAP("compute", offsetof(spec_arch, compute), compute_table, "arithmetic rates per SM per clock"),
    MAP("l2", offsetof(spec_arch, l2), l2_table, "L2 cache"),
    MAP("hbm", offsetof(spec_arch, hbm), hbm_table, "device memory"),
    MAP("copy", offsetof(spec_arch, copy), copy_table, "asynchronous copy engines"),
    MAP("launch", offsetof(spec_arch, launch), launch_table, "kernel launch"),
    MAP("efficiency", offsetof(spec_arch, efficiency), efficiency_table, "calibration constants, each with its source"),
    SPEC_END};

/* Rules no single row can express. */
sim_status spec_arch_rules(const spec_arch *a, const spec_source *s, sim_diag *d) {
  if ((uint64_t)a->sm.max_warps * 32u < a->sm.max_threads)
    return spec_error_at(s, "arch.sm.max_threads", SIM_ERR_RULE, d,
                         "'arch.sm.max_threads' = %u exceeds 'arch.sm.max_warps' x 32 = %u",
                         a->sm.max_threads, a->sm.max_warps * 32u);
  if (a->sm.max_threads_per_cta > a->sm.max_threads)
    return spec_error_at(s, "arch.sm.max_threads_per_cta", SIM_ERR_RULE, d,
                         "'arch.sm.max_threads_per_cta' = %u exceeds 'arch.sm.max_threads' = %u",
                         a->sm.max_threads_per_cta, a->sm.max_threads);
  if (a->sm.max_registers_per_cta > a->sm.registers)
    return spec_error_at(s, "arch.sm.max_registers_per_cta", SIM_ERR_RULE, d,
                         "'arch.sm.max_registers_per_cta' = %u exceeds 'arch.sm.registers' = %u",
                         a->sm.max_registers_per_cta, a->sm.registers);
  if (a->sm.smem_per_cta_bytes > a->sm.smem_bytes)
    return spec_error_at(s, "arch.sm.smem_per_cta_bytes", SIM_ERR_RULE, d,
                         "'arch.sm.smem_per_cta_bytes' = %llu exceeds 'arch.sm.smem_bytes' = %llu",
                         (unsigned long long)a->sm.smem_per_cta_bytes,
                         (unsigned long long)a->sm.smem_bytes);
  if (a->sm.smem_bytes > a->sm.l1_bytes)
    return spec_error_at(s, "arch.sm.smem_bytes", SIM_ERR_RULE, d,
                         "'arch.sm.smem_bytes' = %llu exceeds the unified 'arch.sm.l1_bytes' = %llu",
                         (unsigned long long)a->sm.smem_bytes, (unsigned long long)a->sm.l1_bytes);
  if (a->l2.line_bytes % a->l2.sector_bytes != 0)
    return spec_error_at(s, "arch.l2.sector_bytes", SIM_ERR_RULE, d,
                         "'arch.l2.line_bytes' = %u is not a multiple of 'arch.l2.sector_bytes' = %u",
                         a->l2.line_bytes, a->l2.sector_bytes);
  if (a->l2.slices % a->l2.partitions != 0)
    return spec_error_at(s, "arch.l2.slices", SIM_ERR_RULE, d,
                         "'arch.l2.slices' = %u is not a multiple of 'arch.l2.partitions' = %u",
                         a->l2.slices, a->l2.partitions);
  if ((uint64_t)a->l2.slices * a->l2.ways * a->l2.line_bytes > a->l2.bytes)
    return spec_error_at(s, "arch.l2.bytes", SIM_ERR_RULE, d,
                         "'arch.l2.bytes' = %llu is smaller than one set: slices x ways x line_bytes = %llu",
                         (unsigned long long)a->l2.bytes,
                         (unsigned long long)a->l2.slices * a->l2.ways * a->l2.line_bytes);
  if (a->compute.tensor_bf16_flops_per_clk == 0 && a->compute.tensor_fp16_flops_per_clk == 0 &&
      a->compute.tensor_fp8_flops_per_clk == 0)
    return spec_error_at(s, "arch.compute", SIM_ERR_RULE, d,
                         "'arch.compute' gives no tensor-core rate for any dtype");
  return SIM_OK;
}

sim_status spec_load_arch(const char *display_name, const char *path, const char *text,
                          const spec_override *ovr, size_t novr, spec_arch *out,
                          spec_source **srcp, sim_diag *diag) {
  memset(out, 0, sizeof *out);
  if (srcp)
    *srcp = NULL;
  spec_source *src = spec_source_new(display_name);
  if (!src)
    return sim_diag_set(diag, SIM_ERR_NOMEM, display_name, 0, 0, "out of memory");
  char *buf = NULL;
  size_t len = 0;
  sim_status st = SIM_OK;
  if (path) {
    st = spec_read_file(display_name, path, &buf, &len, diag);
    text = buf;
  } else {
    len = strlen(text);
  }
  if (st == SIM_OK)
    st = spec_bind_text(src, text, len, spec_arch_table, "arch", ovr, novr, out, diag);
  if (st == SIM_OK)
    st = spec_arch_rules(out, src, diag);
  sim_free(buf);
  if (st != SIM_OK || !srcp)
    spec_source_free(src);
  else
    *srcp = src;
  return st;
}

void spec_arch_write_json(struct jsonw *w, const char *key, const spec_arch *a) {
  spec_write_json_table(w, key, spec_arch_table, a);
}

double spec_kernel_tensor_flops_per_clk(const spec_arch *arch, const spec_workload *wl, spec_kernel_id k) {
  double r = spec_arch_tensor_flops_per_clk(arch, wl->problem.dtype) * arch->efficiency.tensor;
  return wl->kernel[k].mma == SPEC_MMA_SYNC ? r * arch->compute.tensor_sync_fraction : r;
}

double spec_arch_tensor_flops_per_clk(const spec_arch *arch, spec_dtype dt) {
  switch (dt) {
  case SPEC_DT_BF16: return arch->compute.tensor_bf16_flops_per_clk;
  case SPEC_DT_FP16: return arch->compute.tensor_fp16_flops_per_clk;
  case SPEC_DT_FP8: return arch->compute.tensor_fp8_flops_per_clk;
  }
  return 0;
}
