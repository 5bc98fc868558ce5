"""Which contract suite a runtime uses: deployed in dev mode, or taken from the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cli.launcher import AnvilProcess
from registry.core.database import migrate
from registry.core.errors import ContractsNotConfigured
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import make_settings


def test_dev_runtime_deploys_one_suite_around_its_anchor(runtime: Runtime) -> None:
    anchor = runtime.anchor_client()
    followed = runtime.followed_suite()
    assert followed.suite.registry_anchor.address == anchor.address
    assert followed.suite.rights_asset.lien_registry() == followed.suite.pledges.address
    assert followed.start_block <= runtime.w3.eth.block_number


def test_configured_addresses_are_used_as_given(
    runtime: Runtime, tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    deployed = runtime.suite().addresses
    settings = make_settings(
        tmp_path / "configured",
        database_url,
        anvil.rpc_url,
        anchor_address=deployed.registry_anchor,
        moderation_address=deployed.moderation,
        rights_asset_address=deployed.rights_asset,
        pledges_address=deployed.pledges,
        licences_address=deployed.licences,
        encumbrances_address=deployed.encumbrances,
        identity_attestations_address=deployed.identity_attestations,
        editions_address=deployed.editions,
        suite_start_block=7,
    )
    configured = build_runtime(settings)
    try:
        followed = configured.followed_suite()
        assert followed.suite.addresses == deployed
        assert configured.identity_ledger() is not None
        assert followed.start_block == 7
        assert not settings.deployment_file.exists()
    finally:
        configured.close()


def test_without_suite_addresses_anchoring_works_and_assets_are_not_configured(
    runtime: Runtime, tmp_path: Path, database_url: str, anvil: AnvilProcess
) -> None:
    anchor_only = make_settings(
        tmp_path / "anchor-only",
        database_url,
        anvil.rpc_url,
        anchor_address=runtime.anchor_client().address,
    )
    configured = build_runtime(anchor_only)
    migrate(configured.engine)
    try:
        with pytest.raises(ContractsNotConfigured):
            configured.suite()
        assert configured.new_batcher().run_once().error is None
    finally:
        configured.close()


def test_suite_addresses_are_all_or_none(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="or none of them"):
        make_settings(
            tmp_path,
            "sqlite://",
            "http://127.0.0.1:1",
            anchor_address="0x" + "11" * 20,
            pledges_address="0x" + "22" * 20,
        )
