#!/usr/bin/env bash
# The sanitizer and fuzzing runs, each in its own build tree (CMakePresets.json),
# building only the targets it runs (no examples, benchmarks or Python):
#   asan  the whole C++ test suite under AddressSanitizer + UBSan (GCC,
#         build/asan). When CI=true: the suite built with Clang in the fuzz
#         tree instead (build/fuzz, ASan + UBSan too; GCC's sanitizer build
#         of the library and tests alone takes longer than the CI budget
#         allows on a cold cache), without the cases of asan_ci_skip (below),
#         which CTest runs in the plain build anyway
#   tsan  the C++ test cases of the doctest test suite "concurrency" (every
#         case that runs threads) under ThreadSanitizer (build/tsan; with
#         CI=true built with Clang, build/tsan-clang)
#   fuzz  every libFuzzer target of tests/fuzz, FUZZ_SECONDS seconds each
#         (default 30, or 10 when CI=true), FUZZ_JOBS at a time (default: the
#         number of cores), from its seed corpus under ASan + UBSan (build/fuzz)
# Usage: scripts/sanitize.sh [asan] [tsan] [fuzz]   (default: all three)
# A failing part fails the run but does not stop the parts after it. Ends
# with the time of each part. The fuzzers keep what they learn in
# build/fuzz/corpus/<target> and write crashing inputs to
# build/fuzz/artifacts/<target>/ (replay: build/fuzz/bin/fuzz_<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

parts=("$@")
((${#parts[@]})) || parts=(asan tsan fuzz)
if [ "${CI:-}" = true ]; then default_seconds=10; else default_seconds=30; fi
fuzz_seconds=${FUZZ_SECONDS:-$default_seconds}
fuzz_jobs=${FUZZ_JOBS:-$(nproc)}
# Test cases that take minutes under ASan (doctest name patterns, comma-separated):
# "explosive parameters" simulates a community growing to 2e8 members (150 s).
asan_ci_skip="simulate: explosive parameters*"
asan_preset=asan
tsan_preset=tsan
asan_args=()
if [ "${CI:-}" = true ]; then
  asan_preset=fuzz
  tsan_preset=tsan-clang  # Clang builds the sanitizer trees about twice as fast
  asan_args+=("--test-case-exclude=$asan_ci_skip")
fi

scripts/setup.sh --sanitize

# build PRESET TARGET...: configure (quietly) and build only the targets given.
build() {
  local preset=$1
  shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target "$@"
}

# The live-community stress test applies 100,000 updates in the plain build;
# under the sanitizers a few thousand exercise the same interleavings.
export ENGAGE_RIGHT_STRESS_UPDATES=${ENGAGE_RIGHT_STRESS_UPDATES:-3000}

run_asan() {
  build "$asan_preset" engage_right_tests || return
  ASAN_OPTIONS=strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build/$asan_preset/bin/engage_right_tests" --no-intro "${asan_args[@]}"
}

run_tsan() {
  build "$tsan_preset" engage_right_tests || return
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    "build/$tsan_preset/bin/engage_right_tests" --no-intro --test-suite=concurrency
}

# fuzz_one TARGET: one smoke run; prints one line, and the log when it fails.
fuzz_one() {
  local t=$1 dir=build/fuzz rc=0
  mkdir -p "$dir/corpus/$t" "$dir/artifacts/$t"
  "$dir/bin/fuzz_$t" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/$t/" "$dir/corpus/$t" "tests/fuzz/corpus/$t" >"$dir/fuzz_$t.log" 2>&1 || rc=$?
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz_$t.log")
  if ((rc)); then
    echo "fuzz_$t: FAILED (exit $rc); log $dir/fuzz_$t.log:"
    grep -v '^#' "$dir/fuzz_$t.log" | tail -40
    return 1
  fi
  echo "fuzz_$t: ${runs:-?} runs in ${fuzz_seconds}s, no finding"
}
export -f fuzz_one
export fuzz_seconds

run_fuzz() {
  # The targets are those of tests/fuzz/CMakeLists.txt, listed at configure time.
  cmake --preset fuzz >/dev/null || return
  local targets
  mapfile -t targets <build/fuzz/fuzz_targets.txt
  build fuzz "${targets[@]/#/fuzz_}" || return
  printf '%s\n' "${targets[@]}" | xargs -P "$fuzz_jobs" -I{} bash -c 'fuzz_one {}'
}

status=0
timings=()
for part in "${parts[@]}"; do
  case "$part" in
    asan | tsan | fuzz) ;;
    *) echo "sanitize.sh: unknown part $part (asan, tsan, fuzz)" >&2; exit 2 ;;
  esac
  start=$SECONDS
  echo "sanitize.sh: $part"
  if ! "run_$part"; then
    echo "sanitize.sh: $part failed" >&2
    status=1
  fi
  timings+=("$(printf '%s %ds' "$part" $((SECONDS - start)))")
done
echo "sanitize.sh: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); exit status $status"
exit $status
