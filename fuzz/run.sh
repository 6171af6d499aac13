#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, the core
# instrumented for coverage too) and runs each for SECONDS, a few at a time,
# at the lowest CPU priority. New inputs go to a scratch corpus, never to
# the committed seeds; crashes go to fuzz/out/. Prints per target: exec/s,
# executions, coverage (libFuzzer's cov: and ft:) and crashes.
#
#   fuzz/run.sh SECONDS [TARGET...]     e.g. fuzz/run.sh 600 no_leak_fuzzer
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (targets run
# at once, default 2), FUZZ_SCRATCH (default $FUZZ_BUILD_DIR/fuzz-corpus).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(agent_input_fuzzer archive_input_fuzzer chunk_invariance_fuzzer engine_agreement_fuzzer no_leak_fuzzer
    rule_file_fuzzer secrets_json_fuzzer)
fi
build=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-2}
scratch=${FUZZ_SCRATCH:-$build/fuzz-corpus}
out=fuzz/out

max_len() {
  case "$1" in
    secrets_json_fuzzer | rule_file_fuzzer) echo 4096 ;;
    archive_input_fuzzer) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

# -fsanitize=fuzzer-no-link on the whole build gives libFuzzer coverage of
# the core, not only of the targets; b_lundef=false because the sanitizer
# runtimes are linked into executables only.
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" \
    -Dfuzzing=enabled -Dtests=disabled -Dbenchmarks=disabled \
    -Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; exit 1; }
  rm -f "$build.setup.log"
fi
ninja -C "$build" "${targets[@]/#/fuzz/}" >/dev/null

mkdir -p "$out"
symbolizer=$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 || true)
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[ -n "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer

run_one() {
  local t=$1
  mkdir -p "$scratch/$t"
  # A crash ends the run early; the log and fuzz/out/$t-crash-* say why.
  nice -n 19 "$build/fuzz/$t" "$scratch/$t" "fuzz/corpus/$t" \
    -max_len="$(max_len "$t")" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$out/$t-" >"$out/$t.log" 2>&1 || true
}

stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

printf '%-26s %9s %12s %7s %7s %8s\n' target exec/s execs cov ft crashes
found=0
for t in "${targets[@]}"; do
  log=$out/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=$(find "$out" -maxdepth 1 -newer "$stamp" \
    \( -name "$t-crash-*" -o -name "$t-leak-*" -o -name "$t-timeout-*" -o -name "$t-oom-*" \) |
    wc -l)
  found=$((found + crashes))
  printf '%-26s %9s %12s %7s %7s %8s\n' "$t" "${rate:-?}" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "$crashes"
done
echo "logs and crashes: $out/; new corpus: $scratch/"
if [ "$found" -gt 0 ]; then
  echo "fuzz/run.sh: $found crash(es), leak(s) or timeout(s): see $out/" >&2
  exit 1
fi
