"""Helpers for the tests of the Python package `engage_right`
(tests/python/test_package_*.py).

* ``Model`` -- an independent reference implementation of recommend/explain
  (DESIGN.md sections 3-4) over plain Python/numpy data, written with numpy
  and networkx only. Features are the float32 values the library stores
  (``community.features()`` is float32), every other quantity is computed in
  double precision.
* ``Spec`` / ``make_spec(seed)`` -- seeded random communities, rendered both
  as pandas frames (with the many input spellings a user may have: NaN,
  None, nullable integers, tag lists, pandas datetimes, a separate feature
  array, ...) and as CSV files, plus random recommend options.
* ``compare_recommendations`` -- checks an `er.recommend` DataFrame against
  the reference (exact top-k; only near ties < 1e-9 may be ordered
  differently, exact ties must go to the smaller peer id).

Nothing here imports engage_right: the helpers must work (and the tests
fail, not skip) when the package is missing.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import refcommon  # noqa: E402
import reference  # noqa: E402  (read-only reuse: presets and journey loading)
from refcommon import TOL, write_csv  # noqa: E402  (TOL is part of this module's interface)

REPO = HERE.parents[1]
SAMPLE_MEMBERS = REPO / "examples" / "data" / "sample" / "members.csv"
SAMPLE_INTERACTIONS = REPO / "examples" / "data" / "sample" / "interactions.csv"

COLUMNS = reference.CSV_COLUMNS
FLOAT_COLUMNS = ["score", "similarity", "tags", "proximity", "happiness"]
MEMBER_COLUMNS = ["id", "stage", "satisfaction", "capacity", "opted_out", "activity", "tags"]
EXPLAIN_KEYS = {
    "member",
    "peer",
    "eligible",
    "failed_rule",
    "why",
    *FLOAT_COLUMNS,
    "channel",
    "shared_tags",
    "mutual_contacts",
    "existing_contact",
    "reason",
}
WEIGHT_KEYS = reference.WEIGHT_KEYS
PRESETS = reference.PRESETS
JOURNEY_KEYS = {"name", "stages", "steps", "min_peer_satisfaction", "default_capacity", "weights"}


def venv_python() -> str:
    cand = REPO / ".venv" / "bin" / "python"
    return str(cand) if cand.exists() else sys.executable


# ---------------------------------------------------------------------------
# reference model


# The reference recommendation: the scored fields of reference.Rec, then the
# member's and the peer's row in the model.
RefRec = NamedTuple(
    "RefRec", [(f, reference.Rec.__annotations__[f]) for f in reference.Rec._fields[:9]] + [("u", int), ("v", int)]
)


class Model:
    """Normalised community + reference scoring.

    ids: list of str (input order); stage_idx: journey stage index per member;
    sat: int or None; cap: int or None (None = journey default); opted: bool;
    tags: iterable of tag strings per member (case-insensitive, duplicates
    ignored); feats: (n, d) array (stored as float32); edges: iterable of
    (i, j) member index pairs (duplicates and self-loops allowed).
    """

    def __init__(self, journey, ids, stage_idx, sat, cap, opted, tags, feats, edges):
        self.journey = journey
        self.ids = [str(x) for x in ids]
        self.n = len(self.ids)
        self.index = {m: i for i, m in enumerate(self.ids)}
        assert len(self.index) == self.n
        self.stage_idx = np.asarray(stage_idx, dtype=np.int64).reshape(self.n)
        self.sat = [None if s is None else int(s) for s in sat]
        self.cap = np.array([journey.default_capacity if c is None else int(c) for c in cap], dtype=np.int64).reshape(
            self.n
        )
        self.opted = np.asarray(opted, dtype=bool).reshape(self.n)
        self.tags = [frozenset(t.lower() for t in ts if t) for ts in tags]
        self.feats = np.asarray(feats, dtype=np.float32).reshape(self.n, -1)
        self.graph = nx.Graph()
        self.graph.add_nodes_from(self.ids)
        for i, j in edges:
            if i != j:
                self.graph.add_edge(self.ids[i], self.ids[j])
        self._build()

    # dense pairwise components (n is small in the tests)
    def _build(self):
        n = self.n
        x = self.feats.astype(np.float64)
        norms = np.sqrt((x * x).sum(axis=1)) if x.shape[1] else np.zeros(n)
        self.zero_vec = norms == 0.0
        if x.shape[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                s = (x @ x.T) / np.outer(norms, norms)
            s[self.zero_vec, :] = 0.0
            s[:, self.zero_vec] = 0.0
            self.S = np.clip(s, -1.0, 1.0)
        else:
            self.S = np.zeros((n, n))
        vocab = sorted(set().union(*self.tags)) if self.tags else []
        vi = {t: k for k, t in enumerate(vocab)}
        t = np.zeros((n, len(vocab)))
        for i, ts in enumerate(self.tags):
            for tag in ts:
                t[i, vi[tag]] = 1.0
        inter = t @ t.T
        size = t.sum(axis=1)
        union = size[:, None] + size[None, :] - inter
        self.J = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        if n:
            a = nx.to_numpy_array(self.graph, nodelist=self.ids, weight=None)
        else:
            a = np.zeros((0, 0))
        self.adjacency = a != 0
        a = self.adjacency.astype(np.float64)
        deg = a.sum(axis=1)
        inv = np.zeros(n)
        inv[deg > 1] = 1.0 / np.log(deg[deg > 1])
        aa = (a * inv[None, :]) @ a.T
        self.AA = aa
        self.P = aa / (1.0 + aa)
        self.H = np.array([0.5 if s is None else s / 10.0 for s in self.sat])

    def stage_name(self, i):
        return self.journey.stages[int(self.stage_idx[i])]

    def weights(self, weights=None):
        w = dict(self.journey.weights)
        if weights:
            w.update(weights)
        return w

    def min_sat(self, min_satisfaction=None):
        return self.journey.min_peer_satisfaction if min_satisfaction is None else int(min_satisfaction)

    def failed_rule(self, u, v, min_satisfaction=None, allow_existing=False, stage_gap=(1, 1)):
        """First hard rule of DESIGN.md section 3 that the pair fails, 0 if
        eligible; rule 1 with the stage gap (reference.peer_stage_ok)."""
        su, sv = int(self.stage_idx[u]), int(self.stage_idx[v])
        if not reference.peer_stage_ok(self.journey, su, sv, stage_gap):
            return 1
        if u == v or self.opted[u] or self.opted[v]:
            return 2
        if self.sat[v] is not None and self.sat[v] < self.min_sat(min_satisfaction):
            return 3
        if self.cap[v] <= 0:
            return 4
        if not allow_existing and self.graph.has_edge(self.ids[u], self.ids[v]):
            return 5
        return 0

    def components(self, u, v):
        return (float(self.S[u, v]), float(self.J[u, v]), float(self.P[u, v]), float(self.H[v]))

    def score(self, u, v, weights=None):
        w = self.weights(weights)
        sim, tg, pr, hp = self.components(u, v)
        return w["similarity"] * sim + w["tags"] * tg + w["proximity"] * pr + w["happiness"] * hp

    def channel(self, u, v, stage_gap=(1, 1)):
        """The channel of u's step when v stands MIN..MAX stages right
        (enabled or not), else None."""
        su, sv = int(self.stage_idx[u]), int(self.stage_idx[v])
        if stage_gap[0] <= sv - su <= stage_gap[1]:
            return self.journey.steps[su][1]
        return None

    def rec(self, u, v, weights=None, stage_gap=(1, 1)):
        sim, tg, pr, hp = self.components(u, v)
        return RefRec(
            self.ids[v],
            self.score(u, v, weights),
            sim,
            tg,
            pr,
            hp,
            self.channel(u, v, stage_gap),
            self.stage_name(u),
            self.stage_name(v),
            u,
            v,
        )

    def score_matrix(self, weights=None):
        w = self.weights(weights)
        return (
            w["similarity"] * self.S + w["tags"] * self.J + w["proximity"] * self.P + w["happiness"] * self.H[None, :]
        )

    def recommend(
        self, k=None, weights=None, min_satisfaction=None, allow_existing=False, members=None, stage_gap=(1, 1)
    ):
        """OrderedDict member id -> list of RefRec (best first, top k or all)."""
        order = self.ids if members is None else list(members)
        out = OrderedDict()
        last = len(self.journey.stages) - 1
        scores = self.score_matrix(weights)
        min_sat = self.min_sat(min_satisfaction)
        sat = np.array([-1 if s is None else s for s in self.sat], dtype=np.int64)
        peer_ok = (~self.opted) & ((sat < 0) | (sat >= min_sat)) & (self.cap > 0)
        adjacency = self.adjacency
        ids = np.array(self.ids, dtype=object)
        for m in order:
            u = self.index[m]
            su = int(self.stage_idx[u])
            recs = []
            if su < last and not self.opted[u]:
                in_gap = [reference.peer_stage_ok(self.journey, su, int(sv), stage_gap) for sv in self.stage_idx]
                mask = np.array(in_gap, dtype=bool) & peer_ok
                mask[u] = False
                if not allow_existing:
                    mask &= ~adjacency[u]
                cand = np.flatnonzero(mask)
                ranked = sorted(zip((-scores[u, cand]).tolist(), ids[cand].tolist(), cand.tolist()))
                if k is not None:
                    ranked = ranked[:k]
                for _, _, v in ranked:
                    r = self.rec(u, v, weights, stage_gap)
                    recs.append(r)
            out[m] = recs
        return out

    def cn_degrees(self, u, v):
        g = self.graph
        return tuple(sorted(g.degree(w) for w in nx.common_neighbors(g, self.ids[u], self.ids[v])))

    def exact_tie(self, a: RefRec, b: RefRec):
        """True when any correct implementation must give a and b bit-identical
        scores: the same components from the same inputs -- the same peer
        feature vector (or a similarity that is 0 by definition) and
        Adamic-Adar sums with the same terms, at most two of them (so that
        the summation order cannot matter)."""
        if (a.similarity, a.tags, a.proximity, a.happiness) != (b.similarity, b.tags, b.proximity, b.happiness):
            return False
        u = a.u
        zero_a = self.feats.shape[1] == 0 or self.zero_vec[u] or self.zero_vec[a.v]
        zero_b = self.feats.shape[1] == 0 or self.zero_vec[u] or self.zero_vec[b.v]
        same_sim = (zero_a and zero_b) or np.array_equal(self.feats[a.v], self.feats[b.v])
        da, db = self.cn_degrees(u, a.v), self.cn_degrees(u, b.v)
        return bool(same_sim and da == db and len(da) <= 2)


# ---------------------------------------------------------------------------
# comparing an er.recommend DataFrame with the reference


def check_schema(df, context=""):
    assert isinstance(df, pd.DataFrame), f"{context}: recommend returned {type(df)!r}"
    assert list(df.columns) == COLUMNS, f"{context}: columns {list(df.columns)}"
    assert df["rank"].dtype == np.int64, f"{context}: rank dtype {df['rank'].dtype}"
    for c in FLOAT_COLUMNS:
        assert df[c].dtype == np.float64, f"{context}: {c} dtype {df[c].dtype}"


def _check_values(row, ref, where):
    for key in FLOAT_COLUMNS:
        got_v, exp_v = float(row[key]), getattr(ref, key)
        assert abs(got_v - exp_v) <= TOL, f"{where}: {key} {got_v!r} != reference {exp_v!r}"
    assert isinstance(row["reason"], str) and row["reason"].strip(), f"{where}: empty reason {row['reason']!r}"


def compare_recommendations(df, model: Model, ref_full, k, context=""):
    """df: er.recommend output; ref_full: Model.recommend(k=None, ...) for the
    same members (every eligible peer, in the expected member order)."""
    check_schema(df, context)
    return refcommon.compare_ranked(
        df.to_dict("records"),
        ref_full,
        k,
        exact_tie=model.exact_tie,
        check_row=_check_values,
        rank=int,
        context=context,
    )


# ---------------------------------------------------------------------------
# random communities


ID_PREFIXES = ["m", "m", "m", "a-", "M", "x_", "b.", "m0", "Z", "zo\u00eb", "\u00fc", "q,", 'k"']
WIDE_TAG_VOCAB = [f"topic{i:03d}" for i in range(120)]
WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
T0 = 1_700_000_000


@dataclass
class Spec:
    seed: int
    journey: reference.Journey
    journey_spec: object  # preset name (str) or JSON dict
    ids: list
    stage_idx: np.ndarray
    stage_text: list  # stage as written (any case)
    sat: list  # int or None
    cap: list  # int or None
    opted: list  # bool
    activity: list  # float or None
    tags: list  # list of raw tag strings
    feats: np.ndarray  # (n, d) float32
    edges: list  # (i, j, weight or None, unix seconds)
    present: dict  # which optional member columns exist
    style: dict  # how frames spell things
    k: int = 5
    weights: dict | None = None
    min_satisfaction: int | None = None
    allow_existing: bool = False
    stage_gap: tuple = (1, 1)
    notes: list = field(default_factory=list)

    @property
    def n(self):
        return len(self.ids)

    @property
    def d(self):
        return self.feats.shape[1]

    def describe(self):
        return (
            f"seed={self.seed} journey={self.journey.name} n={self.n} d={self.d} k={self.k} "
            f"weights={self.weights} min_sat={self.min_satisfaction} "
            f"allow_existing={self.allow_existing} stage_gap={self.stage_gap} style={self.style} "
            f"{' '.join(self.notes)}"
        )

    def model(self):
        return Model(
            self.journey,
            self.ids,
            self.stage_idx,
            self.sat,
            self.cap,
            self.opted,
            self.tags,
            self.feats,
            [(i, j) for i, j, _, _ in (self.edges or [])],
        )

    def options(self):
        opts = {"k": self.k}
        if self.weights is not None:
            opts["weights"] = dict(self.weights)
        if self.min_satisfaction is not None:
            opts["min_satisfaction"] = self.min_satisfaction
        if self.allow_existing:
            opts["allow_existing"] = True
        if self.stage_gap != (1, 1):
            # both spellings: a pair, or the CLI's "MIN:MAX" text
            opts["stage_gap"] = f"{self.stage_gap[0]}:{self.stage_gap[1]}" if self.seed % 3 == 0 else self.stage_gap
        return opts

    def reference(self, model=None, members=None, k="all"):
        model = model or self.model()
        return model.recommend(
            k=None if k == "all" else k,
            weights=self.weights,
            min_satisfaction=self.min_satisfaction,
            allow_existing=self.allow_existing,
            members=members,
            stage_gap=self.stage_gap,
        )

    # -- journeys -------------------------------------------------------
    def journey_json(self):
        if isinstance(self.journey_spec, str):
            return None
        return json.dumps(self.journey_spec)

    def journey_for_frames(self, er):
        """A Journey object, a preset name or None (default)."""
        how = self.style["journey_arg"]
        if isinstance(self.journey_spec, str):
            if how == "none" and self.journey_spec == "engage_right":
                return None
            if how == "object":
                return er.Journey.preset(self.journey_spec)
            return self.journey_spec
        if how == "text":
            return er.Journey.from_json(self.journey_json())
        return er.Journey.from_json(dict(self.journey_spec))

    def journey_for_csv(self, er, tmp: Path):
        if isinstance(self.journey_spec, str):
            return self.journey_for_frames(er)
        path = tmp / "journey.json"
        path.write_text(json.dumps(self.journey_spec, indent=2), encoding="utf-8")
        return str(path)

    # -- frames ---------------------------------------------------------
    def _nullable_int_column(self, values, how):
        if how == "float":
            return pd.Series([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        if how == "Int64":
            return pd.Series(pd.array(values, dtype="Int64"))
        if how == "int" and all(v is not None for v in values):
            return pd.Series(values, dtype=np.int64)
        return pd.Series(list(values), dtype=object)  # ints and None

    def members_frame(self):
        """(members DataFrame, features argument or None)."""
        st = self.style
        cols = OrderedDict()
        cols["id"] = pd.Series(self.ids, dtype=object)
        cols["stage"] = pd.Series(self.stage_text, dtype=object)
        if self.present["satisfaction"]:
            cols["satisfaction"] = self._nullable_int_column(self.sat, st["sat"])
        if self.present["capacity"]:
            cols["capacity"] = self._nullable_int_column(self.cap, st["cap"])
        if self.present["opted_out"]:
            how = st["opted"]
            if how == "bool":
                cols["opted_out"] = pd.Series(self.opted, dtype=bool)
            elif how == "int":
                cols["opted_out"] = pd.Series([int(b) for b in self.opted], dtype=np.int64)
            elif how == "object":
                cols["opted_out"] = pd.Series(
                    [True if b else (None if i % 3 == 0 else False) for i, b in enumerate(self.opted)], dtype=object
                )
            else:  # strings, as in the CSV
                cols["opted_out"] = pd.Series(
                    [
                        ("true" if i % 2 else "1") if b else ("false" if i % 2 else "0")
                        for i, b in enumerate(self.opted)
                    ],
                    dtype=object,
                )
        if self.present["activity"]:
            cols["activity"] = pd.Series([np.nan if a is None else a for a in self.activity], dtype=np.float64)
        if self.present["tags"]:
            if st["tags"] == "list":
                cols["tags"] = pd.Series(
                    [list(t) if t or i % 2 else None for i, t in enumerate(self.tags)], dtype=object
                )
            else:
                cols["tags"] = pd.Series(
                    [
                        ";".join(t) if t else (None if i % 3 == 0 else (np.nan if i % 3 == 1 else ""))
                        for i, t in enumerate(self.tags)
                    ],
                    dtype=object,
                )
        if self.present["extra"]:
            cols["region"] = pd.Series([WORDS[i % len(WORDS)] for i in range(self.n)], dtype=object)
            cols["notes"] = pd.Series(["x, y" if i % 2 else None for i in range(self.n)], dtype=object)
        features = None
        if self.d:
            how = st["features"]
            if how in ("columns64", "columns32"):
                dt = np.float64 if how == "columns64" else np.float32
                for j in range(self.d):
                    cols[f"f_{j}"] = pd.Series(self.feats[:, j].astype(dt))
            elif how == "array32":
                features = np.ascontiguousarray(self.feats, dtype=np.float32)
            elif how == "array64":
                features = self.feats.astype(np.float64)
            elif how == "fortran32":
                features = np.asfortranarray(self.feats, dtype=np.float32)
            elif how == "strided32":
                big = np.zeros((self.n, 2 * self.d), dtype=np.float32)
                big[:, ::2] = self.feats
                features = big[:, ::2]
            else:
                raise AssertionError(how)
        names = list(cols)
        if st["shuffle_columns"]:
            rng = np.random.default_rng(self.seed + 17)
            names = [names[i] for i in rng.permutation(len(names))]
        df = pd.DataFrame({c: cols[c] for c in names})
        if st["index"] == "shuffled":
            rng = np.random.default_rng(self.seed + 29)
            df.index = pd.Index(rng.permutation(self.n) * 3 + 100)
        elif st["index"] == "ids":
            df.index = pd.Index([f"row-{m}" for m in self.ids])
        return df, features

    def interactions_frame(self):
        if self.edges is None:
            return None
        st = self.style
        data = OrderedDict()
        data["source"] = [self.ids[i] for i, _, _, _ in self.edges]
        data["target"] = [self.ids[j] for _, j, _, _ in self.edges]
        if st["weight"]:
            data["weight"] = pd.Series([np.nan if w is None else w for _, _, w, _ in self.edges], dtype=np.float64)
        ts = [t for _, _, _, t in self.edges]
        how = st["timestamp"]
        if how == "int":
            data["timestamp"] = pd.Series(ts, dtype=np.int64)
        elif how == "float":
            data["timestamp"] = pd.Series([t + 0.5 for t in ts], dtype=np.float64)
        elif how == "iso":
            data["timestamp"] = pd.Series([_iso(t, i) for i, t in enumerate(ts)], dtype=object)
        elif how == "datetime":
            data["timestamp"] = pd.to_datetime(pd.Series(ts, dtype=np.int64), unit="s")
        elif how == "datetime_utc":
            data["timestamp"] = pd.to_datetime(pd.Series(ts, dtype=np.int64), unit="s", utc=True)
        return pd.DataFrame(data)

    # -- CSV ------------------------------------------------------------
    def write_csv(self, tmp: Path):
        """Writes members.csv (+ interactions.csv); returns (members, interactions|None)."""
        tmp.mkdir(parents=True, exist_ok=True)
        header = ["id", "stage"]
        cols = {"id": self.ids, "stage": self.stage_text}
        if self.present["satisfaction"]:
            header.append("satisfaction")
            cols["satisfaction"] = ["" if s is None else str(s) for s in self.sat]
        if self.present["capacity"]:
            header.append("capacity")
            cols["capacity"] = ["" if c is None else str(c) for c in self.cap]
        if self.present["opted_out"]:
            header.append("opted_out")
            cols["opted_out"] = [
                ("true" if i % 2 else "1") if b else ("false" if i % 3 == 0 else ("0" if i % 3 == 1 else ""))
                for i, b in enumerate(self.opted)
            ]
        if self.present["activity"]:
            header.append("activity")
            cols["activity"] = ["" if a is None else repr(a) for a in self.activity]
        if self.present["tags"]:
            header.append("tags")
            cols["tags"] = [";".join(t) for t in self.tags]
        for j in range(self.d):
            header.append(f"f_{j}")
            cols[f"f_{j}"] = [repr(float(x)) for x in self.feats[:, j]]
        if self.present["extra"]:
            header += ["region", "notes"]
            cols["region"] = [WORDS[i % len(WORDS)] for i in range(self.n)]
            cols["notes"] = ["x, y" if i % 2 else "" for i in range(self.n)]
        if self.style["shuffle_columns"]:
            rng = np.random.default_rng(self.seed + 17)
            header = [header[i] for i in rng.permutation(len(header))]
        members = tmp / "members.csv"
        write_csv(members, header, [[cols[h][i] for h in header] for i in range(self.n)])
        inter = None
        if self.edges is not None:
            iheader = ["source", "target"] + (["weight"] if self.style["weight"] else []) + ["timestamp"]
            rows = []
            for k, (i, j, w, t) in enumerate(self.edges):
                r = [self.ids[i], self.ids[j]]
                if self.style["weight"]:
                    r.append("" if w is None else repr(float(w)))
                r.append(str(t) if k % 2 else _iso(t, k))
                rows.append(r)
            inter = tmp / "interactions.csv"
            write_csv(inter, iheader, rows)
        return members, inter


def _iso(t, i):
    s = np.datetime_as_string(np.datetime64(int(t), "s"), unit="s")
    return s + "Z" if i % 2 == 0 else s


def random_journey(rng):
    kind = int(rng.integers(8))
    if kind < 5:
        name = list(PRESETS)[kind]
        return name, reference.load_journey(name)
    n = int(rng.integers(2, 8))
    words = list(rng.permutation(WORDS))[:n]
    stages = [f"s{i}_{words[i]}" for i in range(n)]
    spec = {"name": f"custom{int(rng.integers(100))}", "stages": stages}
    steps = []
    for i in range(n - 1):
        step = {"enabled": bool(rng.random() < 0.75), "channel": "private" if rng.random() < 0.5 else "public"}
        if rng.random() < 0.5:
            step = {"from": stages[i], "to": stages[i + 1], **step}
        steps.append(step)
    refcommon.finish_random_journey(rng, spec, steps, 12)
    return spec, reference.load_journey(spec)


def make_spec(seed, n=None, d=None) -> Spec:
    rng = np.random.default_rng(seed)
    journey_spec, journey = random_journey(rng)
    stages = journey.stages
    notes = []
    if n is None:
        n = int(rng.integers(150, 230)) if seed % 5 == 0 else int(rng.integers(3, 90))
    n_ties = 0 if n < 10 else int(rng.integers(0, 4))
    clones = [int(rng.integers(1, 4)) for _ in range(n_ties)]
    n_base = n - sum(clones)
    ids = refcommon.unique_ids(rng, n, ID_PREFIXES, 4)
    stage_idx = rng.integers(0, len(stages), size=n)
    if d is None:
        d = int(rng.integers(1, 13)) if rng.random() < 0.75 else 0
    if rng.random() < 0.3:
        feats = rng.integers(-2, 3, size=(n, d)).astype(np.float32)
    else:
        feats = rng.normal(size=(n, d)).astype(np.float32)
    if d:
        zero = rng.random(n) < 0.1
        feats[zero] = 0.0
        # some parallel vectors (scaled by powers of two: exact in float32)
        for _ in range(int(rng.integers(0, 3))):
            a, b = rng.choice(n_base, size=2, replace=False)
            feats[b] = feats[a] * np.float32(2.0 ** int(rng.integers(-2, 3)))
            notes.append("parallel")
    vocab, pop, _ = refcommon.random_tag_vocabulary(rng, WIDE_TAG_VOCAB)
    tags = []
    for _ in range(n):
        tg = [vocab[j] for j in rng.choice(len(vocab), size=int(rng.integers(0, 5)), replace=False, p=pop)]
        tg = [t.upper() if rng.random() < 0.1 else t for t in tg]
        if tg and rng.random() < 0.1:
            tg.append(tg[0].title())  # a duplicate in another case: no effect
        tags.append(tg)
    sat = refcommon.random_satisfactions(rng, n)
    cap = refcommon.random_capacities(rng, n)
    opted = [bool(rng.random() < 0.07) for _ in range(n)]
    activity = [None if rng.random() < 0.2 else round(float(rng.random() * 100), 2) for _ in range(n)]
    present = {
        "satisfaction": rng.random() < 0.85,
        "capacity": rng.random() < 0.7,
        "opted_out": rng.random() < 0.6,
        "activity": rng.random() < 0.4,
        "tags": rng.random() < 0.8,
        "extra": rng.random() < 0.3,
    }
    if not present["satisfaction"]:
        sat = [None] * n
    if not present["capacity"]:
        cap = [None] * n
    if not present["opted_out"]:
        opted = [False] * n
    if not present["activity"]:
        activity = [None] * n
    if not present["tags"]:
        tags = [[] for _ in range(n)]
    # exact ties: clones copy everything but the id from a template, no contacts
    clone_rows = set()
    pos = n_base
    for c in clones:
        t = int(rng.integers(0, n_base))
        for _ in range(c):
            stage_idx[pos] = stage_idx[t]
            feats[pos] = feats[t]
            tags[pos] = list(tags[t])
            sat[pos], cap[pos], opted[pos] = sat[t], cap[t], opted[t]
            clone_rows.add(pos)
            pos += 1
    if n_ties:
        notes.append(f"tie_groups={n_ties}")
    # rows in random order (clones are not adjacent to their templates)
    perm = rng.permutation(n)
    ids = [ids[i] for i in perm]
    stage_idx = stage_idx[perm]
    feats = np.ascontiguousarray(feats[perm])
    tags = [tags[i] for i in perm]
    sat = [sat[i] for i in perm]
    cap = [cap[i] for i in perm]
    opted = [opted[i] for i in perm]
    activity = [activity[i] for i in perm]
    inv = np.argsort(perm)
    clone_rows = {int(inv[i]) for i in clone_rows}
    case_style = int(rng.integers(3))
    stage_text = []
    for s in stage_idx:
        name = stages[int(s)]
        if case_style == 1 and rng.random() < 0.5:
            name = name.upper() if rng.random() < 0.5 else name.title()
        stage_text.append(name)
    edges = None
    if rng.random() < 0.85 and n >= 3:
        non_clone = np.array([i for i in range(n) if i not in clone_rows])
        pairs = refcommon.random_pairs(rng, non_clone, int(rng.integers(0, 3 * n + 1))) if len(non_clone) >= 2 else []
        edges = [
            (
                a,
                b,
                None if rng.random() < 0.2 else float(rng.integers(1, 20)) / 4,
                int(T0 + rng.integers(0, 50_000_000)),
            )
            for a, b in pairs
        ]
        notes.append(f"edges={len(edges)}")
    style = {
        "sat": ["float", "Int64", "object", "int"][rng.integers(4)],
        "cap": ["float", "Int64", "object", "int"][rng.integers(4)],
        "opted": ["bool", "int", "object", "str"][rng.integers(4)],
        "tags": ["str", "list"][rng.integers(2)],
        "features": ["columns64", "columns32", "array32", "array64", "fortran32", "strided32"][rng.integers(6)],
        "index": ["range", "range", "shuffled", "ids"][rng.integers(4)],
        "shuffle_columns": bool(rng.random() < 0.3),
        "weight": bool(rng.random() < 0.7),
        "timestamp": ["int", "float", "iso", "datetime", "datetime_utc"][rng.integers(5)],
        "journey_arg": ["none", "name", "object", "text", "dict"][rng.integers(5)],
    }
    spec = Spec(
        seed=seed,
        journey=journey,
        journey_spec=journey_spec,
        ids=ids,
        stage_idx=stage_idx,
        stage_text=stage_text,
        sat=sat,
        cap=cap,
        opted=opted,
        activity=activity,
        tags=tags,
        feats=feats,
        edges=edges,
        present=present,
        style=style,
        notes=notes,
    )
    spec.k = int(rng.integers(1, 8))
    if rng.random() < 0.3:
        spec.weights = refcommon.random_weights(rng, partial=True)
    if rng.random() < 0.25:
        spec.min_satisfaction = int(rng.integers(0, 12))
    if rng.random() < 0.25:
        spec.allow_existing = True
    spec.stage_gap = refcommon.random_stage_gap(rng, len(stages), notes)
    return spec


# ---------------------------------------------------------------------------
# misc


def nullable_equal(a, b):
    """Equality where None / NaN / pd.NA all mean 'missing'."""

    def missing(x):
        if x is None or x is pd.NA:
            return True
        try:
            return bool(isinstance(x, float) and math.isnan(x)) or (isinstance(x, (np.floating,)) and bool(np.isnan(x)))
        except TypeError:
            return False

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return a == b


def bad_input_pattern(name, line):
    """A message naming file `name` and line `line` (like 'name:4:15: ...' or
    'name, line 4')."""
    return re.escape(name) + r"(?::|.{0,40}?\bline\s+)" + str(line) + r"\b"


def row_pattern(row):
    return r"\b(?:row|index)\b\D{0,20}?\b" + str(row) + r"\b"
