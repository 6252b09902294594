"""Live communities (updates, erasure, batches) and snapshots."""

from __future__ import annotations

import datetime as _dt
import os as _os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Optional, Union

from . import _core
from ._community import Community
from ._frames import PathLike
from ._journey import Journey, _journey_arg

_FIELDS = ("stage", "satisfaction", "capacity", "opted_out", "activity", "tags", "features")


def _time(value: Any) -> Union[None, float, str]:
    """A timestamp as the core takes it: None, unix seconds or ISO-8601 text."""
    if value is None or isinstance(value, (str, int, float)):
        return value
    if hasattr(value, "timestamp"):  # datetime, pandas.Timestamp
        if isinstance(value, _dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return float(value.timestamp())
    return float(value)


def _fields(fields: dict) -> dict:
    if "features" in fields and fields["features"] is not None:
        fields = dict(fields, features=[float(x) for x in fields["features"]])
    if isinstance(fields.get("tags"), str):
        raise TypeError("tags: expected a list of tags, got a string")
    return fields


class Batch:
    """Updates collected by :meth:`LiveCommunity.batch`, applied together."""

    def __init__(self) -> None:
        self._updates: list = []

    def add_member(self, id: str, stage: str, **fields: Any) -> None:
        self._updates.append(("add_member", id, "", _fields(dict(fields, stage=stage)), 1.0, None))

    def update_member(self, id: str, **fields: Any) -> None:
        self._updates.append(("update_member", id, "", _fields(fields), 1.0, None))

    def add_interaction(self, source: str, target: str, weight: float = 1.0, timestamp: Any = None) -> None:
        self._updates.append(("add_interaction", source, target, {}, float(weight), _time(timestamp)))

    def erase(self, id: str) -> None:
        self._updates.append(("erase", id, "", {}, 1.0, None))

    def __len__(self) -> int:
        return len(self._updates)


class LiveCommunity:
    """A community that changes while it is queried.

    Every update is checked by the rules of ``members.csv`` and
    ``interactions.csv`` and is all or nothing; it publishes a new immutable
    version in one atomic step. :meth:`snapshot` hands out the current
    version as a :class:`Community` that never changes, so a query sees one
    state however many updates run meanwhile (threads may query while one
    thread updates; the GIL is released while an update waits and rebuilds).

    Every version is exactly the community a fresh load of the same data
    gives (members in the order they were added, interaction rows in the
    order they were added). An update costs a rebuild, O(members +
    interaction rows): collect updates that arrive together with
    :meth:`batch`.

    Member fields (keyword arguments): ``stage`` (a stage name),
    ``satisfaction`` (0-10, None = unknown), ``capacity`` (>= 0, None = the
    journey default), ``opted_out`` (bool), ``activity`` (>= 0, None = not
    given), ``tags`` (a list of str), ``features`` (``dimensions`` numbers).

    Examples
    --------
    >>> live = er.LiveCommunity.from_csv("members.csv", "interactions.csv")  # doctest: +SKIP
    >>> live.update_member("ada", satisfaction=9, tags=["go", "security"])   # doctest: +SKIP
    >>> live.erase("bob")                                                    # doctest: +SKIP
    >>> er.recommend(live.snapshot(), member="ada")                          # doctest: +SKIP
    """

    __slots__ = ("_l",)

    def __init__(
        self, journey: Union[None, str, Journey] = None, dimensions: int = 0, *, _core_live: Any = None
    ) -> None:
        self._l = _core_live or _core.LiveCommunity(_journey_arg(journey), int(dimensions))

    @classmethod
    def from_csv(
        cls, members: PathLike, interactions: Optional[PathLike] = None, journey: Union[None, str, Journey] = None
    ) -> LiveCommunity:
        """Start from ``members.csv`` and, optionally, ``interactions.csv``."""
        inter = None if interactions is None else _os.fspath(interactions)
        return cls(_core_live=_core.LiveCommunity.from_csv(_os.fspath(members), inter, _journey_arg(journey)))

    @classmethod
    def from_community(cls, community: Community) -> LiveCommunity:
        """Start from a :class:`Community` (its data are copied)."""
        return cls(_core_live=_core.LiveCommunity.from_community(community._c))

    @classmethod
    def load(cls, path: PathLike) -> LiveCommunity:
        """Start from a snapshot file (:meth:`save`, ``Community.save``)."""
        return cls(_core_live=_core.LiveCommunity.load(_os.fspath(path)))

    def snapshot(self) -> Community:
        """The current version, immutable: queries on it see one state."""
        return Community(self._l.current())

    @property
    def version(self) -> int:
        """Number of versions published (0 before the first update)."""
        return self._l.version

    def __len__(self) -> int:
        return len(self._l.current())

    def __contains__(self, member_id: str) -> bool:
        return member_id in self.snapshot()

    def __repr__(self) -> str:
        return f"<engage_right.LiveCommunity: {len(self)} members, version {self.version}>"

    def add_member(self, id: str, stage: str, **fields: Any) -> None:
        """Add a member. Raises ValueError (bad field, id taken)."""
        self.apply_batch([("add_member", id, "", _fields(dict(fields, stage=stage)), 1.0, None)])

    def update_member(self, id: str, **fields: Any) -> None:
        """Change the given fields of a member; None empties a field.
        Raises KeyError (unknown id), ValueError (bad field)."""
        self.apply_batch([("update_member", id, "", _fields(fields), 1.0, None)])

    def add_interaction(self, source: str, target: str, weight: float = 1.0, timestamp: Any = None) -> None:
        """Record a contact (unix seconds, ISO-8601 text or a datetime)."""
        self.apply_batch([("add_interaction", source, target, {}, float(weight), _time(timestamp))])

    def erase(self, id: str) -> None:
        """Forget a member: their row, interactions and tags only they used
        leave every later version, snapshot and export. Raises KeyError."""
        self.apply_batch([("erase", id, "", {}, 1.0, None)])

    @contextmanager
    def batch(self) -> Iterator[Batch]:
        """Collect updates and apply them together, all or nothing, as one
        version, when the ``with`` block ends without an exception."""
        b = Batch()
        yield b
        if len(b):
            self.apply_batch(b._updates)

    def apply_batch(self, updates: Sequence[tuple]) -> None:
        self._l.apply(list(updates))

    def save(self, path: PathLike) -> None:
        """Write the current version as a snapshot file (atomically)."""
        self._l.save(_os.fspath(path))
