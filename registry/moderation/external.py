"""The external HTTP hook: POST a signed JSON description of the subject to a URL.

Request body (UTF-8 JSON): ``{"hook": name, "sent_at": ISO time, "subject": {...}}``; header
``X-Banquan-Signature: sha256=<HMAC-SHA256 of the body with the hook's secret, hex>``. The answer
is ``{"verdict": "accept" | "hold" | "reject", "score": number, "reasons": [text]}``. A timeout,
a connection failure, a 5xx or a malformed answer is retried ``retries`` times; then the hook
fails open (accept) or closed (reject), as configured.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from registry.core.hook_config import ExternalHookConfig
from registry.moderation.hooks import HookContext, HookResult, Subject, Verdict

SIGNATURE_HEADER = "X-Banquan-Signature"


def sign_body(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Unusable(Exception):
    pass


class ExternalHook:
    def __init__(self, config: ExternalHookConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self.name = config.name
        self._transport = transport

    def check(self, subject: Subject, context: HookContext) -> HookResult:
        body = json.dumps(
            {"hook": self.name, "sent_at": context.now.isoformat(), "subject": subject.to_json()},
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_body(self.config.secret.get_secret_value(), body),
        }
        failures: list[str] = []
        with httpx.Client(timeout=self.config.timeout_seconds, transport=self._transport) as client:
            for _ in range(self.config.retries + 1):
                try:
                    response = client.post(self.config.url, content=body, headers=headers)
                    return self._result(response)
                except (httpx.HTTPError, _Unusable) as exc:
                    failures.append(f"{type(exc).__name__}: {exc}"[:300])
        details: dict[str, object] = {"attempts": len(failures), "failures": failures}
        if self.config.fail_open:
            return HookResult(
                self.name,
                Verdict.ACCEPT,
                reasons=("the hook did not answer; failed open",),
                details={**details, "failed": "open"},
            )
        return HookResult(
            self.name,
            Verdict.REJECT,
            score=1.0,
            reasons=("the hook did not answer; failed closed",),
            details={**details, "failed": "closed"},
        )

    def _result(self, response: httpx.Response) -> HookResult:
        if response.status_code >= 500:
            raise _Unusable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
            verdict = Verdict(answer["verdict"])
            score = float(answer.get("score", 0.0))
            reasons = tuple(str(r) for r in answer.get("reasons", []))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _Unusable(f"malformed answer (HTTP {response.status_code})") from exc
        return HookResult(
            self.name, verdict, score=score, reasons=reasons, details={"url": self.config.url}
        )
