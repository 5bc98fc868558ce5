"""Database tables (SQLAlchemy 2). Migrations in ``migrations/`` create exactly these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Work(Base):
    """A piece of content as received: its digests and the metadata the registrant gave."""

    __tablename__ = "works"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    sm3: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(String(500))
    isbn: Mapped[str | None] = mapped_column(String(13), index=True)
    metadata_json: Mapped[str] = mapped_column(Text)
    cid: Mapped[str | None] = mapped_column(String(100), index=True)
    stored_cid: Mapped[str | None] = mapped_column(String(100))
    encryption: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    iscc_data: Mapped[str | None] = mapped_column(String(40))
    iscc_instance: Mapped[str | None] = mapped_column(String(40))
    iscc_content: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    registrations: Mapped[list[Registration]] = relationship(back_populates="work")
    content_keys: Mapped[list[ContentKey]] = relationship()


class ContentKey(Base):
    """The content key of a private work, wrapped for one holder.

    ``holder`` is ``master`` (wrapped by the registry's master key) or a registrant/licensee id
    (``sm2:<public key>``: encrypted to that SM2 key, which alone can unwrap it).
    """

    __tablename__ = "content_keys"
    __table_args__ = (UniqueConstraint("work_id", "holder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    holder: Mapped[str] = mapped_column(String(200))
    wrapped_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AnchoringTransaction:
    """Where a root's anchoring transaction was sent and landed: the chain, the contract, the
    transaction and its block; unset until known. A batch on the registry's chain and each of
    its anchorings on an external chain have these columns."""

    chain_id: Mapped[int | None] = mapped_column(BigInteger)
    contract_address: Mapped[str | None] = mapped_column(String(42))
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)


class Batch(AnchoringTransaction, Base):
    """A Merkle tree of registration leaves whose root is (to be) anchored in one transaction.

    ``sealed`` → ``submitted`` → ``anchored`` → ``confirmed`` (see ``registry.proofs.anchoring``). A
    sealed batch is complete in the database (root, every proof) before its transaction is sent,
    so a crash at any point leaves something that can be retried.
    """

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    root: Mapped[str] = mapped_column(String(64), unique=True)
    leaf_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    anchored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    registrations: Mapped[list[Registration]] = relationship(back_populates="batch")


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key``: a retried request returns the first one's registration."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Registration(Base):
    """One registration of a work: the canonical claim, its leaf, and where it was anchored."""

    __tablename__ = "registrations"
    __table_args__ = (
        Index("ix_registrations_submitted_by", "submitted_by", "id"),
        Index("ix_registrations_party_id", "party_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    claim_json: Mapped[str] = mapped_column(Text)
    leaf: Mapped[str] = mapped_column(String(64), unique=True)
    signing_mode: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str | None] = mapped_column(Text)
    registrant: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    proof_json: Mapped[str | None] = mapped_column(Text)
    takedown_json: Mapped[str | None] = mapped_column(Text)  # the takedown in force, if any
    # The API key that submitted it (None: the command line, or before revision 0017).
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    # The chain address bound into its anchored Merkle entry (checksummed; None: custodial, SM2
    # or before revision 0020): only this address can authorize minting its asset.
    controller: Mapped[str | None] = mapped_column(String(42))
    # The party it belongs to: the submitting key's, or the one holding the claim's signing key.
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    work: Mapped[Work] = relationship(back_populates="registrations")
    batch: Mapped[Batch | None] = relationship(back_populates="registrations")
    party: Mapped[Party | None] = relationship()


class WorkSearchTerm(Base):
    """A term a registration is found by (``registry.registration.search``): its ISBN-13, its
    DCI, its title and each author's name (normalised: NFKC, case-folded, at most 200
    characters). Indexed on (kind, term) for equality and prefixes (``LIKE 'x%'``); on
    PostgreSQL with ``varchar_pattern_ops``, so a prefix uses it whatever the collation."""

    __tablename__ = "work_search_terms"
    __table_args__ = (
        Index(
            "ix_work_search_terms_kind_term",
            "kind",
            "term",
            postgresql_ops={"term": "varchar_pattern_ops"},
        ),
    )

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # isbn, dci, title, author
    term: Mapped[str] = mapped_column(String(200), primary_key=True)


# --------------------------------------------------------------------------- chain-derived tables
#
# Everything below is a fold of the contracts' events (``registry.assets.follower``): it can be
# wiped and rebuilt from the chain at any time, so it holds no value of its own (no wall-clock
# times, no surrogate keys) and a rebuild gives identical rows. Ids are the contracts' own;
# amounts that do not fit 64 bits are decimal text. Times are the chain's Unix seconds.


class ChainAsset(Base):
    """A rights asset (ERC-721) as the ``RightsAsset`` events describe it."""

    __tablename__ = "chain_assets"

    asset_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the registration leaf
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    owner: Mapped[str] = mapped_column(String(42), index=True)
    batch_id: Mapped[int] = mapped_column(BigInteger)  # the anchoring contract's batch id
    registered_at: Mapped[int] = mapped_column(BigInteger)
    rights: Mapped[int] = mapped_column(Integer)
    territory: Mapped[int] = mapped_column(Integer)
    term_end: Mapped[int] = mapped_column(BigInteger)
    burned: Mapped[bool] = mapped_column(Boolean)
    revoked: Mapped[bool] = mapped_column(Boolean)
    tokenized_block: Mapped[int] = mapped_column(BigInteger)
    updated_block: Mapped[int] = mapped_column(BigInteger)


class ChainLicence(Base):
    """A licence granted on ``Licences``."""

    __tablename__ = "chain_licences"

    licence_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    asset_id: Mapped[str] = mapped_column(String(64), index=True)
    licensee: Mapped[str] = mapped_column(String(42), index=True)
    licensor: Mapped[str] = mapped_column(String(42))
    rights: Mapped[int] = mapped_column(Integer)
    territory: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[int] = mapped_column(BigInteger)
    ends_at: Mapped[int] = mapped_column(BigInteger)
    exclusive: Mapped[bool] = mapped_column(Boolean)
    revocable: Mapped[bool] = mapped_column(Boolean)
    terms_digest: Mapped[str] = mapped_column(String(64))
    revoked: Mapped[bool] = mapped_column(Boolean)
    granted_block: Mapped[int] = mapped_column(BigInteger)
    revoked_block: Mapped[int | None] = mapped_column(BigInteger)


class ChainLien(Base):
    """A lien (pledge) on ``Pledges``; ``rank`` is 1 for the most senior active lien, None once
    the lien has ended."""

    __tablename__ = "chain_liens"

    lien_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    asset_id: Mapped[str] = mapped_column(String(64), index=True)
    lender: Mapped[str] = mapped_column(String(42), index=True)
    owner: Mapped[str] = mapped_column(String(42))  # the owner who consented
    rank: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)  # active, released, enforced
    amount: Mapped[str] = mapped_column(String(40))  # uint128 as decimal text
    currency_code: Mapped[str] = mapped_column(String(3))
    maturity: Mapped[int] = mapped_column(BigInteger)
    official_registration_no: Mapped[str] = mapped_column(String(64))  # bytes32, hex
    licensing_consent: Mapped[bool] = mapped_column(Boolean)
    enforced_to: Mapped[str | None] = mapped_column(String(42))
    pledged_block: Mapped[int] = mapped_column(BigInteger)
    ended_block: Mapped[int | None] = mapped_column(BigInteger)


class ChainFreeze(Base):
    """A freeze in force on a registration leaf / asset id (restoring deletes the row)."""

    __tablename__ = "chain_freezes"

    target: Mapped[str] = mapped_column(String(64), primary_key=True)
    authority: Mapped[str] = mapped_column(String(16))  # moderator, regulator
    actor: Mapped[str] = mapped_column(String(42))
    reason_digest: Mapped[str] = mapped_column(String(64))
    frozen_block: Mapped[int] = mapped_column(BigInteger)


class ChainCheckpoint(Base):
    """How far the follower has applied one contract's events, and the hash of that block (a
    different hash there later means the chain reorganized under us)."""

    __tablename__ = "chain_checkpoints"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    contract_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    contract_name: Mapped[str] = mapped_column(String(32))
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))


class Party(Base):
    """An organisation or person: the subject that holds keys and owns registrations."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # organisation | person
    public_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PartyKey(Base):
    """A signing key (``sm2:04…``, ``secp256k1:04…``) or chain address (``address:0x…``) of a
    party. An identifier belongs to one party for good: revoked, it is never linked again."""

    __tablename__ = "party_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # sm2 | secp256k1 | address
    identifier: Mapped[str] = mapped_column(String(600), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(16), unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Revoked, and its chain address still to be unbound from ``IdentityAttestations`` (set with
    # the revocation, cleared once the chain took it): the anchoring loop retries it.
    unbind_pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class PartyAttestation(Base):
    """An identity attestor's signed ``banquan.attestation/1`` statement about a party (实名认证).

    Kept in the clear: the statement (party, kind, commitment, dates, attestor) and its
    signature. The identity (kind, ID number, legal name) and the salt of the commitment are
    kept only sealed (SM4-GCM under a key derived from the master key, bound to the party id).
    A party's latest attestation is its current one; the transactions recording it (and its
    revocation) in ``IdentityAttestations`` on chain, once sent.
    """

    __tablename__ = "party_attestations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # organisation | person
    commitment: Mapped[str] = mapped_column(String(64), unique=True)  # SM3, hex
    statement: Mapped[str] = mapped_column(Text)  # the signed statement, canonical JSON
    signature: Mapped[str] = mapped_column(String(200))  # sm2:<hex>
    attestor: Mapped[str] = mapped_column(String(200))  # sm2:04…
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sealed_identity: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    attest_tx: Mapped[str | None] = mapped_column(String(66))  # IdentityAttestations.attest
    revoke_tx: Mapped[str | None] = mapped_column(String(66))  # IdentityAttestations.revoke


class ApiKey(Base):
    """An API key: only the SHA-256 of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(200))
    ip_allowlist: Mapped[str | None] = mapped_column(Text)
    signing_key: Mapped[str | None] = mapped_column(Text)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestNonce(Base):
    """A signed request's nonce, kept while its timestamp could still be accepted."""

    __tablename__ = "request_nonces"
    __table_args__ = (UniqueConstraint("key_id", "nonce"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditEntry(Base):
    """One write through the API: which key, which request, how it ended."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str | None] = mapped_column(String(32), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


# ------------------------------------------------------------------------------------ moderation
#
# See registry.moderation and docs/moderation.md.


class BlocklistEntry(Base):
    """A digest (SHA-256, SM3) or CID that is refused at registration."""

    __tablename__ = "moderation_blocklist"
    __table_args__ = (UniqueConstraint("algorithm", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(8))  # sha256, sm3, cid
    value: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SimilarityCode(Base):
    """A work's 64-bit ISCC Data-Code or Content-Code body, cut into four 16-bit segments, each
    indexed: a code within Hamming distance ``d`` of another shares at least one segment within
    ``d // 4`` of it (pigeonhole), so near-duplicates are found by a few indexed probes."""

    __tablename__ = "similarity_codes"
    __table_args__ = (
        Index("ix_similarity_codes_seg0", "kind", "seg0"),
        Index("ix_similarity_codes_seg1", "kind", "seg1"),
        Index("ix_similarity_codes_seg2", "kind", "seg2"),
        Index("ix_similarity_codes_seg3", "kind", "seg3"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_id: Mapped[int] = mapped_column(ForeignKey("works.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # data, content
    code: Mapped[int] = mapped_column(BigInteger)  # the 64 bits as a signed integer
    seg0: Mapped[int] = mapped_column(Integer)
    seg1: Mapped[int] = mapped_column(Integer)
    seg2: Mapped[int] = mapped_column(Integer)
    seg3: Mapped[int] = mapped_column(Integer)


class ReviewItem(Base):
    """One thing for moderators: a registration (its hook results), a complaint, or an appeal.

    ``status``: ``open`` → ``claimed`` → ``accepted`` / ``rejected``; a registration the hooks
    accepted is recorded ``accepted`` by ``hooks`` (its results are kept all the same).
    """

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # registration, complaint, appeal
    status: Mapped[str] = mapped_column(String(16), index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    related_registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    appeal_of_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_items.id"), unique=True
    )
    appeal_of_takedown_id: Mapped[int | None] = mapped_column(
        ForeignKey("takedowns.id"), unique=True
    )
    hook_results_json: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    statement: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Takedown(Base):
    """A freeze of a registration / asset on ``Moderation``: the reason text kept here, its
    SHA-256 on chain."""

    __tablename__ = "takedowns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    target: Mapped[str] = mapped_column(String(64), index=True)
    authority: Mapped[str] = mapped_column(String(16))  # moderator, regulator
    reason: Mapped[str] = mapped_column(Text)
    reason_digest: Mapped[str] = mapped_column(String(64))
    frozen_by: Mapped[str] = mapped_column(String(64))  # a moderator, or a chain address
    freeze_tx: Mapped[str] = mapped_column(String(66))
    frozen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    restored_by: Mapped[str | None] = mapped_column(String(64))
    restore_reason: Mapped[str | None] = mapped_column(Text)
    restore_tx: Mapped[str | None] = mapped_column(String(66))
    restored_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModerationAuditEntry(Base):
    """One hook result or human decision. ``digest`` = SHA-256 of the previous entry's digest and
    this entry's canonical JSON, so changing or removing an entry breaks every later digest."""

    __tablename__ = "moderation_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(100))
    payload_json: Mapped[str] = mapped_column(Text)
    prev_digest: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)


# ------------------------------------------------------------------------------ events, webhooks


class Event(Base):
    """One event of the outbox (``registry.core.events``), written in the same transaction as the
    change it reports; ``subject`` is the work's registration leaf, which is also its asset id."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(32), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)
    payload_json: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    fanned_out: Mapped[bool] = mapped_column(Boolean, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookSubscription(Base):
    """A platform's webhook: where events of some types are POSTed, and the secret signing them."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), index=True)  # the owning API key
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[str] = mapped_column(String(500))  # comma-separated
    secret: Mapped[str] = mapped_column(String(100))
    algorithm: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    after_event_id: Mapped[int] = mapped_column(Integer)  # events after this one are delivered
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A registrant's subscription: the events of this party's works only (None: every work).
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))


class WebhookDelivery(Base):
    """One event to one subscription: ``pending`` (waiting or retrying), ``delivered``, or
    ``failed`` (gave up; a replay makes it pending again)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    subject: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ---------------------------------------------------------------------------- catalogue jobs
#
# See registry.registration.catalogue_jobs and docs/catalogue-jobs.md.


class CatalogueJob(Base):
    """A catalogue registered as one job: its manifest's items, their files and results.

    ``state``: ``open`` (items wait for files or processing), ``running`` (being processed),
    then ``completed`` (every item registered), ``partly`` (some refused) or ``failed`` (none
    registered). The counts are kept with each item change.
    """

    __tablename__ = "catalogue_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)  # CJ-…
    owner: Mapped[str] = mapped_column(String(32), index=True)  # the API key id, or "cli"
    state: Mapped[str] = mapped_column(String(16), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    uploaded: Mapped[int] = mapped_column(Integer)
    registered: Mapped[int] = mapped_column(Integer)
    refused: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CatalogueJobItem(Base):
    """One manifest line: ``pending`` (no file yet) → ``uploaded`` (file staged) →
    ``registered`` or ``refused`` (``error_code``); manifest fields are kept as given."""

    __tablename__ = "catalogue_job_items"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        UniqueConstraint("job_id", "file_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("catalogue_jobs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    line: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[str] = mapped_column(Text)  # JSON list, as given
    isbn: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    rights: Mapped[str | None] = mapped_column(Text)  # JSON list, as given
    territory: Mapped[str | None] = mapped_column(Text)
    expected_sha256: Mapped[str | None] = mapped_column(Text)
    metadata_json: Mapped[str | None] = mapped_column(Text)  # validated; null if refused
    state: Mapped[str] = mapped_column(String(16), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the file received
    size: Mapped[int | None] = mapped_column(BigInteger)
    # The file received, kept in the content store until the item is processed (encrypted under
    # a key of its own, wrapped by the master key), so any API process can process it.
    staged_cid: Mapped[str | None] = mapped_column(String(128))
    staged_key: Mapped[str | None] = mapped_column(Text)  # WrappedKey JSON; null if in the clear
    # The key the item registers under; null: ``catalogue-job:{job}:{position}``.
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    registration_number: Mapped[str | None] = mapped_column(String(32))
    registration_status: Mapped[str | None] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TimestampTokenRecord(Base):
    """The RFC 3161 token over a registration's leaf (registry.proofs.timestamps): obtained once,
    when its proof bundle is first asked for, and kept; the first one stored stays."""

    __tablename__ = "timestamp_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    leaf: Mapped[str] = mapped_column(String(64), ForeignKey("registrations.leaf"), unique=True)
    tsa: Mapped[str] = mapped_column(String(500))
    token: Mapped[bytes] = mapped_column(LargeBinary)  # DER TimeStampToken
    gen_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    obtained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExternalAnchoring(AnchoringTransaction, Base):
    """A batch root anchored again on one configured external chain (second anchoring).

    ``pending`` → ``sent`` → ``confirmed``; ``failed`` after an attempt that did not get through
    (retried from ``next_attempt_at``, with backoff); a confirmed root the external chain lost
    (a reset, another block hash) goes back to ``pending`` (see
    ``registry.proofs.external_anchoring``).
    """

    __tablename__ = "external_anchorings"
    __table_args__ = (UniqueConstraint("batch_id", "chain_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    chain_name: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    block_hash: Mapped[str | None] = mapped_column(String(66))
    block_time: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Edition(Base):
    """A numbered edition (数字藏书) of a registered work, created on chain in ``Editions``.

    ``chain_edition_id`` is the contract's id; the terms are the ones fixed on chain. The price
    is shown off chain only, in CNY (fen), never on chain.
    """

    __tablename__ = "editions"
    __table_args__ = (UniqueConstraint("contract_address", "chain_edition_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_address: Mapped[str] = mapped_column(String(42))
    chain_edition_id: Mapped[int] = mapped_column(BigInteger)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    publisher: Mapped[str] = mapped_column(String(42))
    title: Mapped[str] = mapped_column(String(200))
    metadata_cid: Mapped[str] = mapped_column(String(200))
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(Integer)
    issued: Mapped[int] = mapped_column(Integer)
    territory: Mapped[int] = mapped_column(Integer)
    lock_after_issue: Mapped[int] = mapped_column(BigInteger)
    lock_after_gift: Mapped[int] = mapped_column(BigInteger)
    daily_gift_limit: Mapped[int] = mapped_column(Integer)
    sole: Mapped[bool] = mapped_column(Boolean)
    create_tx: Mapped[str] = mapped_column(String(66))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EditionBatch(Base):
    """One issue batch of an edition: the Merkle root the contract stores for its copies."""

    __tablename__ = "edition_batches"
    __table_args__ = (UniqueConstraint("edition_id", "batch_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    batch_index: Mapped[int] = mapped_column(Integer)
    first_copy: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(66))
    allow_list: Mapped[bool] = mapped_column(Boolean)  # readers claim their copies
    issue_tx: Mapped[str] = mapped_column(String(66))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EditionCopy(Base):
    """Copy ``copy_number`` of an edition and its current holder (the issue batch's holder until
    its first gift, then the last receiver; for an allow-list, the reader it is reserved for, who
    holds it once claimed)."""

    __tablename__ = "edition_copies"
    __table_args__ = (UniqueConstraint("edition_id", "copy_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    copy_number: Mapped[int] = mapped_column(Integer)
    batch_index: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(42), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    gifted: Mapped[bool] = mapped_column(Boolean)
    held: Mapped[bool] = mapped_column(Boolean)  # False: on an allow-list, not claimed yet


class EditionGift(Base):
    """A gift of a copy (the copy's history, oldest first)."""

    __tablename__ = "edition_gifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    copy_number: Mapped[int] = mapped_column(Integer)
    from_address: Mapped[str] = mapped_column(String(42))
    to_address: Mapped[str] = mapped_column(String(42))
    gift_tx: Mapped[str] = mapped_column(String(66), unique=True)
    gifted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EditionKeyGrant(Base):
    """The book's content key wrapped to a holder's SM2 key, for one copy: deleted when the copy
    is given away (the former holder is refused from then on)."""

    __tablename__ = "edition_key_grants"
    __table_args__ = (UniqueConstraint("edition_id", "copy_number", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    copy_number: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(42))
    recipient: Mapped[str] = mapped_column(String(200))
    wrapped_json: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
