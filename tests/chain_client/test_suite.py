"""deploy_suite against real Anvil: every contract deployed, wired, roles granted and evented."""

from __future__ import annotations

from chain_client.moderation import MODERATOR_ROLE
from chain_client.pledges import LENDER_ROLE
from chain_client.registry_anchor import REGISTRAR_ROLE, REGULATOR_ROLE
from chain_client.roles import DEFAULT_ADMIN_ROLE, RoleGranted
from chain_client.suite import Suite
from tests.chain_client.conftest import Actors


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
