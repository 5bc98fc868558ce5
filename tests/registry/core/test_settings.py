"""Settings refuse development secrets outside dev mode."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from registry.core.settings import DEV_CHAIN_PRIVATE_KEY, Settings

REAL_KEY = "0x" + "1f" * 32
REAL_MASTER_KEY = "2e" * 32
ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_dev_mode_accepts_the_development_key() -> None:
    settings = Settings(mode="dev")
    assert settings.chain_private_key.get_secret_value() == DEV_CHAIN_PRIVATE_KEY


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValidationError, match="public development key"):
        Settings(mode="production", anchor_address=ADDRESS)


def test_production_requires_a_contract_address() -> None:
    with pytest.raises(ValidationError, match="ANCHOR_ADDRESS"):
        Settings(mode="production", chain_private_key=REAL_KEY, master_key=REAL_MASTER_KEY)


def test_production_with_real_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BANQUAN_MODE", "production")
    monkeypatch.setenv("BANQUAN_CHAIN_PRIVATE_KEY", REAL_KEY)
    monkeypatch.setenv("BANQUAN_ANCHOR_ADDRESS", ADDRESS)
    monkeypatch.setenv("BANQUAN_MASTER_KEY", REAL_MASTER_KEY)
    settings = Settings()
    assert settings.mode == "production"
    assert settings.anchor_address == ADDRESS


def test_production_refuses_the_development_master_key() -> None:
    with pytest.raises(ValidationError, match="MASTER_KEY is the public development key"):
        Settings(mode="production", chain_private_key=REAL_KEY, anchor_address=ADDRESS)


@pytest.mark.parametrize("bad", ["xyz", "00" * 16])
def test_master_key_must_be_32_bytes_of_hex(bad: str) -> None:
    with pytest.raises(ValidationError, match="MASTER_KEY"):
        Settings(master_key=bad)


def test_database_defaults_to_sqlite_in_the_data_directory(tmp_path: object) -> None:
    settings = Settings(data_dir="some/dir")
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("some/dir/banquan.db")
