#!/usr/bin/env bash
# Configure and build into build/ (Release). Extra arguments go to CMake.
# Compiles through ccache when it is installed (scripts/setup.sh installs it;
# cmake/ccache-launcher.sh), so the Python extension's build and the
# add_subdirectory() consumer test, which compile the same library sources
# with the same flags, reuse these objects instead of compiling them again.
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER="$PWD/cmake/ccache-launcher.sh")
if [ ! -f build/CMakeCache.txt ] && command -v ninja >/dev/null; then args+=(-G Ninja); fi
cmake -S . -B build "${args[@]}" "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
