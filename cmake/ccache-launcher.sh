#!/bin/sh
# Compiler launcher (CMAKE_CXX_COMPILER_LAUNCHER) for scripts/build.sh, the
# Python build and the CMake presets: ccache when it is installed, else the
# compiler as is. The package-consumer tests pass it on, so the library that
# add_subdirectory() compiles again comes from the cache, which takes:
#  - locale sloppiness: CTest's --build-and-test sets LC_ALL and LC_MESSAGES
#    (to empty) around its builds; hashed, they would miss every object;
#  - no working directory in the hash of -g builds (presets dev, asan, tsan):
#    the consumer builds in another directory.
command -v ccache >/dev/null 2>&1 || exec "$@"
CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}locale" CCACHE_NOHASHDIR=1 exec ccache "$@"
