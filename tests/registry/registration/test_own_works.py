"""A publisher's own registrations: listing by cursor, private content, publishing."""

from __future__ import annotations

import io

import pytest
from eth_account import Account

from chain_client.transactions import TransactionSender
from registry.access import create_party, party_pk
from registry.assets.rights_assets import tokenize, transfer
from registry.core.errors import NotAssetOwner, NotOwnRegistration, RegistrationNotFound
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import Runtime
from registry.proofs.verification import get_registration
from registry.registration.own_works import (
    Caller,
    list_own_registrations,
    open_own_content,
    publish_own,
)
from registry.registration.registrar import Registrar
from tests.chain_client.conftest import ROLE_KEYS

SELLER = Account.from_key(ROLE_KEYS["owner"])
BUYER = Account.from_key(ROLE_KEYS["buyer"])


def register(runtime: Runtime, text: str, submitted_by: str | None) -> str:
    return (
        Registrar(
            runtime.sessions,
            runtime.store,
            max_bytes=1 << 20,
            now=runtime.now,
            protection=runtime.protection,
        )
        .register(
            io.BytesIO(text.encode()),
            WorkMetadata.from_mapping({"title": text}),
            submitted_by=submitted_by,
        )
        .number
    )


def test_pages_hold_only_the_callers_registrations(runtime: Runtime) -> None:
    mine = [register(runtime, f"甲 {i}", "key-a") for i in range(5)]
    register(runtime, "乙", "key-b")
    register(runtime, "命令行", None)
    seen, after = [], 0
    while True:
        page = list_own_registrations(runtime.sessions, Caller("key-a"), limit=2, after=after)
        seen += [view.number for view in page.registrations]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == mine
    everyone = list_own_registrations(runtime.sessions, Caller("admin", acts_for_anyone=True))
    assert len(everyone.registrations) == 7


def test_private_content_is_decrypted_for_its_submitter_only(runtime: Runtime) -> None:
    number = register(runtime, "私密稿件", "key-a")
    chunks = open_own_content(
        runtime.sessions, runtime.store, runtime.protection, Caller("key-a"), number
    )
    assert b"".join(chunks) == "私密稿件".encode()
    with pytest.raises(NotOwnRegistration):
        open_own_content(
            runtime.sessions, runtime.store, runtime.protection, Caller("key-b"), number
        )


def test_a_command_line_registration_is_reached_by_an_admin_only(runtime: Runtime) -> None:
    number = register(runtime, "命令行登记", None)
    with pytest.raises(NotOwnRegistration):
        publish_own(
            runtime.sessions, runtime.store, runtime.protection, Caller("key-a"), number,
            now=runtime.now, moderation=None,
        )  # fmt: skip
    published_at = publish_own(
        runtime.sessions, runtime.store, runtime.protection,
        Caller("admin", acts_for_anyone=True), number, now=runtime.now, moderation=None,
    )  # fmt: skip
    assert published_at is not None


def test_an_unknown_number_is_not_found(runtime: Runtime) -> None:
    with pytest.raises(RegistrationNotFound):
        open_own_content(
            runtime.sessions, runtime.store, runtime.protection, Caller("key-a"), "BQ-2026-0"
        )


def test_once_its_asset_is_sold_the_registrant_no_longer_publishes_the_work(
    runtime: Runtime,
) -> None:
    """The right to disseminate a work went with its rights asset: its registrant, whose party
    sold the asset, cannot publish the work for everyone (the buyer's right), whether or not
    the follower has read the sale yet. Bought back, it publishes it."""
    number = register(runtime, "已售出权利的作品", "key-a")
    assert runtime.new_batcher().run_once().error is None
    party = create_party(
        runtime.sessions, public_name="出版社", keys=[SELLER.address], now=runtime.now
    )
    with runtime.sessions() as session:
        caller = Caller("key-a", party=party_pk(session, party.party_id))
    suite = runtime.suite()
    asset = tokenize(runtime.sessions, suite, number, SELLER.address)
    assert runtime.new_batcher().run_once().error is None  # the follower records the asset
    seller = TransactionSender(runtime.w3, SELLER)
    transfer(suite.as_sender(seller), seller, asset.asset_id, BUYER.address)

    registrar = runtime.registrar
    with pytest.raises(NotAssetOwner) as refused:
        registrar.publish(number, caller)
    assert refused.value.details == {"number": number, "owner": BUYER.address}
    assert get_registration(runtime.sessions, number).published_at is None

    buyer = TransactionSender(runtime.w3, BUYER)
    transfer(suite.as_sender(buyer), buyer, asset.asset_id, SELLER.address)
    assert registrar.publish(number, caller) is not None
    assert get_registration(runtime.sessions, number).published_at is not None
