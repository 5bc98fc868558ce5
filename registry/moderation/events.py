"""Moderation decisions as events, for whoever must tell the registrant (webhooks, e-mail).

Services publish after their transaction commits; a listener that raises is logged and does not
undo the decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModerationEvent:
    """``kind``: registration.held, registration.rejected, review.decided, complaint.filed,
    appeal.filed, takedown, restore."""

    kind: str
    at: datetime
    registration_number: str | None
    registration_status: str | None = None
    review_item_id: int | None = None
    details: Mapping[str, object] = field(default_factory=dict)


ModerationListener = Callable[[ModerationEvent], None]


class ModerationEvents:
    def __init__(self) -> None:
        self._listeners: list[ModerationListener] = []

    def subscribe(self, listener: ModerationListener) -> None:
        self._listeners.append(listener)

    def publish(self, event: ModerationEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("moderation listener failed on %s", event.kind)


def publish(events: ModerationEvents | None, event: ModerationEvent) -> None:
    if events is not None:
        events.publish(event)
