"""The operator's SM2 signing key: created once in dev mode (mode 0600), required outside it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crypto.sm2 import SM2PrivateKey
from registry.core.errors import OperatorKeyNotConfigured
from registry.core.settings import Settings
from registry.platform.evidence_support import load_operator_key


def test_dev_mode_creates_the_operator_key_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = load_operator_key(settings)
    path = tmp_path / "dev-operator.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_operator_key(settings).public_key == first.public_key


def test_outside_dev_mode_there_is_no_default(tmp_path: Path) -> None:
    production = Settings(data_dir=tmp_path).model_copy(update={"mode": "production"})
    assert production.resolved_operator_key_file is None
    with pytest.raises(OperatorKeyNotConfigured, match="BANQUAN_OPERATOR_KEY_FILE"):
        load_operator_key(production)
    assert not (tmp_path / "dev-operator.pem").exists()


def test_a_configured_key_is_used_and_a_bad_one_refused(tmp_path: Path) -> None:
    key = SM2PrivateKey.generate()
    path = tmp_path / "operator.pem"
    path.write_text(key.to_pem())
    path.chmod(0o600)
    production = Settings(data_dir=tmp_path).model_copy(
        update={"mode": "production", "operator_key_file": path}
    )
    assert load_operator_key(production).public_key == key.public_key
    path.write_text("not a key")
    with pytest.raises(OperatorKeyNotConfigured, match="not an SM2 private key"):
        load_operator_key(production)
    missing = production.model_copy(update={"operator_key_file": tmp_path / "absent.pem"})
    with pytest.raises(OperatorKeyNotConfigured, match="does not exist"):
        load_operator_key(missing)
