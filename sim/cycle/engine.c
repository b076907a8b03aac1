/*
** sim/cycle/engine.c — the discrete-event core. Integer SM cycles; events
** ordered by (cycle, sequence number) so runs are deterministic. CTAs are
** dispatched to SMs up to the occupancy limit (first wave round-robin, then
** to whichever SM frees a slot). A CTA keeps `stages` steps of loads in
** flight; a step computes once its tiles have arrived and the previous step
** is done, after a barrier (one shared-memory round trip), on the SM's
** tensor pipe, then the SFU/FP32 pipes (beside the MMAs when the kernel
** overlaps them), with its shared-memory traffic on the SM's port; where the
** kernel's instruction stream is known (kstream.h), each warp also issues the
** step's instructions in order, one per sm.dependent_issue_cycles, and the
** CTA's warps take their share of the SM's issue slots (sm.issue_per_clk, a
** resource like the pipes): the step ends when the last of these ends. Finishing
** a step frees its stage for the load `stages` steps ahead. A serial step
** (sched_fused.c: a pool before the tiles, the arrival at a unit's counter,
** a tail, every round of a split merge or of the decode selection) issues its
** loads only once the CTA's earlier steps are done; the last CTA of a unit to
** arrive runs the kernel's tail before it retires. A kernel the validation's
** design runs as several launches is charged each launch's overhead.
** Invariants checked as it runs: the clock never goes back, an SM never
** holds more CTAs than occupancy allows, every stored byte reaches HBM.
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "cyc_int.h"

enum { EV_READY, EV_DONE };

typedef struct event {
  uint64_t t, seq;
  uint32_t slot, step, type;
} event;

typedef struct cta_state {
  uint64_t id;
  uint32_t sm, nsteps, next_issue, next_compute, live;
  uint32_t nbase, npre; /* steps before any tail; serial prologue steps */
  int computing;
  uint64_t start, wait_from;
  uint8_t *arrived;   /* per ring entry */
  int32_t *blk;       /* the CTA's selected blocks (selection kernels) */
  cyc_step *ring;     /* the steps in flight */
} cta_state;

typedef struct sm_state {
  double tensor_free, soft_free, smem_free, issue_free;
  double tensor_busy, soft_busy, smem_busy, issue_busy;
  uint32_t resident;
} sm_state;

typedef struct run {
  const spec_arch *a;
  const cyc_kernel *k;
  const cyc_opts *o;
  cyc_mem *mem;
  uint32_t stages, cps, sms;
  uint32_t depth; /* steps a CTA may have in flight now: stages, less while the first wave primes */
  double tensor_rate, sfu_rate, fp32_rate, smem_rate, barrier;
  double warps, issue_rate, dep_issue; /* warps per CTA; SM issue slots per clock; cycles between a warp's issues */
  event *heap;
  size_t nheap, capheap;
  uint64_t seq, now, events, next_cta;
  cta_state *slots;
  sm_state *sm;
  uint64_t *unit_arrivals; /* per unit: CTAs done with their steps (kernels with fz.per_unit) */
  /* statistics */
  double tensor_flops, sfu_ops, fp32_flops, smem_bytes;
  double stall_mem, stall_tensor, stall_barrier, resident_cycles, warp_cycles;
  uint64_t end;
} run;

/* {==== Event heap ==== */
static int before(const event *x, const event *y) {
  return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static int push(run *r, uint64_t t, uint32_t slot, uint32_t step, uint32_t type) {
  if (r->nheap == r->capheap) {
    size_t cap = r->capheap ? r->capheap * 2 : 1024;
    event *h = sim_realloc_array(r->heap, cap, sizeof *h);
    if (!h)
      return 0;
    r->heap = h;
    r->capheap = cap;
  }
  size_t i = r->nheap++;
  event e = {t, r->seq++, slot, step, type};
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!before(&e, &r->heap[p]))
      break;
    r->heap[i] = r->heap[p];
    i = p;
  }
  r->heap[i] = e;
  return 1;
}

static event pop(run *r) {
  event top = r->heap[0], last = r->heap[--r->nheap];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= r->nheap)
      break;
    if (c + 1 < r->nheap && before(&r->heap[c + 1], &r->heap[c]))
      c++;
    if (!before(&r->heap[c], &last))
      break;
    r->heap[i] = r->heap[c];
    i = c;
  }
  if (r->nheap)
    r->heap[i] = last;
  return top;
}
/* }==== */

static int issue(run *r, uint32_t slot, uint32_t step) {
  cta_state *c = &r->slots[slot];
  cyc_step *s = &c->ring[step % r->stages];
  if (step >= c->nbase)
    cyc_tail_step_of(r->k, c->id, step - c->nbase, c->nsteps - c->nbase, s);
  else
    cyc_step_of(r->k, c->id, step, c->nbase, c->blk, s);
  c->arrived[step % r->stages] = 0;
  uint64_t t = s->nload ? cyc_mem_load(r->mem, c->sm, r->now, s->load, s->nload) : r->now;
  return push(r, t, slot, step, EV_READY);
}

/* Whether step j waits for every earlier step before its loads issue: the prologue and the
** step after it, the arrival (a CTA's last own step) and the tail; every round of a split merge
** (its loads wait for the values of the round before) and of the unfused decode selection. */
static int serial_step(const run *r, const cta_state *c, uint32_t j) {
  const cyc_kernel *k = r->k;
  return k->loads_serial || (c->npre && j <= c->npre) || (k->fz.per_unit && j + 1 >= c->nbase) ||
         k->merge_parts[0] + k->merge_parts[1] + k->merge_parts[2] > 0 || k->sel_rounds > 0;
}

/* Issues the CTA's next steps while its ring has room (and a serial step's turn has come). */
static int fill(run *r, uint32_t slot) {
  cta_state *c = &r->slots[slot];
  while (c->next_issue < c->nsteps && c->next_issue < c->next_compute + r->depth &&
         (c->next_issue == c->next_compute || !serial_step(r, c, c->next_issue)))
    if (!issue(r, slot, c->next_issue++))
      return 0;
  return 1;
}

static int start_compute(run *r, uint32_t slot) {
  cta_state *c = &r->slots[slot];
  sm_state *sm = &r->sm[c->sm];
  const cyc_step *s = &c->ring[c->next_compute % r->stages];
  r->stall_mem += (double)(r->now - c->wait_from);
  double t0 = (double)r->now + r->barrier;
  r->stall_barrier += r->barrier;
  double dt = s->tensor_flops / r->tensor_rate;
  double ts = t0 > sm->tensor_free ? t0 : sm->tensor_free;
  if (dt > 0) {
    r->stall_tensor += ts - t0;
    sm->tensor_free = ts + dt;
    sm->tensor_busy += dt;
  }
  double end = dt > 0 ? ts + dt : t0;
  double ds = s->sfu_ops / r->sfu_rate + s->fp32_flops / r->fp32_rate;
  if (ds > 0) {
    double from = r->k->overlapped || dt == 0 ? t0 : end;
    double ss = from > sm->soft_free ? from : sm->soft_free;
    sm->soft_free = ss + ds;
    sm->soft_busy += ds;
    if (ss + ds > end)
      end = ss + ds;
  }
  double dm = s->smem_bytes / r->smem_rate;
  if (dm > 0) {
    double ms = t0 > sm->smem_free ? t0 : sm->smem_free;
    sm->smem_free = ms + dm;
    sm->smem_busy += dm;
    if (ms + dm > end)
      end = ms + dm;
  }
  if (s->warp_instr > 0) {
    /* Each warp's instructions one after another (at the kernel's measured interval where it has
    ** one, one issue slot per warp a scheduler holds beyond the profile's); all the issuing
    ** warps' through the SM's issue slots, shared with the other resident CTAs. */
    const cyc_kernel *k = r->k;
    /* The model's issue rule (kstream.h); a dep_only step issues at the arch's interval. The
    ** share counts the active warps: a CTA's exited warps take no slots (cyc_kernel.warps_active). */
    double share = sm->resident * r->warps * (k->warps_active > 0 ? k->warps_active : 1.0) / r->issue_rate;
    double dep = k->issue_shared && !s->dep_only
                     ? spec_issue_cpi_shared(r->dep_issue, share, k->issue_cycles, k->issue_warps)
                     : spec_issue_cpi(r->dep_issue, share, s->dep_only ? 0.0 : k->issue_cycles, k->issue_warps,
                                      k->issue_slope);
    double di = s->warp_instr * (s->issue_warps > 0 ? s->issue_warps : r->warps) / r->issue_rate;
    double is = t0 > sm->issue_free ? t0 : sm->issue_free;
    sm->issue_free = is + di;
    sm->issue_busy += di;
    double fin = fmax(t0 + s->warp_instr * dep, is + di);
    if (fin > end)
      end = fin;
  }
  r->tensor_flops += s->tensor_flops;
  r->sfu_ops += s->sfu_ops;
  r->fp32_flops += s->fp32_flops;
  r->smem_bytes += s->smem_bytes;
  c->computing = 1;
  return push(r, (uint64_t)ceil(end), slot, c->next_compute, EV_DONE);
}

static int dispatch(run *r, uint32_t slot, uint32_t sm) {
  cta_state *c = &r->slots[slot];
  c->id = r->next_cta++;
  c->sm = sm;
  c->nsteps = c->nbase = cyc_steps(r->k, c->id, c->blk);
  c->npre = cyc_pre_steps(r->k, c->id);
  c->next_issue = c->next_compute = 0;
  c->computing = 0;
  c->live = 1;
  c->start = c->wait_from = r->now;
  r->sm[sm].resident++;
  if (c->nsteps == 0)
    return push(r, r->now, slot, 0, EV_DONE);
  return fill(r, slot);
}

static void retire(run *r, uint32_t slot) {
  cta_state *c = &r->slots[slot];
  r->resident_cycles += (double)(r->now - c->start);
  r->warp_cycles += (double)(r->now - c->start) * r->warps;
  if (r->o->timeline)
    fprintf(r->o->timeline, "%s,%u,%llu,%llu,%llu,cta\n", r->k->name, c->sm,
            (unsigned long long)c->id, (unsigned long long)c->start,
            (unsigned long long)r->now);
  c->live = 0;
  r->sm[c->sm].resident--;
  if (r->now > r->end)
    r->end = r->now;
}

static sim_status deadlock(run *r, sim_diag *d, const char *why) {
  uint32_t live = 0;
  for (uint32_t i = 0; i < r->sms * r->cps; i++)
    live += r->slots[i].live;
  return sim_diag_set(d, SIM_ERR_INTERNAL, "", 0, 0,
                      "cycle engine, kernel %s: %s at cycle %llu after %llu events: %u CTAs resident, "
                      "%llu of %llu dispatched, %zu events queued",
                      r->k->name, why, (unsigned long long)r->now, (unsigned long long)r->events,
                      live, (unsigned long long)r->next_cta, (unsigned long long)r->k->ctas, r->nheap);
}

static void free_run(run *r) {
  if (r->slots) { /* one block each for every slot's ring, flags and blocks */
    sim_free(r->slots[0].ring);
    sim_free(r->slots[0].arrived);
    sim_free(r->slots[0].blk);
  }
  sim_free(r->slots);
  sim_free(r->sm);
  sim_free(r->heap);
  sim_free(r->unit_arrivals);
}

sim_status cyc_run_kernel(const spec_arch *a, const cyc_kernel *k, const cyc_opts *o, cyc_mem *mem,
                          sim_kernel_stats *out, sim_diag *d) {
  if (k->warm_l2) {
    /* Timed warm (see cyc_kernel.warm_l2): a first run from the cold L2 gives the traffic, as ncu
    ** counts it, and leaves its lines in L2; the second, the launch the measurement times. */
    cyc_kernel k1 = *k, k2 = *k;
    k1.warm_l2 = 0;
    k1.keep_l2 = 1;
    k2.warm_l2 = 0;
    k2.keep_l2 = 0;
    cyc_opts o1 = *o;
    o1.timeline = NULL;
    sim_kernel_stats cold;
    memset(&cold, 0, sizeof cold);
    sim_status st = cyc_run_kernel(a, &k1, &o1, mem, &cold, d);
    if (st == SIM_OK)
      st = cyc_run_kernel(a, &k2, o, mem, out, d);
    if (st == SIM_OK) {
      out->hbm_read_bytes = cold.hbm_read_bytes;
      out->hbm_write_bytes = cold.hbm_write_bytes;
      out->l2_read_bytes = cold.l2_read_bytes;
      out->l2_read_hit_rate = cold.l2_read_hit_rate;
    }
    return st;
  }
  run r;
  memset(&r, 0, sizeof r);
  const spec_mapping *m = &k->wl->kernel[k->map];
  const char *limiter = "ctas";
  r.a = a;
  r.k = k;
  r.o = o;
  r.mem = mem;
  r.sms = a->sm.count;
  r.cps = spec_occupancy(a, k->wl, k->map, &limiter);
  if (k->grid_cps) { /* the kernel's own grid (pipeline.c computes its residency) */
    r.cps = k->grid_cps;
    limiter = "grid";
  }
  r.stages = m->stages ? m->stages : 1;
  r.tensor_rate = spec_kernel_tensor_flops_per_clk(a, k->wl, k->map);
  r.sfu_rate = a->compute.sfu_ops_per_clk;
  r.fp32_rate = a->compute.fp32_flops_per_clk;
  r.smem_rate = a->sm.smem_bytes_per_clk;
  r.barrier = a->sm.smem_latency_cycles;
  r.warps = k->grid_warps ? k->grid_warps : m->warps;
  r.issue_rate = a->sm.issue_per_clk;
  r.dep_issue = a->sm.dependent_issue_cycles;
  /* mma.sync: the calibrated sync rate holds at the calibration kernel's warps per scheduler;
  ** with fewer resident, nothing hides a warp's dependent operand loads and MMAs
  ** (kstream.h SPEC_SYNC_TENSOR_WARPS_PER_SCHED), as the model scales it. */
  if (m->mma == SPEC_MMA_SYNC && r.cps > 0) {
    double busy = ceil((double)k->ctas / (double)r.sms);
    double wps = fmin((double)r.cps, busy > 0 ? busy : 1.0) * r.warps / r.issue_rate;
    r.tensor_rate *= fmin(1.0, wps / SPEC_SYNC_TENSOR_WARPS_PER_SCHED);
  }
  if (r.cps == 0)
    return sim_diag_set(d, SIM_ERR_RULE, "", 0, 0, "kernel.%s does not fit one SM of arch '%s'",
                        spec_kernel_name(k->map), a->name);
  r.slots = sim_calloc((size_t)r.sms * r.cps, sizeof *r.slots);
  r.sm = sim_calloc(r.sms, sizeof *r.sm);
  if (k->fz.per_unit)
    r.unit_arrivals = sim_calloc((size_t)(k->ctas / k->fz.per_unit) + 1, sizeof *r.unit_arrivals);
  if (!r.slots || !r.sm || (k->fz.per_unit && !r.unit_arrivals)) {
    free_run(&r);
    return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  }
  size_t nslots = (size_t)r.sms * r.cps, nblk = k->wl->attention.selection.count + 1u;
  if (k->tok_per_cta > 1) /* union blocks, tokens per union block, and the tokens' own lists */
    nblk = 3u * (size_t)k->tok_per_cta * k->wl->attention.selection.count + 1u;
  cyc_step *rings = sim_calloc(nslots * r.stages, sizeof(cyc_step));
  uint8_t *flags = sim_calloc(nslots * r.stages, 1);
  int32_t *blks = sim_calloc(nslots * nblk, sizeof(int32_t));
  if (!rings || !flags || !blks) {
    sim_free(rings);
    sim_free(flags);
    sim_free(blks);
    sim_free(r.slots);
    sim_free(r.sm);
    sim_free(r.unit_arrivals);
    return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
  }
  for (size_t i = 0; i < nslots; i++) {
    r.slots[i].ring = rings + i * r.stages;
    r.slots[i].arrived = flags + i * r.stages;
    r.slots[i].blk = blks + i * nblk;
  }
  cyc_mem_stats_reset(mem);
  sim_status st = SIM_OK;
  /* First wave: CTA i to SM i mod SMs, slot by slot. Every SM starts at once and each warp
  ** issues its copies in program order, the first tile's before the next's, so the memory sees
  ** every first-wave CTA's first step before any CTA's second: the wave is primed one step deep
  ** at a time, in dispatch order (not each CTA's whole ring before the next CTA's). */
  r.depth = 1;
  for (uint32_t s = 0; s < r.cps && r.next_cta < k->ctas; s++)
    for (uint32_t sm = 0; sm < r.sms && r.next_cta < k->ctas; sm++)
      if (!dispatch(&r, s * r.sms + sm, sm)) {
        free_run(&r);
        return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
      }
  for (r.depth = 2; r.depth <= r.stages; r.depth++)
    for (uint32_t s = 0; s < r.cps; s++)
      for (uint32_t sm = 0; sm < r.sms; sm++)
        if (r.slots[s * r.sms + sm].live && r.slots[s * r.sms + sm].nsteps && !fill(&r, s * r.sms + sm)) {
          free_run(&r);
          return sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
        }
  r.depth = r.stages;
  while (r.nheap) {
    event e = pop(&r);
    if (e.t < r.now) {
      st = deadlock(&r, d, "the clock went backwards");
      break;
    }
    r.now = e.t;
    if (o->max_events && ++r.events > o->max_events) {
      st = deadlock(&r, d, "watchdog: event limit reached");
      break;
    }
    cta_state *c = &r.slots[e.slot];
    int ok = 1;
    if (e.type == EV_READY) {
      c->arrived[e.step % r.stages] = 1;
      if (e.step == c->next_compute && !c->computing)
        ok = start_compute(&r, e.slot);
    } else {
      if (c->nsteps) {
        const cyc_step *s = &c->ring[e.step % r.stages];
        if (s->nstore)
          cyc_mem_store(mem, c->sm, r.now, s->store, s->nstore);
        c->computing = 0;
        c->next_compute++;
        c->wait_from = r.now;
        ok = fill(&r, e.slot);
      }
      if (ok && c->next_compute == c->nbase && c->nsteps == c->nbase && k->fz.per_unit &&
          ++r.unit_arrivals[c->id / k->fz.per_unit] == k->fz.per_unit) {
        /* the last of its unit to arrive: the tail, serial after its own steps */
        c->nsteps += cyc_tail_steps(k);
        ok = fill(&r, e.slot);
      }
      if (ok && c->next_compute < c->nsteps) {
        if (c->arrived[c->next_compute % r.stages] && c->next_compute < c->next_issue)
          ok = start_compute(&r, e.slot);
      } else if (ok) {
        uint32_t sm = c->sm;
        retire(&r, e.slot);
        if (r.next_cta < k->ctas)
          ok = dispatch(&r, e.slot, sm);
      }
    }
    if (!ok) {
      st = sim_diag_set(d, SIM_ERR_NOMEM, "", 0, 0, "out of memory");
      break;
    }
    if (r.sm[c->sm].resident > r.cps) {
      st = deadlock(&r, d, "an SM holds more CTAs than occupancy allows");
      break;
    }
  }
  if (st == SIM_OK && r.next_cta < k->ctas)
    st = deadlock(&r, d, "no events left but CTAs remain");
  for (uint32_t i = 0; st == SIM_OK && i < r.sms * r.cps; i++)
    if (r.slots[i].live)
      st = deadlock(&r, d, "a CTA never finished");
  /* The output's dirty lines still in L2 are written back by the next launch's evictions, which
  ** in the measurement (the kernel repeated back to back) is this kernel's: they queue on their
  ** HBM channels behind this launch's traffic, and the kernel ends no sooner than they do. */
  double wb_end = cyc_mem_flush(mem, (int)k->keep_l2);
  if (st == SIM_OK && wb_end > (double)r.end)
    r.end = (uint64_t)ceil(wb_end);
  cyc_mem_stats ms;
  cyc_mem_stats_get(mem, &ms);
  if (st == SIM_OK && ms.hbm_write_bytes + ms.coalesced_bytes != ms.stored_bytes)
    st = sim_diag_set(d, SIM_ERR_INTERNAL, "", 0, 0,
                      "cycle engine, kernel %s: %llu bytes stored but %llu written to HBM and %llu rewritten in L2",
                      k->name, (unsigned long long)ms.stored_bytes,
                      (unsigned long long)ms.hbm_write_bytes, (unsigned long long)ms.coalesced_bytes);
  if (st != SIM_OK) {
    free_run(&r);
    return st;
  }
  double clk = a->sm.clock_hz, cycles = (double)(r.end ? r.end : 1);
  double tb = 0, sb = 0, mb = 0;
  for (uint32_t i = 0; i < r.sms; i++) {
    tb = r.sm[i].tensor_busy > tb ? r.sm[i].tensor_busy : tb;
    sb = r.sm[i].soft_busy > sb ? r.sm[i].soft_busy : sb;
    mb = r.sm[i].smem_busy > mb ? r.sm[i].smem_busy : mb;
  }
  snprintf(out->name, sizeof out->name, "%s", k->name);
  out->has_cycle = 1;
  out->cycles = r.end;
  double launches = k->launches > 1 ? k->launches : 1;
  out->time_s = r.end / clk + launches * a->launch.overhead_s;
  out->tensor_flops = r.tensor_flops;
  out->sfu_ops = r.sfu_ops;
  out->fp32_flops = r.fp32_flops;
  out->flops = r.tensor_flops + r.sfu_ops + r.fp32_flops;
  out->hbm_read_bytes = ms.hbm_read_bytes + (uint64_t)llround(k->code_bytes);
  out->hbm_write_bytes = ms.hbm_write_bytes;
  out->l2_read_bytes = ms.l2_read_bytes;
  out->smem_bytes = (uint64_t)llround(r.smem_bytes);
  out->ctas = k->ctas;
  out->ctas_per_sm = r.cps;
  out->occupancy = (double)r.cps * r.warps / a->sm.max_warps;
  snprintf(out->occupancy_limiter, sizeof out->occupancy_limiter, "%s", limiter);
  out->waves = (double)k->ctas / ((double)r.sms * r.cps);
  out->l2_read_hit_rate = ms.l2_read_bytes ? (double)ms.l2_hit_bytes / ms.l2_read_bytes : 0;
  /* Swizzled tiles: no bank conflicts; one wavefront per 128 bytes. */
  out->smem_wavefronts = r.smem_bytes / (a->sm.smem_banks * a->sm.smem_bank_bytes);
  out->smem_bank_conflicts = 0;
  out->tensor_util = r.tensor_flops / r.tensor_rate / (r.sms * cycles);
  out->achieved_occupancy = r.warp_cycles / ((double)r.sms * a->sm.max_warps * cycles);
  double res = r.resident_cycles > 0 ? r.resident_cycles : 1;
  out->stall_memory = r.stall_mem / res;
  out->stall_barrier = r.stall_barrier / res;
  out->stall_tensor = r.stall_tensor / res;
  out->stall_other = fmax(0.0, 1.0 - out->stall_memory - out->stall_barrier - out->stall_tensor);
  double *bt = out->bound_time_s;
  bt[SIM_BOUND_TENSOR] = tb / clk;
  bt[SIM_BOUND_SFU] = sb / clk;
  bt[SIM_BOUND_FP32] = 0;
  bt[SIM_BOUND_SMEM] = mb / clk;
  bt[SIM_BOUND_HBM] = ms.hbm_busy_cycles_max / clk;
  bt[SIM_BOUND_L2] = ms.l2_busy_cycles_max / clk;
  bt[SIM_BOUND_LAUNCH] = launches * a->launch.overhead_s;
  /* The bound: the busiest resource if it was busy most of the time,
  ** otherwise the kernel waited on latency. */
  sim_bound best = SIM_BOUND_LATENCY;
  double best_u = 0.6;
  static const sim_bound res_b[] = {SIM_BOUND_TENSOR, SIM_BOUND_SFU, SIM_BOUND_SMEM, SIM_BOUND_HBM, SIM_BOUND_L2};
  for (size_t i = 0; i < sizeof res_b / sizeof res_b[0]; i++) {
    double u = bt[res_b[i]] * clk / cycles;
    if (u > best_u) {
      best_u = u;
      best = res_b[i];
    }
  }
  bt[SIM_BOUND_LATENCY] = best == SIM_BOUND_LATENCY ? cycles / clk : 0;
  if (launches * a->launch.overhead_s > cycles / clk)
    best = SIM_BOUND_LAUNCH;
  out->bound = best;
  free_run(&r);
  return SIM_OK;
}
