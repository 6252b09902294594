"""Checking a journey against members and events: check_journey()."""

from __future__ import annotations

import os as _os
from typing import Any

import numpy as _np
import pandas as _pd

from . import _core
from ._frames import _as_of_seconds, _factorize, _is_path, _lower_columns, _threads_arg, _uniques_as_text
from ._journey import _journey_arg
from ._lead import _lead_events, _lead_members

CHECK_COLUMNS = list(_core.columns["check"])


def _finding_frame(cols: dict) -> _pd.DataFrame:
    """The findings columns of the core as a DataFrame (columns::check)."""
    df = _pd.DataFrame({name: _pd.Series(cols[name], dtype=object) for name in CHECK_COLUMNS})
    df["count"] = _np.asarray(cols["count"], dtype=_np.int64)
    df.attrs["summary"] = list(cols["summary"])
    return df


def _event_members(events: Any, j: _core.Journey) -> _core.MemberTable:
    """Without members: the members the events name, ids only (first
    appearance order), read in C++ for a file."""
    if _is_path(events):
        return _core.MemberTable.read_event_members(_os.fspath(events))
    if not isinstance(events, _pd.DataFrame):
        raise TypeError(f"events must be a DataFrame or a path to events.csv, got {type(events).__name__}")
    df = _lower_columns(events, "events")
    if "member" not in df.columns:
        raise ValueError(f"events: missing required column 'member' (columns: {', '.join(map(str, df.columns))})")
    _, uniques = _factorize(df["member"])
    # Missing or empty ids are left to the events rule, which names the row.
    ids = [u for u in _uniques_as_text(uniques) if u != ""]
    return _core.MemberTable._from_ids(j, ids)


def check_journey(
    journey: Any,
    members: Any = None,
    events: Any = None,
    *,
    as_of: Any = None,
    skip_unknown_members: bool = False,
    threads: int = 0,
) -> _pd.DataFrame:
    """Check a journey against its data: names that never occur, actions it
    ignores, stages nobody can reach, members recorded beyond their reach
    (docs/journey.md, "Checking a journey"); the Python form of
    ``engage-right check``.

    Parameters
    ----------
    journey : Journey, preset name, path or dict
        The journey to check.
    members : DataFrame or path, optional
        ``members.csv`` or a DataFrame, as for :func:`lead_scores` (stage
        optional). With it, fit rule tags are checked, and with `events` too,
        members recorded at a stage their events never reached.
    events : DataFrame or path, optional
        ``events.csv`` or a DataFrame, as for :func:`lead_scores`. Without
        `members`, the members are those the events name, and fit points are
        taken at their most (a stage then called unreachable is unreachable
        whatever the members' attributes).
    as_of : time, optional
        As for :func:`lead_scores` (default: the latest event).
    skip_unknown_members : bool, default False
        Drop events of ids missing from `members` instead of raising.
    threads : int, default 0
        Worker threads of the stage inference (0 = all cores).

    Returns
    -------
    DataFrame
        One row per finding: ``kind`` (one of ``unknown_action``,
        ``unknown_milestone``, ``unused_action``, ``unknown_tag``,
        ``missing_rule``, ``unreachable_stage``, ``unreachable_member``),
        ``subject`` (the action, tag, stage name or member id), ``stage``
        (the stage concerned, or None), ``reachable_stage`` (for
        ``unreachable_member``: the furthest stage the member's events
        reach), ``count`` (events of an unused action, members recorded at an
        unreachable stage, events of a member; else 0) and ``message`` (the
        CLI's text). Rows are in the order of the kinds above. An empty frame
        means no findings. ``attrs["summary"]`` holds the lines the CLI
        prints as warnings (members summed up per recorded stage).

    Raises
    ------
    ValueError
        Bad input, as for :func:`lead_scores`.

    Examples
    --------
    >>> f = er.check_journey("journey.json", "members.csv", "events.csv")  # doctest: +SKIP
    >>> f[f["kind"] != "unreachable_member"]                               # doctest: +SKIP
    """
    j = _journey_arg(journey)
    t = _as_of_seconds(as_of)
    n_threads = _threads_arg(threads)
    mt = None
    attributes = True
    if members is not None:
        mt = _lead_members(members, j)
    elif events is not None:
        mt = _event_members(events, j)
        attributes = False
    if events is None and (as_of is not None or skip_unknown_members):
        raise ValueError("as_of and skip_unknown_members need events")
    ev = None if events is None else _lead_events(events, mt, j, skip_unknown_members)
    cols = _core.check_journey(j, mt, ev, t, n_threads, attributes)
    return _finding_frame(cols)
