"""The editions service: numbered editions (数字藏书) of registered works, issued to verified adult
readers, given away as gifts only, read with the book's content key wrapped to the holder.

The rules are the ``Editions`` contract's (see docs/editions.md); the service checks what it can
before sending (a refusal sends nothing and changes nothing), sends through the acting account's
:class:`TransactionSender` — the user's own key on the command line, a relayed signed transaction
or a preparation (nothing sent) through the HTTP API — and records what the contract emitted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from multiformats import CID
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from chain_client.editions import (
    ISSUE_CHUNK,
    EditionsClient,
    EditionTerms,
    Issued,
    batch_proof,
    batch_root,
)
from chain_client.errors import TransactionFailed
from chain_client.suite import Suite
from chain_client.transactions import TransactionSender
from crypto.canonical import canonical_json
from crypto.errors import CryptoError
from crypto.secp256k1 import recover_message
from crypto.signing import public_key_to_json
from crypto.sm2 import SM2PublicKey
from crypto.symmetric import Cipher, WrappedKey, unwrap_key, wrap_key_to
from registry.access import (
    Attestors,
    holder_of_address,
    party_address,
    party_addresses,
    refuse_revoked_addresses,
)
from registry.access.parties import address_of
from registry.content import MASTER, ContentProtection
from registry.core import errors
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.database import unit_of_work
from registry.core.models import (
    ContentKey,
    Edition,
    EditionBatch,
    EditionCopy,
    EditionGift,
    EditionKeyGrant,
    Party,
    PartyAttestation,
    PartyKey,
    Registration,
    Work,
)
from registry.core.views import as_utc, is_revocation, view_of
from registry.editions.errors import (
    EDITION_REFUSALS,
    CopyNotFound,
    EditionNotFound,
    EditionTakenDown,
    EditionTermsLocked,
    GiftToSelf,
    InvalidEditionTerms,
    InvalidIssueCatalogue,
    IssueBeyondSize,
    NotCopyHolder,
    NotEditionPublisher,
    ReaderNotVerified,
)
from registry.editions.records import (
    record_allow_list,
    record_gift,
    record_issued,
    record_terms,
)
from registry.editions.relay import prepare, relaying
from registry.proofs.verification import get_registration
from registry.registration import registrant_id

_Row = TypeVar("_Row", Edition, EditionCopy)  # what Editions._detached finds

MAX_SIZE = 1_000_000
MAX_LOCK_UP = 10 * 365 * 24 * 3600
FULL_AGE = 18  # 民法典 第十七条
KEY_REQUEST_KIND = "banquan.edition-key-request/1"
_PARTY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class EditionView:
    edition_id: int
    number: str
    title: str
    publisher: str
    metadata_cid: str
    price_cny: str | None
    size: int
    issued: int
    territory: int
    lock_after_issue: int
    lock_after_gift: int
    daily_gift_limit: int
    sole: bool
    frozen: bool
    create_tx: str
    created_at: datetime
    revoked: bool = False  # the work's registration was revoked: frozen for good


@dataclass(frozen=True)
class IssuedBatch:
    batch_index: int
    first_copy: int
    count: int
    root: str
    tx_hash: str


@dataclass(frozen=True)
class GiftView:
    copy_number: int
    from_address: str
    to_address: str
    tx_hash: str
    gifted_at: datetime


@dataclass(frozen=True)
class CopyView:
    """A copy's public face: copy n of N, its holder shown by verified name or anonymised, and
    its gifts."""

    edition_id: int
    copy_number: int
    size: int
    title: str
    number: str
    # None while an allow-listed copy is not claimed: the chain holds only its batch's root, so
    # whom it is reserved for is not told.
    holder: str | None
    holder_display: str
    received_at: datetime
    gifts: tuple[GiftView, ...]


@dataclass(frozen=True)
class Holding:
    """Which copies of an edition a reader holds now (checked on chain)."""

    edition_id: int
    reader: str
    copies: tuple[int, ...]


# The highest price kept, in yuan: a count of fen that a signed 64-bit column holds (quantizing
# a larger amount would also overflow the decimal context).
MAX_PRICE = Decimal((1 << 63) - 1) / 100


def price_fen(text: str | None, *, field: str) -> int | None:
    """A price in yuan as written (``"19.90"``, ``"¥19.90"``) in fen; ``field`` names the input
    that gave it (the API's field, the command's option) in the refusal."""
    if text is None:
        return None
    try:
        amount = Decimal(text.strip().removeprefix("¥"))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise errors.InvalidInput(
            f"价格须为人民币金额 {field} is an amount in yuan", details={"field": field}
        )
    if amount > MAX_PRICE:
        raise errors.InvalidInput(
            f"价格过高 {field} is more than ¥{MAX_PRICE:,}", details={"field": field}
        )
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise errors.InvalidInput(
            f"价格至多两位小数，不得为负 {field} has at most two decimals and is not negative",
            details={"field": field},
        )
    return int(amount * 100)


def price_text(price_fen: int | None) -> str | None:
    """A price in fen as CNY text (``"¥12.50"``)."""
    if price_fen is None:
        return None
    return f"¥{price_fen // 100}.{price_fen % 100:02d}"


def anonymised(address: str) -> str:
    """An address shown without saying whose it is: ``0x12ab…cd34``."""
    return f"{address[:6]}…{address[-4:]}"


def is_adult(resident_id: str, today: date) -> bool:
    """Whether the holder of a resident ID (公民身份号码, birth date in digits 7–14) is of full
    age on ``today``."""
    born = date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years >= FULL_AGE


def key_request(edition_id: int, copy: int, holder: str, recipient: SM2PublicKey) -> bytes:
    """The bytes a holder signs (EIP-191) to ask for the book's content key for its copy."""
    return canonical_json(
        {
            "kind": KEY_REQUEST_KIND,
            "edition": edition_id,
            "copy": copy,
            "holder": holder.lower(),
            "recipient": public_key_to_json(recipient),
        }
    )


@contextmanager
def edition_refusals() -> Iterator[None]:
    """The contract's refusals as the editions' errors (others as the assets' table has them)."""
    try:
        with chain_refusals():
            yield
    except errors.RegistryError as error:
        cause = error.__cause__
        if isinstance(cause, TransactionFailed) and cause.error_name in EDITION_REFUSALS:
            mapped = EDITION_REFUSALS[cause.error_name](
                f"数字藏书合约拒绝 / the Editions contract refuses: {cause.error_name}",
                details={
                    "contract_error": cause.error_name,
                    "arguments": [str(a) for a in cause.error_args],
                },
            )
            raise mapped from cause
        raise


def check_terms(terms: EditionTerms, metadata_cid: str, price_fen: int | None) -> bytes:
    """The CID's bytes, once the terms are acceptable; :class:`InvalidEditionTerms` else."""
    problems = []
    if not 1 <= terms.size <= MAX_SIZE:
        problems.append("size")
    if terms.daily_gift_limit < 1 or terms.daily_gift_limit > 65_535:
        problems.append("daily_gift_limit")
    for name in ("lock_after_issue", "lock_after_gift"):
        if not 0 <= getattr(terms, name) <= MAX_LOCK_UP:
            problems.append(name)
    if not 0 <= terms.territory <= 999:
        problems.append("territory")
    if price_fen is not None and price_fen < 0:
        problems.append("price_cny")
    try:
        cid = bytes(CID.decode(metadata_cid))
    except (ValueError, KeyError, IndexError):
        problems.append("metadata_cid")
        cid = b""
    if problems:
        raise InvalidEditionTerms(
            "版本条款不可接受 / the edition's terms are not acceptable",
            details={"fields": problems},
        )
    return cid


@dataclass(frozen=True)
class Editions:
    """Editions of registered works, seen and written through the registry's checks."""

    sessions: sessionmaker[Session]
    suite: Callable[[], Suite]
    protection: ContentProtection
    attestors: Callable[[], Attestors]
    now: Callable[[], datetime]
    #: Who issues copy certificates, and where the copy pages are reached (their QR codes).
    operator_name: str = "banquan"
    public_base_url: str = "http://127.0.0.1:8000"

    # ------------------------------------------------------------------------------ clients

    def _client(self, acting: TransactionSender | None = None) -> EditionsClient:
        with edition_refusals():
            client = self.suite().editions
        if client is None:
            raise errors.ContractsNotConfigured(
                "未配置数字藏书合约 / the Editions contract is not configured"
            )
        return client.with_sender(acting) if acting is not None else client

    def contract_address(self) -> str:
        """The address of the ``Editions`` contract in use."""
        return self._client().address

    def prepared(
        self, account: str, run: Callable[[TransactionSender], object]
    ) -> dict[str, object]:
        """The unsigned transaction ``run`` (one of the writes below) would send as ``account``,
        once every check passed; nothing is sent or recorded."""
        return prepare(self._client().w3, account, run)

    def relaying(self, raw_transaction: str) -> TransactionSender:
        """The acting account of a transaction it signed: a write run with it broadcasts the
        signed bytes only if they are exactly what the write would send."""
        client = self._client()
        return relaying(client.w3, raw_transaction, client.address)

    # ------------------------------------------------------------------------------ readers

    def reader_address(self, reader: str) -> str:
        """A reader given as a party id or an address, as its chain address."""
        if Web3.is_address(reader):
            return account_address(reader, field="reader")
        if not isinstance(reader, str) or not _PARTY_ID.match(reader):
            raise errors.InvalidInput(
                "读者须为当事人编号或链上地址 / a reader is a party id or an account address",
                details={"reader": str(reader)},
            )
        with self.sessions() as session:
            party = session.scalar(select(Party).where(Party.party_id == reader))
            if party is None:
                raise errors.PartyNotFound(
                    f"没有当事人 {reader!r} / no party {reader!r}", details={"party": reader}
                )
            address = party_address(session, party.id)
        if address is None:
            raise errors.PartyHasNoAddress(
                f"当事人 {reader} 没有链上地址 / party {reader} has no chain address",
                details={"party": reader},
            )
        return address

    def reader_addresses(self, readers: Sequence[str]) -> dict[str, str]:
        """Each reader (party id or address) and its chain address, parties looked up at once:
        a party's first active address (linked, or of its secp256k1 key)."""
        resolved: dict[str, str] = {}
        parties: set[str] = set()
        for reader in readers:
            if reader in resolved or reader in parties:
                continue
            if Web3.is_address(reader):
                resolved[reader] = account_address(reader, field="reader")
            elif isinstance(reader, str) and _PARTY_ID.match(reader):
                parties.add(reader)
            else:
                raise errors.InvalidInput(
                    "读者须为当事人编号或链上地址 / a reader is a party id or an account address",
                    details={"reader": str(reader)},
                )
        if parties:
            with self.sessions() as session:
                rows = session.execute(
                    select(Party.party_id, PartyKey.kind, PartyKey.identifier)
                    .join(PartyKey, PartyKey.party_id == Party.id)
                    .where(
                        Party.party_id.in_(parties),
                        Party.revoked_at.is_(None),
                        PartyKey.revoked_at.is_(None),
                        PartyKey.kind != "sm2",
                    )
                    .order_by(PartyKey.id)
                ).all()
            for party_id, _kind, identifier in rows:
                resolved.setdefault(party_id, address_of(identifier))
            missing = sorted(parties - resolved.keys())
            if missing:
                raise errors.PartyHasNoAddress(
                    "读者不是有链上地址的当事人 / a reader is no party with a chain address",
                    details={"readers": missing[:20]},
                )
        return resolved

    def bind_reader(self, party_id: str) -> tuple[str, bool]:
        """Bind ``party_id``'s chain address on chain to it as a verified natural person, with
        whether the person is of full age (from the attested resident ID; only that flag goes on
        chain). Sent by the registry's account (the attestor role). Returns (address, adult).

        Refused: :class:`ReaderNotVerified` (not a person, or no attestation in force);
        ``party_revoked`` when the address was revoked with a key or party (under either
        spelling: it acts for nobody, and is never bound again).
        """
        address = self.reader_address(party_id)
        with self.sessions() as session:
            refuse_revoked_addresses(session, [address])
            # reader_address found it.
            party = session.scalars(select(Party).where(Party.party_id == party_id)).one()
            attestation = session.scalar(
                select(PartyAttestation)
                .where(PartyAttestation.party_id == party.id)
                .order_by(PartyAttestation.id.desc())
                .limit(1)
            )
        now = self.now()
        if (
            attestation is None
            or attestation.kind != "person"
            or attestation.revoked_at is not None
            or as_utc(attestation.expires_at) <= now
        ):
            raise ReaderNotVerified(
                "读者不是已实名认证的自然人 / the reader is not a verified natural person",
                details={"reader": party_id},
            )
        identity, _salt = self.attestors().open(party_id, attestation.sealed_identity)
        adult = is_adult(identity.id_number, now.date())
        identity_client = self.suite().identity_attestations
        if identity_client is None:
            raise errors.ContractsNotConfigured("IdentityAttestations is not configured")
        with edition_refusals():
            identity_client.bind_person_account(party_id, address, adult)
        return address, adult

    # ------------------------------------------------------------------------------ writes

    def create(
        self,
        acting: TransactionSender,
        number: str,
        *,
        title: str,
        metadata_cid: str,
        terms: EditionTerms,
        price_fen: int | None = None,
    ) -> EditionView:
        """Create an edition of registration ``number``'s work; ``acting`` becomes its publisher
        (it must own the work's rights asset, carrying right 11 for the territory within its
        term, or hold a licence of right 11 for the territory)."""
        cid = check_terms(terms, metadata_cid, price_fen)
        title = title.strip()
        if not 1 <= len(title) <= 200:
            raise InvalidEditionTerms(
                "标题为 1 至 200 个字符 / a title is 1 to 200 characters",
                details={"fields": ["title"]},
            )
        with self.sessions() as session:
            row = session.execute(
                select(Registration.id, Registration.leaf).where(Registration.number == number)
            ).one_or_none()
        if row is None:
            raise errors.RegistrationNotFound.numbered(number)
        registration_id, leaf = row
        client = self._client(acting)
        with edition_refusals():
            created = client.create(int(leaf, 16), cid, terms)
        with unit_of_work(self.sessions) as session:
            # The follower may have recorded it from the chain already: the registry's row adds
            # the title and price the chain does not carry.
            edition = session.scalar(
                select(Edition).where(
                    Edition.contract_address == client.address,
                    Edition.chain_edition_id == created.edition_id,
                )
            )
            if edition is None:
                edition = Edition(
                    contract_address=client.address,
                    chain_edition_id=created.edition_id,
                    registration_id=registration_id,
                    publisher=created.publisher,
                    issued=0,
                    create_tx=created.position.tx_hash,
                    created_at=self.now(),
                )
                session.add(edition)
            edition.title, edition.price_fen = title, price_fen
            record_terms(edition, metadata_cid=metadata_cid, terms=terms)
        return self.show(created.edition_id)

    def amend_terms(
        self,
        acting: TransactionSender,
        edition_id: int,
        *,
        metadata_cid: str,
        terms: EditionTerms,
        price_fen: int | None = None,
    ) -> EditionView:
        """Replace the terms of an edition (its publisher), only while no copy is issued or
        reserved: once one is, what its readers were shown stands (:class:`EditionTermsLocked`).
        A new size, cover or sole flag is checked against the work's other editions as at
        creation (:class:`EditionConflict`)."""
        edition = self._edition_row(edition_id)
        caller = Web3.to_checksum_address(acting.address)
        if caller != edition.publisher:
            raise NotEditionPublisher(
                "只有版本的发行方可以修改条款 / only the edition's publisher amends its terms",
                details={"edition": edition_id, "caller": caller},
            )
        if edition.issued > 0:
            raise EditionTermsLocked(
                "已发行后条款不可更改 / the terms cannot change once a copy was issued",
                details={"edition": edition_id, "issued": edition.issued},
            )
        cid = check_terms(terms, metadata_cid, price_fen)
        with edition_refusals():
            self._client(acting).amend_terms(edition_id, cid, terms)
        with unit_of_work(self.sessions) as session:
            row = session.get_one(Edition, edition.id)
            record_terms(row, metadata_cid=metadata_cid, terms=terms)
            row.price_fen = price_fen
        return self.show(edition_id)

    def issue(
        self,
        acting: TransactionSender,
        edition_id: int,
        catalogue: Sequence[tuple[str, int]],
        *,
        max_copies: int | None = None,
    ) -> list[IssuedBatch]:
        """Issue copies to readers: ``catalogue`` is (reader party id or address, copy number)
        rows, whose copy numbers must be the next ones (issued + 1 …, each once). Sent in
        batches of :data:`ISSUE_CHUNK` copies, one Merkle root each. ``max_copies`` bounds one
        call (the API's relay signs one transaction per request)."""
        edition, holders = self._catalogue_holders(edition_id, catalogue, max_copies)
        client = self._client(acting)
        # Every reader is checked by the contract: the transaction's gas estimate reverts with
        # NotVerifiedAdult(reader) before anything is sent (ReaderNotVerified).
        with edition_refusals():
            issued = client.issue_all(edition_id, holders, chunk=ISSUE_CHUNK)
        self._record_issued(edition.id, issued)
        return [
            IssuedBatch(
                b.batch_index, b.first_copy, len(b.holders), "0x" + b.root.hex(), b.position.tx_hash
            )
            for b in issued
        ]

    def _catalogue_holders(
        self, edition_id: int, catalogue: Sequence[tuple[str, int]], max_copies: int | None
    ) -> tuple[Edition, list[str]]:
        """The edition and the addresses of the catalogue's readers in copy order, once its copy
        numbers are the next ones and within the size."""
        if not catalogue or (max_copies is not None and len(catalogue) > max_copies):
            raise InvalidIssueCatalogue(
                "发行清单须有 1 至允许数量的行 / a catalogue has 1 to the allowed number of rows",
                details={"rows": len(catalogue), "max": max_copies or MAX_SIZE},
            )
        edition = self._edition_row(edition_id)
        ordered = sorted(catalogue, key=lambda row: row[1])
        first = edition.issued + 1
        numbers = [copy for _reader, copy in ordered]
        if numbers != list(range(first, first + len(ordered))):
            raise InvalidIssueCatalogue(
                "份号须紧接已发行的份号，各一次 / the copy numbers must follow the copies "
                "issued, each once",
                details={"expected_first": first, "rows": len(ordered)},
            )
        if first - 1 + len(ordered) > edition.size:
            raise IssueBeyondSize(
                "发行将超出版本总数 / issuing would go beyond the edition's size",
                details={"size": edition.size, "issued": edition.issued, "asked": len(ordered)},
            )
        resolved = self.reader_addresses([reader for reader, _copy in ordered])
        holders = [resolved[reader] for reader, _copy in ordered]
        with self.sessions() as session:
            refuse_revoked_addresses(session, holders)
        return edition, holders

    def post_allow_list(
        self,
        acting: TransactionSender,
        edition_id: int,
        catalogue: Sequence[tuple[str, int]],
        *,
        max_copies: int | None = None,
    ) -> IssuedBatch:
        """Reserve the next copies for readers who claim them: ``catalogue`` as for
        :meth:`issue`; one root on chain, nobody checked now (each reader is when it claims)."""
        edition, holders = self._catalogue_holders(edition_id, catalogue, max_copies)
        root = batch_root(edition_id, edition.issued + 1, holders)
        with edition_refusals():
            posted = self._client(acting).post_allow_list(edition_id, root, len(holders))
        with unit_of_work(self.sessions) as session:
            edition_row = session.get_one(Edition, edition.id)
            record_allow_list(session, edition_row, posted, readers=holders, at=self.now())
        return IssuedBatch(
            posted.batch_index,
            posted.first_copy,
            posted.count,
            "0x" + posted.root.hex(),
            posted.position.tx_hash,
        )

    def claim(self, acting: TransactionSender, edition_id: int, copy: int) -> CopyView:
        """The reader an allow-listed copy is reserved for claims it (a verified adult now)."""
        edition = self._edition_row(edition_id)
        row = self._copy_row(edition.id, edition_id, copy)
        reader = Web3.to_checksum_address(acting.address)
        if row.held or row.holder != reader:
            raise NotCopyHolder(
                "只有预留给该读者的份才能由其领取 / only the reader an unclaimed copy is "
                "reserved for claims it",
                details={"edition": edition_id, "copy": copy, "caller": reader},
            )
        proof = self._proof(edition.id, edition_id, row)
        with edition_refusals():
            self._client(acting).claim(edition_id, copy, row.batch_index, proof)
        with unit_of_work(self.sessions) as session:
            session.get_one(EditionCopy, row.id).held = True
        return self.copy(edition_id, copy)

    def _record_issued(self, edition_row: int, batches: Sequence[Issued]) -> None:
        at = self.now()
        with unit_of_work(self.sessions) as session:
            edition = session.get_one(Edition, edition_row)
            for batch in batches:
                record_issued(session, edition, batch, at=at)

    def gift(self, acting: TransactionSender, edition_id: int, copy: int, to: str) -> GiftView:
        """Give copy ``copy`` to reader ``to`` (party id or address); ``acting`` must hold it.
        The former holder's content key grants for the copy end with it."""
        edition = self._edition_row(edition_id)
        receiver = self.reader_address(to)
        with self.sessions() as session:
            refuse_revoked_addresses(session, [receiver])
        copy_row = self._copy_row(edition.id, edition_id, copy)
        giver = Web3.to_checksum_address(acting.address)
        if copy_row.holder != giver or not copy_row.held:
            raise NotCopyHolder(
                "只有该份的持有人可以转赠 / only the copy's holder gives it away",
                details={"edition": edition_id, "copy": copy, "caller": giver},
            )
        if receiver == giver:
            raise GiftToSelf(
                "不能转赠给持有人自己 / a copy cannot be given to its holder",
                details={"to": receiver},
            )
        proof = [] if copy_row.gifted else self._proof(edition.id, edition_id, copy_row)
        client = self._client(acting)
        with edition_refusals():
            gifted = client.gift(edition_id, copy, receiver, copy_row.batch_index, proof)
        at = self.now()
        with unit_of_work(self.sessions) as session:
            record_gift(
                session,
                session.get_one(Edition, edition.id),
                copy=copy,
                giver=giver,
                receiver=receiver,
                tx_hash=gifted.position.tx_hash,
                log_index=gifted.position.log_index,
                at=at,
            )
        return GiftView(copy, giver, receiver, gifted.position.tx_hash, at)

    # ------------------------------------------------------------------------------ reads

    def show(self, edition_id: int) -> EditionView:
        edition = self._edition_row(edition_id)
        number, takedown_json = self._work_record(edition)
        with edition_refusals():
            frozen = self._client().is_frozen(edition_id)
        return view_of(
            EditionView,
            edition,
            edition_id=edition_id,
            number=number,
            price_cny=price_text(edition.price_fen),
            frozen=frozen,
            revoked=is_revocation(takedown_json),
        )

    def copy(self, edition_id: int, copy: int) -> CopyView:
        """Copy ``copy`` of the edition: number, holder (verified display name or anonymised)
        and its gifts, oldest first."""
        edition = self._edition_row(edition_id)
        row = self._copy_row(edition.id, edition_id, copy)
        with self.sessions() as session:
            number = session.scalar(
                select(Registration.number).where(Registration.id == edition.registration_id)
            )
            gifts = session.scalars(
                select(EditionGift)
                .where(EditionGift.edition_id == edition.id, EditionGift.copy_number == copy)
                .order_by(EditionGift.id)
            ).all()
            history = tuple(view_of(GiftView, g, tx_hash=g.gift_tx) for g in gifts)
        return CopyView(
            edition_id=edition_id,
            copy_number=copy,
            size=edition.size,
            title=edition.title,
            number=str(number),
            holder=row.holder if row.held else None,
            holder_display=(
                self.display(row.holder) if row.held else "待领取 reserved, not claimed yet"
            ),
            received_at=as_utc(row.received_at),
            gifts=history,
        )

    def certificate(self, edition_id: int, copy: int) -> bytes:
        """The certificate of copy ``copy`` (PDF, A4): 第 n 份，共 N 份, the work, the holder as
        its page shows it, the terms, issue and gifts in Beijing time and UTC, the chain
        references, issued by the operator. Withdrawn while the work is taken down
        (:class:`EditionTakenDown`), as the work's own certificate is."""
        edition = self._edition_row(edition_id)
        copy_view = self.copy(edition_id, copy)
        with self.sessions() as session:
            number = str(
                session.scalar(
                    select(Registration.number).where(Registration.id == edition.registration_id)
                )
            )
            row = self._copy_row(edition.id, edition_id, copy)
            batch = session.scalars(  # a copy row is written with its batch
                select(EditionBatch).where(
                    EditionBatch.edition_id == edition.id,
                    EditionBatch.batch_index == row.batch_index,
                )
            ).one()
        work = get_registration(self.sessions, number)
        self._refuse_withdrawn(edition_id, number, work.takedown)
        client = self._client()
        with edition_refusals():
            frozen = client.is_frozen(edition_id)
            chain_id = int(client.w3.eth.chain_id)
        addresses = {g.from_address for g in copy_view.gifts} | {
            g.to_address for g in copy_view.gifts
        }
        names = {address: self.display(address) for address in addresses}
        # Imported when a certificate is drawn, not by every process using editions.
        from registry.editions.certificate import (
            CopyCertificateFacts,
            gift_lines,
            render_copy_certificate,
            terms_lines,
        )

        facts = CopyCertificateFacts(
            edition_id=edition_id,
            copy_number=copy,
            size=edition.size,
            edition_title=edition.title,
            work=work,
            holder_display=copy_view.holder_display,
            held_since=copy_view.received_at,
            issued_at=as_utc(batch.issued_at),
            issue_tx=batch.issue_tx,
            allow_list=batch.allow_list,
            terms=terms_lines(edition, price_text(edition.price_fen)),
            gifts=gift_lines(
                [(g.gifted_at, g.from_address, g.to_address, g.tx_hash) for g in copy_view.gifts],
                names,
            ),
            frozen=frozen,
            chain_id=chain_id,
            contract_address=client.address,
            create_tx=edition.create_tx,
            publisher=edition.publisher,
            issuer=self.operator_name,
            page_url=f"{self.public_base_url.rstrip('/')}/editions/{edition_id}/copies/{copy}",
        )
        return render_copy_certificate(facts)

    def holding(self, edition_id: int, reader: str) -> Holding:
        """Which copies of the edition ``reader`` holds now: the copies recorded for it, each
        confirmed by the contract (``holds``). A party holds what any of its active addresses
        holds (``reader`` in the answer is its first); an address, what it holds."""
        edition = self._edition_row(edition_id)
        address = self.reader_address(reader)
        addresses = {address}
        if not Web3.is_address(reader):  # a party id, which reader_address found
            addresses.update(party_addresses(self.sessions, reader))
        with self.sessions() as session:
            rows = session.scalars(
                select(EditionCopy)
                .where(
                    EditionCopy.edition_id == edition.id,
                    EditionCopy.holder.in_(addresses),
                    EditionCopy.held.is_(True),
                )
                .order_by(EditionCopy.copy_number)
            ).all()
        client = self._client()
        held = []
        with edition_refusals():
            for row in rows:
                proof = [] if row.gifted else self._proof(edition.id, edition_id, row)
                if client.holds(edition_id, row.copy_number, row.holder, row.batch_index, proof):
                    held.append(row.copy_number)
        return Holding(edition_id, address, tuple(held))

    def content_key(
        self,
        edition_id: int,
        copy: int,
        *,
        holder: str,
        recipient: SM2PublicKey,
        signature: bytes,
    ) -> WrappedKey:
        """The book's content key wrapped to ``recipient``, for the holder of copy ``copy``
        (who signs the request, EIP-191). Refused once the copy was given away."""
        address = account_address(holder, field="holder")
        try:
            signer = recover_message(
                key_request(edition_id, copy, address, recipient), signature
            ).address
        except CryptoError as exc:
            raise errors.InvalidInput(
                f"请求签名格式有误 / the request signature is malformed: {exc}"
            ) from exc
        if signer != address:
            raise errors.InvalidInput(
                "请求不是由持有人签名 / the request is not signed by the holder",
                details={"holder": address},
            )
        if copy not in self.holding(edition_id, address).copies:
            raise NotCopyHolder(
                "只有该份的持有人才能阅读 / only the copy's holder reads with it",
                details={"edition": edition_id, "copy": copy, "holder": address},
            )
        edition = self._edition_row(edition_id)
        with self.sessions() as session:
            refuse_revoked_addresses(session, [address])
        self._refuse_withdrawn(edition_id, *self._work_record(edition))
        with edition_refusals():
            if self._client().is_frozen(edition_id):  # frozen on chain, whatever the records say
                raise EditionTakenDown(
                    "本版本已在链上冻结，暂停提供阅读密钥 / the edition is frozen on chain: no "
                    "reading key is given",
                    details={"edition": edition_id},
                )
        with self.sessions() as session:
            work_id, stored_cid, encryption = session.execute(
                select(Work.id, Work.stored_cid, Work.encryption)
                .join(Registration, Registration.work_id == Work.id)
                .where(Registration.id == edition.registration_id)
            ).one()
            master = session.scalar(
                select(ContentKey).where(ContentKey.work_id == work_id, ContentKey.holder == MASTER)
            )
        if encryption is None or master is None or stored_cid is None:
            raise errors.ContentNotFound(
                "该书未加密存储 / the book is not stored encrypted", details={"edition": edition_id}
            )
        wrapped_master = WrappedKey.from_json(json.loads(master.wrapped_json))
        content_key = unwrap_key(
            self.protection.master_key[: Cipher.parse(wrapped_master.method).key_size],
            wrapped_master,
            context=stored_cid.encode(),
        )
        granted = wrap_key_to(recipient, content_key)
        with unit_of_work(self.sessions) as session:
            recipient_id = registrant_id(recipient)
            session.execute(
                delete(EditionKeyGrant).where(
                    EditionKeyGrant.edition_id == edition.id,
                    EditionKeyGrant.copy_number == copy,
                    EditionKeyGrant.recipient == recipient_id,
                )
            )
            session.add(
                EditionKeyGrant(
                    edition_id=edition.id,
                    copy_number=copy,
                    holder=address,
                    recipient=recipient_id,
                    wrapped_json=json.dumps(granted.to_json()),
                    granted_at=self.now(),
                )
            )
        return granted

    # ------------------------------------------------------------------------------ helpers

    def _work_record(self, edition: Edition) -> tuple[str, str | None]:
        """The number of the edition's work and its takedown record (a revocation's too)."""
        with self.sessions() as session:
            number, takedown_json = session.execute(
                select(Registration.number, Registration.takedown_json).where(
                    Registration.id == edition.registration_id
                )
            ).one()
        return str(number), takedown_json

    @staticmethod
    def _refuse_withdrawn(
        edition_id: int, number: str, takedown: str | dict[str, object] | None
    ) -> None:
        """:class:`EditionTakenDown` when the edition's work (registration ``number``, with its
        ``takedown`` record) is revoked or taken down: then no copy's certificate or reading key
        is given."""
        if takedown is None:
            return
        details = {"edition": edition_id, "number": number, "takedown": takedown}
        if is_revocation(takedown):
            raise EditionTakenDown(
                f"作品 {number} 的登记已被监管机构撤销：其数字藏书永久冻结，"
                "不再提供证书与阅读密钥 / the work's registration was revoked by a regulator: "
                "its edition is frozen for good, with no certificate or reading key",
                details=details,
            )
        raise EditionTakenDown(
            f"作品 {number} 已下架：恢复前暂停提供其数字藏书的证书与阅读密钥 / the work is "
            "taken down: its edition's certificates and reading keys are withheld until it "
            "is restored",
            details=details,
        )

    def _edition_row(self, edition_id: int) -> Edition:
        address = self._client().address
        return self._detached(
            select(Edition).where(
                Edition.contract_address == address, Edition.chain_edition_id == edition_id
            ),
            EditionNotFound(
                f"没有版本 {edition_id} / no edition {edition_id}",
                details={"edition": edition_id},
            ),
        )

    def _copy_row(self, edition_row: int, edition_id: int, copy: int) -> EditionCopy:
        return self._detached(
            select(EditionCopy).where(
                EditionCopy.edition_id == edition_row, EditionCopy.copy_number == copy
            ),
            CopyNotFound(
                f"版本 {edition_id} 没有第 {copy} 份 / edition {edition_id} has no copy {copy}",
                details={"edition": edition_id, "copy": copy},
            ),
        )

    def _detached(self, query: Select[_Row], missing: errors.RegistryError) -> _Row:
        """The row ``query`` finds, detached from its session; ``missing`` raised when none."""
        with self.sessions() as session:
            row = session.scalar(query)
            if row is None:
                raise missing
            session.expunge(row)
            return row

    def _proof(self, edition_row: int, edition_id: int, row: EditionCopy) -> list[bytes]:
        """The proof of the copy's leaf in its issue batch (holders as issued)."""
        with self.sessions() as session:
            batch = session.scalars(  # a copy row is written with its batch
                select(EditionBatch).where(
                    EditionBatch.edition_id == edition_row,
                    EditionBatch.batch_index == row.batch_index,
                )
            ).one()
            if batch.allow_list and row.held:
                return []  # claimed: the contract holds its record, the leaf proves nothing more
            first, count = batch.first_copy, batch.count
            # Holders as issued: a gifted copy's issue holder is its first gift's giver.
            copies = session.execute(
                select(EditionCopy.copy_number, EditionCopy.holder, EditionCopy.gifted)
                .where(
                    EditionCopy.edition_id == edition_row,
                    EditionCopy.copy_number >= first,
                    EditionCopy.copy_number < first + count,
                )
                .order_by(EditionCopy.copy_number)
            ).all()
            first_givers = dict(
                session.execute(
                    select(EditionGift.copy_number, EditionGift.from_address)
                    .where(
                        EditionGift.edition_id == edition_row,
                        EditionGift.copy_number >= first,
                        EditionGift.copy_number < first + count,
                    )
                    .order_by(EditionGift.id.desc())
                ).all()
            )
        holders = [first_givers[number] if gifted else holder for number, holder, gifted in copies]
        return batch_proof(edition_id, first, holders, row.copy_number)

    def display(self, address: str) -> str:
        """A holder's public name if its party is verified now (实名), else the address
        anonymised."""
        with self.sessions() as session:
            # Its active party, by a linked address or a secp256k1 key (as readers are bound).
            party = holder_of_address(session, address)
            if party is None:
                return anonymised(address)
            attestation = session.scalar(
                select(PartyAttestation)
                .join(Party, Party.id == PartyAttestation.party_id)
                .where(Party.party_id == party.party_id)
                .order_by(PartyAttestation.id.desc())
                .limit(1)
            )
            if (
                attestation is not None
                and attestation.revoked_at is None
                and as_utc(attestation.expires_at) > self.now()
            ):
                return f"{party.public_name}（已实名 verified）"
        return anonymised(address)
