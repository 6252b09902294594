"""Community (members, features, interaction graph) and recommend()."""

from __future__ import annotations

import os as _os
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core, _ranking
from ._frames import (
    PathLike,
    _data_column,
    _feature_matrix,
    _id_cells,
    _member_cells,
    _to_unix_seconds,
)
from ._journey import Journey, _journey_arg, _stage_gap_arg

RESULT_COLUMNS = list(_core.columns["recommend"])


class Community:
    """A stage-labelled community: members, their attributes and features,
    and the undirected interaction graph. Immutable; safe to share between
    threads.

    Build one with :meth:`from_csv`, :meth:`from_frames` or
    :meth:`from_networkx`.
    """

    __slots__ = ("_c",)

    def __init__(self, core: _core.Community):
        self._c = core

    # -- construction -----------------------------------------------------
    @classmethod
    def from_csv(
        cls, members: PathLike, interactions: Optional[PathLike] = None, journey: Union[None, str, Journey] = None
    ) -> Community:
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
    def from_frames(
        cls,
        members: _pd.DataFrame,
        interactions: Optional[_pd.DataFrame] = None,
        journey: Union[None, str, Journey] = None,
        features: Optional[_np.ndarray] = None,
    ) -> Community:
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
        feats = features if features is not None else _feature_matrix(members)
        if feats is not None and not isinstance(feats, _np.ndarray):
            feats = _np.asarray(feats, dtype=_np.float32)
        src, dst, w, ts = [], [], None, None
        if interactions is not None:
            for col in ("source", "target"):
                if col not in interactions.columns:
                    raise ValueError(f"interactions: missing required column {col!r}")
            src, dst = _id_cells(interactions["source"]), _id_cells(interactions["target"])
            w = _data_column(interactions, "weight")
            if "timestamp" in interactions.columns:
                ts = _to_unix_seconds(interactions["timestamp"])
        core = _core.Community._from_columns(j, _member_cells(members, None, feats), src, dst, w, ts)
        return cls(core)

    @classmethod
    def from_networkx(cls, graph, stage: str = "stage", journey: Union[None, str, Journey] = None) -> Community:
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
        edges = [
            {"source": str(a), "target": str(b), "weight": d.get("weight", 1.0)} for a, b, d in graph.edges(data=True)
        ]
        inter = _pd.DataFrame(edges, columns=["source", "target", "weight"]) if edges else None
        return cls.from_frames(members, inter, journey=journey)

    # -- views ------------------------------------------------------------
    @classmethod
    def load(cls, path: PathLike) -> Community:
        """Read a snapshot file written by :meth:`save` (or ``engage-right
        snapshot``): no CSV parsing, the same input rules.

        Raises
        ------
        ValueError
            Not a snapshot, another format version, truncated or corrupted
            (checksum), or data that break an input rule; names the file.
        """
        return cls(_core.load_community(_os.fspath(path)))

    def save(self, path: PathLike) -> None:
        """Write the community as a snapshot file: binary, versioned and
        checksummed, written to a temporary file, synced and renamed, so a
        crash never leaves a half-written snapshot (docs/reliability.md)."""
        _core.save_community(self._c, _os.fspath(path))

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
        df = _pd.DataFrame(
            {
                "id": self._c._ids(),
                "stage": [stages[i] for i in self._c._stage_index()],
                "satisfaction": _pd.array(_np.where(sat < 0, 0, sat), dtype="Int64"),
                "capacity": _pd.array(_np.where(cap < 0, 0, cap), dtype="Int64"),
                "opted_out": self._c._opted_out().astype(bool),
                "activity": self._c._activity(),
                "tags": self._c._tags(),
            }
        )
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

    def explain(
        self,
        member: str,
        peer: str,
        *,
        weights: Optional[Mapping[str, float]] = None,
        min_satisfaction: Optional[int] = None,
        allow_existing: bool = False,
        stage_gap: Union[tuple, str] = (1, 1),
        model: Any = None,
        content: Any = None,
        as_of: Any = None,
    ) -> dict:
        """Score components, eligibility and the reason sentence for one pair.

        With `model` (a RankingModel or a path to model.json; `content` and
        `as_of` as for :func:`recommend`), ``score`` is the model's
        probability and ``reason`` names the features that drove the pair.

        Parameters
        ----------
        member, peer : str
            The member looking for a peer, and the candidate peer.
        weights, min_satisfaction, allow_existing, stage_gap
            As for :func:`recommend`.

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
        ValueError
            Invalid options (a bad `stage_gap`, ...).
        """
        gap = _stage_gap_arg(stage_gap, self._c.journey)
        return _core.explain(
            self._c,
            member,
            peer,
            None if weights is None else dict(weights),
            min_satisfaction,
            allow_existing,
            gap,
            _ranking._scorer(self, model, content, as_of),
        )


def recommend(
    community: Community,
    member: Union[None, str, Sequence[str]] = None,
    k: int = 5,
    weights: Optional[Mapping[str, float]] = None,
    min_satisfaction: Optional[int] = None,
    allow_existing: bool = False,
    threads: int = 0,
    stage_gap: Union[tuple, str] = (1, 1),
    model: Any = None,
    content: Any = None,
    as_of: Any = None,
) -> _pd.DataFrame:
    """Engage Right recommendations: the top-`k` peers one stage to the right
    (or within `stage_gap`).

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
    stage_gap : (int, int) or str, default (1, 1)
        ``(MIN, MAX)`` or ``"MIN:MAX"``: peers stand MIN to MAX stages right
        of the member, every step in between enabled (hard rule 1). The
        default is the Engage Right rule, exactly one stage right; ``(1, 2)``
        also offers peers two stages right. The channel is that of the
        member's own step. See docs/scoring.md, "How far right".
    model : RankingModel or path to model.json, optional
        Rank by a learned model (:func:`fit_ranking`): ``score`` becomes the
        model's probability and ``reason`` names the features that drove the
        pair; the hard rules are unchanged and `weights` is unused.
    content : path or DataFrame, optional
        ``content.csv``, for a model that uses ``co_participation``.
    as_of : time, optional
        "Now" for the model's activity features (default: the latest dated
        contact).

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
        Invalid options (k < 1, negative weights, a stage gap outside
        1 <= MIN <= MAX <= steps of the journey, ...).
    """
    if isinstance(member, str):
        members = [member]
    elif member is None:
        members = None
    else:
        members = [str(m) for m in member]
    if int(k) < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    gap = _stage_gap_arg(stage_gap, community._c.journey)
    cols = _core.recommend(
        community._c,
        members,
        int(k),
        None if weights is None else dict(weights),
        min_satisfaction,
        bool(allow_existing),
        int(threads),
        gap,
        _ranking._scorer(community, model, content, as_of),
    )
    return _pd.DataFrame({name: cols[name] for name in RESULT_COLUMNS})
