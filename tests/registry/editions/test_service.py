"""The editions service against real Anvil and real databases: another publisher is refused,
readers are bound as verified adults, copies are issued by catalogue, held, given, read with
the content key; each refusal changes nothing."""

from __future__ import annotations

import io
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from sqlalchemy import func, select
from web3.types import Wei

from chain_client.editions import EditionTerms
from chain_client.errors import TransactionFailed
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.transactions import TransactionSender
from crypto.secp256k1 import Secp256k1PrivateKey
from crypto.signing import generate_private_key
from crypto.sm2 import SM2PrivateKey
from crypto.symmetric import WrappedKey
from registry.access import (
    attest_party_in_dev_mode,
    create_party,
    link_key,
    revoke_key,
    revoke_party,
)
from registry.access.attestation import resident_id_check_digit, send_pending_unbindings
from registry.access.parties import fingerprint, key_identifier
from registry.assets.rights_assets import tokenize
from registry.core.errors import ChainUnreachable, InvalidInput, PartyRevoked, TakenDown
from registry.core.metadata import WorkMetadata
from registry.core.models import Edition, EditionCopy, EditionGift, Event
from registry.editions import (
    Editions,
    edition_refusals,
    is_adult,
    key_request,
    price_fen,
    price_text,
)
from registry.editions.errors import (
    CopyLockedUp,
    DailyGiftLimitReached,
    EditionConflict,
    EditionsSealed,
    EditionTakenDown,
    EditionTermsLocked,
    InvalidIssueCatalogue,
    IssueBeyondSize,
    NotCopyHolder,
    NotEditionPublisher,
    OwnerNotEntitled,
    ReaderNotVerified,
)
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS

OWNER = Account.from_key(ROLE_KEYS["owner"])
STRANGER = Account.from_key(ROLE_KEYS["buyer"])
COVER = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
OTHER_COVER = "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u"
_serial = itertools.count(1)


def _resident_id(born: str) -> str:
    first17 = f"110105{born}{next(_serial) % 1000:03d}"
    return first17 + resident_id_check_digit(first17)


@dataclass(frozen=True)
class Reader:
    party: str
    account: LocalAccount

    @property
    def address(self) -> str:
        return str(self.account.address)


def _reader(
    runtime: Runtime, *, born: str = "19900307", attest: bool = True, by_key: bool = False
) -> Reader:
    """A reader's party holding a fresh account: its address linked, or (``by_key``) its
    secp256k1 public key, whose address it is."""
    account: LocalAccount = Account.create()
    TransactionSender(runtime.w3, Account.from_key(ROLE_KEYS["owner"])).send(
        {"to": account.address, "value": Wei(10**17)}
    )
    public_key = Secp256k1PrivateKey.from_bytes(bytes(account.key)).public_key
    party = create_party(
        runtime.sessions, public_name="读者", kind="person",
        keys=[key_identifier(public_key) if by_key else account.address], now=runtime.now,
    ).party_id  # fmt: skip
    if attest:
        attest_party_in_dev_mode(
            runtime.sessions, runtime.attestors, party, id_number=_resident_id(born),
            legal_name="读者", now=runtime.now, ledger=runtime.identity_ledger,
        )  # fmt: skip
        runtime.editions.bind_reader(party)
    return Reader(party, account)


def _work(runtime: Runtime, *, territory: int = 0) -> str:
    registrar = Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now,
        protection=runtime.protection,
    )  # fmt: skip
    number = registrar.register(
        io.BytesIO(f"数字藏书 {time.time_ns()}".encode()), WorkMetadata(title="数字藏书")
    ).number
    assert runtime.new_batcher().run_once().error is None
    tokenize(runtime.sessions, runtime.suite(), number, OWNER.address, territory=territory)
    return number


def _terms(**overrides: object) -> EditionTerms:
    values: dict[str, object] = {
        "size": 4,
        "territory": 156,
        "lock_after_issue": 0,
        "lock_after_gift": 2 * 365 * 24 * 3600,
        "daily_gift_limit": 1,
    }
    values.update(overrides)
    return EditionTerms(**values)  # type: ignore[arg-type]


def _as(runtime: Runtime, account: LocalAccount) -> TransactionSender:
    return TransactionSender(runtime.w3, account, poll_latency=0.01)


def _count(runtime: Runtime, model: type) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_another_account_cannot_publish_an_edition_of_the_work(runtime: Runtime) -> None:
    number = _work(runtime)
    with pytest.raises(NotEditionPublisher):
        runtime.editions.create(
            _as(runtime, STRANGER), number, title="盗版", metadata_cid=COVER, terms=_terms()
        )
    assert _count(runtime, Edition) == 0


def test_the_owner_publishes_only_where_its_asset_carries_the_network_right(
    runtime: Runtime,
) -> None:
    number = _work(runtime, territory=156)
    owner = _as(runtime, OWNER)
    for territory in (344, 0):
        with pytest.raises(OwnerNotEntitled) as refused:
            runtime.editions.create(
                owner, number, title="港版", metadata_cid=COVER, terms=_terms(territory=territory)
            )
        assert refused.value.details["contract_error"] == "OwnerNotEntitled"
    assert _count(runtime, Edition) == 0
    edition = runtime.editions.create(
        owner, number, title="大陆版", metadata_cid=COVER, terms=_terms(territory=156)
    )
    assert edition.publisher == OWNER.address


def test_a_sealed_suites_refusal_is_editions_sealed() -> None:
    successor = "0x" + "5e" * 20
    with pytest.raises(EditionsSealed) as refused, edition_refusals():
        raise TransactionFailed("reverted", error_name="SuiteSealed", error_args=(successor,))
    assert refused.value.code == "editions_sealed"
    assert refused.value.details["arguments"] == [successor]


def test_issue_hold_gift_and_read(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    created = editions.create(
        _as(runtime, OWNER), number, title="三体 数字藏书版", metadata_cid=COVER,
        terms=_terms(), price_fen=1990,
    )  # fmt: skip
    assert (created.size, created.issued, created.price_cny, created.frozen) == (
        4,
        0,
        "¥19.90",
        False,
    )
    edition_id = created.edition_id
    batches = editions.issue(
        _as(runtime, OWNER), edition_id, [(alice.party, 1), (bob.party, 2), (alice.party, 3)]
    )
    assert [(b.first_copy, b.count) for b in batches] == [(1, 3)]
    assert editions.holding(edition_id, alice.party).copies == (1, 3)
    assert editions.holding(edition_id, bob.address).copies == (2,)

    # The holder reads: the content key wrapped to its SM2 key.
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    request = key_request(edition_id, 1, alice.address, platform_key.public_key)
    signature = bytes(alice.account.sign_message(encode_defunct(request)).signature)
    assert editions.content_key(
        edition_id, 1, holder=alice.address, recipient=platform_key.public_key,
        signature=signature,
    )  # fmt: skip

    gift = editions.gift(_as(runtime, alice.account), edition_id, 1, bob.party)
    assert (gift.from_address, gift.to_address) == (alice.address, bob.address)
    assert editions.holding(edition_id, alice.party).copies == (3,)
    assert editions.holding(edition_id, bob.party).copies == (1, 2)
    page = editions.copy(edition_id, 1)
    assert (page.copy_number, page.size, page.holder) == (1, 4, bob.address)
    assert page.holder_display == "读者（已实名 verified）"
    assert [(g.from_address, g.to_address) for g in page.gifts] == [(alice.address, bob.address)]
    # The former holder's access ends with the gift.
    with pytest.raises(NotCopyHolder):
        editions.content_key(
            edition_id, 1, holder=alice.address, recipient=platform_key.public_key,
            signature=signature,
        )  # fmt: skip
    with runtime.sessions() as session:
        event = session.scalars(select(Event).where(Event.type == "edition_gifted")).one()
    assert '"copy": 1' in event.payload_json

    # Bob received copy 1 as a gift: it is locked up for two years; copy 2 is not.
    with pytest.raises(CopyLockedUp):
        editions.gift(_as(runtime, bob.account), edition_id, 1, alice.party)
    editions.gift(_as(runtime, bob.account), edition_id, 2, alice.party)
    with pytest.raises(DailyGiftLimitReached):
        editions.gift(_as(runtime, alice.account), edition_id, 3, bob.party)
    assert _count(runtime, EditionGift) == 2


def test_refusals_change_nothing(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice = _reader(runtime)
    minor = _reader(runtime, born=f"{datetime.now(UTC).year - 10}0101")
    unverified = _reader(runtime, attest=False)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="限量版", metadata_cid=COVER, terms=_terms(size=2)
    ).edition_id
    with pytest.raises(EditionConflict):
        editions.create(owner, number, title="再版", metadata_cid=COVER, terms=_terms())
    assert _count(runtime, Edition) == 1

    with pytest.raises(ReaderNotVerified):
        runtime.editions.bind_reader(unverified.party)
    for catalogue, refusal in (
        ([(minor.party, 1)], ReaderNotVerified),
        ([(unverified.party, 1)], ReaderNotVerified),
        ([(alice.party, 2)], InvalidIssueCatalogue),
        ([(alice.party, 1), (alice.party, 1)], InvalidIssueCatalogue),
        ([(alice.party, 1), (alice.party, 2), (alice.party, 3)], IssueBeyondSize),
    ):
        with pytest.raises(refusal):
            editions.issue(owner, edition_id, catalogue)
        assert _count(runtime, EditionCopy) == 0

    editions.issue(owner, edition_id, [(alice.party, 1), (alice.party, 2)])
    moderation = runtime.moderation
    moderation.take_down(number, reason="侵权 infringing", actor="test", authority="moderator")
    with pytest.raises(TakenDown):
        editions.gift(_as(runtime, alice.account), edition_id, 1, minor.party)
    assert editions.show(edition_id).frozen
    assert editions.holding(edition_id, alice.party).copies == (1, 2)


def test_full_age_from_the_resident_id() -> None:
    today = datetime(2026, 12, 5, tzinfo=UTC).date()
    assert is_adult(_resident_id("20081205"), today)
    assert not is_adult(_resident_id("20081206"), today)
    assert not is_adult(_resident_id("20150101"), today - timedelta(days=1))


def test_readers_claim_copies_from_an_allow_list(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    unverified = _reader(runtime, attest=False)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="预约版", metadata_cid=COVER, terms=_terms(size=3)
    ).edition_id
    posted = editions.post_allow_list(
        owner, edition_id, [(alice.party, 1), (unverified.party, 2), (bob.party, 3)]
    )
    assert (posted.first_copy, posted.count) == (1, 3)
    assert editions.show(edition_id).issued == 3
    # Reserved is not held: no holding, no gift, nothing to read.
    assert editions.holding(edition_id, alice.party).copies == ()
    assert editions.copy(edition_id, 1).holder_display == "待领取 reserved, not claimed yet"
    assert editions.copy(edition_id, 1).holder is None  # the chain holds only the root
    with pytest.raises(NotCopyHolder):
        editions.gift(_as(runtime, alice.account), edition_id, 1, bob.party)
    # Another reader cannot claim it; the unverified reader on the list cannot claim its own.
    with pytest.raises(NotCopyHolder):
        editions.claim(_as(runtime, bob.account), edition_id, 1)
    with pytest.raises(ReaderNotVerified):
        editions.claim(_as(runtime, unverified.account), edition_id, 2)
    claimed = editions.claim(_as(runtime, alice.account), edition_id, 1)
    assert claimed.holder == alice.address
    assert editions.holding(edition_id, alice.party).copies == (1,)
    with pytest.raises(NotCopyHolder):
        editions.claim(_as(runtime, alice.account), edition_id, 1)
    editions.gift(_as(runtime, alice.account), edition_id, 1, bob.party)
    assert editions.holding(edition_id, bob.party).copies == (1,)


def test_the_contract_keeps_the_terms_once_a_copy_is_issued_behind_the_registrys_back(
    runtime: Runtime,
) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice = _reader(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="限量版", metadata_cid=COVER, terms=_terms(size=2)
    ).edition_id
    # Issued straight on chain: the registry has not followed it yet and believes none is.
    chain = runtime.suite().editions
    assert chain is not None
    chain.with_sender(owner).issue(edition_id, [alice.address])
    assert editions.show(edition_id).issued == 0
    nonce = runtime.w3.eth.get_transaction_count(OWNER.address)
    with pytest.raises(EditionTermsLocked) as refused:
        editions.amend_terms(owner, edition_id, metadata_cid=OTHER_COVER, terms=_terms(size=3))
    assert refused.value.details["contract_error"] == "TermsLocked"
    assert runtime.w3.eth.get_transaction_count(OWNER.address) == nonce  # nothing sent
    assert chain.edition_of(edition_id).size == 2
    assert editions.show(edition_id).size == 2


def test_a_taken_down_works_edition_keeps_its_cover_and_terms(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="限量版", metadata_cid=COVER, terms=_terms(size=2)
    ).edition_id
    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="test", authority="moderator"
    )
    with pytest.raises(EditionTakenDown) as refused:
        editions.amend_terms(owner, edition_id, metadata_cid=OTHER_COVER, terms=_terms(size=3))
    assert refused.value.details["contract_error"] == "WorkTakenDown"
    chain = runtime.suite().editions
    assert chain is not None
    assert chain.edition_of(edition_id).size == 2
    shown = editions.show(edition_id)
    assert (shown.size, shown.metadata_cid) == (2, COVER)


@pytest.mark.parametrize(
    ("written", "fen"),
    [
        ("19.90", 1990),
        ("¥19.9", 1990),
        (" 0 ", 0),
        ("12", 1200),
        (None, None),
        ("92233720368547758.07", (1 << 63) - 1),
    ],
)
def test_a_price_in_yuan_is_read_in_fen(written: str | None, fen: int | None) -> None:
    assert price_fen(written, field="price_cny") == fen
    assert price_text(fen) == (None if fen is None else f"¥{fen // 100}.{fen % 100:02d}")


@pytest.mark.parametrize(
    "written",
    # The last three: more than a 64-bit fen count holds (the decimal context would overflow).
    ["abc", "", "NaN", "Infinity", "-1", "1.999", "1e-3", "1e999999999", "9" * 40, "1E+30"],
)
def test_a_price_that_is_no_amount_of_yuan_is_refused(written: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        price_fen(written, field="--price")
    assert refused.value.details == {"field": "--price"}
    assert "--price" in str(refused.value)


def _read(editions: Editions, edition_id: int, copy: int, reader: Reader) -> WrappedKey:
    """``reader``'s reading key of ``copy``, asked as a platform asks it: for its SM2 key, with
    the holder's signature of the request."""
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    request = key_request(edition_id, copy, reader.address, platform_key.public_key)
    signature = bytes(reader.account.sign_message(encode_defunct(request)).signature)
    return editions.content_key(
        edition_id, copy, holder=reader.address, recipient=platform_key.public_key,
        signature=signature,
    )  # fmt: skip


def test_no_reading_key_while_the_work_is_taken_down_and_none_once_it_is_revoked(
    runtime: Runtime,
) -> None:
    """A takedown withholds the copies' reading keys as it withholds the content (notice and
    takedown: the key is the means of dissemination); a restore gives them again; a revocation
    withholds them for good, and the edition says revoked, not taken down."""
    editions: Editions = runtime.editions
    number, alice = _work(runtime), _reader(runtime)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="下架之后", metadata_cid=COVER, terms=_terms()
    ).edition_id
    editions.issue(_as(runtime, OWNER), edition_id, [(alice.party, 1)])
    assert _read(editions, edition_id, 1, alice)

    runtime.moderation.take_down(
        number, reason="侵权投诉", actor="moderator-1", authority="moderator"
    )
    with pytest.raises(EditionTakenDown, match="已下架"):
        _read(editions, edition_id, 1, alice)
    runtime.moderation.restore(
        number, reason="投诉不成立", actor="moderator-1", authority="moderator"
    )
    assert _read(editions, edition_id, 1, alice)

    runtime.suite().registry_anchor.grant_role(ANCHOR_REGULATOR_ROLE, runtime.sender.address)
    runtime.moderation.revoke_registration(
        number, reason="伪造材料", actor="regulator-1", authority="regulator"
    )
    with pytest.raises(EditionTakenDown, match="撤销"):
        _read(editions, edition_id, 1, alice)
    with pytest.raises(EditionTakenDown, match="撤销"):
        editions.certificate(edition_id, 1)
    shown = editions.show(edition_id)
    assert (shown.frozen, shown.revoked) == (True, True)


def test_a_revoked_readers_address_gets_no_copy_and_no_reading_key(runtime: Runtime) -> None:
    """A reader's key leaks; it revokes the key (or an administrator its whole party). Its
    address is then nobody's verified reader on chain, and the registry itself refuses it."""
    editions: Editions = runtime.editions
    identity = runtime.suite().identity_attestations
    assert identity is not None
    number, alice, bob = _work(runtime), _reader(runtime), _reader(runtime)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="泄露的密钥", metadata_cid=COVER, terms=_terms()
    ).edition_id
    editions.issue(_as(runtime, OWNER), edition_id, [(alice.party, 1), (bob.party, 2)])
    assert identity.is_verified_adult(alice.address)

    revoke_party(
        runtime.sessions, alice.party, now=runtime.now, unbind=runtime.send_pending_unbindings
    )
    assert not identity.is_verified_adult(alice.address)
    with pytest.raises(PartyRevoked):
        _read(editions, edition_id, 1, alice)
    with pytest.raises(PartyRevoked):
        editions.issue(_as(runtime, OWNER), edition_id, [(alice.address, 3)])
    assert editions.show(edition_id).issued == 2

    key = fingerprint(f"address:{bob.address}")
    revoke_key(
        runtime.sessions, bob.party, key, now=runtime.now, unbind=runtime.send_pending_unbindings
    )
    assert not identity.is_verified_adult(bob.address)
    with pytest.raises(PartyRevoked):
        _read(editions, edition_id, 2, bob)


def test_a_reader_revoked_while_the_chain_is_down_is_unbound_by_the_next_cycle(
    runtime: Runtime,
) -> None:
    """The chain cannot be reached when a reader's party is revoked: the registry refuses the
    address at once, and the anchoring loop's next cycle takes it off chain, nobody asking."""
    identity = runtime.suite().identity_attestations
    assert identity is not None
    editions: Editions = runtime.editions
    number, reader = _work(runtime), _reader(runtime)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="断链时撤销", metadata_cid=COVER, terms=_terms()
    ).edition_id

    def chain_down() -> None:
        raise ChainUnreachable("node down")

    revoke_party(
        runtime.sessions, reader.party, now=runtime.now,
        unbind=lambda ids: send_pending_unbindings(
            runtime.sessions, ledger=chain_down, key_ids=ids
        ),
    )  # fmt: skip
    assert identity.is_verified_adult(reader.address)  # the chain did not hear of it
    with pytest.raises(PartyRevoked):
        editions.issue(_as(runtime, OWNER), edition_id, [(reader.address, 1)])
    assert runtime.new_batcher().run_once().error is None
    assert not identity.is_verified_adult(reader.address)


def test_a_reader_holding_its_account_by_its_key_is_named_on_its_copy(runtime: Runtime) -> None:
    """A verified reader whose party holds its account by its secp256k1 key (no linked address)
    is bound on chain and issued a copy: its copy names it, as it names one by address."""
    editions: Editions = runtime.editions
    number, reader = _work(runtime), _reader(runtime, by_key=True)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="密钥读者", metadata_cid=COVER, terms=_terms()
    ).edition_id
    editions.issue(_as(runtime, OWNER), edition_id, [(reader.party, 1)])
    page = editions.copy(edition_id, 1)
    assert (page.holder, page.holder_display) == (reader.address, "读者（已实名 verified）")


def test_a_party_holds_the_copies_of_every_one_of_its_addresses(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number, reader = _work(runtime), _reader(runtime)
    second: LocalAccount = Account.create()
    link_key(runtime.sessions, reader.party, second.address, now=runtime.now)
    identity = runtime.suite().identity_attestations
    assert identity is not None
    identity.bind_person_account(reader.party, second.address, True)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="两个地址", metadata_cid=COVER, terms=_terms()
    ).edition_id
    editions.issue(_as(runtime, OWNER), edition_id, [(reader.party, 1), (second.address, 2)])
    assert editions.holding(edition_id, reader.party).copies == (1, 2)
    assert editions.holding(edition_id, second.address).copies == (2,)
    assert editions.holding(edition_id, reader.address).copies == (1,)
