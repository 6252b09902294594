#!/usr/bin/env bash
# Set up, build, and run every test: the C++ suite and package-consumer
# builds through CTest, then install the Python package into .venv and run
# the Python suite (CLI and package tests) through pytest, then check the
# format and lint (scripts/lint.sh), then run the C++ tests under the
# sanitizers and a short run of every fuzz target (scripts/sanitize.sh, in
# build/asan, build/tsan, build/fuzz). A failing test, lint or sanitizer step
# fails the run but does not stop the steps after it. Ends with the time of
# each step.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
timings=()
# step NAME COMMAND...: run and time a step; a failure is fatal unless NAME
# is one of the checking steps.
step() {
  local name=$1 start=$SECONDS rc=0
  shift
  "$@" || rc=$?
  timings+=("$(printf '%s %ds' "$name" $((SECONDS - start)))")
  if ((rc)); then
    case "$name" in
      ctest | pytest | lint | sanitize) status=1 ;;
      *) echo "test.sh: step $name failed" >&2; exit "$rc" ;;
    esac
  fi
}

step setup scripts/setup.sh --python
step build scripts/build.sh -DENGAGE_RIGHT_BUILD_TESTS=ON -DENGAGE_RIGHT_BUILD_BENCHMARKS=ON
# The live-community stress test applies 20,000 updates here (100,000 when
# run by hand: build/bin/engage_right_tests -tc='stress*', minutes on 2 cores).
export ENGAGE_RIGHT_STRESS_UPDATES=${ENGAGE_RIGHT_STRESS_UPDATES:-20000}
step ctest ctest --test-dir build --output-on-failure
step python-install scripts/install-python.sh
step pytest .venv/bin/python -m pytest -W error -q tests/python
step lint scripts/lint.sh
step sanitize scripts/sanitize.sh
echo "test.sh: $(IFS=,; echo "${timings[*]}" | sed 's/,/, /g'); exit status $status"
exit $status
