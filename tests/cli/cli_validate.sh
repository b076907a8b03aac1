#!/usr/bin/env bash
# nsasim validate: the committed H200 measurements scored by both engines; the
# accuracy gate; the JSON contract; the report; bad measurement files.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
m=reports/measurements/h200/2026-11-29-h200-validate-matrix.csv
ncu=reports/measurements/h200/2026-11-29-h200-validate-ncu.csv
expect 0 "$nsasim" validate "$m" --engine both --calibration full_fwd_d128_16k --sim-max-seq 8192 \
  --ncu "$ncu" --gate tests/accuracy-gate.txt
has_out "model: kernel time, held out"; has_out "sim: kernel time, held out"; has_out "model: L2 read bytes (ncu)"
has_out "NSA over full attention, same shape"
has_err "gate: ok model"; has_err "gate: ok sim"
# A ceiling far below the figure fails the gate.
printf 'model 0.05\n' >"$tmp/tight.txt"
expect 1 "$nsasim" validate "$m" --calibration full_fwd_d128_16k --gate "$tmp/tight.txt"
has_err "gate: FAIL model kernel-time MAPE"
expect 0 "$nsasim" validate "$m" --format json --calibration full_fwd_d128_16k
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
k=r["model"]["kernel_time"]
assert k["n"] > 200 and 0 < k["mape"] < 1 and k["pearson_log"] > 0.9, k
assert r["calibration_configs"] == "full_fwd_d128_16k"
assert len(r["speedups"]) >= 20 and all(s["measured"] > 0 and s["model"] > 0 for s in r["speedups"])' "$tmp/out" || fail "json"
fi
expect 0 "$nsasim" validate "$m" --calibration full_fwd_d128_16k --report "$tmp/rep"
grep -q "## Error by kernel" "$tmp/rep.md" || fail "report"
grep -q "| model | nsa.selected |" "$tmp/rep.md" || fail "report per kernel"
# Bad measurement files.
printf 'config_id,kernel\nx,y\n' >"$tmp/cols.csv"
expect 2 "$nsasim" validate "$tmp/cols.csv"; err_is "$tmp/cols.csv:1:1: error: missing column 'batch'"
head -2 "$m" | sed '2s/,1,8192,/,one,8192,/' >"$tmp/num.csv"
expect 2 "$nsasim" validate "$tmp/num.csv"
err_is "$tmp/num.csv:2:27: error: 'batch' must be a number in [0, 1e+06], got 'one'"
head -1 "$m" >"$tmp/empty.csv"
expect 2 "$nsasim" validate "$tmp/empty.csv"; err_is "$tmp/empty.csv: error: no measured rows"
expect 2 "$nsasim" validate; err_is "nsasim: error: validate needs at least one measurement FILE (see --help)"
expect 2 "$nsasim" validate "$m" --engine fast; err_is "nsasim: error: --engine must be model, sim or both, got 'fast'"
finish
