"""Does the learned ranking find the peers people actually go on to meet?

Measured on the bundled Quantum Computing Stack Exchange community
(examples/data/quantumcomputing), split in time: everything before T1 is
history, the new contacts in [T1, T2) are the truth.

1. The members as of T1 are rebuilt from events.csv (stage, f_* counts,
   created = the `joined` event), so that no member attribute carries
   information from after T1 (details in docs/ranking.md).
2. er.fit_ranking learns from history before T1 only (features as of
   T1 - horizon, labels in [T1 - horizon, T1)).
3. On the community as of T1 (members created before T1, contacts before T1)
   every ranking orders the same eligible peers (the library's hard rules):
   the learned model, the default weights, peer degree (popularity) and the
   Adamic-Adar index.
4. hit@5: the share of members with at least one new eligible contact in
   [T1, T2) who have one of them among their top 5. 95% intervals by a
   bootstrap over those members (paired for the differences).

Usage: python benchmarks/ranking_quality.py [--data DIR] [--t1 ISO] [--t2 ISO]
       [--horizons 30,60] [--markdown]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from collections import defaultdict

import numpy as np
import pandas as pd

import engage_right as er

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, "..", "examples", "data", "quantumcomputing")
K = 5


def seconds(col: pd.Series) -> np.ndarray:
    """Unix seconds of ISO-8601 text (no zone = UTC)."""
    t = pd.to_datetime(col, utc=True)
    return ((t - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy()


def members_as_of(data: str, t1: float) -> pd.DataFrame:
    """members.csv as it would have been at t1, from events.csv."""
    final = pd.read_csv(os.path.join(data, "members.csv"), dtype={"id": str, "tags": str}, keep_default_na=False)
    ev = pd.read_csv(os.path.join(data, "events.csv"), dtype={"member": str, "value": str}, keep_default_na=False)
    ev["t"] = seconds(ev["timestamp"])
    joined = ev[ev["action"] == "joined"].groupby("member")["t"].min()
    before = ev[ev["t"] < t1]
    after = ev[ev["t"] >= t1]
    count = before.groupby(["member", "action"]).size().unstack(fill_value=0)
    late = after.groupby(["member", "action"]).size().unstack(fill_value=0)
    badges = before[before["action"].str.startswith("badge_")].groupby(["member", "value"]).size().unstack(fill_value=0)

    def col(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name] if name in frame.columns else pd.Series(0, index=frame.index)

    m = final[["id", "satisfaction", "capacity", "opted_out"]].copy()
    ids = m["id"]
    n_ask = col(count, "asked").reindex(ids, fill_value=0).to_numpy()
    n_ans = col(count, "answered").reindex(ids, fill_value=0).to_numpy()
    n_com = col(count, "commented").reindex(ids, fill_value=0).to_numpy()
    n_acc = col(count, "answer_accepted").reindex(ids, fill_value=0).to_numpy()
    n_up = col(count, "upvote_received").reindex(ids, fill_value=0).to_numpy()
    # Reputation at t1: today's minus what up-votes (+10) and acceptances
    # (+15) after t1 brought (an approximation: question votes gave +5).
    rep = final["activity"].astype(float).to_numpy()
    rep = rep - 10 * col(late, "upvote_received").reindex(ids, fill_value=0).to_numpy()
    rep = np.maximum(1.0, rep - 15 * col(late, "answer_accepted").reindex(ids, fill_value=0).to_numpy())
    stage = np.where(
        rep >= 1000,
        "advocate",
        np.where(
            n_ans > 0,
            "loyal",
            np.where(n_ask > 0, "new_customer", np.where((n_com > 0) | (rep > 1), "interested", "prospect")),
        ),
    )
    m.insert(1, "stage", stage)
    m["activity"] = rep
    # Tags only for members who had asked or answered by t1 (the bundled
    # tags summarise the whole period).
    m["tags"] = np.where((n_ask + n_ans) > 0, final["tags"], "")
    g = [badges[v].reindex(ids, fill_value=0).to_numpy() if v in badges.columns else 0 * n_ask for v in "123"]
    for k, x in enumerate([n_ask, n_ans, n_com, n_acc, n_up, g[0], g[1], g[2]]):
        m[f"f_{k}"] = np.round(np.log1p(x), 4)
    m["created"] = joined.reindex(ids).to_numpy()
    return m


def truth(c: er.Community, inter: pd.DataFrame, t1: float, t2: float) -> dict:
    """Member -> peers first met in [t1, t2) that were eligible at t1."""
    window = inter[(inter["t"] >= t1) & (inter["t"] < t2)]
    out = defaultdict(set)
    for a, b in zip(window["source"], window["target"]):
        if a not in c or b not in c or a == b:
            continue
        for u, v in ((a, b), (b, a)):
            out[u].add(v)
    return out


def bootstrap(hits: dict, names: list, rng: np.random.Generator, reps: int = 2000) -> dict:
    n = len(next(iter(hits.values())))
    idx = rng.integers(0, n, size=(reps, n))
    return {name: np.percentile(hits[name][idx].mean(axis=1), [2.5, 97.5]) for name in names}


def evaluate(data: str, t1s: str, t2s: str, horizon: float, seed: int = 0) -> dict:
    t1, t2 = er._core.parse_timestamp(t1s), er._core.parse_timestamp(t2s)
    members = members_as_of(data, t1)
    inter = pd.read_csv(os.path.join(data, "interactions.csv"), dtype={"source": str, "target": str})
    inter["t"] = seconds(inter["timestamp"])
    with tempfile.TemporaryDirectory() as tmp:
        mpath = os.path.join(tmp, "members.csv")
        members.to_csv(mpath, index=False)
        model = er.fit_ranking(mpath, os.path.join(data, "interactions.csv"), t1s, horizon_days=horizon, seed=seed)
        alive = members[~(members["created"] >= t1)].drop(columns=["created"])
        before = inter[inter["t"] < t1]
        before = before[before["source"].isin(alive["id"]) & before["target"].isin(alive["id"])]
        alive.to_csv(mpath, index=False)
        ipath = os.path.join(tmp, "interactions.csv")
        before[["source", "target", "weight", "timestamp"]].to_csv(ipath, index=False)
        c = er.Community.from_csv(mpath, ipath)
    degree = dict(c.to_networkx().degree())
    new = truth(c, inter, t1, t2)
    # Every eligible peer of the members with new contacts, in the library's
    # order for each ranking (k large enough to list them all).
    people = sorted(u for u in new if u in c)
    everyone = len(c)
    default = er.recommend(c, people, k=everyone)
    learned = er.recommend(c, people, k=K, model=model, as_of=t1)
    rows = {"learned": {}, "default weights": {}, "degree": {}, "adamic-adar": {}}
    for u, g in default.groupby("member", sort=False):
        eligible = set(g["peer"])
        target = new[u] & eligible
        if not target:
            continue
        rows["default weights"][u] = list(g["peer"][:K])
        by_degree = sorted(eligible, key=lambda v: (-degree.get(v, 0), v))
        rows["degree"][u] = by_degree[:K]
        aa = g.sort_values(["proximity", "peer"], ascending=[False, True], kind="stable")
        rows["adamic-adar"][u] = list(aa["peer"][:K])
    for u, g in learned.groupby("member", sort=False):
        rows["learned"][u] = list(g["peer"])
    test = sorted(rows["default weights"])
    hits = {
        name: np.array([len(set(r.get(u, [])) & new[u]) > 0 for u in test], dtype=float) for name, r in rows.items()
    }
    rng = np.random.default_rng(seed)
    ci = bootstrap(hits, list(hits), rng)
    best = max((n for n in hits if n != "learned"), key=lambda n: hits[n].mean())
    diff = hits["learned"] - hits[best]
    idx = rng.integers(0, len(test), size=(2000, len(test)))
    dci = np.percentile(diff[idx].mean(axis=1), [2.5, 97.5])
    return {
        "t1": t1s,
        "t2": t2s,
        "horizon": horizon,
        "test_members": len(test),
        "training": model.training,
        "coefficients": model.coefficients,
        "hit": {n: (hits[n].mean(), ci[n][0], ci[n][1]) for n in hits},
        "best_baseline": best,
        "difference": (diff.mean(), dci[0], dci[1]),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--t1", default="2018-07-01")
    ap.add_argument("--t2", default="2018-09-01")
    ap.add_argument("--horizons", default="30,60")
    ap.add_argument("--markdown", action="store_true", help="print the table of docs/ranking.md")
    a = ap.parse_args(argv)
    results = [evaluate(a.data, a.t1, a.t2, float(h)) for h in a.horizons.split(",")]
    for r in results:
        tr = r["training"]
        print(
            f"T1={r['t1']} T2={r['t2']} horizon={r['horizon']:g} d: {r['test_members']} test members; "
            f"training {tr['samples']} pairs ({tr['positives']} positive, {tr['active_members']} members)",
            file=sys.stderr,
        )
        if a.markdown:
            print(f"\nHorizon {r['horizon']:g} days ({tr['samples']} training pairs, {tr['positives']} positive):\n")
            print("| ranking | hit@5 | 95% interval |")
            print("|---|---|---|")
        for name, (h, lo, hi) in r["hit"].items():
            if a.markdown:
                print(f"| {name} | {h:.3f} | {lo:.3f} – {hi:.3f} |")
            else:
                print(f"  {name:16s} hit@5 = {h:.3f}  [{lo:.3f}, {hi:.3f}]")
        d, lo, hi = r["difference"]
        line = f"learned - {r['best_baseline']}: {d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
        print(f"\n{line}\n" if a.markdown else f"  {line}")
        if not a.markdown:
            coef = ", ".join(f"{k}={v:+.2f}" for k, v in r["coefficients"].items())
            print(f"  coefficients: {coef}")
    return 0 if all(math.isfinite(r["difference"][0]) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
