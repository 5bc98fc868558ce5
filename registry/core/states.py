"""The state machines of the registry, one :class:`~enum.StrEnum` each.

The values are the strings stored in the database and sent over the API, so a member compares
equal to (and serialises as) the text it replaces. Columns stay ``String``; code assigns and
compares members. Where several states are meant together, a frozenset sits next to its enum.
"""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    """pending → anchored (→ pending when its batch is re-sealed); held → pending | rejected;
    rejected → pending (an appeal accepted). The hooks decide the first: pending, held or rejected.
    """

    PENDING = "pending"
    HELD = "held"
    REJECTED = "rejected"
    ANCHORED = "anchored"


# What each registration status means to a person, zh-CN first.
REGISTRATION_STATUS_WORDS = {
    RegistrationStatus.PENDING: "待上链：已登记，等待锚定 / waiting for its batch to be anchored",
    RegistrationStatus.HELD: "待审核：审核员决定前不上链 / held for a moderator's decision",
    RegistrationStatus.REJECTED: "已驳回：不会上链 / rejected, never anchored",
    RegistrationStatus.ANCHORED: "已上链：默克尔根已在链上 / its Merkle root is on chain",
}

# Registrations moderation keeps back: never anchored, never offered as similar works.
REGISTRATION_WITHHELD = frozenset({RegistrationStatus.HELD, RegistrationStatus.REJECTED})


class BatchStatus(StrEnum):
    """sealed → submitted → anchored → confirmed; back to sealed when its transaction or its root
    on chain is lost (a reorganisation, a reset development chain)."""

    SEALED = "sealed"
    SUBMITTED = "submitted"
    ANCHORED = "anchored"
    CONFIRMED = "confirmed"


# A batch whose root the contract holds (confirmed or not).
BATCH_ON_CHAIN = frozenset({BatchStatus.ANCHORED, BatchStatus.CONFIRMED})


class ExternalAnchoringState(StrEnum):
    """A batch root on one external chain (second anchoring): pending → sent → confirmed;
    failed (an attempt did not get through; retried with backoff) → pending; confirmed → pending
    when the external chain lost the root or its block (a reset chain)."""

    PENDING = "pending"
    SENT = "sent"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class CatalogueJobState(StrEnum):
    """open → running → completed | partly | failed; open again whenever items wait for files."""

    OPEN = "open"
    RUNNING = "running"
    COMPLETED = "completed"
    PARTLY = "partly"
    FAILED = "failed"


class CatalogueItemState(StrEnum):
    """pending (no file yet) → uploaded (file staged) → registered | refused; refused → uploaded
    when a corrected file is sent (a refusal of the file itself)."""

    PENDING = "pending"
    UPLOADED = "uploaded"
    REGISTERED = "registered"
    REFUSED = "refused"


class ReviewItemStatus(StrEnum):
    """open → claimed → accepted | rejected; the hooks record accepted or rejected at once, and
    open what they hold. Registrations, publications, complaints and appeals alike."""

    OPEN = "open"
    CLAIMED = "claimed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# Review items waiting for a moderator.
REVIEW_WAITING = frozenset({ReviewItemStatus.OPEN, ReviewItemStatus.CLAIMED})


class WebhookDeliveryStatus(StrEnum):
    """pending (waiting or retrying) → delivered | failed (gave up); a replay → pending again."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


# Deliveries not (yet) received: waiting, retrying or given up.
WEBHOOK_UNDELIVERED = frozenset({WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.FAILED})


class ChainLienStatus(StrEnum):
    """active → released | enforced: a lien on ``Pledges`` as the chain follower records it in
    ``ChainLien`` (``chain_client.pledges.LienStatus`` is the contract's numeric form)."""

    ACTIVE = "active"
    RELEASED = "released"
    ENFORCED = "enforced"
