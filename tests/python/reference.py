"""Independent reference implementation of `engage-right recommend`.

Written from the product contract (DESIGN.md sections 2-4) with pandas,
numpy and networkx only. It deliberately favours obviousness over speed and
shares no code with the C++ implementation: it is what the CLI is checked
against in test_crosscheck.py.

Public entry points:

* ``load_journey(spec)`` -- a preset name, a path to a JSON file, a dict or
  ``None`` (the default ``engage_right`` preset).
* ``recommend(members_path, interactions_path=None, journey=None, top=5,
  weights=None, min_satisfaction=None, allow_existing=False,
  stage_gap=(1, 1))`` -- returns an ordered dict ``member id -> [Rec, ...]``
  for every member of members.csv in file order (empty list when the member
  gets nothing), each list truncated to ``top`` (``top=None`` keeps every
  eligible peer).
* ``peer_stage_ok(journey, su, sv, stage_gap)`` -- hard rule 1 with a stage
  gap (docs/scoring.md "How far right"): ``MIN <= sv - su <= MAX`` and every
  step from ``su`` to ``sv`` enabled.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

DEFAULT_WEIGHTS = {"similarity": 0.5, "tags": 0.15, "proximity": 0.25, "happiness": 0.1}
WEIGHT_KEYS = ("similarity", "tags", "proximity", "happiness")

PRESETS = {
    "engage_right": ["prospect", "interested", "new_customer", "loyal", "advocate"],
    "four_phase": ["awareness", "evaluation", "purchase", "retention"],
    "loyalty_loop": ["consider", "evaluate", "buy", "enjoy", "advocate", "bond"],
    "inbound": ["visitor", "lead", "mql", "sql", "customer", "promoter"],
    "success": ["build", "grow", "ignite"],
}

CSV_COLUMNS = [
    "member",
    "member_stage",
    "peer",
    "peer_stage",
    "rank",
    "score",
    "similarity",
    "tags",
    "proximity",
    "happiness",
    "channel",
    "reason",
]

FEATURE_RE = re.compile(r"^f_\d+$")


class Rec(NamedTuple):
    peer: str
    score: float
    similarity: float
    tags: float
    proximity: float
    happiness: float
    channel: str
    member_stage: str
    peer_stage: str
    # sorted degrees of the common neighbours (diagnostics / exact-tie detection)
    cn_degrees: tuple = ()
    # the peer's feature vector, and whether the similarity is 0 by definition
    # (a zero vector or no features) -- used for exact-tie detection
    peer_features: tuple = ()
    sim_defined_zero: bool = False


@dataclass
class Journey:
    name: str
    stages: list
    # steps[i] describes stages[i] -> stages[i+1]: (enabled, channel)
    steps: list
    min_peer_satisfaction: int = 7
    default_capacity: int = 3
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))


def default_steps(n_stages):
    """First and last step private, the ones in between public, all enabled."""
    n_steps = n_stages - 1
    steps = []
    for i in range(n_steps):
        private = i == 0 or i == n_steps - 1
        steps.append((True, "private" if private else "public"))
    return steps


def load_journey(spec=None) -> Journey:
    if spec is None:
        spec = "engage_right"
    if isinstance(spec, Journey):
        return spec
    if isinstance(spec, str) and spec in PRESETS:
        stages = list(PRESETS[spec])
        return Journey(spec, stages, default_steps(len(stages)))
    if isinstance(spec, (str, os.PathLike)):
        with open(spec, encoding="utf-8") as fh:
            spec = json.load(fh)
    if not isinstance(spec, dict):
        raise TypeError(f"unsupported journey spec {spec!r}")
    stages = list(spec["stages"])
    if "steps" in spec:
        steps = [(bool(s.get("enabled", True)), s.get("channel", "public")) for s in spec["steps"]]
        assert len(steps) == len(stages) - 1
    else:
        steps = default_steps(len(stages))
    weights = dict(DEFAULT_WEIGHTS)
    weights.update(spec.get("weights", {}))
    return Journey(
        name=spec.get("name", "custom"),
        stages=stages,
        steps=steps,
        min_peer_satisfaction=int(spec.get("min_peer_satisfaction", 7)),
        default_capacity=int(spec.get("default_capacity", 3)),
        weights=weights,
    )


def parse_weights(text):
    """'similarity=0.5,tags=0.15,...' -> dict."""
    out = {}
    for part in text.split(","):
        key, value = part.split("=")
        out[key.strip()] = float(value)
    return out


def _read_csv(path) -> pd.DataFrame:
    # Everything as text; empty fields stay "" (no NaN guessing); BOM removed.
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig", skipinitialspace=False
    )


def _parse_bool(text):
    t = text.strip().lower()
    if t in ("1", "true"):
        return True
    if t in ("0", "false", ""):
        return False
    raise ValueError(f"bad boolean {text!r}")


def _tag_set(text):
    return frozenset(t for t in text.split(";") if t != "")


def _cosine(x, y):
    nx_ = float(np.linalg.norm(x))
    ny_ = float(np.linalg.norm(y))
    if nx_ == 0.0 or ny_ == 0.0:
        return 0.0
    return float(np.dot(x, y)) / (nx_ * ny_)


def _jaccard(a, b):
    union = a | b
    if not union:
        return 0.0
    return len(a & b) / len(union)


def load_members(path, journey: Journey) -> pd.DataFrame:
    df = _read_csv(path)
    stage_index = {s.lower(): i for i, s in enumerate(journey.stages)}
    out = pd.DataFrame({"id": df["id"].astype(str)})
    out["stage_idx"] = [stage_index[s.strip().lower()] for s in df["stage"]]
    if "satisfaction" in df.columns:
        sat = [None if s.strip() == "" else int(s) for s in df["satisfaction"]]
    else:
        sat = [None] * len(df)
    out["satisfaction"] = pd.Series(sat, dtype=object)  # None = unknown (no NaN)
    if "capacity" in df.columns:
        out["capacity"] = [journey.default_capacity if c.strip() == "" else int(c) for c in df["capacity"]]
    else:
        out["capacity"] = [journey.default_capacity] * len(df)
    if "opted_out" in df.columns:
        out["opted_out"] = [_parse_bool(v) for v in df["opted_out"]]
    else:
        out["opted_out"] = [False] * len(df)
    if "tags" in df.columns:
        out["tags"] = [_tag_set(t) for t in df["tags"]]
    else:
        out["tags"] = [frozenset()] * len(df)
    fcols = sorted((c for c in df.columns if FEATURE_RE.match(c)), key=lambda c: int(c[2:]))
    if fcols:
        feats = df[fcols].astype(float).to_numpy()
    else:
        feats = np.zeros((len(df), 0))
    out.attrs["features"] = feats
    assert out["id"].is_unique
    return out


def load_graph(members: pd.DataFrame, interactions_path):
    """Simple undirected graph: all members are nodes, weights ignored,
    duplicate pairs merged, self-loops dropped."""
    g = nx.Graph()
    g.add_nodes_from(members["id"])
    if interactions_path is not None:
        df = _read_csv(interactions_path)
        for s, t in zip(df["source"], df["target"]):
            assert s in g and t in g, (s, t)
            if s != t:
                g.add_edge(s, t)
    return g


def peer_stage_ok(journey: Journey, su: int, sv: int, stage_gap=(1, 1)) -> bool:
    """Hard rule 1: the peer stands MIN..MAX stages right and every step
    crossed (su -> su+1, ..., sv-1 -> sv) is enabled."""
    lo, hi = stage_gap
    if not lo <= sv - su <= hi:
        return False
    return all(journey.steps[t][0] for t in range(su, sv))


def recommend(
    members_path,
    interactions_path=None,
    journey=None,
    top=5,
    weights=None,
    min_satisfaction=None,
    allow_existing=False,
    stage_gap=(1, 1),
):
    journey = load_journey(journey)
    w = dict(journey.weights)
    if weights is not None:
        if isinstance(weights, str):
            weights = parse_weights(weights)
        w.update(weights)
    min_sat = journey.min_peer_satisfaction if min_satisfaction is None else int(min_satisfaction)

    members = load_members(members_path, journey)
    feats = members.attrs["features"]
    graph = load_graph(members, interactions_path)

    ids = list(members["id"])
    stage_idx = list(members["stage_idx"])
    sat = list(members["satisfaction"])
    cap = list(members["capacity"])
    opted = list(members["opted_out"])
    tags = list(members["tags"])
    n_stages = len(journey.stages)

    result = OrderedDict()
    for ui, u in enumerate(ids):
        recs = []
        su = stage_idx[ui]
        result[u] = recs
        if opted[ui] or su == n_stages - 1:
            continue
        channel = journey.steps[su][1]  # the member's own step, whatever the distance
        candidates = []
        for vi in range(len(ids)):
            if not peer_stage_ok(journey, su, stage_idx[vi], stage_gap):
                continue
            v = ids[vi]
            if vi == ui or opted[vi]:
                continue
            if sat[vi] is not None and sat[vi] < min_sat:
                continue
            if cap[vi] <= 0:
                continue
            if not allow_existing and graph.has_edge(u, v):
                continue
            candidates.append(vi)
        if not candidates:
            continue
        aa = {}
        for _a, b, p in nx.adamic_adar_index(graph, [(u, ids[vi]) for vi in candidates]):
            aa[b] = p
        for vi in candidates:
            v = ids[vi]
            sim = _cosine(feats[ui], feats[vi]) if feats.shape[1] else 0.0
            tg = _jaccard(tags[ui], tags[vi])
            prox = aa[v] / (1.0 + aa[v])
            hap = 0.5 if sat[vi] is None else sat[vi] / 10.0
            score = w["similarity"] * sim + w["tags"] * tg + w["proximity"] * prox + w["happiness"] * hap
            cn = tuple(sorted(graph.degree(w_) for w_ in nx.common_neighbors(graph, u, v)))
            zero = not np.any(feats[ui]) or not np.any(feats[vi])
            recs.append(
                Rec(
                    v,
                    score,
                    sim,
                    tg,
                    prox,
                    hap,
                    channel,
                    journey.stages[su],
                    journey.stages[stage_idx[vi]],
                    cn,
                    tuple(float(x) for x in feats[vi]),
                    bool(zero),
                )
            )
        # score descending, ties by peer id ascending (code point order ==
        # UTF-8 byte order)
        recs.sort(key=lambda r: (-r.score, r.peer))
        if top is not None:
            del recs[top:]
    return result


def is_finite_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
