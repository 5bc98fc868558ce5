"""Moving the registry's assets to a successor suite: once the admin has sealed the suite in
use naming the successor, every asset it ever tokenized is copied by the successor's
``SuiteMigrator``, which reads the sealed suite on chain (docs/contracts.md, "Upgrades")."""

from __future__ import annotations

from dataclasses import dataclass

from chain_client.migration import SuiteMigratorClient, migrate_assets, tokenized_asset_ids
from chain_client.suite import Suite
from registry.core import errors
from registry.core.chain_refusals import account_address, chain_refusals
from registry.core.record_json import JsonRecord


@dataclass(frozen=True)
class SuiteMigration(JsonRecord):
    """What a migration run did: of the ``assets`` the sealed suite holds, ``migrated`` were
    copied now and ``already_migrated`` before (a run can be repeated until none is left)."""

    predecessor: str
    successor: str
    migrator: str
    assets: int
    migrated: int
    already_migrated: int


def migrate_suite(suite: Suite, migrator_address: str) -> SuiteMigration:
    """Copy every asset of ``suite`` (sealed) with the migrator at ``migrator_address``, sent by
    the suite's account (the migrator lets anyone call it). Refused: an address that is not a
    ``SuiteMigrator`` from this suite (:class:`errors.InvalidInput`), a suite not sealed for
    that migrator's successor (:class:`errors.Conflict`). Assets the successor holds without
    having imported them (minted there too, so never migrated: their liens and licences are on
    the sealed suite only) are a :class:`errors.Conflict` once every other asset is copied,
    naming them in ``details.conflicts`` beside the counts of the run."""
    address = account_address(migrator_address, field="migrator")
    rights = suite.rights_asset
    with chain_refusals():
        migrator = SuiteMigratorClient(rights.w3, address, rights.sender)
        if not migrator.has_expected_code() or migrator.predecessor() != rights.address:
            raise errors.InvalidInput(
                f"{address} is not a migrator from the suite in use ({rights.address})",
                details={"field": "migrator"},
            )
        successor = migrator.successor()
        sealed_for = rights.successor()
        if sealed_for != successor:
            raise errors.Conflict(
                "the suite in use is not sealed for this migrator's successor: the admin seals"
                " it first (scheduleSeal, then executeSeal after the admin delay)",
                details={"successor": successor, "sealed_for": sealed_for},
            )
        asset_ids = tokenized_asset_ids(rights)
        run = migrate_assets(migrator, asset_ids)
    outcome = SuiteMigration(
        predecessor=rights.address,
        successor=successor,
        migrator=address,
        assets=len(asset_ids),
        migrated=len(run.migrated),
        already_migrated=len(run.already_migrated),
    )
    if run.conflicts:
        raise errors.Conflict(
            f"{len(run.conflicts)} asset(s) of the sealed suite were minted on the successor too"
            " and cannot be migrated: their liens and licences stay on the sealed suite, and the"
            " successor holds them free of both",
            details={**outcome.to_json(), "conflicts": [_hex(a) for a in run.conflicts]},
        )
    return outcome


def _hex(asset_id: int) -> str:
    return asset_id.to_bytes(32, "big").hex()
