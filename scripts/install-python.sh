#!/usr/bin/env bash
# Build and install the engage_right Python package into .venv (created by
# scripts/setup.sh --python, which also installs the build requirements
# scikit-build-core and pybind11 there). Incremental: the CMake build is kept
# under build/<wheel tag>; without build isolation pip installs no build
# environment of its own; ccache (when installed) serves the library objects
# that scripts/build.sh compiled. A plain `pip install .` works on its own too.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(--no-build-isolation -C cmake.define.CMAKE_CXX_COMPILER_LAUNCHER="$PWD/cmake/ccache-launcher.sh")
# The compiler CMake picks by itself, as in scripts/build.sh (scikit-build-core
# would take Python's, "g++", and ccache would see another command line).
export CXX="${CXX:-c++}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check "${args[@]}" .
