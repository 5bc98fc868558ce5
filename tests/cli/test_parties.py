"""``banquan admin party``: the same parties the API manages, from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from crypto.signing import generate_private_key

runner = CliRunner()


@pytest.fixture(autouse=True)
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    assert runner.invoke(app, ["migrate"]).exit_code == 0


def test_create_link_show_and_revoke(tmp_path: Path) -> None:
    key = generate_private_key("sm2").public_key
    created = runner.invoke(app, ["admin", "party", "create", "四川人民出版社", "--json"])
    assert created.exit_code == 0, created.output
    party = json.loads(created.output)
    linked = runner.invoke(
        app, ["admin", "party", "add-key", party["party_id"], f"sm2:{key.to_bytes().hex()}"]
    )
    assert linked.exit_code == 0, linked.output
    assert "四川人民出版社" in linked.output

    shown = json.loads(
        runner.invoke(app, ["admin", "party", "show", party["party_id"], "--json"]).output
    )
    assert [k["kind"] for k in shown["keys"]] == ["sm2"]
    fingerprint = shown["keys"][0]["fingerprint"]

    again = runner.invoke(
        app, ["admin", "party", "create", "另一家", "--key", f"sm2:{key.to_bytes().hex()}"]
    )
    assert again.exit_code == 2
    assert "party_key_taken" in again.output

    revoked = runner.invoke(
        app, ["admin", "party", "revoke-key", party["party_id"], fingerprint, "--json"]
    )
    assert json.loads(revoked.output)["keys"][0]["revoked"] is True

    issued = runner.invoke(
        app,
        [
            "admin",
            "create-key",
            "--name",
            "社内",
            "--scope",
            "publisher",
            "--party",
            party["party_id"],
        ],
    )
    assert issued.exit_code == 0, issued.output
    assert party["party_id"] in issued.output
    listed = runner.invoke(app, ["admin", "party", "list"])
    assert "四川人民出版社" in listed.output
    assert "另一家" not in listed.output  # refused, so never created


def test_an_unknown_party_is_a_clean_refusal() -> None:
    refused = runner.invoke(app, ["admin", "party", "show", "party_0000000000000000", "--json"])
    assert refused.exit_code == 2
    assert json.loads(refused.output)["error"] == "party_not_found"


def test_verify_with_the_dev_attestor_show_reveal_and_unverify(tmp_path: Path) -> None:
    party = json.loads(
        runner.invoke(app, ["admin", "party", "create", "四川人民出版社", "--json"]).output
    )["party_id"]
    bad = runner.invoke(
        app,
        ["admin", "party", "verify", party, "--credit-code", "91350100M000100Y44",
         "--legal-name", "四川人民出版社有限公司", "--json"],
    )  # fmt: skip
    assert bad.exit_code == 2
    assert json.loads(bad.output)["error"] == "invalid_identity_number"

    verified = runner.invoke(
        app,
        ["admin", "party", "verify", party, "--credit-code", "91350100M000100Y43",
         "--legal-name", "四川人民出版社有限公司"],
    )  # fmt: skip
    assert verified.exit_code == 0, verified.output
    assert "已实名认证 verified" in verified.output

    shown = json.loads(runner.invoke(app, ["admin", "party", "show", party, "--json"]).output)
    assert shown["verification"]["status"] == "verified"
    assert "91350100M000100Y43" not in json.dumps(shown)

    revealed = runner.invoke(app, ["admin", "party", "identity", party])
    assert revealed.exit_code == 0, revealed.output
    assert "91350100M000100Y43" in revealed.output
    assert "审计日志" in revealed.output
    audit = runner.invoke(app, ["admin", "audit"])
    assert f"banquan admin party identity {party}" in audit.output

    unverified = runner.invoke(app, ["admin", "party", "unverify", party, "--json"])
    assert json.loads(unverified.output)["status"] == "revoked"
    again = runner.invoke(app, ["admin", "party", "unverify", party, "--json"])
    assert json.loads(again.output)["error"] == "attestation_revoked"


def test_verify_with_an_external_attestors_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime, timedelta

    from crypto.signing import KeySigner
    from crypto.sm2 import SM2PrivateKey
    from registry.access.attestation import Identity, sign_attestation

    attestor = KeySigner(SM2PrivateKey.generate())
    person = json.loads(
        runner.invoke(
            app, ["admin", "party", "create", "张三", "--kind", "person", "--json"]
        ).output
    )["party_id"]
    now = datetime.now(UTC)
    submission = sign_attestation(
        attestor, person, Identity.parse("person", "11010519491231002X", "张三"),
        issued_at=now, expires_at=now + timedelta(days=30),
    )  # fmt: skip
    document = tmp_path / "attestation.json"
    document.write_text(json.dumps(submission.to_json(), ensure_ascii=False), encoding="utf-8")

    unknown = runner.invoke(
        app, ["admin", "party", "verify", person, "--attestation", str(document), "--json"]
    )
    assert json.loads(unknown.output)["error"] == "unknown_attestor"
    identifier = f"sm2:{attestor.public_key.to_bytes().hex()}"
    monkeypatch.setenv("BANQUAN_ATTESTOR_PUBLIC_KEYS", json.dumps([identifier]))
    accepted = runner.invoke(
        app, ["admin", "party", "verify", person, "--attestation", str(document), "--json"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.output)["attestor"] == identifier
    revealed = json.loads(
        runner.invoke(app, ["admin", "party", "identity", person, "--json"]).output
    )
    assert revealed["identity"]["id_number"] == "11010519491231002X"


def test_a_keystore_linked_to_a_party_registers_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publisher's own SM2 keystore, linked to its party: what it registers from the command
    line is the party's, and `verify` names the party."""
    monkeypatch.setenv("BANQUAN_KEYSTORE_PASSWORD", "correct horse 电池 staple")
    keystore = tmp_path / "press.json"
    new = ["keys", "new", str(keystore), "--algorithm", "sm2", "--scrypt-n", "1024"]
    assert runner.invoke(app, new).exit_code == 0
    public = tmp_path / "press.pub.json"
    public.write_text(runner.invoke(app, ["keys", "show", str(keystore), "--json"]).output)
    party = json.loads(
        runner.invoke(app, ["admin", "party", "create", "四川人民出版社", "--json"]).output
    )
    linked = runner.invoke(app, ["admin", "party", "add-key", party["party_id"], str(public)])
    assert linked.exit_code == 0, linked.output

    book = tmp_path / "book.txt"
    book.write_text("蜀道之难，难于上青天。", encoding="utf-8")
    registered = runner.invoke(
        app, ["register", str(book), "--title", "蜀道难", "--key", str(keystore)]
    )
    assert registered.exit_code == 0, registered.output
    verified = runner.invoke(app, ["verify", str(book)])
    assert f"登记人 registrant: 四川人民出版社 ({party['party_id']})" in verified.output
    as_json = json.loads(runner.invoke(app, ["verify", str(book), "--json"]).output)
    assert as_json[0]["party"]["public_name"] == "四川人民出版社"
