"""Plots of engage_right results (matplotlib, imported on first use).

Install the optional dependency with ``pip install engage_right[plot]``.
"""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd

from ._community import Community
from ._stats import funnel

__all__ = ["plot_funnel"]

BAR_COLOUR = "#4c72b0"
BOTTLENECK_COLOUR = "#d62728"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised with matplotlib hidden
        raise ImportError("engage_right.plot_funnel needs matplotlib: pip install engage_right[plot]") from e
    return plt


def _label(row: pd.Series) -> str:
    parts = [f"{int(row['members']):,}"]
    score = row["nps"]
    parts.append("NPS n/a" if pd.isna(score) else f"NPS {score:+.0f}")
    if not pd.isna(row.get("next_stage")):
        sps = row["seats_per_seeker"]
        parts.append("seats/seeker n/a" if pd.isna(sps) else f"seats/seeker {sps:.2f}")
    return "  ·  ".join(parts)


def plot_funnel(data: Any, ax: Optional[Any] = None):
    """Horizontal bars of the members per stage, first stage on top.

    Each bar is annotated with its member count, the stage's NPS and the
    seats per seeker of the step leaving the stage. The bar of the stage
    whose step is the bottleneck is drawn in another colour, and the title
    names the bottleneck.

    Parameters
    ----------
    data : DataFrame or Community
        A result of :func:`engage_right.funnel`, or a community (its funnel
        is computed with the default options).
    ax : matplotlib Axes, optional
        Where to draw; default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install engage_right[plot]``).
    """
    if isinstance(data, Community):
        df = funnel(data)
    elif isinstance(data, pd.DataFrame):
        df = data
        missing = [c for c in ("members", "nps", "next_stage", "seats_per_seeker", "bottleneck") if c not in df.columns]
        if missing:
            raise ValueError(f"plot_funnel: not a funnel DataFrame (missing columns {missing}); use er.funnel()")
    else:
        raise TypeError(f"plot_funnel: expected a funnel DataFrame or a Community, got {type(data).__name__}")
    plt = _pyplot()
    new_figure = ax is None
    if new_figure:
        _, ax = plt.subplots(figsize=(9, 0.6 * max(len(df), 2) + 1.2))

    stages = [str(s) for s in df.index]
    counts = [int(v) for v in df["members"]]
    flags = [False if pd.isna(v) else bool(v) for v in df["bottleneck"]]
    colours = [BOTTLENECK_COLOUR if f else BAR_COLOUR for f in flags]
    positions = list(range(len(stages)))
    ax.barh(positions, counts, color=colours)
    ax.set_yticks(positions)
    ax.set_yticklabels(stages)
    if not ax.yaxis_inverted():
        ax.invert_yaxis()  # first stage on top
    top = max(counts) if counts else 0
    for y, (_, row) in zip(positions, df.iterrows()):
        ax.annotate(
            _label(row),
            xy=(row["members"], y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=9,
        )
    ax.set_xlim(0, top * 1.8 if top > 0 else 1)
    ax.set_xlabel("members")
    text = df.attrs.get("bottleneck", "")
    if not text and any(flags):
        i = flags.index(True)
        text = f"{stages[i]} → {df['next_stage'].iloc[i]}"
    ax.set_title(f"Funnel — bottleneck: {text}" if text else "Funnel — no bottleneck")
    if new_figure:
        ax.figure.tight_layout()
    return ax
