/*
** sim/cycle/trace.c — reading and writing selection traces (format in
** trace.h). Every field is checked against the workload before anything is
** allocated; a short, long or corrupt file is an error naming the offset.
*/
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "select.h"

static const char magic[8] = {'N', 'S', 'A', 'S', 'E', 'L', '1', '\n'};

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}
static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t get_u64(const unsigned char *p) {
  return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void header(unsigned char h[CYC_TRACE_HEADER_BYTES], const spec_workload *wl) {
  const spec_problem *p = &wl->problem;
  memset(h, 0, CYC_TRACE_HEADER_BYTES);
  memcpy(h, magic, 8);
  put_u32(h + 8, 1);
  put_u32(h + 12, CYC_TRACE_HEADER_BYTES);
  put_u32(h + 16, p->batch);
  put_u32(h + 20, p->heads_kv);
  put_u64(h + 24, p->q_len);
  put_u64(h + 32, p->seq_len);
  put_u32(h + 40, wl->attention.selection.block);
  put_u32(h + 44, wl->attention.selection.count);
  put_u64(h + 48, (uint64_t)p->batch * p->heads_kv * p->q_len * wl->attention.selection.count);
}

sim_status cyc_trace_write(const char *path, const spec_workload *wl, sim_diag *d) {
  if (wl->attention.kind != SPEC_ATTN_NSA)
    return sim_diag_set(d, SIM_ERR_USAGE, path, 0, 0, "a selection trace needs an NSA workload");
  if (wl->attention.selection.pattern == SPEC_PAT_TRACE)
    return sim_diag_set(d, SIM_ERR_USAGE, path, 0, 0,
                        "the workload's pattern is already a trace; set attention.selection.pattern to uniform or local");
  FILE *f = fopen(path, "wb");
  if (!f)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot write: %s", strerror(errno));
  unsigned char h[CYC_TRACE_HEADER_BYTES];
  header(h, wl);
  int ok = fwrite(h, 1, sizeof h, f) == sizeof h;
  uint32_t n = wl->attention.selection.count;
  int32_t *blk = sim_calloc(n, sizeof *blk);
  unsigned char *buf = sim_calloc(n, 4);
  if (!blk || !buf) {
    sim_free(blk);
    sim_free(buf);
    fclose(f);
    return sim_diag_set(d, SIM_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  for (uint32_t b = 0; ok && b < wl->problem.batch; b++)
    for (uint32_t hh = 0; ok && hh < wl->problem.heads_kv; hh++)
      for (uint64_t t = 0; ok && t < wl->problem.q_len; t++) {
        cyc_select_blocks(wl, b, hh, t, blk);
        for (uint32_t i = 0; i < n; i++)
          put_u32(buf + 4 * i, (uint32_t)blk[i]);
        ok = fwrite(buf, 4, n, f) == n;
      }
  sim_free(blk);
  sim_free(buf);
  if (fclose(f) != 0)
    ok = 0;
  if (!ok)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "short write");
  return SIM_OK;
}

#define CHECK_FIELD(name, off, got, want)                                                     \
  if ((uint64_t)(got) != (uint64_t)(want))                                                    \
    return fail(f, d, path, "trace header field %s (byte %d) is %llu but the workload has %llu", \
                name, off, (unsigned long long)(got), (unsigned long long)(want));

static sim_status fail(FILE *f, sim_diag *d, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static sim_status fail(FILE *f, sim_diag *d, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f)
    fclose(f);
  return sim_diag_set(d, SIM_ERR_SYNTAX, path, 0, 0, "%s", msg);
}

sim_status cyc_trace_read(const char *path, const spec_workload *wl, cyc_trace *t, sim_diag *d) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "rb");
  if (!f)
    return sim_diag_set(d, SIM_ERR_IO, path, 0, 0, "cannot open: %s", strerror(errno));
  unsigned char h[CYC_TRACE_HEADER_BYTES];
  if (fread(h, 1, sizeof h, f) != sizeof h)
    return fail(f, d, path, "not a selection trace: shorter than its %u-byte header",
                CYC_TRACE_HEADER_BYTES);
  if (memcmp(h, magic, 8) != 0)
    return fail(f, d, path, "not a selection trace: bad magic (want \"NSASEL1\\n\")");
  if (get_u32(h + 8) != 1)
    return fail(f, d, path, "unsupported trace version %u (this build reads 1)", get_u32(h + 8));
  if (get_u32(h + 12) != CYC_TRACE_HEADER_BYTES)
    return fail(f, d, path, "trace header size is %u, want %u", get_u32(h + 12), CYC_TRACE_HEADER_BYTES);
  const spec_problem *p = &wl->problem;
  CHECK_FIELD("batch", 16, get_u32(h + 16), p->batch);
  CHECK_FIELD("heads_kv", 20, get_u32(h + 20), p->heads_kv);
  CHECK_FIELD("q_len", 24, get_u64(h + 24), p->q_len);
  CHECK_FIELD("seq_len", 32, get_u64(h + 32), p->seq_len);
  CHECK_FIELD("block", 40, get_u32(h + 40), wl->attention.selection.block);
  CHECK_FIELD("count", 44, get_u32(h + 44), wl->attention.selection.count);
  uint64_t want = (uint64_t)p->batch * p->heads_kv * p->q_len * wl->attention.selection.count;
  CHECK_FIELD("entries", 48, get_u64(h + 48), want);
  if (want > CYC_TRACE_MAX_BYTES / 4)
    return fail(f, d, path, "trace of %llu entries exceeds the %llu-byte limit",
                (unsigned long long)want, (unsigned long long)CYC_TRACE_MAX_BYTES);
  if (fseek(f, 0, SEEK_END) != 0)
    return fail(f, d, path, "cannot seek");
  long size = ftell(f);
  uint64_t expect = CYC_TRACE_HEADER_BYTES + want * 4;
  if (size < 0 || (uint64_t)size != expect)
    return fail(f, d, path, "trace is %ld bytes but its header promises %llu entries (%llu bytes)",
                size, (unsigned long long)want, (unsigned long long)expect);
  if (fseek(f, CYC_TRACE_HEADER_BYTES, SEEK_SET) != 0)
    return fail(f, d, path, "cannot seek");
  int32_t *idx = sim_calloc((size_t)want, sizeof *idx);
  if (!idx) {
    fclose(f);
    return sim_diag_set(d, SIM_ERR_NOMEM, path, 0, 0, "out of memory for %llu trace entries",
                        (unsigned long long)want);
  }
  unsigned char buf[4096];
  uint64_t n = wl->attention.selection.count, lp = wl->attention.selection.block;
  for (uint64_t e = 0; e < want;) {
    size_t chunk = (size_t)((want - e) * 4 < sizeof buf ? (want - e) * 4 : sizeof buf);
    if (fread(buf, 1, chunk, f) != chunk) {
      sim_free(idx);
      return fail(f, d, path, "short read at byte %llu",
                  (unsigned long long)(CYC_TRACE_HEADER_BYTES + e * 4));
    }
    for (size_t i = 0; i < chunk / 4; i++, e++) {
      int32_t v = (int32_t)get_u32(buf + 4 * i);
      uint64_t tq = (e / n) % p->q_len;
      uint64_t max_blk = (p->seq_len - p->q_len + tq) / lp;
      if (v < -1 || (v >= 0 && (uint64_t)v > max_blk)) {
        sim_free(idx);
        return fail(f, d, path,
                    "entry %llu (byte %llu) selects block %d; query %llu may select -1 or 0..%llu",
                    (unsigned long long)e, (unsigned long long)(CYC_TRACE_HEADER_BYTES + e * 4), v,
                    (unsigned long long)tq, (unsigned long long)max_blk);
      }
      idx[e] = v;
    }
  }
  fclose(f);
  t->batch = p->batch;
  t->heads_kv = p->heads_kv;
  t->q_len = p->q_len;
  t->seq_len = p->seq_len;
  t->block = wl->attention.selection.block;
  t->count = wl->attention.selection.count;
  t->entries = want;
  t->idx = idx;
  return SIM_OK;
}

void cyc_trace_free(cyc_trace *t) {
  sim_free(t->idx);
  t->idx = NULL;
}
