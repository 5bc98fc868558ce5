"""grant_content_key against real Anvil: the licence on chain is asked about at the time of the
clock the service is given, not the machine's, in whatever territory it was granted."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from chain_client.licences import LicenceTerms
from chain_client.rights_assets import Right
from chain_client.transactions import TransactionSender
from crypto.signing import generate_private_key
from crypto.sm2 import SM2PrivateKey
from registry.access.parties import create_party, revoke_party
from registry.assets.content_keys import content_key_request, grant_content_key
from registry.assets.rights_assets import grant_licence, tokenize, transfer
from registry.core.errors import NotLicensed, PartyRevoked, TakenDown
from registry.core.metadata import WorkMetadata
from registry.core.models import ContentKey
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS

OWNER = Account.from_key(ROLE_KEYS["owner"])
LICENSEE = Account.from_key(ROLE_KEYS["buyer"])
RIGHT = "information_network"


def licensed_private_work(
    runtime: Runtime, *, territory: int = 0, starts_in: int = 1
) -> tuple[str, int]:
    """A private work, anchored, tokenized to OWNER and licensed to LICENSEE in ``territory``
    (the information-network right, for an hour from ``starts_in`` seconds on: a licence starts
    no earlier than its grant); its number and the licence's start (chain time)."""
    registrar = Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now,
        protection=runtime.protection,
    )  # fmt: skip
    number = registrar.register(
        io.BytesIO(f"licensed private work {time.time_ns()}".encode()),
        WorkMetadata(title="私有作品"),
    ).number
    assert runtime.new_batcher().run_once().error is None
    suite = runtime.suite()
    asset = tokenize(runtime.sessions, suite, number, OWNER.address)
    owner = TransactionSender(runtime.w3, OWNER)
    start = int(runtime.w3.eth.get_block("latest")["timestamp"]) + starts_in
    terms = LicenceTerms(
        asset_id=asset.asset_id, licensee=LICENSEE.address,
        rights=1 << int(Right.INFORMATION_NETWORK), territory=territory,
        start=start, end=start + 3600,
    )  # fmt: skip
    grant_licence(suite.as_sender(owner), owner, terms)
    return number, start


@pytest.mark.parametrize("territory", [0, 156])  # worldwide, or China alone: the same key
def test_the_licence_is_checked_at_the_injected_clocks_time(
    runtime: Runtime, territory: int
) -> None:
    number, start = licensed_private_work(runtime, territory=territory, starts_in=60)
    with pytest.raises(NotLicensed):
        ask(runtime, number, start - 1)
    assert ask(runtime, number, start) is not None
    with pytest.raises(NotLicensed):
        ask(runtime, number, start + 2 * 3600)


def ask(
    runtime: Runtime, number: str, at: int, account: LocalAccount = LICENSEE, right: str = RIGHT
) -> object:
    """``account``'s request, signed by it, for a key wrapped to a new SM2 key (the licensee's,
    unless told)."""
    platform_key = generate_private_key("sm2")
    assert isinstance(platform_key, SM2PrivateKey)
    request = content_key_request(number, account.address, right, platform_key.public_key)
    return grant_content_key(
        runtime.sessions, runtime.suite(), runtime.protection, number,
        licensee=account.address, right=right, recipient=platform_key.public_key,
        signature=bytes(account.sign_message(encode_defunct(request)).signature),
        now=lambda: datetime.fromtimestamp(at, UTC),
    )  # fmt: skip


def key_grants(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return len(session.query(ContentKey).all())


def test_a_licensee_address_revoked_with_its_party_gets_no_key(runtime: Runtime) -> None:
    """The licence stands on chain, but the party holding the address was revoked (its key
    leaked): whoever signs with that key gets nothing, as a copy holder's revoked address."""
    number, at = licensed_private_work(runtime)
    assert ask(runtime, number, at) is not None  # the licensee, before
    party = create_party(
        runtime.sessions, public_name="某平台", keys=[LICENSEE.address], now=runtime.now
    )
    revoke_party(runtime.sessions, party.party_id, now=runtime.now)
    before = key_grants(runtime)
    with pytest.raises(PartyRevoked) as refused:
        ask(runtime, number, at)
    assert refused.value.details["address"] == LICENSEE.address
    assert key_grants(runtime) == before


def test_no_key_while_the_work_is_frozen_on_chain_before_the_registry_records_it(
    runtime: Runtime,
) -> None:
    """A moderator froze the work with its own account: the follower has not read it yet, and
    the registry's records show no takedown; the chain's freeze is asked all the same."""
    number, at = licensed_private_work(runtime)
    asset_id = runtime.assets.asset_id(number)
    runtime.moderation_client("moderator").freeze(asset_id.to_bytes(32, "big"), b"\x07" * 32)
    before = key_grants(runtime)
    with pytest.raises(TakenDown) as refused:
        ask(runtime, number, at)
    assert refused.value.details == {"number": number, "frozen_on_chain": True}
    assert key_grants(runtime) == before


def test_the_assets_owner_reads_its_work_and_its_seller_no_longer(runtime: Runtime) -> None:
    """The owner of the work's asset holds its rights, licensed or not: it gets the key for a
    right the asset carries. Once it sells the asset, the buyer does and it does not."""
    number, at = licensed_private_work(runtime)
    stranger = Account.from_key(ROLE_KEYS["lender"])
    with pytest.raises(NotLicensed):
        ask(runtime, number, at, stranger)
    with pytest.raises(NotLicensed):  # a moral right is no asset's to carry
        ask(runtime, number, at, OWNER, right="authorship")
    assert ask(runtime, number, at, OWNER) is not None
    suite = runtime.suite()
    owner = TransactionSender(runtime.w3, OWNER)
    transfer(suite.as_sender(owner), owner, runtime.assets.asset_id(number), stranger.address)
    with pytest.raises(NotLicensed):
        ask(runtime, number, at, OWNER)
    assert ask(runtime, number, at, stranger) is not None
