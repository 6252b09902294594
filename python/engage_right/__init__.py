"""Engage Right: peer pairings along the customer journey.

Every member of a community sits at a stage of a customer journey
(``prospect > interested > new_customer > loyal > advocate`` by default). The
Engage Right rule pairs each member with happy peers exactly one stage to the
right. This package wraps the C++ library: tables in and out are pandas
DataFrames, features are numpy arrays.

Examples
--------
>>> import engage_right as er
>>> c = er.Community.from_csv("members.csv", "interactions.csv")  # doctest: +SKIP
>>> er.recommend(c, k=3).head()                                    # doctest: +SKIP
"""

# The package is a facade: the code lives in private modules per area
# (_frames, _journey, _community, _lead, _check, _stats, _matching) and in the public
# submodules uplift, simulate and plotting; this file only re-exports. The
# `X as X` imports keep the column lists and PathLike importable as before
# without putting them in __all__. matplotlib is imported on first use.

from __future__ import annotations

from . import _core, datasets
from ._check import CHECK_COLUMNS as CHECK_COLUMNS
from ._check import check_journey
from ._community import RESULT_COLUMNS as RESULT_COLUMNS
from ._community import Community, recommend
from ._core import Error
from ._evaluate import evaluate
from ._frames import PathLike as PathLike
from ._journey import Journey
from ._lead import HISTORY_COLUMNS as HISTORY_COLUMNS
from ._lead import INFER_COLUMNS as INFER_COLUMNS
from ._lead import LEAD_COLUMNS as LEAD_COLUMNS
from ._lead import infer_stages, lead_scores, stage_history, write_stage_history
from ._live import LiveCommunity
from ._matching import MATCH_COLUMNS as MATCH_COLUMNS
from ._matching import UNMATCHED_COLUMNS as UNMATCHED_COLUMNS
from ._matching import assign, match
from ._ranking import RANKING_FEATURES as RANKING_FEATURES
from ._ranking import RankingModel, fit_ranking, ranking_design, ranking_features, read_content
from ._stats import FUNNEL_COLUMNS as FUNNEL_COLUMNS
from ._stats import NPS_COLUMNS as NPS_COLUMNS
from ._stats import funnel, nps
from .plotting import plot_evaluation, plot_funnel
from .simulate import (
    SimulationResult,
    plot_simulations,
    simulate,
    viral_reproduction_number,
)
from .uplift import estimate_uplift, logistic_regression

__all__ = [
    "Journey",
    "Community",
    "LiveCommunity",
    "recommend",
    "lead_scores",
    "infer_stages",
    "stage_history",
    "write_stage_history",
    "check_journey",
    "nps",
    "funnel",
    "plot_funnel",
    "match",
    "assign",
    "fit_ranking",
    "ranking_design",
    "ranking_features",
    "RankingModel",
    "read_content",
    "estimate_uplift",
    "evaluate",
    "plot_evaluation",
    "logistic_regression",
    "simulate",
    "SimulationResult",
    "plot_simulations",
    "viral_reproduction_number",
    "datasets",
    "Error",
    "__version__",
]
__version__ = _core.__version__
