"""Engage Right: peer pairings along the customer journey.

Every member of a community sits at a stage of a customer journey
(``prospect > interested > new_customer > loyal > advocate`` by default). The
Engage Right rule pairs each member with happy peers exactly one stage to the
right. This package wraps the C++ library: tables in and out are pandas
DataFrames, features are numpy arrays.

Examples
--------
>>> import engage_right as er
>>> c = er.Community.from_csv("members.csv", "interactions.csv")  # doctest: +SKIP
>>> er.recommend(c, k=3).head()                                    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import json as _json
import math as _math
import os as _os
import re as _re
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as _np
import pandas as _pd

from . import _core
from ._core import Error

__all__ = ["Journey", "Community", "recommend", "lead_scores", "infer_stages", "stage_history",
           "write_stage_history", "nps", "funnel", "plot_funnel", "match", "assign", "estimate_uplift",
           "logistic_regression", "simulate", "SimulationResult", "plot_simulations",
           "viral_reproduction_number", "Error", "__version__"]
__version__ = _core.__version__

RESULT_COLUMNS = [
    "member", "member_stage", "peer", "peer_stage", "rank", "score",
    "similarity", "tags", "proximity", "happiness", "channel", "reason",
]

PathLike = Union[str, "_os.PathLike[str]"]


class Journey:
    """An ordered list of stages with per-step rules (channel, enabled) and
    journey-wide defaults (minimum peer satisfaction, default capacity,
    score weights).

    Parameters
    ----------
    stages : list of str, optional
        Stage names, 2 to 64, unique ignoring case. Without arguments: the
        default ``engage_right`` preset. New journeys get the default
        channels: first and last step private, the others public.
    name : str, default "custom"

    See Also
    --------
    Journey.preset, Journey.from_json
    """

    __slots__ = ("_j",)

    def __init__(self, stages: Optional[Sequence[str]] = None, name: str = "custom"):
        self._j = _core.Journey() if stages is None else _core.Journey(list(stages), name)

    @classmethod
    def _of(cls, core: "_core.Journey") -> "Journey":
        j = cls.__new__(cls)
        j._j = core
        return j

    @classmethod
    def preset(cls, name: str) -> "Journey":
        """A built-in journey: ``engage_right``, ``four_phase``,
        ``loyalty_loop``, ``inbound`` or ``success``.

        Raises
        ------
        ValueError
            For an unknown name.
        """
        return cls._of(_core.Journey.preset(name))

    @staticmethod
    def presets() -> list:
        """Names of the built-in journeys."""
        return list(_core.Journey.presets())

    @classmethod
    def from_json(cls, source: Union[PathLike, Mapping[str, Any], str]) -> "Journey":
        """Load a journey from a JSON file, a JSON text or a dict.

        The format is documented in ``docs/journey.md``; only ``stages`` is
        required.

        Raises
        ------
        ValueError
            Malformed JSON; the message names the JSON path (``$.steps[1].channel``).
        """
        if isinstance(source, Mapping):
            return cls._of(_core.Journey._from_json_text(_json.dumps(dict(source)), "<dict>"))
        text = _os.fspath(source)
        if text.lstrip().startswith("{"):
            return cls._of(_core.Journey._from_json_text(text, "<json>"))
        return cls._of(_core.Journey._load(text))

    def to_json(self) -> str:
        """The JSON form (``Journey.from_json(j.to_json()) == j``)."""
        return self._j.to_json()

    def save(self, path: PathLike) -> None:
        """Write the JSON form to a file."""
        self._j.save(_os.fspath(path))

    @property
    def name(self) -> str:
        """The journey's label."""
        return self._j.name

    @property
    def stages(self) -> list:
        """Stage names in order."""
        return list(self._j.stages)

    @property
    def min_peer_satisfaction(self) -> int:
        """Peers with a known satisfaction below this are never recommended."""
        return self._j.min_peer_satisfaction

    @property
    def default_capacity(self) -> int:
        """Capacity of members whose capacity is not given."""
        return self._j.default_capacity

    @property
    def weights(self) -> dict:
        """Score weights: similarity, tags, proximity, happiness."""
        return dict(self._j.weights)

    def _step_of(self, stage: str) -> int:
        s = self._j._stage_index(stage)
        if s is None:
            raise KeyError(f"unknown stage {stage!r}")
        if s + 1 >= len(self.stages):
            raise ValueError(f"{stage!r} is the last stage; it has no next step")
        return s

    def channel(self, stage: str) -> str:
        """Channel (``"private"`` or ``"public"``) of the step from `stage`
        to the next stage.

        Raises
        ------
        KeyError
            `stage` is not a stage of the journey.
        ValueError
            `stage` is the last stage (it has no next step).
        """
        return self._j._step(self._step_of(stage))[1]

    def enabled(self, stage: str) -> bool:
        """Whether pairing across the step from `stage` to the next is allowed."""
        return self._j._step(self._step_of(stage))[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Journey) and self._j == other._j

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return repr(self._j)


def _journey_arg(journey: Union[None, str, PathLike, Journey, Mapping[str, Any]]) -> "_core.Journey":
    if journey is None:
        return _core.Journey()
    if isinstance(journey, Journey):
        return journey._j
    if isinstance(journey, Mapping):
        return Journey.from_json(journey)._j
    text = _os.fspath(journey)
    if text in Journey.presets():
        return _core.Journey.preset(text)
    return Journey.from_json(text)._j


def _is_missing(v: Any) -> bool:
    if v is None or v is _pd.NA or v is _pd.NaT:
        return True
    if isinstance(v, float) and _np.isnan(v):
        return True
    return isinstance(v, str) and v.strip() == ""


def _missing_mask(col: _pd.Series) -> _np.ndarray:
    """NaN, None, NA and blank strings."""
    mask = col.isna().to_numpy()
    if col.dtype == object or _pd.api.types.is_string_dtype(col):
        mask = mask | (col.astype(str).str.strip() == "").to_numpy()
    return mask


def _numbers(col: _pd.Series) -> tuple:
    """(values as float, missing mask, unparsable mask) of a column."""
    missing = _missing_mask(col)
    if _pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float, na_value=_np.nan)
    elif _pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=float, na_value=_np.nan)
    else:
        values = _pd.to_numeric(col.where(~missing, None), errors="coerce").to_numpy(dtype=float, na_value=_np.nan)
    unparsable = _np.isnan(values) & ~missing
    return values, missing, unparsable


def _to_unix_seconds(values: _pd.Series) -> _np.ndarray:
    """Timestamps as unix seconds (NaN when missing), with the CSV reader's
    rules for text: unix seconds or ISO-8601."""
    if _pd.api.types.is_datetime64_any_dtype(values):
        ts = _pd.to_datetime(values, utc=True)
        out = (ts - _pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
        return _np.where(ts.isna().to_numpy(), _np.nan, out)
    if _pd.api.types.is_numeric_dtype(values) and not _pd.api.types.is_bool_dtype(values):
        out = values.to_numpy(dtype=float, na_value=_np.nan)
        bad = _np.isinf(out)
        if bad.any():
            i = int(_np.argmax(bad))
            raise ValueError(f"interactions row {i}: timestamp: expected a finite number, got {values.iloc[i]!r}")
        return out
    out = _np.full(len(values), _np.nan)
    for i, v in enumerate(values.tolist()):
        if _is_missing(v):
            continue
        if isinstance(v, _pd.Timestamp):
            t = v if v.tzinfo is not None else v.tz_localize("UTC")
            out[i] = t.timestamp()
            continue
        if isinstance(v, (int, float, _np.integer, _np.floating)) and not isinstance(v, bool):
            if not _np.isfinite(v):
                raise ValueError(f"interactions row {i}: timestamp: expected a finite number, got {v!r}")
            out[i] = float(v)
            continue
        parsed = _core.parse_timestamp(str(v))
        if parsed is None:
            raise ValueError(f"interactions row {i}: timestamp: expected unix seconds or ISO-8601 "
                             f"(e.g. 2026-03-14T09:30:00Z), got {v!r}")
        out[i] = parsed
    return out


def _activity_column(df: "_pd.DataFrame") -> tuple:
    """The `activity` column as floats (NaN where empty) and its empty mask;
    ValueError naming the row for a value that is not a finite number >= 0."""
    act, absent, unparsable = _numbers(df["activity"])
    with _np.errstate(invalid="ignore"):
        bad = unparsable | (~absent & ((act < 0) | _np.isinf(act)))
    if bad.any():
        i = int(_np.argmax(bad))
        raise ValueError(f"members row {i}: activity: expected a finite number >= 0 or empty, "
                         f"got {df['activity'].iloc[i]!r}")
    return act, absent


def _int_column(df: _pd.DataFrame, name: str, lo: int, hi: int, missing: int, what: str,
                row_label: str = "members row") -> Optional[_np.ndarray]:
    if name not in df.columns:
        return None
    col = df[name]
    values, absent, unparsable = _numbers(col)
    with _np.errstate(invalid="ignore"):
        bad = unparsable | (~absent & ((values != _np.round(values)) | (values < lo) | (values > hi)))
    if bad.any():
        i = int(_np.argmax(bad))
        raise ValueError(f"{row_label} {i}: {name}: expected {what}, got {col.iloc[i]!r}")
    return _np.where(absent, missing, _np.nan_to_num(values)).astype(_np.int64)


def _bool_column(df: _pd.DataFrame, name: str) -> Optional[_np.ndarray]:
    if name not in df.columns:
        return None
    col = df[name]
    absent = _missing_mask(col)
    if _pd.api.types.is_bool_dtype(col) or _pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=float, na_value=0.0)
        bad = ~absent & (values != 0) & (values != 1)
        truth = values == 1
    else:
        text = col.astype(str).str.strip().str.lower()
        truth = text.isin(["1", "true", "1.0"]).to_numpy()
        bad = ~absent & ~truth & ~text.isin(["0", "false", "0.0"]).to_numpy()
    if bad.any():
        i = int(_np.argmax(bad))
        raise ValueError(f"members row {i}: opted_out: expected 1, 0, true, false or empty, got {col.iloc[i]!r}")
    return (truth & ~absent).astype(_np.uint8)


def _tag_strings(df: _pd.DataFrame) -> Optional[list]:
    """Tags as one ';'-separated string per member (lists are joined)."""
    if "tags" not in df.columns:
        return None
    col = df["tags"]
    if col.dtype == object and col.map(lambda v: isinstance(v, (list, tuple, set, _np.ndarray))).any():
        return [";".join(str(t) for t in v) if isinstance(v, (list, tuple, set, _np.ndarray))
                else ("" if _is_missing(v) else str(v)) for v in col.tolist()]
    return col.where(~_missing_mask(col), "").astype(str).tolist()


def _feature_matrix(df: _pd.DataFrame) -> Optional[_np.ndarray]:
    cols = {}
    for c in df.columns:
        name = str(c).strip().lower()
        if name.startswith("f_") and name[2:].isdigit():
            cols[int(name[2:])] = c
    if not cols:
        return None
    d = len(cols)
    if sorted(cols) != list(range(d)):
        missing = min(set(range(d)) - set(cols))
        raise ValueError(f"members: feature columns must be f_0 .. f_{{d-1}} without gaps: f_{missing} is missing")
    block = df[[cols[k] for k in range(d)]]
    arr = _np.empty((len(df), d), dtype=_np.float64)
    for k in range(d):
        arr[:, k] = _pd.to_numeric(block.iloc[:, k], errors="coerce").to_numpy(dtype=float, na_value=_np.nan)
    bad = ~_np.isfinite(arr)
    if bad.any():
        i, k = _np.argwhere(bad)[0]
        raise ValueError(f"members row {i}: f_{k}: expected a finite number, got {block.iloc[i, k]!r}")
    # Same rounding as the CSV reader: each value straight to float32.
    return _np.ascontiguousarray(arr.astype(_np.float32))


class Community:
    """A stage-labelled community: members, their attributes and features,
    and the undirected interaction graph. Immutable; safe to share between
    threads.

    Build one with :meth:`from_csv`, :meth:`from_frames` or
    :meth:`from_networkx`.
    """

    __slots__ = ("_c",)

    def __init__(self, core: "_core.Community"):
        self._c = core

    # -- construction -----------------------------------------------------
    @classmethod
    def from_csv(cls, members: PathLike, interactions: Optional[PathLike] = None,
                 journey: Union[None, str, Journey] = None) -> "Community":
        """Read ``members.csv`` and, optionally, ``interactions.csv``.

        Parameters
        ----------
        members, interactions : path
            Files in the formats of ``docs/formats.md``.
        journey : Journey, preset name or path to a journey JSON, optional
            Default: the ``engage_right`` preset.

        Raises
        ------
        ValueError
            Bad input; the message reads ``FILE:LINE:COLUMN: what was expected``.
        """
        j = _journey_arg(journey)
        inter = None if interactions is None else _os.fspath(interactions)
        return cls(_core.Community.from_csv(_os.fspath(members), inter, j))

    @classmethod
    def from_frames(cls, members: _pd.DataFrame, interactions: Optional[_pd.DataFrame] = None,
                    journey: Union[None, str, Journey] = None,
                    features: Optional[_np.ndarray] = None) -> "Community":
        """Build from DataFrames with the columns of the CSV files.

        Parameters
        ----------
        members : DataFrame
            ``id`` and ``stage`` required; ``satisfaction``, ``capacity``,
            ``opted_out``, ``activity``, ``tags`` (``"a;b"`` strings or lists)
            and ``f_0 .. f_{d-1}`` optional. Missing values (NaN, None) mean
            "not given".
        interactions : DataFrame, optional
            ``source``, ``target``; optional ``weight`` and ``timestamp``
            (unix seconds, ISO-8601 strings or datetimes).
        journey : Journey, preset name or path, optional
        features : ndarray of shape (n, d), optional
            Used instead of ``f_*`` columns. A C-contiguous float32 array is
            used without a copy (see :meth:`features`).

        Raises
        ------
        ValueError
            A bad value; the message names the row (0-based) and column.
        """
        j = _journey_arg(journey)
        for col in ("id", "stage"):
            if col not in members.columns:
                raise ValueError(f"members: missing required column {col!r}")
        id_missing = _missing_mask(members["id"])
        if id_missing.any():
            raise ValueError(f"members row {int(_np.argmax(id_missing))}: empty id")
        ids = members["id"].astype(str).tolist()
        stages = [str(v).strip() for v in members["stage"].tolist()]
        sat = _int_column(members, "satisfaction", 0, 10, -1, "an integer 0-10 or empty")
        cap = _int_column(members, "capacity", 0, 2**31 - 1, -1, "an integer >= 0 or empty")
        act = None
        if "activity" in members.columns:
            act, absent, unparsable = _numbers(members["activity"])
            bad = unparsable | (~absent & ((act < 0) | _np.isinf(act)))
            if bad.any():
                i = int(_np.argmax(bad))
                raise ValueError(f"members row {i}: activity: expected a finite number >= 0, "
                                 f"got {members['activity'].iloc[i]!r}")
        feats = features if features is not None else _feature_matrix(members)
        if feats is not None and not isinstance(feats, _np.ndarray):
            feats = _np.asarray(feats, dtype=_np.float32)
        if feats is not None and feats.size and not _np.isfinite(feats).all():
            i, k = _np.argwhere(~_np.isfinite(feats))[0]
            raise ValueError(f"members row {i}: f_{k}: expected a finite number")
        src, dst, w, ts = [], [], None, None
        if interactions is not None:
            for col in ("source", "target"):
                if col not in interactions.columns:
                    raise ValueError(f"interactions: missing required column {col!r}")
            ends = {}
            for col in ("source", "target"):
                absent = _missing_mask(interactions[col])
                if absent.any():
                    raise ValueError(f"interactions row {int(_np.argmax(absent))}: {col}: expected a member id, "
                                     "got an empty value")
                ends[col] = interactions[col].astype(str).tolist()
            src, dst = ends["source"], ends["target"]
            if "weight" in interactions.columns:
                w, absent, unparsable = _numbers(interactions["weight"])
                with _np.errstate(invalid="ignore"):
                    bad = unparsable | (~absent & (~(w > 0) | ~_np.isfinite(w)))
                if bad.any():
                    i = int(_np.argmax(bad))
                    raise ValueError(f"interactions row {i}: weight: expected a finite number > 0, "
                                     f"got {interactions['weight'].iloc[i]!r}")
                w = _np.where(absent, 1.0, w)
            if "timestamp" in interactions.columns:
                ts = _to_unix_seconds(interactions["timestamp"])
        core = _core.Community._from_columns(
            j, ids, stages,
            None if sat is None else sat.astype(_np.int8),
            None if cap is None else cap.astype(_np.int32),
            _bool_column(members, "opted_out"),
            act, _tag_strings(members), feats, src, dst, w, ts)
        return cls(core)

    @classmethod
    def from_networkx(cls, graph, stage: str = "stage", journey: Union[None, str, Journey] = None) -> "Community":
        """Build from a networkx graph: nodes are members (ids are ``str(node)``),
        node attributes map to member columns (`stage` names the stage
        attribute), edges are interactions (attribute ``weight`` optional).
        """
        rows = []
        for node, attrs in graph.nodes(data=True):
            row = {k: v for k, v in attrs.items() if k != stage}
            row["id"] = str(node)
            if stage not in attrs:
                raise ValueError(f"node {node!r} has no {stage!r} attribute")
            row["stage"] = attrs[stage]
            rows.append(row)
        members = _pd.DataFrame(rows)
        if members.empty:
            members = _pd.DataFrame({"id": [], "stage": []})
        edges = [{"source": str(a), "target": str(b), "weight": d.get("weight", 1.0)}
                 for a, b, d in graph.edges(data=True)]
        inter = _pd.DataFrame(edges, columns=["source", "target", "weight"]) if edges else None
        return cls.from_frames(members, inter, journey=journey)

    # -- views ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._c)

    def __contains__(self, member_id: str) -> bool:
        return member_id in self._c

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={n}" for s, n in self.stage_counts().items())
        return f"<engage_right.Community {len(self)} members ({counts})>"

    @property
    def journey(self) -> Journey:
        """The community's journey."""
        return Journey._of(self._c.journey)

    def features(self) -> _np.ndarray:
        """The (n, d) float32 features in input order, read-only, without a copy."""
        return self._c.features()

    def features_share_memory(self, array: _np.ndarray) -> bool:
        """Whether the community reads its features from `array` (no copy)."""
        return bool(_np.shares_memory(self.features(), array))

    def members(self) -> _pd.DataFrame:
        """Members in input order, with the columns of ``members.csv``.

        ``satisfaction`` and ``capacity`` are nullable integers (``<NA>`` when
        unknown or defaulted), ``opted_out`` bool, ``activity`` float (NaN when
        missing), ``tags`` ``"a;b"`` strings, then ``f_0 ..`` when present.
        """
        stages = self.journey.stages
        sat = self._c._satisfaction().astype("int64")
        cap = self._c._capacity().astype("int64")
        df = _pd.DataFrame({
            "id": self._c._ids(),
            "stage": [stages[i] for i in self._c._stage_index()],
            "satisfaction": _pd.array(_np.where(sat < 0, 0, sat), dtype="Int64"),
            "capacity": _pd.array(_np.where(cap < 0, 0, cap), dtype="Int64"),
            "opted_out": self._c._opted_out().astype(bool),
            "activity": self._c._activity(),
            "tags": self._c._tags(),
        })
        df.loc[sat < 0, "satisfaction"] = _pd.NA
        df.loc[cap < 0, "capacity"] = _pd.NA
        f = self.features()
        for k in range(f.shape[1]):
            df[f"f_{k}"] = f[:, k]
        return df

    def stage_counts(self) -> _pd.Series:
        """Members per stage, indexed by stage name in journey order."""
        return _pd.Series(self._c.stage_counts(), index=self.journey.stages, name="members", dtype="int64")

    def to_networkx(self):
        """The community as a ``networkx.Graph``: nodes are member ids with
        the member columns as attributes, edges carry ``weight``."""
        import networkx as nx

        g = nx.Graph()
        df = self.members()
        records = df.to_dict("records")
        for r in records:
            node = r.pop("id")
            g.add_node(node, **{k: (None if v is _pd.NA else v) for k, v in r.items()})
        ids = df["id"].tolist()
        a, b, w = self._c._edges()
        for x, y, wt in zip(a.tolist(), b.tolist(), w.tolist()):
            g.add_edge(ids[x], ids[y], weight=wt)
        return g

    def explain(self, member: str, peer: str, *, weights: Optional[Mapping[str, float]] = None,
                min_satisfaction: Optional[int] = None, allow_existing: bool = False) -> dict:
        """Score components, eligibility and the reason sentence for one pair.

        Returns
        -------
        dict
            ``member, peer, eligible, failed_rule`` (0 when eligible, else the
            number of the hard rule of DESIGN.md section 3), ``why, score,
            similarity, tags, proximity, happiness, channel, shared_tags,
            mutual_contacts, existing_contact, reason``.

        Raises
        ------
        KeyError
            An unknown id.
        """
        return _core.explain(self._c, member, peer, None if weights is None else dict(weights),
                             min_satisfaction, allow_existing)


def recommend(community: Community, member: Union[None, str, Sequence[str]] = None, k: int = 5,
              weights: Optional[Mapping[str, float]] = None, min_satisfaction: Optional[int] = None,
              allow_existing: bool = False, threads: int = 0) -> _pd.DataFrame:
    """Engage Right recommendations: the top-`k` peers one stage to the right.

    Parameters
    ----------
    community : Community
    member : str or list of str, optional
        One member, several (grouped in the given order), or every member
        (grouped in input order) when None.
    k : int, default 5
        Peers per member.
    weights : dict, optional
        Any of ``similarity, tags, proximity, happiness``; others keep the
        journey's weights (0.5, 0.15, 0.25, 0.1 by default).
    min_satisfaction : int, optional
        Peers with a known satisfaction below this are skipped (default: the
        journey's, 7).
    allow_existing : bool, default False
        Also pair members who have already interacted.
    threads : int, default 0
        Worker threads (0 = all cores); results do not depend on it. The GIL
        is released while the recommender runs.

    Returns
    -------
    DataFrame
        Columns ``member, member_stage, peer, peer_stage, rank, score,
        similarity, tags, proximity, happiness, channel, reason`` (components
        raw, before weighting), best first within each member.

    Raises
    ------
    KeyError
        An unknown member id.
    ValueError
        Invalid options (k < 1, negative weights, ...).
    """
    if isinstance(member, str):
        members = [member]
    elif member is None:
        members = None
    else:
        members = [str(m) for m in member]
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    cols = _core.recommend(community._c, members, int(k), None if weights is None else dict(weights),
                           min_satisfaction, bool(allow_existing), int(threads))
    return _pd.DataFrame({name: cols[name] for name in RESULT_COLUMNS})


# -- lead scoring, stage inference, NPS, funnel ----------------------------------
#
# DataFrames become columns for the C++ tables without a Python string per
# event: member and action columns are factorized (their few distinct values
# go to C++), member ids are resolved by the C++ id index of the member table,
# and the event table is built from numpy arrays.

LEAD_COLUMNS = ["member", "fit", "engagement", "total"]
INFER_COLUMNS = ["member", "recorded_stage", "stage", "fit", "engagement", "total", "next_stage",
                 "next_milestone", "missing"]
HISTORY_COLUMNS = ["member", "stage", "timestamp"]
NPS_COLUMNS = ["promoters", "passives", "detractors", "unknown", "responses", "nps"]
FUNNEL_COLUMNS = ["members", "share", "reached", "conversion", "promoters", "passives", "detractors", "unknown",
                  "nps", "next_stage", "enabled", "channel", "seekers", "seekers_without_peer", "peers", "seats",
                  "seats_per_seeker", "bottleneck"]

_TIME_EXPECTED = "expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z)"
# A finite decimal number as members.csv accepts it for min/max fit rules.
_NUMBER_RE = _re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_CSV_SPACES = " \t"


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, _os.PathLike))


class _Columns:
    """The columns of a frame by trimmed, lower-cased name, as the CSV readers
    match header names. Only looks columns up: nothing is copied."""

    def __init__(self, df: _pd.DataFrame, what: str):
        self._df = df
        self._labels: dict = {}
        for c in df.columns:
            name = str(c).strip().lower()
            if name in self._labels:
                raise ValueError(f"{what}: column {name!r} appears twice (names ignore case and surrounding spaces)")
            self._labels[name] = c
        self.columns = list(self._labels)

    def __getitem__(self, name: str) -> _pd.Series:
        return self._df[self._labels[name]]


def _lower_columns(df: _pd.DataFrame, what: str) -> _Columns:
    return _Columns(df, what)


def _threads_arg(threads: int) -> int:
    if isinstance(threads, bool) or int(threads) != threads or threads < 0:
        raise ValueError(f"threads must be an integer >= 0 (0 = all cores), got {threads!r}")
    return int(threads)


def _seconds_of_timestamp(t: "_pd.Timestamp") -> float:
    """Unix seconds of a Timestamp (naive = UTC), exact to the nanosecond."""
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    whole, rem = divmod(int(t.value), 10**9)
    return float(whole) + rem / 1e9


# Times are unix seconds in float64 inside the library: about 0.24 us of
# resolution today. Results show them rounded to the microsecond, so that
# "…00.057" comes back as .057000 rather than .056999922.
def _timestamp_of(seconds: float) -> "_pd.Timestamp":
    """A UTC Timestamp of unix seconds (to the microsecond); NaT for NaN."""
    if seconds is None or not _math.isfinite(seconds):
        return _pd.NaT
    whole = _math.floor(seconds)
    ns = int(whole) * 10**9 + int(round((seconds - whole) * 1e6)) * 1000
    return _pd.Timestamp(ns, unit="ns", tz="UTC")


def _datetimes_of(seconds: _np.ndarray) -> _pd.Series:
    """datetime64[ns, UTC] values of unix seconds, to the microsecond (NaN -> NaT)."""
    seconds = _np.asarray(seconds, dtype=float)
    missing = ~_np.isfinite(seconds)
    safe = _np.where(missing, 0.0, seconds)
    whole = _np.floor(safe)
    ns = whole.astype(_np.int64) * 10**9 + _np.round((safe - whole) * 1e6).astype(_np.int64) * 1000
    values = ns.view("datetime64[ns]").copy()
    values[missing] = _np.datetime64("NaT")
    return _pd.Series(values).dt.tz_localize("UTC")


def _as_of_seconds(as_of: Any) -> Optional[float]:
    """The as_of argument as unix seconds (None: default)."""
    if as_of is None:
        return None
    if isinstance(as_of, (bool, _np.bool_)):
        raise TypeError("as_of: expected unix seconds, an ISO-8601 string or a datetime, got a bool")
    if isinstance(as_of, (int, float, _np.integer, _np.floating)):
        x = float(as_of)
        if not _math.isfinite(x):
            raise ValueError(f"as_of: expected a finite time, got {as_of!r}")
        return x
    if isinstance(as_of, str):
        v = _core.parse_timestamp(as_of)
        if v is None:
            raise ValueError(f"as_of: {_TIME_EXPECTED}, got {as_of!r}")
        return v
    if isinstance(as_of, (_dt.datetime, _dt.date, _np.datetime64, _pd.Timestamp)):
        t = _pd.Timestamp(as_of)
        if t is _pd.NaT:
            raise ValueError("as_of: expected a time, got NaT")
        return _seconds_of_timestamp(t)
    raise TypeError(f"as_of: expected unix seconds, an ISO-8601 string or a datetime, got {type(as_of).__name__}")


def _time_seconds(col: _pd.Series, what: str, origin: Optional[_np.ndarray] = None) -> _np.ndarray:
    """Timestamps of a column as unix seconds: datetime64 (naive = UTC, or
    tz-aware), numbers (unix seconds), or text with the CSV reader's rules
    (unix seconds or ISO-8601). Every value is required; errors name the
    row (``origin[i]`` when given)."""
    def row(i: int) -> int:
        return int(origin[i]) if origin is not None else int(i)

    n = len(col)
    if isinstance(col.dtype, _pd.CategoricalDtype):
        col = col.astype(col.cat.categories.dtype if len(col.cat.categories) else object)
    if _pd.api.types.is_datetime64_any_dtype(col):
        s = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
        missing = s.isna().to_numpy()
        ns = s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(_np.int64)
        whole = ns // 10**9
        out = whole.astype(float) + (ns - whole * 10**9) / 1e9
        out[missing] = _np.nan
        bad = _np.zeros(n, dtype=bool)
        shown = col
    elif _pd.api.types.is_numeric_dtype(col) and not _pd.api.types.is_bool_dtype(col):
        out = col.to_numpy(dtype=float, na_value=_np.nan)
        missing = _np.isnan(out)
        bad = _np.isinf(out)
        shown = col
    else:
        obj = col.to_numpy(dtype=object)
        out, status = _core.parse_timestamps(obj)
        missing = status == 1
        bad = status == 2
        for i in _np.flatnonzero(status == 3).tolist():
            v = obj[i]
            if isinstance(v, (bool, _np.bool_)):
                bad[i] = True
            elif isinstance(v, (int, float, _np.integer, _np.floating)):
                if _np.isnan(v):
                    missing[i] = True
                elif _np.isinf(v):
                    bad[i] = True
                else:
                    out[i] = float(v)
            elif isinstance(v, (_dt.datetime, _np.datetime64, _pd.Timestamp)):
                t = _pd.Timestamp(v)
                if t is _pd.NaT:
                    missing[i] = True
                else:
                    out[i] = _seconds_of_timestamp(t)
            elif v is _pd.NA or v is _pd.NaT:
                missing[i] = True
            else:
                bad[i] = True
        shown = obj
    problem = missing | bad
    if problem.any():
        i = int(_np.argmax(problem))
        v = shown[i] if isinstance(shown, _np.ndarray) else shown.iloc[i]
        if missing[i]:
            raise ValueError(f"{what} row {row(i)}: timestamp: {_TIME_EXPECTED}, got an empty value")
        raise ValueError(f"{what} row {row(i)}: timestamp: {_TIME_EXPECTED}, got {v!r}")
    return _np.ascontiguousarray(out, dtype=float)


def _number_text(v: float) -> str:
    """A number as members.csv would spell it: 50.0 -> "50", 0.5 -> "0.5"."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _text_cells(col: _pd.Series) -> list:
    """A column as trimmed text, "" where missing (numbers as in a CSV file)."""
    missing = _missing_mask(col)
    out = []
    for v, absent in zip(col.tolist(), missing.tolist()):
        if absent:
            out.append("")
        elif isinstance(v, (bool, _np.bool_)):
            out.append(str(bool(v)).lower())
        elif isinstance(v, (float, _np.floating)):
            out.append(_number_text(v))
        else:
            out.append(str(v).strip(_CSV_SPACES))
    return out


def _lead_members(members: Any, j: "_core.Journey") -> "_core.MemberTable":
    """The member table for lead scoring: members.csv read in C++ with the
    journey's lead_read_options, or a DataFrame."""
    if _is_path(members):
        return _core.MemberTable.read_csv(_os.fspath(members), j)
    if not isinstance(members, _pd.DataFrame):
        raise TypeError(f"members must be a DataFrame or a path to members.csv, got {type(members).__name__}")
    df = _lower_columns(members, "members")
    if "id" not in df.columns:
        raise ValueError("members: missing required column 'id'")
    id_col = df["id"]
    id_text = id_col.astype(str)
    id_missing = id_col.isna().to_numpy() | (id_text == "").to_numpy()
    if id_missing.any():
        raise ValueError(f"members row {int(_np.argmax(id_missing))}: empty id")
    ids = id_text.tolist()
    stages = None
    if "stage" in df.columns:
        col = df["stage"]
        stages = [None if absent else str(v) for v, absent in zip(col.tolist(), _missing_mask(col).tolist())]
    sat = _int_column(df, "satisfaction", 0, 10, -1, "an integer 0-10 or empty")
    cap = _int_column(df, "capacity", 0, 10**9, -1, "an integer >= 0 or empty")
    act = None
    if "activity" in df.columns:
        act, absent = _activity_column(df)
    cfg = _core.lead_columns(j)
    extra = {}
    for name in cfg["text_columns"]:
        if name in extra:
            continue
        if name not in df.columns:
            raise ValueError(f"members: missing column {name!r} needed by {cfg['needed_by']} "
                             f"(columns: {', '.join(map(str, df.columns))})")
        cells = _text_cells(df[name])
        if name in cfg["numeric_columns"]:
            for i, text in enumerate(cells):
                if text and (not _NUMBER_RE.match(text) or not _math.isfinite(float(text))):
                    raise ValueError(f"members row {i}: {name}: expected a finite number or empty (it is compared "
                                     f"with min/max), got {df[name].iloc[i]!r}")
        extra[name] = cells
    return _core.MemberTable._from_columns(
        j, ids, stages,
        None if sat is None else sat.astype(_np.int8),
        None if cap is None else cap.astype(_np.int32),
        _bool_column(df, "opted_out"), act, _tag_strings(df), extra)


def _uniques_as_text(uniques: Any) -> list:
    values = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else _np.asarray(uniques, dtype=object)
    return [u if type(u) is str else str(u) for u in values.tolist()]


def _factorize(col: _pd.Series) -> tuple:
    """(codes, distinct values); code -1 = missing. Categoricals use their
    codes as they are (no pass over the rows)."""
    if isinstance(col.dtype, _pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories
    return _pd.factorize(col, use_na_sentinel=True)


def _lead_events(events: Any, mt: "_core.MemberTable", j: "_core.Journey",
                 skip_unknown_members: bool) -> "_core.EventTable":
    """The event table: events.csv read in C++, or a DataFrame turned into
    numpy columns (member rows, action codes, seconds, values)."""
    if _is_path(events):
        return _core.EventTable.read_csv(_os.fspath(events), mt, j, bool(skip_unknown_members))
    if not isinstance(events, _pd.DataFrame):
        raise TypeError(f"events must be a DataFrame or a path to events.csv, got {type(events).__name__}")
    df = _lower_columns(events, "events")
    for c in ("member", "action", "timestamp"):
        if c not in df.columns:
            raise ValueError(f"events: missing required column {c!r} (columns: {', '.join(map(str, df.columns))})")

    # Members: factorize, then resolve the distinct ids through the C++ index.
    codes, uniques = _factorize(df["member"])
    ids = _uniques_as_text(uniques)
    lookup = _np.append(mt._rows_of(ids), -2)           # code -1 (missing) -> -2
    lookup[:-1][_np.array([u == "" for u in ids], dtype=bool)] = -2
    rows = lookup[codes]
    empty = rows == -2
    if empty.any():
        raise ValueError(f"events row {int(_np.argmax(empty))}: member: expected a member id, got an empty value")
    unknown = rows < 0
    skipped = 0
    origin = None
    if unknown.any():
        if not skip_unknown_members:
            i = int(_np.argmax(unknown))
            raise ValueError(f"events row {i}: member: unknown member id {ids[codes[i]]!r} (not in the members; "
                             "skip_unknown_members=True drops such events)")
        keep = ~unknown
        skipped = int(unknown.sum())
        origin = _np.flatnonzero(keep).astype(_np.int64)
        rows = rows[keep]

    def kept(col: _pd.Series) -> _pd.Series:
        return col if origin is None else col.iloc[origin]

    def row(i: int) -> int:
        return int(origin[i]) if origin is not None else int(i)

    # Actions: trimmed names (the C++ builder numbers them by first
    # appearance, as the CSV reader).
    acodes, auniques = _factorize(kept(df["action"]))
    names = [t.strip(_CSV_SPACES) for t in _uniques_as_text(auniques)]
    empty_names = [k for k, t in enumerate(names) if t == ""]
    bad = acodes < 0
    if empty_names:
        bad = bad | _np.isin(acodes, empty_names)
    if bad.any():
        raise ValueError(f"events row {row(int(_np.argmax(bad)))}: action: expected an action name, got an empty value")
    if len(set(names)) != len(names):  # " visit" and "visit" are one action
        remap, merged = _pd.factorize(_np.array(names, dtype=object))
        acodes = remap[acodes]
        names = [str(t) for t in merged]

    seconds = _time_seconds(kept(df["timestamp"]), "events", origin)
    values = None
    if "value" in df.columns:
        vcol = kept(df["value"])
        values, absent, unparsable = _numbers(vcol)
        bad = unparsable | _np.isinf(values)
        if bad.any():
            i = int(_np.argmax(bad))
            raise ValueError(f"events row {row(i)}: value: expected a finite number or empty, got {vcol.iloc[i]!r}")
        values = _np.ascontiguousarray(_np.where(absent, _np.nan, values), dtype=float)
    # The C++ builder checks the rest (per_value actions need a value) and
    # names the frame's row.
    return _core.EventTable._from_columns(
        mt, j, rows.astype(_np.uint32), _np.asarray(acodes).astype(_np.uint32), names, seconds, values, skipped,
        origin)


def _lead_inputs(members: Any, events: Any, journey: Any, as_of: Any, skip_unknown_members: bool,
                 threads: int, inference: bool) -> tuple:
    j = _journey_arg(journey)
    t = _as_of_seconds(as_of)
    n_threads = _threads_arg(threads)
    if inference:
        _core.check_inference(j)
    mt = _lead_members(members, j)
    ev = _lead_events(events, mt, j, skip_unknown_members)
    return j, t, n_threads, mt, ev


def _set_lead_attrs(df: _pd.DataFrame, as_of: float, ev: "_core.EventTable") -> _pd.DataFrame:
    df.attrs["as_of"] = _timestamp_of(as_of)
    df.attrs["skipped_unknown_members"] = int(ev.skipped_unknown_members)
    return df


_LEAD_INPUT_DOC = """members : DataFrame or path
        ``members.csv`` (read as for ``engage-right score``: the stage column
        is optional) or a DataFrame with its columns: ``id`` (required),
        optional ``stage``, ``satisfaction``, ``capacity``, ``opted_out``,
        ``activity``, ``tags``, and every extra column the journey's fit
        rules name (kept as text; numbers are spelled as in a CSV file,
        ``50.0`` as ``"50"``). Column names ignore case and surrounding
        spaces.
    events : DataFrame or path
        ``events.csv`` or a DataFrame with ``member``, ``action``,
        ``timestamp`` and optional ``value`` (NaN = empty). Timestamps are
        unix seconds (numbers), ISO-8601 / unix-seconds strings (the CSV
        reader's rules) or datetime64 values (naive = UTC, or tz-aware).
        Member and action columns are factorized, so categorical columns are
        cheapest; numeric or datetime64 timestamps avoid parsing text.
    journey : Journey, preset name, path or dict, optional
        Its ``lead_scoring`` section gives the points (default: the
        ``engage_right`` preset).
    as_of : None, number, str, datetime or Timestamp, optional
        Score time: unix seconds, ISO-8601 text or a datetime (naive = UTC).
        Events after it are ignored. Default: the latest event.
    skip_unknown_members : bool, default False
        Drop events whose member is not in ``members`` (counted in
        ``attrs["skipped_unknown_members"]``) instead of raising."""


def lead_scores(members: Any, events: Any, journey: Any = None, *, as_of: Any = None,
                skip_unknown_members: bool = False, threads: int = 0) -> _pd.DataFrame:
    """Lead scores: fit points for member attributes plus engagement points
    for actions, halved every ``half_life_days`` (docs/journey.md, "Lead
    scoring"); the Python form of ``engage-right score``.

    Parameters
    ----------
    {inputs}
    threads : int, default 0
        Worker threads (0 = all cores); results do not depend on it. The GIL
        is released while scoring.

    Returns
    -------
    DataFrame
        ``member, fit, engagement, total``, one row per member in the
        members' order (``member`` is the id as text). ``attrs["as_of"]`` is
        the time used, a UTC Timestamp (NaT when there are no events and no
        `as_of`); ``attrs["skipped_unknown_members"]`` the events dropped.

    Raises
    ------
    ValueError
        Bad input: ``FILE:LINE:COLUMN: ...`` for files, ``events row 12:
        ...`` / ``members row 3: ...`` (0-based positions) for frames, e.g.
        an unknown member, a bad timestamp, a per_value action without a
        value, a column a fit rule needs that is missing.

    Examples
    --------
    >>> scores = er.lead_scores("members.csv", "events.csv", "journey.json")  # doctest: +SKIP
    >>> scores.sort_values("total", ascending=False).head()                    # doctest: +SKIP
    """
    j, t, n_threads, mt, ev = _lead_inputs(members, events, journey, as_of, skip_unknown_members, threads, False)
    r = _core.lead_scores(mt, ev, j, t, n_threads)
    df = _pd.DataFrame({"member": mt._ids(), "fit": r["fit"], "engagement": r["engagement"], "total": r["total"]})
    return _set_lead_attrs(df, r["as_of"], ev)


def _names_of(index: _np.ndarray, names: Sequence[str]) -> _np.ndarray:
    """Stage names of stage indexes; -1 and indexes past the end -> None."""
    table = _np.array(list(names) + [None], dtype=object)
    idx = _np.asarray(index, dtype=_np.int64)
    idx = _np.where((idx < 0) | (idx >= len(names)), len(names), idx)
    return table[idx]


def infer_stages(members: Any, events: Any, journey: Any = None, *, as_of: Any = None,
                 skip_unknown_members: bool = False, threads: int = 0) -> _pd.DataFrame:
    """Infer every member's stage from the journey's stage rules: the
    furthest stage whose rule holds together with the rules of all earlier
    stages (docs/journey.md, "Stage rules"); the Python form of
    ``engage-right infer-stages``.

    Parameters
    ----------
    {inputs}
    threads : int, default 0
        Worker threads (0 = all cores). The GIL is released while inferring.

    Returns
    -------
    DataFrame
        One row per member in the members' order: ``member``;
        ``recorded_stage`` (the stage given in members, missing when not
        given); ``stage`` (inferred); ``fit, engagement, total``;
        ``next_stage`` (missing at the last stage); ``next_milestone``, the
        checklist of the next stage's rule as the CLI prints it
        (``"score >= 10 (has 4): no; purchase: yes"``, ``""`` at the last
        stage); ``missing``, the list of the unmet items' texts.
        ``attrs["as_of"]`` and ``attrs["skipped_unknown_members"]`` as in
        :func:`lead_scores`.

    Raises
    ------
    ValueError
        As :func:`lead_scores`; also when a stage after the first has no
        rule (the message names ``$.stage_rules.<stage>``).
    """
    j, t, n_threads, mt, ev = _lead_inputs(members, events, journey, as_of, skip_unknown_members, threads, True)
    r = _core.infer_stages(mt, ev, j, t, n_threads, True)
    names = list(j.stages)
    stage = _np.asarray(r["stage"], dtype=_np.int64)
    df = _pd.DataFrame({
        "member": mt._ids(),
        "recorded_stage": _names_of(mt._recorded_stage(), names),
        "stage": _names_of(stage, names),
        "fit": r["fit"],
        "engagement": r["engagement"],
        "total": r["total"],
        "next_stage": _names_of(stage + 1, names),
        "next_milestone": r["next_milestone"],
        "missing": r["missing"],
    })
    return _set_lead_attrs(df, r["as_of"], ev)


def stage_history(members: Any, events: Any, journey: Any = None, *, as_of: Any = None,
                  skip_unknown_members: bool = False, threads: int = 0,
                  path: Optional[PathLike] = None) -> _pd.DataFrame:
    """The stage history: when each member first held each stage (every
    earlier stage's rule holding at the same moment), as stages.csv holds
    it; the Python form of ``engage-right infer-stages --history-out``.

    Parameters
    ----------
    {inputs}
    threads : int, default 0
        Worker threads (0 = all cores).
    path : path, optional
        Also write the history there as stages.csv, byte for byte as the
        CLI's ``--history-out`` (see :func:`write_stage_history`).

    Returns
    -------
    DataFrame
        ``member, stage, timestamp`` (``datetime64[ns, UTC]``), in member
        order then stage order; members without events have no rows.
        ``attrs`` as in :func:`lead_scores`.
    """
    j, t, n_threads, mt, ev = _lead_inputs(members, events, journey, as_of, skip_unknown_members, threads, True)
    r = _core.infer_stages(mt, ev, j, t, n_threads, False)
    ids = _np.array(mt._ids(), dtype=object)
    df = _pd.DataFrame({
        "member": ids[_np.asarray(r["history_member"], dtype=_np.int64)],
        "stage": _names_of(r["history_stage"], list(j.stages)),
        "timestamp": _datetimes_of(r["history_timestamp"]),
    })
    _set_lead_attrs(df, r["as_of"], ev)
    if path is not None:
        write_stage_history(df, path)
    return df


for _f in (lead_scores, infer_stages, stage_history):
    _f.__doc__ = _f.__doc__.replace("{inputs}", _LEAD_INPUT_DOC)
del _f


def write_stage_history(history: _pd.DataFrame, path: PathLike) -> None:
    """Write a stage history as stages.csv (``member,stage,timestamp``),
    with ISO-8601 UTC times (``2026-03-14T09:30:00Z``, milliseconds when not
    a whole second): the same bytes as ``engage-right infer-stages
    --history-out`` for the same history.

    Parameters
    ----------
    history : DataFrame
        ``member``, ``stage`` and ``timestamp`` (datetime64, unix seconds or
        ISO-8601 text), e.g. the result of :func:`stage_history`.
    path : path
        The file to write (replaced if it exists).

    Raises
    ------
    ValueError
        A missing column or value (naming the row).
    """
    if not isinstance(history, _pd.DataFrame):
        raise TypeError(f"history must be a DataFrame, got {type(history).__name__}")
    df = _lower_columns(history, "stage history")
    for c in HISTORY_COLUMNS:
        if c not in df.columns:
            raise ValueError(f"stage history: missing required column {c!r}")
    text = {}
    for c in ("member", "stage"):
        col = df[c]
        absent = col.isna().to_numpy()
        if absent.any():
            raise ValueError(f"stage history row {int(_np.argmax(absent))}: {c}: expected text, got an empty value")
        text[c] = col.astype(str).tolist()
    seconds = _time_seconds(df["timestamp"], "stage history")
    _core.write_stages_csv(_os.fspath(path), text["member"], text["stage"], seconds)


def _satisfaction_codes(col: _pd.Series, row_label: str) -> _np.ndarray:
    frame = _pd.DataFrame({"satisfaction": col.reset_index(drop=True)})
    return _int_column(frame, "satisfaction", 0, 10, -1, "an integer 0-10 or empty",
                       row_label=row_label).astype(_np.int8)


def nps(data: Any, by: Optional[str] = "stage", *, journey: Any = None) -> _pd.DataFrame:
    """Net Promoter Score: promoters answer 9-10, passives 7-8, detractors
    0-6 to "how likely are you to recommend us"; NPS = 100 * (promoters -
    detractors) / responses.

    Parameters
    ----------
    data : Community, DataFrame, Series or array
        A community; a members DataFrame with a ``satisfaction`` column
        (integers 0-10, missing = unknown) and, for ``by="stage"``, a
        ``stage`` column; or the satisfactions themselves (then `by` must be
        None).
    by : "stage" or None, default "stage"
        One row per stage of the journey, in journey order, then ``"(all)"``;
        None: the ``"(all)"`` row only.
    journey : Journey, preset name, path or dict, optional
        The stages of a members DataFrame (default: the ``engage_right``
        preset). A Community brings its own journey.

    Returns
    -------
    DataFrame
        Index: stage names and ``"(all)"``; columns ``promoters, passives,
        detractors, unknown, responses`` (int) and ``nps`` (float, NaN
        without responses).

    Raises
    ------
    ValueError
        A satisfaction outside 0-10 or not an integer, an unknown or missing
        stage (naming the row), `by` other than "stage"/None.
    """
    if by not in ("stage", None):
        raise ValueError(f"by must be 'stage' or None, got {by!r}")
    groups = None
    names: list = []
    if isinstance(data, Community):
        if journey is not None:
            raise ValueError("journey: a Community has its own journey; do not pass one")
        sat = _np.asarray(data._c._satisfaction(), dtype=_np.int8)
        if by == "stage":
            names = data.journey.stages
            groups = _np.asarray(data._c._stage_index(), dtype=_np.int64)
    elif isinstance(data, _pd.DataFrame):
        df = _lower_columns(data, "members")
        if "satisfaction" not in df.columns:
            raise ValueError("members: missing column 'satisfaction'")
        sat = _satisfaction_codes(df["satisfaction"], "members row")
        if by == "stage":
            if "stage" not in df.columns:
                raise ValueError("members: missing column 'stage' (needed for by='stage'; use by=None for one row)")
            j = _journey_arg(journey)
            names = list(j.stages)
            codes, uniques = _pd.factorize(df["stage"], use_na_sentinel=True)
            index = []
            for u in _uniques_as_text(uniques):
                s = j._stage_index(u.strip())
                index.append(-1 if s is None else s)
            groups = _np.append(_np.array(index, dtype=_np.int64), -1)[codes]
            bad = groups < 0
            if bad.any():
                i = int(_np.argmax(bad))
                raise ValueError(f"members row {i}: stage: expected a stage of journey '{j.name}' "
                                 f"({', '.join(names)}), got {df['stage'].iloc[i]!r}")
    else:
        if by is not None:
            raise ValueError("by must be None when data is a Series or array of satisfactions")
        if isinstance(data, (str, bytes, Mapping)):
            raise TypeError(f"data must be a Community, a DataFrame or satisfactions, got {type(data).__name__}")
        col = data if isinstance(data, _pd.Series) else _pd.Series(_np.asarray(data, dtype=object)
                                                                    if not isinstance(data, _np.ndarray) else data)
        sat = _satisfaction_codes(col, "satisfaction row")
    counts, score = _core.nps_groups(sat, groups, len(names) if groups is not None else 0)
    index = (list(names) if groups is not None else []) + ["(all)"]
    df = _pd.DataFrame(counts, columns=NPS_COLUMNS[:5], index=_pd.Index(index, name="stage")).astype(_np.int64)
    df["nps"] = _np.asarray(score, dtype=float)
    return df


def funnel(community: "Community", *, min_satisfaction: Optional[int] = None,
           allow_existing: bool = False) -> _pd.DataFrame:
    """Funnel health: members and NPS per stage, and for every step the
    seekers (members who want a peer) against the seats (sum of the
    capacities of eligible peers); the Python form of ``engage-right stats``.

    Parameters
    ----------
    community : Community
    min_satisfaction : int, optional
        Peers with a known satisfaction below this are not eligible (0-11;
        default: the journey's, 7).
    allow_existing : bool, default False
        Existing contacts may be paired again (a seeker who knows every
        eligible peer then still has one).

    Returns
    -------
    DataFrame
        Index: the stages in journey order. Per stage: ``members``,
        ``share`` (of all members), ``reached`` (members at this stage or
        later), ``conversion`` (reached / reached of the previous stage; NaN
        for the first), ``promoters, passives, detractors, unknown, nps``.
        For the step leaving the stage (missing for the last stage):
        ``next_stage``, ``enabled`` (nullable bool), ``channel``,
        ``seekers``, ``seekers_without_peer``, ``peers``, ``seats``
        (nullable ints), ``seats_per_seeker`` (float, NaN without seekers),
        and ``bottleneck`` (nullable bool; True for the stage whose step is
        the bottleneck: the enabled step with seekers and the fewest seats
        per seeker, ties to the earliest). ``df[df["bottleneck"]]`` selects
        the bottleneck's row. ``attrs["bottleneck"]`` is the bottleneck as text
        (``"loyal → advocate: 1,200 seekers, 300 seats (0.25 per seeker)"``),
        ``""`` when there is none.
    """
    if not isinstance(community, Community):
        raise TypeError(f"community must be an engage_right.Community, got {type(community).__name__}")
    if min_satisfaction is not None:
        if isinstance(min_satisfaction, bool) or int(min_satisfaction) != min_satisfaction \
                or not 0 <= min_satisfaction <= 11:
            raise ValueError(f"min_satisfaction must be an integer 0..11, got {min_satisfaction!r}")
        min_satisfaction = int(min_satisfaction)
    r = _core.funnel(community._c, min_satisfaction, bool(allow_existing))
    stages = list(r["stage"])
    k = len(stages)
    steps = r["steps"]

    def step(key: str, dtype: Optional[str] = None):
        values = [s[key] for s in steps] + [None]
        return _pd.array(values, dtype=dtype) if dtype else values

    df = _pd.DataFrame({
        "members": r["members"],
        "share": r["share"],
        "reached": r["reached"],
        "conversion": r["conversion"],
        "promoters": r["promoters"],
        "passives": r["passives"],
        "detractors": r["detractors"],
        "unknown": r["unknown"],
        "nps": r["nps"],
        "next_stage": step("to"),
        "enabled": step("enabled", "boolean"),
        "channel": step("channel"),
        "seekers": step("seekers", "Int64"),
        "seekers_without_peer": step("seekers_without_peer", "Int64"),
        "peers": step("peers", "Int64"),
        "seats": step("seats", "Int64"),
        "seats_per_seeker": _np.array([s["seats_per_seeker"] for s in steps] + [_np.nan], dtype=float),
        "bottleneck": _pd.array([r["bottleneck"] is not None and i == r["bottleneck"] for i in range(k - 1)] + [None],
                                dtype="boolean"),
    }, index=_pd.Index(stages, name="stage"))
    df.attrs["bottleneck"] = r["bottleneck_text"]
    return df


from .plotting import plot_funnel  # noqa: E402  (matplotlib itself is imported on first use)
from .uplift import estimate_uplift, logistic_regression  # noqa: E402
from .simulate import SimulationResult, plot_simulations, simulate, viral_reproduction_number  # noqa: E402


# -- matching -----------------------------------------------------------------

MATCH_COLUMNS = ["member", "member_stage", "peer", "peer_stage", "score", "channel", "reason"]
UNMATCHED_COLUMNS = ["member", "member_stage", "matched", "reason"]


def _pair_frame(data: Any, what: str, with_time: bool) -> tuple:
    """member/peer (and timestamp) columns of a pairs argument: a DataFrame,
    a path to a CSV file, or a list of tuples."""
    if data is None:
        return None, None, None
    if isinstance(data, (str, _os.PathLike)):
        data = _pd.read_csv(data, dtype=str, keep_default_na=False)
    elif not isinstance(data, _pd.DataFrame):
        rows = list(data)
        names = ["member", "peer", "timestamp"] if with_time else ["member", "peer"]
        data = _pd.DataFrame([tuple(r) for r in rows], columns=names[:len(rows[0])] if rows else names)
    cols = {str(c).strip().lower(): c for c in data.columns}
    needed = ["member", "peer"] + (["timestamp"] if with_time else [])
    for name in needed:
        if name not in cols:
            raise ValueError(f"{what}: missing column '{name}' (has: {', '.join(map(str, data.columns))})")
    members = [str(x) for x in data[cols["member"]]]
    peers = [str(x) for x in data[cols["peer"]]]
    times = None
    if with_time:
        times = _time_seconds(data[cols["timestamp"]].reset_index(drop=True), f"{what} column 'timestamp'")
    return members, peers, times


def match(community: Community, *, per_member: int = 1, method: str = "optimal", candidates: int = 50,
          history: Any = None, cooldown_days: float = 90.0, continuity_bonus: float = 0.0, as_of: Any = None,
          blocked: Any = None, spread: float = 0.0, weights: Optional[Mapping[str, float]] = None,
          min_satisfaction: Optional[int] = None, allow_existing: bool = False, threads: int = 0,
          reasons: bool = True, with_unmatched: bool = False):
    """Who meets whom: a capacity-aware plan (docs/matching.md).

    Every member gets up to `per_member` peers one stage to the right, every
    peer takes at most its capacity, and the hard rules always hold.

    Parameters
    ----------
    community : Community
    per_member : int, default 1
        Peers per member.
    method : {"optimal", "stable", "greedy"}, default "optimal"
        ``optimal``: the maximum total score (exact min-cost flow);
        ``stable``: deferred acceptance, members propose; ``greedy``: best pair
        first.
    candidates : int, default 50
        Each member's top-K eligible peers form the matching graph; 0 = every
        eligible pair.
    history : DataFrame, path or list of (member, peer, timestamp), optional
        Earlier pairings (pairs.csv). Timestamps as unix seconds, ISO-8601
        text or datetimes.
    cooldown_days : float, default 90
        Pairs that met less than this many days before `as_of` are not paired
        again (0 = off).
    continuity_bonus : float, default 0
        Added to the score of pairs that met before (outside the cooldown).
    as_of : time, optional
        "Now" for the cooldown; default the latest history timestamp.
    blocked : DataFrame, path or list of (member, peer), optional
        Pairs never matched, in either direction.
    spread : float in [0, 1], default 0
        Seat j of a peer with capacity c costs ``spread * j / c`` of score.
    weights, min_satisfaction, allow_existing, threads
        As for :func:`recommend`.
    reasons : bool, default True
        Build the one-sentence reason of every pair.
    with_unmatched : bool, default False
        Also return the members who got fewer peers than `per_member`.

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``with_unmatched=True``
        Pairs with columns ``member, member_stage, peer, peer_stage, score,
        channel, reason`` (the CLI's), in member order; ``attrs`` hold
        ``total_score``, ``total_value`` (score + bonus - seat costs, the
        maximised objective), ``candidate_pairs`` and ``method``. The second
        frame has ``member, member_stage, matched, reason`` with reason
        ``no_eligible_peer``, ``no_positive_score`` or ``capacity_exhausted``.
    """
    if not isinstance(community, Community):
        raise TypeError(f"community: expected an engage_right.Community, got {type(community).__name__}")
    if method not in ("optimal", "stable", "greedy"):
        raise ValueError(f"method: expected 'optimal', 'stable' or 'greedy', got {method!r}")
    if int(per_member) < 1:
        raise ValueError(f"per_member must be at least 1, got {per_member}")
    if int(candidates) < 0:
        raise ValueError(f"candidates must be >= 0, got {candidates}")
    hm, hp, ht = _pair_frame(history, "history", True)
    bm, bp, _ = _pair_frame(blocked, "blocked", False)
    out = _core.match(community._c, int(per_member), method, int(candidates),
                      None if weights is None else dict(weights), min_satisfaction, bool(allow_existing),
                      int(threads), hm, hp, ht, float(cooldown_days), float(continuity_bonus),
                      _as_of_seconds(as_of), bm, bp, float(spread), bool(reasons))
    pairs = _pd.DataFrame({name: out["pairs"][name] for name in MATCH_COLUMNS})
    pairs["score"] = pairs["score"].astype(float)
    pairs.attrs.update(total_score=float(out["total_score"]), total_value=float(out["total_value"]),
                       candidate_pairs=int(out["candidate_pairs"]), method=method)
    if not with_unmatched:
        return pairs
    unmatched = _pd.DataFrame({name: out["unmatched"][name] for name in UNMATCHED_COLUMNS})
    unmatched["matched"] = unmatched["matched"].astype(_np.int64)
    return pairs, unmatched


def assign(values: Any, capacity: Any = None, *, per_row: int = 1, method: str = "optimal",
           spread: float = 0.0, dense: Optional[bool] = None) -> tuple:
    """Solve a matching on your own values (a dense or scipy.sparse matrix).

    Rows ask for `per_row` columns each; column j takes at most
    ``capacity[j]`` rows (default 1). Entries that are NaN, <= 0 or absent
    (sparse) are not allowed pairs. ``optimal`` maximises the total value
    minus seat costs (seat j of column c costs ``spread * j / capacity[c]``);
    for a positive square matrix with capacity 1 this is the maximising
    assignment of ``scipy.optimize.linear_sum_assignment``.

    A dense matrix solved with ``optimal`` uses an array-based search that
    needs no list of pairs (``dense=None`` picks it when at least a tenth of
    the entries are allowed; ``True``/``False`` force it either way). Sparse
    matrices and the other methods work on the list of allowed pairs.

    Returns
    -------
    (rows, columns) : two int arrays of the chosen pairs, sorted by row.
    """
    if method not in ("optimal", "stable", "greedy"):
        raise ValueError(f"method: expected 'optimal', 'stable' or 'greedy', got {method!r}")
    if int(per_row) < 1:
        raise ValueError(f"per_row must be at least 1, got {per_row}")
    if not 0.0 <= float(spread) <= 1.0:
        raise ValueError(f"spread must be in [0, 1], got {spread}")
    if method == "optimal" and dense is not False and not hasattr(values, "tocoo"):
        m = _np.ascontiguousarray(values, dtype=float)
        if m.ndim != 2:
            raise ValueError(f"values: expected a 2-D matrix, got {m.ndim} dimensions")
        n_rows, n_cols = m.shape
        if _np.isinf(m).any():
            raise ValueError("values: entries must be finite (NaN marks a pair that is not allowed)")
        if dense or _np.count_nonzero(m > 0) >= 0.1 * m.size:
            cap = _np.ones(n_cols, dtype=_np.uint32) if capacity is None else _np.asarray(capacity)
            if cap.shape != (n_cols,) or (cap < 0).any():
                raise ValueError(f"capacity: expected {n_cols} non-negative integers")
            return _core.solve_matching_dense(m, cap.astype(_np.uint32), int(per_row), float(spread))
    if hasattr(values, "tocoo"):
        coo = values.tocoo()
        n_rows, n_cols = coo.shape
        r, c, v = coo.row, coo.col, _np.asarray(coo.data, dtype=float)
    else:
        m = _np.asarray(values, dtype=float)
        if m.ndim != 2:
            raise ValueError(f"values: expected a 2-D matrix, got {m.ndim} dimensions")
        n_rows, n_cols = m.shape
        r, c = _np.nonzero(_np.isfinite(m) & (m > 0))
        v = m[r, c]
    keep = _np.isfinite(v) & (v > 0)
    r, c, v = r[keep], c[keep], v[keep]
    cap = _np.ones(n_cols, dtype=_np.uint32) if capacity is None else _np.asarray(capacity)
    if cap.shape != (n_cols,) or (cap < 0).any():
        raise ValueError(f"capacity: expected {n_cols} non-negative integers")
    chosen = _core.solve_matching(int(n_rows), cap.astype(_np.uint32), r.astype(_np.uint32), c.astype(_np.uint32),
                                  v.astype(float), int(per_row), method, float(spread))
    rows, cols = r[chosen].astype(_np.int64), c[chosen].astype(_np.int64)
    order = _np.lexsort((cols, rows))
    return rows[order], cols[order]
