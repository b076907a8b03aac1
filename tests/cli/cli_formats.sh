#!/usr/bin/env bash
# Output formats: the JSON contract's fields, CSV rows, the table's verdict.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
expect 0 "$nsasim" predict --format json
for k in '"meta"' '"version"' '"git_commit"' '"inputs"' '"sha256"' '"overrides"' '"engine": "model"' \
         '"arch": "h200"' '"total_time_s"' '"kernels"' '"name"' '"time_s"' '"flops"' \
         '"hbm_read_bytes"' '"hbm_write_bytes"' '"l2_read_bytes"' '"smem_bytes"' '"ctas"' \
         '"ctas_per_sm"' '"occupancy"' '"bound"' '"baseline"' '"speedup_vs_full"'; do
  has_out "$k"
done
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["speedup_vs_full"] > 1; assert len(r["kernels"]) == 6, len(r["kernels"])' "$tmp/out" || fail "json does not parse or lacks fields"
fi
expect 0 "$nsasim" predict --format json --workload workloads/full-paper.yaml
grep -q '"baseline"' "$tmp/out" && fail "full attention has no baseline"
expect 0 "$nsasim" predict --format json --set problem.phase=decode
for k in '"tokens_per_step"' '"compression": 4095' '"selection": 1024' '"window": 512' '"total": 5631' '"full": 65536'; do
  has_out "$k"
done
expect 0 "$nsasim" predict --format csv --set problem.phase=bwd
head -1 "$tmp/out" | grep -q '^engine,arch,workload,pipeline,kernel,time_s,' || fail "csv header"
rows=$(($(wc -l <"$tmp/out") - 1))
[ "$rows" -ge 10 ] || fail "csv has $rows kernel rows for NSA bwd + baseline"
cols=$(awk -F, '{print NF}' "$tmp/out" | sort -u)
[ "$cols" == "20" ] || fail "csv rows have $cols columns"
expect 0 "$nsasim" predict --arch arch/a100.yaml
has_out "arch a100"; has_out "verdict:"
finish
