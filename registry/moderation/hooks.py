"""The hook interface, the subject a hook looks at, and the chain that runs hooks in order."""

from __future__ import annotations

import enum
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO, Protocol

from sqlalchemy.orm import Session

from registry.content import detect_text_kind, extract_text
from registry.core.record_json import JsonRecord, json_of

# The text of a work is read for the lexicon at most this far.
MAX_TEXT_BYTES = 32 << 20
TEXT_HEAD_BYTES = 1024


class Verdict(enum.StrEnum):
    ACCEPT = "accept"
    HOLD = "hold"
    REJECT = "reject"


@dataclass(frozen=True)
class HookResult(JsonRecord):
    """What one hook said: its verdict, a score (0 = nothing found) and why."""

    hook: str
    verdict: Verdict
    score: float = 0.0
    reasons: tuple[str, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict)


class LazyText:
    """The text of an upload (TXT, EPUB, PDF), extracted once on first need, bounded."""

    def __init__(self, content: BinaryIO | None) -> None:
        self._content = content
        self._done = False
        self._text: str | None = None

    def get(self) -> str | None:
        if not self._done:
            self._done = True
            self._text = self._extract()
        return self._text

    def _extract(self) -> str | None:
        content = self._content
        if content is None or not content.seekable():
            return None
        content.seek(0)
        head = content.read(TEXT_HEAD_BYTES)
        kind = detect_text_kind(head)
        if kind is None:
            return None
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            spool.write(head)
            while chunk := content.read(256 * 1024):
                if spool.tell() + len(chunk) > MAX_TEXT_BYTES:
                    break
                spool.write(chunk)
            spool.seek(0)
            return extract_text(kind, spool)


@dataclass(frozen=True)
class Subject:
    """What is being moderated: a registration's work (or the publishing of a private one)."""

    action: str  # register, publish
    sha256: str
    sm3: str
    cid: str | None
    size: int
    title: str
    metadata: Mapping[str, object]
    iscc_data: str | None
    iscc_content: str | None
    registrant: str | None  # the claim's signer, or the submitting key
    text: LazyText = field(default_factory=lambda: LazyText(None), compare=False)
    # The row id of the party the registration belongs to (``registering_party``); None for a
    # registration of no party. The same party is the same claimant, whichever of its keys signed.
    party: int | None = None

    def to_json(self) -> dict[str, object]:
        return json_of(self, omit=("text", "party"))


@dataclass(frozen=True)
class HookContext:
    """What a hook may use: a read-only session on the registry's database, and the time."""

    session: Session
    now: datetime


class ModerationHook(Protocol):
    """A moderation hook: a plain object with a ``name`` and ``check``."""

    name: str

    def check(self, subject: Subject, context: HookContext) -> HookResult: ...


@dataclass(frozen=True)
class ChainPolicy:
    """How the hooks' results combine (configuration, see ``registry.core.settings``)."""

    stop_on_reject: bool = True
    hold_score: float = 1.0
    reject_score: float | None = None


@dataclass(frozen=True)
class ModerationOutcome:
    verdict: Verdict
    results: tuple[HookResult, ...]

    def results_json(self) -> list[dict[str, object]]:
        return [r.to_json() for r in self.results]


@dataclass(frozen=True)
class HookChain:
    """Hooks run in order; the policy turns their results into one verdict.

    Any reject → rejected (with ``stop_on_reject`` the chain ends there); else any hold, or the
    scores adding up to ``hold_score`` → held; scores adding up to ``reject_score`` → rejected.
    """

    hooks: Sequence[ModerationHook]
    policy: ChainPolicy = ChainPolicy()

    def run(
        self, subject: Subject, sessions: Callable[[], Session], now: datetime
    ) -> ModerationOutcome:
        results: list[HookResult] = []
        with sessions() as session:
            context = HookContext(session, now)
            for hook in self.hooks:
                result = hook.check(subject, context)
                results.append(result)
                if result.verdict is Verdict.REJECT and self.policy.stop_on_reject:
                    break
        return ModerationOutcome(self.verdict_of(results), tuple(results))

    def verdict_of(self, results: Sequence[HookResult]) -> Verdict:
        total = sum(r.score for r in results)
        if any(r.verdict is Verdict.REJECT for r in results):
            return Verdict.REJECT
        if self.policy.reject_score is not None and total >= self.policy.reject_score:
            return Verdict.REJECT
        if any(r.verdict is Verdict.HOLD for r in results) or total >= self.policy.hold_score:
            return Verdict.HOLD
        return Verdict.ACCEPT
