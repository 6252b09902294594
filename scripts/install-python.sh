#!/usr/bin/env bash
# Build and install the engage_right Python package into .venv (created by
# scripts/setup.sh --python). Incremental: the CMake build is kept under build/.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install --quiet --disable-pip-version-check .
