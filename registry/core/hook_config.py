"""Settings of one external HTTP hook (part of :class:`registry.core.settings.Settings`)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class ExternalHookConfig(BaseModel):
    """An external HTTP hook: ``name`` is what ``BANQUAN_MODERATION_HOOKS`` lists."""

    name: str = Field(min_length=1, max_length=40)
    url: str
    secret: SecretStr = Field(description="HMAC-SHA256 key signing each request body")
    timeout_seconds: float = Field(default=5.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    fail_open: bool = Field(
        default=False,
        description="true: accept when the hook cannot answer; false: reject (fail closed)",
    )
