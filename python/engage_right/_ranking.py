"""Learned ranking (docs/ranking.md): fit_ranking(), RankingModel, content."""

from __future__ import annotations

import os as _os
from typing import Any, Optional, Union

import numpy as _np
import pandas as _pd

from . import _core
from ._frames import (
    PathLike,
    _as_of_seconds,
    _data_column,
    _feature_matrix,
    _id_cells,
    _is_path,
    _member_cells,
    _tag_strings,
    _text_cells,
    _to_unix_seconds,
)
from ._journey import Journey, _journey_arg

MODEL_COLUMNS = list(_core.columns["ranking_model"])

#: The features a model can use, in design order.
RANKING_FEATURES = [
    "similarity",
    "tags",
    "proximity",
    "happiness",
    "peer_log_degree",
    "peer_activity",
    "peer_idle_days",
    "co_participation",
]


class RankingModel:
    """A fitted ranking model (``model.json``): ``P(pair interacts) =
    1 / (1 + exp(-eta))`` with ``eta = intercept + sum_j coef_j * (x_j -
    mean_j) / scale_j``.

    Get one from :func:`fit_ranking` or :meth:`load`; pass it as ``model=``
    to :func:`recommend` and :func:`match`.

    Attributes
    ----------
    design : DataFrame or None
        For a model from :func:`fit_ranking`: the training rows (``member,
        peer, label`` and one column per feature, raw values), the design
        matrix the coefficients were fitted on after standardisation.
    """

    __slots__ = ("_m", "design")

    def __init__(self, core: _core.RankingModel, design: Optional[_pd.DataFrame] = None):
        self._m = core
        self.design = design

    @classmethod
    def load(cls, path: PathLike) -> RankingModel:
        """Read ``model.json``.

        Raises
        ------
        ValueError
            A malformed file; the message names the file and the JSON path,
            e.g. ``model.json: $.coefficients[2]: expected a finite number``.
        """
        return cls(_core.RankingModel.load(_os.fspath(path)))

    @classmethod
    def from_json(cls, text: str, source: str = "model.json") -> RankingModel:
        """Parse ``model.json`` text (errors name `source` and the JSON path)."""
        return cls(_core.RankingModel.from_json(text, source))

    def save(self, path: PathLike) -> None:
        """Write ``model.json`` (docs/formats.md)."""
        self._m.save(_os.fspath(path))

    def to_json(self) -> str:
        """The ``model.json`` text."""
        return self._m.to_json()

    @property
    def features(self) -> list:
        """The model's features, in design order."""
        return list(self._m.features)

    @property
    def coefficients(self) -> _pd.Series:
        """Coefficients on the standardised scale, indexed by feature (0 for
        a feature that was constant in training)."""
        return _pd.Series(self._m.coefficients, index=self.features, name="coefficient", dtype=float)

    @property
    def intercept(self) -> float:
        """The intercept (not penalised)."""
        return float(self._m.intercept)

    @property
    def mean(self) -> _pd.Series:
        """Training means of the features."""
        return _pd.Series(self._m.mean, index=self.features, name="mean", dtype=float)

    @property
    def scale(self) -> _pd.Series:
        """Training standard deviations (population, ddof=0; 1 for a constant feature)."""
        return _pd.Series(self._m.scale, index=self.features, name="scale", dtype=float)

    @property
    def half_life_days(self) -> float:
        """Half-life of ``peer_activity``, days."""
        return float(self._m.half_life_days)

    @property
    def training(self) -> dict:
        """How the model was trained: ``split_at, window_start`` (unix
        seconds), ``horizon_days, l2, negatives, seed, members,
        active_members, samples, positives, iterations, converged,
        log_likelihood``."""
        return dict(self._m.training)

    def table(self) -> _pd.DataFrame:
        """The coefficient table of ``engage-right fit``: ``feature,
        coefficient, mean, scale`` (the first row is the intercept)."""
        rows = [("(intercept)", self.intercept, _np.nan, _np.nan)]
        rows += list(zip(self.features, self._m.coefficients, self._m.mean, self._m.scale))
        return _pd.DataFrame(rows, columns=MODEL_COLUMNS)

    def __repr__(self) -> str:
        parts = ", ".join(f"{f}={c:+.3f}" for f, c in zip(self.features, self._m.coefficients))
        return f"<engage_right.RankingModel intercept={self.intercept:+.3f} {parts}>"


def _model_arg(model: Any) -> Optional[_core.RankingModel]:
    if model is None:
        return None
    if isinstance(model, RankingModel):
        return model._m
    if _is_path(model):
        return _core.RankingModel.load(_os.fspath(model))
    raise TypeError(f"model: expected a RankingModel or a path to model.json, got {type(model).__name__}")


def _content_arg(content: Any) -> Optional[_core.Content]:
    """content.csv as a path or a DataFrame (through the C++ rules)."""
    if content is None:
        return None
    if _is_path(content):
        return _core.Content.from_csv(_os.fspath(content))
    if not isinstance(content, _pd.DataFrame):
        raise TypeError(f"content: expected a path or a DataFrame, got {type(content).__name__}")
    cols = {str(c).strip().lower(): c for c in content.columns}
    for name in ("id", "author", "kind", "parent", "created"):
        if name not in cols:
            raise ValueError(f"content: missing required column {name!r}")
    df = content.rename(columns={v: k for k, v in cols.items()})
    created = _to_unix_seconds(df["created"])
    missing = _np.flatnonzero(_np.isnan(created))
    if missing.size:
        raise ValueError(f"content row {int(missing[0])}: created: expected a time, got a missing value")
    feats = _feature_matrix(df)
    return _core.Content._from_columns(
        _id_cells(df["id"]),
        _text_cells(df["author"]),
        _text_cells(df["kind"]),
        _text_cells(df["parent"]),
        created.tolist(),
        _tag_strings(df),
        _data_column(df, "score"),
        _data_column(df, "accepted"),
        _text_cells(df["title"]) if "title" in df.columns else None,
        _text_cells(df["url"]) if "url" in df.columns else None,
        feats,
    )


def read_content(path: PathLike) -> _pd.DataFrame:
    """Read ``content.csv`` (docs/formats.md) with the library's rules.

    Returns
    -------
    DataFrame
        ``id, author, kind, parent, created, tags, thread`` (``parent`` None
        for a root; ``created`` unix seconds; ``thread`` the id of the
        thread's root item), then ``score, accepted, title, url`` when the
        file has them.

    Raises
    ------
    ValueError
        Bad input; the message reads ``FILE:LINE:COLUMN: what was expected``.
    """
    t = _core.Content.from_csv(_os.fspath(path))
    cols = t._columns()
    return _pd.DataFrame(cols)


def _history(members: Any, interactions: Any, content: Any, journey: Any) -> _core.RankingHistory:
    j = _journey_arg(journey)
    if _is_path(members) and _is_path(interactions):
        if content is None or _is_path(content):
            return _core.RankingHistory.from_csv(
                _os.fspath(members), _os.fspath(interactions), None if content is None else _os.fspath(content), j
            )
    if _is_path(members):
        members = _pd.read_csv(members, dtype=str, keep_default_na=False)
    if _is_path(interactions):
        interactions = _pd.read_csv(interactions, dtype=str, keep_default_na=False)
    for col in ("id", "stage"):
        if col not in members.columns:
            raise ValueError(f"members: missing required column {col!r}")
    for col in ("source", "target", "timestamp"):
        if col not in interactions.columns:
            raise ValueError(f"interactions: missing required column {col!r}")
    created = None
    if "created" in members.columns:
        col = members["created"]
        # Datetimes become unix seconds; numbers and text go to the C++ rule as they are.
        is_time = _pd.api.types.is_datetime64_any_dtype(col)
        created = _to_unix_seconds(col) if is_time else _data_column(members, "created")
    return _core.RankingHistory._from_columns(
        j,
        _member_cells(members, members),
        created,
        _id_cells(interactions["source"]),
        _id_cells(interactions["target"]),
        _data_column(interactions, "weight"),
        _to_unix_seconds(interactions["timestamp"]),
        _content_arg(content),
    )


def _design_frame(d: dict) -> _pd.DataFrame:
    df = _pd.DataFrame({"member": d["member"], "peer": d["peer"], "label": d["label"]})
    values = d["values"]
    for k, name in enumerate(d["features"]):
        df[name] = values[:, k]
    return df


def _fit(members, interactions, split_at, kw: dict, design_only: bool):
    t = _as_of_seconds(split_at)
    if t is None:
        raise ValueError("split_at: expected a time, got None")
    h = _history(members, interactions, kw.pop("content"), kw.pop("journey"))
    core, design = _core.fit_ranking(
        h,
        t,
        float(kw["horizon_days"]),
        float(kw["half_life_days"]),
        int(kw["negatives"]),
        float(kw["l2"]),
        int(kw["seed"]),
        kw["min_satisfaction"],
        int(kw["threads"]),
        int(kw["max_iterations"]),
        float(kw["tolerance"]),
        design_only,
    )
    return core, _design_frame(design)


def fit_ranking(
    members: Union[PathLike, _pd.DataFrame],
    interactions: Union[PathLike, _pd.DataFrame],
    split_at: Any,
    *,
    horizon_days: float = 30.0,
    content: Union[None, PathLike, _pd.DataFrame] = None,
    journey: Union[None, str, Journey] = None,
    half_life_days: float = 30.0,
    negatives: int = 50,
    l2: float = 1.0,
    seed: int = 0,
    min_satisfaction: Optional[int] = None,
    threads: int = 0,
    max_iterations: int = 100,
    tolerance: float = 1e-10,
) -> RankingModel:
    """Learn which eligible pairs go on to interact, from history before
    `split_at` (docs/ranking.md).

    Features are computed as of ``T0 = split_at - horizon_days`` from the
    contacts (and content) before T0 and the members created before T0. A
    pair is a positive when it was eligible at T0 (the hard rules) and first
    interacted in ``[T0, split_at)``; every member with a positive adds it and
    `negatives` sampled eligible pairs that did not interact. An
    L2-regularised logistic regression on the standardised features gives the
    model. Nothing at or after `split_at` is read.

    Parameters
    ----------
    members, interactions : path or DataFrame
        ``members.csv`` (an optional ``created`` column removes members who
        joined after T0) and ``interactions.csv`` with a timestamp on every row.
    split_at : time
        Unix seconds, ISO-8601 text or a datetime: the end of the labels.
    horizon_days : float, default 30
        Length of the label window.
    content : path or DataFrame, optional
        ``content.csv``: adds the ``co_participation`` feature.
    journey : Journey, preset name or path, optional
    half_life_days : float, default 30
        Half-life of ``peer_activity``.
    negatives : int, default 50
        Negatives sampled per member (seeded); 0 = every eligible pair.
    l2 : float, default 1
        Ridge penalty on the standardised coefficients; scikit-learn's
        ``LogisticRegression(C=1/l2)``. 0 = none (statsmodels ``Logit``).
    seed : int, default 0
    min_satisfaction : int, optional
        Hard rule 3 for the training pairs (default: the journey's).
    threads : int, default 0
        Worker threads (0 = all cores); the model does not depend on it.
    max_iterations, tolerance
        Newton's method: at most this many steps; converged when no
        coefficient moves by more than ``tolerance * (1 + |coef|)``.

    Returns
    -------
    RankingModel
        With ``design``, the training rows.

    Raises
    ------
    ValueError
        Bad input (naming file, line and column, or the row), bad options, an
        interaction without a timestamp, or no positive pair in the window.
    """
    kw = dict(locals())
    for k in ("members", "interactions", "split_at"):
        kw.pop(k)
    core, design = _fit(members, interactions, split_at, kw, False)
    return RankingModel(core, design)


def ranking_design(
    members: Union[PathLike, _pd.DataFrame],
    interactions: Union[PathLike, _pd.DataFrame],
    split_at: Any,
    *,
    horizon_days: float = 30.0,
    content: Union[None, PathLike, _pd.DataFrame] = None,
    journey: Union[None, str, Journey] = None,
    half_life_days: float = 30.0,
    negatives: int = 50,
    seed: int = 0,
    min_satisfaction: Optional[int] = None,
    threads: int = 0,
) -> _pd.DataFrame:
    """The training rows of :func:`fit_ranking` without the fit.

    Returns
    -------
    DataFrame
        ``member, peer, label`` and one column per feature (raw values, not
        standardised), rows by member then peer. :func:`fit_ranking`
        standardises the non-constant columns (population standard deviation)
        and fits an intercept plus one coefficient per column.
    """
    kw = dict(locals())
    for k in ("members", "interactions", "split_at"):
        kw.pop(k)
    kw.update(l2=0.0, max_iterations=1, tolerance=1.0)
    _, design = _fit(members, interactions, split_at, kw, True)
    return design


def _scorer(community: Any, model: Any, content: Any, as_of: Any) -> Optional[_core.RankingScorer]:
    """The model applied to a community (None without a model)."""
    m = _model_arg(model)
    if m is None:
        if content is not None:
            raise ValueError("content: only used with a model")
        return None
    return _core.RankingScorer(community._c, m, _as_of_seconds(as_of), _content_arg(content))


def ranking_features(
    community: Any,
    member: str,
    peer: str,
    model: Any,
    *,
    content: Union[None, PathLike, _pd.DataFrame] = None,
    as_of: Any = None,
) -> dict:
    """The feature values of one pair as a model sees them at `as_of`.

    Parameters
    ----------
    community : Community
    member, peer : str
    model : RankingModel or path
        Gives the half-life of ``peer_activity``.
    content : path or DataFrame, optional
        For ``co_participation`` (0 without).
    as_of : time, optional
        Default: the latest dated contact (or content item).

    Returns
    -------
    dict
        Feature name -> value, for every feature of :data:`RANKING_FEATURES`.
    """
    return dict(_scorer(community, model, content, as_of).features(member, peer))
