"""Offline evaluation: replay history at a split time and measure how often
each ranking method puts a real future contact near the top
(docs/evaluation.md). The Python form of ``engage-right evaluate``."""

from __future__ import annotations

import math as _math
import os as _os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core, _ranking
from ._frames import (
    _as_of_seconds,
    _data_column,
    _id_cells,
    _is_path,
    _member_cells,
    _required_frame,
    _text_cells,
    _time_seconds,
    _timestamp_of,
)
from ._journey import _journey_arg, _stage_gap_arg

#: The methods of :func:`evaluate`, in the order of the docs.
METHODS = [
    "engage_right",
    "adamic_adar",
    "degree",
    "random",
    "adamic_adar_unrestricted",
    "degree_unrestricted",
]
#: The default methods (every one under the same hard rules).
DEFAULT_METHODS = ["engage_right", "adamic_adar", "degree", "random"]


def _created_cells(col: _pd.Series) -> Any:
    """The created column as the C++ builder takes it: unix seconds (NaN =
    empty) for datetimes and numbers, text cells otherwise."""
    if _pd.api.types.is_datetime64_any_dtype(col):
        s = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
        ns = s.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(_np.int64)
        whole = ns // 10**9
        out = whole.astype(float) + (ns - whole * 10**9) / 1e9
        out[s.isna().to_numpy()] = _np.nan
        return out
    if col.dtype == object and col.map(lambda v: isinstance(v, _pd.Timestamp)).any():
        return _np.array(
            [_as_of_seconds(v) if isinstance(v, _pd.Timestamp) else _np.nan for v in col.tolist()], dtype=float
        )
    return _data_column(_pd.DataFrame({"created": col}), "created")


def _input(members: Any, interactions: Any, stages: Any, j: _core.Journey) -> _core.EvaluationInput:
    """Files are read in C++; frames become columns for the C++ builders,
    which check them with the files' rules."""
    inp = _core.EvaluationInput()
    if _is_path(members):
        inp.read_members(_os.fspath(members), j)
    else:
        df = _required_frame(members, "members", ("id", "stage"))
        cells = _member_cells(df, members)
        inp.set_members(j, cells, _created_cells(df["created"]) if "created" in df.columns else None)
    if _is_path(interactions):
        inp.read_interactions(_os.fspath(interactions))
    else:
        df = _required_frame(interactions, "interactions", ("source", "target", "timestamp"))
        seconds = _time_seconds(df["timestamp"].reset_index(drop=True), "interactions")
        inp.set_interactions(_id_cells(df["source"]), _id_cells(df["target"]), _data_column(df, "weight"), seconds)
    if stages is None:
        return inp
    if _is_path(stages):
        inp.read_stages(_os.fspath(stages), j)
    else:
        df = _required_frame(stages, "stages", ("member", "stage", "timestamp"))
        seconds = _time_seconds(df["timestamp"].reset_index(drop=True), "stages")
        inp.set_stages(_id_cells(df["member"]), _text_cells(df["stage"]), seconds, j)
    return inp


def _split_seconds(split_at: Any, inp: _core.EvaluationInput) -> float:
    if isinstance(split_at, str):
        try:
            return float(inp.split_at(split_at))
        except ValueError as e:
            raise ValueError(f"split_at: {e}") from None
    if split_at is None:
        raise TypeError("split_at: expected a time or a share such as '80%', got None")
    try:
        return float(_as_of_seconds(split_at))
    except (TypeError, ValueError) as e:
        raise type(e)(str(e).replace("as_of", "split_at", 1)) from None


def _whole(value: Any, name: str) -> int:
    """An integer >= 0 for the C++ options (which check the ranges)."""
    if isinstance(value, bool) or not isinstance(value, (int, _np.integer)) or int(value) < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def _cutoffs(k: Union[int, Sequence[int]]) -> list:
    items = [k] if isinstance(k, (int, _np.integer)) and not isinstance(k, bool) else list(k)
    return [_whole(x, "k") for x in items]


def _method_list(methods: Union[None, str, Sequence[str]]) -> list:
    if methods is None:
        return list(DEFAULT_METHODS)
    items = methods.split(",") if isinstance(methods, str) else list(methods)
    for m in items:
        if not isinstance(m, str):
            raise TypeError(f"methods must be names (str), got {type(m).__name__}")
    return items


def _frames_of(d: dict, with_rankings: bool) -> _pd.DataFrame:
    metrics = list(d["metrics"])
    methods = list(d["methods"])
    data: dict = {}
    diff: dict = {}
    for x, name in enumerate(metrics):
        data[name] = d["value"][:, x]
        data[f"{name}_low"] = d["low"][:, x]
        data[f"{name}_high"] = d["high"][:, x]
        diff[name] = d["diff"][:, x]
        diff[f"{name}_low"] = d["diff_low"][:, x]
        diff[f"{name}_high"] = d["diff_high"][:, x]
    data["coverage"] = d["coverage"]
    data["gini"] = d["gini"]
    data["eligible_peers"] = d["eligible_peers"]
    index = _pd.Index(methods, name="method")
    df = _pd.DataFrame(data, index=index)
    differences = _pd.DataFrame(diff, index=index)
    end = d["horizon_end"]
    df.attrs.update(
        {
            "split_at": _timestamp_of(d["split_at"]),
            "horizon_end": None if _math.isinf(end) else _timestamp_of(end),
            "k": list(d["k"]),
            "mrr_depth": int(d["mrr_depth"]),
            "bootstrap": int(d["bootstrap"]),
            "metrics": metrics,
            "baseline": methods[0],
            "differences": differences,
            "ceiling": float(d["ceiling"]),
            "ceiling_hit": float(d["ceiling_hit"]),
            "ceiling_recall": float(d["ceiling_recall"]),
        }
    )
    for key in (
        "members",
        "members_in_replay",
        "members_created_later",
        "members_not_yet_staged",
        "interactions_before",
        "target_pairs",
        "targets",
        "reachable_targets",
        "window_pairs_with_new_members",
        "evaluated_members",
    ):
        df.attrs[key] = int(d[key])
    if with_rankings:
        det = d["details"]
        df.attrs["targets_table"] = _pd.DataFrame(
            {
                "member": det["target_member"],
                "peer": det["target_peer"],
                "reachable": _np.asarray(det["target_reachable"]).astype(bool),
            }
        )
        parts = []
        for name, r in zip(methods, det["rankings"]):
            part = _pd.DataFrame({"member": r["member"], "rank": _np.asarray(r["rank"]), "peer": r["peer"]})
            part.insert(0, "method", name)
            parts.append(part)
        rankings = _pd.concat(parts, ignore_index=True)
        pairs = set(zip(det["target_member"], det["target_peer"]))
        rankings["target"] = [(m, p) in pairs for m, p in zip(rankings["member"], rankings["peer"])]
        df.attrs["rankings"] = rankings
    return df


def evaluate(
    members: Any,
    interactions: Any,
    split_at: Any,
    *,
    horizon_days: Optional[float] = None,
    stages: Any = None,
    k: Union[int, Sequence[int]] = (5, 10),
    methods: Union[None, str, Sequence[str]] = None,
    weights: Optional[Mapping[str, float]] = None,
    journey: Any = None,
    min_satisfaction: Optional[int] = None,
    allow_existing: bool = False,
    stage_gap: Union[tuple, str] = (1, 1),
    mrr_depth: int = 10,
    bootstrap: int = 1000,
    seed: int = 0,
    threads: int = 0,
    rankings: bool = False,
    scorer: Optional[Callable[[str, str], float]] = None,
    model: Any = None,
    content: Any = None,
) -> _pd.DataFrame:
    """Replay history at ``split_at`` and measure how well each method ranks
    the contacts members really made next; the Python form of
    ``engage-right evaluate`` (docs/evaluation.md).

    The replay is the community as of T = ``split_at``: members who existed
    (``created`` before T, or no ``created`` column), at their stage of T
    (the latest ``stages`` entry at or before T; members whose entries all
    come after T are left out, members without entries keep the
    ``members`` stage), and the interactions before T. Targets are the pairs
    of replayed members whose first interaction falls in ``[T, T +
    horizon_days)``; every member with at least one target is evaluated.
    Every method ranks only the peers the hard rules allow at T (the
    ``*_unrestricted`` references ignore the stage rule, rule 1). The GIL is
    released while the C++ library works.

    Parameters
    ----------
    members : DataFrame or path
        ``members.csv`` or a frame with its columns; an optional ``created``
        column (unix seconds, ISO-8601 text or datetimes) says when each
        member joined.
    interactions : DataFrame or path
        ``interactions.csv`` or a frame with ``source``, ``target``,
        ``timestamp`` (every row needs one) and optional ``weight``.
    split_at : number, str, datetime or Timestamp
        T: unix seconds, ISO-8601, a datetime (naive = UTC), or a share of
        the interactions such as ``"80%"`` (T is then the time before which
        80 % of the interactions fall).
    horizon_days : float, optional
        Targets are first contacts within this many days of T (default:
        every later contact).
    stages : DataFrame or path, optional
        ``stages.csv`` (``member,stage,timestamp``), e.g. from
        :func:`engage_right.stage_history`: the stages as of T.
    k : int or sequence of int, default (5, 10)
        Cut-offs of hit@k, recall@k and ndcg@k; coverage and gini use the
        largest.
    methods : str or sequence of str, optional
        Any of :data:`METHODS`; default :data:`DEFAULT_METHODS`. Paired
        differences are taken against the first.
    weights : dict, optional
        Weights of ``engage_right`` (``similarity, tags, proximity,
        happiness``; others keep the journey's).
    journey : Journey, preset name, path or dict, optional
        Default: the ``engage_right`` preset.
    min_satisfaction : int, optional
        Peers with a known satisfaction below this are never ranked (default:
        the journey's, 7).
    allow_existing : bool, default False
        Also rank peers met before T (hard rule 5 off).
    model : RankingModel or path to model.json, optional
        engage_right ranks by this learned model (:func:`fit_ranking`; fit it
        on history before `split_at` to avoid leakage), applied to the
        replayed community as of `split_at`.
    content : path or DataFrame, optional
        ``content.csv``, for a model that uses ``co_participation`` (items
        before `split_at` only).
    stage_gap : (int, int) or str, default (1, 1)
        Peers stand MIN to MAX stages right (``(1, 2)`` or ``"1:2"``), for
        every method but the unrestricted ones; see docs/scoring.md.
    mrr_depth : int, default 10
        MRR is 1 / rank of the first target within this depth, 0 beyond.
    bootstrap : int, default 1000
        Resamples of the evaluated members for the 95 % percentile
        intervals; 0: no intervals (NaN).
    seed : int, default 0
        Seed of the bootstrap and of ``random``.
    threads : int, default 0
        Worker threads (0 = all cores); results do not depend on it.
    rankings : bool, default False
        Also return every method's ranking and the targets in ``attrs``.
    scorer : callable, optional
        ``scorer(member_id, peer_id) -> float`` (higher is better), used by
        ``engage_right`` instead of the reference score over every eligible
        peer one stage right (ties by peer id). Called with the GIL held, so
        it is slow on large communities; the C++ hook for ranking models is
        ``evaluate_options::scorer``.

    Returns
    -------
    DataFrame
        One row per method (index ``method``), with for every metric of
        ``attrs["metrics"]`` (``hit@k``, ``recall@k``, ``ndcg@k`` for every
        k, then ``mrr``) its mean over the evaluated members and the
        interval bounds ``<metric>_low`` and ``<metric>_high``, then
        ``coverage`` (share of the eligible peers in at least one top-K
        list), ``gini`` (of the top-K appearances over the eligible peers)
        and ``eligible_peers``. ``attrs`` holds ``split_at`` and
        ``horizon_end`` (Timestamps; None without horizon),
        ``evaluated_members``, ``ceiling`` (share of the targets the hard
        rules allow at all), ``ceiling_hit`` and ``ceiling_recall`` (the best
        hit@k and recall any method under the rules can reach), the counts of
        the replay (``members``, ``members_in_replay``,
        ``members_created_later``, ``members_not_yet_staged``,
        ``interactions_before``, ``target_pairs``, ``targets``,
        ``reachable_targets``, ``window_pairs_with_new_members``), ``k``,
        ``mrr_depth``, ``bootstrap``, ``metrics``, ``baseline`` (the first
        method) and ``differences``: a DataFrame like this one of the paired
        differences (method minus baseline, same resamples). With
        ``rankings=True``: ``rankings`` (``method, member, rank, peer,
        target``) and ``targets_table`` (``member, peer, reachable``). Plot
        it with :func:`engage_right.plot_evaluation`.

    Raises
    ------
    ValueError
        Malformed input (files: ``FILE:LINE:COLUMN: ...``; frames: the row),
        an undated interaction, an unknown method, a bad ``split_at``, or no
        member with a target.

    Examples
    --------
    >>> import engage_right as er
    >>> res = er.evaluate("members.csv", "interactions.csv", "80%")  # doctest: +SKIP
    >>> res[["hit@5", "hit@5_low", "hit@5_high"]]                     # doctest: +SKIP
    >>> res.attrs["ceiling"], res.attrs["differences"]["hit@5"]      # doctest: +SKIP
    >>> er.plot_evaluation(res)                                       # doctest: +SKIP
    """
    j = _journey_arg(journey)
    ks = _cutoffs(k)
    names = _method_list(methods)
    if horizon_days is None:
        horizon = _math.inf
    else:
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, float, _np.integer, _np.floating)):
            raise TypeError(f"horizon_days must be a number, got {type(horizon_days).__name__}")
        horizon = float(horizon_days)
    depth = _whole(mrr_depth, "mrr_depth")
    resamples = _whole(bootstrap, "bootstrap")
    seed_value = _whole(seed, "seed")
    thread_count = _whole(threads, "threads")
    if scorer is not None and not callable(scorer):
        raise TypeError(f"scorer must be callable, got {type(scorer).__name__}")
    inp = _input(members, interactions, stages, j)
    t = _split_seconds(split_at, inp)
    d = _core.evaluate(
        inp,
        j,
        t,
        horizon,
        ks,
        names,
        None if weights is None else dict(weights),
        min_satisfaction,
        bool(allow_existing),
        depth,
        resamples,
        seed_value,
        thread_count,
        bool(rankings),
        scorer,
        _stage_gap_arg(stage_gap, j),
        _ranking._model_arg(model),
        _ranking._content_arg(content),
    )
    return _frames_of(d, bool(rankings))
