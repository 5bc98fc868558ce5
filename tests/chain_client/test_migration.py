"""Suite migration against real Anvil: the old suite is sealed through the admin delay, a
successor is deployed around the same anchor, moderation and identity attestations, and every
asset is copied by the migrator; both suites then answer the same encumbrances."""

from __future__ import annotations

import pytest
from web3 import Web3

from chain_client.errors import TransactionFailed
from chain_client.licences import LicenceTerms
from chain_client.migration import (
    current_registrars,
    execute_seal,
    migrate_assets,
    prepare_migration,
    tokenized_asset_ids,
)
from chain_client.moderation import asset_target
from chain_client.pledges import PledgeTerms, currency_code, registration_number
from chain_client.rights_assets import (
    MintAuthorization,
    Right,
    Tokenized,
    asset_id_of,
    rights_mask,
)
from chain_client.suite import Suite, deploy_successor_suite
from crypto.merkle import MerkleTree
from registry.core import errors
from registry.core.chain_refusals import refusal_of
from tests.chain_client.conftest import (
    Actors,
    advance_time,
    as_actor,
    chain_time,
    copy_asset_record,
    metadata,
    tokenize,
)

DAY = 24 * 3600


def _pledge(suite: Suite, actors: Actors, asset: Tokenized, lender_key: str) -> int:
    lender = getattr(actors, lender_key)
    terms = PledgeTerms(
        asset_id=asset.asset_id,
        lender=lender.address,
        amount=5_000_000_00,
        currency_code=currency_code("CNY"),
        maturity=chain_time(suite) + 30 * DAY,
        official_registration_no=registration_number("2026-Z-00012345"),
    )
    deadline = chain_time(suite) + 3600
    signature = suite.pledges.sign_consent(actors.owner, terms, deadline=deadline)
    pledges = as_actor(suite, actors, lender).pledges
    return pledges.pledge(terms, deadline=deadline, signature=signature).lien_id


def _licence(suite: Suite, actors: Actors, asset: Tokenized, right: Right, **terms: object) -> int:
    now = chain_time(suite)
    values: dict[str, object] = {
        "asset_id": asset.asset_id,
        "licensee": actors.buyer.address,
        "rights": rights_mask(right),
        "territory": 0,
        "start": now + 60,
        "end": now + 365 * DAY,
        "exclusive": True,
        "revocable": True,
        "terms_digest": b"\x07" * 32,
    }
    values.update(terms)
    owner = as_actor(suite, actors, actors.owner)
    return owner.licences.grant(LicenceTerms(**values)).licence_id  # type: ignore[arg-type]


@pytest.fixture
def predecessor(suite: Suite, actors: Actors, leaves: list[bytes]) -> Suite:
    """A suite with a senior and a reduced junior lien, exclusive licences in force and to
    come, a non-exclusive and a revoked licence, a frozen asset and a burnt one."""
    owner = actors.owner.address
    pledged, licensed, frozen, burnt = (tokenize(suite, owner, leaves, n) for n in range(4))
    senior = _pledge(suite, actors, pledged, "lender")
    as_actor(suite, actors, actors.lender).pledges.approve_junior_lien(
        senior, actors.lender2.address, True
    )
    junior = _pledge(suite, actors, pledged, "lender2")
    as_actor(suite, actors, actors.lender2).pledges.reduce_lien(junior, 1_000_00)
    now = chain_time(suite)
    _licence(suite, actors, licensed, Right.INFORMATION_NETWORK)
    _licence(suite, actors, licensed, Right.BROADCASTING, start=now + 30 * DAY, end=now + 60 * DAY)
    _licence(suite, actors, licensed, Right.REPRODUCTION, exclusive=False)
    revoked = _licence(suite, actors, licensed, Right.TRANSLATION)
    as_actor(suite, actors, actors.owner).licences.revoke(revoked, b"\x01" * 32)
    as_actor(suite, actors, actors.moderator).moderation.freeze(
        asset_target(frozen.asset_id), b"\x02" * 32
    )
    as_actor(suite, actors, actors.owner).rights_asset.burn(burnt.asset_id)
    return suite


def successor_of(predecessor: Suite, actors: Actors) -> Suite:
    """The successor suite of ``predecessor``, with both lenders and junior liens allowed."""
    return deploy_successor_suite(
        actors.admin,
        predecessor,
        lenders=[actors.lender.address, actors.lender2.address],
        junior_liens_allowed=True,
    )


def test_sealed_suite_migrates_with_the_same_encumbrances(
    predecessor: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    successor = successor_of(predecessor, actors)
    assert successor.registry_anchor.address == predecessor.registry_anchor.address
    assert successor.moderation.address == predecessor.moderation.address
    assert successor.rights_asset.generation() == 1
    plan = prepare_migration(actors.admin, predecessor.rights_asset, successor.rights_asset)
    asset_ids = tokenized_asset_ids(predecessor.rights_asset)
    assert len(asset_ids) == 4

    # Nothing moves before the seal, and the seal waits for the admin delay.
    with pytest.raises(TransactionFailed) as unsealed:
        plan.migrator.migrate(asset_ids[0])
    assert unsealed.value.error_name == "PredecessorNotSealed"
    with pytest.raises(TransactionFailed) as early:
        predecessor.rights_asset.execute_seal()
    assert early.value.error_name == "SealNotReady"
    advance_time(predecessor.rights_asset.w3, plan.seal.ready_at - chain_time(predecessor))

    assert current_registrars(predecessor.rights_asset) == [actors.admin.address]
    sealed = execute_seal(predecessor.rights_asset)
    assert sealed.successor == successor.rights_asset.address
    assert current_registrars(predecessor.rights_asset) == []
    assert predecessor.rights_asset.successor() == successor.rights_asset.address

    # Sealed, not migrated yet: the successor's registrar cannot mint the pledged registration
    # afresh (its liens would be shed, its migration refused).
    with pytest.raises(TransactionFailed) as afresh:
        tokenize(successor, actors.owner.address, leaves, 0)
    assert afresh.value.error_name == "TokenizedInPredecessor"
    assert successor.rights_asset.tokenized_here_or_before(asset_ids[0])
    assert not successor.rights_asset.tokenized_here_or_before(int.from_bytes(leaves[4], "big"))

    run = migrate_assets(plan.migrator, asset_ids)
    assert [event.asset_id for event in run.migrated] == asset_ids
    assert [(event.liens, event.licences) for event in run.migrated] == [
        (2, 0),
        (0, 3),
        (0, 0),
        (0, 0),
    ]
    assert (run.already_migrated, run.conflicts) == ([], [])
    again = migrate_assets(plan.migrator, asset_ids)  # an asset migrates once
    assert (again.migrated, again.already_migrated, again.conflicts) == ([], asset_ids, [])
    for asset_id in asset_ids:
        before = predecessor.encumbrances.encumbrances_of(asset_id)
        assert successor.encumbrances.encumbrances_of(asset_id) == before
        assert successor.rights_asset.exists(asset_id) == predecessor.rights_asset.exists(asset_id)
        assert successor.rights_asset.asset_terms(asset_id) == (
            predecessor.rights_asset.asset_terms(asset_id)
        )
        if predecessor.rights_asset.exists(asset_id):
            assert successor.rights_asset.owner_of(asset_id) == actors.owner.address
    liens = successor.pledges.active_liens(asset_ids[0])
    assert [lien.lien.amount for lien in liens] == [5_000_000_00, 1_000_00]
    assert len(successor.encumbrances.encumbrances_of(asset_ids[1]).exclusive_licences) == 2

    # The sealed suite refuses writes, naming its successor; the successor works.
    with pytest.raises(TransactionFailed) as refused:
        as_actor(predecessor, actors, actors.lender).pledges.release(liens[0].lien_id)
    assert refused.value.error_name == "SuiteSealed"
    (named,) = refused.value.error_args
    assert Web3.to_checksum_address(str(named)) == successor.rights_asset.address
    as_actor(successor, actors, actors.lender).pledges.release(liens[0].lien_id)
    assert [lien.lien_id for lien in successor.pledges.active_liens(asset_ids[0])] == [
        liens[1].lien_id
    ]
    assert len(predecessor.pledges.active_liens(asset_ids[0])) == 2


def _signed_mint(suite: Suite, actors: Actors, leaf: bytes, deadline: int) -> bytes:
    """The owner's signature, for ``suite``'s EIP-712 domain, of a mint of ``leaf`` to itself."""
    terms = metadata()
    authorization = MintAuthorization(
        leaf, actors.owner.address, terms.rights, terms.territory, terms.term_end, deadline
    )
    return suite.rights_asset.sign_mint_authorization(actors.owner, authorization)


def _send_bound(
    suite: Suite, actors: Actors, tree: MerkleTree, leaf: bytes, deadline: int, signature: bytes
) -> Tokenized:
    """Anyone (the buyer here) sends the owner's signed mint of ``leaf`` on ``suite``."""
    return as_actor(suite, actors, actors.buyer).rights_asset.tokenize(
        actors.owner.address,
        leaf,
        tree.proof((leaf, actors.owner.address)),
        tree.root,
        metadata(),
        controller=actors.owner.address,
        deadline=deadline,
        signature=signature,
    )


def test_the_successor_mints_nothing_until_the_predecessor_is_sealed_for_it(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    successor = deploy_successor_suite(actors.admin, suite, lenders=[actors.lender.address])
    plan = prepare_migration(actors.admin, suite.rights_asset, successor.rights_asset)
    tree = MerkleTree.of([(leaves[0], actors.owner.address), leaves[1]])
    suite.registry_anchor.anchor(tree.root, 2)
    deadline = plan.seal.ready_at + DAY

    # In the seal's window the owner signs a mint for the successor and anyone sends it; the
    # registrar tries a custodial one: both refused, the suite in use is the only one minting.
    on_successor = _signed_mint(successor, actors, leaves[0], deadline)
    with pytest.raises(TransactionFailed) as bound:
        _send_bound(successor, actors, tree, leaves[0], deadline, on_successor)
    assert bound.value.error_name == "PredecessorLive"
    predecessor, sealed_for = bound.value.error_args
    assert Web3.to_checksum_address(str(predecessor)) == suite.rights_asset.address
    assert int(str(sealed_for), 16) == 0
    refusal = refusal_of(bound.value)
    assert isinstance(refusal, errors.PredecessorLive)
    assert (refusal.code, refusal.details["contract_error"]) == (
        "predecessor_live",
        "PredecessorLive",
    )
    with pytest.raises(TransactionFailed) as custodial:
        successor.rights_asset.tokenize(
            actors.owner.address, leaves[1], tree.proof(leaves[1]), tree.root, metadata()
        )
    assert custodial.value.error_name == "PredecessorLive"
    assert not successor.rights_asset.tokenized_here_or_before(asset_id_of(leaves[0]))

    # Minted and pledged on the suite in use, the asset migrates with its lien once sealed.
    on_suite = _signed_mint(suite, actors, leaves[0], deadline)
    asset = _send_bound(suite, actors, tree, leaves[0], deadline, on_suite)
    lien_id = _pledge(suite, actors, asset, "lender")
    advance_time(suite.rights_asset.w3, plan.seal.ready_at - chain_time(suite))
    execute_seal(suite.rights_asset)
    with pytest.raises(TransactionFailed) as afresh:
        _send_bound(successor, actors, tree, leaves[0], deadline, on_successor)
    assert afresh.value.error_name == "TokenizedInPredecessor"
    run = migrate_assets(plan.migrator, tokenized_asset_ids(suite.rights_asset))
    assert [(event.asset_id, event.liens) for event in run.migrated] == [(asset.asset_id, 1)]
    assert run.conflicts == []
    assert [lien.lien_id for lien in successor.pledges.active_liens(asset.asset_id)] == [lien_id]
    # A registration the sealed suite never tokenized mints on the successor now.
    fresh = successor.rights_asset.tokenize(
        actors.owner.address, leaves[1], tree.proof(leaves[1]), tree.root, metadata()
    )
    assert successor.rights_asset.owner_of(fresh.asset_id) == actors.owner.address


def test_an_asset_the_successor_holds_without_importing_it_is_a_conflict(
    predecessor: Suite, actors: Actors
) -> None:
    successor = successor_of(predecessor, actors)
    plan = prepare_migration(actors.admin, predecessor.rights_asset, successor.rights_asset)
    asset_ids = tokenized_asset_ids(predecessor.rights_asset)
    pledged = asset_ids[0]
    # The pledged registration stored on the successor as a mint there would store it.
    copy_asset_record(predecessor.rights_asset, successor.rights_asset, pledged)
    advance_time(predecessor.rights_asset.w3, plan.seal.ready_at - chain_time(predecessor))
    execute_seal(predecessor.rights_asset)

    run = migrate_assets(plan.migrator, asset_ids)
    assert run.conflicts == [pledged]
    assert [event.asset_id for event in run.migrated] == asset_ids[1:]
    assert run.already_migrated == []
    assert successor.pledges.active_liens(pledged) == []  # what the conflict means
    again = migrate_assets(plan.migrator, asset_ids)
    assert (again.migrated, again.already_migrated, again.conflicts) == (
        [],
        asset_ids[1:],
        [pledged],
    )
