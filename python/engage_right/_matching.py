"""Who meets whom: match() on a community, assign() on your own values
(docs/matching.md)."""

from __future__ import annotations

import os as _os
from collections.abc import Mapping
from typing import Any, Optional

import numpy as _np
import pandas as _pd

from . import _core, _ranking
from ._community import Community
from ._frames import _as_of_seconds, _is_path, _time_seconds
from ._journey import _stage_gap_arg

MATCH_COLUMNS = list(_core.columns["match"])
UNMATCHED_COLUMNS = list(_core.columns["unmatched"])


def _pair_frame(data: Any, what: str, with_time: bool) -> tuple:
    """member/peer (and timestamp) columns of a pairs argument: a DataFrame
    or a list of tuples (files are read in C++, see match())."""
    if data is None:
        return None, None, None
    if not isinstance(data, _pd.DataFrame):
        rows = list(data)
        names = ["member", "peer", "timestamp"] if with_time else ["member", "peer"]
        data = _pd.DataFrame([tuple(r) for r in rows], columns=names[: len(rows[0])] if rows else names)
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


def match(
    community: Community,
    *,
    per_member: int = 1,
    method: str = "optimal",
    candidates: int = 50,
    history: Any = None,
    cooldown_days: float = 90.0,
    continuity_bonus: float = 0.0,
    as_of: Any = None,
    blocked: Any = None,
    spread: float = 0.0,
    weights: Optional[Mapping[str, float]] = None,
    min_satisfaction: Optional[int] = None,
    allow_existing: bool = False,
    threads: int = 0,
    reasons: bool = True,
    with_unmatched: bool = False,
    stage_gap: Any = (1, 1),
    model: Any = None,
    content: Any = None,
):
    """Who meets whom: a capacity-aware plan (docs/matching.md).

    Every member gets up to `per_member` peers one stage to the right (or
    within `stage_gap`), every peer takes at most its capacity, and the hard
    rules always hold.

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
    weights, min_satisfaction, allow_existing, threads, stage_gap
        As for :func:`recommend`. Under a gap wider than ``(1, 1)``, seekers
        of different stages compete for the same peers' seats.
    reasons : bool, default True
        Build the one-sentence reason of every pair.
    with_unmatched : bool, default False
        Also return the members who got fewer peers than `per_member`.
    model : RankingModel or path to model.json, optional
        Score pairs by a learned model (:func:`fit_ranking`): ``score`` is
        the model's probability; `as_of` is also "now" for its activity
        features (default: the latest dated contact).
    content : path or DataFrame, optional
        ``content.csv``, for a model that uses ``co_participation``.

    Returns
    -------
    DataFrame, or (DataFrame, DataFrame) with ``with_unmatched=True``
        Pairs with columns ``member, member_stage, peer, peer_stage, score,
        channel, reason`` (the CLI's), in member order; ``attrs`` hold
        ``total_score``, ``total_value`` (score + bonus - seat costs, the
        maximised objective), ``candidate_pairs`` and ``method``. The second
        frame has ``member, member_stage, matched, reason`` with reason
        ``no_eligible_peer``, ``no_positive_score`` or ``capacity_exhausted``.

    Raises
    ------
    ValueError
        Bad options or pairs: for `history` and `blocked` files the message
        is the CLI's, ``FILE:LINE:COLUMN: what was expected``; for frames
        and lists it names the row.
    """
    if not isinstance(community, Community):
        raise TypeError(f"community: expected an engage_right.Community, got {type(community).__name__}")
    if method not in ("optimal", "stable", "greedy"):
        raise ValueError(f"method: expected 'optimal', 'stable' or 'greedy', got {method!r}")
    if int(per_member) < 1:
        raise ValueError(f"per_member must be at least 1, got {per_member}")
    if int(candidates) < 0:
        raise ValueError(f"candidates must be >= 0, got {candidates}")
    history_file = _os.fspath(history) if _is_path(history) else None
    blocked_file = _os.fspath(blocked) if _is_path(blocked) else None
    hm, hp, ht = _pair_frame(None if history_file else history, "history", True)
    bm, bp, _ = _pair_frame(None if blocked_file else blocked, "blocked", False)
    gap = _stage_gap_arg(stage_gap, community._c.journey)
    out = _core.match(
        community._c,
        int(per_member),
        method,
        int(candidates),
        None if weights is None else dict(weights),
        min_satisfaction,
        bool(allow_existing),
        int(threads),
        hm,
        hp,
        ht,
        float(cooldown_days),
        float(continuity_bonus),
        _as_of_seconds(as_of),
        bm,
        bp,
        float(spread),
        bool(reasons),
        history_file,
        blocked_file,
        gap,
        _ranking._scorer(community, model, content, as_of),
    )
    pairs = _pd.DataFrame({name: out["pairs"][name] for name in MATCH_COLUMNS})
    pairs["score"] = pairs["score"].astype(float)
    pairs.attrs.update(
        total_score=float(out["total_score"]),
        total_value=float(out["total_value"]),
        candidate_pairs=int(out["candidate_pairs"]),
        method=method,
    )
    if not with_unmatched:
        return pairs
    unmatched = _pd.DataFrame({name: out["unmatched"][name] for name in UNMATCHED_COLUMNS})
    unmatched["matched"] = unmatched["matched"].astype(_np.int64)
    return pairs, unmatched


def assign(
    values: Any,
    capacity: Any = None,
    *,
    per_row: int = 1,
    method: str = "optimal",
    spread: float = 0.0,
    dense: Optional[bool] = None,
) -> tuple:
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
    chosen = _core.solve_matching(
        int(n_rows),
        cap.astype(_np.uint32),
        r.astype(_np.uint32),
        c.astype(_np.uint32),
        v.astype(float),
        int(per_row),
        method,
        float(spread),
    )
    rows, cols = r[chosen].astype(_np.int64), c[chosen].astype(_np.int64)
    order = _np.lexsort((cols, rows))
    return rows[order], cols[order]
