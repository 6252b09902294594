"""Shared fixtures for the engage-right CLI tests.

The CLI is found through the environment variable ENGAGE_RIGHT_CLI, or
defaults to <repo>/build/bin/engage-right where <repo> is two directories
above this file. A missing binary is a test failure, never a skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # make `import reference` / `import cliutil` work in any import mode
    sys.path.insert(0, str(HERE))

from cliutil import REPO, cli_path, run  # noqa: E402


@pytest.fixture(scope="session")
def cli() -> Path:
    path = cli_path()
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"engage-right CLI not found or not executable at {path}. Build it with "
            f"`cmake -S {REPO} -B {REPO}/build -DCMAKE_BUILD_TYPE=Release && "
            f"cmake --build {REPO}/build -j2`, or point ENGAGE_RIGHT_CLI at the binary.",
            pytrace=False,
        )
    return path


@pytest.fixture
def run_cli(cli):
    def _run(*args, check_exit=None):
        return run(cli, *args, check_exit=check_exit)

    return _run
