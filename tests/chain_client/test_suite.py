"""deploy_suite against real Anvil: every contract deployed, wired, roles granted and evented."""

from __future__ import annotations

import pytest

from chain_client.errors import TransactionFailed
from chain_client.identity_attestations import ATTESTOR_ROLE
from chain_client.moderation import MODERATOR_ROLE
from chain_client.pledges import LENDER_ROLE
from chain_client.registry_anchor import REGISTRAR_ROLE, REGULATOR_ROLE
from chain_client.roles import DEFAULT_ADMIN_ROLE, RoleGranted, RoleGrantPending
from chain_client.suite import Suite, deploy_suite
from crypto.merkle import MerkleTree
from tests.chain_client.conftest import Actors, advance_time, as_actor, metadata


def test_every_contract_holds_its_committed_code(suite: Suite) -> None:
    for client in (
        suite.registry_anchor,
        suite.moderation,
        suite.rights_asset,
        suite.pledges,
        suite.licences,
        suite.encumbrances,
    ):
        assert client.has_expected_code(), client.CONTRACT_NAME


def test_contracts_are_wired_together(suite: Suite) -> None:
    assert suite.rights_asset.lien_registry() == suite.pledges.address
    assert suite.pledges.junior_liens_allowed()


def test_roles_are_granted_where_they_exist(suite: Suite, actors: Actors) -> None:
    admin = actors.admin.address
    assert suite.registry_anchor.has_role(DEFAULT_ADMIN_ROLE, admin)
    assert suite.registry_anchor.has_role(REGISTRAR_ROLE, admin)
    assert suite.rights_asset.has_role(REGISTRAR_ROLE, admin)
    assert suite.registry_anchor.has_role(REGULATOR_ROLE, actors.regulator.address)
    assert suite.moderation.has_role(REGULATOR_ROLE, actors.regulator.address)
    assert suite.moderation.has_role(MODERATOR_ROLE, actors.moderator.address)
    assert suite.pledges.has_role(LENDER_ROLE, actors.lender.address)
    assert not suite.pledges.has_role(LENDER_ROLE, actors.owner.address)


def test_role_changes_are_evented(suite: Suite, actors: Actors) -> None:
    start = suite.pledges.w3.eth.block_number + 1
    granted = suite.pledges.grant_role(LENDER_ROLE, actors.buyer.address)
    assert isinstance(granted, RoleGranted)
    assert granted.account == actors.buyer.address
    assert granted.sender == actors.admin.address
    assert suite.pledges.grant_role(LENDER_ROLE, actors.buyer.address) is None
    revoked = suite.pledges.revoke_role(LENDER_ROLE, actors.buyer.address)
    assert revoked is not None
    assert revoked.role == LENDER_ROLE
    names = [type(e).__name__ for e in suite.pledges.events(start, "latest")]
    assert names == ["RoleGranted", "RoleRevoked"]


def test_a_deployer_naming_the_registrar_keeps_no_registrar_role(
    actors: Actors, leaves: list[bytes]
) -> None:
    registrar = actors.buyer
    suite = deploy_suite(actors.admin, registrar=registrar.address)
    deployer = actors.admin.address
    for contract in (suite.registry_anchor, suite.rights_asset):
        assert contract.has_role(DEFAULT_ADMIN_ROLE, deployer)
        assert not contract.has_role(REGISTRAR_ROLE, deployer)
        assert contract.has_role(REGISTRAR_ROLE, registrar.address)
    # The registry's account attests identities too; the deployer does not.
    assert suite.identity_attestations is not None
    assert suite.identity_attestations.has_role(ATTESTOR_ROLE, registrar.address)
    assert not suite.identity_attestations.has_role(ATTESTOR_ROLE, deployer)
    tree = MerkleTree.of(leaves)
    # The deployer (the admin) tries to anchor and to tokenize first: refused, nothing recorded.
    with pytest.raises(TransactionFailed) as refused:
        suite.registry_anchor.anchor(tree.root, len(leaves))
    assert refused.value.error_name == "AccessControlUnauthorizedAccount"
    assert suite.registry_anchor.root_info(tree.root) is None
    by_registrar = as_actor(suite, actors, registrar)
    by_registrar.registry_anchor.anchor(tree.root, len(leaves))
    leaf = leaves[0]
    with pytest.raises(TransactionFailed) as refused:
        suite.rights_asset.tokenize(
            actors.owner.address, leaf, tree.proof(leaf), tree.root, metadata()
        )
    assert refused.value.error_name == "AccessControlUnauthorizedAccount"
    minted = by_registrar.rights_asset.tokenize(
        actors.owner.address, leaf, tree.proof(leaf), tree.root, metadata()
    )
    assert suite.rights_asset.owner_of(minted.asset_id) == actors.owner.address


def test_operational_roles_wait_the_delay_lenders_do_not(actors: Actors) -> None:
    moderator, regulator, lender = actors.moderator, actors.regulator, actors.lender
    suite = deploy_suite(
        actors.admin,
        moderators=[moderator.address],
        regulators=[regulator.address],
        lenders=[lender.address],
        role_grant_delay=3600,
    )
    assert suite.moderation.role_grant_delay() == 3600
    assert suite.pledges.has_role(LENDER_ROLE, lender.address)
    assert not suite.moderation.has_role(MODERATOR_ROLE, moderator.address)
    ready_at = suite.moderation.role_grant_ready_at(MODERATOR_ROLE, moderator.address)
    assert ready_at > 0
    # The grantee tries before the delay is over: refused.
    by_moderator = as_actor(suite, actors, moderator)
    with pytest.raises(TransactionFailed) as early:
        by_moderator.moderation.execute_role_grant(MODERATOR_ROLE, moderator.address)
    assert early.value.error_name == "RoleGrantNotReady"
    with pytest.raises(RoleGrantPending) as pending:
        suite.moderation.grant_role(MODERATOR_ROLE, moderator.address)
    assert pending.value.ready_at == ready_at
    # Another party tries to cancel the regulator's grant: refused; the admin can.
    with pytest.raises(TransactionFailed) as stranger:
        by_moderator.moderation.cancel_role_grant(REGULATOR_ROLE, regulator.address)
    assert stranger.value.error_name == "AccessControlUnauthorizedAccount"
    cancelled = suite.moderation.cancel_role_grant(REGULATOR_ROLE, regulator.address)
    assert cancelled.admin == actors.admin.address
    advance_time(suite.moderation.w3, 3600)
    granted = by_moderator.moderation.execute_role_grant(MODERATOR_ROLE, moderator.address)
    assert granted.account == moderator.address
    assert suite.moderation.has_role(MODERATOR_ROLE, moderator.address)
    with pytest.raises(TransactionFailed) as gone:
        suite.moderation.execute_role_grant(REGULATOR_ROLE, regulator.address)
    assert gone.value.error_name == "RoleGrantNotScheduled"
    assert not suite.moderation.has_role(REGULATOR_ROLE, regulator.address)
