/*
** validate/harness/val_trace.h — writes top-n selections in the simulator's selection-trace
** format (sim/cycle/trace.h, version 1), so the cycle engine can replay what the GPU selected:
** a 64-byte little-endian header (magic "NSASEL1\n", version 1, header bytes 64, batch, heads_kv,
** q_len, seq_len, block l', count n, entries, reserved 0), then int32 block indices ordered
** (b, h, t, i); -1 where fewer than n blocks exist. The writer checks every row before it writes
** it: valid indices distinct and at most position / l' (position = seq_len - q_len + t), exactly
** min(n, position / l' + 1) of them, -1 for the rest. Pure C11, no CUDA.
*/
#ifndef VAL_TRACE_H
#define VAL_TRACE_H

#include <stddef.h>
#include <stdint.h>

#define VAL_TRACE_HEADER_BYTES 64

typedef struct val_trace_shape {
  int batch, heads_kv, q_len, seq_len;
  int block; /* l' */
  int count; /* n */
} val_trace_shape;

/* idx is the harness layout [batch][q_len][heads_kv][count] (what the top-n kernel writes); it is
** reordered to (b, h, t, i) on the way out. Returns 0, or -1 with a message in err (the partial
** file is removed). */
int val_trace_write(const char *path, const val_trace_shape *s, const int32_t *idx, char *err, size_t err_len);

/* Fills the 64 header bytes for a shape (little-endian whatever the host's byte order). */
void val_trace_header(const val_trace_shape *s, unsigned char h[VAL_TRACE_HEADER_BYTES]);

#endif /* VAL_TRACE_H */
