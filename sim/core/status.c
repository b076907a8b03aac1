/*
** sim/core/status.c — status names and the diagnostic record.
** The first component that fails fills sim_diag; callers only propagate codes,
** so a message is never overwritten by a less specific one further up.
*/
#include "sim.h"

#include <stdarg.h>
#include <string.h>

const char *sim_strerror(sim_status st) {
  switch (st) {
  case SIM_OK: return "ok";
  case SIM_ERR_NOMEM: return "out of memory";
  case SIM_ERR_IO: return "i/o error";
  case SIM_ERR_SYNTAX: return "syntax error";
  case SIM_ERR_SCHEMA: return "schema error";
  case SIM_ERR_RANGE: return "value out of range";
  case SIM_ERR_RULE: return "rule violated";
  case SIM_ERR_UNSUPPORTED: return "unsupported";
  case SIM_ERR_USAGE: return "usage error";
  case SIM_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

void sim_diag_clear(sim_diag *d) { memset(d, 0, sizeof *d); }

sim_status sim_diag_set(sim_diag *d, sim_status st, const char *file,
                        unsigned long line, unsigned long col,
                        const char *fmt, ...) {
  if (d == NULL || d->status != SIM_OK)
    return st;
  d->status = st;
  snprintf(d->file, sizeof d->file, "%s", file ? file : "");
  d->line = line;
  d->col = col;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  return st;
}

void sim_diag_print(const sim_diag *d, FILE *out) {
  if (d->file[0] && d->line > 0)
    fprintf(out, "%s:%lu:%lu: error: %s\n", d->file, d->line, d->col, d->msg);
  else if (d->file[0])
    fprintf(out, "%s: error: %s\n", d->file, d->msg);
  else
    fprintf(out, "nsasim: error: %s\n", d->msg);
}

int sim_status_exit_code(sim_status st) {
  switch (st) {
  case SIM_OK: return 0;
  case SIM_ERR_SYNTAX:
  case SIM_ERR_SCHEMA:
  case SIM_ERR_RANGE:
  case SIM_ERR_RULE:
  case SIM_ERR_USAGE:
  case SIM_ERR_IO:
    return 2;
  default:
    return 1;
  }
}
