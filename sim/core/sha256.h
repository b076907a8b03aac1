/*
** sim/core/sha256.h — SHA-256 (FIPS 180-4) of input files, so every output
** names the exact bytes it was computed from (meta.inputs[].sha256).
*/
#ifndef NSASIM_CORE_SHA256_H
#define NSASIM_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Writes 64 lowercase hex digits and a NUL into hex[65]. */
void sim_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
