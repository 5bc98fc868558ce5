"""The deployment record: the whole suite deployed once, reused while the chain holds it,
redeployed when it does not, and grown around a remembered RegistryAnchor of an older record."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from chain_client.deployment import (
    ensure_registry_anchor,
    ensure_suite,
    load_record,
    save_record,
    suite_has_expected_code,
)
from chain_client.errors import TransactionFailed
from chain_client.identity_attestations import ATTESTOR_ROLE
from chain_client.suite import deploy_suite, grant_suite_roles
from chain_client.transactions import TransactionSender
from tests.chain_client.conftest import Actors, advance_time


def test_suite_is_deployed_once_and_remembered(sender: TransactionSender, tmp_path: Path) -> None:
    record_path = tmp_path / "deployment.json"
    suite, start_block, deployed = ensure_suite(sender, record_path)
    assert deployed
    assert suite_has_expected_code(suite)
    assert suite.rights_asset.lien_registry() == suite.pledges.address
    record = load_record(record_path)
    assert record is not None
    assert record.suite == suite.addresses
    assert record.registry_anchor == suite.registry_anchor.address
    assert record.start_block == start_block
    again, again_start, deployed_again = ensure_suite(sender, record_path)
    assert not deployed_again
    assert (again.addresses, again_start) == (suite.addresses, start_block)


def test_suite_missing_on_chain_is_deployed_again(
    sender: TransactionSender, tmp_path: Path
) -> None:
    record_path = tmp_path / "deployment.json"
    suite, _, _ = ensure_suite(sender, record_path)
    record = load_record(record_path)
    assert record is not None
    assert record.suite is not None
    # As after a chain reset: the remembered Pledges address holds no code.
    forgotten = replace(record, suite=replace(record.suite, pledges="0x" + "11" * 20))
    save_record(record_path, forgotten)
    redeployed, _, deployed = ensure_suite(sender, record_path)
    assert deployed
    assert redeployed.pledges.address != suite.pledges.address
    assert suite_has_expected_code(redeployed)


def test_an_anchor_only_record_keeps_its_anchor_and_gains_the_suite(
    sender: TransactionSender, tmp_path: Path
) -> None:
    record_path = tmp_path / "deployment.json"
    anchor, _ = ensure_registry_anchor(sender, record_path)
    record = load_record(record_path)
    assert record is not None
    assert record.suite is None
    suite, _, deployed = ensure_suite(sender, record_path)
    assert deployed
    assert suite.registry_anchor.address == anchor.address
    assert suite_has_expected_code(suite)


def test_further_attestors_wait_the_role_grant_delay(actors: Actors) -> None:
    delay = 3600
    suite = deploy_suite(actors.admin, role_grant_delay=delay)
    attestations = suite.identity_attestations
    assert attestations is not None
    assert attestations.has_role(ATTESTOR_ROLE, actors.admin.address)
    attestor = actors.regulator.address
    pending = grant_suite_roles(suite, attestors=[attestor])
    assert [grant.contract for grant in pending] == ["IdentityAttestations"]
    assert not attestations.has_role(ATTESTOR_ROLE, attestor)
    with pytest.raises(TransactionFailed) as refused:
        attestations.execute_role_grant(ATTESTOR_ROLE, attestor)
    assert refused.value.error_name == "RoleGrantNotReady"
    advance_time(actors.admin.w3, delay)
    attestations.execute_role_grant(ATTESTOR_ROLE, attestor)
    assert attestations.has_role(ATTESTOR_ROLE, attestor)
