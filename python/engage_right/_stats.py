"""Net Promoter Score and funnel health: nps() and funnel()."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import numpy as _np
import pandas as _pd

from . import _core
from ._community import Community
from ._frames import _data_cells, _data_column, _id_cells, _lower_columns
from ._journey import _journey_arg, _stage_gap_arg

NPS_COLUMNS = list(_core.columns["nps"])
FUNNEL_COLUMNS = [*_core.columns["funnel_stage"], "next_stage", *_core.columns["funnel_step"]]


def nps(data: Any, by: Optional[str] = "stage", *, journey: Any = None) -> _pd.DataFrame:
    """Net Promoter Score: promoters answer 9-10, passives 7-8, detractors
    0-6 to "how likely are you to recommend us"; NPS = 100 * (promoters -
    detractors) / responses.

    Parameters
    ----------
    data : Community, DataFrame, Series or array
        A community; a members DataFrame with a ``satisfaction`` column
        (integers 0-10, missing = unknown) and, for ``by="stage"``, a
        ``stage`` column; or the satisfactions themselves (then `by` must be
        None).
    by : "stage" or None, default "stage"
        One row per stage of the journey, in journey order, then ``"(all)"``;
        None: the ``"(all)"`` row only.
    journey : Journey, preset name, path or dict, optional
        The stages of a members DataFrame (default: the ``engage_right``
        preset). A Community brings its own journey.

    Returns
    -------
    DataFrame
        Index: stage names and ``"(all)"``; columns ``promoters, passives,
        detractors, unknown, responses`` (int) and ``nps`` (float, NaN
        without responses).

    Raises
    ------
    ValueError
        A satisfaction outside 0-10 or not an integer, an unknown or missing
        stage (naming the row), `by` other than "stage"/None.
    """
    if by not in ("stage", None):
        raise ValueError(f"by must be 'stage' or None, got {by!r}")
    groups = None
    names: list = []
    if isinstance(data, Community):
        if journey is not None:
            raise ValueError("journey: a Community has its own journey; do not pass one")
        sat = _np.asarray(data._c._satisfaction(), dtype=_np.int8)
        if by == "stage":
            names = data.journey.stages
            groups = _np.asarray(data._c._stage_index(), dtype=_np.int64)
    elif isinstance(data, _pd.DataFrame):
        df = _lower_columns(data, "members")
        if "satisfaction" not in df.columns:
            raise ValueError("members: missing column 'satisfaction'")
        if by == "stage" and "stage" not in df.columns:
            raise ValueError("members: missing column 'stage' (needed for by='stage'; use by=None for one row)")
        j = _journey_arg(journey)
        stages = _id_cells(df["stage"]) if by == "stage" else None
        sat, groups = _core._nps_columns(j, _data_column(df, "satisfaction"), stages, len(data))
        if by == "stage":
            names = list(j.stages)
    else:
        if by is not None:
            raise ValueError("by must be None when data is a Series or array of satisfactions")
        if isinstance(data, (str, bytes, Mapping)):
            raise TypeError(f"data must be a Community, a DataFrame or satisfactions, got {type(data).__name__}")
        col = data if isinstance(data, _pd.Series) else _pd.Series(data)
        sat, _ = _core._nps_columns(_journey_arg(journey), _data_cells(col), None, len(col))
    counts, score = _core.nps_groups(sat, groups, len(names) if groups is not None else 0)
    index = (list(names) if groups is not None else []) + ["(all)"]
    df = _pd.DataFrame(counts, columns=NPS_COLUMNS[:5], index=_pd.Index(index, name="stage")).astype(_np.int64)
    df["nps"] = _np.asarray(score, dtype=float)
    return df


def funnel(
    community: Community,
    *,
    min_satisfaction: Optional[int] = None,
    allow_existing: bool = False,
    stage_gap: Any = (1, 1),
) -> _pd.DataFrame:
    """Funnel health: members and NPS per stage, and for every step the
    seekers (members who want a peer) against the seats (sum of the
    capacities of eligible peers); the Python form of ``engage-right stats``.

    Parameters
    ----------
    community : Community
    min_satisfaction : int, optional
        Peers with a known satisfaction below this are not eligible (0-11;
        default: the journey's, 7).
    allow_existing : bool, default False
        Existing contacts may be paired again (a seeker who knows every
        eligible peer then still has one).
    stage_gap : (int, int) or str, default (1, 1)
        As for :func:`recommend`: each step's seekers count the peers and
        seats of the stages MIN to MAX to the right (cut before a disabled
        step after the first), so with a wider window a peer's seats count
        for several steps.

    Returns
    -------
    DataFrame
        Index: the stages in journey order. Per stage: ``members``,
        ``share`` (of all members), ``reached`` (members at this stage or
        later), ``conversion`` (reached / reached of the previous stage; NaN
        for the first), ``promoters, passives, detractors, unknown, nps``.
        For the step leaving the stage (missing for the last stage):
        ``next_stage``, ``enabled`` (nullable bool), ``channel``,
        ``seekers``, ``seekers_without_peer``, ``peers``, ``seats``
        (nullable ints), ``seats_per_seeker`` (float, NaN without seekers),
        and ``bottleneck`` (nullable bool; True for the stage whose step is
        the bottleneck: the enabled step with seekers and the fewest seats
        per seeker, ties to the earliest). ``df[df["bottleneck"]]`` selects
        the bottleneck's row. ``attrs["bottleneck"]`` is the bottleneck as text
        (``"loyal → advocate: 1,200 seekers, 300 seats (0.25 per seeker)"``),
        ``""`` when there is none.
    """
    if not isinstance(community, Community):
        raise TypeError(f"community must be an engage_right.Community, got {type(community).__name__}")
    if min_satisfaction is not None:
        if (
            isinstance(min_satisfaction, bool)
            or int(min_satisfaction) != min_satisfaction
            or not 0 <= min_satisfaction <= 11
        ):
            raise ValueError(f"min_satisfaction must be an integer 0..11, got {min_satisfaction!r}")
        min_satisfaction = int(min_satisfaction)
    gap = _stage_gap_arg(stage_gap, community._c.journey)
    r = _core.funnel(community._c, min_satisfaction, bool(allow_existing), gap)
    stages = list(r["stage"])
    k = len(stages)
    steps = r["steps"]

    def step(key: str, dtype: Optional[str] = None):
        values = [s[key] for s in steps] + [None]
        return _pd.array(values, dtype=dtype) if dtype else values

    df = _pd.DataFrame(
        {
            "members": r["members"],
            "share": r["share"],
            "reached": r["reached"],
            "conversion": r["conversion"],
            "promoters": r["promoters"],
            "passives": r["passives"],
            "detractors": r["detractors"],
            "unknown": r["unknown"],
            "nps": r["nps"],
            "next_stage": step("to"),
            "enabled": step("enabled", "boolean"),
            "channel": step("channel"),
            "seekers": step("seekers", "Int64"),
            "seekers_without_peer": step("seekers_without_peer", "Int64"),
            "peers": step("peers", "Int64"),
            "seats": step("seats", "Int64"),
            "seats_per_seeker": _np.array([s["seats_per_seeker"] for s in steps] + [_np.nan], dtype=float),
            "bottleneck": _pd.array(
                [r["bottleneck"] is not None and i == r["bottleneck"] for i in range(k - 1)] + [None], dtype="boolean"
            ),
        },
        index=_pd.Index(stages, name="stage"),
    )
    df.attrs["bottleneck"] = r["bottleneck_text"]
    return df
