/*
** sim/core/sim.h — base vocabulary shared by every nsasim module.
** Status codes (append-only), the diagnostic record that the first failing
** component fills (GNU "file:line:col: error: msg" form), and the version.
** Depends on libc only.
*/
#ifndef NSASIM_CORE_SIM_H
#define NSASIM_CORE_SIM_H

#include <stddef.h>
#include <stdio.h>

#define SIM_VERSION "0.1.0"

/* Codes are only ever appended, so numbers stay stable across releases. */
typedef enum sim_status {
  SIM_OK = 0,
  SIM_ERR_NOMEM,       /* an allocation failed */
  SIM_ERR_IO,          /* a file could not be opened, read or written */
  SIM_ERR_SYNTAX,      /* not YAML, not UTF-8, more than one document */
  SIM_ERR_SCHEMA,      /* unknown, duplicate, missing key or wrong node type */
  SIM_ERR_RANGE,       /* a value outside the range its table row allows */
  SIM_ERR_RULE,        /* a rule across fields is broken */
  SIM_ERR_UNSUPPORTED, /* valid input that this build cannot evaluate */
  SIM_ERR_USAGE,       /* bad command line */
  SIM_ERR_INTERNAL     /* an invariant failed: a bug */
} sim_status;

const char *sim_strerror(sim_status st);

/* Where and why the first failure happened. line/col are 1-based; 0 means
** "no position" (the file as a whole, or the command line). */
typedef struct sim_diag {
  sim_status status;
  char file[512];
  unsigned long line;
  unsigned long col;
  char msg[1024];
} sim_diag;

void sim_diag_clear(sim_diag *d);
/* Records the failure only if none is recorded yet: the first cause wins. */
sim_status sim_diag_set(sim_diag *d, sim_status st, const char *file,
                        unsigned long line, unsigned long col,
                        const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
/* Prints "file:line:col: error: msg" (or "file: error: msg") and a newline. */
void sim_diag_print(const sim_diag *d, FILE *out);

/* Exit codes of the CLI: 0 ok, 1 run failure, 2 bad input or usage. */
int sim_status_exit_code(sim_status st);

#endif
