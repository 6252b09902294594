#!/usr/bin/env bash
# Set up, build, and run every test: the C++ suite and package-consumer
# builds through CTest, then install the Python package into .venv and run
# the Python suite (CLI and package tests) through pytest, then check the
# format and lint (scripts/lint.sh). A failing step fails the run but does
# not stop the steps after it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --python
scripts/build.sh -DENGAGE_RIGHT_BUILD_TESTS=ON -DENGAGE_RIGHT_BUILD_BENCHMARKS=ON
status=0
(cd build && ctest --output-on-failure) || status=1
scripts/install-python.sh
.venv/bin/python -m pytest -W error -q tests/python || status=1
scripts/lint.sh || status=1
exit $status
