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
    """The bundled community: members rebuilt as of T1 from events.csv."""
    t1 = er._core.parse_timestamp(t1s)
    members = members_as_of(data, t1)
    inter = pd.read_csv(os.path.join(data, "interactions.csv"), dtype={"source": str, "target": str})
    return evaluate_frames(members, inter, None, t1s, t2s, horizon, seed)


def evaluate_frames(members, inter, content, t1s: str, t2s: str, horizon: float, seed: int = 0) -> dict:
    """`members` must describe the members as of T1 (with `created`)."""
    t1, t2 = er._core.parse_timestamp(t1s), er._core.parse_timestamp(t2s)
    inter = inter.copy()
    inter["t"] = seconds(inter["timestamp"])
    model = er.fit_ranking(members, inter.drop(columns=["t"]), t1s, horizon_days=horizon, seed=seed, content=content)
    alive = members[~(members["created"] >= t1)].drop(columns=["created"])
    before = inter[inter["t"] < t1]
    before = before[before["source"].isin(alive["id"]) & before["target"].isin(alive["id"])]
    c = er.Community.from_frames(alive, before[["source", "target", "weight", "timestamp"]])
    early = None if content is None else content[seconds(content["created"]) < t1]
    degree = dict(c.to_networkx().degree())
    new = truth(c, inter, t1, t2)
    eligible = {u: {v for v in peers if c.explain(u, v)["eligible"]} for u, peers in new.items()}
    test = sorted(u for u, peers in eligible.items() if peers)
    stage_of = dict(zip(alive["id"], alive["stage"]))
    stages = c.journey.stages
    by_stage = defaultdict(list)
    for v in sorted(alive["id"], key=lambda v: (-degree.get(v, 0), v)):
        by_stage[stage_of[v]].append(v)
    rows = {"learned": {}, "default weights": {}, "degree": {}, "adamic-adar": {}}
    for name, kw in (
        ("learned", {"model": model, "as_of": t1, "content": early}),
        ("default weights", {}),
        ("adamic-adar", {"weights": {"similarity": 0, "tags": 0, "proximity": 1, "happiness": 0}}),
    ):
        recs = er.recommend(c, test, k=K, **kw)
        for u, g in recs.groupby("member", sort=False):
            rows[name][u] = list(g["peer"])
    for u in test:
        nxt = stages[stages.index(stage_of[u]) + 1]
        top = []
        for v in by_stage[nxt]:
            if c.explain(u, v)["eligible"]:
                top.append(v)
                if len(top) == K:
                    break
        rows["degree"][u] = top
    hits = {
        name: np.array([len(set(r.get(u, [])) & eligible[u]) > 0 for u in test], dtype=float)
        for name, r in rows.items()
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
    ap.add_argument(
        "--members",
        help="another community instead: members.csv as of T1 (with a created column; no attribute may use "
        "anything after T1), with --interactions (all dated contacts) and optionally --content",
    )
    ap.add_argument("--interactions")
    ap.add_argument("--content")
    a = ap.parse_args(argv)
    if a.members:
        members = pd.read_csv(a.members, dtype={"id": str, "tags": str}, keep_default_na=False)
        members["created"] = seconds(members["created"].replace("", None))
        inter = pd.read_csv(a.interactions, dtype={"source": str, "target": str})
        content = None
        if a.content:
            content = pd.read_csv(a.content, dtype=str, keep_default_na=False)
        results = [evaluate_frames(members, inter, content, a.t1, a.t2, float(h)) for h in a.horizons.split(",")]
    else:
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
