#!/usr/bin/env python3
"""Matching benchmark: engage-right's exact solver against scipy and networkx.

    .venv/bin/python benchmarks/run_match.py [--quick] [--no-report]

Runs, in one process and on the same data:

1. a dense 5,000 x 5,000 assignment: ``er.assign`` (exact min-cost flow in
   C++) against ``scipy.optimize.linear_sum_assignment(maximize=True)``;
2. a capacitated instance with 5,000 members (4,000 seekers with 20 allowed
   peers each, 1,000 peers with capacities 1-5): ``er.assign`` against
   networkx's min-cost flow solvers (``max_flow_min_cost`` and
   ``network_simplex`` on the same flow network) and the same problem as a
   linear program solved by HiGHS (``scipy.optimize.linprog``);
3. the optimal plan of a 100,000-member synthetic community
   (benchmarks/generate.py) with K = 50 candidates, from Python and through
   the CLI;
4. the optimality gap of K candidates against every eligible pair on
   mid-size communities.

Every pair of sides is checked for the same optimum before its time counts.
Writes the "Matching" section of docs/performance.md (between its markers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

import engage_right as er

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_section import replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "benchmarks", "data")
BEGIN, END = "<!-- matching: written by benchmarks/run_match.py -->", "<!-- /matching -->"


def best_of(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def dense_assignment(n, seed, repeat):
    rng = np.random.default_rng(seed)
    values = rng.random((n, n)) + 1e-3  # every pair allowed
    t_er, (r, c) = best_of(lambda: er.assign(values), repeat)
    t_sp, (a, b) = best_of(lambda: linear_sum_assignment(values, maximize=True), repeat)
    total_er, total_sp = float(values[r, c].sum()), float(values[a, b].sum())
    assert len(r) == n and abs(total_er - total_sp) <= 1e-9 * n, (total_er, total_sp)
    return {"n": n, "er_s": t_er, "scipy_s": t_sp, "total_er": total_er, "total_scipy": total_sp}


def capacitated_instance(seekers, peers, arcs_per_seeker, seed):
    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(seekers), arcs_per_seeker)
    cols = np.concatenate([rng.choice(peers, arcs_per_seeker, replace=False) for _ in range(seekers)])
    # Values on a 1e-4 grid so that integer costs for networkx are exact.
    vals = np.round(rng.random(rows.size), 4) + 1e-4
    capacity = rng.integers(1, 6, size=peers)
    return rows, cols, vals, capacity


def networkx_flow(rows, cols, vals, capacity, seekers, per_row):
    """Source -> seeker (per_row) -> peer (-value) -> sink (capacity), plus a
    zero-cost bypass per seeker so that staying unmatched is allowed."""
    scale = 10**4
    g = nx.DiGraph()
    for s in range(seekers):
        g.add_edge("s", ("r", s), capacity=per_row, weight=0)
        g.add_edge(("r", s), "t", capacity=per_row, weight=0)
    for r, c, v in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        g.add_edge(("r", r), ("c", c), capacity=1, weight=-int(round(v * scale)))
    for c, k in enumerate(capacity.tolist()):
        g.add_edge(("c", c), "t", capacity=int(k), weight=0)
    return g, scale


def capacitated(seekers, peers, arcs, seed, repeat, with_max_flow_min_cost):
    rows, cols, vals, capacity = capacitated_instance(seekers, peers, arcs, seed)
    dense = np.zeros((seekers, peers))
    dense[rows, cols] = vals
    import scipy.sparse as sp

    sparse = sp.csr_matrix((vals, (rows, cols)), shape=(seekers, peers))
    t_er, (r, c) = best_of(lambda: er.assign(sparse, capacity), repeat)
    total_er = float(dense[r, c].sum())
    out = {
        "members": seekers + peers,
        "seekers": seekers,
        "peers": peers,
        "arcs": int(rows.size),
        "seats": int(capacity.sum()),
        "er_s": t_er,
        "total_er": total_er,
    }

    def simplex():
        g, scale = networkx_flow(rows, cols, vals, capacity, seekers, 1)
        g.nodes["s"]["demand"] = -seekers
        g.nodes["t"]["demand"] = seekers
        cost, _ = nx.network_simplex(g)
        return -cost / scale

    def highs():
        # The same problem as a linear program (its constraint matrix is
        # totally unimodular, so the LP optimum is integral): HiGHS through
        # scipy.optimize.linprog.
        from scipy.optimize import linprog

        m = rows.size
        arc = np.arange(m)
        a_ub = sp.vstack(
            [
                sp.csr_matrix((np.ones(m), (rows, arc)), shape=(seekers, m)),
                sp.csr_matrix((np.ones(m), (cols, arc)), shape=(peers, m)),
            ]
        ).tocsr()
        b_ub = np.concatenate([np.ones(seekers), capacity.astype(float)])
        res = linprog(-vals, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
        assert res.status == 0, res.message
        return -res.fun

    t_lp, total_lp = best_of(highs, repeat)
    out.update(highs_s=t_lp, total_highs=total_lp)
    assert abs(total_lp - total_er) < 1e-6, (total_lp, total_er)
    t_ns, total_ns = best_of(simplex, 1)
    out.update(network_simplex_s=t_ns, total_network_simplex=total_ns)
    assert abs(total_ns - total_er) < 1e-6, (total_ns, total_er)
    if with_max_flow_min_cost:

        def mfmc():
            g, scale = networkx_flow(rows, cols, vals, capacity, seekers, 1)
            return -nx.cost_of_flow(g, nx.max_flow_min_cost(g, "s", "t")) / scale

        t_mf, total_mf = best_of(mfmc, 1)
        out.update(max_flow_min_cost_s=t_mf, total_max_flow_min_cost=total_mf)
        assert abs(total_mf - total_er) < 1e-6, (total_mf, total_er)
    return out


def ensure_community(n, seed=42):
    label = f"{n // 1000}k"
    d = os.path.join(DATA, label)
    if not os.path.exists(os.path.join(d, "members.csv")):
        subprocess.run(
            [
                sys.executable,
                os.path.join(ROOT, "benchmarks", "generate.py"),
                "--members",
                str(n),
                "--seed",
                str(seed),
                "--out",
                d,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return os.path.join(d, "members.csv"), os.path.join(d, "interactions.csv")


def community_plan(n, repeat, cli):
    members, inter = ensure_community(n)
    c = er.Community.from_csv(members, inter)
    t_py, plan = best_of(lambda: er.match(c, candidates=50), repeat)
    t_nr, _ = best_of(lambda: er.match(c, candidates=50, reasons=False), repeat)
    out = {
        "members": n,
        "pairs": len(plan),
        "total_score": plan.attrs["total_score"],
        "candidate_pairs": plan.attrs["candidate_pairs"],
        "python_s": t_py,
        "python_no_reasons_s": t_nr,
    }
    if cli and os.path.exists(cli):

        def run_cli():
            t = time.perf_counter()
            p = subprocess.run(
                [cli, "match", "--members", members, "--interactions", inter, "--candidates", "50", "--format", "json"],
                check=True,
                capture_output=True,
            )
            return time.perf_counter() - t, json.loads(p.stdout)

        times = [run_cli() for _ in range(repeat)]
        out["cli_s"] = min(t for t, _ in times)
        doc = times[0][1]
        assert abs(doc["total_score"] - out["total_score"]) < 1e-6 * max(1.0, out["total_score"])
    return out


def k_gap(sizes, ks):
    rows = []
    for n in sizes:
        members, inter = ensure_community(n, seed=7)
        c = er.Community.from_csv(members, inter)
        for per_member in (1, 2):
            t0 = time.perf_counter()
            full = er.match(c, candidates=0, per_member=per_member, reasons=False)
            t_full = time.perf_counter() - t0
            best = full.attrs["total_value"]
            for k in ks:
                t0 = time.perf_counter()
                plan = er.match(c, candidates=k, per_member=per_member, reasons=False)
                t_k = time.perf_counter() - t0
                v = plan.attrs["total_value"]
                assert v <= best + 1e-9 * max(1.0, best)
                rows.append(
                    {
                        "members": n,
                        "per_member": per_member,
                        "k": k,
                        "value": v,
                        "best": best,
                        "gap_pct": 100.0 * (best - v) / best if best else 0.0,
                        "pairs": len(plan),
                        "pairs_all": len(full),
                        "k_s": t_k,
                        "all_s": t_full,
                        "candidate_pairs": plan.attrs["candidate_pairs"],
                        "all_candidate_pairs": full.attrs["candidate_pairs"],
                    }
                )
    return rows


def ratio(reference_s, ours_s):
    r = reference_s / ours_s
    return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"


def report(res, args):
    d, c, p = res["dense"], res["capacitated"], res["community"]
    lines = [
        BEGIN,
        "",
        "## Matching: who meets whom",
        "",
        f"`{res['command']}` on {res['machine']}, one run, every side checked for the same optimum.",
        "",
        "| problem | engage-right | Python reference | time (s) | ratio |",
        "|---|---|---|---|---|",
        f"| dense {d['n']:,} x {d['n']:,} assignment, every pair allowed | `er.assign` {d['er_s']:.2f} s "
        f"| `scipy.optimize.linear_sum_assignment` | {d['scipy_s']:.2f} | "
        f"{ratio(d['scipy_s'], d['er_s'])} |",
    ]
    base = min(c["network_simplex_s"], c.get("max_flow_min_cost_s", float("inf")), c["highs_s"])
    lines.append(
        f"| capacitated, {c['members']:,} members ({c['seekers']:,} seekers x 20 allowed peers, "
        f"{c['peers']:,} peers, {c['seats']:,} seats) | `er.assign` {c['er_s']:.3f} s | networkx "
        f"`network_simplex` | {c['network_simplex_s']:.2f} | {ratio(c['network_simplex_s'], c['er_s'])} |"
    )
    lines.append(
        f'| same | `er.assign` {c["er_s"]:.3f} s | scipy `linprog(method="highs")` (LP) | '
        f"{c['highs_s']:.2f} | {ratio(c['highs_s'], c['er_s'])} |"
    )
    if "max_flow_min_cost_s" in c:
        lines.append(
            f"| same | `er.assign` {c['er_s']:.3f} s | networkx `max_flow_min_cost` | "
            f"{c['max_flow_min_cost_s']:.2f} | {ratio(c['max_flow_min_cost_s'], c['er_s'])} |"
        )
    lines += [
        "",
        f"The ratio is the reference's time over engage-right's (higher = engage-right faster); the "
        f"fastest Python-side solver took {base:.2f} s. Optimal totals: dense {d['total_er']:.6f} "
        f"(scipy {d['total_scipy']:.6f}); capacitated {c['total_er']:.4f} "
        f"(networkx {c['total_network_simplex']:.4f}).",
        "",
        f"**Community plan**: {p['members']:,} members (benchmarks/generate.py, seed 42), K = 50, "
        f"optimal, one peer per member: {p['candidate_pairs']:,} candidate pairs, {p['pairs']:,} pairs, "
        f"total score {p['total_score']:.3f}. `er.match` from a loaded community: {p['python_s']:.2f} s "
        f"({p['python_no_reasons_s']:.2f} s without reasons)"
        + (f"; the CLI from the CSV files to JSON: {p['cli_s']:.2f} s." if "cli_s" in p else "."),
        "",
        "**Optimality gap of K candidates** (total value with each member's top-K eligible peers against "
        "every eligible pair, `candidates=0`; generate.py communities, seed 7):",
        "",
        "| members | per member | K | candidate pairs | total value | all pairs | gap | pairs (K / all) "
        "| time K (s) | time all (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for g in res["gap"]:
        lines.append(
            f"| {g['members']:,} | {g['per_member']} | {g['k']} | {g['candidate_pairs']:,} | "
            f"{g['value']:.3f} | {g['best']:.3f} | {g['gap_pct']:.3f} % | {g['pairs']:,} / "
            f"{g['pairs_all']:,} | {g['k_s']:.3f} | {g['all_s']:.3f} |"
        )
    lines += ["", END]
    section = "\n".join(lines) + "\n"
    replace_section(args.report, BEGIN, END, section)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, to check the script itself")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "bin", "engage-right"))
    ap.add_argument("--report", default=os.path.join(ROOT, "docs", "performance.md"))
    ap.add_argument("--no-report", action="store_true")
    args = ap.parse_args(argv)
    q = args.quick
    res = {
        "command": "python benchmarks/run_match.py" + (" --quick" if q else ""),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
    }
    res["dense"] = dense_assignment(500 if q else 5000, 1, 1 if q else args.repeat)
    print(json.dumps(res["dense"]), flush=True)
    res["capacitated"] = capacitated(
        400 if q else 4000, 100 if q else 1000, 20, 2, 1 if q else args.repeat, with_max_flow_min_cost=True
    )
    print(json.dumps(res["capacitated"]), flush=True)
    res["community"] = community_plan(10_000 if q else 100_000, 1 if q else args.repeat, args.cli)
    print(json.dumps(res["community"]), flush=True)
    res["gap"] = k_gap([2_000] if q else [2_000, 5_000], [1, 2, 5, 10, 20, 50])
    for g in res["gap"]:
        print(json.dumps(g), flush=True)
    if not args.no_report:
        report(res, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
