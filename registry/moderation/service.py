"""The moderation service: what moderators, regulators, platforms and registrants do with review
items, the blocklist, takedowns, complaints, appeals and the audit log.

One object, built once by the runtime (``Runtime.moderation``) and used by the API and the CLI
alike, so every face decides, takes down and audits the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from chain_client.moderation import ModerationClient
from chain_client.registry_anchor import RegistryAnchorClient
from registry.core.errors import ContractsNotConfigured
from registry.moderation.audit import AuditVerification, export_audit, verify_audit_chain
from registry.moderation.builtin import (
    BlocklistView,
    add_blocklist_entry,
    list_blocklist,
    remove_blocklist_entry,
)
from registry.moderation.events import ModerationEvents
from registry.moderation.review import (
    ReviewItemView,
    claim_review_item,
    decide_review_item,
    file_appeal,
    file_complaint,
    get_review_item,
    list_review_items,
    moderation_of,
)
from registry.moderation.revocation import RevocationView, revoke_registration
from registry.moderation.takedown import (
    TakedownChange,
    TakedownView,
    list_takedowns,
    restore,
    take_down,
)


@dataclass(frozen=True)
class Moderation:
    """Review, blocklist, takedowns and the audit log over one database and one chain.

    ``chain`` gives the suite's ``Moderation`` contract sending as the account of an authority
    (``"moderator"`` or ``"regulator"``: the chain records a freeze's authority by its sender's
    role), resolved only when a decision needs the chain (a takedown, or a complaint accepted);
    ``anchor`` the ``RegistryAnchor`` sending
    as a regulator (for revoking a registration); ``events`` tells listeners of decisions.
    """

    sessions: sessionmaker[Session]
    now: Callable[[], datetime]
    chain: Callable[[str], ModerationClient]
    events: ModerationEvents
    anchor: Callable[[], RegistryAnchorClient] | None = None

    # ------------------------------------------------------------------------------- review

    def review_items(
        self,
        *,
        status: str | None = None,
        kind: str | None = None,
        registration: str | None = None,
        limit: int = 100,
    ) -> list[ReviewItemView]:
        """Review items, oldest first; ``status=None`` means the ones waiting."""
        return list_review_items(
            self.sessions, status=status, kind=kind, registration=registration, limit=limit
        )

    def of_registration(
        self, number: str, *, requester: str, may_see_all: bool
    ) -> list[ReviewItemView]:
        """What moderation said about ``number``: for its submitter, or everything for staff."""
        return moderation_of(self.sessions, number, requester=requester, may_see_all=may_see_all)

    def review_item(self, item_id: int) -> ReviewItemView:
        return get_review_item(self.sessions, item_id)

    def claim(self, item_id: int, *, moderator: str, moderator_party: int | None) -> ReviewItemView:
        """Take a review item (nobody else decides it while claimed); ``moderator_party`` is the
        moderator key's party (None: the operator's command line, nobody's party)."""
        return claim_review_item(
            self.sessions, item_id,
            moderator=moderator, moderator_party=moderator_party, now=self.now,
        )  # fmt: skip

    def decide(
        self,
        item_id: int,
        *,
        moderator: str,
        moderator_party: int | None,
        accept: bool,
        reason: str,
        authority: str,
    ) -> ReviewItemView:
        """Accept or reject a review item (see ``registry.moderation.review``); never one the
        moderator's key or party (``moderator_party``) is party to."""
        return decide_review_item(
            self.sessions, item_id,
            moderator=moderator, moderator_party=moderator_party, accept=accept, reason=reason,
            now=self.now, authority=authority, events=self.events,
            moderation=self.chain,
        )  # fmt: skip

    def complain(
        self,
        *,
        accused: str,
        complainant_work: str | None,
        complainant: str,
        complainant_party: int | None,
        statement: str,
    ) -> ReviewItemView:
        """An infringement notice against registration ``accused``, citing the complainant's own
        work (of ``complainant_party``) if any."""
        return file_complaint(
            self.sessions,
            accused=accused, complainant_work=complainant_work, complainant=complainant,
            complainant_party=complainant_party, statement=statement, now=self.now,
            events=self.events,
        )  # fmt: skip

    def appeal(
        self,
        number: str,
        *,
        appellant: str,
        statement: str,
        may_act_for_anyone: bool = False,
        appellant_party: int | None = None,
    ) -> ReviewItemView:
        """The registrant appeals a rejection or a takedown of ``number``, once per decision."""
        return file_appeal(
            self.sessions, number,
            appellant=appellant, statement=statement, now=self.now,
            may_act_for_anyone=may_act_for_anyone, appellant_party=appellant_party,
            events=self.events,
        )  # fmt: skip

    # ---------------------------------------------------------------------------- blocklist

    def blocklist(self) -> list[BlocklistView]:
        return list_blocklist(self.sessions)

    def block(
        self, *, algorithm: str, value: str, reason: str, added_by: str | None
    ) -> BlocklistView:
        """List a digest or CID (an existing entry is returned unchanged)."""
        return add_blocklist_entry(
            self.sessions,
            algorithm=algorithm, value=value, reason=reason, added_by=added_by, now=self.now,
        )  # fmt: skip

    def unblock(self, entry_id: int, *, removed_by: str | None) -> None:
        remove_blocklist_entry(self.sessions, entry_id, removed_by=removed_by, now=self.now)

    # ---------------------------------------------------------------------------- takedowns

    def takedowns(
        self,
        *,
        registration: str | None = None,
        in_force: bool = False,
        limit: int = 1000,
        after: int = 0,
    ) -> list[TakedownView]:
        """Takedowns (restored ones too unless ``in_force``), oldest first from id ``after``."""
        return list_takedowns(
            self.sessions, registration=registration, in_force=in_force, limit=limit, after=after
        )

    def take_down(self, reference: str, *, reason: str, actor: str, authority: str) -> TakedownView:
        """Freeze a registration (its asset) on chain, with the reason's digest."""
        return self._change(take_down, reference, reason=reason, actor=actor, authority=authority)

    def restore(self, reference: str, *, reason: str, actor: str, authority: str) -> TakedownView:
        """Lift the takedown in force (a moderator cannot lift a regulator's)."""
        return self._change(restore, reference, reason=reason, actor=actor, authority=authority)

    def revoke_registration(
        self, reference: str, *, reason: str, actor: str, authority: str
    ) -> RevocationView:
        """Revoke one registration on chain, for good (a regulator's decision): its proof shows
        revoked, it cannot be tokenized from then on (an asset minted before is marked revoked and
        its edition frozen), and its batch's other registrations stay valid."""
        if self.anchor is None:
            raise ContractsNotConfigured("no RegistryAnchor is configured to revoke on")
        return revoke_registration(
            self.sessions, self.anchor(), reference,
            reason=reason, actor=actor, authority=authority, now=self.now, events=self.events,
        )  # fmt: skip

    def _change(
        self, change: TakedownChange, reference: str, *, reason: str, actor: str, authority: str
    ) -> TakedownView:
        return change(
            self.sessions, self.chain, reference,
            reason=reason, actor=actor, authority=authority, now=self.now, events=self.events,
        )  # fmt: skip

    # -------------------------------------------------------------------------------- audit

    def audit_lines(self, *, since: datetime | None = None) -> Iterator[str]:
        """The audit log as JSON lines, hash-chained, oldest first."""
        return export_audit(self.sessions, since=since)

    def verify_audit(self) -> AuditVerification:
        return verify_audit_chain(self.sessions)
