"""deploy/besu/deploy_suite.py run as an operator would, against a real node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from eth_account import Account

from chain_client.connection import connect
from chain_client.encumbrances import EncumbrancesClient
from chain_client.identity_attestations import ATTESTOR_ROLE, IdentityAttestationsClient
from chain_client.licences import LicencesClient
from chain_client.moderation import MODERATOR_ROLE, ModerationClient
from chain_client.moderation import REGULATOR_ROLE as MODERATION_REGULATOR_ROLE
from chain_client.pledges import LENDER_ROLE, PledgesClient
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.rights_assets import REGISTRAR_ROLE, RightsAssetClient
from chain_client.roles import ROLE_GRANT_WINDOW
from chain_client.suite import Suite, SuiteAddresses
from chain_client.transactions import TransactionSender
from cli.launcher import AnvilProcess
from registry.core.settings import DEV_CHAIN_PRIVATE_KEY

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "besu" / "deploy_suite.py"
DEFAULT_ADMIN_ROLE = bytes(32)


def run_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("BANQUAN_")}
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploys_the_suite_schedules_the_roles_and_prints_the_addresses(
    anvil: AnvilProcess,
) -> None:
    registrar, registrar2, moderator, regulator, lender, attestor = (
        Account.create() for _ in range(6)
    )
    result = run_script(
        {
            "BANQUAN_CHAIN_RPC_URL": anvil.rpc_url,
            "BANQUAN_CHAIN_PRIVATE_KEY": DEV_CHAIN_PRIVATE_KEY,
            "BANQUAN_DEPLOY_REGISTRARS": f" {registrar.address} , {registrar2.address}",
            "BANQUAN_DEPLOY_MODERATORS": moderator.address,
            "BANQUAN_DEPLOY_REGULATORS": regulator.address,
            "BANQUAN_DEPLOY_LENDERS": lender.address,
            "BANQUAN_DEPLOY_ATTESTORS": attestor.address,
            "BANQUAN_DEPLOY_ROLE_GRANT_DELAY": "600",
        }
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    w3 = connect(anvil.rpc_url)
    admin = TransactionSender(w3, Account.from_key(DEV_CHAIN_PRIVATE_KEY))
    assert record["chain_id"] == w3.eth.chain_id
    assert record["admin"] == admin.address
    assert record["role_grant_delay"] == 600
    assert 0 <= record["start_block"] < w3.eth.block_number
    scheduled = record["scheduled_role_grants"]
    addresses = SuiteAddresses(
        **{
            k: v
            for k, v in record.items()
            if k not in {"chain_id", "admin", "start_block", "role_grant_delay"}
            and k != "scheduled_role_grants"
        }
    )
    suite = Suite(
        registry_anchor=RegistryAnchorClient(w3, addresses.registry_anchor, admin),
        moderation=ModerationClient(w3, addresses.moderation, admin),
        rights_asset=RightsAssetClient(w3, addresses.rights_asset, admin),
        pledges=PledgesClient(w3, addresses.pledges, admin),
        licences=LicencesClient(w3, addresses.licences, admin),
        encumbrances=EncumbrancesClient(w3, addresses.encumbrances, admin),
    )
    for client in (
        suite.registry_anchor,
        suite.moderation,
        suite.rights_asset,
        suite.pledges,
        suite.licences,
        suite.encumbrances,
    ):
        assert client.has_expected_code(), client.CONTRACT_NAME
    for contract in (suite.registry_anchor, suite.moderation, suite.rights_asset, suite.pledges):
        assert contract.has_role(DEFAULT_ADMIN_ROLE, admin.address)
    # The deployer keeps no registrar role; the first registrar has it from the constructors.
    for anchor_or_asset in (suite.registry_anchor, suite.rights_asset):
        assert not anchor_or_asset.has_role(REGISTRAR_ROLE, admin.address)
        assert anchor_or_asset.has_role(REGISTRAR_ROLE, registrar.address)
        assert not anchor_or_asset.has_role(REGISTRAR_ROLE, registrar2.address)
    # The registry's account attests identities; the deployer does not.
    assert addresses.identity_attestations is not None
    attestations = IdentityAttestationsClient(w3, addresses.identity_attestations, admin)
    assert attestations.has_expected_code()
    assert attestations.has_role(ATTESTOR_ROLE, registrar.address)
    assert not attestations.has_role(ATTESTOR_ROLE, admin.address)
    assert not attestations.has_role(ATTESTOR_ROLE, attestor.address)
    # Lenders at once; the operational roles wait the delay.
    assert suite.pledges.has_role(LENDER_ROLE, lender.address)
    assert not suite.pledges.has_role(LENDER_ROLE, registrar.address)
    assert not suite.moderation.has_role(MODERATOR_ROLE, moderator.address)
    assert {(grant["contract"], grant["account"]) for grant in scheduled} == {
        ("RegistryAnchor", registrar2.address),
        ("RightsAsset", registrar2.address),
        ("RegistryAnchor", regulator.address),
        ("Moderation", regulator.address),
        ("Moderation", moderator.address),
        ("IdentityAttestations", attestor.address),
    }
    # Each grant is executable for the contracts' own window after it is ready.
    window = suite.moderation.role_grant_window()
    assert window == ROLE_GRANT_WINDOW
    assert all(grant["expires_at"] == grant["ready_at"] + window for grant in scheduled)
    w3.provider.make_request("evm_increaseTime", [600])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    suite.moderation.execute_role_grant(MODERATOR_ROLE, moderator.address)
    suite.registry_anchor.execute_role_grant(ANCHOR_REGULATOR_ROLE, regulator.address)
    suite.moderation.execute_role_grant(MODERATION_REGULATOR_ROLE, regulator.address)
    suite.registry_anchor.execute_role_grant(REGISTRAR_ROLE, registrar2.address)
    assert suite.moderation.has_role(MODERATOR_ROLE, moderator.address)
    assert suite.registry_anchor.has_role(ANCHOR_REGULATOR_ROLE, regulator.address)
    assert suite.moderation.has_role(MODERATION_REGULATOR_ROLE, regulator.address)
    assert suite.registry_anchor.has_role(REGISTRAR_ROLE, registrar2.address)
    attestations.execute_role_grant(ATTESTOR_ROLE, attestor.address)
    assert attestations.has_role(ATTESTOR_ROLE, attestor.address)


def test_refuses_a_deployment_without_registrar_or_with_no_delay() -> None:
    base = {
        "BANQUAN_CHAIN_RPC_URL": "http://127.0.0.1:9",
        "BANQUAN_CHAIN_PRIVATE_KEY": DEV_CHAIN_PRIVATE_KEY,
    }
    result = run_script(base)
    assert result.returncode == 2
    assert "BANQUAN_DEPLOY_REGISTRARS is not set" in result.stderr
    registrar = Account.create().address
    for delay in ("0", "-5", "two days"):
        result = run_script(
            {
                **base,
                "BANQUAN_DEPLOY_REGISTRARS": registrar,
                "BANQUAN_DEPLOY_ROLE_GRANT_DELAY": delay,
            }
        )
        assert result.returncode == 2
        assert "BANQUAN_DEPLOY_ROLE_GRANT_DELAY" in result.stderr
        assert result.stdout == ""


def test_refuses_to_run_without_its_settings() -> None:
    result = run_script({"BANQUAN_CHAIN_RPC_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert "BANQUAN_CHAIN_PRIVATE_KEY is not set" in result.stderr
    assert result.stdout == ""
