/*
** validate/harness/val_input.h — structured Q/K inputs (`inputs=structured`), made on the host.
** Random inputs give uniform, position-blind top-n selections. These inputs make the selection
** depend on position the way trained attention does, so the top-n kernel's trace is a realistic
** pattern for the cycle engine: every element is uniform noise in [-2, 2) (as in random mode) plus
**   - a positional part in dims 0 .. 2*VAL_ST_FREQS-1: the pair (cos, sin) of position * w_m for
**     wavelengths 128 .. 65536 tokens (geometric), amplitude a_q on queries and a_k on keys, so
**     q_t . k_s gains a_q a_k sum_m cos(w_m (t - s)): largest at s = t, falling with log distance
**     (like RoPE's long-range decay). a_k = VAL_ST_AMP * (1, 0.8, 0.6, 0.4) by KV head mod 4 (local
**     and more diffuse heads); a_q is that times a per-(sequence, position, KV head) factor in
**     [0.6, 1.4), shared by the heads of a group (some queries look more locally than others);
**   - a "global" dim (dim 2*VAL_ST_FREQS): keys of a few global spans (VAL_ST_SPAN tokens, each
**     span global with probability 1/VAL_ST_GLOBAL_EVERY, per sequence and KV head) carry
**     VAL_ST_GLOBAL_K there (a large norm); queries carry VAL_ST_GLOBAL_Q times a per-(sequence,
**     position, KV head) factor in [0.5, 1.5), so far global spans compete with the local blocks;
**   - topic dims (2*VAL_ST_FREQS+1 .. +VAL_ST_TOPICS): each segment of VAL_ST_SEGMENT tokens has
**     one of VAL_ST_TOPICS topics (per sequence and KV head); keys carry VAL_ST_TOPIC_AMP in their
**     topic's dim, queries VAL_ST_TOPIC_AMP times a per-(sequence, position, KV head) factor in
**     [0.5, 1.5), so a query also picks far blocks of earlier segments on its own topic (content
**     retrieval rather than distance).
** Values are rounded to bf16 like the device fill. Pure C11: the CPU self-test uses it too.
*/
#ifndef VAL_INPUT_H
#define VAL_INPUT_H

#include <stdint.h>

#define VAL_ST_FREQS 8          /* sinusoid pairs: dims 0..15 */
#define VAL_ST_LAMBDA_MIN 128.0 /* shortest wavelength in tokens (survives the l = 32 mean pool) */
#define VAL_ST_LAMBDA_MAX 65536.0
#define VAL_ST_AMP 2.9          /* positional amplitude: a logit of ~6 at distance 0 for d_qk = 128 */
#define VAL_ST_SPAN 16          /* tokens per global span */
#define VAL_ST_GLOBAL_EVERY 64  /* one span in 64 is global (about one token in 1024) */
#define VAL_ST_GLOBAL_K 19.0f
#define VAL_ST_GLOBAL_Q 3.0f
#define VAL_ST_TOPICS 8
#define VAL_ST_SEGMENT 512
#define VAL_ST_TOPIC_AMP 5.8

/* Which tensor a buffer is: queries [batch][tokens][heads_q][dim] or keys [batch][tokens][heads_kv][dim]. */
typedef struct val_struct_spec {
  int batch, tokens, heads, dim;
  int group;              /* query heads per KV head (1 for keys) */
  int is_query;
  int pos0;               /* position of token 0 (keys: 0; decode queries: seq_len - 1) */
  uint64_t structure_seed; /* shared by Q and every K of one input set: global spans, per-query factors */
  uint64_t noise_seed;     /* per buffer */
} val_struct_spec;

/* Fills out[batch*tokens*heads*dim] with bf16 bit patterns. dim must be > 2*VAL_ST_FREQS + VAL_ST_TOPICS. */
void val_structured_fill(const val_struct_spec *s, uint16_t *out);

/* 1 when token `pos` of sequence b lies in a global span of KV head hk (for tests and notes). */
int val_structured_is_global(uint64_t structure_seed, int b, int hk, int pos);

#endif /* VAL_INPUT_H */
