"""``banquan party``: a party acting for itself from the command line, known by a keystore of
one of its keys, links a key it holds by proof of possession and revokes its own keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from crypto.keystore import encrypt_key, write_keystore
from crypto.signing import generate_private_key
from registry.access.parties import key_identifier

runner = CliRunner()
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    monkeypatch.setenv("BANQUAN_KEYSTORE_PASSWORD", PASSWORD)
    assert runner.invoke(app, ["migrate"]).exit_code == 0


def keystore(tmp_path: Path, name: str, algorithm: str) -> tuple[Path, str]:
    key = generate_private_key(algorithm)
    path = tmp_path / f"{name}.json"
    write_keystore(path, encrypt_key(key, PASSWORD, scrypt_n=2**10))
    return path, key_identifier(key.public_key)


def party_with(identifier: str, name: str) -> dict[str, object]:
    created = runner.invoke(app, ["admin", "party", "create", name, "--key", identifier, "--json"])
    assert created.exit_code == 0, created.output
    document: dict[str, object] = json.loads(created.output)
    return document


def test_a_party_links_a_key_it_holds_and_revokes_it(tmp_path: Path) -> None:
    mine, mine_id = keystore(tmp_path, "mine", "sm2")
    new, new_id = keystore(tmp_path, "new", "secp256k1")
    party = party_with(mine_id, "四川人民出版社")

    linked = runner.invoke(
        app, ["party", "link-key", "--key", str(new), "--as", str(mine), "--json"]
    )
    assert linked.exit_code == 0, linked.output
    view = json.loads(linked.output)
    assert view["party_id"] == party["party_id"]
    assert [k["identifier"] for k in view["keys"]] == [mine_id, new_id]

    again = runner.invoke(app, ["party", "link-key", "--key", str(new), "--as", str(mine)])
    assert again.exit_code == 2
    assert "party_key_taken" in again.output

    fingerprint = view["keys"][1]["fingerprint"]
    revoked = runner.invoke(app, ["party", "revoke-key", fingerprint, "--as", str(mine), "--json"])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.output)["keys"][1]["revoked"] is True
    # A revoked key no longer acts for the party.
    acting_revoked = runner.invoke(app, ["party", "show", "--as", str(new)])
    assert acting_revoked.exit_code == 2
    assert "party_revoked" in acting_revoked.output


def test_another_partys_key_and_an_unlinked_key_are_refused(tmp_path: Path) -> None:
    first, first_id = keystore(tmp_path, "first", "sm2")
    second, second_id = keystore(tmp_path, "second", "sm2")
    stray, _ = keystore(tmp_path, "stray", "sm2")
    party_with(first_id, "甲出版社")
    other = party_with(second_id, "乙出版社")

    # The second party cannot take the first party's key, though it holds the keystore here.
    taken = runner.invoke(app, ["party", "link-key", "--key", str(first), "--as", str(second)])
    assert taken.exit_code == 2
    assert "party_key_taken" in taken.output
    # A key of no party acts for nobody.
    nobody = runner.invoke(app, ["party", "link-key", "--key", str(stray), "--as", str(stray)])
    assert nobody.exit_code == 2
    assert "key_without_party" in nobody.output
    # A party cannot revoke a key of another party.
    shown = json.loads(runner.invoke(app, ["party", "show", "--as", str(first), "--json"]).output)
    refused = runner.invoke(
        app, ["party", "revoke-key", shown["keys"][0]["fingerprint"], "--as", str(second)]
    )
    assert refused.exit_code == 2
    assert "party_key_not_found" in refused.output
    after = json.loads(runner.invoke(app, ["party", "show", "--as", str(second), "--json"]).output)
    assert after["party_id"] == other["party_id"]
    assert [k["revoked"] for k in after["keys"]] == [False]


def test_a_revoked_party_links_nothing(tmp_path: Path) -> None:
    mine, mine_id = keystore(tmp_path, "mine", "sm2")
    new, _ = keystore(tmp_path, "new", "sm2")
    party = party_with(mine_id, "甲出版社")
    assert runner.invoke(app, ["admin", "party", "revoke", str(party["party_id"])]).exit_code == 0
    refused = runner.invoke(app, ["party", "link-key", "--key", str(new), "--as", str(mine)])
    assert refused.exit_code == 2
    assert "party_revoked" in refused.output
