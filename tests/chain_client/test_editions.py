"""EditionsClient against real Anvil: the Merkle tree built here is the one the contract stores,
holders prove their copies, gifts move them, and refusals come back decoded."""

from __future__ import annotations

import itertools

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import Wei

from chain_client.editions import EditionTerms, batch_proof, batch_root
from chain_client.errors import TransactionFailed
from chain_client.migration import execute_seal, migrate_assets, prepare_migration
from chain_client.rights_assets import Tokenized
from chain_client.suite import Suite, deploy_successor_suite
from tests.chain_client.conftest import Actors, advance_time, as_actor, chain_time

CHINA = 156
DAY = 24 * 3600
COVER = bytes.fromhex("01711220") + b"\x44" * 32
_parties = itertools.count()


def _reader(suite: Suite, actors: Actors, *, adult: bool = True) -> LocalAccount:
    """A fresh account with some ether, bound to a verified person (the admin attests)."""
    account: LocalAccount = Account.create()
    actors.admin.send({"to": account.address, "value": Wei(10**18)})
    identity = suite.identity_attestations
    assert identity is not None
    party = f"party_ed_{next(_parties)}_{account.address[2:10]}"
    identity.attest(party, account.address.encode().ljust(32, b"\x01")[:32], 2**40, b"\x01")
    identity.bind_person_account(party, account.address, adult)
    return account


def _terms(**overrides: object) -> EditionTerms:
    values: dict[str, object] = {
        "size": 10,
        "territory": CHINA,
        "lock_after_issue": DAY,
        "lock_after_gift": 2 * DAY,
        "daily_gift_limit": 1,
    }
    values.update(overrides)
    return EditionTerms(**values)  # type: ignore[arg-type]


def test_another_account_cannot_create_an_edition_of_the_work(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    stranger = as_actor(suite, actors, actors.buyer).editions
    assert stranger is not None
    with pytest.raises(TransactionFailed) as refused:
        stranger.create(asset.asset_id, COVER, _terms())
    assert refused.value.error_name == "NotPublisher"
    assert suite.editions is not None
    assert suite.editions.edition_count() == 0


def test_issued_batches_have_the_root_built_here_and_holders_prove_their_copies(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    readers = [_reader(suite, actors).address for _ in range(2)]
    publisher = as_actor(suite, actors, actors.owner).editions
    assert publisher is not None
    created = publisher.create(asset.asset_id, COVER, _terms(size=7))
    edition_id = created.edition_id
    assert created.terms == _terms(size=7)
    holders = [readers[i % 2] for i in range(7)]
    batches = publisher.issue_all(edition_id, holders, chunk=3)
    assert [(b.batch_index, b.first_copy, len(b.holders)) for b in batches] == [
        (0, 1, 3),
        (1, 4, 3),
        (2, 7, 1),
    ]
    for batch in batches:
        assert batch.root == batch_root(edition_id, batch.first_copy, batch.holders)
        for offset, holder in enumerate(batch.holders):
            copy = batch.first_copy + offset
            proof = batch_proof(edition_id, batch.first_copy, batch.holders, copy)
            assert publisher.holds(edition_id, copy, holder, batch.batch_index, proof)
            other = readers[1] if holder == readers[0] else readers[0]
            assert not publisher.holds(edition_id, copy, other, batch.batch_index, proof)
    assert publisher.edition_of(edition_id).issued == 7
    with pytest.raises(TransactionFailed) as refused:
        publisher.issue(edition_id, [readers[0]])
    assert refused.value.error_name == "IssueBeyondSize"


def test_a_gift_moves_the_copy_and_refusals_change_nothing(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    giver, receiver, third = (_reader(suite, actors) for _ in range(3))
    minor = _reader(suite, actors, adult=False)
    publisher = as_actor(suite, actors, actors.owner).editions
    assert publisher is not None
    edition_id = publisher.create(asset.asset_id, COVER, _terms()).edition_id
    holders = [giver.address, receiver.address]
    publisher.issue(edition_id, holders)
    proof = batch_proof(edition_id, 1, holders, 1)
    mine = as_actor(suite, actors, giver).editions
    assert mine is not None

    with pytest.raises(TransactionFailed) as locked:
        mine.gift(edition_id, 1, receiver.address, 0, proof)
    assert locked.value.error_name == "LockedUp"
    advance_time(suite.registry_anchor.w3, DAY)
    with pytest.raises(TransactionFailed) as unverified:
        mine.gift(edition_id, 1, minor.address, 0, proof)
    assert unverified.value.error_name == "NotVerifiedAdult"
    thief = as_actor(suite, actors, third).editions
    assert thief is not None
    with pytest.raises(TransactionFailed) as not_holder:
        thief.gift(edition_id, 1, third.address, 0, proof)
    assert not_holder.value.error_name == "NotHolder"
    assert mine.copy_record(edition_id, 1) == (None, 0)

    gifted = mine.gift(edition_id, 1, receiver.address, 0, proof)
    assert (gifted.copy, gifted.from_, gifted.to) == (1, giver.address, receiver.address)
    holder, _received_at = mine.copy_record(edition_id, 1)
    assert holder == receiver.address
    assert mine.holds(edition_id, 1, receiver.address, 0, [])
    assert not mine.holds(edition_id, 1, giver.address, 0, proof)

    advance_time(suite.registry_anchor.w3, 2 * DAY)
    moderator = as_actor(suite, actors, actors.moderator)
    moderator.moderation.freeze(asset.asset_id.to_bytes(32, "big"), b"\x01" * 32)
    assert mine.is_frozen(edition_id)
    theirs = as_actor(suite, actors, receiver).editions
    assert theirs is not None
    with pytest.raises(TransactionFailed) as taken_down:
        theirs.gift(edition_id, 1, third.address, 0, [])
    assert taken_down.value.error_name == "WorkTakenDown"
    assert mine.copy_record(edition_id, 1)[0] == receiver.address


def test_readers_claim_their_copies_from_an_allow_list(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    alice, bob = _reader(suite, actors), _reader(suite, actors)
    publisher = as_actor(suite, actors, actors.owner).editions
    assert publisher is not None
    edition_id = publisher.create(asset.asset_id, COVER, _terms()).edition_id
    readers = [alice.address, bob.address, alice.address]
    posted = publisher.post_allow_list(edition_id, batch_root(edition_id, 1, readers), 3)
    assert (posted.first_copy, posted.count) == (1, 3)
    assert publisher.batch_of(edition_id, 0).allow_list
    proof = batch_proof(edition_id, 1, readers, 2)
    assert not publisher.holds(edition_id, 2, bob.address, 0, proof)
    thief = as_actor(suite, actors, alice).editions
    assert thief is not None
    with pytest.raises(TransactionFailed) as refused:
        thief.claim(edition_id, 2, 0, proof)
    assert refused.value.error_name == "NotHolder"
    mine = as_actor(suite, actors, bob).editions
    assert mine is not None
    claimed = mine.claim(edition_id, 2, 0, proof)
    assert (claimed.copy, claimed.holder) == (2, bob.address)
    assert mine.holds(edition_id, 2, bob.address, 0, [])


def test_a_sealed_suites_editions_take_nothing_new_and_copies_still_move(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    giver, receiver = (_reader(suite, actors) for _ in range(2))
    publisher = as_actor(suite, actors, actors.owner).editions
    assert publisher is not None
    edition_id = publisher.create(asset.asset_id, COVER, _terms()).edition_id
    holders = [giver.address, receiver.address]
    publisher.issue(edition_id, holders)

    successor = deploy_successor_suite(actors.admin, suite)
    plan = prepare_migration(actors.admin, suite.rights_asset, successor.rights_asset)
    advance_time(suite.rights_asset.w3, plan.seal.ready_at - chain_time(suite))
    execute_seal(suite.rights_asset)
    migrate_assets(plan.migrator, [asset.asset_id])

    # The sealed suite's owner is frozen there: its Editions creates and issues nothing more.
    for attempt in (
        lambda: publisher.create(asset.asset_id, COVER[:-1] + b"\x45", _terms()),
        lambda: publisher.issue(edition_id, [giver.address]),
    ):
        with pytest.raises(TransactionFailed) as refused:
            attempt()
        assert refused.value.error_name == "SuiteSealed"
        (named,) = refused.value.error_args
        assert Web3.to_checksum_address(str(named)) == successor.rights_asset.address
    assert publisher.edition_count() == 1
    assert publisher.edition_of(edition_id).issued == 2

    # Copies held stay held and are given as before.
    mine = as_actor(suite, actors, giver).editions
    assert mine is not None
    mine.gift(edition_id, 1, receiver.address, 0, batch_proof(edition_id, 1, holders, 1))
    assert mine.holds(edition_id, 1, receiver.address, 0, [])
