"""Lead scoring and stage inference: lead_scores, infer_stages,
stage_history, write_stage_history."""

from __future__ import annotations

import os as _os
import re as _re
from collections.abc import Sequence
from typing import Any, Optional

import numpy as _np
import pandas as _pd

from . import _core
from ._frames import (
    _CSV_SPACES,
    PathLike,
    _as_of_seconds,
    _data_cells,
    _datetimes_of,
    _factorize,
    _is_path,
    _lower_columns,
    _member_cells,
    _text_cells,
    _threads_arg,
    _time_seconds,
    _timestamp_of,
    _uniques_as_text,
)
from ._journey import _journey_arg

# DataFrames become columns for the C++ tables without a Python string per
# event: member and action columns are factorized (their few distinct values
# go to C++), member ids are resolved by the C++ id index of the member table,
# and the event table is built from numpy arrays.

LEAD_COLUMNS = list(_core.columns["lead"])
INFER_COLUMNS = [*_core.columns["infer"], "missing"]
HISTORY_COLUMNS = ["member", "stage", "timestamp"]

# A finite decimal number as members.csv accepts it for min/max fit rules.
_NUMBER_RE = _re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def _lead_members(members: Any, j: _core.Journey) -> _core.MemberTable:
    """The member table for lead scoring: members.csv read in C++ with the
    journey's lead_read_options, or a DataFrame."""
    if _is_path(members):
        return _core.MemberTable.read_csv(_os.fspath(members), j)
    if not isinstance(members, _pd.DataFrame):
        raise TypeError(f"members must be a DataFrame or a path to members.csv, got {type(members).__name__}")
    df = _lower_columns(members, "members")
    if "id" not in df.columns:
        raise ValueError("members: missing required column 'id'")
    cells = _member_cells(df, None, stage="stage" in df.columns)
    cfg = _core.lead_columns(j)
    extra = {name: _text_cells(df[name]) for name in cfg["text_columns"] if name in df.columns}
    return _core.MemberTable._from_columns(j, cells, extra)


def _lead_events(events: Any, mt: _core.MemberTable, j: _core.Journey, skip_unknown_members: bool) -> _core.EventTable:
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
    lookup = _np.append(mt._rows_of(ids), -2)  # code -1 (missing) -> -2
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
            raise ValueError(
                f"events row {i}: member: unknown member id {ids[codes[i]]!r} (not in the members; "
                "skip_unknown_members=True drops such events)"
            )
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
    # Values: numbers, or text cells read by the C++ builder with the
    # events.csv rule.
    values = _data_cells(kept(df["value"])) if "value" in df.columns else None
    if isinstance(values, _np.ndarray):
        values = _np.ascontiguousarray(values, dtype=float)
    # The C++ builder checks the rest (per_value actions need a value) and
    # names the frame's row.
    return _core.EventTable._from_columns(
        mt, j, rows.astype(_np.uint32), _np.asarray(acodes).astype(_np.uint32), names, seconds, values, skipped, origin
    )


def _lead_inputs(
    members: Any, events: Any, journey: Any, as_of: Any, skip_unknown_members: bool, threads: int, inference: bool
) -> tuple:
    j = _journey_arg(journey)
    t = _as_of_seconds(as_of)
    n_threads = _threads_arg(threads)
    if inference:
        _core.check_inference(j)
    mt = _lead_members(members, j)
    ev = _lead_events(events, mt, j, skip_unknown_members)
    return j, t, n_threads, mt, ev


def _set_lead_attrs(
    df: _pd.DataFrame, as_of: float, ev: _core.EventTable, findings: Optional[dict] = None
) -> _pd.DataFrame:
    df.attrs["as_of"] = _timestamp_of(as_of)
    df.attrs["skipped_unknown_members"] = int(ev.skipped_unknown_members)
    if findings is not None:
        # The CLI's warning lines: small whatever the data (members are
        # summed up per stage), as attrs are copied with every operation.
        df.attrs["findings"] = list(findings["summary"])
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
        ``attrs["skipped_unknown_members"]``) instead of raising.
    check : bool, default True
        Also check the journey against the data (:func:`check_journey`) and
        keep the findings in ``attrs["findings"]``: a list of lines, the
        warnings ``engage-right score`` prints (empty when there is nothing
        to report; members recorded beyond their reach are summed up per
        stage, :func:`check_journey` lists each one)."""


def lead_scores(
    members: Any,
    events: Any,
    journey: Any = None,
    *,
    as_of: Any = None,
    skip_unknown_members: bool = False,
    threads: int = 0,
    check: bool = True,
) -> _pd.DataFrame:
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
        `as_of`); ``attrs["skipped_unknown_members"]`` the events dropped;
        ``attrs["findings"]`` the journey check's lines (with `check`).

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
    findings = _core.check_journey(j, mt, ev, t, n_threads, True) if check else None
    return _set_lead_attrs(df, r["as_of"], ev, findings)


def _names_of(index: _np.ndarray, names: Sequence[str]) -> _np.ndarray:
    """Stage names of stage indexes; -1 and indexes past the end -> None."""
    table = _np.array(list(names) + [None], dtype=object)
    idx = _np.asarray(index, dtype=_np.int64)
    idx = _np.where((idx < 0) | (idx >= len(names)), len(names), idx)
    return table[idx]


def infer_stages(
    members: Any,
    events: Any,
    journey: Any = None,
    *,
    as_of: Any = None,
    skip_unknown_members: bool = False,
    threads: int = 0,
    check: bool = True,
) -> _pd.DataFrame:
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
        ``attrs["as_of"]``, ``attrs["skipped_unknown_members"]`` and
        ``attrs["findings"]`` as in :func:`lead_scores` (the check reuses
        this inference).

    Raises
    ------
    ValueError
        As :func:`lead_scores`; also when a stage after the first has no
        rule (the message names ``$.stage_rules.<stage>``).
    """
    j, t, n_threads, mt, ev = _lead_inputs(members, events, journey, as_of, skip_unknown_members, threads, True)
    r = _core.infer_stages(mt, ev, j, t, n_threads, True, bool(check))
    names = list(j.stages)
    stage = _np.asarray(r["stage"], dtype=_np.int64)
    df = _pd.DataFrame(
        {
            "member": mt._ids(),
            "recorded_stage": _names_of(mt._recorded_stage(), names),
            "stage": _names_of(stage, names),
            "fit": r["fit"],
            "engagement": r["engagement"],
            "total": r["total"],
            "next_stage": _names_of(stage + 1, names),
            "next_milestone": r["next_milestone"],
            "missing": r["missing"],
        }
    )
    return _set_lead_attrs(df, r["as_of"], ev, r.get("findings"))


def stage_history(
    members: Any,
    events: Any,
    journey: Any = None,
    *,
    as_of: Any = None,
    skip_unknown_members: bool = False,
    threads: int = 0,
    path: Optional[PathLike] = None,
    check: bool = True,
) -> _pd.DataFrame:
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
    r = _core.infer_stages(mt, ev, j, t, n_threads, False, bool(check))
    ids = _np.array(mt._ids(), dtype=object)
    df = _pd.DataFrame(
        {
            "member": ids[_np.asarray(r["history_member"], dtype=_np.int64)],
            "stage": _names_of(r["history_stage"], list(j.stages)),
            "timestamp": _datetimes_of(r["history_timestamp"]),
        }
    )
    _set_lead_attrs(df, r["as_of"], ev, r.get("findings"))
    if path is not None:
        write_stage_history(df, path)
    return df


for _f in (lead_scores, infer_stages, stage_history):
    if _f.__doc__ is not None:  # None under python -OO
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
