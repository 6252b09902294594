"""Type stubs of the compiled core. Use the engage_right facade instead."""

from collections.abc import Callable, Sequence
from typing import Any, Optional

import numpy as np
import numpy.typing as npt

__version__: str
#: Output column names per result, shared with the CLI (engage_right/columns.hpp).
columns: dict[str, list[str]]

#: The members columns the builders take, in order (_frames._member_cells):
#: ids; stages (None: no stage column); satisfaction, capacity, opted_out and
#: activity (None, a numeric array with NaN = empty, or text cells); tags
#: (None or one "a;b" string per member); features (None or an (n, d) array).
MemberCells = tuple[list[str], Optional[list[str]], Any, Any, Any, Any, Optional[list[str]], Optional[npt.NDArray[Any]]]

class Error(RuntimeError): ...

class Journey:
    def __init__(self, stages: Sequence[str] = ..., name: str = ...) -> None: ...
    @staticmethod
    def preset(name: str) -> Journey: ...
    @staticmethod
    def presets() -> list[str]: ...
    @staticmethod
    def _from_json_text(text: str, source: str = ...) -> Journey: ...
    @staticmethod
    def _load(path: str) -> Journey: ...
    def to_json(self) -> str: ...
    def save(self, path: str) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def stages(self) -> list[str]: ...
    @property
    def min_peer_satisfaction(self) -> int: ...
    @property
    def default_capacity(self) -> int: ...
    @property
    def weights(self) -> dict[str, float]: ...
    def _stage_index(self, name: str) -> Optional[int]: ...
    def _step(self, from_stage: int) -> tuple[bool, str]: ...

class Community:
    @staticmethod
    def from_csv(members: str, interactions: Optional[str], journey: Journey) -> Community: ...
    @staticmethod
    def _from_columns(
        journey: Journey, members: MemberCells, sources: list[str], targets: list[str], weights: Any, timestamps: Any
    ) -> Community: ...
    def __len__(self) -> int: ...
    def __contains__(self, member_id: str) -> bool: ...
    @property
    def journey(self) -> Journey: ...
    @property
    def self_loops_dropped(self) -> int: ...
    def features(self) -> npt.NDArray[np.float32]: ...
    def stage_counts(self) -> list[int]: ...
    def _ids(self) -> list[str]: ...
    def _stage_index(self) -> npt.NDArray[np.int16]: ...
    def _satisfaction(self) -> npt.NDArray[np.int8]: ...
    def _capacity(self) -> npt.NDArray[np.int32]: ...
    def _opted_out(self) -> npt.NDArray[np.bool_]: ...
    def _activity(self) -> npt.NDArray[np.float64]: ...
    def _tags(self) -> list[str]: ...
    def _edges(self) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32], npt.NDArray[np.float64]]: ...

def recommend(
    community: Community,
    members: Optional[list[str]],
    k: int,
    weights: Optional[dict[str, float]],
    min_satisfaction: Optional[int],
    allow_existing: bool,
    threads: int,
    stage_gap: tuple[int, int] = ...,
    model: Optional[RankingScorer] = ...,
) -> dict[str, Any]: ...
def explain(
    community: Community,
    member: str,
    peer: str,
    weights: Optional[dict[str, float]],
    min_satisfaction: Optional[int],
    allow_existing: bool,
    stage_gap: tuple[int, int] = ...,
    model: Optional[RankingScorer] = ...,
) -> dict[str, Any]: ...
def parse_stage_gap(text: str, journey: Journey) -> tuple[int, int]: ...
def parse_timestamp(text: str) -> Optional[float]: ...
def parse_timestamps(values: npt.NDArray[np.object_]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]: ...
def format_timestamp(seconds: float) -> str: ...

class MemberTable:
    @staticmethod
    def read_csv(path: str, journey: Journey) -> MemberTable: ...
    @staticmethod
    def _from_columns(journey: Journey, members: MemberCells, extra: Optional[dict[str, list[str]]]) -> MemberTable: ...
    @staticmethod
    def read_event_members(path: str) -> MemberTable: ...
    @staticmethod
    def _from_ids(journey: Journey, ids: list[str]) -> MemberTable: ...
    def __len__(self) -> int: ...
    def _ids(self) -> list[str]: ...
    def _rows_of(self, ids: list[str]) -> npt.NDArray[np.int64]: ...
    def _recorded_stage(self) -> npt.NDArray[np.int16]: ...

class EventTable:
    @staticmethod
    def read_csv(path: str, members: MemberTable, journey: Journey, skip_unknown_members: bool) -> EventTable: ...
    @staticmethod
    def _from_columns(
        members: MemberTable,
        journey: Journey,
        rows: npt.NDArray[np.uint32],
        actions: npt.NDArray[np.uint32],
        names: list[str],
        timestamps: npt.NDArray[np.float64],
        values: Optional[npt.NDArray[np.float64]],
        skipped: int,
        origin: Optional[npt.NDArray[np.int64]],
    ) -> EventTable: ...
    def __len__(self) -> int: ...
    @property
    def skipped_unknown_members(self) -> int: ...
    @property
    def action_names(self) -> list[str]: ...

def lead_columns(journey: Journey) -> dict[str, Any]: ...
def check_inference(journey: Journey) -> None: ...
def lead_scores(
    members: MemberTable, events: EventTable, journey: Journey, as_of: Optional[float], threads: int
) -> dict[str, Any]: ...
def infer_stages(
    members: MemberTable,
    events: EventTable,
    journey: Journey,
    as_of: Optional[float],
    threads: int,
    details: bool,
    check: bool = ...,
) -> dict[str, Any]: ...
def check_journey(
    journey: Journey,
    members: Optional[MemberTable],
    events: Optional[EventTable],
    as_of: Optional[float],
    threads: int,
    member_attributes: bool,
) -> dict[str, Any]: ...
def write_stages_csv(path: str, members: list[str], stages: list[str], seconds: npt.NDArray[np.float64]) -> None: ...
def nps_groups(
    satisfaction: npt.NDArray[np.int8], groups: Optional[npt.NDArray[np.int64]], group_count: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]: ...
def funnel(
    community: Community, min_satisfaction: Optional[int], allow_existing: bool, stage_gap: tuple[int, int] = ...
) -> dict[str, Any]: ...
def solve_matching(
    rows: int,
    capacity: npt.NDArray[Any],
    arc_row: npt.NDArray[Any],
    arc_col: npt.NDArray[Any],
    arc_value: npt.NDArray[Any],
    row_demand: int,
    method: str,
    spread: float,
) -> npt.NDArray[Any]: ...
def solve_matching_dense(
    values: npt.NDArray[np.float64], capacity: npt.NDArray[Any], row_demand: int, spread: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
def match(
    community: Community,
    per_member: int,
    method: str,
    candidates: int,
    weights: Optional[dict],
    min_satisfaction: Optional[int],
    allow_existing: bool,
    threads: int,
    history_member: Optional[list],
    history_peer: Optional[list],
    history_time: Optional[npt.NDArray[Any]],
    cooldown_days: float,
    continuity_bonus: float,
    as_of: Optional[float],
    blocked_member: Optional[list],
    blocked_peer: Optional[list],
    spread: float,
    reasons: bool,
    history_file: Optional[str] = ...,
    blocked_file: Optional[str] = ...,
    stage_gap: tuple[int, int] = ...,
    model: Optional[RankingScorer] = ...,
) -> dict: ...
def simulate(
    community: Community,
    rounds: int,
    policy: str,
    engine: str,
    params_json: Optional[str],
    params_source: str,
    seed: int,
    threads: int,
    log: bool,
    origin: Optional[float],
    exact_plan: bool = ...,
) -> dict[str, Any]: ...
def viral_reproduction_number(params_json: str, contacts: list[float], source: str) -> float: ...

class UpliftHistory:
    def __init__(self) -> None: ...
    @property
    def ids(self) -> list[str]: ...
    @property
    def entries(self) -> int: ...
    @property
    def contacts(self) -> int: ...
    def read_stages(self, path: str, journey: Journey) -> None: ...
    def read_interactions(self, path: str) -> None: ...
    def read_activity(self, path: str, journey: Journey) -> None: ...
    def add_stages(
        self, members: list[str], stages: list[str], timestamps: npt.NDArray[np.float64], journey: Journey, what: str
    ) -> None: ...
    def add_contacts(
        self, sources: list[str], targets: list[str], timestamps: npt.NDArray[np.float64], what: str
    ) -> None: ...
    def set_activity(self, ids: list[str], activity: npt.NDArray[np.float64]) -> None: ...

def estimate_uplift(
    history: UpliftHistory,
    journey: Journey,
    window_days: float,
    origin: Optional[float],
    covariates: list[str],
    round_days: Optional[float],
) -> dict[str, Any]: ...
def uplift_windows(
    history: UpliftHistory, journey: Journey, window_days: float, origin: Optional[float]
) -> dict[str, Any]: ...
def logistic_regression(
    X: npt.NDArray[np.float64], y: npt.NDArray[np.float64], max_iterations: int = 100, tolerance: float = 1e-10
) -> dict[str, Any]: ...

class EvaluationInput:
    def __init__(self) -> None: ...
    def __len__(self) -> int: ...
    def read_members(self, path: str, journey: Journey) -> None: ...
    def set_members(self, journey: Journey, members: MemberCells, created: Any) -> None: ...
    def read_interactions(self, path: str) -> None: ...
    def set_interactions(
        self, sources: list[str], targets: list[str], weight: Any, timestamps: npt.NDArray[np.float64]
    ) -> None: ...
    def read_stages(self, path: str, journey: Journey) -> None: ...
    def set_stages(
        self, members: list[str], stages: list[str], timestamps: npt.NDArray[np.float64], journey: Journey
    ) -> None: ...
    def split_at(self, text: str) -> float: ...

def evaluate(
    input: EvaluationInput,
    journey: Journey,
    split_at: float,
    horizon_days: float,
    k: list[int],
    methods: list[str],
    weights: Optional[dict[str, float]],
    min_satisfaction: Optional[int],
    allow_existing: bool,
    mrr_depth: int,
    bootstrap: int,
    seed: int,
    threads: int,
    keep_rankings: bool,
    scorer: Optional[Callable[[str, str], float]],
    stage_gap: tuple[int, int] = (1, 1),
    model: Optional[RankingModel] = None,
    content: Optional[Content] = None,
) -> dict[str, Any]: ...

class Content:
    @staticmethod
    def from_csv(path: str) -> Content: ...
    @staticmethod
    def _from_columns(
        id: list[str],
        author: list[str],
        kind: list[str],
        parent: list[str],
        created: list[float],
        tags: Optional[list[str]],
        score: Any,
        accepted: Any,
        title: Optional[list[str]],
        url: Optional[list[str]],
        features: Optional[npt.NDArray[Any]],
    ) -> Content: ...
    def __len__(self) -> int: ...
    def _columns(self) -> dict[str, Any]: ...

class RankingHistory:
    @staticmethod
    def from_csv(members: str, interactions: str, content: Optional[str], journey: Journey) -> RankingHistory: ...
    @staticmethod
    def _from_columns(
        journey: Journey,
        members: MemberCells,
        created: Any,
        sources: list[str],
        targets: list[str],
        weights: Any,
        timestamps: Optional[npt.NDArray[np.float64]],
        content: Optional[Content],
    ) -> RankingHistory: ...

class RankingModel:
    @staticmethod
    def from_json(text: str, source: str) -> RankingModel: ...
    @staticmethod
    def load(path: str) -> RankingModel: ...
    def to_json(self) -> str: ...
    def save(self, path: str) -> None: ...
    @property
    def features(self) -> list[str]: ...
    @property
    def coefficients(self) -> list[float]: ...
    @property
    def intercept(self) -> float: ...
    @property
    def mean(self) -> list[float]: ...
    @property
    def scale(self) -> list[float]: ...
    @property
    def half_life_days(self) -> float: ...
    @property
    def training(self) -> dict[str, Any]: ...

class RankingScorer:
    def __init__(
        self, community: Community, model: RankingModel, as_of: Optional[float], content: Optional[Content]
    ) -> None: ...
    @property
    def as_of(self) -> float: ...
    def features(self, member: str, peer: str) -> dict[str, float]: ...

def fit_ranking(
    history: RankingHistory,
    split_at: float,
    horizon_days: float,
    half_life_days: float,
    negatives: int,
    l2: float,
    seed: int,
    min_satisfaction: Optional[int],
    threads: int,
    max_iterations: int,
    tolerance: float,
    design_only: bool,
) -> tuple[Optional[RankingModel], dict[str, Any]]: ...

# Importers (adapters.hpp; the facade is engage_right.datasets).
class ImportedCommunity:
    def table(self, name: str) -> tuple[dict[str, Any], dict[str, str]]: ...
    @property
    def journey(self) -> Journey: ...
    @property
    def warnings(self) -> list[str]: ...
    @property
    def counts(self) -> list[tuple[str, int]]: ...
    def write(self, folder: str) -> None: ...

def import_stackexchange(
    dump: str,
    as_of: Optional[float] = ...,
    stages: Optional[str] = ...,
    journey: Optional[Journey] = ...,
    top_tags: int = ...,
    progress: bool = ...,
) -> ImportedCommunity: ...
def import_threads_files(
    posts: str,
    members: Optional[str] = ...,
    as_of: Optional[float] = ...,
    stages: Optional[str] = ...,
    journey: Optional[Journey] = ...,
    top_tags: int = ...,
    progress: bool = ...,
) -> ImportedCommunity: ...
def import_threads(
    post_id: list[str],
    author: list[str],
    parent_id: Optional[list[str]],
    thread_id: Optional[list[str]],
    created: Any,
    tags: Optional[list[str]],
    score: Any,
    members: Optional[dict[str, Any]] = ...,
    as_of: Optional[float] = ...,
    stages: Optional[str] = ...,
    journey: Optional[Journey] = ...,
    top_tags: int = ...,
    progress: bool = ...,
) -> ImportedCommunity: ...
def parse_stage_mapping(spec: str, journey: Journey) -> None: ...

# Live communities and snapshots (bind_live.cpp)
snapshot_version: int

def save_community(community: Community, path: str) -> None: ...
def load_community(path: str) -> Community: ...

class LiveCommunity:
    def __init__(self, journey: Journey, dimensions: int) -> None: ...
    @staticmethod
    def from_community(community: Community) -> LiveCommunity: ...
    @staticmethod
    def from_csv(members: str, interactions: Optional[str], journey: Journey) -> LiveCommunity: ...
    @staticmethod
    def load(path: str) -> LiveCommunity: ...
    def current(self) -> Community: ...
    @property
    def version(self) -> int: ...
    def apply(self, updates: list[tuple[str, str, str, dict[str, Any], float, Any]]) -> None: ...
    def save(self, path: str) -> None: ...
