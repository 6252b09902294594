"""An independent, deliberately plain reference of `engage-right evaluate`
(docs/evaluation.md), written from the definitions with pandas, networkx and
scikit-learn. It shares no code with the library: it is what the evaluation
is checked against in test_evaluate.py.

The inputs are DataFrames with the columns of the CSV files, with these
types: members ``id`` (str), ``stage`` (stage name), ``satisfaction``
(float, NaN = unknown), ``capacity`` (float, NaN = journey default),
``opted_out`` (bool), ``created`` (float seconds, NaN = unknown; optional);
interactions ``source``, ``target`` (str), ``timestamp`` (float seconds);
stages ``member``, ``stage``, ``timestamp``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.metrics import ndcg_score


@dataclass
class Journey:
    stages: list
    enabled: list  # per step s -> s+1
    min_peer_satisfaction: int = 7
    default_capacity: int = 3


@dataclass
class Replay:
    stage: dict  # id -> stage index at T
    members: pd.DataFrame  # the replayed members (input order), indexed by id
    graph: nx.Graph  # interactions before T
    targets: set = field(default_factory=set)  # frozenset({a, b})
    created_later: int = 0
    not_yet_staged: int = 0


def replay(members: pd.DataFrame, interactions: pd.DataFrame, stages, journey: Journey, split_at, end) -> Replay:
    stage_index = {s: i for i, s in enumerate(journey.stages)}
    m = members.copy()
    created_later = 0
    if "created" in m.columns:
        later = m["created"].notna() & (m["created"] >= split_at)
        created_later = int(later.sum())
        m = m[~later]
    m = m.assign(stage_at=[stage_index[s] for s in m["stage"]])
    not_yet = 0
    if stages is not None:
        st = stages.reset_index(drop=True).copy()
        st["row"] = np.arange(len(st))
        has_entries = set(st["member"])
        by_t = st[st["timestamp"] <= split_at].sort_values(["timestamp", "row"])
        latest = by_t.groupby("member").tail(1).set_index("member")["stage"]
        keep = []
        for i, r in m.iterrows():
            if r["id"] in latest.index:
                m.at[i, "stage_at"] = stage_index[latest[r["id"]]]
                keep.append(True)
            elif r["id"] in has_entries:
                keep.append(False)
            else:
                keep.append(True)
        not_yet = len(keep) - sum(keep)
        m = m[keep]
    m = m.set_index("id", drop=False)
    ids = set(m.index)
    g = nx.Graph()
    g.add_nodes_from(m.index)
    both = interactions["source"].isin(ids) & interactions["target"].isin(ids)
    own = interactions[both & (interactions["source"] != interactions["target"])]
    for s, t in zip(own.loc[own["timestamp"] < split_at, "source"], own.loc[own["timestamp"] < split_at, "target"]):
        g.add_edge(s, t)
    pairs = own.assign(pair=[frozenset(p) for p in zip(own["source"], own["target"])])
    first = pairs.groupby("pair")["timestamp"].min()
    targets = {p for p, t in first.items() if split_at <= t < end}
    r = Replay(dict(zip(m.index, m["stage_at"])), m, g, targets, created_later, not_yet)
    return r


def is_peer(r: Replay, j: Journey, v, min_sat=None) -> bool:
    row = r.members.loc[v]
    min_sat = j.min_peer_satisfaction if min_sat is None else min_sat
    if bool(row["opted_out"]):
        return False
    if not math.isnan(row["satisfaction"]) and row["satisfaction"] < min_sat:
        return False
    cap = j.default_capacity if math.isnan(row["capacity"]) else row["capacity"]
    return cap > 0


def eligible(r: Replay, j: Journey, u, v, any_stage=False, min_sat=None, allow_existing=False) -> bool:
    """The hard rules of DESIGN.md section 3 (rule 1 left out with any_stage)."""
    su, sv = r.stage[u], r.stage[v]
    if not any_stage:
        if su + 1 >= len(j.stages) or sv != su + 1 or not j.enabled[su]:
            return False
    if u == v or bool(r.members.loc[u, "opted_out"]):
        return False
    if not is_peer(r, j, v, min_sat):
        return False
    return allow_existing or not r.graph.has_edge(u, v)


def targets_of(r: Replay) -> dict:
    out: dict = {}
    for p in r.targets:
        a, b = sorted(p)
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def ranking_keys(r: Replay, j: Journey, u, method: str) -> list:
    """(key, id) of every peer adamic_adar / degree (optionally
    _unrestricted) may rank for u, best first: larger key first, ties by id.
    The AA index is networkx's, rounded to 12 decimals: sums of the same
    terms in another order differ in the last bits, so mathematical ties are
    ties here, while the library breaks them by the bits of its own sum."""
    any_stage = method.endswith("_unrestricted")
    cands = [v for v in r.members.index if eligible(r, j, u, v, any_stage)]
    if method.startswith("adamic_adar"):
        key = {b: round(p, 12) for _a, b, p in nx.adamic_adar_index(r.graph, [(u, v) for v in cands])}
    elif method.startswith("degree"):
        key = {v: r.graph.degree(v) for v in cands}
    else:
        raise ValueError(method)
    return sorted(((key[v], v) for v in cands), key=lambda kv: (-kv[0], kv[1]))


def same_ranking(got: list, keys: list, depth: int) -> bool:
    """`got` ranks like `keys` (from ranking_keys) to `depth`: the same keys
    position by position, and the same peer wherever its key is unique."""
    want = keys[:depth]
    if len(got) != len(want):
        return False
    key_of = dict((v, k) for k, v in keys)
    count: dict = {}
    for k, _v in keys:
        count[k] = count.get(k, 0) + 1
    for g, (k, v) in zip(got, want):
        if key_of.get(g) != k or (count[k] == 1 and g != v):
            return False
    return True


def member_metrics(ranked: list, targets: set, ks, mrr_depth: int) -> dict:
    """hit@k, recall@k from the definitions; ndcg@k with scikit-learn's
    ndcg_score (binary relevance). The items given to ndcg_score are the
    ranking, then max(ks) irrelevant fillers (a ranking shorter than k gains
    nothing after its end), then the targets the ranking missed (so that the
    ideal DCG counts every target)."""
    out = {}
    kmax = max(ks)
    missing = sorted(targets - set(ranked))
    items = list(ranked) + [f"__pad{i}__" for i in range(kmax)] + missing
    y_true = np.array([[1.0 if x in targets else 0.0 for x in items]])
    y_score = np.array([[float(len(items) - i) for i in range(len(items))]])
    for k in ks:
        top = ranked[:k]
        hits = sum(1 for x in top if x in targets)
        out[f"hit@{k}"] = 1.0 if hits else 0.0
        out[f"recall@{k}"] = hits / len(targets)
        out[f"ndcg@{k}"] = float(ndcg_score(y_true, y_score, k=k))
    out["mrr"] = 0.0
    for i, x in enumerate(ranked[:mrr_depth]):
        if x in targets:
            out["mrr"] = 1.0 / (i + 1)
            break
    return out


def gini(values) -> float:
    """Mean absolute difference over twice the mean (the textbook form)."""
    x = np.asarray(values, dtype=float)
    if x.sum() == 0:
        return float("nan")
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))
