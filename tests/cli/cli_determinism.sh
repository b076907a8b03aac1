#!/usr/bin/env bash
# Same inputs, same bytes; meta names the inputs by SHA-256.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
for fmt in json csv table; do
  "$nsasim" predict --format $fmt --set problem.phase=bwd >"$tmp/a" || fail "run a"
  "$nsasim" predict --format $fmt --set problem.phase=bwd >"$tmp/b" || fail "run b"
  cmp -s "$tmp/a" "$tmp/b" || fail "$fmt output differs between runs"
done
expect 0 "$nsasim" predict --format json --arch arch/a100.yaml --workload workloads/full-paper.yaml
for f in arch/a100.yaml workloads/full-paper.yaml; do
  has_out "\"sha256\": \"$(sha256sum "$f" | cut -d' ' -f1)\""
  has_out "\"path\": \"$f\""
done
finish
