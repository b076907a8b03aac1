/*
** sim/cli/cmd_merge.c — `nsasim merge SHARD... [--out FILE]`: joins the
** outputs of `nsasim sweep --shard I/N` runs into the bytes one unsharded
** run writes. Checks that every shard comes from the same sweep (same
** provenance line and header), and that the points are each present once,
** in order, from 0 to the sweep's count.
*/
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

static const char help[] =
    "usage: nsasim merge SHARD... [--out FILE]\n"
    "\n"
    "Joins shard outputs of one sweep (nsasim sweep --shard I/N --out SHARD), in shard\n"
    "order, into what an unsharded run writes: the provenance line, the CSV header, then\n"
    "every point once, in order. Refuses shards of different sweeps or engines, missing,\n"
    "repeated or out-of-order points, and a point count that does not match the sweep's.\n";

static int point_of(const char *line, unsigned long long *p) {
  const char *s = strncmp(line, "{\"point\":", 9) == 0 ? line + 9 : line;
  char *end = NULL;
  *p = strtoull(s, &end, 10);
  return end != s && (*end == ',' || *end == '}');
}

int cmd_merge(int argc, char **argv) {
  sim_diag d;
  sim_diag_clear(&d);
  cli_opts o;
  if (cli_parse(argc, argv, 2, "o", 1, &o, &d) != SIM_OK)
    return cli_fail(&d);
  if (o.help) {
    fputs(help, stdout);
    return 0;
  }
  if (o.nfiles == 0) {
    sim_diag_set(&d, SIM_ERR_USAGE, "", 0, 0, "merge needs at least one SHARD (see --help)");
    return cli_fail(&d);
  }
  FILE *out = o.out ? fopen(o.out, "wb") : stdout;
  if (!out) {
    sim_diag_set(&d, SIM_ERR_IO, o.out, 0, 0, "cannot write");
    return cli_fail(&d);
  }
  static char line[65536], prov[65536], header[65536];
  unsigned long long next = 0, total = 0;
  int csv = 1;
  for (size_t i = 0; i < o.nfiles && d.status == SIM_OK; i++) {
    FILE *f = fopen(o.files[i], "rb");
    if (!f) {
      sim_diag_set(&d, SIM_ERR_IO, o.files[i], 0, 0, "cannot open");
      break;
    }
    unsigned long lineno = 0;
    while (fgets(line, sizeof line, f)) {
      lineno++;
      size_t len = strlen(line);
      if (len == 0 || line[len - 1] != '\n') {
        sim_diag_set(&d, SIM_ERR_SYNTAX, o.files[i], lineno, 1, "torn last line: rerun this shard to complete it");
        break;
      }
      if (lineno == 1) {
        if (strncmp(line, "# nsasim ", 9) != 0 || !strstr(line, " points ")) {
          sim_diag_set(&d, SIM_ERR_SYNTAX, o.files[i], 1, 1, "not a sweep output (no provenance line)");
          break;
        }
        if (i == 0) {
          snprintf(prov, sizeof prov, "%s", line);
          total = strtoull(strstr(line, " points ") + 8, NULL, 10);
          fputs(line, out);
        } else if (strcmp(line, prov) != 0) {
          sim_diag_set(&d, SIM_ERR_SYNTAX, o.files[i], 1, 1, "another sweep, engine or version than %s", o.files[0]);
          break;
        }
        continue;
      }
      if (lineno == 2 && strncmp(line, "point,", 6) == 0) {
        if (i == 0) {
          snprintf(header, sizeof header, "%s", line);
          fputs(line, out);
        } else if (strcmp(line, header) != 0) {
          sim_diag_set(&d, SIM_ERR_SYNTAX, o.files[i], 2, 1, "another CSV header than %s", o.files[0]);
          break;
        }
        continue;
      }
      if (lineno == 2)
        csv = 0;
      unsigned long long p;
      if (!point_of(line, &p)) {
        sim_diag_set(&d, SIM_ERR_SYNTAX, o.files[i], lineno, 1, "not a sweep row");
        break;
      }
      if (p != next) {
        sim_diag_set(&d, SIM_ERR_RULE, o.files[i], lineno, 1, "point %llu where %llu was due (%s)", p, next,
                     p < next ? "repeated or out of order" : "missing points: a shard is absent or incomplete");
        break;
      }
      next++;
      fputs(line, out);
    }
    fclose(f);
  }
  (void)csv;
  if (d.status == SIM_OK && next != total)
    sim_diag_set(&d, SIM_ERR_RULE, o.files[o.nfiles - 1], 0, 0, "the shards hold %llu of the sweep's %llu points", next, total);
  if (out != stdout && fclose(out) != 0 && d.status == SIM_OK)
    sim_diag_set(&d, SIM_ERR_IO, o.out, 0, 0, "write failed");
  if (d.status != SIM_OK) {
    if (o.out)
      remove(o.out); /* never leave a partial merge that looks whole */
    return cli_fail(&d);
  }
  return 0;
}
