#!/usr/bin/env bash
# Round trip: every shipped spec and every good test spec passes `nsasim check`.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
files=(arch/*.yaml workloads/*.yaml workloads/sweeps/*.yaml tests/data/good/*.yaml)
expect 0 "$nsasim" check "${files[@]}"
n=$(grep -c ': ok (' "$tmp/out")
[ "$n" -eq "${#files[@]}" ] || fail "$n of ${#files[@]} files reported ok"
[ ! -s "$tmp/err" ] || fail "stderr: $(cat "$tmp/err")"
grep -q 'workloads/sweeps/nsa-grid-h200.yaml: ok (sweep nsa-grid-h200, 1215 points)' "$tmp/out" || fail "sweep check line"
# Each arch also takes the paper workload (the fit check runs against it).
for a in arch/*.yaml; do
  expect 0 "$nsasim" check --arch "$a" workloads/nsa-paper.yaml workloads/full-paper.yaml
done
finish
