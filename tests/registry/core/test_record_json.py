"""Records as JSON objects: every field in order, times, enumerations, tuples and records
turned into what JSON has."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from registry.core.record_json import JsonRecord, json_of


class Colour(enum.StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Inner:
    name: str
    at: datetime | None


@dataclass(frozen=True)
class Outer:
    colour: Colour
    inners: tuple[Inner, ...]
    inner: Inner | None
    details: dict[str, object] = field(default_factory=dict)
    hidden: str = "not shown"


def test_a_record_is_its_fields_in_order_with_json_values() -> None:
    at = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    record = Outer(
        Colour.RED, (Inner("a", at), Inner("b", None)), None, {"codes": ("x", "y"), "n": 1}
    )
    value = json_of(record, omit=("hidden",))
    assert value == {
        "colour": "red",
        "inners": [
            {"name": "a", "at": "2026-11-27T08:00:00+00:00"},
            {"name": "b", "at": None},
        ],
        "inner": None,
        "details": {"codes": ["x", "y"], "n": 1},
    }
    assert list(value) == ["colour", "inners", "inner", "details"]
    assert type(value["colour"]) is str


@dataclass(frozen=True)
class Shown(JsonRecord):
    name: str
    at: datetime


def test_a_json_record_is_json_of_itself() -> None:
    at = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert Shown("a", at).to_json() == {"name": "a", "at": "2026-11-27T08:00:00+00:00"}
