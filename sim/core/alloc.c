/*
** sim/core/alloc.c — allocation wrappers with a fail-the-Nth-call hook.
** The hook is process-global on purpose: it exists only for tests, which run
** one operation at a time under it.
*/
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static unsigned long alloc_count;
static unsigned long alloc_fail_n;

static int alloc_should_fail(void) {
  alloc_count++;
  return alloc_fail_n != 0 && alloc_count == alloc_fail_n;
}

unsigned long sim_alloc_fail_at(unsigned long n) {
  unsigned long made = alloc_count;
  alloc_count = 0;
  alloc_fail_n = n;
  return made;
}

void *sim_malloc(size_t size) {
  if (alloc_should_fail())
    return NULL;
  return malloc(size ? size : 1);
}

void *sim_calloc(size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size)
    return NULL;
  if (alloc_should_fail())
    return NULL;
  return calloc(n ? n : 1, size ? size : 1);
}

void *sim_realloc_array(void *p, size_t n, size_t size) {
  if (size != 0 && n > SIZE_MAX / size)
    return NULL;
  if (alloc_should_fail())
    return NULL;
  size_t bytes = n * size;
  return realloc(p, bytes != 0 ? bytes : 1);
}

char *sim_strdup(const char *s) {
  size_t len = strlen(s) + 1;
  char *d = sim_malloc(len);
  if (d)
    memcpy(d, s, len);
  return d;
}

void sim_free(void *p) { free(p); }
