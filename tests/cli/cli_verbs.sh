#!/usr/bin/env bash
# The verbs, their --help, and usage errors (exit 2, message on stderr only).
. "$(dirname "$0")/lib.sh"
for v in predict check params version; do
  expect 0 "$nsasim" $v --help
  has_out "usage: nsasim $v"
done
expect 0 "$nsasim" --help; has_out "verbs:"
expect 2 "$nsasim"
expect 2 "$nsasim" frobnicate; has_err "unknown verb 'frobnicate'"
expect 0 "$nsasim" version; has_out "nsasim 0.1.0 (git "
expect 2 "$nsasim" version extra
expect 0 "$nsasim" params
for key in arch.sm.count arch.hbm.bandwidth arch.efficiency.tensor problem.seq_len \
           attention.selection.block kernel.selected.design "Kernel mapping defaults"; do
  has_out "$key"
done
expect 0 "$nsasim" params arch; has_out arch.l2.ways
grep -q problem.batch "$tmp/out" && fail "params arch printed workload keys"
expect 2 "$nsasim" params bogus; err_is "nsasim: error: params: unknown section 'bogus' (expected arch or workload)"
expect 2 "$nsasim" check; err_is "nsasim: error: check needs at least one FILE (see --help)"
expect 0 "$nsasim" predict; has_out "verdict:"; has_out "nsa.selected"; has_out "full-attention baseline"
expect 0 "$nsasim" predict --engine sim --set problem.seq_len=4096; has_out "nsasim sim engine"; has_out "verdict:"
expect 2 "$nsasim" predict --fidelity sector; err_is "nsasim: error: --fidelity and --timeline apply to --engine sim"
expect 2 "$nsasim" predict --engine sim --fidelity fine; err_is "nsasim: error: --fidelity must be tile or sector, got 'fine'"
expect 0 "$nsasim" trace --help; has_out "usage: nsasim trace"
expect 2 "$nsasim" trace; err_is "nsasim: error: trace needs --out FILE (see --help)"
expect 2 "$nsasim" predict --engine fast; err_is "nsasim: error: --engine must be model or sim, got 'fast'"
expect 2 "$nsasim" predict --format xml; err_is "nsasim: error: --format must be table, json or csv, got 'xml'"
expect 2 "$nsasim" predict --bogus; err_is "nsasim: error: unknown option '--bogus' (see --help)"
expect 2 "$nsasim" predict --arch; err_is "nsasim: error: option --arch needs a value"
expect 2 "$nsasim" predict --format json --format csv; err_is "nsasim: error: --format given twice"
expect 2 "$nsasim" predict stray; err_is "nsasim: error: unexpected argument 'stray' (see --help)"
finish
