"""Helpers shared by the CLI tests (running the binary, parsing its output)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

from reference import CSV_COLUMNS

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CLI_TIMEOUT = 60


def cli_path() -> Path:
    env = os.environ.get("ENGAGE_RIGHT_CLI")
    return Path(env) if env else REPO / "build" / "bin" / "engage-right"


def run(cli, *args, check_exit=None):
    """Run the CLI; returns CompletedProcess with bytes stdout/stderr."""
    cmd = [str(cli)] + [str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, timeout=CLI_TIMEOUT)
    if check_exit is not None and proc.returncode != check_exit:
        raise AssertionError(
            f"{' '.join(cmd)}\nexpected exit {check_exit}, got {proc.returncode}\n"
            f"stderr:\n{proc.stderr.decode('utf-8', 'replace')}\n"
            f"stdout (first 2000 chars):\n{proc.stdout.decode('utf-8', 'replace')[:2000]}"
        )
    return proc


def parse_csv_output(data: bytes):
    """Parse `--format csv` output: checks the header, returns list of dicts."""
    text = data.decode("utf-8")
    if text.strip() == "":
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert rows[0] == CSV_COLUMNS, f"unexpected CSV header {rows[0]!r}"
    out = []
    for i, r in enumerate(rows[1:], start=2):
        assert len(r) == len(CSV_COLUMNS), f"CSV output line {i} has {len(r)} fields: {r!r}"
        out.append(dict(zip(CSV_COLUMNS, r)))
    return out
