#!/usr/bin/env bash
# The fused NSA decode example (workloads/nsa-decode-fused.yaml): both engines predict its three
# kernels, in order and nothing else; the same workload unfused runs the six kernels.
. "$(dirname "$0")/lib.sh"
cd "$src" || exit 1
wl=workloads/nsa-decode-fused.yaml
for engine in model sim; do
  expect 0 "$nsasim" predict --workload "$wl" --engine "$engine" --format csv
  got=$(awk -F, '$4 == "main" { printf "%s ", $5 }' "$tmp/out")
  [ "$got" == "nsa.decode.cmp nsa.decode.select nsa.decode.branches " ] || fail "$engine kernels: $got"
  expect 0 "$nsasim" predict --workload "$wl" --engine "$engine" --format csv --set kernel.cmp_attn.design=auto
  got=$(awk -F, '$4 == "main" { printf "%s ", $5 }' "$tmp/out")
  [ "$got" == "nsa.compress.step nsa.cmp_attn.decode nsa.select_scores nsa.selected.decode nsa.window.decode nsa.combine.decode " ] ||
    fail "$engine unfused kernels: $got"
done
# phi's MLP keeps its own kernel before the three.
expect 0 "$nsasim" predict --workload "$wl" --format csv --set attention.compression.method=mlp
got=$(awk -F, '$4 == "main" { printf "%s ", $5 }' "$tmp/out")
[ "$got" == "nsa.compress.step nsa.decode.cmp nsa.decode.select nsa.decode.branches " ] || fail "mlp kernels: $got"
expect 0 "$nsasim" predict --workload "$wl"
has_out "nsa.decode.branches"; has_out "tokens read per decode step"
expect 0 "$nsasim" predict --workload "$wl" --format json
has_out '"design": "fused"'
# Decode only.
expect 2 "$nsasim" predict --workload "$wl" --set problem.phase=fwd
err_is "$wl:42:13: error: 'kernel.cmp_attn.design' = fused is a decode design (phase is fwd)"
finish
