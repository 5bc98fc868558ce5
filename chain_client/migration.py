"""Typed access to ``SuiteMigrator`` and the steps of a suite migration: seal the old suite
naming its successor, let the migrator import, and copy every asset (docs/contracts.md,
"Upgrades: migration, not proxies")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_typing import BlockIdentifier

from chain_client.bound_contract import BoundContract
from chain_client.records import LogPosition, Record
from chain_client.rights_assets import (
    AssetImported,
    RightsAssetClient,
    Sealed,
    SealScheduled,
    Tokenized,
)
from chain_client.roles import IMPORTER_ROLE, REGISTRAR_ROLE, RoleGranted, RoleRevoked
from chain_client.transactions import TransactionSender


class AssetMigrated(Record):
    asset_id: int
    owner: str
    liens: int
    licences: int
    position: LogPosition


class SuiteMigratorClient(BoundContract):
    """One deployed ``SuiteMigrator``: copies assets of a sealed suite into its successor."""

    CONTRACT_NAME = "SuiteMigrator"
    EVENT_TYPES = (AssetMigrated,)

    @classmethod
    def deploy(
        cls, sender: TransactionSender, *, predecessor: str, successor: str
    ) -> SuiteMigratorClient:
        """Deploy a migrator from the suite whose ``RightsAsset`` is ``predecessor`` to the one
        whose ``RightsAsset`` is ``successor`` (it reads their other contracts from them)."""
        return cls._deploy(sender, predecessor, successor)

    def migrate(self, asset_id: int) -> AssetMigrated:
        """Copy ``asset_id`` (anyone; once the predecessor is sealed for the successor)."""
        return self._transact_one(AssetMigrated, "migrate", asset_id)

    def predecessor(self) -> str:
        return str(self._call("predecessor"))

    def successor(self) -> str:
        return str(self._call("successor"))


@dataclass(frozen=True)
class MigrationPlan:
    """A migration prepared on chain: the migrator, and the seal scheduled on the old suite."""

    migrator: SuiteMigratorClient
    seal: SealScheduled


def prepare_migration(
    admin: TransactionSender, predecessor: RightsAssetClient, successor: RightsAssetClient
) -> MigrationPlan:
    """Deploy the migrator and schedule its importer role on the successor and the seal of the
    predecessor, both through their delays, as ``admin`` (the two suites' admin). Where the
    successor's role delay is 0 the importer grant is executed at once."""
    predecessor = predecessor.with_sender(admin)
    successor = successor.with_sender(admin)
    migrator = SuiteMigratorClient.deploy(
        admin, predecessor=predecessor.address, successor=successor.address
    )
    successor.schedule_role_grant(IMPORTER_ROLE, migrator.address)
    if successor.role_grant_delay() == 0:
        successor.execute_role_grant(IMPORTER_ROLE, migrator.address)
    seal = predecessor.schedule_seal(successor.address)
    return MigrationPlan(migrator, seal)


def current_registrars(
    rights_asset: RightsAssetClient, *, to_block: BlockIdentifier = "latest"
) -> list[str]:
    """The accounts holding ``REGISTRAR_ROLE`` on ``rights_asset``, folded from its role events
    (AccessControl cannot list a role's members)."""
    holders: dict[str, None] = {}
    for event in rights_asset.events(0, to_block):
        if isinstance(event, RoleGranted | RoleRevoked) and event.role == REGISTRAR_ROLE:
            if isinstance(event, RoleGranted):
                holders[event.account] = None
            else:
                holders.pop(event.account, None)
    return list(holders)


def execute_seal(predecessor: RightsAssetClient) -> Sealed:
    """Revoke every registrar of the predecessor (a sealed suite has none), then execute its
    scheduled seal (admin; from the scheduled time)."""
    for registrar in current_registrars(predecessor):
        predecessor.revoke_role(REGISTRAR_ROLE, registrar)
    return predecessor.execute_seal()


def tokenized_asset_ids(
    rights_asset: RightsAssetClient, *, to_block: BlockIdentifier = "latest"
) -> list[int]:
    """Every asset id ``rights_asset`` ever tokenized or imported (burnt ones included), in
    chain order: what its successor's migrator copies."""
    return [
        event.asset_id
        for event in rights_asset.events(0, to_block)
        if isinstance(event, Tokenized | AssetImported)
    ]


@dataclass(frozen=True)
class MigrationRun:
    """What one pass of :func:`migrate_assets` found: the assets it copied now (``migrated``),
    those the successor imported before (``already_migrated``), and ``conflicts``: assets the
    successor holds without ever having imported them (minted there by a suite that did not wait
    for its predecessor's seal), which the migrator cannot copy: their liens and licences stay on
    the sealed suite only."""

    migrated: list[AssetMigrated]
    already_migrated: list[int]
    conflicts: list[int]


def imported_asset_ids(
    rights_asset: RightsAssetClient, *, to_block: BlockIdentifier = "latest"
) -> set[int]:
    """Every asset id ``rights_asset`` imported (``AssetImported``): the ones a migration copied."""
    return {
        event.asset_id
        for event in rights_asset.events(0, to_block)
        if isinstance(event, AssetImported)
    }


def migrate_assets(migrator: SuiteMigratorClient, asset_ids: Iterable[int]) -> MigrationRun:
    """Copy each asset not copied yet (an asset migrates once: a rerun skips those done). An
    asset the successor holds but never imported is not counted as done: it is a conflict."""
    successor = RightsAssetClient(migrator.w3, migrator.successor())
    migrated: list[AssetMigrated] = []
    already: list[int] = []
    conflicts: list[int] = []
    imported: set[int] | None = None
    for asset_id in asset_ids:
        if successor.asset_terms(asset_id).registered_at == 0:
            migrated.append(migrator.migrate(asset_id))
            continue
        if imported is None or asset_id not in imported:
            # Read after the record: an import that wrote it is in the events by now.
            imported = imported_asset_ids(successor)
        (already if asset_id in imported else conflicts).append(asset_id)
    return MigrationRun(migrated, already, conflicts)
