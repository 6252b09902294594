#!/usr/bin/env bash
# Installs what engage-right needs, and nothing that is already there:
#   - Debian packages: compiler, CMake, Ninja, Eigen, Boost.Graph, fmt, JSON, doctest
#   - with --python: a virtual environment .venv with the test packages
# Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want_python=0
for arg in "$@"; do
  case "$arg" in
    --python) want_python=1 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

packages=(g++ cmake ninja-build libeigen3-dev libboost-graph-dev libfmt-dev nlohmann-json3-dev doctest-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ((want_python)); then
  python=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$python" -m venv .venv
  fi
  if ! .venv/bin/python -c "import numpy, pandas, networkx, scipy, pytest, pyarrow, jsonschema, matplotlib, statsmodels" 2>/dev/null; then
    echo "setup: installing Python test packages into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  fi
fi
