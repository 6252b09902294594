#!/usr/bin/env python3
"""Hostile shapes: the cost of communities that used to make the batch blow up.

    .venv/bin/python benchmarks/run_shapes.py [--members N] [--no-report]

On one synthetic community (benchmarks/generate.py, N members, mean degree
8, 16 features, tags) and four variants of it, runs ``engage-right
recommend`` (top 5, everyone) and ``engage-right match`` through the CLI and
reports wall time and peak memory, each as a ratio to the plain community:

* ``hub``: one more member with an interaction to every member (a community
  manager who replied to all, a bot);
* ``no features, no tags``: stage, satisfaction, capacity, activity and the
  interactions only, as many CRM exports are;
* ``all ties``: no features, no tags, no interactions and one satisfaction
  for everyone, so every peer scores the same;
* ``50 MB line``: a members.csv whose second line is 50 MB of commas
  (memory of the rejected read against the file size).

Also runs engage-right-bench-live (snapshots, live updates, query latency).
Writes the "Shapes" section of docs/reliability.md (between its markers).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_section import generated_community, replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "bin", "engage-right")
BENCH_LIVE = os.path.join(ROOT, "build", "bin", "engage-right-bench-live")
BEGIN, END = "<!-- shapes: written by benchmarks/run_shapes.py -->", "<!-- /shapes -->"


def run_child(args: list[str]) -> tuple[float, float, int]:
    """Time one command in a fresh Python child, so peak RSS is its own."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "w = time.perf_counter() - t\n"
        "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0, r.returncode)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True).stdout
    wall, mb, rc = out.split()
    return float(wall), float(mb), int(rc)


def variants(base: str, out: str) -> dict[str, tuple[str, str | None]]:
    os.makedirs(out, exist_ok=True)
    members, inter = os.path.join(base, "members.csv"), os.path.join(base, "interactions.csv")
    with open(members, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    ids = [r[0] for r in body]
    # hub
    hub_m, hub_i = os.path.join(out, "hub_members.csv"), os.path.join(out, "hub_interactions.csv")
    with open(hub_m, "w", newline="") as f:
        w = csv.writer(f)
        w.writerows(rows)
        w.writerow(["hub", "loyal"] + ["0" if h.startswith("f_") else "" for h in header[2:]])
    with open(hub_i, "w") as f, open(inter) as src:
        f.write(src.read())
        f.writelines(f"hub,{x},1,1700000000\n" for x in ids)
    # no features, no tags
    keep = [k for k, h in enumerate(header) if not h.startswith("f_") and h != "tags"]
    plain = os.path.join(out, "plain_members.csv")
    with open(plain, "w", newline="") as f:
        w = csv.writer(f)
        w.writerows([[r[k] for k in keep] for r in rows])
    # all ties
    ties = os.path.join(out, "ties_members.csv")
    sat = [header[k] for k in keep].index("satisfaction")
    with open(ties, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([header[k] for k in keep])
        for r in body:
            cells = [r[k] for k in keep]
            cells[sat] = "9"
            w.writerow(cells)
    return {
        "plain community": (members, inter),
        "hub": (hub_m, hub_i),
        "no features, no tags": (plain, inter),
        "all ties": (ties, None),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=100000)
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args()
    n = args.members
    members, interactions = generated_community(os.path.join(ROOT, "benchmarks", "data", f"synthetic_{n}"), n, seed=1)
    base = os.path.dirname(members)
    out = os.path.join(ROOT, "benchmarks", "data", f"shapes_{n}")
    rows = []  # peak MB are each child's own (getrusage of a fresh Python parent)
    for name, (m, i) in variants(base, out).items():
        for command in ("recommend", "match"):
            cli = [CLI, command, "--members", m, "--format", "csv"] + (["--interactions", i] if i else [])
            wall, mb, rc = run_child(cli)
            if rc != 0:
                raise SystemExit(f"run_shapes: {command} on {name} exited {rc}")
            print(f"run_shapes: {name:22} {command:9} {wall:7.2f} s {mb:8.0f} MB", file=sys.stderr)
            rows.append({"shape": name, "command": command, "seconds": wall, "peak_mb": mb})
    line = os.path.join(out, "line50.csv")
    with open(line, "w") as f:
        f.write("id,stage\n" + "," * 50_000_000 + "\n")
    wall, mb, rc = run_child([CLI, "stats", "--members", line])
    line_row = {"seconds": wall, "peak_mb": mb, "exit": rc, "file_mb": os.path.getsize(line) / 1e6}
    print(f"run_shapes: 50 MB line: exit {rc}, {wall:.2f} s, {mb:.0f} MB", file=sys.stderr)
    live = json.loads(
        subprocess.run(
            [BENCH_LIVE, "--members", members, "--interactions", interactions, "--out", out, "--queries", "300"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    print("run_shapes: live " + json.dumps(live), file=sys.stderr)
    os.makedirs(os.path.join(ROOT, "benchmarks", "out"), exist_ok=True)
    results = {"members": n, "shapes": rows, "line50": line_row, "live": live}
    with open(os.path.join(ROOT, "benchmarks", "out", f"shapes_{n}.json"), "w") as f:
        json.dump(results, f, indent=1)
    if not args.no_report:
        replace_section(os.path.join(ROOT, "docs", "reliability.md"), BEGIN, END, BEGIN + "\n" + report(results) + END)
    return 0


def report(r: dict) -> str:
    base = {x["command"]: x for x in r["shapes"] if x["shape"] == "plain community"}
    out = [
        f"{r['members']:,} members (benchmarks/generate.py, seed 1), CLI, all members' top 5 and the "
        "optimal plan; ratios against the plain community of the same size, same run.",
        "",
        "| shape | recommend s | × plain | match s | × plain | peak MB (match) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for shape in dict.fromkeys(x["shape"] for x in r["shapes"]):
        rec = next(x for x in r["shapes"] if x["shape"] == shape and x["command"] == "recommend")
        mat = next(x for x in r["shapes"] if x["shape"] == shape and x["command"] == "match")
        out.append(
            f"| {shape} | {rec['seconds']:.2f} | {rec['seconds'] / base['recommend']['seconds']:.2f} | "
            f"{mat['seconds']:.2f} | {mat['seconds'] / base['match']['seconds']:.2f} | {mat['peak_mb']:.0f} |"
        )
    line = r["line50"]
    out += [
        "",
        f"A members.csv whose second line is {line['file_mb']:.0f} MB of commas: exit code {line['exit']} "
        f"(input error naming line 2) after {line['seconds']:.2f} s with a peak of {line['peak_mb']:.0f} MB "
        f"({line['peak_mb'] / line['file_mb']:.1f}× the file).",
        "",
        "Snapshots and live updates (engage-right-bench-live, same community):",
        "",
        "| measure | value |",
        "|---|---:|",
    ]
    lv = r["live"]
    for key, label, unit in [
        ("load_csv", "load members.csv + interactions.csv", "s"),
        ("save_snapshot", "save the snapshot (synced)", "s"),
        ("snapshot_bytes", "snapshot size", "bytes"),
        ("load_snapshot", "load the snapshot (median of 3)", "s"),
        ("update_one", "one update_member (median of 5)", "s"),
        ("update_batch", f"apply() of {lv['batch']} updates", "s"),
        ("query_p50", "top-5 query, p50 (builds the recommender of the version)", "s"),
        ("query_p99", "top-5 query, p99", "s"),
        ("query_p50_updating", "top-5 query p50 while a writer applies batches", "s"),
        ("query_p99_updating", "top-5 query p99 while a writer applies batches", "s"),
        ("versions_during_queries", "versions published during those queries", ""),
    ]:
        v = lv[key]
        out.append(f"| {label} | {v:,} {unit} |" if isinstance(v, int) else f"| {label} | {v:.4f} {unit} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
