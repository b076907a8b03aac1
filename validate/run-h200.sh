#!/usr/bin/env bash
# validate/run-h200.sh — build, check and time the validation kernels on the GPU machine in one go.
# Configures with -DNSASIM_VALIDATE_ONLY=ON (no libyaml/Check there), builds for sm_90, runs the
# CPU tests, compute-sanitizer on tiny configs, the smoke list (every kernel and mapping checked
# against the CPU reference), the timing matrix, and the PyTorch anchors (copy bandwidth,
# FlashAttention-2 through SDPA). Writes under $OUT (at most 8 files, as the device tool returns):
#   provenance.txt  GPU name, driver, clocks seen before/after, date, command, commit, nvcc
#   smoke.csv       small checked configs        matrix.csv  the timing matrix
#   anchors.csv     copy GB/s and SDPA TFLOP/s   ncu.csv     counters (NCU=1)
#   run.log         everything printed           build.log   cmake output
# The CSVs and provenance.txt are meant to be copied to reports/measurements/h200/.
# Usage: validate/run-h200.sh [MATRIX_FILE]   (default validate/configs/h200-matrix.txt)
# Env: OUT (default validate/h200-out, git-ignored), COMMIT (when the tree has no .git), BUILD (default /tmp/vbuild-h200),
#      SANITIZE=0 to skip compute-sanitizer (memcheck, initcheck) on configs/sanitize.txt,
#      ANCHORS=0 to skip anchors.py, NCU=1 to also collect hardware counters (ncu --clock-control none).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
OUT="${OUT:-$here/h200-out}"
BUILD="${BUILD:-/tmp/vbuild-h200}"
MATRIX="${1:-$here/configs/h200-matrix.txt}"
mkdir -p "$OUT"
log="$OUT/run.log"
exec > >(tee -a "$log") 2>&1

commit="${COMMIT:-$(git -C "$root" rev-parse --verify -q HEAD 2>/dev/null || echo unknown)}"
dirty="$(git -C "$root" status --porcelain 2>/dev/null | wc -l | tr -d ' ')"
smi() { nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,clocks.max.sm --format=csv,noheader 2>&1; }
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: $0 $*"
  echo "commit: $commit (uncommitted changes: ${dirty:-unknown} files)"
  echo "host: $(uname -srm)"
  echo "nvcc: $(nvcc --version 2>/dev/null | tail -1)"
  echo "gpu_before (name, driver, clocks.sm, clocks.mem, clocks.max.sm): $(smi)"
  echo "matrix: ${MATRIX#$root/}"
} > "$OUT/provenance.txt"
cat "$OUT/provenance.txt"

status=0
cmake -S "$root" -B "$BUILD" -DNSASIM_VALIDATE_ONLY=ON -DCMAKE_BUILD_TYPE=Release > "$OUT/build.log" 2>&1 &&
  cmake --build "$BUILD" -j"$(nproc)" >> "$OUT/build.log" 2>&1 || { echo "BUILD FAILED"; tail -40 "$OUT/build.log"; exit 1; }
grep -E "spill|warning" "$OUT/build.log" | sort -u | head -20

ctest --test-dir "$BUILD" --output-on-failure -L cpu || status=1
if [ "${SANITIZE:-1}" = 1 ] && command -v compute-sanitizer > /dev/null; then
  # Out-of-bounds accesses and reads of never-written device memory, on tiny configs of every kernel.
  for tool in memcheck initcheck; do
    compute-sanitizer --tool "$tool" --error-exitcode 3 --print-limit 10 \
      "$BUILD/validate/nsa_validate" -o /dev/null "$here/configs/sanitize.txt" > "$BUILD/sanitize-$tool.log" 2>&1 \
      && echo "compute-sanitizer $tool: clean" || { echo "compute-sanitizer $tool: FAILED"; grep -v '^z_' "$BUILD/sanitize-$tool.log" | head -30; status=1; }
  done
fi
"$BUILD/validate/nsa_validate" -o "$OUT/smoke.csv" "$here/configs/smoke.txt" || status=1
if [ -n "$MATRIX" ] && [ "$MATRIX" != "none" ]; then
  "$BUILD/validate/nsa_validate" -o "$OUT/matrix.csv" "$MATRIX" || status=1
fi
if [ "${ANCHORS:-1}" = 1 ]; then
  python3 "$here/anchors.py" "$OUT/anchors.csv" || echo "anchors failed (not fatal)"
fi
if [ "${NCU:-0}" = 1 ] && command -v ncu > /dev/null; then
  # Counters for the first launch of each kernel of one NSA forward at 64k (d 128), and of the
  # full forward at 16k. --clock-control none: measure the card as it runs (METHOD.md).
  printf '%s\n' 'id=ncu_nsa kernel=nsa_fwd seq_len=65536 d_qk=128 d_v=128 check=0 warmup=0 runs=20' \
    'id=ncu_full kernel=full_fwd seq_len=16384 d_qk=128 d_v=128 check=0 warmup=0 runs=20' > "$BUILD/ncu.txt"
  ncu --clock-control none --launch-count 8 --kernel-name regex:'attn|scores|topn|compress|gate' \
    --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sector_hit_rate.pct,lts__t_sectors_srcunit_tex_op_read.sum,sm__warps_active.avg.pct_of_peak_sustained_active,sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active \
    --csv "$BUILD/validate/nsa_validate" -o /dev/null "$BUILD/ncu.txt" > "$OUT/ncu.csv" 2> "$BUILD/ncu.err" || { echo "ncu failed (not fatal)"; tail -5 "$BUILD/ncu.err"; }
fi
echo "gpu_after (name, driver, clocks.sm, clocks.mem, clocks.max.sm): $(smi)" >> "$OUT/provenance.txt"
echo "exit_status: $status" >> "$OUT/provenance.txt"
echo "run-h200.sh finished with status $status"
exit $status
