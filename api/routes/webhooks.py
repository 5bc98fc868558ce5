"""Platforms: webhook subscriptions (create, list, delete, replay). See docs/webhooks.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api import examples
from api.auth import requires
from api.dependencies import get_runtime
from api.schemas import ErrorOut
from registry.access import Principal, Scope
from registry.runtime import Runtime
from registry.webhooks import (
    SubscriptionView,
    create_subscription,
    delete_subscription,
    list_subscriptions,
    replay,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut},
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


class SubscriptionIn(BaseModel):
    url: str = Field(examples=["https://platform.example/banquan-events"])
    event_types: list[str] | None = Field(
        default=None,
        description="Event types to receive (default: all)",
        examples=[["registered", "anchored", "transferred"]],
    )
    algorithm: str = Field(default="hmac-sha256", description="hmac-sha256 or hmac-sm3")


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SUBSCRIPTION]})

    id: int
    url: str
    event_types: list[str]
    algorithm: str
    active: bool
    created_at: datetime
    pending: int = Field(description="Deliveries waiting or being retried")
    failed: int = Field(description="Deliveries given up on (replay to send them again)")
    first_failed_event: int | None


class CreatedOut(SubscriptionOut):
    model_config = ConfigDict(json_schema_extra={"examples": [examples.SUBSCRIPTION_CREATED]})

    secret: str = Field(description="The signing secret: shown this once")


class ReplayOut(BaseModel):
    queued: int = Field(description="Deliveries queued again", examples=[12])


def _owner(principal: Principal) -> str | None:
    """Admin keys see every subscription; a platform key only its own."""
    return None if Scope.ADMIN in principal.scopes else principal.key_id


def _out(view: SubscriptionView) -> SubscriptionOut:
    return SubscriptionOut(
        id=view.id,
        url=view.url,
        event_types=list(view.event_types),
        algorithm=view.algorithm,
        active=view.active,
        created_at=view.created_at,
        pending=view.pending,
        failed=view.failed,
        first_failed_event=view.first_failed_event,
    )


@router.post("", status_code=201, response_model=CreatedOut, responses=ERRORS)
def post_subscription(
    body: SubscriptionIn,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
) -> CreatedOut:
    """Subscribe a URL to events recorded from now on; the signing secret is returned once."""
    created = create_subscription(
        runtime.sessions,
        key_id=principal.key_id,
        url=body.url,
        event_types=body.event_types,
        algorithm=body.algorithm,
        now=runtime.now,
        allow_private_targets=runtime.settings.private_webhook_targets_allowed,
    )
    return CreatedOut(**_out(created.subscription).model_dump(), secret=created.secret)


@router.get("", response_model=list[SubscriptionOut], responses=ERRORS)
def get_subscriptions(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
) -> list[SubscriptionOut]:
    """This key's subscriptions, with how many deliveries are pending or failed."""
    return [_out(v) for v in list_subscriptions(runtime.sessions, key_id=_owner(principal))]


@router.delete("/{subscription_id}", status_code=204, responses=ERRORS)
def delete_one(
    subscription_id: SubscriptionId,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
) -> None:
    """Delete a subscription; nothing more is sent to it."""
    delete_subscription(runtime.sessions, subscription_id, key_id=_owner(principal))


@router.post(
    "/{subscription_id}/replay", status_code=202, response_model=ReplayOut, responses=ERRORS
)
def post_replay(
    subscription_id: SubscriptionId,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    principal: Annotated[Principal, Depends(requires(Scope.PLATFORM))],
    from_event: Annotated[
        int,
        Query(ge=1, le=MAX_ID, description="The first event id to deliver again", examples=[1]),
    ],
) -> ReplayOut:
    """Deliver every event of the subscription's types again, from event ``from_event`` on."""
    queued = replay(
        runtime.sessions,
        subscription_id,
        key_id=_owner(principal),
        from_event=from_event,
        now=runtime.now,
    )
    return ReplayOut(queued=queued)
