"""One marked section of docs/performance.md per benchmark runner.

Each runner owns the text between its two marker comments and rewrites only
that; a missing section is appended at the end of the file.
"""

from __future__ import annotations

import argparse
import os
import subprocess


def replace_section(path: str, begin: str, end: str, section: str) -> None:
    """Write `section` (which starts with `begin` and ends with `end`) in place
    of the current text between the two markers of `path`."""
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    start, stop = old.find(begin), old.find(end)
    if start >= 0 and stop > start:
        new = old[:start] + section.rstrip("\n") + old[stop + len(end) :]
    else:
        new = old.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def write_section(path: str, begin: str, end: str, lines: list) -> None:
    """replace_section with the section's lines (from `begin`); the end
    marker is added after a blank line."""
    replace_section(path, begin, end, "\n".join([*lines, "", end]))


def runner_parser(doc: str, members: int) -> argparse.ArgumentParser:
    """The options every runner shares: --members, --threads, --no-report."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=members)
    ap.add_argument("--threads", type=int, default=0, help="worker threads (0 = all cores)")
    ap.add_argument("--no-report", action="store_true", help="print results, do not write the report")
    return ap


def git_commit(root: str) -> str:
    """The short hash of HEAD in `root`, or "?" when git cannot tell."""
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root
            ).stdout.strip()
            or "?"
        )
    except OSError:
        return "?"
