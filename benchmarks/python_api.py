#!/usr/bin/env python3
"""Python API benchmark: engage_right from DataFrames to the result DataFrame,
against the CLI on the same files and the pandas/numpy/scipy peer, in one run.

    .venv/bin/python benchmarks/python_api.py [--size 100k] [--repeat 3]

Writes its table into docs/performance.md (a marked section that
benchmarks/run.py keeps). Needs the package installed
(scripts/install-python.sh), build/bin/engage-right and benchmarks/data/<size>/
(made by benchmarks/generate.py or benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_section import replace_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BEGIN = "<!-- python-api: written by benchmarks/python_api.py -->"
END = "<!-- /python-api -->"
ROOT = os.path.dirname(HERE)


def best_of(repeat, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "performance.md"))
    args = ap.parse_args()

    import engage_right as er

    data = os.path.join(HERE, "data", args.size)
    members_csv, inter_csv = os.path.join(data, "members.csv"), os.path.join(data, "interactions.csv")
    if not os.path.exists(members_csv):
        print(f"missing {members_csv}: run python3 benchmarks/run.py first", file=sys.stderr)
        return 2
    members = pd.read_csv(members_csv)
    inter = pd.read_csv(inter_csv)

    t_frames, community = best_of(args.repeat, lambda: er.Community.from_frames(members, inter))
    t_rec, result = best_of(args.repeat, lambda: er.recommend(community, k=5))
    t_csv, _ = best_of(args.repeat, lambda: er.Community.from_csv(members_csv, inter_csv))

    cli = os.path.join(ROOT, "build", "bin", "engage-right")
    out_csv = os.path.join(HERE, "out", f"cli_{args.size}.csv")
    os.makedirs(os.path.dirname(out_csv), exist_ok=True)
    inputs = ["--members", members_csv, "--interactions", inter_csv, "--top", "5"]  # the CLI's and the peer's
    cmd = [
        cli,
        "recommend",
        *inputs,
        "--format",
        "csv",
        "--output",
        out_csv,
    ]
    t_cli, _ = best_of(args.repeat, lambda: subprocess.run(cmd, check=True))

    peer = [
        sys.executable,
        os.path.join(HERE, "python_peer.py"),
        *inputs,
        "--output",
        os.path.join(HERE, "out", f"peer_{args.size}.csv"),
        "--repeat",
        str(args.repeat),
    ]
    peer_json = json.loads(
        subprocess.run(peer, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    )

    # Same answer as the CLI: peers and scores.
    cli_rows = pd.read_csv(out_csv, keep_default_na=False, dtype={"member": str, "peer": str})
    same = (
        len(cli_rows) == len(result)
        and (cli_rows["peer"].to_numpy() == result["peer"].to_numpy()).all()
        and np.abs(cli_rows["score"].to_numpy() - result["score"].to_numpy()).max() <= 1e-6
    )

    py_total = t_frames + t_rec
    peer_total = peer_json["load_s"] + peer_json["recommend_s"]
    lines = [
        BEGIN,
        "## The Python API (from DataFrames to the result DataFrame)",
        "",
        "Written by `benchmarks/python_api.py` (`.venv/bin/python benchmarks/python_api.py`); re-run it to refresh.",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {os.cpu_count()} cores, "
        f"{platform.machine()}; Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}",
        f"- data: `benchmarks/data/{args.size}` ({len(members):,} members, {len(inter):,} interaction rows); "
        f"top-5 for every member; best of {args.repeat}",
        f"- the Python API result equals the CLI's CSV (peers, scores within 1e-6): **{'yes' if same else 'NO'}**",
        "",
        "| path | what is timed | seconds |",
        "|---|---|---:|",
        f"| Python API | `Community.from_frames(members_df, interactions_df)` | {t_frames:.3f} |",
        f"| Python API | `er.recommend(community, k=5)` → DataFrame (with reasons) | {t_rec:.3f} |",
        f"| Python API | **from DataFrames to result DataFrame** | **{py_total:.3f}** |",
        f"| Python API | `Community.from_csv(...)` (for reference) | {t_csv:.3f} |",
        f"| CLI | `engage-right recommend ... --format csv --output F` (whole process) | {t_cli:.3f} |",
        f"| pandas/numpy/scipy peer | load + recommend (`benchmarks/python_peer.py`) | {peer_total:.3f} |",
        "",
        f"- Python API vs CLI on the same files: {py_total / t_cli:.2f}x the CLI's time "
        f"({(py_total / t_cli - 1) * 100:+.0f} %); the CLI also parses and writes CSV.",
        f"- Python API vs the pandas peer: {peer_total / py_total:.1f}x faster. See "
        "`docs/performance-notes.md` for why exhaustive exact scoring cannot be 25-30x faster than this peer "
        "on two cores.",
        "",
    ]
    lines.append(END)
    section = "\n".join(lines)
    replace_section(args.report, BEGIN, END, section)
    print("\n".join(lines))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
