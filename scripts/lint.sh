#!/usr/bin/env bash
# Check the format of every tracked C++ file (clang-format, .clang-format) and
# lint and format of every tracked Python file (ruff, pyproject.toml).
# Exits non-zero on any finding. `scripts/lint.sh --fix` applies both
# formatters and ruff's safe fixes instead; what remains is for a person.
# Installs clang-format (Debian) and ruff (.venv, pinned in requirements-dev.txt)
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
for arg in "$@"; do
  case "$arg" in
    --fix) fix=1 ;;
    *) echo "lint.sh: unknown argument $arg (use --fix to apply the formatters)" >&2; exit 2 ;;
  esac
done

scripts/setup.sh --lint
ruff=.venv/bin/ruff
clang_major=$(clang-format --version | sed -E 's/.*version ([0-9]+).*/\1/')
if [ "$clang_major" != 14 ]; then
  echo "lint: note: .clang-format was tuned with clang-format 14 (Debian 12); $clang_major may format differently"
fi

# Tracked files; outside a git checkout (an unpacked sdist), every file.
files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- "$@"
  else
    local args=() p
    for p in "$@"; do args+=(-o -name "$p"); done
    find . \( -path ./.git -o -path './build*' -o -path './.venv*' \) -prune -o \( -false "${args[@]}" \) -type f -print |
      sed 's|^\./||' | sort
  fi
}
mapfile -t cxx < <(files '*.cpp' '*.hpp' '*.h')
mapfile -t py < <(files '*.py' '*.pyi')

if ((fix)); then
  clang-format -i "${cxx[@]}"
  "$ruff" check --fix --silent "${py[@]}" || true
  "$ruff" format --quiet "${py[@]}"
  # Report what the fixes could not do.
  exec scripts/lint.sh
fi

status=0
unformatted=()
for f in "${cxx[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if ((${#unformatted[@]})); then
  echo "lint: clang-format would change ${#unformatted[@]} of ${#cxx[@]} C++ files:"
  printf '  %s\n' "${unformatted[@]}"
  status=1
fi
if ! "$ruff" check --quiet --output-format concise "${py[@]}"; then
  echo "lint: ruff check found problems (above)"
  status=1
fi
if ! "$ruff" format --check --output-format concise "${py[@]}"; then
  echo "lint: ruff format would change the Python files above"
  status=1
fi
if ((status)); then
  echo "lint: run scripts/lint.sh --fix to apply clang-format, ruff format and ruff's safe fixes;"
  echo "      see the diff of one file with: clang-format FILE | diff FILE -   or   .venv/bin/ruff format --diff FILE"
else
  echo "lint: ${#cxx[@]} C++ and ${#py[@]} Python files clean"
fi
exit $status
