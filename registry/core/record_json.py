"""Records (frozen dataclasses) as JSON objects, for the answers and files that show them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Collection, Mapping
from datetime import datetime


def json_of(record: object, *, omit: Collection[str] = ()) -> dict[str, object]:
    """``record`` as a JSON object: each of its fields but those in ``omit``, in their order,
    with times in ISO 8601, enumerations by value, tuples as lists and records as objects."""
    return {
        field.name: _json_value(getattr(record, field.name))
        for field in dataclasses.fields(record)  # type: ignore[arg-type]
        if field.name not in omit
    }


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_of(value)
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _json_value(item) for key, item in value.items()}
    return value


class JsonRecord:
    """A record (a dataclass) whose JSON object is :func:`json_of` it."""

    def to_json(self) -> dict[str, object]:
        return json_of(self)
