"""Plots of engage_right results (matplotlib, imported on first use).

Install the optional dependency with ``pip install engage_right[plot]``.
"""

from __future__ import annotations

from typing import Any, Optional

import pandas as pd

from ._community import Community
from ._stats import funnel

__all__ = ["plot_funnel", "plot_evaluation"]

BAR_COLOUR = "#4c72b0"
BOTTLENECK_COLOUR = "#d62728"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised with matplotlib hidden
        raise ImportError("engage_right.plotting needs matplotlib: pip install engage_right[plot]") from e
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
        The axes with the bars, their annotations and the title.

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


def plot_evaluation(result: pd.DataFrame, metrics: Optional[Any] = None, ax: Optional[Any] = None):
    """The metrics of :func:`engage_right.evaluate` per method, with their
    bootstrap 95 % intervals as error bars.

    One group of points per metric, one colour per method. Over the hit@k
    groups a dashed line marks ``attrs["ceiling_hit"]``, the best hit@k a
    method under the hard rules can reach (the ``*_unrestricted``
    references ignore the stage rule and may pass it); over the recall
    groups, ``attrs["ceiling_recall"]``.

    Parameters
    ----------
    result : DataFrame
        A result of :func:`engage_right.evaluate`.
    metrics : sequence of str, optional
        Which metrics, in order; default: hit@k for every k, then recall,
        NDCG at the largest k, and MRR.
    ax : matplotlib Axes, optional
        Where to draw; default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axes with one point per method and metric, the error bars,
        the ceilings and a legend of the methods.

    Raises
    ------
    ValueError
        ``result`` is not an evaluation result, or names an unknown metric.
    ImportError
        matplotlib is not installed (``pip install engage_right[plot]``).
    """
    if not isinstance(result, pd.DataFrame) or "metrics" not in result.attrs or "ceiling_hit" not in result.attrs:
        raise ValueError("plot_evaluation: not an evaluation result; use er.evaluate()")
    names = list(result.attrs["metrics"])
    if metrics is None:
        ks = list(result.attrs["k"])
        metrics = [f"hit@{k}" for k in ks] + [f"recall@{ks[-1]}", f"ndcg@{ks[-1]}", "mrr"]
    metrics = [str(m) for m in metrics]
    unknown = [m for m in metrics if m not in names]
    if unknown:
        raise ValueError(f"plot_evaluation: unknown metric {unknown[0]!r} (the result has: {', '.join(names)})")
    plt = _pyplot()
    new_figure = ax is None
    if new_figure:
        _, ax = plt.subplots(figsize=(max(7.0, 1.6 * len(metrics) + 4.5), 4.2))
    methods = [str(m) for m in result.index]
    width = 0.8 / max(len(methods), 1)
    colours = plt.rcParams["axes.prop_cycle"].by_key().get("color", [BAR_COLOUR])
    for i, method in enumerate(methods):
        row = result.loc[method]
        xs = [g - 0.4 + width * (i + 0.5) for g in range(len(metrics))]
        ys = [float(row[m]) for m in metrics]
        lo = [float(row[f"{m}_low"]) for m in metrics]
        hi = [float(row[f"{m}_high"]) for m in metrics]
        err = [
            [0.0 if pd.isna(l_) else y - l_ for y, l_ in zip(ys, lo)],
            [0.0 if pd.isna(h) else h - y for y, h in zip(ys, hi)],
        ]
        ax.errorbar(
            xs,
            ys,
            yerr=err,
            fmt="o",
            capsize=3,
            color=colours[i % len(colours)],
            label=method,
            markersize=5,
        )
    ceilings = {"hit": result.attrs["ceiling_hit"], "recall": result.attrs["ceiling_recall"]}
    labelled = False
    for g, m in enumerate(metrics):
        kind = m.split("@")[0]
        if kind in ceilings:
            ax.hlines(
                ceilings[kind],
                g - 0.45,
                g + 0.45,
                colors="grey",
                linestyles="dashed",
                label=None if labelled else "ceiling under the hard rules",
            )
            labelled = True
    ax.set_xticks(list(range(len(metrics))))
    ax.set_xticklabels(metrics)
    ax.set_ylim(0, min(1.0, max(0.05, ax.get_ylim()[1])))
    ax.set_ylabel("mean over evaluated members")
    split = result.attrs.get("split_at")
    when = split.strftime("%Y-%m-%d") if hasattr(split, "strftime") else str(split)
    ax.set_title(
        f"Replay at {when}: {result.attrs['evaluated_members']:,} members evaluated, "
        f"ceiling {100 * result.attrs['ceiling']:.0f} % of targets",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(axis="y", alpha=0.3)
    if new_figure:
        ax.figure.tight_layout()
    return ax
