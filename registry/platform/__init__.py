"""Platform: the composition root (``Runtime``, built once from settings), webhooks, health and
metrics. Its public face is below."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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

_EXPORTS = {
    "check_health": "registry.platform.health",
    "registry_figures": "registry.platform.metrics",
    "Runtime": "registry.platform.runtime",
    "build_runtime": "registry.platform.runtime",
    "DeliveryPolicy": "registry.platform.webhooks",
    "WebhookDispatcher": "registry.platform.webhooks",
    "create_subscription": "registry.platform.webhooks",
    "delete_subscription": "registry.platform.webhooks",
    "deliver_due": "registry.platform.webhooks",
    "list_subscriptions": "registry.platform.webhooks",
    "replay": "registry.platform.webhooks",
}

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


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
