"""Journey: the stages, their steps' rules and the journey-wide defaults."""

from __future__ import annotations

import json as _json
import os as _os
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from numpy import integer as _np_integer

from . import _core
from ._frames import PathLike


class Journey:
    """An ordered list of stages with per-step rules (channel, enabled) and
    journey-wide defaults (minimum peer satisfaction, default capacity,
    score weights).

    Parameters
    ----------
    stages : list of str, optional
        Stage names, 2 to 64, unique ignoring case. Without arguments: the
        default ``engage_right`` preset. New journeys get the default
        channels: first and last step private, the others public.
    name : str, default "custom"

    See Also
    --------
    Journey.preset, Journey.from_json
    """

    __slots__ = ("_j",)

    def __init__(self, stages: Optional[Sequence[str]] = None, name: str = "custom"):
        self._j = _core.Journey() if stages is None else _core.Journey(list(stages), name)

    @classmethod
    def _of(cls, core: _core.Journey) -> Journey:
        j = cls.__new__(cls)
        j._j = core
        return j

    @classmethod
    def preset(cls, name: str) -> Journey:
        """A built-in journey: ``engage_right``, ``four_phase``,
        ``loyalty_loop``, ``inbound`` or ``success``.

        Raises
        ------
        ValueError
            For an unknown name.
        """
        return cls._of(_core.Journey.preset(name))

    @staticmethod
    def presets() -> list:
        """Names of the built-in journeys."""
        return list(_core.Journey.presets())

    @classmethod
    def from_json(cls, source: Union[PathLike, Mapping[str, Any], str]) -> Journey:
        """Load a journey from a JSON file, a JSON text or a dict.

        The format is documented in ``docs/journey.md``; only ``stages`` is
        required.

        Raises
        ------
        ValueError
            Malformed JSON; the message names the JSON path (``$.steps[1].channel``).
        """
        if isinstance(source, Mapping):
            return cls._of(_core.Journey._from_json_text(_json.dumps(dict(source)), "<dict>"))
        text = _os.fspath(source)
        if text.lstrip().startswith("{"):
            return cls._of(_core.Journey._from_json_text(text, "<json>"))
        return cls._of(_core.Journey._load(text))

    def to_json(self) -> str:
        """The JSON form (``Journey.from_json(j.to_json()) == j``)."""
        return self._j.to_json()

    def save(self, path: PathLike) -> None:
        """Write the JSON form to a file."""
        self._j.save(_os.fspath(path))

    @property
    def name(self) -> str:
        """The journey's label."""
        return self._j.name

    @property
    def stages(self) -> list:
        """Stage names in order."""
        return list(self._j.stages)

    @property
    def min_peer_satisfaction(self) -> int:
        """Peers with a known satisfaction below this are never recommended."""
        return self._j.min_peer_satisfaction

    @property
    def default_capacity(self) -> int:
        """Capacity of members whose capacity is not given."""
        return self._j.default_capacity

    @property
    def weights(self) -> dict:
        """Score weights: similarity, tags, proximity, happiness."""
        return dict(self._j.weights)

    def _step_of(self, stage: str) -> int:
        s = self._j._stage_index(stage)
        if s is None:
            raise KeyError(f"unknown stage {stage!r}")
        if s + 1 >= len(self.stages):
            raise ValueError(f"{stage!r} is the last stage; it has no next step")
        return s

    def channel(self, stage: str) -> str:
        """Channel (``"private"`` or ``"public"``) of the step from `stage`
        to the next stage.

        Raises
        ------
        KeyError
            `stage` is not a stage of the journey.
        ValueError
            `stage` is the last stage (it has no next step).
        """
        return self._j._step(self._step_of(stage))[1]

    def enabled(self, stage: str) -> bool:
        """Whether pairing across the step from `stage` to the next is allowed."""
        return self._j._step(self._step_of(stage))[0]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Journey) and self._j == other._j

    def __hash__(self) -> int:
        return hash(self.to_json())

    def __repr__(self) -> str:
        return repr(self._j)


def _journey_arg(journey: Union[None, str, PathLike, Journey, Mapping[str, Any]]) -> _core.Journey:
    if journey is None:
        return _core.Journey()
    if isinstance(journey, Journey):
        return journey._j
    if isinstance(journey, Mapping):
        return Journey.from_json(journey)._j
    text = _os.fspath(journey)
    if text in Journey.presets():
        return _core.Journey.preset(text)
    return Journey.from_json(text)._j


def _stage_gap_arg(stage_gap: Any, journey: _core.Journey) -> tuple:
    """A stage gap as (MIN, MAX): a pair of integers or the CLI's "MIN:MAX"
    text. The library checks it (1 <= MIN <= MAX <= steps of the journey)."""
    if isinstance(stage_gap, str):
        text = stage_gap
    else:
        try:
            lo, hi = stage_gap
        except (TypeError, ValueError):
            raise TypeError(f"stage_gap must be (MIN, MAX) or 'MIN:MAX', got {stage_gap!r}") from None
        if not all(isinstance(x, (int, _np_integer)) and not isinstance(x, bool) for x in (lo, hi)):
            raise TypeError(f"stage_gap must be two integers (MIN, MAX), got {stage_gap!r}")
        text = f"{int(lo)}:{int(hi)}"
    try:
        return tuple(_core.parse_stage_gap(text, journey))
    except ValueError as e:
        raise ValueError(f"stage_gap: {e}") from None
