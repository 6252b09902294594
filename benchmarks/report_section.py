"""One marked section of docs/performance.md per benchmark runner.

Each runner owns the text between its two marker comments and rewrites only
that; a missing section is appended at the end of the file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time


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


def require_program(path: str, how: str) -> None:
    """Exit with "`path` not found: `how`" unless `path` is an executable."""
    if not os.access(path, os.X_OK):
        sys.exit(f"{path} not found: {how}")


BENCH_DIR = os.path.dirname(os.path.abspath(__file__))


def output_folder(*parts: str) -> str:
    """benchmarks/out/<parts>, created when missing."""
    path = os.path.join(BENCH_DIR, "out", *parts)
    os.makedirs(path, exist_ok=True)
    return path


def runner_folders(label: str, members: int, out: str) -> tuple:
    """A runner's members.csv and interactions.csv (generated_community in
    benchmarks/data/<label>) and its output folder benchmarks/out/<out>."""
    data = generated_community(os.path.join(BENCH_DIR, "data", label), members)
    return (*data, output_folder(out))


def generated_community(folder: str, members: int, seed: int = 42) -> tuple:
    """The members.csv and interactions.csv of a community of `members`
    written by generate.py into `folder` (generated first when members.csv is
    missing, its output on stderr)."""
    paths = os.path.join(folder, "members.csv"), os.path.join(folder, "interactions.csv")
    if not os.path.exists(paths[0]):
        generator = os.path.join(BENCH_DIR, "generate.py")
        cmd = [sys.executable, generator, "--members", str(members), "--seed", str(seed), "--out", folder]
        subprocess.run(cmd, check=True, stdout=sys.stderr)
    return paths


def run_measured(cmd: list, log: str, cwd: str, require_json: bool = False) -> dict:
    """Run a child in `cwd` with its output in `log`.out and `log`.err; exit
    naming the log when it fails. Returns the last JSON line of its output
    (none: an empty dict, or an exit when `require_json`) with the measured
    wall_s, cpu_s and peak_rss_mib (os.wait4) set over it."""
    t0 = time.perf_counter()
    with open(log + ".out", "w") as fo, open(log + ".err", "w") as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"{' '.join(cmd)} failed; see {log}.err")
    with open(log + ".out") as f:
        lines = [x for x in f.read().splitlines() if x.startswith("{")]
    if not lines and require_json:
        sys.exit(f"{' '.join(cmd)} wrote no JSON line; see {log}.out")
    info = json.loads(lines[-1]) if lines else {}
    info.update(wall_s=wall, peak_rss_mib=usage.ru_maxrss / 1024, cpu_s=usage.ru_utime + usage.ru_stime)
    return info


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
