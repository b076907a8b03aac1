/*
** sim/spec/fit.c — checks a workload's kernel mapping against the hardware
** (Timeloop's mapping-vs-architecture check): every kernel the pipeline runs
** must fit one CTA's threads, registers and shared memory, and the dtype must
** have tensor cores. Also validates --set keys against both tables.
*/
#include <string.h>

#include "spec_int.h"

sim_status spec_check_fit(const spec_arch *arch, const spec_workload *wl,
                          const spec_source *s, sim_diag *d) {
  if (spec_arch_tensor_flops_per_clk(arch, wl->problem.dtype) <= 0)
    return spec_error_at(s, "problem.dtype", SIM_ERR_RULE, d,
                         "'problem.dtype' %s has no tensor-core rate on arch '%s' (arch.compute.tensor_%s_flops_per_clk is 0)",
                         spec_dtype_name(wl->problem.dtype), arch->name,
                         spec_dtype_name(wl->problem.dtype));
  for (int k = 0; k < SPEC_K_COUNT; k++) {
    if (!spec_kernel_used(wl, (spec_kernel_id)k))
      continue;
    const spec_mapping *m = &wl->kernel[k];
    const char *kn = spec_kernel_name((spec_kernel_id)k);
    char path[128];
    uint64_t threads = (uint64_t)m->warps * 32u;
    snprintf(path, sizeof path, "kernel.%s.warps", kn);
    if (threads > arch->sm.max_threads_per_cta)
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "'%s' = %u needs %llu threads per CTA; arch '%s' allows %u", path,
                           m->warps, (unsigned long long)threads, arch->name,
                           arch->sm.max_threads_per_cta);
    snprintf(path, sizeof path, "kernel.%s.regs_per_thread", kn);
    if (m->regs_per_thread > arch->sm.max_registers_per_thread)
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "'%s' = %u exceeds the %u registers per thread arch '%s' allows", path,
                           m->regs_per_thread, arch->sm.max_registers_per_thread, arch->name);
    /* Registers are handed out per warp in register_alloc_unit granules. */
    uint64_t unit = arch->sm.register_alloc_unit;
    uint64_t per_warp = ((uint64_t)m->regs_per_thread * 32u + unit - 1) / unit * unit;
    uint64_t regs = per_warp * m->warps;
    if (regs > arch->sm.max_registers_per_cta)
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "kernel.%s needs %llu registers per CTA (%u warps x %llu); arch '%s' allows %u",
                           kn, (unsigned long long)regs, m->warps, (unsigned long long)per_warp,
                           arch->name, arch->sm.max_registers_per_cta);
    uint64_t smem = spec_mapping_smem_bytes(wl, (spec_kernel_id)k);
    snprintf(path, sizeof path, "kernel.%s.block_n", kn);
    if (!spec_find_mark(s, path)) {
      snprintf(path, sizeof path, "kernel.%s.stages", kn);
      if (!spec_find_mark(s, path))
        snprintf(path, sizeof path, "kernel.%s.block_m", kn);
    }
    if (smem > arch->sm.smem_per_cta_bytes)
      return spec_error_at(s, path, SIM_ERR_RULE, d,
                           "kernel.%s (block_m %u, block_n %u, stages %u, head dims %u/%u) needs %llu B of shared memory per CTA; arch '%s' allows %llu B",
                           kn, m->block_m, m->block_n, m->stages, wl->problem.head_dim_qk,
                           wl->problem.head_dim_v, (unsigned long long)smem, arch->name,
                           (unsigned long long)arch->sm.smem_per_cta_bytes);
  }
  return SIM_OK;
}

uint32_t spec_grid_ctas_per_sm(const spec_arch *a, uint32_t warps, uint32_t regs_per_thread) {
  uint64_t unit = a->sm.register_alloc_unit ? a->sm.register_alloc_unit : 1;
  uint64_t per_warp = ((uint64_t)regs_per_thread * 32u + unit - 1) / unit * unit;
  uint64_t cps = a->sm.max_ctas, w = warps ? warps : 1;
  if (a->sm.max_warps / w < cps)
    cps = a->sm.max_warps / w;
  if (a->sm.max_threads / (32u * w) < cps)
    cps = a->sm.max_threads / (32u * w);
  if (per_warp && a->sm.registers / (per_warp * w) < cps)
    cps = a->sm.registers / (per_warp * w);
  return cps ? (uint32_t)cps : 1u;
}

uint32_t spec_occupancy(const spec_arch *a, const spec_workload *wl, spec_kernel_id k,
                        const char **limiter) {
  const spec_mapping *m = &wl->kernel[k];
  uint64_t cps = a->sm.max_ctas;
  const char *lim = "ctas";
  uint64_t threads = (uint64_t)m->warps * 32u;
  uint64_t unit = a->sm.register_alloc_unit;
  uint64_t per_warp = ((uint64_t)m->regs_per_thread * 32u + unit - 1) / unit * unit;
  uint64_t smem = spec_mapping_smem_bytes(wl, k);
  struct {
    uint64_t cap;
    const char *name;
  } limits[] = {
      {a->sm.max_threads / threads, "threads"},
      {a->sm.max_warps / m->warps, "warps"},
      {a->sm.registers / (per_warp * m->warps), "registers"},
      {smem ? a->sm.smem_bytes / (smem + a->sm.smem_reserved_per_cta_bytes) : UINT64_MAX, "smem"},
  };
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
    if (limits[i].cap < cps) {
      cps = limits[i].cap;
      lim = limits[i].name;
    }
  if (limiter)
    *limiter = lim;
  return (uint32_t)cps;
}

sim_status spec_check_overrides(const spec_override *ovr, size_t novr, sim_diag *d) {
  for (size_t i = 0; i < novr; i++) {
    const char *t = ovr[i].text;
    const char *eq = strchr(t, '=');
    char where[SPEC_PATH_MAX + 8];
    snprintf(where, sizeof where, "--set %s", t);
    if (!eq || eq == t)
      return sim_diag_set(d, SIM_ERR_USAGE, where, 0, 0,
                          "expected KEY=VALUE with KEY a dotted path such as problem.seq_len");
    char key[SPEC_PATH_MAX];
    size_t klen = (size_t)(eq - t);
    if (klen >= sizeof key)
      return sim_diag_set(d, SIM_ERR_USAGE, where, 0, 0, "key too long");
    memcpy(key, t, klen);
    key[klen] = '\0';
    const spec_field *f;
    if (strncmp(key, "arch.", 5) == 0)
      f = spec_table_lookup(spec_arch_table, key + 5);
    else
      f = spec_table_lookup(spec_workload_table, key);
    if (!f)
      return sim_diag_set(d, SIM_ERR_SCHEMA, where, 0, 0,
                          "unknown key '%s' (arch keys start with 'arch.'; see `nsasim params`)",
                          key);
    if (f->type == SPEC_F_MAP)
      return sim_diag_set(d, SIM_ERR_SCHEMA, where, 0, 0,
                          "'%s' is a mapping; set one of its keys instead", key);
  }
  return SIM_OK;
}

sim_status spec_print_params(FILE *out, const char *which, sim_diag *d) {
  int arch = !which || strcmp(which, "arch") == 0;
  int wl = !which || strcmp(which, "workload") == 0;
  if (!arch && !wl)
    return sim_diag_set(d, SIM_ERR_USAGE, "", 0, 0,
                        "params: unknown section '%s' (expected arch or workload)", which);
  const char *head = "| key | type | unit | range | default | meaning |\n|---|---|---|---|---|---|\n";
  if (arch) {
    fprintf(out, "## arch/NAME.yaml (hardware; override with --set arch.KEY=VALUE)\n\n%s", head);
    spec_print_table(out, spec_arch_table, "arch");
  }
  if (arch && wl)
    fputc('\n', out);
  if (wl) {
    fprintf(out, "## workloads/NAME.yaml (problem, attention, kernel mapping; override with --set KEY=VALUE)\n\n%s", head);
    spec_print_table(out, spec_workload_table, "");
    spec_print_kernel_defaults(out);
    fprintf(out,
            "\nShared memory per CTA used by the fit check (e = dtype bytes, dk/dv = head dims):\n"
            "full, cmp_attn, window, selected: fwd/decode e*(block_m*dk + stages*block_n*(dk+dv)); "
            "bwd e*(block_n*(dk+dv) + stages*block_m*(dk+dv) + block_m*block_n).\n"
            "compress: e*(stages*block_n*(dk+dv) + block_m*(dk+dv)). "
            "select_scores: e*(block_m*dk + stages*block_n*dk); in a fused decode 4*(128*l'/d + l/d - 1 + "
            "selection blocks of the context), fp32 probabilities and scores. combine: 0.\n");
  }
  return SIM_OK;
}

sim_status spec_point_set(spec_arch *a, spec_source *as, spec_workload *w, spec_source *ws,
                          const char *key, const char *value, sim_diag *d) {
  if (strncmp(key, "arch.", 5) == 0)
    return spec_set_value(spec_arch_table, "arch", a, as, key + 5, value, d);
  return spec_set_value(spec_workload_table, "", w, ws, key, value, d);
}

sim_status spec_point_check(spec_arch *a, const spec_source *as, spec_workload *w,
                            const spec_source *ws, sim_diag *d) {
  sim_status st = spec_arch_rules(a, as, d);
  if (st == SIM_OK)
    st = spec_workload_rules(w, ws, d);
  if (st == SIM_OK)
    st = spec_check_fit(a, w, ws, d);
  return st;
}
