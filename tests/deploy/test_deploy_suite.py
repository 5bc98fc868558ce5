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
from chain_client.licences import LicencesClient
from chain_client.moderation import MODERATOR_ROLE, ModerationClient
from chain_client.moderation import REGULATOR_ROLE as MODERATION_REGULATOR_ROLE
from chain_client.pledges import LENDER_ROLE, PledgesClient
from chain_client.registry_anchor import REGULATOR_ROLE as ANCHOR_REGULATOR_ROLE
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.rights_assets import REGISTRAR_ROLE, RightsAssetClient
from chain_client.suite import Suite, SuiteAddresses
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


def test_deploys_the_suite_grants_the_roles_and_prints_the_addresses(
    anvil: AnvilProcess,
) -> None:
    registrar, moderator, regulator, lender = (Account.create() for _ in range(4))
    result = run_script(
        {
            "BANQUAN_CHAIN_RPC_URL": anvil.rpc_url,
            "BANQUAN_CHAIN_PRIVATE_KEY": DEV_CHAIN_PRIVATE_KEY,
            "BANQUAN_DEPLOY_REGISTRARS": f" {registrar.address} ,",
            "BANQUAN_DEPLOY_MODERATORS": moderator.address,
            "BANQUAN_DEPLOY_REGULATORS": regulator.address,
            "BANQUAN_DEPLOY_LENDERS": lender.address,
        }
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    w3 = connect(anvil.rpc_url)
    admin = Account.from_key(DEV_CHAIN_PRIVATE_KEY).address
    assert record["chain_id"] == w3.eth.chain_id
    assert record["admin"] == admin
    assert 0 <= record["start_block"] < w3.eth.block_number
    addresses = SuiteAddresses(
        **{k: v for k, v in record.items() if k not in {"chain_id", "admin", "start_block"}}
    )
    suite = Suite(
        registry_anchor=RegistryAnchorClient(w3, addresses.registry_anchor),
        moderation=ModerationClient(w3, addresses.moderation),
        rights_asset=RightsAssetClient(w3, addresses.rights_asset),
        pledges=PledgesClient(w3, addresses.pledges),
        licences=LicencesClient(w3, addresses.licences),
        encumbrances=EncumbrancesClient(w3, addresses.encumbrances),
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
        assert contract.has_role(DEFAULT_ADMIN_ROLE, admin)
    for account in (admin, registrar.address):
        assert suite.registry_anchor.has_role(REGISTRAR_ROLE, account)
        assert suite.rights_asset.has_role(REGISTRAR_ROLE, account)
    assert suite.moderation.has_role(MODERATOR_ROLE, moderator.address)
    assert suite.registry_anchor.has_role(ANCHOR_REGULATOR_ROLE, regulator.address)
    assert suite.moderation.has_role(MODERATION_REGULATOR_ROLE, regulator.address)
    assert suite.pledges.has_role(LENDER_ROLE, lender.address)
    assert not suite.pledges.has_role(LENDER_ROLE, registrar.address)


def test_refuses_to_run_without_its_settings() -> None:
    result = run_script({"BANQUAN_CHAIN_RPC_URL": "http://127.0.0.1:9"})
    assert result.returncode == 2
    assert "BANQUAN_CHAIN_PRIVATE_KEY is not set" in result.stderr
    assert result.stdout == ""
