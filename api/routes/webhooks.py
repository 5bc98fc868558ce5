"""Webhook subscriptions (create, list, delete, replay): a platform's hear of every work, a
publisher's of its own party's works only. See docs/webhooks.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import PlatformOrPublisher
from api.dependencies import RuntimeDep
from api.schemas import error_responses, with_example
from registry.access import Principal, Scope
from registry.core.errors import MissingScope
from registry.platform import (
    create_subscription,
    delete_subscription,
    list_subscriptions,
    replay,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
ERRORS = error_responses(400, 401, 403, 404, 422)


class SubscriptionIn(BaseModel):
    url: str = Field(examples=["https://platform.example/banquan-events"])
    event_types: list[str] | None = Field(
        default=None,
        description="Event types to receive (default: all)",
        examples=[["registered", "anchored", "transferred"]],
    )
    algorithm: str = Field(default="hmac-sha256", description="hmac-sha256 or hmac-sm3")


class SubscriptionOut(BaseModel):
    model_config = with_example(examples.SUBSCRIPTION, from_attributes=True)

    id: int
    url: str
    event_types: list[str]
    algorithm: str
    active: bool
    created_at: datetime
    pending: int = Field(description="Deliveries waiting or being retried")
    failed: int = Field(description="Deliveries given up on (replay to send them again)")
    first_failed_event: int | None
    party: int | None = Field(
        description="A publisher's subscription: the events of this party's works only "
        "(null: a platform's, every work)"
    )


class CreatedOut(SubscriptionOut):
    model_config = with_example(examples.SUBSCRIPTION_CREATED)

    secret: str = Field(description="The signing secret: shown this once")
    warnings: list[str] = Field(
        default_factory=list,
        description="What to know about an accepted subscription (e.g. a non-public target, "
        "accepted in dev mode only)",
    )


class ReplayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    queued: int = Field(description="Deliveries queued again", examples=[12])
    pending: int = Field(
        description="Deliveries still pending (waiting or retrying), left as they are",
        examples=[0],
    )


def _owner(principal: Principal) -> str | None:
    """Admin keys see every subscription; a platform or publisher key only its own."""
    return None if Scope.ADMIN in principal.scopes else principal.key_id


def _works_of(principal: Principal) -> int | None:
    """Whose works a new subscription hears of: every work for a platform (or admin) key, the
    key's own party's for a publisher key (one without a party needs the platform scope)."""
    if principal.scopes & {Scope.PLATFORM, Scope.ADMIN}:
        return None
    if principal.party is None:
        raise MissingScope(
            "该发布方密钥未关联任何登记主体，只有平台密钥可订阅全部作品的事件 / this publisher "
            "key acts for no party: only a platform key subscribes to every work",
            details={"required": Scope.PLATFORM.value},
        )
    return principal.party


@router.post("", status_code=201, response_model=CreatedOut, responses=ERRORS)
def post_subscription(
    body: SubscriptionIn, runtime: RuntimeDep, principal: PlatformOrPublisher
) -> CreatedOut:
    """Subscribe a URL to events recorded from now on; the signing secret is returned once. A
    publisher key's subscription receives the events of its own party's works only."""
    created = create_subscription(
        runtime.sessions,
        key_id=principal.key_id,
        url=body.url,
        event_types=body.event_types,
        algorithm=body.algorithm,
        now=runtime.now,
        allow_private_targets=runtime.settings.private_webhook_targets_allowed,
        party=_works_of(principal),
        limit=runtime.settings.webhook_subscriptions_per_key,
    )
    return CreatedOut(
        **SubscriptionOut.model_validate(created.subscription).model_dump(),
        secret=created.secret,
        warnings=list(created.warnings),
    )


@router.get("", response_model=list[SubscriptionOut], responses=ERRORS)
def get_subscriptions(runtime: RuntimeDep, principal: PlatformOrPublisher) -> list[SubscriptionOut]:
    """This key's subscriptions, with how many deliveries are pending or failed."""
    return [
        SubscriptionOut.model_validate(v)
        for v in list_subscriptions(runtime.sessions, key_id=_owner(principal))
    ]


@router.delete("/{subscription_id}", status_code=204, responses=ERRORS)
def delete_one(
    subscription_id: SubscriptionId, runtime: RuntimeDep, principal: PlatformOrPublisher
) -> None:
    """Delete a subscription; nothing more is sent to it."""
    delete_subscription(runtime.sessions, subscription_id, key_id=_owner(principal))


@router.post(
    "/{subscription_id}/replay",
    status_code=202,
    response_model=ReplayOut,
    responses=error_responses(400, 401, 403, 404, 409, 422),
)
def post_replay(
    subscription_id: SubscriptionId,
    runtime: RuntimeDep,
    principal: PlatformOrPublisher,
    from_event: Annotated[
        int,
        Query(ge=1, le=MAX_ID, description="The first event id to deliver again", examples=[1]),
    ],
) -> ReplayOut:
    """Deliver every event of the subscription's types again, from event ``from_event`` on;
    deliveries still pending are left as they are (409 ``replay_pending`` when all are)."""
    replayed = replay(
        runtime.sessions,
        subscription_id,
        key_id=_owner(principal),
        from_event=from_event,
        now=runtime.now,
    )
    return ReplayOut.model_validate(replayed)
