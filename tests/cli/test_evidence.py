"""``banquan evidence`` writes the package; ``banquan verify-proof`` checks it offline and on
chain, naming the file or the signature that fails."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.settings import Settings
from registry.platform.runtime import build_runtime

runner = CliRunner()


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    return Settings()


def test_evidence_then_verify_proof_on_the_package(
    environment: Settings, tmp_path: Path, anvil: AnvilProcess
) -> None:
    book = tmp_path / "poem.txt"
    book.write_text("床前明月光，疑是地上霜。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    number = json.loads(
        runner.invoke(app, ["register", str(book), "--title", "静夜思", "--json"]).output
    )["number"]
    pending = runner.invoke(app, ["evidence", number, "-o", str(tmp_path / "p.zip")])
    assert pending.exit_code == 2
    assert "not_anchored_yet" in pending.output
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
    finally:
        runtime.close()

    package = tmp_path / "evidence.zip"
    written = runner.invoke(app, ["evidence", number, "-o", str(package)])
    assert written.exit_code == 0, written.output
    assert "含作品文件 work included" in written.output
    with zipfile.ZipFile(package) as archive:
        assert archive.read(f"work/{number}.bin") == book.read_bytes()
        key = archive.read("operator-key.pem")
    operator_key = tmp_path / "operator.pem"
    operator_key.write_bytes(key)

    with zipfile.ZipFile(package) as archive:
        anchor = json.loads(archive.read("proof-bundle.json"))["anchor"]
    pins = [  # as the registry publishes them: the dev deployment the package names
        "--anchor-contract", anchor["contract"],
        "--moderation-contract", anchor["moderation_contract"],
    ]  # fmt: skip
    checked = runner.invoke(
        app,
        ["verify-proof", str(package), "--rpc", anvil.rpc_url, "--json",
         "--operator-key", str(operator_key), *pins],
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.output)
    assert report["verdict"] == "valid"
    assert report["operator_signature"] is True
    assert report["on_chain"] is True
    assert report["file"] is True
    assert report[f"manifest_digest:work/{number}.bin"] is True

    text = runner.invoke(app, ["verify-proof", str(package)])
    assert text.exit_code == 0, text.output
    assert "proof valid" in text.output


def test_verify_proof_names_the_changed_file_and_the_missing_one(
    environment: Settings, tmp_path: Path
) -> None:
    book = tmp_path / "poem.txt"
    book.write_text("举头望明月，低头思故乡。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    number = json.loads(
        runner.invoke(app, ["register", str(book), "--title", "静夜思", "--json"]).output
    )["number"]
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
    finally:
        runtime.close()
    package = tmp_path / "evidence.zip"
    assert runner.invoke(app, ["evidence", number, "-o", str(package)]).exit_code == 0
    data = package.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}

    tampered = bytearray(data)
    tampered[data.index(files["statement.txt"]) + 40] ^= 0x01
    (tmp_path / "tampered.zip").write_bytes(bytes(tampered))
    failed = runner.invoke(app, ["verify-proof", str(tmp_path / "tampered.zip"), "--json"])
    assert failed.exit_code == 3, failed.output
    report = json.loads(failed.output)
    assert report["manifest_digest:statement.txt"] is False
    assert report["operator_signature"] is True

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            if name != "registrant.json":
                archive.writestr(name, content)
    (tmp_path / "missing.zip").write_bytes(out.getvalue())
    missing = runner.invoke(app, ["verify-proof", str(tmp_path / "missing.zip")])
    assert missing.exit_code == 3, missing.output
    assert "manifest_file:registrant.json" in missing.output
    assert "registrant.json is listed but missing" in missing.output

    other = tmp_path / "other.txt"
    other.write_text("不是这首诗", encoding="utf-8")
    wrong_file = runner.invoke(app, ["verify-proof", str(package), "--file", str(other), "--json"])
    assert wrong_file.exit_code == 3, wrong_file.output
    assert json.loads(wrong_file.output)["file"] is False
    right_file = runner.invoke(app, ["verify-proof", str(package), "--file", str(book), "--json"])
    assert right_file.exit_code == 0, right_file.output
