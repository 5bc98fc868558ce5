"""Secret files at start-up: the master key file must be private to its owner (0600) outside
dev mode, or the runtime is not built; dev mode warns, and creates a missing file 0600."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest

from registry.content.key_files import check_private_file, read_master_key_file
from registry.core.errors import InsecureKeyFile, InvalidKeyFile
from registry.core.settings import Settings
from registry.platform.runtime import build_runtime

# Anvil's account 9: any key but the public development one will do outside dev mode.
PRODUCTION_CHAIN_KEY = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"


def key_file(path: Path, mode: int, key: str | None = None) -> Path:
    path.write_text((key or secrets.token_hex(32)) + "\n", encoding="ascii")
    path.chmod(mode)
    return path


def production_settings(tmp_path: Path, master_key_file: Path) -> Settings:
    return Settings(
        mode="production",
        data_dir=tmp_path / "data",
        chain_private_key=PRODUCTION_CHAIN_KEY,
        anchor_address="0x" + "11" * 20,
        master_key_file=master_key_file,
    )


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o666])
def test_a_shared_master_key_file_stops_start_up_outside_dev_mode(
    tmp_path: Path, mode: int
) -> None:
    path = key_file(tmp_path / "master.key", mode)
    with pytest.raises(InsecureKeyFile) as refused:
        build_runtime(production_settings(tmp_path, path))
    assert refused.value.code == "insecure_key_file"
    assert refused.value.details["mode"] == f"{mode:04o}"
    assert refused.value.details["path"] == str(path)


def test_a_private_master_key_file_is_the_master_key(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    path = key_file(tmp_path / "master.key", 0o600, key)
    runtime = build_runtime(production_settings(tmp_path, path))
    try:
        assert runtime.protection.master_key == bytes.fromhex(key)
    finally:
        runtime.close()


def test_a_missing_or_malformed_master_key_file_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyFile):
        build_runtime(production_settings(tmp_path, tmp_path / "absent.key"))
    short = key_file(tmp_path / "short.key", 0o600, "abcd")
    with pytest.raises(InvalidKeyFile):
        build_runtime(production_settings(tmp_path, short))


def test_dev_mode_warns_about_a_shared_file_and_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = key_file(tmp_path / "master.key", 0o644)
    with caplog.at_level(logging.WARNING, logger="registry.content.key_files"):
        key = read_master_key_file(path, dev_mode=True)
    assert len(bytes.fromhex(key)) == 32
    assert "mode 0644" in caplog.text
    assert key not in caplog.text


def test_dev_mode_creates_a_missing_master_key_file_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    first = read_master_key_file(path, dev_mode=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_master_key_file(path, dev_mode=True) == first  # created once, then kept


def test_check_private_file_accepts_owner_only_modes(tmp_path: Path) -> None:
    for mode in (0o600, 0o400, 0o700):
        check_private_file(key_file(tmp_path / f"k{mode:o}", mode), dev_mode=False, what="key")
