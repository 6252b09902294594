#!/usr/bin/env python3
"""Side-by-side benchmark: C++ engage-right-bench vs the pure-Python peer.

    python3 benchmarks/run.py                 # 10k and 100k
    python3 benchmarks/run.py --with-1m       # + 1M (C++ only unless --python-1m)
    python3 benchmarks/run.py --python-only   # no C++ binary needed

For every community size it generates the data if missing
(benchmarks/data/<size>/), runs build/bin/engage-right-bench and
benchmarks/python_peer.py on the SAME files, checks that both outputs agree
(same peer at every (member, rank), scores and components within 1e-5) and
writes a markdown report to docs/performance.md (machine, command, times,
Python/C++ ratios, peak memory, agreement).

The C++ binary contract:
    engage-right-bench recommend --members F --interactions F --top K
        --output OUT.csv [--single-member ID] [--repeat R]
prints one JSON line {"members", "load_s", "recommend_s" (best of R),
"write_s", "rows", "single_query_s"} and writes the same CSV columns as the
Python peer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import platform
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
TOL = 1e-5
NUM_COLS = ["score", "similarity", "tags", "proximity", "happiness"]


class BenchError(Exception):
    pass


def recommend_args(data: dict, top: int, output: str, repeat: int) -> list[str]:
    """The options the C++ benchmark and the Python peer both take."""
    return [
        "--members",
        data["members"],
        "--interactions",
        data["interactions"],
        "--top",
        str(top),
        "--output",
        output,
        "--repeat",
        str(repeat),
    ]


# --------------------------------------------------------------------------
# running a child process with wall time and its own peak RSS
# --------------------------------------------------------------------------
def run_measured(cmd: list[str], log_prefix: str, timeout: float) -> dict:
    """Run cmd, stdout/stderr to <log_prefix>.stdout/.stderr; return wall
    time, exit code, peak RSS (MiB, from wait4 of that very child) and the
    last JSON line printed on stdout."""
    out_path, err_path = log_prefix + ".stdout", log_prefix + ".stderr"
    t0 = time.perf_counter()
    with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=ROOT)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid == p.pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                os.wait4(p.pid, 0)
                p.returncode = -9
                raise BenchError(f"timeout after {timeout:.0f}s: {shlex.join(cmd)}")
            time.sleep(0.02)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    stdout = open(out_path, encoding="utf-8", errors="replace").read()
    stderr = open(err_path, encoding="utf-8", errors="replace").read()
    js = None
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                js = json.loads(line)
                break
            except json.JSONDecodeError:
                pass
    if p.returncode != 0:
        raise BenchError(f"exit code {p.returncode}: {shlex.join(cmd)}\n{stderr[-2000:]}")
    if js is None:
        raise BenchError(f"no JSON line on stdout of {shlex.join(cmd)}:\n{stdout[-2000:]}")
    # ru_maxrss is KiB on Linux
    return {"wall_s": wall, "peak_rss_mib": ru.ru_maxrss / 1024.0, "json": js, "cmd": cmd, "stderr": stderr}


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def ensure_data(label: str, n: int, seed: int, timeout: float) -> dict:
    d = os.path.join(HERE, "data", label)
    m, i = os.path.join(d, "members.csv"), os.path.join(d, "interactions.csv")
    info = {"dir": d, "members": m, "interactions": i, "generated": False}
    if not (os.path.exists(m) and os.path.exists(i)):
        os.makedirs(d, exist_ok=True)
        print(f"[{label}] generating {n} members into {os.path.relpath(d, ROOT)}", flush=True)
        r = run_measured(
            [sys.executable, os.path.join(HERE, "generate.py"), "--members", str(n), "--seed", str(seed), "--out", d],
            os.path.join(HERE, "out", f"generate_{label}"),
            timeout,
        )
        info.update(
            generated=True, generate=r["json"], generate_wall_s=r["wall_s"], generate_peak_rss_mib=r["peak_rss_mib"]
        )
    else:
        meta = os.path.join(d, "generate.json")
        if os.path.exists(meta):
            try:
                info["generate"] = json.load(open(meta))
            except (OSError, json.JSONDecodeError):
                pass
    info["members_bytes"] = os.path.getsize(m)
    info["interactions_bytes"] = os.path.getsize(i)
    return info


def community_stats(members_path: str, interactions_path: str) -> dict:
    """Row counts, a single-query member, the number of scored pairs (sum
    over steps of active members x eligible peers) and what is needed to
    check the hard rules on an output (see check_rules)."""
    import numpy as np
    import pandas as pd

    m = pd.read_csv(
        members_path,
        usecols=["id", "stage", "satisfaction", "capacity", "opted_out"],
        dtype={"id": str, "stage": str, "opted_out": str},
        keep_default_na=False,
        na_values={"satisfaction": [""], "capacity": [""]},
    )
    st = m["stage"].str.strip().str.lower().map({s: k for k, s in enumerate(STAGES)}).to_numpy()
    opted = m["opted_out"].str.strip().str.lower().isin(["1", "true"]).to_numpy()
    sat = m["satisfaction"].to_numpy(dtype=float)
    cap = m["capacity"].fillna(3).to_numpy(dtype=float)
    peer_ok = ~opted & (np.isnan(sat) | (sat >= 7)) & (cap > 0)
    pairs = 0
    for s in range(len(STAGES) - 1):
        pairs += int(((st == s) & ~opted).sum()) * int(((st == s + 1) & peer_ok).sum())
    first = np.flatnonzero((st == 0) & ~opted)
    index = pd.Index(m["id"])
    e = pd.read_csv(interactions_path, usecols=["source", "target"], dtype=str, keep_default_na=False)
    a, b = index.get_indexer(e["source"]), index.get_indexer(e["target"])
    n = len(m)
    lo, hi = np.minimum(a, b).astype(np.int64), np.maximum(a, b).astype(np.int64)
    edge_keys = np.unique(lo * n + hi)
    return {
        "members": n,
        "interactions": len(e),
        "pairs": pairs,
        "single_member": str(m["id"].iloc[first[0]]) if len(first) else None,
        "_rules": {"index": index, "stage": st, "opted": opted, "peer_ok": peer_ok, "edge_keys": edge_keys},
    }


CHANNELS = ["private", "public", "public", "private"]


def check_rules(df, rules: dict) -> dict:
    """Hard rules of DESIGN.md section 3 (and output sanity) on every row of
    an output table: known ids, peer exactly one stage to the right, neither
    opted out, peer satisfaction/capacity, no existing interaction, stage and
    channel columns right, no peer twice for a member, ranks 1..n."""
    import numpy as np

    n = len(rules["stage"])
    mi = rules["index"].get_indexer(df["member"])
    pi = rules["index"].get_indexer(df["peer"])
    unknown = (mi < 0) | (pi < 0)
    mi_, pi_ = np.where(unknown, 0, mi), np.where(unknown, 0, pi)
    st = rules["stage"]
    names = np.array(STAGES + [""], dtype=object)
    step_ok = st[pi_] == st[mi_] + 1
    lo, hi = np.minimum(mi_, pi_).astype(np.int64), np.maximum(mi_, pi_).astype(np.int64)
    keys = lo * n + hi
    pos = np.minimum(np.searchsorted(rules["edge_keys"], keys), max(len(rules["edge_keys"]) - 1, 0))
    has_edge = (rules["edge_keys"][pos] == keys) if len(rules["edge_keys"]) else np.zeros(len(df), bool)
    ch = np.array(CHANNELS + [""], dtype=object)[np.clip(st[mi_], 0, len(CHANNELS))]
    bad = {
        "unknown_id": unknown,
        "stage_step": ~step_ok,
        "member_opted_out": rules["opted"][mi_],
        "peer_not_eligible": ~rules["peer_ok"][pi_],
        "existing_interaction": has_edge,
        "stage_columns": (df["member_stage"].to_numpy() != names[st[mi_]])
        | (df["peer_stage"].to_numpy() != names[np.clip(st[pi_], 0, len(STAGES))]),
        "channel": df["channel"].to_numpy() != ch,
        "duplicate_peer": df.duplicated(["member", "peer"]).to_numpy(),
        "duplicate_rank": df.duplicated(["member", "rank"]).to_numpy(),
    }
    # rows with an unknown id were checked against row 0: only count them once
    bad = {
        k: (np.asarray(v, dtype=bool) if k == "unknown_id" else np.asarray(v, dtype=bool) & ~unknown)
        for k, v in bad.items()
    }
    g = df.groupby("member")["rank"]
    rank_gap = int(((g.max() != g.size()) | (g.min() != 1)).sum())
    any_bad = np.zeros(len(df), dtype=bool)
    for v in bad.values():
        any_bad |= v
    out = {k: int(v.sum()) for k, v in bad.items()}
    out["members_with_rank_gaps"] = rank_gap
    out["violating_rows"] = int(any_bad.sum()) + rank_gap
    return out


# --------------------------------------------------------------------------
# agreement
# --------------------------------------------------------------------------
def read_output(path: str):
    import pandas as pd

    return pd.read_csv(
        path,
        dtype={"member": str, "peer": str, "member_stage": str, "peer_stage": str, "channel": str, "reason": str},
        keep_default_na=False,
    )


def compare(py_csv: str, cpp_csv: str) -> dict:
    import numpy as np

    a = read_output(py_csv)
    b = read_output(cpp_csv)
    j = a.merge(b, on=["member", "rank"], how="outer", suffixes=("_py", "_cpp"), indicator=True)
    only_py = int((j["_merge"] == "left_only").sum())
    only_cpp = int((j["_merge"] == "right_only").sum())
    both = j[j["_merge"] == "both"]
    peer_diff = both["peer_py"] != both["peer_cpp"]
    sd = (both["score_py"].astype(float) - both["score_cpp"].astype(float)).abs()
    near_tie = peer_diff & (sd <= TOL)
    same = both[~peer_diff]
    comp_bad = np.zeros(len(same), dtype=bool)
    max_diff = 0.0
    for c in NUM_COLS:
        d = (same[c + "_py"].astype(float) - same[c + "_cpp"].astype(float)).abs().to_numpy()
        if len(d):
            max_diff = max(max_diff, float(d.max()))
        comp_bad |= d > TOL
    meta_bad = (
        (same["peer_stage_py"] != same["peer_stage_cpp"])
        | (same["member_stage_py"] != same["member_stage_cpp"])
        | (same["channel_py"] != same["channel_cpp"])
    ).sum()
    mismatches = only_py + only_cpp + int(peer_diff.sum()) + int(comp_bad.sum()) + int(meta_bad)
    return {
        "rows_py": len(a),
        "rows_cpp": len(b),
        "only_py": only_py,
        "only_cpp": only_cpp,
        "peer_diff": int(peer_diff.sum()),
        "peer_diff_near_tie": int(near_tie.sum()),
        "value_diff": int(comp_bad.sum()),
        "meta_diff": int(meta_bad),
        "max_abs_diff": max_diff,
        "mismatches": mismatches,
    }


# --------------------------------------------------------------------------
# machine info
# --------------------------------------------------------------------------
def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20, cwd=ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(bench: str) -> dict:
    info = {
        "nproc": sh(["nproc"]) or str(os.cpu_count()),
        "cpu": "unknown",
        "mem_gib": None,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["mem_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    # compiler and flags of the build the bench binary comes from
    cache = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(bench))), "CMakeCache.txt")
    cxx, btype, flags = None, None, None
    if os.path.exists(cache):
        for line in open(cache, errors="replace"):
            if line.startswith("CMAKE_CXX_COMPILER:"):
                cxx = line.split("=", 1)[1].strip()
            elif line.startswith("CMAKE_BUILD_TYPE:"):
                btype = line.split("=", 1)[1].strip()
            elif line.startswith("CMAKE_CXX_FLAGS:"):
                flags = line.split("=", 1)[1].strip()
    info["cxx"] = (sh([cxx or "c++", "--version"]).splitlines() or ["unknown"])[0]
    info["build_type"] = btype
    info["cxx_flags"] = flags
    try:
        import numpy
        import pandas
        import scipy

        info["numpy"], info["pandas"], info["scipy"] = numpy.__version__, pandas.__version__, scipy.__version__
        try:
            cfg = numpy.show_config(mode="dicts")
            blas = cfg["Build Dependencies"]["blas"]
            info["blas"] = f"{blas.get('name')} {blas.get('version', '')}".strip()
        except Exception:  # older numpy
            info["blas"] = "unknown"
    except ImportError:
        pass
    info["commit"] = sh(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    if os.path.exists(bench):
        info["bench_mtime"] = dt.datetime.fromtimestamp(os.path.getmtime(bench), dt.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
    info["loadavg"] = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    return info


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------
def fmt_s(x):
    if x is None:
        return "–"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_ratio(a, b):
    if a is None or b is None or b <= 0:
        return "–"
    return f"{a / b:.1f}×"


def fmt_bytes(n):
    return f"{n / 1e6:.1f} MB"


PY_API_BEGIN = "<!-- python-api: written by benchmarks/python_api.py -->"
PY_API_END = "<!-- /python-api -->"


def write_report(path: str, results: list[dict], mach: dict, args, command: str, load_end: list[str]) -> None:
    L = []
    L.append("# Performance: engage-right (C++) vs the pure-Python peer\n")
    L.append("Generated by `benchmarks/run.py` — do not edit by hand; re-run the command below to refresh it.\n")
    L.append(f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}, commit `{mach['commit']}`")
    L.append(f"- command: `{command}`")
    L.append(
        f"- machine: {mach['nproc']} × {mach['cpu']}, {mach['mem_gib']} GiB RAM, "
        f"Linux {mach['kernel']}; load average at start {' / '.join(mach['loadavg'])}, "
        f"at end {' / '.join(load_end)}"
    )
    L.append(
        f"- C++: `{os.path.relpath(args.bench, ROOT)}` (built {mach.get('bench_mtime', '?')}), {mach['cxx']}"
        + (f", CMAKE_BUILD_TYPE={mach['build_type']}" if mach.get("build_type") else "")
        + (f", CMAKE_CXX_FLAGS=`{mach['cxx_flags']}`" if mach.get("cxx_flags") else "")
    )
    L.append(
        f"- Python {mach['python']}, numpy {mach.get('numpy')}, pandas {mach.get('pandas')}, "
        f"scipy {mach.get('scipy')}, BLAS {mach.get('blas')}"
    )
    L.append(
        f"- workload: `recommend --top {args.top}` on the default journey; "
        f"recommend time is the best of {args.repeat} runs in both implementations "
        f"({args.repeat_1m} for 1m); load = CSV parsing + building all indexes/matrices; "
        "write = CSV output. The C++ recommend time includes building the one-sentence "
        "reasons (the Python peer leaves `reason` empty); *w/o reasons* is the C++ time "
        "without them, the like-for-like figure. Scored pairs = sum over the journey steps "
        "of (members at s) × (eligible peers at s+1).\n"
    )
    if args.python_only:
        L.append(
            "> **C++ not run** (`--python-only`): only the Python peer was measured. "
            "Re-run without `--python-only` to measure the C++ side.\n"
        )

    L.append("## Timings (seconds)\n")
    L.append(
        "| community | members | interactions | scored pairs | C++ load | C++ recommend "
        "| C++ recommend w/o reasons | C++ write "
        "| Python load | Python recommend | Python write | recommend Python/C++ "
        "| recommend Python/C++ w/o reasons | load+recommend Python/C++ |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        c, p, st = r.get("cpp"), r.get("py"), r["stats"]
        cj = c["json"] if c else {}
        pj = p["json"] if p else {}
        py_rec = pj.get("recommend_s")
        py_note = ""
        if p is None and r.get("py_estimate") is not None:
            py_rec = None
            py_note = f"skipped (≈{r['py_estimate']:.0f} extrapolated)"
        L.append(
            "| "
            + " | ".join(
                [
                    r["label"],
                    f"{st['members']:,}",
                    f"{st['interactions']:,}",
                    f"{st['pairs']:,}",
                    fmt_s(cj.get("load_s")),
                    fmt_s(cj.get("recommend_s")),
                    fmt_s(cj.get("recommend_no_reasons_s")),
                    fmt_s(cj.get("write_s")),
                    fmt_s(pj.get("load_s")),
                    py_note or fmt_s(py_rec),
                    fmt_s(pj.get("write_s")),
                    fmt_ratio(py_rec, cj.get("recommend_s"))
                    if not py_note
                    else fmt_ratio(r["py_estimate"], cj.get("recommend_s")) + " (extrapolated)",
                    fmt_ratio(py_rec, cj.get("recommend_no_reasons_s"))
                    if not py_note
                    else fmt_ratio(r["py_estimate"], cj.get("recommend_no_reasons_s")) + " (extrapolated)",
                    fmt_ratio(
                        (pj.get("load_s") or 0) + (py_rec or 0) if pj else None,
                        (cj.get("load_s") or 0) + (cj.get("recommend_s") or 0) if cj else None,
                    ),
                ]
            )
            + " |"
        )
    L.append("")

    L.append("## Memory, threads and single query\n")
    L.append(
        "Peak RSS is measured by `run.py` for each child process (wait4); wall includes "
        "interpreter start-up, all repeats and writing the output.\n"
    )
    L.append(
        "| community | C++ threads | C++ peak RSS (MiB) | Python peak RSS (MiB) | C++ wall (s) "
        "| Python wall (s) | C++ single-member query |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        c, p = r.get("cpp"), r.get("py")
        sq = c["json"].get("single_query_s") if c else None
        L.append(
            "| "
            + " | ".join(
                [
                    r["label"],
                    str(c["json"].get("threads", "?")) if c else "–",
                    f"{c['peak_rss_mib']:.0f}" if c else "–",
                    f"{p['peak_rss_mib']:.0f}" if p else "–",
                    fmt_s(c["wall_s"]) if c else "–",
                    fmt_s(p["wall_s"]) if p else "–",
                    (f"{sq * 1000:.2f} ms" if isinstance(sq, (int, float)) else "–"),
                ]
            )
            + " |"
        )
    L.append("")

    L.append("## Agreement and hard rules (same files, same top-k)\n")
    L.append(
        f"A mismatch is a (member, rank) present on one side only, a different peer, a "
        f"different stage/channel, or a score/component differing by more than {TOL:g}. "
        f"Peer differences whose two scores are within {TOL:g} of each other (near-ties) "
        "are shown in parentheses. Independently, every output row of each side is checked "
        "against the hard rules of DESIGN.md §3 (peer one stage to the right, nobody opted "
        "out, peer satisfaction ≥ 7 or unknown, capacity > 0, no existing interaction) and "
        "for sanity (known ids, right stage/channel columns, no peer twice, ranks 1..n).\n"
    )
    L.append(
        "| community | rows C++ | rows Python | mismatches | different peer (near-tie) "
        "| value > 1e-5 | max abs diff | rule violations C++ | rule violations Python |"
    )
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")

    def viol(r, side):
        v = r.get("rules_" + side)
        return "–" if v is None else (f"**{v['violating_rows']}**" if v["violating_rows"] else "0")

    for r in results:
        a = r.get("agree")
        if a is None:
            why = "C++ not run" if not r.get("cpp") else "Python not run"
            L.append(
                f"| {r['label']} | "
                + (f"{r['cpp']['json'].get('rows', 0):,}" if r.get("cpp") else "–")
                + " | "
                + (f"{r['py']['json']['rows']:,}" if r.get("py") else "–")
                + f" | – ({why}) | – | – | – | {viol(r, 'cpp')} | {viol(r, 'py')} |"
            )
            continue
        L.append(
            "| "
            + " | ".join(
                [
                    r["label"],
                    f"{a['rows_cpp']:,}",
                    f"{a['rows_py']:,}",
                    f"**{a['mismatches']}**",
                    f"{a['peer_diff']} ({a['peer_diff_near_tie']})",
                    str(a["value_diff"]),
                    f"{a['max_abs_diff']:.1e}",
                    viol(r, "cpp"),
                    viol(r, "py"),
                ]
            )
            + " |"
        )
    L.append("")
    details = [
        (r["label"], side, r["rules_" + side])
        for r in results
        for side in ("cpp", "py")
        if r.get("rules_" + side) and r["rules_" + side]["violating_rows"]
    ]
    if details:
        L.append("Rule violations by kind:\n")
        for label, side, v in details:
            kinds = ", ".join(f"{k} {n}" for k, n in v.items() if n and k != "violating_rows")
            L.append(f"- {label} {'C++' if side == 'cpp' else 'Python'}: {kinds}")
        L.append("")

    L.append("## Data\n")
    L.append(
        "Synthetic communities from `benchmarks/generate.py` (16 cluster-structured "
        "features, 1–3 of 72 tags, stage shares 40/25/15/12/8 %, mean degree 8; "
        "`python3 benchmarks/generate.py --members N --seed S --out DIR`).\n"
    )
    L.append("| community | seed | members.csv | interactions.csv | generation time (s) |")
    L.append("|---|---:|---:|---:|---:|")
    for r in results:
        d = r["data"]
        g = d.get("generate")
        gen = fmt_s(g["total_s"]) if g else "(existing files)"
        if g and not d.get("generated"):
            gen += " (earlier run)"
        if d.get("generated"):
            gen += f", peak RSS {d['generate_peak_rss_mib']:.0f} MiB"
        seed = g.get("seed", "?") if g else "?"
        L.append(
            f"| {r['label']} | {seed} | {fmt_bytes(d['members_bytes'])} | "
            f"{fmt_bytes(d['interactions_bytes'])} | {gen} |"
        )
    L.append("")

    L.append("## What is compared\n")
    L.append(
        "- **C++**: `build/bin/engage-right-bench recommend` — the library's batch recommender.\n"
        "- **Python**: `benchmarks/python_peer.py`, the reference scoring of DESIGN.md §4 with the "
        "hard rules of §3 written with pandas + numpy + scipy.sparse the way a careful data "
        "scientist would: per step and per chunk of members a float32 GEMM for similarity + "
        "happiness, sparse products for tag intersections (Jaccard) and Adamic–Adar, -inf mask "
        "for existing contacts, block-max pre-selection + argpartition for the top-k, and an "
        "exact float64 rescoring of the near-top candidates. NumPy's BLAS may use all cores "
        "for the GEMM; everything else is single-threaded.\n"
        "- `benchmarks/check_python_peer.py` verifies the Python peer against a per-member "
        "loop with networkx `adamic_adar_index` on a 10k community.\n"
        "- Timings on a shared machine are noisy; the load averages above tell how busy it was."
    )
    L.append("")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Keep the section that benchmarks/python_api.py maintains.
    kept = ""
    if os.path.exists(path):
        old = open(path).read()
        start, end = old.find(PY_API_BEGIN), old.find(PY_API_END)
        if start >= 0 and end > start:
            kept = "\n" + old[start : end + len(PY_API_END)] + "\n"
    with open(path, "w") as fh:
        fh.write("\n".join(L) + kept)


# --------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    ap.add_argument(
        "--sizes", default="10k,100k", help="comma-separated community sizes among 10k, 100k, 1m (default 10k,100k)"
    )
    ap.add_argument("--with-1m", action="store_true", help="also run the 1M community")
    ap.add_argument("--python-1m", action="store_true", help="also run the Python peer on 1M (slow: tens of minutes)")
    ap.add_argument("--python-only", action="store_true", help="do not run the C++ binary (no agreement check)")
    ap.add_argument(
        "--bench",
        default=os.path.join(ROOT, "build", "bin", "engage-right-bench"),
        help="path of the C++ benchmark binary",
    )
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="best-of-R for the recommend step")
    ap.add_argument("--repeat-1m", type=int, default=1, help="best-of-R on the 1M community")
    ap.add_argument("--seed", type=int, default=42, help="generator seed for missing data")
    ap.add_argument("--timeout", type=float, default=4 * 3600, help="per-process timeout (s)")
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--no-report", action="store_true", help="print results, do not write the report")
    ap.add_argument(
        "--wait", action="store_true", help="wait for another run.py to finish instead of refusing to start"
    )
    args = ap.parse_args(argv)

    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    if args.with_1m and "1m" not in labels:
        labels.append("1m")
    for lb in labels:
        if lb not in SIZES:
            ap.error(f"unknown size {lb!r} (choose from {', '.join(SIZES)})")

    if not args.python_only:
        if not os.path.isfile(args.bench) or not os.access(args.bench, os.X_OK):
            print(
                f"error: C++ benchmark binary not found or not executable: {args.bench}\n"
                "  build it first (e.g. cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && "
                "cmake --build build -j), pass --bench PATH, or run with --python-only.",
                file=sys.stderr,
            )
            return 2

    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    # one run at a time: concurrent runs share benchmarks/out/ and distort each other's timings
    lock = open(os.path.join(HERE, "out", ".run.lock"), "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | (0 if args.wait else fcntl.LOCK_NB))
    except BlockingIOError:
        lock.seek(0)
        other = lock.read().strip() or "?"
        print(
            f"error: another benchmarks/run.py is running (pid {other}); concurrent runs share "
            "benchmarks/out/ and distort each other's timings. Wait for it or pass --wait.",
            file=sys.stderr,
        )
        return 2
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    mach = machine_info(args.bench)
    command = "python3 " + shlex.join(
        [os.path.relpath(os.path.abspath(sys.argv[0]), ROOT)] + (sys.argv[1:] if argv is None else list(argv))
    )
    results = []
    py_ref = None  # (recommend_s, pairs) of the largest Python run, for extrapolation
    try:
        for lb in labels:
            n = SIZES[lb]
            data = ensure_data(lb, n, args.seed, args.timeout)
            stats = community_stats(data["members"], data["interactions"])
            r = {"label": lb, "data": data, "stats": stats}
            outdir = os.path.join(HERE, "out")
            repeat = args.repeat_1m if lb == "1m" else args.repeat
            for side in ("cpp", "py"):  # never check or compare a stale file
                stale = os.path.join(outdir, f"{side}_{lb}.csv")
                if os.path.exists(stale):
                    os.remove(stale)
            if not args.python_only:
                cmd = [
                    args.bench,
                    "recommend",
                    *recommend_args(data, args.top, os.path.join(outdir, f"cpp_{lb}.csv"), repeat),
                ]
                if stats["single_member"]:
                    cmd += ["--single-member", stats["single_member"]]
                if lb == "1m" and not args.python_1m:
                    # Load and single-member query only: the batch is measured up to 100k.
                    i = cmd.index("--output")
                    del cmd[i : i + 2]
                    cmd.append("--no-batch")
                print(f"[{lb}] C++: {shlex.join(cmd)}", flush=True)
                r["cpp"] = run_measured(cmd, os.path.join(outdir, f"cpp_{lb}"), args.timeout)
                print(f"[{lb}] C++ -> {json.dumps(r['cpp']['json'])}", flush=True)
            if n <= 100_000 or args.python_1m:
                cmd = [
                    sys.executable,
                    os.path.join(HERE, "python_peer.py"),
                    *recommend_args(data, args.top, os.path.join(outdir, f"py_{lb}.csv"), repeat),
                ]
                print(f"[{lb}] Python: {shlex.join(cmd)}", flush=True)
                r["py"] = run_measured(cmd, os.path.join(outdir, f"py_{lb}"), args.timeout)
                print(f"[{lb}] Python -> {json.dumps(r['py']['json'])}", flush=True)
                py_ref = (r["py"]["json"]["recommend_s"], r["py"]["json"]["pairs"])
            else:
                print(f"[{lb}] Python peer skipped (would take too long; use --python-1m)", flush=True)
                if py_ref and py_ref[1]:
                    r["py_estimate"] = py_ref[0] * stats["pairs"] / py_ref[1]
            if r.get("cpp") and r.get("py"):
                r["agree"] = compare(os.path.join(outdir, f"py_{lb}.csv"), os.path.join(outdir, f"cpp_{lb}.csv"))
                print(f"[{lb}] agreement -> {json.dumps(r['agree'])}", flush=True)
            for side in ("cpp", "py"):
                if (
                    r.get(side)
                    and os.path.exists(os.path.join(outdir, f"{side}_{lb}.csv"))
                    and r[side]["json"].get("rows")
                ):
                    r["rules_" + side] = check_rules(
                        read_output(os.path.join(outdir, f"{side}_{lb}.csv")), stats["_rules"]
                    )
                    print(f"[{lb}] hard rules on {side} output -> {json.dumps(r['rules_' + side])}", flush=True)
            stats.pop("_rules")
            results.append(r)
    except BenchError as ex:
        print(f"error: {ex}", file=sys.stderr)
        return 1

    load_end = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    if not args.no_report:
        write_report(args.report, results, mach, args, command, load_end)
        print(f"report written to {os.path.relpath(args.report, ROOT)}")
    bad = sum(r["agree"]["mismatches"] for r in results if r.get("agree"))
    bad += sum(r[k]["violating_rows"] for r in results for k in ("rules_cpp", "rules_py") if r.get(k))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
