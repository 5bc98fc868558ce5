"""A registration just written in the current transaction, as the steps after its insert read it
(its ``registered`` event, its moderation rows): plain values, no ORM object."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NewRegistration:
    """The columns of a registration and of its work that were just inserted."""

    id: int
    number: str
    leaf: str
    registrant: str | None
    status: str
    work_id: int
    sha256: str
    sm3: str
    cid: str | None
    iscc_data: str | None
    iscc_content: str | None
