#!/usr/bin/env python3
"""Cross-check benchmarks/python_peer.py against a slow, obviously-correct
reference on a sample of members.

    python3 benchmarks/check_python_peer.py [--data benchmarks/data/10k] [--sample 50]

The reference reads the CSVs with the csv module, builds a networkx Graph
and, for each sampled member, walks over every other member applying the
hard rules of DESIGN.md section 3 one by one, computes the section 4
components in plain Python floats (cosine with math.fsum, Jaccard with
sets, networkx.adamic_adar_index for proximity) and sorts by
(score desc, peer id asc).  The peer lists must be identical and every
number within 1e-5.  Besides the sample, every output row is checked
against the hard rules.  Exit code 0 when everything matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import subprocess
import sys

import networkx as nx

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = ["prospect", "interested", "new_customer", "loyal", "advocate"]
TOL = 1e-5


def read_members(path):
    members = {}
    with open(path, newline="") as fh:
        rd = csv.DictReader(fh)
        fcols = [c for c in rd.fieldnames if c.startswith("f_") and c[2:].isdigit()]
        fcols.sort(key=lambda c: int(c[2:]))
        for row in rd:
            sat = row.get("satisfaction", "").strip()
            cap = row.get("capacity", "").strip()
            members[row["id"]] = {
                "stage": STAGES.index(row["stage"].strip().lower()),
                "sat": float(sat) if sat else None,
                "cap": float(cap) if cap else 3.0,
                "opted": row.get("opted_out", "").strip().lower() in ("1", "true"),
                "tags": {t.strip() for t in row.get("tags", "").split(";") if t.strip()},
                "f": [float(row[c]) for c in fcols],
            }
    return members


def read_graph(path, ids):
    g = nx.Graph()
    g.add_nodes_from(ids)
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            s, t = row["source"].strip(), row["target"].strip()
            if s != t:
                g.add_edge(s, t)
    return g


def cosine(a, b):
    na = math.sqrt(math.fsum(x * x for x in a))
    nb = math.sqrt(math.fsum(x * x for x in b))
    if na == 0 or nb == 0:
        return 0.0
    return math.fsum(x * y for x, y in zip(a, b)) / (na * nb)


def jaccard(a, b):
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def eligible(members, g, u, v):
    mu, mv = members[u], members[v]
    return (
        mv["stage"] == mu["stage"] + 1
        and u != v
        and not mu["opted"]
        and not mv["opted"]
        and (mv["sat"] is None or mv["sat"] >= 7)
        and mv["cap"] > 0
        and not g.has_edge(u, v)
    )


def reference(members, g, u, top):
    mu = members[u]
    if mu["opted"] or mu["stage"] == len(STAGES) - 1:
        return []
    cands = [v for v in members if eligible(members, g, u, v)]
    aa = {v: p for _, v, p in nx.adamic_adar_index(g, [(u, v) for v in cands])}
    res = []
    for v in cands:
        mv = members[v]
        sim = cosine(mu["f"], mv["f"])
        tags = jaccard(mu["tags"], mv["tags"])
        prox = aa[v] / (1.0 + aa[v])
        hap = 0.5 if mv["sat"] is None else mv["sat"] / 10.0
        score = 0.50 * sim + 0.15 * tags + 0.25 * prox + 0.10 * hap
        res.append((-score, v, sim, tags, prox, hap))
    res.sort()
    return [(v, -ns, sim, tags, prox, hap) for ns, v, sim, tags, prox, hap in res[:top]]


def make_edge_case_data(out_dir: str, n: int = 3000, seed: int = 11) -> None:
    """A small community full of corner cases: exact score ties (copied
    features/tags/satisfaction, broken by peer id), members without tags or
    embedding, mixed-case stage names, true/false flags, satisfaction exactly
    6 and 7, capacity 0, self-loops and duplicate interaction rows."""
    import numpy as np
    import pandas as pd

    base = os.path.join(out_dir, "base")
    subprocess.run(
        [sys.executable, os.path.join(HERE, "generate.py"), "--members", str(n), "--seed", str(seed), "--out", base],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    rng = np.random.default_rng(seed)
    m = pd.read_csv(os.path.join(base, "members.csv"), dtype=str, keep_default_na=False)
    e = pd.read_csv(os.path.join(base, "interactions.csv"), dtype=str, keep_default_na=False)
    copy_cols = [c for c in m.columns if c.startswith("f_")] + ["tags", "satisfaction", "capacity"]
    for s in range(1, len(STAGES)):
        idx = np.flatnonzero(m["stage"].to_numpy() == STAGES[s])
        src = rng.choice(idx, size=min(60, len(idx)), replace=False)
        for a, b in zip(src[::2], src[1::2]):
            m.loc[b, copy_cols] = m.loc[a, copy_cols].to_numpy()
    pick = rng.random(len(m))
    m.loc[pick < 0.05, "tags"] = ""
    m.loc[(pick >= 0.05) & (pick < 0.07), [c for c in m.columns if c.startswith("f_")]] = "0"
    m.loc[(pick >= 0.07) & (pick < 0.09), "satisfaction"] = "7"
    m.loc[(pick >= 0.09) & (pick < 0.11), "satisfaction"] = "6"
    m.loc[(pick >= 0.11) & (pick < 0.13), "capacity"] = "0"
    up = (pick >= 0.13) & (pick < 0.16)
    m.loc[up, "stage"] = m.loc[up, "stage"].str.upper()
    tf = (pick >= 0.16) & (pick < 0.5)
    m.loc[tf, "opted_out"] = m.loc[tf, "opted_out"].map({"1": "true", "0": "false"})
    m.to_csv(os.path.join(out_dir, "members.csv"), index=False)
    loops = pd.DataFrame({"source": m["id"].sample(30, random_state=seed).to_numpy()})
    loops["target"] = loops["source"]
    loops["weight"], loops["timestamp"] = "1", "1700000000"
    dup = e.sample(300, random_state=seed).rename(columns={"source": "target", "target": "source"})
    pd.concat([e, loops, dup[e.columns]]).to_csv(os.path.join(out_dir, "interactions.csv"), index=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "data", "10k"))
    ap.add_argument("--members-n", type=int, default=10000, help="community size to generate when --data is missing")
    ap.add_argument("--sample", type=int, default=50)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--output", default=os.path.join(HERE, "out", "check_python_peer.csv"))
    ap.add_argument(
        "--edge-cases",
        action="store_true",
        help="check on a small generated community full of corner cases "
        "(written to benchmarks/out/edge) instead of --data",
    )
    args = ap.parse_args(argv)
    if args.edge_cases:
        args.data = os.path.join(HERE, "out", "edge")
        make_edge_case_data(args.data)

    mpath = os.path.join(args.data, "members.csv")
    ipath = os.path.join(args.data, "interactions.csv")
    if not (os.path.exists(mpath) and os.path.exists(ipath)):
        subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "generate.py"),
                "--members",
                str(args.members_n),
                "--seed",
                "42",
                "--out",
                args.data,
            ],
            check=True,
        )
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            os.path.join(HERE, "python_peer.py"),
            "--members",
            mpath,
            "--interactions",
            ipath,
            "--top",
            str(args.top),
            "--output",
            args.output,
        ],
        check=True,
    )

    members = read_members(mpath)
    g = read_graph(ipath, list(members))
    out = {}
    n_rows = 0
    rule_violations = []
    with open(args.output, newline="") as fh:
        for row in csv.DictReader(fh):
            n_rows += 1
            out.setdefault(row["member"], []).append(row)
            u, v = row["member"], row["peer"]
            if not eligible(members, g, u, v):
                rule_violations.append((u, v))
            if row["member_stage"] != STAGES[members[u]["stage"]] or row["peer_stage"] != STAGES[members[v]["stage"]]:
                rule_violations.append((u, v, "stage column"))
    for u, rows in out.items():
        ranks = [int(r["rank"]) for r in rows]
        peers = [r["peer"] for r in rows]
        if sorted(ranks) != list(range(1, len(rows) + 1)) or len(set(peers)) != len(peers):
            rule_violations.append((u, "ranks/peers not unique"))

    rng = random.Random(args.seed)
    ids = sorted(members)
    active = [u for u in ids if not members[u]["opted"] and members[u]["stage"] < len(STAGES) - 1]
    by_stage = {s: [u for u in active if members[u]["stage"] == s] for s in range(len(STAGES) - 1)}
    sample = []
    # a few from every step, the rest at random, plus a few that must get nothing
    for lst in by_stage.values():
        sample += rng.sample(lst, min(5, len(lst)))
    rest = [u for u in active if u not in set(sample)]
    sample += rng.sample(rest, max(0, args.sample - len(sample)))
    nothing = rng.sample([u for u in ids if members[u]["opted"]], 3) + rng.sample(
        [u for u in ids if members[u]["stage"] == len(STAGES) - 1], 3
    )

    mismatches = []
    max_diff = 0.0
    with_prox = with_tags = 0
    for u in sample + nothing:
        ref = reference(members, g, u, args.top)
        got = sorted(out.get(u, []), key=lambda r: int(r["rank"]))
        if [r[0] for r in ref] != [r["peer"] for r in got]:
            mismatches.append((u, [r[0] for r in ref], [r["peer"] for r in got]))
            continue
        for (v, score, sim, tags, prox, hap), r in zip(ref, got):
            with_prox += prox > 0
            with_tags += tags > 0
            for name, x in (
                ("score", score),
                ("similarity", sim),
                ("tags", tags),
                ("proximity", prox),
                ("happiness", hap),
            ):
                d = abs(float(r[name]) - x)
                max_diff = max(max_diff, d)
                if d > TOL:
                    mismatches.append((u, v, name, x, float(r[name])))

    n_ref_rows = sum(len(out.get(u, [])) for u in sample)
    print(f"python_peer rows: {n_rows}; hard-rule violations over all rows: {len(rule_violations)}")
    print(
        f"sampled members: {len(sample)} (+{len(nothing)} opted-out / last-stage that must get nothing); "
        f"compared rows: {n_ref_rows} ({with_prox} with proximity > 0, {with_tags} with tags > 0)"
    )
    print(f"mismatches: {len(mismatches)}; max abs difference: {max_diff:.2e} (tolerance {TOL:g})")
    for mm in mismatches[:10]:
        print("  ", mm)
    for rv in rule_violations[:10]:
        print("   violation:", rv)
    ok = not mismatches and not rule_violations
    print("CHECK PASSED" if ok else "CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
