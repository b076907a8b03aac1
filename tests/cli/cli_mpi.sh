#!/usr/bin/env bash
# Scale-out: a sweep on 1 and on 2 MPI ranks writes the same bytes; shards
# joined by `nsasim merge` give those bytes too; merge refuses gaps and
# foreign shards. Skipped (77) in a build without MPI or with no mpirun.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
grid=workloads/sweeps/nsa-grid-h200.yaml
expect 0 "$nsasim" sweep "$grid" --out "$tmp/one.csv"
for i in 0 1 2 3; do expect 0 "$nsasim" sweep "$grid" --shard $i/4 --out "$tmp/s$i.csv"; done
expect 0 "$nsasim" merge "$tmp"/s0.csv "$tmp"/s1.csv "$tmp"/s2.csv "$tmp"/s3.csv --out "$tmp/merged.csv"
cmp -s "$tmp/one.csv" "$tmp/merged.csv" || fail "merged shards differ from one run"
expect 2 "$nsasim" merge "$tmp"/s0.csv "$tmp"/s2.csv --out "$tmp/gap.csv"
err_is "$tmp/s2.csv:3:1: error: point 608 where 304 was due (missing points: a shard is absent or incomplete)"
[ -e "$tmp/gap.csv" ] && fail "a failed merge left its output"
expect 0 "$nsasim" sweep workloads/sweeps/hw-h200-nsa.yaml --shard 1/2 --out "$tmp/other.csv"
expect 2 "$nsasim" merge "$tmp"/s0.csv "$tmp"/other.csv
err_is "$tmp/other.csv:1:1: error: another sweep, engine or version than $tmp/s0.csv"
if ! "$nsasim" version | grep -q ' mpi' || ! command -v mpirun >/dev/null; then
  echo "no MPI in this build or no mpirun: skipping the rank test"
  [ "$fails" -eq 0 ] && exit 77
  finish
fi
# Open MPI's plugins keep memory until exit, unloaded before LeakSanitizer
# looks (no symbols to suppress): leak checks run on the single-process paths.
mpirun --allow-run-as-root --oversubscribe -x ASAN_OPTIONS=detect_leaks=0 -np 2 \
  "$nsasim" sweep "$grid" --jobs 1 --out "$tmp/two.csv" \
  >"$tmp/mpi.out" 2>&1 || fail "mpirun: $(tail -5 "$tmp/mpi.out")"
cmp -s "$tmp/one.csv" "$tmp/two.csv" || fail "2 ranks differ from 1 rank"
finish
