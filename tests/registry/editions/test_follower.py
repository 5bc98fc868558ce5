"""The follower folds the ``Editions`` events into the editions tables (real Anvil, real
databases): a gift a holder sends straight to the contract from its own wallet, an edition
created and issued on chain without the registry, and allow-list claims show in the API, the
copy's page and the holders query, fire ``edition_gifted`` once, and following or replaying again
changes nothing; what the registry recorded itself is recognised, not recorded twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from hexbytes import HexBytes
from multiformats import CID
from sqlalchemy import select

from api.app import create_app
from chain_client.editions import EditionsClient, batch_proof, batch_root
from registry.core.database import unit_of_work
from registry.core.models import (
    Edition,
    EditionBatch,
    EditionCopy,
    EditionGift,
    Event,
)
from registry.editions import Editions
from registry.editions.records import record_allow_list
from registry.platform.runtime import Runtime
from registry.proofs.verification import get_registration
from tests.conftest import bearer
from tests.registry.editions.test_service import (
    COVER,
    OTHER_COVER,
    OWNER,
    _as,
    _count,
    _reader,
    _terms,
    _work,
)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as test_client:
        yield test_client


def _editions_client(runtime: Runtime) -> EditionsClient:
    client = runtime.suite().editions
    assert client is not None
    return client


def _send_directly(runtime: Runtime, account: LocalAccount, function: Any) -> str:
    """Sign and send a call of the contract from ``account``'s own wallet, with web3 only."""
    w3 = runtime.w3
    transaction = function.build_transaction(
        {
            "from": account.address,
            "nonce": w3.eth.get_transaction_count(account.address),
            "chainId": w3.eth.chain_id,
        }
    )
    tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(transaction).raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    return "0x" + HexBytes(tx_hash).hex().removeprefix("0x")


def _tables(runtime: Runtime) -> dict[str, list[tuple[object, ...]]]:
    """The editions tables and their webhook events, as comparable rows."""
    with runtime.sessions() as session:
        return {
            "editions": [
                (e.chain_edition_id, e.title, e.size, e.issued, e.metadata_cid, e.price_fen)
                for e in session.scalars(select(Edition).order_by(Edition.id))
            ],
            "batches": [
                (b.edition_id, b.batch_index, b.first_copy, b.count, b.root, b.allow_list)
                for b in session.scalars(select(EditionBatch).order_by(EditionBatch.id))
            ],
            "copies": [
                (c.edition_id, c.copy_number, c.holder, c.gifted, c.held)
                for c in session.scalars(select(EditionCopy).order_by(EditionCopy.id))
            ],
            "gifts": [
                (g.copy_number, g.from_address, g.to_address, g.gift_tx)
                for g in session.scalars(select(EditionGift).order_by(EditionGift.id))
            ],
            "events": [
                (e.type, e.source_key, e.payload_json)
                for e in session.scalars(
                    select(Event).where(Event.type == "edition_gifted").order_by(Event.id)
                )
            ],
        }


def _gifted_events(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        return [
            json.loads(e.payload_json)
            for e in session.scalars(
                select(Event).where(Event.type == "edition_gifted").order_by(Event.id)
            )
        ]


def test_a_gift_sent_straight_to_the_contract_is_followed(
    client: TestClient, runtime: Runtime
) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="直赠版", metadata_cid=COVER, terms=_terms(size=3)
    ).edition_id
    (batch,) = editions.issue(owner, edition_id, [(alice.party, 1), (alice.party, 2)])
    runtime.follow_chain()  # what the registry sent itself is recognised
    before = _tables(runtime)
    assert len(before["gifts"]) == 0

    # Alice gives copy 1 to bob from her own wallet: the registry is not asked.
    contract = _editions_client(runtime).contract
    holders = [alice.address, alice.address]
    proof = batch_proof(edition_id, 1, holders, 1)
    tx_hash = _send_directly(
        runtime,
        alice.account,
        contract.functions.gift(edition_id, 1, bob.address, batch.batch_index, proof),
    )
    platform = bearer(runtime, "platform")
    base = f"/v1/editions/{edition_id}"
    assert client.get(f"{base}/copies/1").json()["holder"] == alice.address  # not followed yet

    result = runtime.follow_chain()
    assert result.events >= 1
    copy = client.get(f"{base}/copies/1").json()
    assert copy["holder"] == bob.address
    assert [(g["from_address"], g["to_address"], g["tx_hash"]) for g in copy["gifts"]] == [
        (alice.address, bob.address, tx_hash)
    ]
    assert client.get(f"{base}/holders/{bob.party}", headers=platform).json()["copies"] == [1]
    assert client.get(f"{base}/holders/{alice.party}", headers=platform).json()["copies"] == [2]
    page = client.get(f"/editions/{edition_id}/copies/1").text
    assert tx_hash in page
    (event,) = _gifted_events(runtime)
    assert event == {
        "edition": edition_id,
        "copy": 1,
        "from": alice.address,
        "to": bob.address,
        "tx_hash": tx_hash,
    }

    # Following again, and replaying the whole chain, change nothing.
    after = _tables(runtime)
    assert runtime.follow_chain().events == 0
    assert _tables(runtime) == after
    assert runtime.rebuild_chain_state().replayed
    assert _tables(runtime) == after

    # Bob's gift back through the registry is refused inside his lock-up, as on chain.
    locked = client.post(
        f"{base}/copies/1/gift/prepare", json={"from": bob.address, "to": alice.party},
        headers=platform,
    )  # fmt: skip
    assert (locked.status_code, locked.json()["code"]) == (409, "copy_locked_up")


def test_a_gift_through_the_registry_is_recorded_once(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="登记处赠送", metadata_cid=COVER, terms=_terms(size=2)
    ).edition_id
    editions.issue(owner, edition_id, [(alice.party, 1)])
    editions.gift(_as(runtime, alice.account), edition_id, 1, bob.party)
    assert _count(runtime, Edition) == 1
    recorded = _tables(runtime)
    runtime.follow_chain()
    runtime.rebuild_chain_state()
    assert _tables(runtime) == recorded
    assert len(_gifted_events(runtime)) == 1


def test_an_edition_made_on_chain_alone_and_its_claims_are_followed(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob, carol = _reader(runtime), _reader(runtime), _reader(runtime)
    chain = _editions_client(runtime).with_sender(_as(runtime, OWNER))
    asset = int(get_registration(runtime.sessions, number).leaf, 16)
    created = chain.create(asset, bytes(CID.decode(OTHER_COVER)), _terms(size=4))
    edition_id = created.edition_id
    chain.issue(edition_id, [alice.address])
    readers = [bob.address, carol.address]
    chain.post_allow_list(edition_id, batch_root(edition_id, 2, readers), 2)
    bob_chain = _editions_client(runtime).with_sender(_as(runtime, bob.account))
    bob_chain.claim(edition_id, 2, 1, batch_proof(edition_id, 2, readers, 2))

    runtime.follow_chain()
    view = editions.show(edition_id)
    assert (view.title, view.size, view.issued, view.metadata_cid) == (
        "数字藏书",
        4,
        3,
        OTHER_COVER,
    )
    assert view.price_cny is None  # a price is never on chain
    assert view.create_tx == created.position.tx_hash
    assert editions.copy(edition_id, 1).holder == alice.address
    assert editions.copy(edition_id, 2).holder == bob.address
    assert editions.holding(edition_id, bob.party).copies == (2,)
    assert editions.holding(edition_id, alice.party).copies == (1,)
    # Carol's reserved copy is unknown to the registry until she claims it on chain.
    with runtime.sessions() as session:
        assert session.scalar(select(EditionCopy.id).where(EditionCopy.copy_number == 3)) is None
    recorded = _tables(runtime)
    runtime.rebuild_chain_state()
    assert _tables(runtime) == recorded

    assert _count(runtime, Edition) == 1
    carol_chain = _editions_client(runtime).with_sender(_as(runtime, carol.account))
    carol_chain.claim(edition_id, 3, 1, batch_proof(edition_id, 2, readers, 3))
    runtime.follow_chain()
    assert editions.holding(edition_id, carol.party).copies == (3,)
    assert editions.copy(edition_id, 3).holder_display == "读者（已实名 verified）"


def test_an_allow_list_followed_before_the_registry_records_it_keeps_its_readers(
    runtime: Runtime,
) -> None:
    """The follower may record an allow-list from its block (a root, no readers) before the
    registry that posted it records it: the readers, known only to that registry, are added
    then, and each claims its copy through the registry."""
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    edition_id = editions.create(
        _as(runtime, OWNER), number, title="先被跟上的预约", metadata_cid=COVER, terms=_terms()
    ).edition_id
    readers = [alice.address, bob.address]
    chain = _editions_client(runtime).with_sender(_as(runtime, OWNER))
    posted = chain.post_allow_list(edition_id, batch_root(edition_id, 1, readers), 2)
    runtime.follow_chain()  # the root only: the chain does not hold the readers
    with unit_of_work(runtime.sessions) as session:
        edition = session.scalars(
            select(Edition).where(Edition.chain_edition_id == edition_id)
        ).one()
        assert not record_allow_list(session, edition, posted, readers=readers, at=runtime.now())

    assert editions.copy(edition_id, 2).holder is None  # reserved: whom for is not told
    assert editions.claim(_as(runtime, bob.account), edition_id, 2).holder == bob.address
    claimed = editions.claim(_as(runtime, alice.account), edition_id, 1)
    assert claimed.holder == alice.address
    assert editions.holding(edition_id, alice.party).copies == (1,)
