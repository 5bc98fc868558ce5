"""``banquan keys new | show | export-pub``."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.keys import (
    DEFAULT_SCRYPT_N,
    DEFAULT_SM2_ID,
    PASSWORD_ENV,
    KeyAlgorithm,
    KeystoreCipher,
    keys_app,
    open_keystore,
)
from cli.main import app
from crypto import keystore
from crypto.keystore import decrypt_key, read_keystore
from crypto.signing import Algorithm, KeySigner, public_key_from_json, verify
from crypto.sm2 import DEFAULT_ID, SM2PublicKey
from crypto.symmetric import Cipher
from registry.core.errors import InsecureKeyFile
from tests.registry.content.test_key_files import PRODUCTION_CHAIN_KEY

runner = CliRunner()
FAST = ["--scrypt-n", "1024"]


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, "口令 test password")
    return "口令 test password"


def test_the_options_restate_cryptos_choices_and_defaults() -> None:
    assert [a.value for a in KeyAlgorithm] == [a.value for a in Algorithm]
    assert [c.value for c in KeystoreCipher] == [c.value for c in Cipher]
    assert DEFAULT_SM2_ID.encode() == DEFAULT_ID
    assert DEFAULT_SCRYPT_N == keystore.DEFAULT_SCRYPT_N


def test_new_sm2_key_then_show_and_export(tmp_path: Path, password: str) -> None:
    path = tmp_path / "publisher.json"
    created = runner.invoke(keys_app, ["new", str(path), *FAST])
    assert created.exit_code == 0, created.output
    document = read_keystore(path)
    assert document["algorithm"] == "sm2"
    assert document["sm2_id"] == "1234567812345678"
    assert document["cipher"]["name"] == "sm4-gcm"
    key = decrypt_key(document, password)
    assert key.public_key.to_bytes().hex() in created.output

    shown = runner.invoke(keys_app, ["show", str(path), "--json"])
    assert shown.exit_code == 0, shown.output
    assert (
        public_key_from_json(
            {
                k: v
                for k, v in json.loads(shown.stdout).items()
                if k in ("algorithm", "public_key", "sm2_id")
            }
        )
        == key.public_key
    )

    exported = runner.invoke(keys_app, ["export-pub", str(path), "--format", "json"])
    exported_key = public_key_from_json(json.loads(exported.stdout))
    signature = KeySigner(key).sign(b"claim")
    assert verify(exported_key, b"claim", signature)

    pem = runner.invoke(keys_app, ["export-pub", str(path), "--format", "pem"]).stdout
    assert SM2PublicKey.from_pem(pem) == key.public_key
    compressed = runner.invoke(keys_app, ["export-pub", str(path), "--compressed"]).stdout
    assert compressed.strip() == key.public_key.to_bytes(compressed=True).hex()


def test_new_sm2_key_with_custom_id(tmp_path: Path, password: str) -> None:
    path = tmp_path / "k.json"
    result = runner.invoke(keys_app, ["new", str(path), "--sm2-id", "press@example.cn", *FAST])
    assert result.exit_code == 0, result.output
    key = decrypt_key(read_keystore(path), password)
    assert isinstance(key.public_key, SM2PublicKey)
    assert key.public_key.distid == b"press@example.cn"


def test_new_secp256k1_key_shows_its_address(tmp_path: Path, password: str) -> None:
    path = tmp_path / "eth.json"
    result = runner.invoke(keys_app, ["new", str(path), "--algorithm", "secp256k1", *FAST])
    assert result.exit_code == 0, result.output
    key = decrypt_key(read_keystore(path), password)
    address = key.public_key.address  # type: ignore[union-attr]
    assert address in result.output
    shown = json.loads(runner.invoke(keys_app, ["show", str(path), "--json"]).stdout)
    assert shown["address"] == address
    pem = runner.invoke(keys_app, ["export-pub", str(path), "--format", "pem"])
    assert pem.exit_code == 2
    assert "SM2" in pem.output


def test_ethereum_v3_keystore_needs_the_password_to_show(tmp_path: Path, password: str) -> None:
    path = tmp_path / "v3.json"
    created = runner.invoke(
        keys_app, ["new", str(path), "--algorithm", "secp256k1", "--format", "ethereum-v3", *FAST]
    )
    assert created.exit_code == 0, created.output
    assert read_keystore(path)["version"] == 3
    shown = runner.invoke(keys_app, ["show", str(path), "--json"])
    assert json.loads(shown.stdout)["format"] == "ethereum-v3"
    password_file = tmp_path / "wrong-password"
    password_file.write_text("not it\n")
    wrong = runner.invoke(keys_app, ["show", str(path), "--password-file", str(password_file)])
    assert wrong.exit_code == 2
    assert "wrong password" in wrong.output


def test_sm2_keys_have_no_ethereum_v3_keystore(tmp_path: Path) -> None:
    result = runner.invoke(keys_app, ["new", str(tmp_path / "k.json"), "--format", "ethereum-v3"])
    assert result.exit_code == 2
    assert not (tmp_path / "k.json").exists()


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    path.write_text("{}")
    result = runner.invoke(keys_app, ["new", str(path), *FAST])
    assert result.exit_code == 2
    assert path.read_text() == "{}"


def test_a_malformed_keystore_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "banquan.keystore/1", "algorithm": "rsa"}')
    result = runner.invoke(keys_app, ["show", str(path)])
    assert result.exit_code == 2
    assert "unknown algorithm" in result.output


def test_prompted_password_is_confirmed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV)
    path = tmp_path / "k.json"
    result = runner.invoke(keys_app, ["new", str(path), *FAST], input="pw\npw\n")
    assert result.exit_code == 0, result.output
    assert decrypt_key(read_keystore(path), "pw").algorithm == "sm2"


def test_keys_is_a_banquan_command(tmp_path: Path) -> None:
    result = runner.invoke(app, ["keys", "new", str(tmp_path / "k.json"), *FAST])
    assert result.exit_code == 0, result.output


def test_exported_pem_is_read_by_openssl(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("this test needs the openssl command (Debian: apt-get install openssl)")
    path = tmp_path / "k.json"
    banquan = [sys.executable, "-m", "cli"]
    subprocess.run(
        [*banquan, "keys", "new", str(path), *FAST], check=True, capture_output=True, timeout=120
    )
    pem = subprocess.run(
        [*banquan, "keys", "export-pub", str(path), "--format", "pem"],
        check=True, capture_output=True, timeout=120,
    ).stdout  # fmt: skip
    parsed = subprocess.run(
        [openssl, "pkey", "-pubin", "-text", "-noout"], input=pem, check=True, capture_output=True
    )
    assert b"SM2" in parsed.stdout


def test_a_keystore_open_to_others_is_refused_outside_dev_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "publisher.json"
    assert runner.invoke(keys_app, ["new", str(path), *FAST]).exit_code == 0
    assert open_keystore(path, None).algorithm == "sm2"  # 0600 as written
    path.chmod(0o644)
    assert open_keystore(path, None).algorithm == "sm2"  # dev mode: a warning only
    master = tmp_path / "master.key"
    master.write_text("ab" * 32)
    master.chmod(0o600)
    for name, value in {
        "MODE": "production",
        "CHAIN_PRIVATE_KEY": PRODUCTION_CHAIN_KEY,
        "ANCHOR_ADDRESS": "0x" + "11" * 20,
        "MASTER_KEY_FILE": str(master),
    }.items():
        monkeypatch.setenv(f"BANQUAN_{name}", value)
    with pytest.raises(InsecureKeyFile) as refused:
        open_keystore(path, None)
    assert refused.value.details["mode"] == "0644"
    path.chmod(0o600)
    assert open_keystore(path, None).algorithm == "sm2"
