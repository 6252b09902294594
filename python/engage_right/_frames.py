"""Columns of DataFrames as the C++ tables take them, with the CSV readers'
rules where a frame has to be read in Python (missing values, numbers,
booleans, tags, features, text cells), and time conversion (unix seconds,
ISO-8601, datetimes and Timestamps)."""

from __future__ import annotations

import datetime as _dt
import math as _math
import os as _os
from collections.abc import Sequence
from typing import Any, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core

PathLike = Union[str, "_os.PathLike[str]"]


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
            raise ValueError(
                f"interactions row {i}: timestamp: expected unix seconds or ISO-8601 "
                f"(e.g. 2026-03-14T09:30:00Z), got {v!r}"
            )
        out[i] = parsed
    return out


def _tag_strings(df: _pd.DataFrame) -> Optional[list]:
    """Tags as one ';'-separated string per member (lists are joined)."""
    if "tags" not in df.columns:
        return None
    col = df["tags"]
    if col.dtype == object and col.map(lambda v: isinstance(v, (list, tuple, set, _np.ndarray))).any():
        return [
            ";".join(str(t) for t in v)
            if isinstance(v, (list, tuple, set, _np.ndarray))
            else ("" if _is_missing(v) else str(v))
            for v in col.tolist()
        ]
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


_TIME_EXPECTED = "expected unix seconds or ISO-8601 (e.g. 2026-03-14T09:30:00Z)"
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


def _seconds_of_timestamp(t: _pd.Timestamp) -> float:
    """Unix seconds of a Timestamp (naive = UTC), exact to the nanosecond."""
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    whole, rem = divmod(int(t.value), 10**9)
    return float(whole) + rem / 1e9


# Times are unix seconds in float64 inside the library: about 0.24 us of
# resolution today. Results show them rounded to the microsecond, so that
# "…00.057" comes back as .057000 rather than .056999922.
def _timestamp_of(seconds: float) -> _pd.Timestamp:
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


def _id_cells(col: _pd.Series) -> list:
    """Member ids as str, untrimmed as in the CSV files, "" where missing
    (the C++ builders refuse empty ids)."""
    return col.astype(str).where(~_missing_mask(col), "").tolist()


def _data_cells(col: _pd.Series) -> Any:
    """A column as the C++ builders take it (the rules are theirs): numbers
    as float64 (NaN = empty), anything else as text cells ("" = empty)."""
    if _pd.api.types.is_bool_dtype(col) or _pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=float, na_value=_np.nan)
    return _text_cells(col)


def _data_column(df: _pd.DataFrame, name: str) -> Any:
    """_data_cells of a column, None when absent."""
    return _data_cells(df[name]) if name in df.columns else None


def _required_frame(data: Any, what: str, needed: Sequence[str]) -> Any:
    """A DataFrame's lower-cased columns; TypeError for anything but a frame,
    ValueError naming the first missing required column."""
    if not isinstance(data, _pd.DataFrame):
        raise TypeError(f"{what} must be a DataFrame or a path to {what}.csv, got {type(data).__name__}")
    df = _lower_columns(data, what)
    for c in needed:
        if c not in df.columns:
            raise ValueError(f"{what}: missing required column {c!r} (columns: {', '.join(map(str, data.columns))})")
    return df


def _member_cells(
    df: Any, features_of: Optional[_pd.DataFrame], features: Optional[_np.ndarray] = None, stage: bool = True
) -> tuple:
    """The members columns as the C++ builders take them (the MemberCells of
    _core.pyi), in their order: id, stage (None without `stage`),
    satisfaction, capacity, opted_out, activity, tags, features (read from
    the f_* columns of `features_of`, else `features`)."""
    if features_of is not None:
        features = _feature_matrix(features_of)
    return (
        _id_cells(df["id"]),
        _id_cells(df["stage"]) if stage else None,
        _data_column(df, "satisfaction"),
        _data_column(df, "capacity"),
        _data_column(df, "opted_out"),
        _data_column(df, "activity"),
        _tag_strings(df),
        features,
    )


def _uniques_as_text(uniques: Any) -> list:
    values = uniques.to_numpy(dtype=object) if hasattr(uniques, "to_numpy") else _np.asarray(uniques, dtype=object)
    return [u if type(u) is str else str(u) for u in values.tolist()]


def _factorize(col: _pd.Series) -> tuple:
    """(codes, distinct values); code -1 = missing. Categoricals use their
    codes as they are (no pass over the rows)."""
    if isinstance(col.dtype, _pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories
    return _pd.factorize(col, use_na_sentinel=True)
