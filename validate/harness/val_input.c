/*
** validate/harness/val_input.c — the structured inputs described in val_input.h: counter-hash
** noise (splitmix64, so any element is reproducible from its seed and index) plus sinusoid
** position features and global key spans. The per-token features are computed once per token.
*/
#include "val_input.h"

#include <math.h>

#include "val_ref.h"

static uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Uniform in [0, 1) from 24 bits of the hash of (seed, a, b, c). */
static double unit(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  const uint64_t h = mix64(mix64(mix64(seed ^ 0xD1B54A32D192ED03ull) + a) + b * 0x9E3779B97F4A7C15ull + c);
  return (double)(h >> 40) * (1.0 / 16777216.0);
}

int val_structured_is_global(uint64_t structure_seed, int b, int hk, int pos) {
  const double u = unit(structure_seed, 1, ((uint64_t)(uint32_t)b << 32) | (uint32_t)hk, (uint64_t)(pos / VAL_ST_SPAN));
  return u < 1.0 / VAL_ST_GLOBAL_EVERY;
}

void val_structured_fill(const val_struct_spec *s, uint16_t *out) {
  static const double two_pi = 6.283185307179586;
  double omega[VAL_ST_FREQS];
  for (int m = 0; m < VAL_ST_FREQS; ++m)
    omega[m] = two_pi / (VAL_ST_LAMBDA_MIN * pow(VAL_ST_LAMBDA_MAX / VAL_ST_LAMBDA_MIN, (double)m / (VAL_ST_FREQS - 1)));
  double feat[2 * VAL_ST_FREQS];
  long long i = 0;
  for (int b = 0; b < s->batch; ++b)
    for (int t = 0; t < s->tokens; ++t) {
      const int pos = s->pos0 + t;
      for (int m = 0; m < VAL_ST_FREQS; ++m) {
        feat[2 * m] = cos(omega[m] * pos);
        feat[2 * m + 1] = sin(omega[m] * pos);
      }
      for (int h = 0; h < s->heads; ++h) {
        const int hk = h / s->group;
        const uint64_t who = ((uint64_t)(uint32_t)b << 32) | (uint32_t)hk;
        const int topic = (int)(unit(s->structure_seed, 4, who, (uint64_t)(pos / VAL_ST_SEGMENT)) * VAL_ST_TOPICS);
        double amp = VAL_ST_AMP * (1.0 - 0.2 * (hk % 4)), glob, top = VAL_ST_TOPIC_AMP;
        if (s->is_query) {
          amp *= 0.6 + 0.8 * unit(s->structure_seed, 2, who, (uint64_t)pos);
          glob = VAL_ST_GLOBAL_Q * (0.5 + unit(s->structure_seed, 3, who, (uint64_t)pos));
          top *= 0.5 + unit(s->structure_seed, 5, who, (uint64_t)pos);
        } else {
          glob = val_structured_is_global(s->structure_seed, b, hk, pos) ? VAL_ST_GLOBAL_K : 0.0;
        }
        for (int d = 0; d < s->dim; ++d, ++i) {
          const uint64_t r = mix64(s->noise_seed * 0x632BE59BD9B4E019ull + (uint64_t)i);
          double v = -2.0 + 4.0 * ((double)(r >> 40) * (1.0 / 16777216.0));
          if (d < 2 * VAL_ST_FREQS)
            v += amp * feat[d];
          else if (d == 2 * VAL_ST_FREQS)
            v += glob;
          else if (d == 2 * VAL_ST_FREQS + 1 + topic)
            v += top;
          out[i] = val_f32_to_bf16((float)v);
        }
      }
    }
}
