#!/usr/bin/env bash
# Installs what engage-right needs, and nothing that is already there:
#   - Debian packages: compiler, CMake, Ninja, ccache, Eigen, Boost.Graph, fmt, JSON, doctest, pugixml, xxHash
#   - with --python: a virtual environment .venv with the packages of requirements-dev.txt
#   - with --lint: clang-format (Debian) and ruff (into .venv, the version of requirements-dev.txt)
#   - with --sanitize: clang, whose libFuzzer the fuzz targets need (scripts/sanitize.sh)
# Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

want_python=0
want_lint=0
want_sanitize=0
for arg in "$@"; do
  case "$arg" in
    --python) want_python=1 ;;
    --lint) want_lint=1 ;;
    --sanitize) want_sanitize=1 ;;
    *) echo "setup.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

packages=(g++ cmake ninja-build ccache libeigen3-dev libboost-graph-dev libfmt-dev nlohmann-json3-dev doctest-dev libpugixml-dev libxxhash-dev)
if ((want_lint)); then packages+=(clang-format); fi
if ((want_sanitize)); then packages+=(clang); fi
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

pip() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }
if ((want_python || want_lint)) && [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "${PYTHON:-python3}" -m venv .venv
fi
if ((want_python)); then
  # pip only when a package of requirements-dev.txt is missing or a pinned
  # one has another version (asking pip itself takes seconds).
  if ! .venv/bin/python - requirements-dev.txt 2>/dev/null <<'EOF'; then
import importlib.metadata as md, re, sys
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if not line:
        continue
    name, op, want = re.match(r"([A-Za-z0-9_.\-]+)\s*(==|>=)?\s*(\S*)", line).groups()
    have = md.version(name)  # raises when missing
    if op == "==" and have != want:
        sys.exit(1)
EOF
    echo "setup: installing Python packages of requirements-dev.txt into .venv"
    pip -r requirements-dev.txt
  fi
elif ((want_lint)); then
  ruff_req=$(grep -E '^ruff' requirements-dev.txt)
  if [ "$(.venv/bin/ruff --version 2>/dev/null)" != "ruff ${ruff_req#ruff==}" ]; then
    echo "setup: installing $ruff_req into .venv"
    pip "$ruff_req"
  fi
fi
