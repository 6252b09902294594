#!/usr/bin/env python3
"""Offline-evaluation benchmark: engage-right (C++) against the pandas/numpy
peer (evaluate_peer.py), side by side on the same files in one run.

    python3 benchmarks/run_evaluate.py [--members 100000] [--seed 42] [--repeat 3]
                                       [--threads 0] [--no-report]

Generates the community with generate.py when missing (its interactions are
dated), then replays it at the time before which 80 % of the interactions
fall and evaluates engage_right, adamic_adar, degree and random with 1,000
bootstrap resamples: ``build/bin/engage-right-bench-evaluate`` (library
calls, best of --repeat), the CLI ``engage-right evaluate`` (whole process),
``er.evaluate`` from Python when the package is installed, and the peer
(whole process, one run). Checks that both sides find the same replay and
the same metrics for the deterministic methods, and writes the "Offline
evaluation" section of docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_section import git_commit, output_folder, runner_parser, write_section  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BEGIN, END = "<!-- evaluate: written by benchmarks/run_evaluate.py -->", "<!-- /evaluate -->"
METHODS = ["engage_right", "adamic_adar", "degree", "random"]
DETERMINISTIC = ["engage_right", "adamic_adar", "degree"]
POINT = ["hit@5", "hit@10", "recall@5", "recall@10", "ndcg@5", "ndcg@10", "mrr", "coverage", "gini"]
# Two cores, AVX2 with two 8-wide single-precision FMA units each at 2.445 GHz
# (docs/performance-notes.md): the floor of the dense screening.
PEAK_SP_FLOPS = 2 * 32 * 2.445e9


def run_timed(cmd: list, log: str, env=None) -> tuple:
    t0 = time.perf_counter()
    with open(log + ".out", "w") as fo, open(log + ".err", "w") as fe:
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe, cwd=ROOT, env=env)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"{' '.join(map(str, cmd))} failed; see {log}.err")
    return wall, usage.ru_maxrss / 1024, open(log + ".out").read()


def last_json(text: str) -> dict:
    return json.loads([x for x in text.splitlines() if x.startswith("{")][-1])


def python_api(members: str, interactions: str, threads: int, repeat: int):
    """er.evaluate from the files, best of `repeat`, in the venv's Python."""
    py = os.path.join(ROOT, ".venv", "bin", "python")
    if not os.path.exists(py):
        return None
    code = (
        "import json, time, engage_right as er\n"
        f"best = 1e300\nfor _ in range({repeat}):\n"
        "    t = time.perf_counter()\n"
        f"    r = er.evaluate({members!r}, {interactions!r}, '80%', threads={threads})\n"
        "    best = min(best, time.perf_counter() - t)\n"
        "print(json.dumps({'s': best, 'hit@5': float(r.loc['engage_right', 'hit@5'])}))\n"
    )
    p = subprocess.run([py, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        return None
    return last_json(p.stdout)


def main(argv=None) -> int:
    ap = runner_parser(__doc__, 100000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bench", default=os.path.join(ROOT, "build", "bin", "engage-right-bench-evaluate"))
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "bin", "engage-right"))
    args = ap.parse_args(argv)
    for exe in (args.bench, args.cli):
        if not os.path.exists(exe):
            print(f"missing {exe}: build with -DENGAGE_RIGHT_BUILD_BENCHMARKS=ON", file=sys.stderr)
            return 2
    label = f"{args.members // 1000}k" if args.members < 10**6 else f"{args.members // 10**6}m"
    data = os.path.join(HERE, "data", label)
    members, interactions = os.path.join(data, "members.csv"), os.path.join(data, "interactions.csv")
    if not os.path.exists(interactions):
        subprocess.run(
            [sys.executable, os.path.join(HERE, "generate.py"), "--members", str(args.members), "--seed",
             str(args.seed), "--out", data],
            check=True,
        )  # fmt: skip
    out = output_folder("evaluate", label)
    load_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    threads = str(args.threads)

    bench = last_json(
        run_timed(
            [args.bench, "--members", members, "--interactions", interactions, "--threads", threads, "--repeat",
             str(args.repeat), "--breakdown", "1"],
            os.path.join(out, "bench"),
        )[2]
    )  # fmt: skip
    cli_json = os.path.join(out, "cpp.json")
    cli_walls = []
    for _ in range(args.repeat):
        wall, cli_rss, _o = run_timed(
            [args.cli, "evaluate", "--members", members, "--interactions", interactions, "--split-at", "80%",
             "--threads", threads, "--format", "json", "--output", cli_json],
            os.path.join(out, "cli"),
        )  # fmt: skip
        cli_walls.append(wall)
    api = python_api(members, interactions, args.threads, args.repeat)
    peer_json = os.path.join(out, "peer.json")
    peer_wall, peer_rss, peer_text = run_timed(
        [sys.executable, os.path.join(HERE, "evaluate_peer.py"), "--members", members, "--interactions",
         interactions, "--split-at", "80%", "--output", peer_json],
        os.path.join(out, "peer"),
    )  # fmt: skip
    peer = last_json(peer_text)
    load_end = " / ".join(f"{x:.2f}" for x in os.getloadavg())

    c, p = json.load(open(cli_json)), json.load(open(peer_json))
    same_replay = all(c[k] == p[k] for k in ("evaluated_members", "target_pairs")) and all(
        abs(c[k] - p[k]) < 1e-12 for k in ("ceiling", "ceiling_hit", "ceiling_recall")
    )
    diff = max(abs(c["methods"][m][k] - p["methods"][m][k]) for m in DETERMINISTIC for k in POINT)
    cli_best = min(cli_walls)
    compute_cpp = bench["read_s"] + bench["evaluate_s"]
    pairs = bench["scored_pairs"]
    floor = pairs * 16 * 2 / PEAK_SP_FLOPS
    result = {
        "bench": bench,
        "cli_best_s": cli_best,
        "cli_peak_rss_mib": cli_rss,
        "python_api": api,
        "peer": peer,
        "peer_wall_s": peer_wall,
        "peer_peak_rss_mib": peer_rss,
        "same_replay": same_replay,
        "max_point_diff": diff,
        "cpp": c,
        "py": p,
    }
    print(json.dumps({k: v for k, v in result.items() if k not in ("cpp", "py")}, indent=1))
    if args.no_report:
        return 0 if same_replay and diff < 1e-9 else 1

    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    steps = bench["methods_alone_s"]
    psteps = peer["steps_s"]
    lines = [
        BEGIN,
        "",
        "## Offline evaluation",
        "",
        f"Generated by `benchmarks/run_evaluate.py` ({now}, commit `{git_commit(ROOT)}`; 2 cores, load average "
        f"at start {load_start}, at end {load_end}: a shared machine, so the times move between runs). "
        f"`benchmarks/generate.py --members {args.members} --seed {args.seed}`: {bench['members']:,} members, "
        f"{bench['interactions']:,} dated interactions. Both sides replay the community at the time before which "
        f"80 % of the interactions fall, find {bench['evaluated_members']:,} members with a target "
        f"({bench['target_pairs']:,} target pairs) and evaluate engage_right, adamic_adar, degree and random "
        f"(k = 5, 10, MRR within 10) with 1,000 bootstrap resamples. The peer is `benchmarks/evaluate_peer.py` "
        f"(pandas, numpy, scipy.sparse; engage_right through the float32-GEMM ranking of "
        f"`benchmarks/python_peer.py`, the other methods as sparse products and array operations).",
        "",
        "| step | engage-right (s) | pandas peer (s) | peer / engage-right |",
        "|---|---:|---:|---:|",
        f"| read + replay | {bench['read_s']:.2f} (read) | {peer['load_replay_s']:.2f} | "
        f"{peer['load_replay_s'] / bench['read_s']:.1f}x |",
    ]
    for m in METHODS:
        lines.append(f"| {m} (alone, replay included in C++) | {steps[m]:.2f} | {psteps[m]:.2f} | "
                     f"{psteps[m] / steps[m]:.1f}x |")  # fmt: skip
    lines += [
        f"| metrics + bootstrap | (in the line below) | {psteps['metrics_bootstrap']:.2f} | |",
        f"| **evaluate, 4 methods + bootstrap** | **{bench['evaluate_s']:.2f}** | **{peer['evaluate_s']:.2f}** | "
        f"**{peer['evaluate_s'] / bench['evaluate_s']:.1f}x** |",
        f"| read + evaluate | {compute_cpp:.2f} | {peer['total_s']:.2f} | {peer['total_s'] / compute_cpp:.1f}x |",
        f"| whole process (CLI / peer script) | {cli_best:.2f} | {peer_wall:.2f} | {peer_wall / cli_best:.1f}x |",
        f"| peak RSS (MiB) | {cli_rss:.0f} | {peer_rss:.0f} | {peer_rss / cli_rss:.1f}x |",
    ]
    if api:
        lines += ["", f"`er.evaluate` from Python on the same files (read included): {api['s']:.2f} s."]
    lines += [
        "",
        f"Target: at most 10 s for the evaluation with 4 methods on 100k members; measured "
        f"{bench['evaluate_s']:.2f} s ({cli_best:.2f} s for the whole CLI process). Each figure is the best of "
        f"{args.repeat} runs, the library calls, the CLI and the peer at different moments: on a loaded machine "
        f"the whole process can come out faster than the library call timed a minute earlier.",
        "",
        f"Agreement: the same replay on both sides: **{'yes' if same_replay else 'NO'}** (evaluated members, "
        f"target pairs, ceiling {c['ceiling']:.4f}); largest difference of a point estimate of engage_right, "
        f"adamic_adar or degree (hit, recall, NDCG, MRR, coverage, Gini): {diff:.1e}. random draws other peers "
        f"on each side (hit@10 {c['methods']['random']['hit@10']:.5f} against {p['methods']['random']['hit@10']:.5f}).",
        "",
        f"Distance to the physical limit: engage_right looks at {pairs:,} (member, peer) pairs, a 16-dimensional "
        f"dot product each: {pairs * 32:.2e} single-precision FLOP, at least {floor:.2f} s at the two cores' "
        f"peak ({PEAK_SP_FLOPS:.2e} FLOP/s). The ranking takes {steps['engage_right']:.2f} s with the replay, "
        f"{steps['engage_right'] / floor:.0f}x that floor (see docs/performance-notes.md for what the rest is). "
        f"The generator draws the times of the interactions independently of who meets whom, so every "
        f"method scores low here: these numbers measure speed, not quality (docs/evaluation.md has real data).",
    ]
    write_section(os.path.join(ROOT, "docs", "performance.md"), BEGIN, END, lines)
    return 0 if same_replay and diff < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
