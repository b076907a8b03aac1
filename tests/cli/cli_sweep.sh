#!/usr/bin/env bash
# Sweeps: the shipped specs run; rows are the same bytes for 1 and 2 threads;
# an interrupted output resumes to the same bytes; shards partition the
# points; JSON lines carry the predict contract; bad options are usage errors.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
grid=workloads/sweeps/nsa-grid-h200.yaml
expect 0 "$nsasim" sweep "$grid" --jobs 1 --out "$tmp/j1.csv"
has_err "1215 points (1080 ok, 135 skipped, 0 filtered)"
expect 0 "$nsasim" sweep "$grid" --jobs 2 --out "$tmp/j2.csv"
cmp -s "$tmp/j1.csv" "$tmp/j2.csv" || fail "1 and 2 threads give different bytes"
expect 0 "$nsasim" sweep "$grid" --jobs 4 --out "$tmp/j4.csv"
cmp -s "$tmp/j1.csv" "$tmp/j4.csv" || fail "1 and 4 threads give different bytes"
head -1 "$tmp/j1.csv" | grep -q "^# nsasim 0.1.0 sweep nsa-grid-h200 spec-sha256 $(sha256sum "$grid" | cut -d' ' -f1) engine model points 1215$" || fail "provenance line"
[ "$(grep -c ',ok,' "$tmp/j1.csv")" -eq 1080 ] || fail "ok rows"
grep -q "^1,fwd,8192,16,8,32,32,8,512,skipped,.*must be at least 'attention.compression.block' l = 16" "$tmp/j1.csv" && fail "l'=32 >= l=16 is valid"
grep -q ",skipped,.*(paper Eq. 9)" "$tmp/j1.csv" || fail "Eq. 9 skips carry their reason"
# Interrupt: keep 300 lines and half of the next, resume.
head -300 "$tmp/j1.csv" >"$tmp/cut.csv"
sed -n 301p "$tmp/j1.csv" | head -c 20 >>"$tmp/cut.csv"
expect 0 "$nsasim" sweep "$grid" --out "$tmp/cut.csv"
has_err "(resumed)"
cmp -s "$tmp/cut.csv" "$tmp/j1.csv" || fail "resumed output differs from an uninterrupted one"
# Shards: the data rows of 3 shards, in order, are the whole sweep's.
for i in 0 1 2; do
  expect 0 "$nsasim" sweep "$grid" --shard $i/3 --out "$tmp/s$i.csv"
done
cat "$tmp"/s0.csv "$tmp"/s1.csv "$tmp"/s2.csv | grep -v '^#' | grep -v '^point,' >"$tmp/shards"
grep -v '^#' "$tmp/j1.csv" | grep -v '^point,' >"$tmp/whole"
cmp -s "$tmp/shards" "$tmp/whole" || fail "shards do not partition the sweep"
# Another spec's file is not appended to.
expect 2 "$nsasim" sweep workloads/sweeps/hw-h200-nsa.yaml --out "$tmp/j1.csv"
has_err "holds another sweep's rows"
# JSON lines.
expect 0 "$nsasim" sweep workloads/sweeps/hw-h200-nsa.yaml --format jsonl --out "$tmp/hw.jsonl"
[ "$(grep -c '"status":"ok"' "$tmp/hw.jsonl")" -eq 600 ] || fail "jsonl ok rows"
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys
rows=[json.loads(l) for l in open(sys.argv[1]) if not l.startswith("#")]
assert len(rows)==600 and all(r["speedup_vs_full"]>0 and r["kernels"] and r["baseline"]["kernels"] for r in rows)' "$tmp/hw.jsonl" || fail "jsonl rows do not parse"
fi
# The cycle engine in a sweep (one small point).
cat >"$tmp/one.yaml" <<YAML
version: 1
name: one
arch: $src/arch/h200.yaml
workload: $src/workloads/nsa-paper.yaml
axes:
  - key: problem.seq_len
    values: [2048]
YAML
expect 0 "$nsasim" sweep "$tmp/one.yaml" --engine sim --out "$tmp/one.csv"
grep -q '^0,2048,ok,sim,h200,nsa-paper,' "$tmp/one.csv" || fail "sim sweep row"
# Usage errors.
expect 2 "$nsasim" sweep; err_is "nsasim: error: sweep takes one SPEC.yaml (see --help)"
expect 2 "$nsasim" sweep "$grid" --jobs 0; err_is "nsasim: error: --jobs must be an integer in [1, 1024], got '0'"
expect 2 "$nsasim" sweep "$grid" --shard 3/3; err_is "nsasim: error: --shard must be I/N with 0 <= I < N <= 1000000, got '3/3'"
expect 2 "$nsasim" sweep "$grid" --format table; err_is "nsasim: error: --format must be csv or jsonl, got 'table'"
expect 0 "$nsasim" sweep --help; has_out "usage: nsasim sweep"
finish
