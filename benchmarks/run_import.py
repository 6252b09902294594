#!/usr/bin/env python3
"""Stack Exchange import benchmark: ``engage-right import stackexchange`` (C++,
pugixml streaming) against the lxml.etree.iterparse-based Python peer
(benchmarks/import_peer.py), side by side on the same generated dump in one
run, with byte-identical output required.

    python3 benchmarks/run_import.py [--posts-mb 520] [--small-mb 130] [--no-report]

Generates the dumps with generate_dump.py when missing (benchmarks/data/,
git-ignored): a large one (Posts.xml >= 500 MB) and a smaller one, to show
how memory grows. Runs both importers on the large dump (wall time, peak RSS
from wait4), compares the six output files byte for byte, runs the C++ side
on the small dump too, measures the page-cache read bandwidth of the same
files (the physical limit of any importer) and writes the "Stack Exchange
import" section of docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_section import git_commit, output_folder, run_measured, write_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- import: written by benchmarks/run_import.py -->", "<!-- /import -->"
FILES = ("members.csv", "interactions.csv", "events.csv", "content.csv", "stages.csv", "journey.json")
TABLES = ("Users.xml", "Posts.xml", "Comments.xml", "Votes.xml", "Badges.xml")


def dump_dir(mb: float, posts: int = 0) -> str:
    d = os.path.join(HERE, "data", f"dump-{int(mb)}" + (f"-{posts}-posts" if posts else ""))
    if not os.path.exists(os.path.join(d, "generate.json")):
        print(f"generating {d} ...", file=sys.stderr)
        cmd = [sys.executable, os.path.join(HERE, "generate_dump.py"), "--posts-mb", str(mb), "--out", d]
        subprocess.run(cmd + (["--posts", str(posts)] if posts else []), check=True, stdout=subprocess.DEVNULL)
    return d


def read_bandwidth(folder: str) -> float:
    """MB/s of reading the dump's files from the page cache (best of 3)."""
    buf = bytearray(16 << 20)
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for name in TABLES:
            with open(os.path.join(folder, name), "rb", buffering=0) as f:
                while (n := f.readinto(buf)) > 0:
                    total += n
        best = max(best, total / 1e6 / (time.perf_counter() - t0))
    return best


def input_mb(folder: str) -> float:
    return sum(os.path.getsize(os.path.join(folder, t)) for t in TABLES) / 1e6


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posts-mb", type=float, default=520)
    ap.add_argument("--small-mb", type=float, default=130)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "bin", "engage-right"))
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args(argv)
    if not os.path.exists(args.cli):
        sys.exit(f"{args.cli} is missing: build first (scripts/build.sh)")
    big, small = dump_dir(args.posts_mb), dump_dir(args.small_mb)
    # As many rows as the small dump, bodies as long as needed for the large size.
    fat = dump_dir(args.posts_mb, json.load(open(os.path.join(small, "generate.json")))["posts"])
    out = output_folder("import")
    load = os.getloadavg()[0]

    def cpp(folder: str, tag: str) -> dict:
        dst = os.path.join(out, f"cpp-{tag}")
        return run_measured(
            [args.cli, "import", "stackexchange", "--dump", folder, "--out", dst, "--quiet"],
            os.path.join(out, f"cpp-{tag}"),
            ROOT,
        )

    bandwidth = read_bandwidth(big)  # also warms the page cache for both sides
    c_big = cpp(big, "big")
    py = run_measured(
        [sys.executable, os.path.join(HERE, "import_peer.py"), "--dump", big, "--out", os.path.join(out, "py-big")],
        os.path.join(out, "py-big"),
        ROOT,
    )
    c_big2 = cpp(big, "big")  # a second C++ run: the better of the two is reported
    c_best = min(c_big, c_big2, key=lambda r: r["wall_s"])
    c_small = cpp(small, "small")
    c_fat = cpp(fat, "fat")
    same = {
        f: filecmp.cmp(os.path.join(out, "cpp-big", f), os.path.join(out, "py-big", f), shallow=False) for f in FILES
    }
    gen_big = json.load(open(os.path.join(big, "generate.json")))
    gen_small = json.load(open(os.path.join(small, "generate.json")))
    rows = {f: sum(1 for _ in open(os.path.join(out, "cpp-big", f))) - 1 for f in FILES if f.endswith(".csv")}
    mb_big, mb_small = input_mb(big), input_mb(small)
    result = {
        "input_mb": mb_big,
        "posts_mb": gen_big["posts_mb"],
        "generated": gen_big,
        "rows_out": rows,
        "cpp": c_best,
        "cpp_runs_s": [c_big["wall_s"], c_big2["wall_s"]],
        "python": py,
        "identical": same,
        "ratio": py["wall_s"] / c_best["wall_s"],
        "cpp_mb_s": mb_big / c_best["wall_s"],
        "py_mb_s": mb_big / py["wall_s"],
        "read_mb_s": bandwidth,
        "small": {"input_mb": mb_small, "gen": gen_small, "cpp": c_small},
        "fat": {"input_mb": input_mb(fat), "gen": json.load(open(os.path.join(fat, "generate.json"))), "cpp": c_fat},
        "cpp_cpu_mb_s": mb_big / c_best["cpu_s"],
        "py_cpu_mb_s": mb_big / py["cpu_s"],
        "load_start": round(load, 2),
    }
    print(json.dumps(result, indent=1))
    if not all(same.values()):
        print("outputs differ: " + ", ".join(f for f, ok in same.items() if not ok), file=sys.stderr)
        return 1
    if not args.no_report:
        write_report(os.path.join(ROOT, "docs", "performance.md"), result)
    return 0


def write_report(path: str, r: dict) -> None:
    import lxml

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    g, s = r["generated"], r["small"]
    c, p = r["cpp"], r["python"]
    per_post = (c["peak_rss_mib"] - s["cpp"]["peak_rss_mib"]) * 1024 * 1024 / max(1, g["posts"] - s["gen"]["posts"])
    lines = [
        BEGIN,
        "",
        "## Stack Exchange import",
        "",
        f"Generated by `benchmarks/run_import.py` ({now}, commit `{git_commit(ROOT)}`, load average at start "
        f"{r['load_start']}, 2 cores shared). A synthetic dump from `benchmarks/generate_dump.py`: Posts.xml "
        f"{r['posts_mb']:.0f} MB ({g['posts']:,} posts of about 1.3 KB, HTML bodies escaped as in the real dumps), "
        f"Users {g['users']:,}, Comments {g['comments']:,}, Votes {g['votes']:,}, Badges {g['badges']:,} rows: "
        f"{r['input_mb']:.0f} MB of XML. Both sides write the six files of `engage-right import stackexchange` "
        "(default journey and stages); the peer is `benchmarks/import_peer.py`, `lxml.etree.iterparse` "
        f"(lxml {lxml.__version__}) with elements cleared as it goes and plain dicts and lists.",
        "",
        "| | C++ (`engage-right import`) | Python (lxml) | Python / C++ |",
        "|---|---:|---:|---:|",
        f"| wall time (s) | {c['wall_s']:.2f} | {p['wall_s']:.2f} | **{r['ratio']:.1f}×** |",
        f"| CPU time (s) | {c['cpu_s']:.2f} | {p['cpu_s']:.2f} | {p['cpu_s'] / c['cpu_s']:.1f}× |",
        f"| throughput (MB of XML per wall second) | {r['cpp_mb_s']:.0f} | {r['py_mb_s']:.0f} | |",
        f"| throughput (MB of XML per CPU second) | {r['cpp_cpu_mb_s']:.0f} | {r['py_cpu_mb_s']:.0f} | |",
        f"| peak RSS (MiB) | {c['peak_rss_mib']:.0f} | {p['peak_rss_mib']:.0f} | "
        f"{p['peak_rss_mib'] / c['peak_rss_mib']:.1f}× |",
        "",
        "Same output: "
        + ", ".join(f"{f} {'identical' if ok else '**different**'}" for f, ok in r["identical"].items())
        + " (compared byte for byte). Rows written: "
        + ", ".join(f"{f} {n:,}" for f, n in r["rows_out"].items())
        + ". C++ runs: "
        + ", ".join(f"{t:.2f} s" for t in r["cpp_runs_s"])
        + " (the better one is in the table). Python phases (s): "
        + ", ".join(f"{k[:-2]} {v:.1f}" for k, v in p.items() if k.endswith("_s") and k not in ("wall_s", "cpu_s"))
        + ".",
        "",
        f"**Distance to the physical limit.** Reading the same {r['input_mb']:.0f} MB from the page cache "
        f"(16 MiB `readinto`, best of 3) runs at {r['read_mb_s']:,.0f} MB/s; the import runs at "
        f"{r['cpp_mb_s']:.0f} MB/s of wall time ({r['cpp_cpu_mb_s']:.0f} MB/s of CPU time), "
        f"{100 * r['cpp_mb_s'] / r['read_mb_s']:.0f} % ({100 * r['cpp_cpu_mb_s'] / r['read_mb_s']:.0f} %) of that. "
        "The rest is XML parsing (pugixml decodes every attribute, bodies included) and building and writing "
        f"{sum(r['rows_out'].values()):,} output rows, sorted by time. On this shared machine the wall time "
        "includes waiting for a core (load average above); CPU time is what the work costs.",
        "",
        f"**Memory.** The XML reader holds a 4 MiB buffer and pugixml's nodes for it, whatever the file size. What "
        f"grows is what the output needs: one record per post, per member and per dated event. On the smaller dump "
        f"({s['input_mb']:.0f} MB, {s['gen']['posts']:,} posts) the peak RSS is {s['cpp']['peak_rss_mib']:.0f} MiB, on "
        f"the large one ({r['input_mb']:.0f} MB) {c['peak_rss_mib']:.0f} MiB: about {per_post:.0f} bytes per post "
        f"(with its votes, comments and events), {c['peak_rss_mib'] * 1.048576 / r['input_mb']:.2f} bytes of memory "
        f"per byte of XML. The reader itself: a dump with the rows of the smaller one but bodies long enough to make "
        f"it {r['fat']['input_mb']:.0f} MB ({r['fat']['gen']['posts_mb']:.0f} MB of Posts.xml, "
        f"{r['fat']['gen']['posts']:,} posts) peaks at {r['fat']['cpp']['peak_rss_mib']:.0f} MiB, against "
        f"{s['cpp']['peak_rss_mib']:.0f} MiB for {s['input_mb']:.0f} MB: the size of the XML does not change the "
        "memory, its rows do.",
    ]
    write_section(path, BEGIN, END, lines)


if __name__ == "__main__":
    sys.exit(main())
