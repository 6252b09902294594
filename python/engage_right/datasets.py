"""Real community exports in: a Stack Exchange data dump or a thread/reply
export becomes the engage-right tables (members, interactions, events,
content, stages) and a journey, as DataFrames, and can be written as the
CSV files of the CLI's ``engage-right import`` (docs/import.md).

The C++ library does the work (streaming the dump's XML, aggregating,
writing); this module converts DataFrames to columns and back.

Examples
--------
>>> import engage_right as er
>>> qc = er.datasets.from_stackexchange("dump/", as_of="2018-06-01")  # doctest: +SKIP
>>> qc.members.stage.value_counts()                                   # doctest: +SKIP
>>> qc.write("qc-2018-06")                                            # doctest: +SKIP
"""

from __future__ import annotations

import os as _os
from typing import Any, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core
from ._frames import PathLike, _as_of_seconds, _data_cells, _is_path, _missing_mask, _text_cells
from ._journey import Journey, _journey_arg

__all__ = ["ImportedCommunity", "from_stackexchange", "from_threads", "TABLES"]

#: The tables of an import, in the order of the files.
TABLES = ("members", "interactions", "events", "content", "stages")


def _frame(columns: dict, kinds: dict) -> _pd.DataFrame:
    """A table of the C++ result as a DataFrame: text as str (a column
    with no value at all as float NaN), integers as int64 (nullable Int64
    when a cell is empty), reals as float64, times as UTC datetimes."""
    data = {}
    for name, kind in kinds.items():
        v = columns[name]
        if kind == "text":
            if all(x == "" for x in v):
                data[name] = _pd.Series(_np.full(len(v), _np.nan), dtype=float)
            else:
                data[name] = _pd.Series(v, dtype=object)
        elif kind == "coded":  # codes into labels (member ids, stage and action names)
            codes, missing, labels = v
            texts = _np.empty(len(labels) + 1, dtype=object)
            texts[: len(labels)] = labels
            texts[len(labels)] = ""
            picked = texts[_np.where(missing, len(labels), codes)]
            data[name] = (
                _pd.Series(picked, dtype=object)
                if len(labels) and not missing.all()
                else _pd.Series(_np.full(len(codes), _np.nan), dtype=float)
            )
        elif kind == "real":
            data[name] = _pd.Series(v, dtype=float)
        elif kind == "integer":
            values, missing = v
            if missing.any():
                data[name] = _pd.Series(_pd.arrays.IntegerArray(values, missing))
            else:
                data[name] = _pd.Series(values, dtype="int64")
        else:  # time, milliseconds since 1970 (UTC)
            values, missing = v
            ts = _pd.to_datetime(values, unit="ms", utc=True)
            data[name] = _pd.Series(ts).where(~missing, _pd.NaT)
    return _pd.DataFrame(data)


class ImportedCommunity:
    """The result of an import: one DataFrame per file, the journey, the
    warnings and a summary.

    Attributes
    ----------
    members, interactions, events, content, stages : DataFrame
        The tables of ``members.csv``, ``interactions.csv``, ``events.csv``,
        ``content.csv`` and ``stages.csv`` (columns as in docs/import.md;
        times as UTC datetimes).
    journey : Journey
        The journey of ``journey.json``: the stages imported into, with lead
        scoring over the actions that occur in ``events``.
    warnings : list of str
        What an optional input missing or a dropped row loses.
    counts : dict of str to int
        Rows read per input file, members per stage, rows written.
    """

    def __init__(self, core: Any):
        self._core = core
        for name in TABLES:
            values, kinds = core.table(name)
            setattr(self, name, _frame(values, kinds))
        self.journey = Journey._of(core.journey)
        self.warnings = list(core.warnings)
        self.counts = dict(core.counts)

    def write(self, folder: PathLike) -> None:
        """Write the five CSV files and ``journey.json`` into ``folder``
        (created when missing); the bytes are those of ``engage-right
        import``.

        Parameters
        ----------
        folder : str or path
        """
        self._core.write(_os.fspath(folder))

    def frames(self) -> dict:
        """The tables as a dict ``{name: DataFrame}``, in file order."""
        return {name: getattr(self, name) for name in TABLES}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{name}={len(getattr(self, name))}" for name in TABLES)
        return f"ImportedCommunity({sizes})"


def from_stackexchange(
    dump: PathLike,
    as_of: Any = None,
    stages: Optional[str] = None,
    journey: Union[None, str, PathLike, Journey] = None,
    top_tags: int = 3,
    progress: bool = False,
) -> ImportedCommunity:
    """Import a Stack Exchange data dump.

    Parameters
    ----------
    dump : str or path
        The dump folder: ``Users`` and ``Posts`` (required), ``Comments``,
        ``Votes`` and ``Badges`` (optional; a missing one adds a warning
        naming what is lost), each as ``NAME.xml`` or as ``NAME.csv`` (the
        CSV variant, the XML attribute names as header). The XML is streamed.
    as_of : unix seconds, ISO-8601 str or datetime, optional
        Keep only what existed strictly before this time; reputations and
        scores are reconstructed as of then from the dated votes.
    stages : str, optional
        ``participation[:R]`` (default), ``reputation:T1,...,Tn``,
        ``activity`` or ``activity:C1,...,Cn`` (docs/import.md, "Stages").
    journey : Journey, preset name or path, optional
        The journey imported into (default ``engage_right``).
    top_tags : int, default 3
        Tags per member.
    progress : bool, default False
        Progress lines on standard error.

    Returns
    -------
    ImportedCommunity

    Raises
    ------
    ValueError
        Malformed input (the message names file, line and column), a missing
        ``Users`` or ``Posts`` table, or a bad option.
    """
    j = _journey_arg(journey)
    core = _core.import_stackexchange(
        _os.fspath(dump),
        as_of=_as_of_seconds(as_of),
        stages=stages,
        journey=j,
        top_tags=int(top_tags),
        progress=bool(progress),
    )
    return ImportedCommunity(core)


def _time_cells(col: _pd.Series) -> Any:
    """A time column for the C++ rules: datetimes as unix seconds (NaT =
    empty), numbers as unix seconds, anything else as text cells."""
    if _pd.api.types.is_datetime64_any_dtype(col):
        ts = _pd.to_datetime(col, utc=True)
        secs = (ts - _pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
        return _np.where(ts.isna().to_numpy(), _np.nan, secs)
    if col.dtype == object and col.map(lambda v: isinstance(v, _pd.Timestamp)).any():
        return _time_cells(_pd.to_datetime(col, utc=True))
    return _data_cells(col)


def _text_or_none(df: _pd.DataFrame, name: str) -> Optional[list]:
    if name not in df.columns:
        return None
    col = df[name]
    if name == "tags" and col.dtype == object:
        return [
            ";".join(str(t) for t in v) if isinstance(v, (list, tuple, set, _np.ndarray)) else ("" if m else str(v))
            for v, m in zip(col.tolist(), _missing_mask(col).tolist())
        ]
    return _text_cells(col)


def from_threads(
    posts: Union[_pd.DataFrame, PathLike],
    members: Union[None, _pd.DataFrame, PathLike] = None,
    as_of: Any = None,
    stages: Optional[str] = None,
    journey: Union[None, str, PathLike, Journey] = None,
    top_tags: int = 3,
    progress: bool = False,
) -> ImportedCommunity:
    """Import a thread/reply export (Discourse, Slack, Discord, IRC, mailing
    lists): one row per post.

    Parameters
    ----------
    posts : DataFrame or path of posts.csv
        ``post_id``, ``author`` ("" or missing: unknown author), ``created``
        (unix seconds, ISO-8601 or datetimes) and ``parent_id`` and/or
        ``thread_id`` (a reply without ``parent_id`` answers the first post
        of its thread); optional ``tags`` (``"a;b"`` or lists) and ``score``.
    members : DataFrame or path of members.csv, optional
        ``id`` and optionally ``created`` and ``reputation``: members without
        posts and account creation times.
    as_of, stages, journey, top_tags, progress
        As for :func:`from_stackexchange`; ``stages`` defaults to
        ``activity``.

    Returns
    -------
    ImportedCommunity

    Raises
    ------
    ValueError
        A bad cell (the message names the 0-based row, or file:line:column
        for files), a duplicate post id, replies that loop, a bad option.
    """
    j = _journey_arg(journey)
    opts = dict(as_of=_as_of_seconds(as_of), stages=stages, journey=j, top_tags=int(top_tags), progress=bool(progress))
    if _is_path(posts):
        if members is not None and not _is_path(members):
            raise TypeError("from_threads: with posts as a file, members must be a file too (or None)")
        core = _core.import_threads_files(_os.fspath(posts), None if members is None else _os.fspath(members), **opts)
        return ImportedCommunity(core)
    if not isinstance(posts, _pd.DataFrame):
        raise TypeError(f"from_threads: posts must be a DataFrame or a path, got {type(posts).__name__}")
    df = posts.rename(columns=lambda c: str(c).strip().lower())
    for col in ("post_id", "author", "created"):
        if col not in df.columns:
            raise ValueError(f"posts: missing column '{col}' (columns: {', '.join(map(str, df.columns))})")
    if "parent_id" not in df.columns and "thread_id" not in df.columns:
        raise ValueError("posts: missing column 'parent_id' or 'thread_id': replies need one")
    member_cols = None
    if members is not None:
        if _is_path(members):
            raise TypeError("from_threads: with posts as a DataFrame, members must be a DataFrame too (or None)")
        md = members.rename(columns=lambda c: str(c).strip().lower())
        if "id" not in md.columns:
            raise ValueError("members: missing column 'id'")
        member_cols = {"id": _text_cells(md["id"])}
        if "created" in md.columns:
            member_cols["created"] = _time_cells(md["created"])
        if "reputation" in md.columns:
            member_cols["reputation"] = _data_cells(md["reputation"])
    core = _core.import_threads(
        _text_cells(df["post_id"]),
        _text_cells(df["author"]),
        _text_or_none(df, "parent_id"),
        _text_or_none(df, "thread_id"),
        _time_cells(df["created"]),
        _text_or_none(df, "tags"),
        _data_cells(df["score"]) if "score" in df.columns else None,
        members=member_cols,
        **opts,
    )
    return ImportedCommunity(core)
