"""Use case: register a work (store its content, record its canonical claim, acknowledge)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import BinaryIO, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crypto.canonical import canonical_json
from crypto.signing import Signer
from registry.access import party_address, registering_party
from registry.content import (
    ContentProtection,
    ContentStore,
    insert_content_keys,
    stage,
    wrapped_keys,
)
from registry.content.ingest import ContentEncryption, StagedContent
from registry.core.database import unit_of_work
from registry.core.errors import (
    CidMismatch,
    ClaimAlreadyRegistered,
    ContentNotFound,
    IdempotencyKeyReused,
)
from registry.core.events import record_registered
from registry.core.group_commit import GroupCommitter
from registry.core.metadata import WorkMetadata
from registry.core.models import IdempotencyKey, Registration, Work
from registry.core.priority import with_priority
from registry.core.states import REGISTRATION_WITHHELD
from registry.core.views import (
    REGISTRATION_ROWS,
    NewRegistration,
    RegistrationView,
    registration_view,
    view_of_row,
)
from registry.moderation import (
    ModerationGate,
    announce_registration,
    record_moderation,
    status_after,
)
from registry.registration.by_cid import canonical_cid, refuse_withheld, stored_content
from registry.registration.claims import ClientSignedClaim, controller_for, prepare_claim
from registry.registration.own_works import (
    Caller,
    Page,
    list_own_registrations,
    open_own_content,
    publish_own,
)
from registry.registration.publication import open_content, open_published_content, publish_work
from registry.registration.search import index_registration

T = TypeVar("T")

# What registrations made from the command line (no API key) are scoped and attributed to.
COMMAND_LINE = "cli"


_INSERT_WORK = insert(Work).returning(Work.id)
_INSERT_REGISTRATION = insert(Registration).returning(Registration.id)
_SET_NUMBER = (
    update(Registration)
    .where(Registration.id == bindparam("registration_id"))
    .values(number=bindparam("new_number"))
)
_INSERT_IDEMPOTENCY_KEY = insert(IdempotencyKey)
_VIEW_ROW = REGISTRATION_ROWS.where(Registration.id == bindparam("id"))
_IDEMPOTENCY_KEY = select(IdempotencyKey.fingerprint, IdempotencyKey.registration_id).where(
    IdempotencyKey.scope == bindparam("scope"), IdempotencyKey.key == bindparam("key")
)


def registration_number(year: int, registration_id: int) -> str:
    """``BQ-2026-00000042``: readable, sortable, unique per registration."""
    return f"BQ-{year}-{registration_id:08d}"


@dataclass(frozen=True)
class Registrar:
    """Registers works: by upload, by the CID of content already stored, and for catalogue jobs.

    Built once by the composition root (``Runtime.registrar``) from the settings, and used alike
    by the API, the CLI and catalogue jobs, so a work registers the same way whatever face asked.
    ``signer`` is a key held for the registrant (the CLI's keystore), used when no signed claim
    comes with a request; ``moderation`` gives the hook chain a submitter's registrations pass.
    With a ``committer`` the rows of concurrent registrations are committed together, one durable
    write for many (see ``registry.core.group_commit``); without one each commits on its own.
    """

    sessions: sessionmaker[Session]
    store: ContentStore
    max_bytes: int
    now: Callable[[], datetime]
    protection: ContentProtection | None = None
    moderation: Callable[[str | None], ModerationGate] | None = None
    signer: Signer | None = None
    committer: GroupCommitter | None = None
    # The address owning a registration's rights asset now (by its leaf), None while it has none.
    asset_owner: Callable[[str], str | None] | None = None

    def signing_with(self, signer: Signer | None) -> Registrar:
        """This registrar, signing unsigned requests with ``signer``."""
        return replace(self, signer=signer)

    def own_registrations(self, caller: Caller, *, limit: int = 100, after: int = 0) -> Page:
        """The caller's registrations, oldest first, ``limit`` at a time from cursor ``after``."""
        return list_own_registrations(self.sessions, caller, limit=limit, after=after)

    def content(self, number: str, caller: Caller | None = None) -> Iterator[bytes]:
        """The plaintext of registration ``number``'s work, decrypted if private: one of
        ``caller``'s works (:class:`NotOwnRegistration` otherwise), or, without a caller, any
        work (the operator's command line)."""
        protection = self._protection()
        if caller is None:
            return open_content(self.sessions, self.store, protection, number)
        return open_own_content(self.sessions, self.store, protection, caller, number)

    def published_content(self, number: str) -> Iterator[bytes]:
        """The bytes of a published work, for anyone (:class:`ContentIsPrivate` otherwise, and
        :class:`PublicationHeld` / :class:`PublicationRejected` while moderation holds it or once
        it rejected it)."""
        return open_published_content(self.sessions, self.store, number)

    def publish(self, number: str, caller: Caller | None = None) -> datetime:
        """Store a private work in the clear under its CID, after the moderation hooks; one of
        ``caller``'s works whose rights asset, if any, is still the caller's, or, without a
        caller, any work (the command line)."""
        protection = self._protection()
        submitted_by = caller.key_id if caller is not None else None
        moderation = self.moderation(submitted_by) if self.moderation is not None else None
        if caller is None:
            return publish_work(
                self.sessions, self.store, protection, number, now=self.now, moderation=moderation
            )
        return publish_own(
            self.sessions, self.store, protection, caller, number,
            now=self.now, moderation=moderation, asset_owner=self.asset_owner,
        )  # fmt: skip

    def commit(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a committed transaction (with concurrent callers' units when the
        registrar has a group committer): what it wrote is durable on return."""
        if self.committer is not None:
            return self.committer.run(work)
        with unit_of_work(self.sessions) as session:
            return work(session)

    def _protection(self) -> ContentProtection:
        if self.protection is None:
            raise ContentNotFound("no master key is configured to read stored content")
        return self.protection

    def register_by_cid(
        self,
        cid: str,
        metadata: WorkMetadata,
        *,
        submitted_by: str | None = None,
        idempotency_key: str | None = None,
        client_signed: ClientSignedClaim | None = None,
    ) -> RegistrationView:
        """Register the content stored under ``cid`` (published, unless the hooks hold or reject
        it); as :meth:`register`, plus :class:`ContentNotFound` when the store lacks a block,
        :class:`CidMismatch` when the content was added with another layout and
        :class:`ContentIsPrivate` when it is content registered here that the registry withholds
        from the caller (see ``registry.registration.by_cid``)."""
        canonical = canonical_cid(cid)
        with self.sessions() as session:
            refuse_withheld(session, canonical, submitted_by)
        return self.register(
            stored_content(self.store, canonical),
            metadata,
            submitted_by=submitted_by,
            idempotency_key=idempotency_key,
            client_signed=client_signed,
            publish=True,
            expected_cid=canonical,
        )

    def register(
        self,
        content: BinaryIO,
        metadata: WorkMetadata,
        *,
        submitted_by: str | None = None,
        idempotency_key: str | None = None,
        client_signed: ClientSignedClaim | None = None,
        publish: bool = False,
        expected_cid: str | None = None,
    ) -> RegistrationView:
        """Store ``content``, build and record its claim, and return the pending registration.

        The registration is committed before this returns: from then on it is never lost, and the
        worker anchors it whenever the chain can be reached. Bad input raises before anything is
        recorded (the content store keeps nothing of a refused upload).

        The claim is the registrant's own signed claim (``client_signed``, checked against the
        upload, never re-signed), one signed here with the key held for the registrant
        (``signer``), or an unsigned version 1 claim (see ``registry.registration.claims``).

        The moderation hook chain runs after the ingest: a held registration is recorded
        ``held``, a rejected one ``rejected`` (neither is anchored; see ``registry.moderation``).

        With the registrar's ``protection`` and without ``publish`` the content is stored
        encrypted under a fresh key (wrapped by the master key, and to the registrant's SM2 key);
        otherwise in the clear, recorded as published. A registration the hooks hold or reject is
        never published, ``publish`` or not: it is stored as a private work is (encrypted, when
        the registry has a master key; without one its blocks stay as uploaded, unpublished), and
        its registrant may publish it once it is accepted, through the hooks again
        (:meth:`publish`). The upload's blocks are committed only once every check passed: a
        refusal (or an idempotent retry) leaves nothing in the content store.

        ``submitted_by`` is the API key that asked (see ``registry.registration.own_works``); it is
        also the scope of ``idempotency_key`` (``cli`` for the command line). With ``expected_cid``
        the content must have exactly that CID (:class:`CidMismatch` otherwise).

        With ``idempotency_key``, a retry of the same request (same content and metadata, same key
        from the same submitter) returns the first registration instead of a new one; the same
        key with a different request raises :class:`IdempotencyKeyReused`.
        """
        sessions, store, now, protection = self.sessions, self.store, self.now, self.protection
        signer = self.signer
        moderation = self.moderation(submitted_by) if self.moderation is not None else None
        idempotency_scope = submitted_by or COMMAND_LINE
        encryption = protection.new_encryption() if protection and not publish else None
        staged = stage(content, store, max_bytes=self.max_bytes, encryption=encryption)
        try:
            stored = staged.content
            if expected_cid is not None and stored.cid != expected_cid:
                raise CidMismatch(
                    "the content under this CID has another CID when added as `ipfs add "
                    "--cid-version=1 --raw-leaves` adds it",
                    details={"cid": expected_cid, "computed": stored.cid},
                )
            fingerprint = request_fingerprint(stored.digests.sha256_hex, metadata)
            if idempotency_key is not None:
                replay = _replayed(sessions, idempotency_scope, idempotency_key, fingerprint)
                if replay is not None:
                    staged.abort()  # the first registration holds this content already
                    return replay
            prepared = prepare_claim(
                stored, metadata, now=now(), client_signed=client_signed, signer=signer
            )
            registered_at = prepared.registered_at
            leaf = prepared.leaf.hex()
            if client_signed is not None and _leaf_exists(sessions, leaf):
                raise ClaimAlreadyRegistered(
                    "this claim is registered already", details={"leaf": leaf}
                )
            with sessions() as session:
                party = registering_party(session, submitted_by, prepared.registrant)
                controller = controller_for(prepared, party_address(session, party))
            outcome = (
                moderation.evaluate(
                    sessions, stored, metadata, prepared.registrant, content, now(), party=party
                )
                if moderation is not None
                else None
            )
            status = status_after(outcome)
            withheld = status in REGISTRATION_WITHHELD  # held or rejected: not published
            if withheld and encryption is None and protection is not None:
                # Staged in the clear to be published: stored encrypted instead, as unpublished.
                staged, encryption = _staged_private(
                    staged, content, store, protection, self.max_bytes
                )
                stored = staged.content
        except BaseException:
            staged.abort()  # a refused registration keeps none of its upload
            raise
        # The blocks become durable (and pinned) before the rows that name them.
        staged.commit()

        def record(session: Session) -> RegistrationView:
            # Core inserts: the rows are written and read back as one view, no ORM objects (the
            # group committer runs this for every registration, one after another).
            connection = session.connection()
            metadata_json = metadata.to_json()
            work_id: int = connection.execute(
                _INSERT_WORK,
                {
                    "sha256": stored.digests.sha256_hex,
                    "sm3": stored.digests.sm3_hex,
                    "size": stored.size,
                    "title": metadata.title,
                    "isbn": metadata.isbn,
                    "metadata_json": json.dumps(metadata_json, ensure_ascii=False),
                    "cid": stored.cid,
                    "stored_cid": stored.stored_cid,
                    "encryption": encryption.cipher.value if encryption else None,
                    "published_at": None if encryption or withheld else registered_at,
                    "iscc_data": stored.iscc_data,
                    "iscc_instance": stored.iscc_instance,
                    "iscc_content": stored.iscc_content,
                    "created_at": registered_at,
                },
            ).scalar_one()
            registration_id: int = connection.execute(
                _INSERT_REGISTRATION,
                {
                    "number": f"~{leaf[:31]}",  # unique placeholder until the id is known
                    "work_id": work_id,
                    "claim_json": prepared.canonical.decode("utf-8"),
                    "leaf": leaf,
                    "signing_mode": prepared.signing_mode,
                    "signature": prepared.signature,
                    "registrant": prepared.registrant,
                    "status": status,
                    "submitted_by": submitted_by,
                    "controller": controller,
                    "party_id": party,
                    "created_at": registered_at,
                },
            ).scalar_one()
            number = registration_number(registered_at.year, registration_id)
            connection.execute(
                _SET_NUMBER, {"registration_id": registration_id, "new_number": number}
            )
            if encryption is not None and protection is not None:
                keys = wrapped_keys(
                    protection, encryption, stored, prepared.registrant_key, prepared.registrant
                )
                insert_content_keys(session, work_id, keys, registered_at)
            index_registration(session, registration_id, metadata_json)
            if idempotency_key is not None:
                # A key taken meanwhile by a concurrent request fails here, as an IntegrityError.
                connection.execute(
                    _INSERT_IDEMPOTENCY_KEY,
                    {
                        "scope": idempotency_scope,
                        "key": idempotency_key,
                        "fingerprint": fingerprint,
                        "registration_id": registration_id,
                        "created_at": registered_at,
                    },
                )
            view = view_of_row(connection.execute(_VIEW_ROW, {"id": registration_id}).one())
            written = NewRegistration(registration_id, work_id, view)
            record_registered(session, written, at=registered_at)
            record_moderation(session, written, moderation, outcome, registered_at)
            return view

        try:
            view = self.commit(record)
            announce_registration(moderation, view.number, view.status, registered_at)
            # Read after the commit, outside the group committer: a later claimant of the same
            # content is told at once who registered it first, as every other answer tells it.
            return _with_priority(sessions, view)
        except IntegrityError:
            if idempotency_key is not None:
                # A concurrent request with the same key committed first: answer with its result.
                replay = _replayed(sessions, idempotency_scope, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            if _leaf_exists(sessions, leaf):
                raise ClaimAlreadyRegistered(
                    "this claim is registered already", details={"leaf": leaf}
                ) from None
            raise


def _staged_private(
    clear: StagedContent,
    content: BinaryIO,
    store: ContentStore,
    protection: ContentProtection,
    max_bytes: int,
) -> tuple[StagedContent, ContentEncryption | None]:
    """``content``, staged in the clear as ``clear``, staged again encrypted under a fresh key,
    and ``clear`` aborted: its plaintext blocks are never committed. ``clear`` and None when the
    content cannot be read again (a stream that cannot rewind): it is then kept unpublished as
    uploaded. Raises, keeping ``clear`` staged for the caller to abort, when the second pass
    fails or reads other bytes."""
    if not content.seekable():
        return clear, None
    encryption = protection.new_encryption()
    content.seek(0)
    private = stage(content, store, max_bytes=max_bytes, encryption=encryption)
    first, again = clear.content, private.content
    if (again.digests.sha256_hex, again.cid) != (first.digests.sha256_hex, first.cid):
        private.abort()
        raise RuntimeError(f"the upload read back as other bytes ({again.cid}, not {first.cid})")
    clear.abort()
    return private, encryption


def request_fingerprint(sha256_hex: str, metadata: WorkMetadata) -> str:
    """What makes two registration requests the same request: content and metadata."""
    return hashlib.sha256(
        canonical_json({"sha256": sha256_hex, "metadata": metadata.to_json()})
    ).hexdigest()


def _leaf_exists(sessions: sessionmaker[Session], leaf: str) -> bool:
    with sessions() as session:
        return session.scalar(select(Registration.id).where(Registration.leaf == leaf)) is not None


def _with_priority(sessions: sessionmaker[Session], view: RegistrationView) -> RegistrationView:
    with sessions() as session:
        return with_priority(session, [view])[0]


def _replayed(
    sessions: sessionmaker[Session], scope: str, key: str, fingerprint: str
) -> RegistrationView | None:
    with sessions() as session:
        record = session.execute(_IDEMPOTENCY_KEY, {"scope": scope, "key": key}).one_or_none()
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request",
                details={"idempotency_key": key},
            )
        view = registration_view(session.get_one(Registration, record.registration_id))
        return with_priority(session, [view])[0]
