"""Uplift from history: does a contact one stage to the right help members
advance, and by how much (docs/uplift.md)? The Python form of
``engage-right learn``, and the logistic regression behind it."""

from __future__ import annotations

import os as _os
from collections.abc import Sequence
from typing import Any, NamedTuple, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core
from ._frames import (
    _as_of_seconds,
    _data_column,
    _is_path,
    _required_frame,
    _text_cells,
    _time_seconds,
    _timestamp_of,
)
from ._journey import _journey_arg

__all__ = ["estimate_uplift", "logistic_regression", "LogitResult", "UPLIFT_COLUMNS"]

#: Columns of :func:`estimate_uplift` (and of ``engage-right learn``), in order.
UPLIFT_COLUMNS = list(_core.columns["uplift"])


class LogitResult(NamedTuple):
    """A fitted logistic regression (see :func:`logistic_regression`)."""

    params: _np.ndarray  #: coefficients, one per column of X
    bse: _np.ndarray  #: standard errors, sqrt(diag(cov))
    cov: _np.ndarray  #: inverse Fisher information at params
    llf: float  #: log-likelihood at params
    iterations: int  #: Newton steps taken
    converged: bool  #: the coefficients settled
    separation: bool  #: the outcome is (quasi-)separated: coefficients diverge


def logistic_regression(X: Any, y: Any, *, max_iterations: int = 100, tolerance: float = 1e-10) -> LogitResult:
    """Maximum-likelihood logistic regression by Newton's method (IRLS) with
    step halving, in C++ (Eigen); the GIL is released while fitting.

    Parameters
    ----------
    X : array_like, shape (n, p)
        Design matrix; add a column of ones for an intercept (no constant is
        added). A DataFrame is taken by its values.
    y : array_like, shape (n,)
        Outcomes in [0, 1] (usually 0/1 or bool).
    max_iterations : int, default 100
        Newton steps at most.
    tolerance : float, default 1e-10
        Converged when every coefficient moves less than
        ``tolerance * (1 + |coefficient|)`` in a step.

    Returns
    -------
    LogitResult
        ``params``, ``bse``, ``cov`` (inverse Fisher information
        ``(X' W X)^-1``), ``llf``, ``iterations``, ``converged``,
        ``separation``. The same numbers as statsmodels
        ``Logit(y, X).fit()``. Separation or non-convergence do not raise:
        check ``converged`` and ``separation``.

    Raises
    ------
    ValueError
        Sizes differ, a value is not finite, ``y`` is outside [0, 1], or X
        does not have full column rank.

    Examples
    --------
    >>> import numpy as np, engage_right as er
    >>> X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    >>> r = er.logistic_regression(X, [0, 1, 0, 1, 1, 0])
    >>> round(float(r.params[1]), 4)   # log odds ratio: ln((2/1) / (1/2))
    1.3863
    """
    Xa = _np.asarray(X.to_numpy(dtype=float) if isinstance(X, _pd.DataFrame) else X, dtype=float)
    ya = _np.asarray(y.to_numpy(dtype=float) if isinstance(y, (_pd.Series, _pd.DataFrame)) else y, dtype=float)
    if Xa.ndim == 1:
        Xa = Xa.reshape(-1, 1)
    if Xa.ndim != 2:
        raise ValueError(f"X must be two-dimensional, got {Xa.ndim} dimensions")
    ya = ya.reshape(-1) if ya.ndim == 2 and 1 in ya.shape else ya
    if ya.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {ya.shape}")
    if isinstance(max_iterations, bool) or int(max_iterations) != max_iterations or max_iterations < 1:
        raise ValueError(f"max_iterations must be an integer >= 1, got {max_iterations!r}")
    if not (float(tolerance) > 0):
        raise ValueError(f"tolerance must be > 0, got {tolerance!r}")
    d = _core.logistic_regression(
        _np.asfortranarray(Xa), _np.ascontiguousarray(ya), int(max_iterations), float(tolerance)
    )
    return LogitResult(
        _np.asarray(d["params"]),
        _np.asarray(d["bse"]),
        _np.asarray(d["cov"]),
        float(d["llf"]),
        int(d["iterations"]),
        bool(d["converged"]),
        bool(d["separation"]),
    )


def _origin_seconds(origin: Any) -> Optional[float]:
    try:
        return _as_of_seconds(origin)
    except (TypeError, ValueError) as e:
        raise type(e)(str(e).replace("as_of", "origin", 1)) from None


def _covariate_list(covariates: Union[str, Sequence[str]]) -> list:
    items = [covariates] if isinstance(covariates, str) else list(covariates)
    for c in items:
        if not isinstance(c, str):
            raise TypeError(f"covariates must be names (str), got {type(c).__name__}")
    return list(_core.parse_covariates(",".join(items)))


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, _np.integer, _np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    if not (_np.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return v


def _history(interactions: Any, stages: Any, members: Any, j: _core.Journey) -> _core.UpliftHistory:
    """The history, from files (read in C++) or frames (turned into columns
    for the C++ builders, which check them with the files' rules)."""
    h = _core.UpliftHistory()
    if _is_path(stages):
        h.read_stages(_os.fspath(stages), j)
    else:
        df = _required_frame(stages, "stages", ("member", "stage", "timestamp"))
        seconds = _time_seconds(df["timestamp"].reset_index(drop=True), "stages")
        h.add_stages(_text_cells(df["member"]), _text_cells(df["stage"]), seconds, j, "stages")
    if _is_path(interactions):
        h.read_interactions(_os.fspath(interactions))
    else:
        df = _required_frame(interactions, "interactions", ("source", "target", "timestamp"))
        seconds = _time_seconds(df["timestamp"].reset_index(drop=True), "interactions")
        sources, targets = _text_cells(df["source"]), _text_cells(df["target"])
        h.add_contacts(sources, targets, _data_column(df, "weight"), seconds, "interactions")
    if members is None:
        return h
    if _is_path(members):
        h.read_activity(_os.fspath(members), j)
        return h
    df = _required_frame(members, "members", ("id",))
    h.set_activity(_text_cells(df["id"]), _data_column(df, "activity"), j)
    return h


def estimate_uplift(
    interactions: Any,
    stages: Any,
    *,
    journey: Any = None,
    window_days: float = 30,
    origin: Any = None,
    covariates: Union[str, Sequence[str]] = (),
    members: Any = None,
    round_days: Optional[float] = None,
) -> _pd.DataFrame:
    """Uplift from history, per step of the journey; the Python form of
    ``engage-right learn`` (docs/uplift.md).

    Members at stage ``s`` are followed in windows ``[origin + k W,
    origin + (k+1) W)`` of ``W = window_days``. A window counts for step
    ``s -> s+1`` when the member's stage at its start is ``s``; it is
    *treated* when the member had at least one interaction (either direction)
    with someone then at ``s+1`` before advancing, and its outcome is entering
    any later stage within the window. Windows ending after the data are
    dropped. A logistic regression of the outcome on ``[1, treated,
    covariates...]`` per step gives the odds ratio, and the implied ``lift``:
    the extra cumulative hazard of advancing per contact, as
    ``er.simulate`` takes it. The GIL is released during the computation.

    Parameters
    ----------
    interactions : DataFrame or path
        ``interactions.csv`` or a frame with ``source``, ``target``,
        ``timestamp`` (every row needs one) and optional ``weight`` (checked,
        otherwise ignored: a row is one contact). Ids are compared as text.
    stages : DataFrame or path
        ``stages.csv`` (``member,stage,timestamp``: the member entered the
        stage then), e.g. from :func:`engage_right.stage_history`. Stage
        names are resolved against the journey, ignoring case.
    journey : Journey, preset name, path or dict, optional
        Default: the ``engage_right`` preset.
    window_days : float, default 30
        Window length in days.
    origin : None, number, str, datetime or Timestamp, optional
        Start of the window grid (unix seconds, ISO-8601 or a datetime;
        naive = UTC). Default: the earliest stage entry.
    covariates : str or sequence of str, default ()
        Extra regressors: ``"contacts"`` (number of contacts at ``s+1`` in
        the window) and/or ``"activity"`` (from ``members``).
    members : DataFrame or path, optional
        ``members.csv`` (or a frame with ``id`` and ``activity``) for the
        ``activity`` covariate.
    round_days : float, optional
        The simulator's round length in days: also report ``base_round``,
        and give ``attrs["params"]`` per round of this length (default: per
        window).

    Returns
    -------
    DataFrame
        One row per step with the columns of :data:`UPLIFT_COLUMNS`:
        ``from``, ``to`` (stage names), counts (``windows``, ``members``,
        ``treated``, ``advanced``, ``treated_advanced``), ``base_rate`` and
        ``treated_rate`` (advance rates of untreated and treated windows),
        ``mean_contacts`` (in treated windows), ``odds_ratio`` with its 95%
        Wald interval and ``p_value``, ``base`` (hazard per window without
        contact) and ``base_round``, ``lift`` with its 95% delta-method
        interval, ``converged`` and ``status`` (``ok``, ``no_windows``,
        ``no_treated``, ``all_treated``, ``rank_deficient``, ``separation``,
        ``not_converged``; model-based numbers are NaN unless ``ok``).
        ``attrs`` holds ``origin``, ``data_end`` (Timestamps),
        ``window_days`` and ``self_contacts`` (ignored rows), and the
        simulation parameters learned: ``params``, ``{"base": [...],
        "lift": [...]}`` with one value per step, ``base`` per round of
        `round_days` (per window without it), the same numbers as the file
        that ``engage-right learn --params-out`` writes; pass it to
        :func:`engage_right.simulate` as ``params`` (add other keys to a
        copy). A missing estimate (status not ``ok``) or a negative lift is
        given as 0 and listed in ``params_warnings`` (list of str, the CLI's
        warnings; empty when every value was taken as estimated).

    Raises
    ------
    ValueError
        Malformed input (for files: ``FILE:LINE:COLUMN: ...``; for frames:
        the row), an unknown covariate, ``activity`` without members data,
        bad options.

    Examples
    --------
    >>> import engage_right as er
    >>> er.estimate_uplift("interactions.csv", "stages.csv", window_days=7)  # doctest: +SKIP
    >>> learned = er.estimate_uplift("interactions.csv", "stages.csv", round_days=7)  # doctest: +SKIP
    >>> learned.attrs["params_warnings"]                                           # doctest: +SKIP
    >>> er.simulate(community, rounds=52, params=learned.attrs["params"])          # doctest: +SKIP
    """
    j = _journey_arg(journey)
    w = _positive(window_days, "window_days")
    r_days = None if round_days is None else _positive(round_days, "round_days")
    o = _origin_seconds(origin)
    covs = _covariate_list(covariates)
    h = _history(interactions, stages, members, j)
    d = _core.estimate_uplift(h, j, w, o, covs, r_days)
    names = list(j.stages)
    df = _pd.DataFrame({c: d[c] for c in UPLIFT_COLUMNS})
    df["from"] = [names[i] for i in d["from"]]
    df["to"] = [names[i] for i in d["to"]]
    df["converged"] = df["converged"].astype(bool)
    df.attrs["origin"] = _timestamp_of(d["origin"])
    df.attrs["data_end"] = _timestamp_of(d["data_end"])
    df.attrs["window_days"] = float(d["window_days"])
    df.attrs["self_contacts"] = int(d["self_contacts"])
    df.attrs["params"] = {"base": list(d["params"]["base"]), "lift": list(d["params"]["lift"])}
    df.attrs["params_warnings"] = list(d["params_warnings"])
    return df
