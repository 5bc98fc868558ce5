"""Remembering where the contracts were deployed, and redeploying when the chain was reset."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from web3 import Web3

from chain_client.connection import translate_errors
from chain_client.editions import EditionsClient
from chain_client.encumbrances import EncumbrancesClient
from chain_client.identity_attestations import IdentityAttestationsClient
from chain_client.licences import LicencesClient
from chain_client.moderation import ModerationClient
from chain_client.pledges import PledgesClient
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.rights_assets import RightsAssetClient
from chain_client.suite import Suite, SuiteAddresses, deploy_editions, deploy_suite
from chain_client.transactions import TransactionSender


@dataclass(frozen=True)
class DeploymentRecord:
    """Addresses of banquan's contracts on one chain.

    ``suite`` is absent in records written before the whole suite was deployed (``RegistryAnchor``
    alone); ``start_block`` is the block from which the suite's events are followed.
    """

    chain_id: int
    registry_anchor: str
    suite: SuiteAddresses | None = None
    start_block: int = 0


def load_record(path: Path) -> DeploymentRecord | None:
    """The record saved at ``path``, or ``None`` if there is none."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    suite = raw.get("suite")
    return DeploymentRecord(
        chain_id=int(raw["chain_id"]),
        registry_anchor=raw["registry_anchor"],
        suite=SuiteAddresses(**suite) if suite else None,
        start_block=int(raw.get("start_block", 0)),
    )


def save_record(path: Path, record: DeploymentRecord) -> None:
    """Write the record atomically (a crash leaves the old record or the new one, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(asdict(record), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def ensure_registry_anchor(
    sender: TransactionSender, record_path: Path
) -> tuple[RegistryAnchorClient, bool]:
    """Reuse the remembered ``RegistryAnchor`` if the chain still holds it, else deploy a new one.

    A development chain that was reset (or another chain behind the same URL) no longer has the
    contract's code at the remembered address: that is detected and a fresh contract deployed and
    remembered. Returns the client and whether it was (re)deployed.
    """
    with translate_errors():
        chain_id = sender.w3.eth.chain_id
    record = load_record(record_path)
    if record is not None and record.chain_id == chain_id:
        client = RegistryAnchorClient(sender.w3, record.registry_anchor, sender)
        if client.has_expected_code():
            return client, False
    client = RegistryAnchorClient.deploy(sender)
    save_record(record_path, DeploymentRecord(chain_id=chain_id, registry_anchor=client.address))
    return client, True


def suite_at(w3: Web3, addresses: SuiteAddresses, sender: TransactionSender | None) -> Suite:
    """Clients of the suite at ``addresses``; transactions (if any) sent by ``sender``."""
    return Suite(
        registry_anchor=RegistryAnchorClient(w3, addresses.registry_anchor, sender),
        moderation=ModerationClient(w3, addresses.moderation, sender),
        rights_asset=RightsAssetClient(w3, addresses.rights_asset, sender),
        pledges=PledgesClient(w3, addresses.pledges, sender),
        licences=LicencesClient(w3, addresses.licences, sender),
        encumbrances=EncumbrancesClient(w3, addresses.encumbrances, sender),
        identity_attestations=(
            IdentityAttestationsClient(w3, addresses.identity_attestations, sender)
            if addresses.identity_attestations
            else None
        ),
        editions=EditionsClient(w3, addresses.editions, sender) if addresses.editions else None,
    )


def suite_has_expected_code(suite: Suite) -> bool:
    """Whether every address of the suite holds its contract's code."""
    return all(
        client.has_expected_code()
        for client in (
            suite.registry_anchor,
            suite.moderation,
            suite.rights_asset,
            suite.pledges,
            suite.licences,
            suite.encumbrances,
            *([suite.identity_attestations] if suite.identity_attestations else []),
            *([suite.editions] if suite.editions else []),
        )
    )


def ensure_suite(
    sender: TransactionSender, record_path: Path, *, junior_liens_allowed: bool = False
) -> tuple[Suite, int, bool]:
    """Reuse the remembered suite if the chain still holds all of it, else deploy it.

    The same rules as :func:`ensure_registry_anchor`: a reset chain is noticed by the missing code
    and everything redeployed. A record of a ``RegistryAnchor`` alone (from before the suite) that
    the chain still holds keeps that anchor — its roots stay anchored — and the other five
    contracts are deployed around it. Returns the suite (sending through ``sender``, which is
    admin and registrar of what it deploys), the block its events are followed from, and whether
    anything was deployed.
    """
    w3 = sender.w3
    with translate_errors():
        chain_id = int(w3.eth.chain_id)
    record = load_record(record_path)
    anchor: RegistryAnchorClient | None = None
    if record is not None and record.chain_id == chain_id:
        if record.suite is not None:
            suite = suite_at(w3, record.suite, sender)
            if suite_has_expected_code(suite):
                if suite.identity_attestations is not None and suite.editions is not None:
                    return suite, record.start_block, False
                # A suite from before IdentityAttestations or Editions: they are added to it.
                identity = suite.identity_attestations or IdentityAttestationsClient.deploy(sender)
                suite = replace(
                    suite,
                    identity_attestations=identity,
                    editions=deploy_editions(
                        sender, suite.rights_asset, suite.licences, suite.moderation, identity
                    ),
                )
                save_record(record_path, replace(record, suite=suite.addresses))
                return suite, record.start_block, True
        remembered = RegistryAnchorClient(w3, record.registry_anchor, sender)
        if remembered.has_expected_code() and record.suite is None:
            anchor = remembered
    with translate_errors():
        start_block = int(w3.eth.block_number)
    suite = deploy_suite(sender, registry_anchor=anchor, junior_liens_allowed=junior_liens_allowed)
    save_record(
        record_path,
        DeploymentRecord(
            chain_id=chain_id,
            registry_anchor=suite.registry_anchor.address,
            suite=suite.addresses,
            start_block=start_block,
        ),
    )
    return suite, start_block, True
