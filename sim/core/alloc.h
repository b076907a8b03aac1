/*
** sim/core/alloc.h — the one way memory enters nsasim.
** Overflow-checked array allocation, and a test hook that makes the Nth
** allocation fail so every error path can be exercised (Lua's ltests idea).
*/
#ifndef NSASIM_CORE_ALLOC_H
#define NSASIM_CORE_ALLOC_H

#include <stddef.h>

void *sim_malloc(size_t size);
/* NULL when n * size overflows or the allocation fails. */
void *sim_calloc(size_t n, size_t size);
void *sim_realloc_array(void *p, size_t n, size_t size);
char *sim_strdup(const char *s);
void sim_free(void *p);

/* Test hook: the allocation numbered n (1-based, counted from this call)
** fails; 0 disables. Returns how many allocations were made since the last
** call, so a test can loop n = 1, 2, ... until the operation succeeds. */
unsigned long sim_alloc_fail_at(unsigned long n);

#endif
