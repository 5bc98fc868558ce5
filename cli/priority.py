"""Priority lines of ``banquan verify``: who registered the same content first (zh-CN, English)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from registry.core.record_json import json_of
from registry.core.states import RegistrationStatus

if TYPE_CHECKING:
    from registry.core.views import Claimant, Priority, RegistrationView


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def claimant_text(claimant: Claimant) -> str:
    """``BQ-…，<public name>，登记于 registered <time> UTC`` (and when its batch was anchored),
    Chinese first as the page says it."""
    name = claimant.claimant or "未签名登记 an unsigned registration"
    text = f"{claimant.number}，{name}，登记于 registered {_at(claimant.registered_at)}"
    if claimant.anchored_at is not None:
        text += f"，锚定于 anchored {_at(claimant.anchored_at)}"
    if claimant.revoked:
        text += "（已撤销 revoked）"
    elif claimant.taken_down:
        text += "（已下架 taken down）"
    elif claimant.status == RegistrationStatus.HELD:
        text += "（待审核 held for review）"
    return text


def priority_lines(priority: Priority) -> list[str]:
    """``首次登记 First registered: …`` and, when others registered it too, ``后续登记 Later
    claimants: …``."""
    lines = [f"首次登记 First registered: {claimant_text(priority.first)}"]
    if priority.later:
        later = "; ".join(claimant_text(c) for c in priority.later)
        lines.append(f"后续登记 Later claimants: {later}")
    return lines


def priority_json(priority: Priority | None) -> dict[str, object] | None:
    return None if priority is None else json_of(priority)


def distinct_priorities(views: Sequence[RegistrationView]) -> list[Priority]:
    """The priority of each content among ``views`` once (a file's registrations share one)."""
    seen: set[str] = set()
    found: list[Priority] = []
    for view in views:
        if view.priority is not None and view.sha256 not in seen:
            seen.add(view.sha256)
            found.append(view.priority)
    return found
