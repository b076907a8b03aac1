#!/usr/bin/env bash
# Regenerates reports/validation-h200.md (and its figures under
# reports/validation-h200/): both engines scored against the committed H200
# measurements, then the analysis kept in reports/validation-h200-notes.md.
#   reports/validation-h200.sh [path/to/nsasim]   (default: build/nsasim)
set -euo pipefail
cd "$(dirname "$0")/.."
nsasim=${1:-build/nsasim}
m=reports/measurements/h200
rm -rf reports/validation-h200
files="$m/2026-11-29-h200-run2-matrix-1.csv $m/2026-11-29-h200-run2-matrix-2.csv $m/2026-11-29-h200-run4-matrix.csv $m/2026-11-29-h200-run5-matrix.csv $m/2026-11-29-h200-run6-matrix.csv $m/2026-11-29-h200-run7-matrix.csv $m/2026-11-29-h200-run8-matrix.csv $m/2026-11-29-h200-run9-matrix.csv"
args="--engine both --calibration full_fwd_d128_16k,nsa_fwd_d128_16k,nsa_fwd_d128_16k_u4s2,full_bwd_d128_16k,full_bwd_d192_16k,win_bwd_d128_16k,r4_nsa_dec_d128_b8_64k,r4_nsa_dec_d128_b8_64k_fused,nsa_fwd_d128_64k_g64s3,r5_nsa_dec_d128_b8_64k_lean_pdl,r5_nsa_dec_d128_b8_64k_lean_s3_pdl,r5_nsa_dec_d192_b8_64k_lean_s3_pdl,nsa_fwd_d192_16k_mlp,r7_nsa_dec_d128_b8_64k_lean_s3_pdl,r7_nsa_dec_d128_b8_64k_v3_s3_pdl,sel_bwd_d128_16k,full_bwd_d128_8k,full_bwd_d192_8k --sim-max-seq 8192 --ncu $m/2026-11-29-h200-run2-ncu.csv --ncu $m/2026-11-29-h200-run4-ncu.csv --ncu $m/2026-11-29-h200-run5-ncu.csv --ncu $m/2026-11-29-h200-run6-ncu.csv --ncu $m/2026-11-29-h200-run7-ncu.csv --ncu $m/2026-11-29-h200-run9-ncu.csv"
"$nsasim" validate $files $args --report reports/validation-h200 >/dev/null
sed -i "s|^Regenerate with \`nsasim validate.*|Regenerate with \`reports/validation-h200.sh\` (it runs \`nsasim validate $files $args --report reports/validation-h200\`).|" reports/validation-h200.md
cat reports/validation-h200-notes.md >>reports/validation-h200.md
rm -f reports/validation-h200/gnuplot.log
echo "wrote reports/validation-h200.md"
