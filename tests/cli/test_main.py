"""The banquan command line against a real database and Anvil."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.models import Work
from registry.core.settings import Settings
from registry.platform.runtime import build_runtime
from tests.conftest import free_port

runner = CliRunner()


@pytest.fixture
def environment(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BANQUAN_DATABASE_URL", database_url)
    monkeypatch.setenv("BANQUAN_CHAIN_RPC_URL", anvil.rpc_url)
    return Settings()


def test_register_then_verify_a_file(environment: Settings, tmp_path: Path) -> None:
    book = tmp_path / "book.txt"
    book.write_text("春眠不觉晓，处处闻啼鸟。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0

    registered = runner.invoke(
        app, ["register", str(book), "--title", "春晓", "--author", "孟浩然"]
    )
    assert registered.exit_code == 0, registered.output
    assert "registered BQ-" in registered.output
    assert "(pending, claim unsigned)" in registered.output
    assert "待上链" in registered.output  # the status and the claim, in words
    assert "未签名：声明不含登记人身份" in registered.output

    pending = runner.invoke(app, ["verify", str(book)])
    assert pending.exit_code == 0
    assert "未上链，无证明 none: not anchored" in pending.output
    # verify says the status and the kind of claim in words too, zh-CN with English.
    assert "待上链：已登记，等待锚定 / waiting for its batch to be anchored" in pending.output
    assert "未签名：声明不含登记人身份 / unsigned: the claim names no registrant" in pending.output

    runtime = build_runtime(environment)
    assert runtime.new_batcher().run_once().anchored == 1
    runtime.close()

    anchored = runner.invoke(app, ["verify", str(book)])
    assert anchored.exit_code == 0, anchored.output
    assert "证明有效 proof valid: 是 yes" in anchored.output
    assert "chain True" in anchored.output
    assert "已上链：默克尔根已在链上" in anchored.output


def test_verify_and_verify_proof_tell_of_a_takedown_until_restored(
    environment: Settings, tmp_path: Path, anvil: AnvilProcess
) -> None:
    book = tmp_path / "book.txt"
    book.write_text("白日依山尽，黄河入海流。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    registered = runner.invoke(app, ["register", str(book), "--title", "登鹳雀楼", "--json"])
    number = json.loads(registered.output)["number"]
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
        bundle = tmp_path / "proof.json"
        assert runner.invoke(app, ["proof", number, "-o", str(bundle)]).exit_code == 0
        taken = runtime.moderation.take_down(
            number, reason="权利人投诉", actor="mod-key", authority="moderator"
        )

        verified = runner.invoke(app, ["verify", str(book)])
        assert verified.exit_code == 0, verified.output  # the proof is valid; the work is down
        assert "已下架 taken down: 由审核员 the moderator" in verified.output
        assert taken.freeze_tx in verified.output
        pins = pinned(bundle)
        checked = runner.invoke(app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, *pins])
        assert checked.exit_code == 0, checked.output
        assert "proof valid" in checked.output
        assert "已下架 taken down" in checked.output
        as_json = runner.invoke(
            app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, *pins, "--json"]
        )
        assert json.loads(as_json.output)["taken_down"] is True

        runtime.moderation.restore(number, reason="和解", actor="mod-key", authority="moderator")
        assert "taken down" not in runner.invoke(app, ["verify", str(book)]).output
        restored = runner.invoke(app, ["verify-proof", str(bundle), "--rpc", anvil.rpc_url, *pins])
        assert restored.exit_code == 0
        assert "taken down" not in restored.output
    finally:
        runtime.close()


def registered(tmp_path: Path, text: str, title: str) -> tuple[Path, str]:
    """A book registered from the command line (the database migrated first), and its number."""
    book = tmp_path / "book.txt"
    book.write_text(text, encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    answer = runner.invoke(app, ["register", str(book), "--title", title, "--json"])
    return book, str(json.loads(answer.output)["number"])


def test_verify_says_a_root_revoked_on_chain_and_a_rejected_registration(
    environment: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revocation made on chain alone (a regulator's revokeRoot) is told, and fails the
    check; a registration the hooks rejected is never said to be on its way to the chain."""
    book, number = registered(tmp_path, "欲穷千里目，更上一层楼。", "登鹳雀楼")
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
        anchor = runtime.proofs.registration(number).anchor
        assert anchor is not None
        runtime.regulator_anchor_client().revoke_root(bytes.fromhex(anchor.root), b"\x01" * 32)
        runtime.moderation.block(
            algorithm="sha256", value=hashlib.sha256(b"pirated").hexdigest(), reason="盗版",
            added_by=None,
        )  # fmt: skip
    finally:
        runtime.close()
    verified = runner.invoke(app, ["verify", str(book)])
    assert verified.exit_code == 3, verified.output
    assert "已撤销 revoked: 链上已撤销此登记或其批次根" in verified.output

    pirated = tmp_path / "pirated.txt"
    pirated.write_bytes(b"pirated")
    monkeypatch.setenv("BANQUAN_MODERATION_HOOKS", '["blocklist"]')
    rejected = runner.invoke(app, ["register", str(pirated), "--title", "盗版"])
    assert rejected.exit_code == 0, rejected.output
    shown = runner.invoke(app, ["verify", str(pirated)])
    # Recorded and shown, but a rejected registration registers nothing: exit 1, as the API's
    # `registered: false`, with what it is on its first line.
    assert shown.exit_code == 1, shown.output
    assert shown.output.startswith("已驳回，未登记 rejected, not registered ")
    assert "已登记 registered" not in shown.output
    assert "上链 anchored:  否 no (见状态 see the status)" in shown.output
    assert "已驳回：不会上链" in shown.output
    assert "待上链" not in shown.output


def test_verify_fails_a_revoked_registration_without_a_chain_to_read(
    environment: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Revoked as the registry recorded it, a registration fails ``verify`` (exit 3) even when
    the chain cannot be read to confirm it, as it does when the chain is read."""
    book, number = registered(tmp_path, "床前明月光，疑是地上霜。", "静夜思")
    runtime = build_runtime(environment)
    try:
        assert runtime.new_batcher().run_once().anchored == 1
        runtime.moderation.revoke_registration(
            number, reason="伪造材料 forged", actor="regulator-key", authority="regulator"
        )
    finally:
        runtime.close()
    read = runner.invoke(app, ["verify", str(book)])
    assert read.exit_code == 3, read.output
    # The same database, from a data directory that knows no deployment: no anchor to read.
    monkeypatch.setenv("BANQUAN_DATA_DIR", str(tmp_path / "elsewhere"))
    unread = runner.invoke(app, ["verify", str(book)])
    assert unread.exit_code == 3, unread.output
    assert "已撤销 revoked" in unread.output


def test_verify_of_an_unregistered_file_exits_1(environment: Settings, tmp_path: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    stranger = tmp_path / "stranger.txt"
    stranger.write_bytes(b"never registered")
    result = runner.invoke(app, ["verify", str(stranger)])
    assert result.exit_code == 1
    assert "未登记 not registered" in result.output


def test_register_of_an_empty_file_fails_with_its_code(
    environment: Settings, tmp_path: Path
) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    empty = tmp_path / "empty.txt"
    empty.touch()
    result = runner.invoke(app, ["register", str(empty), "--title", "空"])
    assert result.exit_code == 2
    assert "empty_file" in result.output


def wait_for_health(
    url: str, process: subprocess.Popen[bytes], timeout: float = 60
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "banquan run exited early"
        try:
            response = httpx.get(url, timeout=1)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("banquan run did not come up")


@pytest.mark.slow
def test_run_starts_the_stack_stops_on_ctrl_c_and_keeps_data(tmp_path: Path) -> None:
    api_port, anvil_port = free_port(), free_port()
    env = {
        **os.environ,
        "BANQUAN_DATA_DIR": str(tmp_path / "data"),
        "BANQUAN_API_PORT": str(api_port),
        "BANQUAN_ANVIL_PORT": str(anvil_port),
    }
    env.pop("BANQUAN_DATABASE_URL", None)
    base = f"http://127.0.0.1:{api_port}"
    command = [sys.executable, "-m", "cli", "run"]

    first = subprocess.Popen(command, env=env, cwd=tmp_path)
    try:
        wait_for_health(f"{base}/health", first)
        key = (tmp_path / "data" / "dev-api-key").read_text().strip()
        assert httpx.post(f"{base}/v1/works", files={"file": ("a.txt", b"x")}).status_code == 401
        response = httpx.post(
            f"{base}/v1/works",
            files={"file": ("a.txt", b"kept across restarts")},
            data={"metadata": '{"title": "kept"}'},
            headers={"Authorization": f"Bearer {key}"},
        )
        number = response.json()["number"]
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/v1/works/{number}").json()["status"] != "anchored":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        anchored = httpx.get(f"{base}/v1/works/{number}").json()
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(60) == 0
    assert (tmp_path / "data" / "anvil-state.json").is_file()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{anvil_port}", timeout=1)

    second = subprocess.Popen(command, env=env, cwd=tmp_path)
    try:
        wait_for_health(f"{base}/health", second)
        again = httpx.get(f"{base}/v1/works/{number}").json()
        assert again["status"] == "anchored"
        # Same contract, same transaction; its confirmation may have come in between.
        placed = {key: value for key, value in anchored["anchor"].items() if key != "confirmed"}
        assert {
            key: value for key, value in again["anchor"].items() if key != "confirmed"
        } == placed
        assert placed["tx_hash"] is not None
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(60) == 0


@pytest.mark.parametrize("algorithm", ["sm2", "secp256k1"])
def test_register_with_a_keystore_signs_the_claim_client_side(
    environment: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, algorithm: str
) -> None:
    monkeypatch.setenv("BANQUAN_KEYSTORE_PASSWORD", "correct horse 电池 staple")
    keystore = tmp_path / "publisher.json"
    created = runner.invoke(
        app, ["keys", "new", str(keystore), "--algorithm", algorithm, "--scrypt-n", "1024"]
    )
    assert created.exit_code == 0, created.output
    book = tmp_path / "book.txt"
    book.write_text("床前明月光，疑是地上霜。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "register",
            str(book),
            "--title",
            "静夜思",
            "--key",
            str(keystore),
            "--right",
            "reproduction",
            "--right",
            "information_network",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "claim client" in result.output


def test_private_work_can_be_read_back_and_published(environment: Settings, tmp_path: Path) -> None:
    book = tmp_path / "draft.txt"
    book.write_bytes("草稿".encode() * 1000)
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    registered = runner.invoke(app, ["register", str(book), "--title", "草稿"])
    number = registered.output.split()[1]
    out = tmp_path / "out.txt"
    assert runner.invoke(app, ["content", number, "-o", str(out)]).exit_code == 0
    assert out.read_bytes() == book.read_bytes()
    published = runner.invoke(app, ["publish", number])
    assert published.exit_code == 0, published.output
    assert f"{number} published at" in published.output
    missing = runner.invoke(app, ["publish", "BQ-2026-99999999"])
    assert missing.exit_code == 2
    assert "registration_not_found" in missing.output


def anchored_bundle(environment: Settings, tmp_path: Path) -> tuple[Path, Path]:
    """A book registered and anchored through the command line, and its proof bundle file."""
    book = tmp_path / "book.txt"
    book.write_text("白日依山尽，黄河入海流。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    number = runner.invoke(app, ["register", str(book), "--title", "登鹳雀楼"]).output.split()[1]
    runtime = build_runtime(environment)
    runtime.new_batcher().run_once()
    runtime.close()
    bundle = tmp_path / "proof.json"
    assert runner.invoke(app, ["proof", number, "-o", str(bundle)]).exit_code == 0
    return book, bundle


def pinned(bundle: Path) -> list[str]:
    """The options pinning the registry's contracts, as it publishes them (here the dev
    deployment the bundle came from, so the bundle's own addresses are the published ones)."""
    anchor = json.loads(bundle.read_text(encoding="utf-8"))["anchor"]
    return [
        "--anchor-contract", anchor["contract"],
        "--moderation-contract", anchor["moderation_contract"],
    ]  # fmt: skip


def checks_marked(output: str, mark: str) -> list[str]:
    """The checks ``verify-proof`` printed with ``mark`` (FAILED, UNCHECKED, ok)."""
    return [line.split()[0] for line in output.splitlines() if line.endswith(mark)]


def test_proof_bundle_is_checked_offline_and_on_chain(
    environment: Settings, tmp_path: Path, anvil: AnvilProcess
) -> None:
    book, bundle = anchored_bundle(environment, tmp_path)

    command = ["verify-proof", str(bundle), "--file", str(book), "--rpc", anvil.rpc_url]
    checked = runner.invoke(app, [*command, *pinned(bundle)])
    assert checked.exit_code == 0, checked.output
    assert "proof valid" in checked.output
    as_json = runner.invoke(app, [*command, *pinned(bundle), "--json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert (report["verdict"], report["ok"], report["on_chain"]) == ("valid", True, True)

    other = tmp_path / "other.txt"
    other.write_text("欲穷千里目", encoding="utf-8")
    mismatch = runner.invoke(app, ["verify-proof", str(bundle), "--file", str(other)])
    assert mismatch.exit_code == 3
    failed = [line.split()[0] for line in mismatch.output.splitlines() if line.endswith("FAILED")]
    assert failed == ["file"]
    assert "proof INVALID" in mismatch.output
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"v": "something else"}', encoding="utf-8")
    refused = runner.invoke(app, ["verify-proof", str(garbage)])
    assert refused.exit_code == 2
    assert "invalid_proof_bundle" in refused.output
    assert "not a banquan.proof/1 or banquan.proof/2 document" in refused.output


def test_verify_proof_could_not_check_when_the_node_is_unreachable(
    environment: Settings, tmp_path: Path
) -> None:
    book, bundle = anchored_bundle(environment, tmp_path)
    rpc = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    command = ["verify-proof", str(bundle), "--file", str(book), "--rpc", rpc]

    result = runner.invoke(app, command)
    assert result.exit_code == 4, result.output
    assert checks_marked(result.output, "UNCHECKED") == ["on_chain"]
    assert checks_marked(result.output, "FAILED") == []
    assert checks_marked(result.output, "ok") == [
        "claim", "leaf", "merkle_path", "file", "registered_at"
    ]  # fmt: skip
    assert f"proof NOT CHECKED: on_chain 无法核验 could not be checked (chain RPC {rpc})" in (
        result.output
    )
    assert "proof valid" not in result.output
    assert "INVALID" not in result.output

    as_json = runner.invoke(app, [*command, "--json"])
    assert as_json.exit_code == 4, as_json.output
    report = json.loads(as_json.output)
    assert (report["verdict"], report["ok"], report["file"]) == ("unchecked", False, True)
    on_chain = report["on_chain"]
    assert (on_chain["state"], on_chain["source"]) == ("unchecked", f"chain RPC {rpc}")
    assert "unreachable" in on_chain["reason"]


def test_verify_proof_of_a_tampered_bundle_is_invalid_whatever_the_node(
    environment: Settings, tmp_path: Path
) -> None:
    _, bundle = anchored_bundle(environment, tmp_path)
    tampered = json.loads(bundle.read_text(encoding="utf-8"))
    tampered["leaf"] = ("1" if tampered["leaf"][0] != "1" else "2") + tampered["leaf"][1:]
    bundle.write_text(json.dumps(tampered), encoding="utf-8")
    rpc = f"http://127.0.0.1:{free_port()}"

    result = runner.invoke(app, ["verify-proof", str(bundle), "--rpc", rpc])
    assert result.exit_code == 3, result.output
    assert checks_marked(result.output, "FAILED") == ["leaf", "merkle_path"]
    assert checks_marked(result.output, "UNCHECKED") == ["on_chain"]
    assert "证明无效 proof INVALID: leaf, merkle_path 未通过 failed" in result.output


def test_verify_proof_help_names_every_check_and_exit_status() -> None:
    result = runner.invoke(app, ["verify-proof", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert ", ," not in text
    assert ", ." not in text
    for named in ("timestamp", "--file", "--rpc", "--tsa-cert", "4 not checked"):
        assert named in text, named


def test_register_a_directory_is_resumable_and_summarised(
    environment: Settings, tmp_path: Path
) -> None:
    shelf = tmp_path / "shelf"
    (shelf / "唐诗").mkdir(parents=True)
    (shelf / "静夜思.txt").write_text("床前明月光，疑是地上霜。", encoding="utf-8")
    (shelf / "唐诗" / "春晓.txt").write_text("春眠不觉晓，处处闻啼鸟。", encoding="utf-8")
    (shelf / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: skipped
    (shelf / "空.txt").write_bytes(b"")  # refused: the others go on

    assert runner.invoke(app, ["migrate"]).exit_code == 0
    first = runner.invoke(app, ["register", str(shelf), "--author", "李白", "--json"])
    assert first.exit_code == 3, first.output
    lines = [json.loads(line) for line in first.output.splitlines()]
    outcomes = {Path(line["file"]).name: (line["outcome"], line["error"]) for line in lines}
    assert outcomes == {
        "春晓.txt": ("registered", None),
        "静夜思.txt": ("registered", None),
        "空.txt": ("failed", "empty_file"),
    }

    (shelf / "空.txt").unlink()
    again = runner.invoke(app, ["register", str(shelf), "--author", "李白"])
    assert again.exit_code == 0, again.output
    assert "2 already registered" in again.output
    runtime = build_runtime(environment)
    try:
        with runtime.sessions() as session:
            titles = sorted(session.scalars(select(Work.title)))
    finally:
        runtime.close()
    assert titles == ["春晓", "静夜思"]


def test_register_refuses_one_title_for_many_files(environment: Settings, tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(name)
    result = runner.invoke(
        app, ["register", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--title", "同名"]
    )
    assert result.exit_code == 2
    assert "--title" in result.output


def test_register_one_file_as_json(environment: Settings, tmp_path: Path) -> None:
    book = tmp_path / "登鹳雀楼.txt"
    book.write_text("白日依山尽，黄河入海流。", encoding="utf-8")
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    result = runner.invoke(app, ["register", str(book), "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["title"], answer["status"]) == ("登鹳雀楼", "pending")
    assert answer["number"].startswith("BQ-")


def test_help_names_the_values_it_imports_only_to_show_them() -> None:
    from registry.core.rights import ALL_RIGHT_NAMES, MORAL_RIGHT_NAMES, PROPERTY_RIGHT_NAMES
    from registry.moderation import MAX_DISTANCE

    register = " ".join(runner.invoke(app, ["register", "--help"]).output.split())
    licence = " ".join(runner.invoke(app, ["asset", "licence", "--help"]).output.split())
    similar = " ".join(runner.invoke(app, ["similar", "--help"]).output.split())
    for name in ALL_RIGHT_NAMES:
        assert name in register, name
    for name in PROPERTY_RIGHT_NAMES:
        assert name in licence, name
    for name in MORAL_RIGHT_NAMES:  # moral rights are never licensed
        assert name not in licence, name
    assert "{rights}" not in register + licence
    assert f"0–{MAX_DISTANCE}" in similar


HEAVY = ("web3", "eth_account", "sqlalchemy", "registry.platform", "reportlab", "uvicorn", "httpx")


def test_the_command_line_starts_without_the_registry_behind_it() -> None:
    """`banquan --help` (and typer building every command) imports none of what the commands
    use: each imports it when it runs. Start-up times are measured by bench/cli_startup.py."""
    probe = (
        "import sys\n"
        "from cli.main import app\n"
        "from typer.main import get_command\n"
        "get_command(app)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert imported == ""
