#!/usr/bin/env bash
# Set up, build, and run `engage-right recommend` on the bundled sample community.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --python
scripts/build.sh -DENGAGE_RIGHT_BUILD_TESTS=OFF -DENGAGE_RIGHT_BUILD_BENCHMARKS=OFF >/dev/null
echo
echo "$ engage-right recommend --members examples/data/sample/members.csv --interactions examples/data/sample/interactions.csv --top 2"
echo
build/bin/engage-right recommend \
  --members examples/data/sample/members.csv \
  --interactions examples/data/sample/interactions.csv \
  --top 2 --output build/demo.txt
head -n 42 build/demo.txt
echo "... (first 40 of $(($(wc -l < build/demo.txt) - 2)) rows; the whole table is in build/demo.txt)"

echo
echo "$ python examples/python/quickstart.py   # the same from Python (package installed into .venv)"
scripts/install-python.sh
.venv/bin/python examples/python/quickstart.py > build/quickstart.txt
head -n 16 build/quickstart.txt
