/*
** validate/harness/val_trace.c — the selection-trace writer (format in val_trace.h and
** sim/cycle/trace.h). Bytes are assembled explicitly little-endian; every fwrite and the fclose
** are checked, and a file that could not be completed is removed.
*/
#include "val_trace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_u32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t entries_of(const val_trace_shape *s) {
  return (uint64_t)s->batch * (uint64_t)s->heads_kv * (uint64_t)s->q_len * (uint64_t)s->count;
}

void val_trace_header(const val_trace_shape *s, unsigned char h[VAL_TRACE_HEADER_BYTES]) {
  static const char magic[8] = {'N', 'S', 'A', 'S', 'E', 'L', '1', '\n'};
  memset(h, 0, VAL_TRACE_HEADER_BYTES);
  memcpy(h, magic, sizeof magic);
  put_u32(h + 8, 1);                        /* version */
  put_u32(h + 12, VAL_TRACE_HEADER_BYTES);  /* header bytes */
  put_u32(h + 16, (uint32_t)s->batch);
  put_u32(h + 20, (uint32_t)s->heads_kv);
  put_u64(h + 24, (uint64_t)s->q_len);
  put_u64(h + 32, (uint64_t)s->seq_len);
  put_u32(h + 40, (uint32_t)s->block);
  put_u32(h + 44, (uint32_t)s->count);
  put_u64(h + 48, entries_of(s));
  /* bytes 56..63: reserved, 0 */
}

/* One row of the harness layout: the selection of query t of sequence b for KV head h. */
static int check_row(const val_trace_shape *s, int b, int h, int t, const int32_t *row, char *err, size_t err_len) {
  const long long pos = (long long)s->seq_len - s->q_len + t;
  const long long max_blk = pos / s->block;
  const long long want = max_blk + 1 < s->count ? max_blk + 1 : s->count;
  long long valid = 0;
  for (int i = 0; i < s->count; ++i) {
    const int32_t v = row[i];
    if (v == -1) continue;
    if (v < -1 || v > max_blk) {
      snprintf(err, err_len, "selection (b %d, h %d, t %d) entry %d is block %d; position %lld allows -1 or 0..%lld",
               b, h, t, i, (int)v, pos, max_blk);
      return -1;
    }
    for (int j = 0; j < i; ++j)
      if (row[j] == v) {
        snprintf(err, err_len, "selection (b %d, h %d, t %d) lists block %d twice (entries %d and %d)", b, h, t,
                 (int)v, j, i);
        return -1;
      }
    ++valid;
  }
  if (valid != want) {
    snprintf(err, err_len, "selection (b %d, h %d, t %d) has %lld valid blocks; position %lld needs %lld", b, h, t,
             valid, pos, want);
    return -1;
  }
  return 0;
}

int val_trace_write(const char *path, const val_trace_shape *s, const int32_t *idx, char *err, size_t err_len) {
  if (s->batch < 1 || s->heads_kv < 1 || s->q_len < 1 || s->seq_len < s->q_len || s->block < 1 || s->count < 1) {
    snprintf(err, err_len, "%s: bad trace shape (batch %d, heads_kv %d, q_len %d, seq_len %d, block %d, count %d)",
             path, s->batch, s->heads_kv, s->q_len, s->seq_len, s->block, s->count);
    return -1;
  }
  /* Every row is checked before the file is touched, so a bad selection leaves no file behind. */
  for (int b = 0; b < s->batch; ++b)
    for (int t = 0; t < s->q_len; ++t)
      for (int h = 0; h < s->heads_kv; ++h) {
        const int32_t *row = idx + (((long long)b * s->q_len + t) * s->heads_kv + h) * s->count;
        char why[200];
        if (check_row(s, b, h, t, row, why, sizeof why) != 0) {
          snprintf(err, err_len, "%s: not written: %s", path, why);
          return -1;
        }
      }
  FILE *f = fopen(path, "wb");
  if (!f) {
    snprintf(err, err_len, "%s: cannot write: %s", path, strerror(errno));
    return -1;
  }
  unsigned char hdr[VAL_TRACE_HEADER_BYTES];
  val_trace_header(s, hdr);
  errno = 0;
  int ok = fwrite(hdr, 1, sizeof hdr, f) == sizeof hdr;
  unsigned char *buf = malloc((size_t)s->q_len * (size_t)s->count * 4); /* one (b, h): q_len rows */
  const int nomem = buf == NULL;
  if (nomem) ok = 0;
  for (int b = 0; ok && b < s->batch; ++b)
    for (int h = 0; ok && h < s->heads_kv; ++h) {
      size_t n = 0;
      for (int t = 0; t < s->q_len; ++t) {
        const int32_t *row = idx + (((long long)b * s->q_len + t) * s->heads_kv + h) * s->count;
        for (int i = 0; i < s->count; ++i, n += 4) put_u32(buf + n, (uint32_t)row[i]);
      }
      ok = fwrite(buf, 1, n, f) == n;
    }
  int saved = errno;
  free(buf);
  if (fclose(f) != 0) {
    if (ok || !saved) saved = errno;
    ok = 0;
  }
  if (!ok) {
    snprintf(err, err_len, "%s: write failed: %s", path, nomem ? "out of memory" : strerror(saved ? saved : EIO));
    remove(path);
    return -1;
  }
  return 0;
}
