#!/usr/bin/env bash
# validate/run-h200.sh — build, check, time and profile the validation kernels on the GPU machine.
# Configures with -DNSASIM_VALIDATE_ONLY=ON (no libyaml/Check there), builds for sm_90, then runs the
# steps named in STEPS (comma separated, default build,cpu,sanitize,smoke,matrix,anchors):
#   build     cmake + build (the build folder is kept between calls on a warm machine)
#   cpu       the harness's CPU tests (ctest -L cpu)
#   sanitize  compute-sanitizer memcheck and initcheck on configs/sanitize.txt (tiny configs)
#   smoke     configs/smoke.txt: every kernel and mapping checked against the CPU reference
#   matrix    the timing matrix (MATRIX_FILE)
#   anchors   anchors.py: device copy bandwidth and PyTorch SDPA FlashAttention-2
#   ncu       hardware counters of every kernel of every config of NCU_LIST (blank-separated config
#             lists, default MATRIX_FILE):
#             nsa_validate --profile launches each kernel once inside cudaProfilerStart/Stop and
#             names it ("ncu_<config> <kernel>"); ncu --clock-control none --profile-from-start off
#             records the metrics this ncu knows of the list below (--query-metrics), in launch order.
#   source    per-instruction SASS counters (ncu SourceCounters) of DETAIL_KERNELS in DETAIL_LIST, one
#             gzipped CSV per name in SOURCE_KERNELS (default: the fused decode's three kernels)
#   detail    ncu sections (speed of light, warp stalls, occupancy, memory) as text for the kernels
#             matching DETAIL_KERNELS (regex) in DETAIL_LIST: detail.txt
# Writes under $OUT (at most 8 files, as the device tool returns): provenance.txt (GPU name, driver,
# clocks seen before/after, date, command, commit, nvcc), smoke.csv, matrix.csv, anchors.csv,
# ncu.csv, run.log, build.log. The CSVs and provenance.txt go to reports/measurements/h200/.
# Usage: validate/run-h200.sh [MATRIX_FILE]   (default validate/configs/h200-matrix.txt)
# Env: OUT (default validate/h200-out, git-ignored), COMMIT (when the tree has no .git), BUILD
#      (default validate/h200-build, git-ignored), STEPS, NCU_LIST, NCU=1 (adds the ncu step),
#      DETAIL_LIST, DETAIL_KERNELS, SOURCE_KERNELS, SMOKE_GREP (check only the smoke configs whose
#      id matches this regex), VAL_TIMEOUT (seconds per smoke or matrix step).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
OUT="${OUT:-$here/h200-out}"
BUILD="${BUILD:-$here/h200-build}"
STEPS="${STEPS:-build,cpu,sanitize,smoke,matrix,anchors}"
[ "${NCU:-0}" = 1 ] && STEPS="$STEPS,ncu"
has() { case ",$STEPS," in *",$1,"*) return 0 ;; esac; return 1; }
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
echo "steps: $STEPS" >> "$OUT/provenance.txt"
if has build || [ ! -x "$BUILD/validate/nsa_validate" ]; then
  cmake -S "$root" -B "$BUILD" -DNSASIM_VALIDATE_ONLY=ON -DCMAKE_BUILD_TYPE=Release > "$OUT/build.log" 2>&1 &&
    cmake --build "$BUILD" -j"$(nproc)" >> "$OUT/build.log" 2>&1 || { echo "BUILD FAILED"; tail -40 "$OUT/build.log"; exit 1; }
  grep -E "spill|warning" "$OUT/build.log" | sort -u | head -20
fi
# VAL_TIMEOUT (seconds): a hung kernel (a wait that never ends) costs one step, not the whole call.
val() { if [ -n "${VAL_TIMEOUT:-}" ]; then timeout "$VAL_TIMEOUT" "$BUILD/validate/nsa_validate" "$@"; else "$BUILD/validate/nsa_validate" "$@"; fi; }
has cpu && { ctest --test-dir "$BUILD" --output-on-failure -L cpu || status=1; }
if has sanitize && command -v compute-sanitizer > /dev/null; then
  # Out-of-bounds accesses and reads of never-written device memory, on tiny configs of every kernel.
  for tool in memcheck initcheck; do
    compute-sanitizer --tool "$tool" --error-exitcode 3 --print-limit 10 \
      "$BUILD/validate/nsa_validate" -o /dev/null "$here/configs/sanitize.txt" > "$BUILD/sanitize-$tool.log" 2>&1 \
      && echo "compute-sanitizer $tool: clean" || { echo "compute-sanitizer $tool: FAILED"; grep -v '^z_' "$BUILD/sanitize-$tool.log" | head -30; status=1; }
  done
fi
if has smoke; then
  # SMOKE_GREP (a regex on config ids) checks a subset of the smoke list, e.g. after a change to one kernel.
  smoke="$here/configs/smoke.txt"
  if [ -n "${SMOKE_GREP:-}" ]; then grep -E "^id=(${SMOKE_GREP})" "$smoke" > "$BUILD/smoke-subset.txt"; smoke="$BUILD/smoke-subset.txt"; fi
  echo "smoke list: ${SMOKE_GREP:-all} ($(grep -c '^id=' "$smoke") configs)" >> "$OUT/provenance.txt"
  val -o "$OUT/smoke.csv" "$smoke" || status=1
fi
if has matrix && [ -n "$MATRIX" ] && [ "$MATRIX" != "none" ]; then
  val -o "$OUT/matrix.csv" "$MATRIX" || status=1
fi
if has anchors; then
  python3 "$here/anchors.py" "$OUT/anchors.csv" || echo "anchors failed (not fatal)"
fi
if has ncu && command -v ncu > /dev/null; then
  want="gpu__time_duration.sum dram__bytes_read.sum dram__bytes_write.sum lts__t_sectors_srcunit_tex_op_read.sum
lts__t_sectors_srcunit_tex_op_read_lookup_hit.sum lts__t_sectors_srcunit_tex_op_write.sum
l1tex__data_pipe_lsu_wavefronts_mem_shared.sum l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum
l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_ld.sum l1tex__data_bank_conflicts_pipe_lsu_mem_shared_op_st.sum
sm__warps_active.avg.pct_of_peak_sustained_active sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active
lts__t_sector_hit_rate.pct smsp__inst_executed.sum sm__cycles_active.avg"
  ncu --query-metrics > "$BUILD/ncu-metrics.txt" 2>&1 || true
  metrics=""
  for m in $want; do
    base="${m%%.*}"
    if grep -q "^$base " "$BUILD/ncu-metrics.txt"; then metrics="$metrics${metrics:+,}$m"; else echo "ncu: no metric $base here (left out)"; fi
  done
  echo "ncu metrics: $metrics" >> "$OUT/provenance.txt"
  # --profile neither checks nor times. The lists are cut into chunks of NCU_CHUNK configs, one
  # ncu process each, appended to ncu.csv: ncu prints its CSV when the process ends, so a call cut
  # short by the device's time limit still returns every finished chunk (launch IDs restart at 0
  # in each chunk, after that chunk's "ncu_" names; sim/score reads it that way).
  : > "$OUT/ncu.csv"
  for list in ${NCU_LIST:-$MATRIX}; do
    grep '^id=' "$list" | split -l "${NCU_CHUNK:-6}" - "$BUILD/ncu-chunk-"
    for chunk in "$BUILD"/ncu-chunk-*; do
      ncu --clock-control none --profile-from-start off --metrics "$metrics" --csv \
        "$BUILD/validate/nsa_validate" --profile -o /dev/null "$chunk" >> "$OUT/ncu.csv" 2>> "$BUILD/ncu.err" \
        || { echo "ncu failed on $chunk (not fatal)"; tail -3 "$BUILD/ncu.err"; }
      rm -f "$chunk"
    done
  done
  echo "ncu rows: $(grep -c '^"' "$OUT/ncu.csv") kernels named: $(grep -c '^ncu_' "$OUT/ncu.csv")"
fi
if has detail && command -v ncu > /dev/null; then
  # Stall reasons, occupancy and throughputs of the kernels matching DETAIL_KERNELS (a regex) in
  # one launch each of DETAIL_LIST (a config list), as text: the "why" behind a kernel's time.
  ncu --clock-control none --profile-from-start off --kernel-name "regex:${DETAIL_KERNELS:-.}" \
    --section SpeedOfLight --section WarpStateStats --section Occupancy --section MemoryWorkloadAnalysis \
    --section LaunchStats "$BUILD/validate/nsa_validate" --profile -o /dev/null "${DETAIL_LIST:?DETAIL_LIST}" \
    > "$OUT/detail.txt" 2> "$BUILD/detail.err" || { echo "ncu detail failed (not fatal)"; tail -5 "$BUILD/detail.err"; }
fi
if has source && command -v ncu > /dev/null; then
  # Per-instruction executed counts and stall samples (SASS) of the kernels matching
  # DETAIL_KERNELS in DETAIL_LIST, one CSV per kernel name, gzipped: where a kernel's issue slots go.
  ncu --clock-control none --profile-from-start off --kernel-name "regex:${DETAIL_KERNELS:-.}" \
    --section SourceCounters --section WarpStateStats -f -o "$BUILD/source" \
    "$BUILD/validate/nsa_validate" --profile -o /dev/null "${DETAIL_LIST:?DETAIL_LIST}" > "$BUILD/source.log" 2>&1 ||
    { echo "ncu source failed (not fatal)"; tail -5 "$BUILD/source.log"; }
  for k in ${SOURCE_KERNELS:-decode_cmp decode_select decode_branches}; do
    ncu -i "$BUILD/source.ncu-rep" --kernel-name "regex:$k" --page source --csv --print-source sass \
      > "$OUT/source-$k.csv" 2>> "$BUILD/source.log" && gzip -f "$OUT/source-$k.csv"
  done
fi
echo "gpu_after (name, driver, clocks.sm, clocks.mem, clocks.max.sm): $(smi)" >> "$OUT/provenance.txt"
echo "exit_status: $status" >> "$OUT/provenance.txt"
echo "run-h200.sh finished with status $status"
exit $status
