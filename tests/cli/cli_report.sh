#!/usr/bin/env bash
# nsasim report: the Markdown and HTML pages, their sections, the data files,
# and the figures when gnuplot is there.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
expect 0 "$nsasim" report --arch arch/h200.yaml --arch arch/h200-hbm2x.yaml --out "$tmp/r"
has_out "wrote $tmp/r/report.md"
md="$tmp/r/report.md"
head -3 "$md" | grep -qF "Regenerate with \`nsasim report --arch arch/h200.yaml --arch arch/h200-hbm2x.yaml --out $tmp/r\`" || fail "command line at the top"
for s in "## NSA over full attention, by sequence length" "## What bounds NSA" "## Pareto fronts" \
         "## Design space on h200" "## Roofline" "## A cycle-level run, SM by SM" "| h200-hbm2x | fwd |"; do
  grep -qF "$s" "$md" || fail "report lacks '$s'"
done
for f in speedup-h200.dat speedup-h200-hbm2x.dat pareto-h200.dat heat-lp-n.dat heat-w-seq.dat roofline-h200.dat timeline.dat plots.gp; do
  [ -s "$tmp/r/$f" ] || fail "missing $f"
done
head -1 "$tmp/r/report.html" | grep -q '<!DOCTYPE html>' || fail "html"
if command -v gnuplot >/dev/null; then
  for p in speedup pareto heatmaps roofline timeline; do
    [ -s "$tmp/r/$p.svg" ] && [ -s "$tmp/r/$p.png" ] || fail "figure $p not drawn"
  done
  [ "$(grep -c '<svg' "$tmp/r/report.html")" -eq 5 ] || fail "html does not inline the 5 figures"
fi
# Same inputs, same data.
expect 0 "$nsasim" report --arch arch/h200.yaml --arch arch/h200-hbm2x.yaml --out "$tmp/r2" --no-timeline
cmp -s "$tmp/r/pareto-h200.dat" "$tmp/r2/pareto-h200.dat" || fail "pareto data differs between runs"
grep -q "cycle-level run" "$tmp/r2/report.md" && fail "--no-timeline still ran the cycle engine"
# Predicted against measured, when measurements are given.
expect 0 "$nsasim" report --arch arch/h200.yaml --out "$tmp/r5" --no-timeline \
  --measured reports/measurements/h200/2026-11-29-h200-run2-matrix-1.csv \
  --measured reports/measurements/h200/2026-11-29-h200-run2-matrix-2.csv --calibration full_fwd_d128_16k
grep -q "## Predicted against measured" "$tmp/r5/report.md" || fail "no predicted-vs-measured section"
[ -s "$tmp/r5/validation.md" ] || fail "no validation.md beside the report"
grep -q "run2-matrix-1.csv\` and \`reports/measurements/h200/2026-11-29-h200-run2-matrix-2.csv" "$tmp/r5/report.md" \
  || fail "both measured files named"
grep -q "^104 measured configurations" "$tmp/r5/validation.md" || fail "both measured files scored"
expect 2 "$nsasim" report --out "$tmp/r3"; err_is "nsasim: error: report needs --out DIR and at least one --arch (see --help)"
expect 2 "$nsasim" report --arch arch/h200.yaml --workload workloads/full-paper.yaml --out "$tmp/r4"
err_is "workloads/full-paper.yaml: error: the report compares NSA with full attention: give an NSA workload"
finish
