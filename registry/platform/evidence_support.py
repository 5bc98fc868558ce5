"""What evidence packages need from above the proofs context: the operator's SM2 signing key, and
a registration's takedown, licence and lien state read through the assets services."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from datetime import UTC, datetime

from chain_client.connection import translate_errors
from chain_client.errors import ChainError
from crypto.sm2 import SM2PrivateKey
from registry.assets import Assets
from registry.assets.chain_state import recorded_encumbrances
from registry.content import existing_key_file, read_sm2_key_file
from registry.core.errors import AssetNotFound, OperatorKeyNotConfigured, RegistryError
from registry.core.settings import Settings
from registry.core.views import RegistrationView


def load_operator_key(settings: Settings) -> SM2PrivateKey:
    """The operator's SM2 key: ``BANQUAN_OPERATOR_KEY_FILE``, or in dev mode the development key
    in the data directory (created, mode 0600, when missing). Outside dev mode there is no
    default: :class:`OperatorKeyNotConfigured`."""
    path = existing_key_file(
        settings.resolved_operator_key_file,
        dev_default=settings.mode == "dev" and settings.operator_key_file is None,
        new_key=lambda: SM2PrivateKey.generate().to_pem(),
        what="operator key file",
        refusal=OperatorKeyNotConfigured,
        unset="evidence packages need the operator's SM2 key: set BANQUAN_OPERATOR_KEY_FILE "
        "(没有配置出具方签名密钥)",
    )
    return read_sm2_key_file(
        path,
        dev_mode=settings.mode == "dev",
        what="operator signing key",
        refusal=OperatorKeyNotConfigured,
        named="the operator key file",
    )


def rights_state_reader(
    assets: Assets, now: Callable[[], datetime]
) -> Callable[[RegistrationView], dict[str, object]]:
    """The state of a registration at export: the hash of the block its root was anchored in,
    takedown (database, and the ``Moderation`` contract), and for its rights asset the owner,
    liens and exclusive licences (the ``Encumbrances`` view at the block read, and the
    follower's tables with their block)."""

    def read(view: RegistrationView) -> dict[str, object]:
        state: dict[str, object] = {"takedown": {"database": view.takedown}, "asset": None}
        asset_id = int(view.leaf, 16)
        try:
            with translate_errors():  # a node down is a ChainError, said in the package
                _read_chain(assets, now, view, asset_id, state)
        except (ChainError, RegistryError) as exc:
            state["chain_error"] = str(exc)
        return state

    return read


def _read_chain(
    assets: Assets,
    now: Callable[[], datetime],
    view: RegistrationView,
    asset_id: int,
    state: dict[str, object],
) -> None:
    """Everything of :func:`rights_state_reader` that is read from the chain, into ``state``."""
    suite = assets.suite()
    w3 = suite.registry_anchor.w3
    block = w3.eth.get_block("latest")
    number = int(block["number"])
    state["read_at"] = {
        "chain_id": int(w3.eth.chain_id),
        "block_number": number,
        "block_hash": "0x" + bytes(block["hash"]).hex(),
        "block_time": datetime.fromtimestamp(int(block["timestamp"]), UTC).isoformat(),
    }
    if view.anchor is not None and view.anchor.block_number is not None:
        anchored = w3.eth.get_block(view.anchor.block_number)
        state["anchored_block_hash"] = "0x" + bytes(anchored["hash"]).hex()
    freeze = suite.moderation.freeze_of(bytes.fromhex(view.leaf), block=number)
    takedown = state["takedown"]
    if isinstance(takedown, dict):
        takedown["chain"] = {
            "contract": suite.moderation.address,
            "frozen": freeze.authority.value != 0,
            "freeze": _jsonable(freeze),
        }
    if suite.rights_asset.exists(asset_id):
        found = assets.encumbrances(asset_id, block=number)
        asset: dict[str, object] = {
            "asset_id": f"0x{asset_id:064x}",
            "owner": found.owner,
            "chain": _jsonable(found.report),
        }
        try:
            recorded = recorded_encumbrances(
                assets.sessions, asset_id, at_time=int(now().timestamp())
            )
            asset["database"] = _jsonable(recorded)
        except AssetNotFound:
            asset["database"] = None  # the follower has not reached its mint yet
        state["asset"] = asset


def _jsonable(value: object) -> object:
    """Records and dataclasses as JSON: enums by name, bytes in hex, big integers as text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)
