"""``banquan webhooks``: deliver due webhook events now (the worker does it on its own)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.runtime import registry_runtime

if TYPE_CHECKING:
    from registry.platform import DeliveryPolicy, Runtime, WebhookDispatcher

webhooks_app = typer.Typer(help="Webhooks: signed event deliveries to platforms.")
console = Console(soft_wrap=True)


@webhooks_app.command("deliver")
def deliver(
    timeout: Annotated[
        float | None,
        typer.Option(help="Seconds to wait for each receiver (default: the setting)"),
    ] = None,
) -> None:
    """Fan new events out and send every delivery that is due, once."""
    import httpx

    from registry.platform import deliver_due

    with registry_runtime() as runtime:
        policy = delivery_policy(runtime, timeout)
        with httpx.Client(timeout=policy.timeout) as client:
            report = deliver_due(runtime.sessions, client, runtime.now, policy=policy)
    console.print(
        f"fanned out {report.fanned_out}, delivered {report.delivered}, "
        f"retrying {report.retrying}, failed {report.failed}"
    )
    for error in report.errors:
        console.print(f"[yellow]{error}[/yellow]")


def start_dispatcher(runtime: Runtime) -> WebhookDispatcher:
    """Deliver webhooks in a background thread of ``banquan worker`` (stop it before exiting)."""
    from registry.platform import WebhookDispatcher

    dispatcher = WebhookDispatcher(
        runtime.sessions,
        now=runtime.now,
        interval=runtime.settings.batch_interval_seconds,
        policy=delivery_policy(runtime),
    )
    dispatcher.start()
    return dispatcher


def delivery_policy(runtime: Runtime, timeout: float | None = None) -> DeliveryPolicy:
    from registry.platform import DeliveryPolicy

    settings = runtime.settings
    return DeliveryPolicy(
        timeout=timeout or settings.webhook_timeout_seconds,
        max_attempts=settings.webhook_max_attempts,
        allow_private_targets=settings.private_webhook_targets_allowed,
    )
