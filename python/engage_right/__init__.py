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

import json as _json
import os as _os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as _np
import pandas as _pd

from . import _core
from ._core import Error

__all__ = ["Journey", "Community", "recommend", "Error", "__version__"]
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


def _int_column(df: _pd.DataFrame, name: str, lo: int, hi: int, missing: int, what: str) -> Optional[_np.ndarray]:
    if name not in df.columns:
        return None
    col = df[name]
    values, absent, unparsable = _numbers(col)
    with _np.errstate(invalid="ignore"):
        bad = unparsable | (~absent & ((values != _np.round(values)) | (values < lo) | (values > hi)))
    if bad.any():
        i = int(_np.argmax(bad))
        raise ValueError(f"members row {i}: {name}: expected {what}, got {col.iloc[i]!r}")
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
