"""Remembering where the contracts were deployed, and redeploying when the chain was reset."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from chain_client.connection import translate_errors
from chain_client.registry_anchor import RegistryAnchorClient
from chain_client.transactions import TransactionSender


@dataclass(frozen=True)
class DeploymentRecord:
    """Addresses of banquan's contracts on one chain."""

    chain_id: int
    registry_anchor: str


def load_record(path: Path) -> DeploymentRecord | None:
    """The record saved at ``path``, or ``None`` if there is none."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return DeploymentRecord(chain_id=int(raw["chain_id"]), registry_anchor=raw["registry_anchor"])


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
