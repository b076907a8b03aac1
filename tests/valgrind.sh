#!/usr/bin/env bash
# valgrind over the main CLI paths of a build without sanitizers (valgrind and
# ASan do not mix): no invalid access, no definite leak, else exit 1.
#   cmake -S . -B build && cmake --build build -j2 && tests/valgrind.sh build/nsasim
set -u
nsasim=${1:-build/nsasim}
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
while read -r want cmd; do
  [ -z "$cmd" ] && continue
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    "$nsasim" $cmd >/dev/null 2>"$tmp/err"
  rc=$?
  if [ "$rc" -ne "$want" ]; then echo "FAIL ($rc): $cmd"; cat "$tmp/err"; fails=$((fails + 1)); else echo "ok: $cmd"; fi
done <<EOF2
0 predict
0 predict --format json --set problem.phase=bwd
0 predict --set problem.phase=decode --format csv
2 check arch/h200.yaml workloads/nsa-paper.yaml tests/data/bad/arch-duplicate-key.yaml
0 params
0 predict --engine sim --set problem.seq_len=1024
0 predict --engine sim --workload workloads/nsa-decode-fused.yaml --set problem.seq_len=4096
0 sweep workloads/sweeps/hw-h200-nsa.yaml --jobs 1 --out $tmp/sweep.csv
0 validate reports/measurements/h200/2026-11-29-h200-run2-matrix-1.csv --calibration full_fwd_d128_16k
0 trace --set problem.seq_len=512 --out $tmp/sel.trace
EOF2
echo "$fails failed"
exit $((fails > 0))
