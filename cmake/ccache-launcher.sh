#!/bin/sh
# Compiler launcher (CMAKE_CXX_COMPILER_LAUNCHER): ccache, with the locale
# left out of its hash. CTest's --build-and-test sets LC_ALL and LC_MESSAGES
# (to empty) around the package-consumer builds; hashed, they would make those
# builds miss the objects that scripts/build.sh and the Python build made.
CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}locale" exec ccache "$@"
