"""Settings of the external anchoring chains: names of their own, and outside dev mode a
deployed contract and a real key."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from registry.core.settings import DEV_CHAIN_PRIVATE_KEY, Settings

REAL_KEY = "0x" + "1f" * 32
REAL_MASTER_KEY = "2e" * 32
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PRODUCTION = {
    "mode": "production",
    "chain_private_key": REAL_KEY,
    "master_key": REAL_MASTER_KEY,
    "anchor_address": ADDRESS,
}


def chain(**fields: object) -> dict[str, object]:
    return {"name": "tianping", "rpc_url": "http://127.0.0.1:9545", "chain_id": 7, **fields}


def test_external_chains_are_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANQUAN_EXTERNAL_CHAINS", json.dumps([chain(confirmations=2)]))
    [configured] = Settings().external_chains
    assert (configured.name, configured.chain_id, configured.confirmations) == ("tianping", 7, 2)
    assert configured.anchor_address is None
    assert Settings(external_chains=[]).external_chains == []


def test_names_are_unique_and_plain() -> None:
    with pytest.raises(ValidationError, match="a name of its own"):
        Settings(external_chains=[chain(), chain(rpc_url="http://other")])
    with pytest.raises(ValidationError, match="name"):
        Settings(external_chains=[chain(name="天平 链")])


def test_one_key_and_a_keystore_needs_its_password_file() -> None:
    with pytest.raises(ValidationError, match="not both"):
        Settings(external_chains=[chain(private_key=REAL_KEY, keystore="k.json")])
    with pytest.raises(ValidationError, match="keystore_password_file"):
        Settings(external_chains=[chain(keystore="k.json")])


def test_production_needs_the_contract_and_a_real_key() -> None:
    with pytest.raises(ValidationError, match="anchor_address must be set"):
        Settings(**PRODUCTION, external_chains=[chain(private_key=REAL_KEY)])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="real private_key"):
        Settings(**PRODUCTION, external_chains=[chain(anchor_address=ADDRESS)])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="real private_key"):
        Settings(
            **PRODUCTION,  # type: ignore[arg-type]
            external_chains=[chain(anchor_address=ADDRESS, private_key=DEV_CHAIN_PRIVATE_KEY)],
        )
    settings = Settings(
        **PRODUCTION,  # type: ignore[arg-type]
        external_chains=[chain(anchor_address=ADDRESS, private_key=REAL_KEY)],
    )
    assert settings.external_chains[0].anchor_address == ADDRESS
