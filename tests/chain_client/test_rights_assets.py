"""RightsAssetClient against real Anvil: tokenizing Python-built proofs, transfers, refusals."""

from __future__ import annotations

import pytest
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak

from chain_client.errors import TransactionFailed
from chain_client.moderation import asset_target
from chain_client.registry_anchor import RegistrationStatus
from chain_client.rights_assets import (
    ALL_RIGHTS,
    MORAL_RIGHTS,
    PROPERTY_RIGHTS,
    MintAuthorization,
    Right,
    Tokenized,
    Transfer,
    asset_id_of,
    mint_authorization_signer,
    mint_authorization_typed_data,
    rights_mask,
    sign_mint_authorization,
)
from chain_client.suite import Suite
from crypto.merkle import MerkleTree
from tests.chain_client.conftest import TERM_END, Actors, as_actor, metadata, tokenize


def test_tokenize_proves_the_registration_and_keeps_its_time(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree = MerkleTree.of(leaves)
    anchored = suite.registry_anchor.anchor(tree.root, len(leaves))
    event = tokenize(suite, actors.owner.address, leaves, index=3)
    assert event.asset_id == asset_id_of(leaves[3])
    assert event.owner == actors.owner.address
    assert event.root == tree.root
    assert event.batch_id == anchored.batch_id
    assert event.registered_at == anchored.anchored_at
    assert event.sm3_digest == b"\x22" * 32
    terms = suite.rights_asset.asset_terms(event.asset_id)
    assert terms.registered_at == anchored.anchored_at
    assert terms.rights == PROPERTY_RIGHTS
    assert terms.term_end == TERM_END
    assert suite.rights_asset.owner_of(event.asset_id) == actors.owner.address


def test_tokenize_without_a_valid_proof_is_refused(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree = MerkleTree.of(leaves)
    suite.registry_anchor.anchor(tree.root, len(leaves))
    with pytest.raises(TransactionFailed) as caught:
        suite.rights_asset.tokenize(
            actors.owner.address, leaves[0], tree.proof(leaves[1]), tree.root, metadata()
        )
    assert caught.value.error_name == "InvalidRegistrationProof"
    assert caught.value.error_args == (leaves[0], tree.root)
    assert not suite.rights_asset.exists(asset_id_of(leaves[0]))


def test_only_registrars_tokenize(suite: Suite, actors: Actors, leaves: list[bytes]) -> None:
    tree = MerkleTree.of(leaves)
    suite.registry_anchor.anchor(tree.root, len(leaves))
    owner_view = as_actor(suite, actors, actors.owner)
    with pytest.raises(TransactionFailed) as caught:
        owner_view.rights_asset.tokenize(
            actors.owner.address, leaves[0], tree.proof(leaves[0]), tree.root, metadata()
        )
    assert caught.value.error_name == "AccessControlUnauthorizedAccount"


def test_invalid_rights_are_refused(suite: Suite, actors: Actors, leaves: list[bytes]) -> None:
    tree = MerkleTree.of(leaves)
    suite.registry_anchor.anchor(tree.root, len(leaves))
    with pytest.raises(TransactionFailed) as caught:
        suite.rights_asset.tokenize(
            actors.owner.address,
            leaves[0],
            tree.proof(leaves[0]),
            tree.root,
            metadata(rights=1 << 17),
        )
    assert caught.value.error_name == "InvalidRights"
    assert rights_mask(Right.PUBLICATION, Right.OTHER) == 1 | 1 << 16


def test_owner_transfers_and_transfer_is_decoded(
    suite: Suite, actors: Actors, asset: Tokenized
) -> None:
    owner_view = as_actor(suite, actors, actors.owner)
    moved = owner_view.rights_asset.transfer_from(
        actors.owner.address, actors.buyer.address, asset.asset_id
    )
    assert moved == Transfer(
        from_=actors.owner.address,
        to=actors.buyer.address,
        token_id=asset.asset_id,
        position=moved.position,
    )
    assert suite.rights_asset.owner_of(asset.asset_id) == actors.buyer.address


def test_frozen_asset_cannot_be_transferred(suite: Suite, actors: Actors, asset: Tokenized) -> None:
    as_actor(suite, actors, actors.moderator).moderation.freeze(
        asset_target(asset.asset_id), b"\x01" * 32
    )
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.owner).rights_asset.transfer_from(
            actors.owner.address, actors.buyer.address, asset.asset_id
        )
    assert caught.value.error_name == "AssetFrozen"
    assert caught.value.error_args == (asset.asset_id,)
    assert suite.rights_asset.owner_of(asset.asset_id) == actors.owner.address


def test_revoked_root_shows_its_registrations_and_assets_revoked(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree = MerkleTree.of(leaves)
    event = tokenize(suite, actors.owner.address, leaves)
    revoked = as_actor(suite, actors, actors.regulator).registry_anchor.revoke_root(
        tree.root, b"\x0a" * 32
    )
    assert revoked.batch_id == event.batch_id
    anchor = suite.registry_anchor
    assert anchor.root_info(tree.root) is not None, "a revoked root is still known"
    record = anchor.root_record(tree.root)
    assert record is not None
    assert record.revoked
    assert anchor.is_batch_revoked(event.batch_id)
    assert not anchor.verify_registration(leaves[0], tree.proof(leaves[0]), tree.root)
    status = anchor.registration_status(leaves[0], tree.proof(leaves[0]), tree.root)
    assert status is RegistrationStatus.REVOKED
    assert suite.rights_asset.is_revoked(event.asset_id)
    assert suite.rights_asset.owner_of(event.asset_id) == actors.owner.address


def test_revoked_registration_is_refused_under_a_second_root_and_spares_its_batch(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree = MerkleTree.of(leaves)
    suite.registry_anchor.anchor(tree.root, len(leaves))
    fraud, innocent = leaves[0], leaves[1]
    with pytest.raises(TransactionFailed) as caught:
        as_actor(suite, actors, actors.owner).registry_anchor.revoke_registration(
            fraud, b"\x0b" * 32
        )
    assert caught.value.error_name == "AccessControlUnauthorizedAccount"
    assert not suite.registry_anchor.is_registration_revoked(fraud)

    revoked = as_actor(suite, actors, actors.regulator).registry_anchor.revoke_registration(
        fraud, b"\x0b" * 32
    )
    assert revoked.revoker == actors.regulator.address
    second = MerkleTree.of([fraud, b"\x77" * 32])
    suite.registry_anchor.anchor(second.root, 2)
    for root, proof in ((tree.root, tree.proof(fraud)), (second.root, second.proof(fraud))):
        record = suite.registry_anchor.tokenization_record(root, fraud)
        assert record is not None
        assert record.registration_revoked
        assert not record.root_revoked
        with pytest.raises(TransactionFailed) as caught:
            suite.rights_asset.tokenize(actors.owner.address, fraud, proof, root, metadata())
        assert caught.value.error_name == "RegistrationRevoked"
        assert caught.value.error_args == (fraud,)
    minted = suite.rights_asset.tokenize(
        actors.owner.address, innocent, tree.proof(innocent), tree.root, metadata()
    )
    assert not suite.rights_asset.is_revoked(minted.asset_id)


def test_moral_rights_are_never_tokenized(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree = MerkleTree.of(leaves)
    suite.registry_anchor.anchor(tree.root, len(leaves))
    everything = metadata(rights=ALL_RIGHTS)
    with pytest.raises(TransactionFailed) as caught:
        suite.rights_asset.tokenize(
            actors.owner.address, leaves[0], tree.proof(leaves[0]), tree.root, everything
        )
    assert caught.value.error_name == "MoralRightsNotTransferable"
    assert caught.value.error_args == (MORAL_RIGHTS,)
    moral = rights_mask(Right.PUBLICATION, Right.AUTHORSHIP, Right.ALTERATION, Right.INTEGRITY)
    assert moral == MORAL_RIGHTS
    assert MORAL_RIGHTS | PROPERTY_RIGHTS == ALL_RIGHTS


# ---------------------------------------------------------------- controller-bound registrations


def _bound_batch(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> tuple[MerkleTree, list[bytes | tuple[bytes, str | None]]]:
    """Anchor ``leaves`` with the first bound to the owner, the rest custodial."""
    entries: list[bytes | tuple[bytes, str | None]] = [(leaves[0], actors.owner.address)]
    entries += leaves[1:]
    tree = MerkleTree.of(entries)
    suite.registry_anchor.anchor(tree.root, len(entries))
    return tree, entries


def _authorization(leaf: bytes, to: str, deadline: int, **overrides: int) -> MintAuthorization:
    terms = metadata(**overrides)
    return MintAuthorization(leaf, to, terms.rights, terms.territory, terms.term_end, deadline)


def _deadline(suite: Suite) -> int:
    return int(suite.rights_asset.w3.eth.get_block("latest")["timestamp"]) + 3600


def test_python_typed_data_digest_is_the_contracts(suite: Suite, actors: Actors) -> None:
    authorization = _authorization(b"\x42" * 32, actors.buyer.address, 2**40, territory=156)
    typed = suite.rights_asset.mint_authorization_typed_data(authorization)
    signable = encode_typed_data(full_message=typed)
    digest = keccak(b"\x19\x01" + signable.header + signable.body)
    assert digest == suite.rights_asset.mint_authorization_digest(authorization)


def test_registrar_relays_the_controllers_signature(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree, entries = _bound_batch(suite, actors, leaves)
    deadline = _deadline(suite)
    authorization = _authorization(leaves[0], actors.owner.address, deadline)
    signature = suite.rights_asset.sign_mint_authorization(actors.owner, authorization)
    event = suite.rights_asset.tokenize(
        actors.owner.address,
        leaves[0],
        tree.proof(entries[0]),
        tree.root,
        metadata(),
        controller=actors.owner.address,
        deadline=deadline,
        signature=signature,
    )
    assert event.controller == actors.owner.address
    assert suite.rights_asset.owner_of(asset_id_of(leaves[0])) == actors.owner.address
    # The custodial entries of the same batch still tokenize as before.
    other = suite.rights_asset.tokenize(
        actors.buyer.address, leaves[1], tree.proof(leaves[1]), tree.root, metadata()
    )
    assert other.controller == "0x" + "00" * 20


def test_another_keys_signature_is_refused_on_chain(
    suite: Suite, actors: Actors, leaves: list[bytes]
) -> None:
    tree, entries = _bound_batch(suite, actors, leaves)
    deadline = _deadline(suite)
    authorization = _authorization(leaves[0], actors.buyer.address, deadline)
    signature = suite.rights_asset.sign_mint_authorization(actors.buyer, authorization)
    with pytest.raises(TransactionFailed) as caught:
        suite.rights_asset.tokenize(
            actors.buyer.address,
            leaves[0],
            tree.proof(entries[0]),
            tree.root,
            metadata(),
            controller=actors.owner.address,
            deadline=deadline,
            signature=signature,
        )
    assert caught.value.error_name == "InvalidMintAuthorization"
    assert caught.value.error_args == (leaves[0], actors.owner.address.lower())
    with pytest.raises(TransactionFailed) as custodial:
        suite.rights_asset.tokenize(
            actors.buyer.address, leaves[0], tree.proof(entries[0]), tree.root, metadata()
        )
    assert custodial.value.error_name == "InvalidRegistrationProof"
    assert not suite.rights_asset.exists(asset_id_of(leaves[0]))


def test_signer_recovery_off_chain(actors: Actors) -> None:
    authorization = _authorization(b"\x42" * 32, actors.owner.address, 2**40)
    typed = mint_authorization_typed_data(
        authorization, chain_id=31337, verifying_contract="0x" + "11" * 20
    )
    signature = sign_mint_authorization(actors.owner, typed)
    assert mint_authorization_signer(typed, signature) == actors.owner.address
    tampered = {**typed, "message": {**typed["message"], "territory": 156}}
    assert mint_authorization_signer(tampered, signature) != actors.owner.address
    assert mint_authorization_signer(typed, b"\x00" * 10) is None
