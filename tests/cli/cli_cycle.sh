#!/usr/bin/env bash
# The cycle engine through the CLI: JSON extras, the timeline, selection
# traces written by `nsasim trace` and replayed, and corrupt traces.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
small=(--set problem.seq_len=4096)
expect 0 "$nsasim" predict --engine sim --format json "${small[@]}" --timeline "$tmp/tl.csv"
for k in '"engine": "sim"' '"cycles"' '"l2_read_hit_rate"' '"smem_wavefronts"' '"smem_bank_conflicts"' \
         '"tensor_util"' '"achieved_occupancy"' '"stalls"' '"memory"' '"barrier"' '"baseline"'; do
  has_out "$k"
done
head -1 "$tmp/tl.csv" | grep -qx 'kernel,sm,cta,start_cycle,end_cycle,phase' || fail "timeline header"
rows=$(grep -c '^nsa.selected,' "$tmp/tl.csv")
[ "$rows" -eq 16384 ] || fail "timeline has $rows nsa.selected CTAs, want 4 x 4096"
awk -F, 'NR>1 && ($5 < $4 || $2 >= 132) {bad=1} END {exit bad}' "$tmp/tl.csv" || fail "timeline rows out of order or SM out of range"
# Same bytes twice.
"$nsasim" predict --engine sim --format json "${small[@]}" >"$tmp/a.json"
"$nsasim" predict --engine sim --format json "${small[@]}" >"$tmp/b.json"
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "sim output differs between runs"
# A trace of the local pattern replays to the same prediction as the pattern itself.
expect 0 "$nsasim" trace "${small[@]}" --out "$tmp/sel.trace"
has_out "$tmp/sel.trace: 16384 selections of 16 blocks"
[ "$(stat -c %s "$tmp/sel.trace")" -eq $((64 + 4 * 4096 * 16 * 4)) ] || fail "trace size"
expect 0 "$nsasim" predict --engine sim --format csv "${small[@]}" --set attention.selection.pattern=trace \
  --set attention.selection.trace="$tmp/sel.trace"
grep '^sim,h200,nsa-paper,main,nsa.selected,' "$tmp/out" | cut -d, -f6- >"$tmp/replay"
expect 0 "$nsasim" predict --engine sim --format csv "${small[@]}"
grep '^sim,h200,nsa-paper,main,nsa.selected,' "$tmp/out" | cut -d, -f6- >"$tmp/direct"
cmp -s "$tmp/replay" "$tmp/direct" || fail "trace replay differs from the pattern it recorded"
# The analytical engine does not read traces yet: a clear error.
expect 1 "$nsasim" predict "${small[@]}" --set attention.selection.pattern=trace --set attention.selection.trace="$tmp/sel.trace"
has_err "pattern trace is not modelled yet by the analytical engine"
# Corrupt or mismatched traces.
expect 2 "$nsasim" predict --engine sim --set problem.seq_len=8192 --set attention.selection.pattern=trace \
  --set attention.selection.trace="$tmp/sel.trace"
err_is "$tmp/sel.trace: error: trace header field q_len (byte 24) is 4096 but the workload has 8192"
head -c 100 "$tmp/sel.trace" >"$tmp/short.trace"
expect 2 "$nsasim" predict --engine sim "${small[@]}" --set attention.selection.pattern=trace \
  --set attention.selection.trace="$tmp/short.trace"
err_is "$tmp/short.trace: error: trace is 100 bytes but its header promises 262144 entries (1048640 bytes)"
expect 2 "$nsasim" predict --engine sim "${small[@]}" --set attention.selection.pattern=trace \
  --set attention.selection.trace="$tmp/none.trace"
err_is "$tmp/none.trace: error: cannot open: No such file or directory"
expect 2 "$nsasim" trace --workload workloads/full-paper.yaml --out "$tmp/x.trace"
err_is "$tmp/x.trace: error: a selection trace needs an NSA workload"
finish
