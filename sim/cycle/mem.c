/*
** sim/cycle/mem.c — the memory system: per-SM fill ports, the L2 as
** partitions of set-associative LRU caches behind address-hashed slices, and
** HBM channels. Servers are reservations (a busy-until time each), visited in
** event order, so queueing is first come, first served.
** L2 partitions: an SM reads through its near partition; a line whose home
** slice is in the far partition costs the far latency and is duplicated into
** the near one (as on A100/H100, hardware.md §3.1) unless the arch says
** l2.far_copy: false (the H200: the line stays in its home partition only and
** the reader pays the far latency each time). The cache is kept in
** chunks: 2 KiB of a tile in the default fidelity, 32-byte sectors in the
** sector fidelity. Lines interleave over the slices; in the tile fidelity a
** chunk spans chunk/line lines, so slices serve it as groups of that many
** (with their summed bandwidth) rather than one slice taking a whole chunk. Bytes are conserved: every stored byte reaches HBM once,
** by eviction or by the flush at the end of the kernel (which queues the write-backs on their
** channels: the kernel's time includes them, engine.c).
*/
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "cyc_int.h"

typedef struct part {
  uint64_t sets;
  uint64_t *tag;    /* chunk index + 1; 0 = empty */
  uint64_t *stamp;  /* LRU: last use */
  uint32_t *dirty;  /* dirty bytes in the chunk */
  uint16_t *valid;  /* lines of the chunk fetched so far (a chunk holds <= 16) */
} part;

struct cyc_mem {
  uint32_t sms, slices, parts, chans, ways;
  int far_copy; /* a far read is also kept in the reader's near partition */
  uint64_t chunk, line, l2line;
  double slice_bpc, chan_bpc, port_bpc; /* bytes per SM cycle */
  double lat_hit, lat_far, lat_hbm;     /* cycles */
  double *slice_free, *chan_free, *port_free;
  double *slice_busy, *chan_busy;
  part *p;
  /* The L2 request coalescer (cyc_mem_load): per byte range of a chunk, the last read of it
  ** that went on to the L2 */
  struct lrc_entry {
    uint64_t key; /* hash of (chunk, first byte, end); 0 = empty */
    float t;      /* its arrival cycle (to 4 cycles at 40 M) */
    uint32_t sm;  /* the SM that sent it, and its GPC */
    uint32_t gpc;
  } *lrc;
  uint32_t lrc_mask, lrc_gpcs;
  float lrc_window;  /* cycles a read stays in flight: the L2 hit latency */
  double port_cpb;   /* SM cycles per byte at the fill port */
  uint64_t clock;
  cyc_mem_stats st;
};

static uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dull;
  return x ^ (x >> 33);
}

cyc_mem *cyc_mem_new(const spec_arch *a, cyc_fidelity fid) {
  cyc_mem *m = sim_calloc(1, sizeof *m);
  if (!m)
    return NULL;
  double clk = a->sm.clock_hz;
  m->sms = a->sm.count;
  m->slices = a->l2.slices;
  m->parts = a->l2.partitions;
  m->chans = a->hbm.channels;
  m->ways = a->l2.ways;
  m->far_copy = a->l2.far_copy;
  m->chunk = fid == CYC_FIDELITY_SECTOR ? a->l2.sector_bytes : 16u * a->l2.line_bytes;
  /* validity is kept per line; a sector chunk is its own "line" */
  m->line = m->chunk < a->l2.line_bytes ? m->chunk : a->l2.line_bytes;
  m->l2line = a->l2.line_bytes;
  /* Slice groups: one per chunk-sized run of lines, a multiple of the
  ** partition count. */
  uint64_t lines = m->chunk > a->l2.line_bytes ? m->chunk / a->l2.line_bytes : 1;
  uint64_t groups = a->l2.slices / lines / m->parts * m->parts;
  m->slices = (uint32_t)(groups ? groups : m->parts);
  m->slice_bpc = a->l2.bytes_per_clk / m->slices;
  m->chan_bpc = a->hbm.bandwidth * a->efficiency.hbm / a->hbm.channels / clk;
  m->port_bpc = a->sm.smem_bytes_per_clk;
  m->lat_hit = a->l2.hit_latency_cycles;
  m->lat_far = a->l2.hit_latency_cycles * a->l2.far_latency_factor;
  m->lat_hbm = a->hbm.latency_ns * 1e-9 * clk;
  m->slice_free = sim_calloc(a->l2.slices, sizeof(double));
  m->slice_busy = sim_calloc(a->l2.slices, sizeof(double));
  m->chan_free = sim_calloc(m->chans, sizeof(double));
  m->chan_busy = sim_calloc(m->chans, sizeof(double));
  m->port_free = sim_calloc(m->sms, sizeof(double));
  m->p = sim_calloc(m->parts, sizeof(part));
  m->lrc_mask = (1u << 10) - 1; /* 1 Ki entries (24 KiB, in the L1 of the host); 64 Ki and 1 Mi merge up to 1.2 points more (nsa.selected) */
  m->lrc = sim_calloc((size_t)m->lrc_mask + 1, sizeof *m->lrc);
  m->lrc_gpcs = a->l2.lrc_gpcs;
  m->lrc_window = (float)m->lat_hit;
  m->port_cpb = 1.0 / m->port_bpc;
  if (!m->lrc || !m->slice_free || !m->slice_busy || !m->chan_free || !m->chan_busy || !m->port_free || !m->p) {
    cyc_mem_free(m);
    return NULL;
  }
  uint64_t per_part = a->l2.bytes / m->parts;
  uint64_t sets = per_part / (m->chunk * m->ways);
  for (uint32_t i = 0; i < m->parts; i++) {
    part *p = &m->p[i];
    p->sets = sets ? sets : 1;
    size_t n = (size_t)(p->sets * m->ways);
    p->tag = sim_calloc(n, sizeof *p->tag);
    p->stamp = sim_calloc(n, sizeof *p->stamp);
    p->dirty = sim_calloc(n, sizeof *p->dirty);
    p->valid = sim_calloc(n, sizeof *p->valid);
    if (!p->tag || !p->stamp || !p->dirty || !p->valid) {
      cyc_mem_free(m);
      return NULL;
    }
  }
  return m;
}

void cyc_mem_free(cyc_mem *m) {
  if (!m)
    return;
  for (uint32_t i = 0; m->p && i < m->parts; i++) {
    sim_free(m->p[i].tag);
    sim_free(m->p[i].stamp);
    sim_free(m->p[i].dirty);
    sim_free(m->p[i].valid);
  }
  sim_free(m->p);
  sim_free(m->lrc);
  sim_free(m->slice_free);
  sim_free(m->slice_busy);
  sim_free(m->chan_free);
  sim_free(m->chan_busy);
  sim_free(m->port_free);
  sim_free(m);
}

static double reserve(double *free_at, double *busy, double now, double dur) {
  double s = *free_at > now ? *free_at : now;
  *free_at = s + dur;
  if (busy)
    *busy += dur;
  return s + dur;
}

/* Returns the way holding chunk c in partition p, or -1. */
static long find(cyc_mem *m, part *p, uint64_t c, uint64_t set) {
  uint64_t *t = p->tag + set * m->ways;
  for (uint32_t w = 0; w < m->ways; w++)
    if (t[w] == c + 1) {
      p->stamp[set * m->ways + w] = ++m->clock;
      return (long)w;
    }
  return -1;
}

/* Inserts chunk c, evicting the least recently used way (written back if
** dirty). Returns the way. */
static long insert(cyc_mem *m, part *p, uint64_t c, uint64_t set, double now) {
  uint64_t base = set * m->ways, victim = base;
  for (uint32_t w = 0; w < m->ways; w++) {
    if (p->tag[base + w] == 0) {
      victim = base + w;
      break;
    }
    if (p->stamp[base + w] < p->stamp[victim])
      victim = base + w;
  }
  if (p->dirty[victim]) {
    uint32_t ch = (uint32_t)(mix(p->tag[victim] - 1) % m->chans);
    reserve(&m->chan_free[ch], &m->chan_busy[ch], now, p->dirty[victim] / m->chan_bpc);
    m->st.hbm_write_bytes += p->dirty[victim];
  }
  p->tag[victim] = c + 1;
  p->stamp[victim] = ++m->clock;
  p->dirty[victim] = 0;
  p->valid[victim] = 0;
  return (long)(victim - base);
}

uint64_t cyc_mem_load(cyc_mem *m, uint32_t sm, uint64_t now_c, const cyc_range *r, uint32_t n) {
  double now = (double)now_c, ready = now;
  uint64_t total = 0;
  uint32_t near = sm % m->parts, gpc = m->lrc_gpcs ? sm % m->lrc_gpcs : 0;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t row = 0; row < r[i].rows; row++) {
      uint64_t a0 = r[i].addr + row * r[i].stride, a1 = a0 + r[i].row_bytes;
      for (uint64_t c = a0 / m->chunk; c * m->chunk < a1; c++) {
        uint64_t lo = c * m->chunk > a0 ? c * m->chunk : a0;
        uint64_t hi = (c + 1) * m->chunk < a1 ? (c + 1) * m->chunk : a1;
        double bytes = (double)(hi - lo);
        uint64_t h = mix(c), hl = mix(c * m->chunk / m->l2line);
        uint32_t slice = (uint32_t)(hl % m->slices);
        uint32_t home = slice / (m->slices / m->parts);
        uint64_t set = (h / m->slices) % m->p[near].sets;
        /* without the copy the reader looks the line up at its home only, at the far latency
        ** when that is the other partition */
        uint32_t look = m->far_copy ? near : home;
        double t = reserve(&m->slice_free[slice], &m->slice_busy[slice], now, bytes / m->slice_bpc);
        /* The L2 request coalescer (arch l2.lrc_gpcs; off at 0): a read of the same sectors as
        ** the last one that went to the L2, sent by another SM of the same GPC (SM id mod
        ** l2.lrc_gpcs) and arriving within the L2 hit latency of it, joins that read and is not
        ** an L2 request (ncu: lts__t_sectors_srcunit_tex_op_read = the L1's sectors less
        ** lrc__request_sectors_op_read_coalescing_achieved_type_hardware). One entry per byte
        ** range: a read from another GPC takes it over. Only the count changes: the merged read
        ** keeps its place in the slice and port queues and its latency, so times and DRAM bytes
        ** are as without the coalescer. The arrival is the SM's: its request's bytes before this
        ** chunk at the fill port's rate. */
        int merged = 0;
        if (m->lrc_gpcs) {
          float ta = (float)(now + (double)total * m->port_cpb);
          uint64_t key = (h ^ (((lo - c * m->chunk) << 32 | (hi - c * m->chunk)) * 0x9e3779b97f4a7c15ull)) | 1;
          struct lrc_entry *e = &m->lrc[(key >> 17) & m->lrc_mask];
          merged = e->key == key && e->gpc == gpc && e->sm != sm && fabsf(ta - e->t) <= m->lrc_window;
          if (!merged) {
            e->key = key;
            e->t = ta;
            e->sm = sm;
            e->gpc = gpc;
          } else {
            m->st.lrc_merged_bytes += hi - lo;
          }
        }
        if (!merged)
          m->st.l2_read_bytes += hi - lo;
        /* Lines of this chunk the request touches; the cache keeps which
        ** were fetched, so neighbouring partial reads are not free. */
        uint32_t l0 = (uint32_t)((lo - c * m->chunk) / m->line);
        uint32_t l1 = (uint32_t)((hi - 1 - c * m->chunk) / m->line);
        uint16_t need = (uint16_t)(((1u << (l1 + 1)) - 1) & ~((1u << l0) - 1));
        part *pn = &m->p[look], *ph = &m->p[home];
        long wn = find(m, pn, c, set);
        uint16_t have = wn >= 0 ? pn->valid[set * m->ways + (uint64_t)wn] : 0;
        double lat = home == near ? m->lat_hit : m->lat_far;
        if (home != look && (have & need) != need) {
          long wh = find(m, ph, c, set);
          if (wh >= 0) {
            uint16_t far = ph->valid[set * m->ways + (uint64_t)wh] & need;
            if (far) {
              lat = m->lat_far;
              if (wn < 0)
                wn = insert(m, pn, c, set, now);
              pn->valid[set * m->ways + (uint64_t)wn] |= far;
              have |= far;
            }
          }
        }
        uint16_t miss = need & (uint16_t)~have;
        int nneed = __builtin_popcount(need), nmiss = __builtin_popcount(miss);
        double miss_bytes = bytes * nmiss / nneed;
        if (!merged)
          m->st.l2_hit_bytes += (uint64_t)llround(bytes - miss_bytes);
        if (nmiss) {
          uint32_t ch = (uint32_t)(mix(c ^ 0x5bd1e995u) % m->chans);
          t = reserve(&m->chan_free[ch], &m->chan_busy[ch], t, miss_bytes / m->chan_bpc) + m->lat_hbm;
          m->st.hbm_read_bytes += (uint64_t)llround(miss_bytes);
          long wh = find(m, ph, c, set);
          if (wh < 0)
            wh = insert(m, ph, c, set, now);
          ph->valid[set * m->ways + (uint64_t)wh] |= miss;
          if (home != look) {
            if (wn < 0 || pn->tag[set * m->ways + (uint64_t)wn] != c + 1)
              wn = insert(m, pn, c, set, now);
            pn->valid[set * m->ways + (uint64_t)wn] |= (uint16_t)(miss | have);
          }
        } else {
          t += lat;
        }
        if (t > ready)
          ready = t;
        total += hi - lo;
      }
    }
  /* The SM's fill port takes the bytes at its own rate. */
  double port = reserve(&m->port_free[sm], NULL, now, (double)total / m->port_bpc);
  if (port > ready)
    ready = port;
  return (uint64_t)ceil(ready);
}

void cyc_mem_store(cyc_mem *m, uint32_t sm, uint64_t now_c, const cyc_range *r, uint32_t n) {
  double now = (double)now_c;
  (void)sm;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t row = 0; row < r[i].rows; row++) {
      uint64_t a0 = r[i].addr + row * r[i].stride, a1 = a0 + r[i].row_bytes;
      for (uint64_t c = a0 / m->chunk; c * m->chunk < a1; c++) {
        uint64_t lo = c * m->chunk > a0 ? c * m->chunk : a0;
        uint64_t hi = (c + 1) * m->chunk < a1 ? (c + 1) * m->chunk : a1;
        uint64_t h = mix(c), hl = mix(c * m->chunk / m->l2line);
        uint32_t slice = (uint32_t)(hl % m->slices);
        uint32_t home = slice / (m->slices / m->parts);
        part *p = &m->p[home];
        uint64_t set = (h / m->slices) % p->sets;
        reserve(&m->slice_free[slice], &m->slice_busy[slice], now, (double)(hi - lo) / m->slice_bpc);
        long w = find(m, p, c, set);
        if (w < 0)
          w = insert(m, p, c, set, now);
        uint64_t e = set * m->ways + (uint64_t)w;
        uint32_t l0 = (uint32_t)((lo - c * m->chunk) / m->line);
        uint32_t l1 = (uint32_t)((hi - 1 - c * m->chunk) / m->line);
        p->valid[e] |= (uint16_t)(((1u << (l1 + 1)) - 1) & ~((1u << l0) - 1));
        uint64_t dirty = p->dirty[e] + (hi - lo);
        if (dirty > m->chunk) /* the same bytes written again before write-back */
          m->st.coalesced_bytes += dirty - m->chunk;
        p->dirty[e] = (uint32_t)(dirty < m->chunk ? dirty : m->chunk);
        m->st.stored_bytes += hi - lo;
      }
    }
}

double cyc_mem_flush(cyc_mem *m, int keep) {
  for (uint32_t i = 0; i < m->parts; i++) {
    part *p = &m->p[i];
    size_t n = (size_t)(p->sets * m->ways);
    for (size_t e = 0; e < n; e++) {
      if (p->dirty[e]) {
        uint32_t ch = (uint32_t)(mix(p->tag[e] - 1) % m->chans);
        reserve(&m->chan_free[ch], &m->chan_busy[ch], 0, p->dirty[e] / m->chan_bpc);
      }
      m->st.hbm_write_bytes += p->dirty[e];
      p->dirty[e] = 0;
      if (keep)
        continue;
      p->tag[e] = 0;
      p->stamp[e] = 0;
      p->valid[e] = 0;
    }
  }
  double end = 0;
  for (uint32_t s = 0; s < m->slices; s++)
    m->slice_free[s] = 0;
  for (uint32_t c = 0; c < m->chans; c++) {
    end = m->chan_free[c] > end ? m->chan_free[c] : end;
    m->chan_free[c] = 0;
  }
  for (uint32_t s = 0; s < m->sms; s++)
    m->port_free[s] = 0;
  return end;
}

void cyc_mem_stats_get(const cyc_mem *m, cyc_mem_stats *s) {
  *s = m->st;
  double hb = 0, lb = 0;
  for (uint32_t c = 0; c < m->chans; c++)
    hb = m->chan_busy[c] > hb ? m->chan_busy[c] : hb;
  for (uint32_t c = 0; c < m->slices; c++)
    lb = m->slice_busy[c] > lb ? m->slice_busy[c] : lb;
  s->hbm_busy_cycles_max = (uint64_t)hb;
  s->l2_busy_cycles_max = (uint64_t)lb;
}

void cyc_mem_stats_reset(cyc_mem *m) {
  memset(&m->st, 0, sizeof m->st);
  memset(m->lrc, 0, ((size_t)m->lrc_mask + 1) * sizeof *m->lrc);
  for (uint32_t c = 0; c < m->chans; c++)
    m->chan_busy[c] = 0;
  for (uint32_t c = 0; c < m->slices; c++)
    m->slice_busy[c] = 0;
}
