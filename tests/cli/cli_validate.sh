#!/usr/bin/env bash
# nsasim validate: the committed H200 measurements scored by both engines; the
# accuracy gate; the JSON contract; the report; bad measurement files.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
m=reports/measurements/h200/2026-11-29-h200-run2-matrix-1.csv
m2=reports/measurements/h200/2026-11-29-h200-run2-matrix-2.csv
m4=reports/measurements/h200/2026-11-29-h200-run4-matrix.csv
m5=reports/measurements/h200/2026-11-29-h200-run5-matrix.csv
m6=reports/measurements/h200/2026-11-29-h200-run6-matrix.csv
m7=reports/measurements/h200/2026-11-29-h200-run7-matrix.csv
m8=reports/measurements/h200/2026-11-29-h200-run8-matrix.csv
m9=reports/measurements/h200/2026-11-29-h200-run9-matrix.csv
ncu=reports/measurements/h200/2026-11-29-h200-run2-ncu.csv
expect 0 "$nsasim" validate "$m" "$m2" "$m4" "$m5" "$m6" "$m7" "$m8" "$m9" --engine both --calibration full_fwd_d128_16k,nsa_fwd_d128_16k,nsa_fwd_d128_16k_u4s2,full_bwd_d128_16k,full_bwd_d192_16k,win_bwd_d128_16k,r4_nsa_dec_d128_b8_64k,r4_nsa_dec_d128_b8_64k_fused,nsa_fwd_d128_64k_g64s3,r5_nsa_dec_d128_b8_64k_lean_pdl,r5_nsa_dec_d128_b8_64k_lean_s3_pdl,r5_nsa_dec_d192_b8_64k_lean_s3_pdl,nsa_fwd_d192_16k_mlp,r7_nsa_dec_d128_b8_64k_lean_s3_pdl,r7_nsa_dec_d128_b8_64k_v3_s3_pdl,sel_bwd_d128_16k,full_bwd_d128_8k,full_bwd_d192_8k --sim-max-seq 8192 \
  --ncu "$ncu" --gate tests/accuracy-gate.txt
has_out "model: kernel time, held out"; has_out "sim: kernel time, held out"; has_out "model: L2 read bytes (ncu)"
has_out "sim: DRAM read bytes (ncu)"; has_out "NSA over full attention, same shape"
has_err "gate: ok model"; has_err "gate: ok sim"
# The ncu reader: chunks whose launch IDs restart at 0, a stage of several launches (summed), a
# config profiled twice (two samples, not one doubled), names printed before their counters.
row() { printf '"%s","1","p","h","k","1","1","(1, 1, 1)","(1, 1, 1)","0","9.0","s","%s","byte","%s"\n' "$1" "$2" "$3"; }
{
  echo 'ncu_nsa_fwd_d128_16k select_scores 1'; echo 'ncu_nsa_fwd_d128_16k selected 3'
  echo '"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size","Device","CC","Section Name","Metric Name","Metric Unit","Metric Value"'
  row 0 dram__bytes_read.sum 100; row 0 lts__t_sectors_srcunit_tex_op_read.sum 10
  row 1 dram__bytes_read.sum 1,000; row 2 dram__bytes_read.sum 2000; row 3 dram__bytes_read.sum 3000
  row 1 lts__t_sectors_srcunit_tex_op_read.sum 1; row 2 lts__t_sectors_srcunit_tex_op_read.sum 2
  row 3 lts__t_sectors_srcunit_tex_op_read.sum 3
  echo 'ncu_nsa_fwd_d128_8k selected 1'
  row 0 dram__bytes_read.sum 7000; row 0 lts__t_sectors_srcunit_tex_op_read.sum 7
  echo 'ncu_nsa_fwd_d128_16k selected 1'
  row 0 dram__bytes_read.sum 5000; row 0 lts__t_sectors_srcunit_tex_op_read.sum 5
} >"$tmp/ncu.csv"
expect 0 "$nsasim" validate "$m" --engine model --calibration full_fwd_d128_16k --ncu "$tmp/ncu.csv" --report "$tmp/nrep"
grep -q "| nsa_fwd_d128_16k nsa.selected | [0-9.e+]* | 6e+03 | [0-9.e+]* | 192 |" "$tmp/nrep.md" || fail "ncu: a stage of 3 launches is summed"
grep -q "| nsa_fwd_d128_16k nsa.selected | [0-9.e+]* | 5e+03 | [0-9.e+]* | 160 |" "$tmp/nrep.md" || fail "ncu: a config profiled twice gives two samples"
grep -q "| nsa_fwd_d128_8k nsa.selected | [0-9.e+]* | 7e+03 | [0-9.e+]* | 224 |" "$tmp/nrep.md" || fail "ncu: second block"
grep -q "| nsa_fwd_d128_16k nsa.select_scores | [0-9.e+]* | 100 | [0-9.e+]* | 320 |" "$tmp/nrep.md" || fail "ncu: first block"
{ echo 'ncu_nsa_fwd_d128_16k selected 1'; row 1 dram__bytes_read.sum 5; } >"$tmp/ncu-bad.csv"
expect 2 "$nsasim" validate "$m" --engine model --ncu "$tmp/ncu-bad.csv"
err_is "$tmp/ncu-bad.csv:2:1: error: counter row for launch 1, but the harness named 1 launches before it"
# A ceiling far below the figure fails the gate.
printf 'model 0.03\n' >"$tmp/tight.txt"
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
# A decode measured with the fused kernels is rebuilt with kernel.cmp_attn.design fused: each
# measured kernel pairs with its predicted one, in both engines.
{
  head -1 "$m"
  for k in "dec_cmp_fused,16,64,4,2,8,fused,0.0200" "dec_select_fused,0,0,8,0,8,fused,0.0080" \
           "dec_branches_fused,16,64,4,2,8,fused,0.0120" "nsa_decode_total,0,0,0,0,0,pipeline,0.0400"; do
    IFS=, read -r kn bm bn wp st sp de ms <<<"$k"
    echo "nsa_dec_fused_d128_b8_16k,$kn,8,16384,64,4,128,128,32,16,64,16,512,$bm,$bn,$wp,$st,$sp,$de,f,1,128,128,0,0,0,1024,1,30,$ms,$ms,$ms,0,0,0,0,,skip"
  done
} >"$tmp/fused.csv"
expect 0 "$nsasim" validate "$tmp/fused.csv" --engine both --format json
if command -v python3 >/dev/null; then
  python3 -c 'import json,sys
r=json.load(open(sys.argv[1]))
got=sorted((s["engine"], s["kernel"]) for s in r["samples"])
want=sorted((e, k) for e in ("model", "sim") for k in ("nsa.decode.cmp", "nsa.decode.select", "nsa.decode.branches", "nsa (pipeline)"))
assert got == want, got' "$tmp/out" || fail "fused decode: samples"
fi
expect 0 "$nsasim" validate "$tmp/fused.csv"
grep -q "notes:" "$tmp/out" && fail "fused decode: $(cat "$tmp/out")"
# A fused decode kernel no design models is refused, not scored as the default pipeline.
sed 's/^nsa_dec_fused_d128_b8_16k,dec_select_fused,/nsa_dec_fused_d128_b8_16k,dec9_select,/' "$tmp/fused.csv" >"$tmp/fused9.csv"
expect 2 "$nsasim" validate "$tmp/fused9.csv" --engine model
has_err "kernel 'dec9_select' is a fused NSA decode kernel that no engine design models"
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
