"""Platform: the composition root (``Runtime``, built once from settings), webhooks, health and
metrics. Its public face is below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from registry.core.lazy_exports import lazy_exports

# Each name is imported from its module on first use (PEP 562), so that importing one module
# of this package does not import them all: a command that needs little starts at once.
if TYPE_CHECKING:
    from registry.platform.health import check_health
    from registry.platform.metrics import registry_figures
    from registry.platform.runtime import Runtime, build_runtime
    from registry.platform.webhooks import (
        DeliveryPolicy,
        WebhookDispatcher,
        create_subscription,
        delete_subscription,
        deliver_due,
        list_subscriptions,
        replay,
    )

__getattr__ = lazy_exports(
    __name__,
    {
        "registry.platform.health": ("check_health",),
        "registry.platform.metrics": ("registry_figures",),
        "registry.platform.runtime": ("Runtime", "build_runtime"),
        "registry.platform.webhooks": (
            "DeliveryPolicy",
            "WebhookDispatcher",
            "create_subscription",
            "delete_subscription",
            "deliver_due",
            "list_subscriptions",
            "replay",
        ),
    },
)

__all__ = [
    "DeliveryPolicy",
    "Runtime",
    "WebhookDispatcher",
    "build_runtime",
    "check_health",
    "create_subscription",
    "delete_subscription",
    "deliver_due",
    "list_subscriptions",
    "registry_figures",
    "replay",
]
