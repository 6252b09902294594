"""Can the journey go viral? Simulation of a community along its journey.

The model, the policies, the two engines and the viral reproduction number R
are described in ``docs/simulation.md``; the work is done in C++
(``engage_right::simulate``), with the GIL released.
"""

from __future__ import annotations

import json
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

import numpy as np
import pandas as pd

from . import _core
from ._community import Community
from ._frames import PathLike

__all__ = ["simulate", "SimulationResult", "plot_simulations", "viral_reproduction_number"]

POLICIES = ("engage_right", "random", "none", "mass_action")
ENGINES = ("monte_carlo", "mean_field")


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"params: {type(value).__name__} is not a number or a list of numbers")


def _params_json(params: Union[None, Mapping[str, Any], PathLike]) -> tuple:
    """(JSON text or None, source name) for the C++ parser."""
    if params is None:
        return None, "<params>"
    if isinstance(params, Mapping):
        try:
            return json.dumps(dict(params), default=_json_default, allow_nan=True), "params"
        except TypeError as e:
            raise ValueError(str(e)) from None
    if isinstance(params, (str, os.PathLike)):
        path = os.fspath(params)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read(), path
        except OSError as e:
            raise ValueError(f"{path}: cannot read simulation params file ({e.strerror})") from None
    raise TypeError(f"params: expected a dict, a path or None, got {type(params).__name__}")


def _non_negative_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value}")
    return int(value)


class SimulationResult:
    """The outcome of :func:`simulate`.

    Attributes
    ----------
    counts : DataFrame
        Alive members per stage (columns) after each round (index ``round``,
        0 = the initial community). Integers for Monte Carlo, expected values
        for the mean field.
    conversions : DataFrame
        Members advancing along each step (columns ``"a->b"``) during each
        round (index ``round``, 1..rounds).
    flows : DataFrame
        ``arrivals``, ``referrals`` and ``churned`` members per round (1..rounds).
    contacts : DataFrame
        The policy's expected contacts per seeker on each step at the state
        after each round (what R is evaluated with).
    viral_r : float
        Viral reproduction number at the initial state (``inf`` when nobody
        leaves the last stage).
    viral_r_final : float
        R at the final state.
    viral_r_by_round : Series
        R at the state after each round.
    policy, engine : str
    params : dict
        The resolved parameters (full-length ``base``, ``lift``, ``churn``).
    seed : int
    interactions : DataFrame or None
        With ``log=True`` (Monte Carlo): every contact with a member one stage
        to the right, ``source,target,weight,timestamp`` (source = seeker).
    stages : DataFrame or None
        With ``log=True``: stage entries ``member,stage,timestamp``, the
        initial stages at the origin first.
    """

    def __init__(self, raw: Mapping[str, Any], policy: str, engine: str, seed: int):
        stage_names = list(raw["stages"])
        step_names = list(raw["steps"])
        rounds = raw["counts"].shape[0] - 1
        whole = engine == "monte_carlo"

        def frame(values: np.ndarray, columns: list, first: int) -> pd.DataFrame:
            values = values[first:]
            if whole:
                values = np.rint(values).astype(np.int64)
            index = pd.RangeIndex(first, rounds + 1, name="round")
            df = pd.DataFrame(values, index=index, columns=pd.Index(columns, name=None))
            return df

        self.policy = policy
        self.engine = engine
        self.seed = seed
        self.counts = frame(raw["counts"], stage_names, 0)
        self.counts.columns.name = "stage"
        self.conversions = frame(raw["conversions"], step_names, 1)
        self.conversions.columns.name = "step"
        flows = np.column_stack([raw["arrivals"], raw["referrals"], raw["churned"]])
        self.flows = frame(flows, ["arrivals", "referrals", "churned"], 1)
        self.contacts = pd.DataFrame(
            raw["contacts"], index=pd.RangeIndex(0, rounds + 1, name="round"), columns=pd.Index(step_names, name="step")
        )
        self.viral_r = float(raw["viral_r"])
        self.viral_r_final = float(raw["viral_r_final"])
        self.viral_r_by_round = pd.Series(
            raw["viral_r_by_round"], index=pd.RangeIndex(0, rounds + 1, name="round"), name="viral_r"
        )
        self.params = json.loads(raw["params"])
        self.origin = pd.Timestamp(float(raw["origin"]), unit="s", tz="UTC")
        self.interactions: Optional[pd.DataFrame] = None
        self.stages: Optional[pd.DataFrame] = None
        if "interactions" in raw:
            inter = raw["interactions"]
            self.interactions = pd.DataFrame(
                {
                    "source": pd.Series(inter["source"], dtype=object),
                    "target": pd.Series(inter["target"], dtype=object),
                    "weight": np.ones(len(inter["source"]), dtype=np.int64),
                    "timestamp": pd.Series(inter["timestamp"], dtype=object),
                }
            )
            st = raw["stage_entries"]
            self.stages = pd.DataFrame(
                {
                    "member": pd.Series(st["member"], dtype=object),
                    "stage": pd.Series(st["stage"], dtype=object),
                    "timestamp": pd.Series(st["timestamp"], dtype=object),
                }
            )

    @property
    def rounds(self) -> int:
        """Number of simulated rounds."""
        return len(self.counts) - 1

    def write_log(self, interactions_path: PathLike, stages_path: PathLike) -> None:
        """Write the event log as ``interactions.csv`` and ``stages.csv``.

        The files have the formats of the ``learn`` command (and of
        ``engage-right simulate --log-interactions/--log-stages``); timestamps
        are ISO-8601 UTC.

        Parameters
        ----------
        interactions_path, stages_path : str or PathLike

        Raises
        ------
        ValueError
            The run kept no log (use ``simulate(..., log=True)``).
        """
        if self.interactions is None or self.stages is None:
            raise ValueError("no event log was kept: run er.simulate(..., engine='monte_carlo', log=True)")
        self.interactions.to_csv(os.fspath(interactions_path), index=False, lineterminator="\n")
        self.stages.to_csv(os.fspath(stages_path), index=False, lineterminator="\n")

    def plot(self, ax: Optional[Any] = None, *, total: bool = True, legend: bool = True):
        """Stage counts over time, one line per stage.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; default: a new figure.
        total : bool, default True
            Also draw the alive members in total (dashed).
        legend : bool, default True

        Returns
        -------
        matplotlib.axes.Axes
        """
        plt = _pyplot()
        new_figure = ax is None
        if new_figure:
            _, ax = plt.subplots(figsize=(7, 4.2))
        for stage in self.counts.columns:
            ax.plot(self.counts.index, self.counts[stage], label=str(stage), linewidth=1.6)
        if total:
            ax.plot(
                self.counts.index, self.counts.sum(axis=1), color="0.35", linestyle="--", linewidth=1.2, label="alive"
            )
        ax.set_xlabel(f"round ({self.params.get('round_days', 7):g} days)")
        ax.set_ylabel("members" if self.engine == "monte_carlo" else "expected members")
        ax.set_title(f"{self.policy} ({self.engine.replace('_', '-')}): R = {_r_text(self.viral_r)}")
        ax.set_xlim(0, max(self.rounds, 1))
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        if legend:
            ax.legend(fontsize=8, loc="best")
        if new_figure:
            ax.figure.tight_layout()
        return ax

    def __repr__(self) -> str:
        last = self.counts.iloc[-1]
        alive = last.sum()
        return (
            f"<SimulationResult {self.policy}/{self.engine}, {self.rounds} rounds: "
            f"{alive:,.0f} alive at the end, R = {_r_text(self.viral_r)}>"
        )


def _r_text(r: float) -> str:
    return "∞" if np.isinf(r) else f"{r:.2f}"


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - exercised with matplotlib hidden
        raise ImportError("plotting simulations needs matplotlib: pip install engage_right[plot]") from e
    return plt


def simulate(
    community,
    *,
    rounds: int,
    policy: str = "engage_right",
    engine: str = "monte_carlo",
    params: Union[None, Mapping[str, Any], PathLike] = None,
    seed: int = 0,
    threads: int = 0,
    log: bool = False,
    origin: Any = None,
    exact_plan: bool = False,
) -> SimulationResult:
    """Simulate the community along its journey under a contact policy.

    Each round (a week by default), split into sub-steps of ``dt`` rounds, a
    member at stage ``s`` advances with hazard ``base[s] + lift[s] * c``
    (``c``: contacts with members at ``s+1``) and leaves with hazard
    ``churn[s]``; new prospects arrive (``arrivals`` per round) and every
    last-stage member refers ``referral_rate`` new ones per round.

    Parameters
    ----------
    community : Community
        Members, stages, capacities, satisfaction and opt-outs are used.
    rounds : int
        Rounds to simulate, >= 0.
    policy : {"engage_right", "random", "none", "mass_action"}, default "engage_right"
        ``engage_right``: each round, the seats (capacities) of eligible peers
        one stage to the right are dealt to the seekers, up to ``per_member``
        each; ``random``: ``per_member`` contacts drawn uniformly from all
        members, those at ``s+1`` count; ``none``: no contacts;
        ``mass_action``: ``c = contact_rate * share of stage s+1``.
    engine : {"monte_carlo", "mean_field"}, default "monte_carlo"
        Monte Carlo over every member (seeded), or the expected counts.
    params : dict or path, optional
        Model parameters (``base``, ``lift``, ``churn``, ``arrivals``,
        ``referral_rate``, ``contact_rate``, ``per_member``, ``dt``,
        ``round_days``); numbers apply to every step/stage, lists give one
        value per step (``base``, ``lift``) or stage (``churn``). A path is
        read as a JSON file. Missing keys keep their defaults
        (docs/simulation.md).
    seed : int, default 0
        Monte Carlo seed; the same seed gives identical results.
    threads : int, default 0
        Worker threads (0 = all cores). Never changes the result.
    log : bool, default False
        Monte Carlo only: keep the event log (``.interactions``,
        ``.stages``, ``.write_log()``), e.g. for :func:`estimate_uplift`.
    origin : timestamp, optional
        Start of round 0 in the log (default 2026-01-01T00:00:00Z): unix
        seconds, an ISO-8601 string, a datetime or a pandas Timestamp.
    exact_plan : bool, default False
        ``engage_right`` with Monte Carlo: plan every round with the exact
        optimal matching of :func:`match` (reference scores, hard rules,
        capacities) instead of dealing seats. Costs a score per (seeker,
        peer) pair and round: for communities of up to a few thousand
        members per stage.

    Returns
    -------
    SimulationResult

    Raises
    ------
    ValueError
        Bad parameters (the message names the key, e.g. ``params: $.lift[2]:
        expected a finite number >= 0, got -1``), unknown policy or engine,
        ``log`` with the mean field.
    TypeError
        Arguments of the wrong type.

    Examples
    --------
    >>> res = er.simulate(community, rounds=52, policy="engage_right",
    ...                   params={"arrivals": 10, "referral_rate": 0.05})  # doctest: +SKIP
    >>> res.viral_r, res.counts.tail(1)                                    # doctest: +SKIP
    """
    if not isinstance(community, Community):
        raise TypeError(f"community: expected an engage_right.Community, got {type(community).__name__}")
    rounds = _non_negative_int(rounds, "rounds")
    seed = _non_negative_int(seed, "seed")
    if seed >= 2**64:
        raise ValueError(f"seed: expected an integer below 2**64, got {seed}")
    threads = _non_negative_int(threads, "threads")
    if policy not in POLICIES:
        raise ValueError(f"policy: unknown policy {policy!r} (expected one of {', '.join(POLICIES)})")
    if engine not in ENGINES:
        raise ValueError(f"engine: unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log: expected True or False, got {type(log).__name__}")
    if not isinstance(exact_plan, (bool, np.bool_)):
        raise TypeError(f"exact_plan: expected True or False, got {type(exact_plan).__name__}")
    if log and engine != "monte_carlo":
        raise ValueError("log: the event log needs engine='monte_carlo'")
    origin_seconds = None
    if origin is not None:
        if isinstance(origin, numbers.Real) and not isinstance(origin, bool):
            origin_seconds = float(origin)
        else:
            try:
                ts = pd.Timestamp(origin)
            except (ValueError, TypeError) as e:
                raise ValueError(f"origin: not a timestamp: {origin!r}") from e
            if ts.tzinfo is None:
                ts = ts.tz_localize("UTC")
            origin_seconds = ts.timestamp()
        if not np.isfinite(origin_seconds):
            raise ValueError("origin: expected a finite time")
    text, source = _params_json(params)
    raw = _core.simulate(
        community._c, rounds, policy, engine, text, source, seed, threads, bool(log), origin_seconds, bool(exact_plan)
    )
    return SimulationResult(raw, policy, engine, seed)


def viral_reproduction_number(params: Union[None, Mapping[str, Any], PathLike], contacts: Sequence[float]) -> float:
    """The viral reproduction number R for given contacts per step.

    ``R = prod_s h_s / (h_s + churn[s]) * referral_rate * dt / (1 - exp(-churn[last] * dt))``
    with ``h_s = base[s] + lift[s] * contacts[s]``: the expected number of
    prospects one new prospect brings in by referral.

    Parameters
    ----------
    params : dict or path, optional
        As for :func:`simulate`; the journey has ``len(contacts) + 1`` stages.
    contacts : sequence of float
        Contacts per seeker on every step.

    Returns
    -------
    float
        ``inf`` when nobody leaves the last stage (and R would be positive).
    """
    text, source = _params_json(params)
    values = [float(v) for v in contacts]
    if len(values) < 1:
        raise ValueError("contacts: expected one value per step (at least one)")
    return float(_core.viral_reproduction_number(text if text is not None else "{}", values, source))


def plot_simulations(
    results: Sequence[SimulationResult],
    *,
    titles: Optional[Sequence[str]] = None,
    sharey: bool = True,
    figsize: Optional[tuple] = None,
):
    """Several simulations side by side (e.g. one per policy), same axes.

    Parameters
    ----------
    results : sequence of SimulationResult
    titles : sequence of str, optional
        Panel titles; default: policy, engine and R of each result.
    sharey : bool, default True
        One y scale for all panels, so the policies compare at a glance.
    figsize : (width, height), optional

    Returns
    -------
    numpy.ndarray of matplotlib Axes
        One per result.
    """
    results = list(results)
    if not results:
        raise ValueError("plot_simulations: no results to plot")
    for r in results:
        if not isinstance(r, SimulationResult):
            raise TypeError(f"plot_simulations: expected SimulationResult objects, got {type(r).__name__}")
    if titles is not None and len(titles) != len(results):
        raise ValueError("plot_simulations: titles and results differ in length")
    plt = _pyplot()
    n = len(results)
    fig, axes = plt.subplots(1, n, figsize=figsize or (4.2 * n + 0.6, 4.0), sharey=sharey, squeeze=False)
    axes = axes[0]
    for i, (r, ax) in enumerate(zip(results, axes)):
        r.plot(ax=ax, legend=(i == n - 1))
        if titles is not None:
            ax.set_title(titles[i])
        if i > 0 and sharey:
            ax.set_ylabel("")
    fig.tight_layout()
    return axes
