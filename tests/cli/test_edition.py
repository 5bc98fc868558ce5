"""banquan edition: a publisher and readers sign with their own keystores, against a real suite
on Anvil and both databases; a refusal exits 2 with its code and changes nothing."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from pypdf import PdfReader
from typer.testing import CliRunner

from cli.launcher import AnvilProcess
from cli.main import app
from registry.core.models import Edition, EditionGift
from registry.platform.runtime import Runtime
from tests.chain_client.conftest import ROLE_KEYS
from tests.cli.conftest import environment_runtime
from tests.cli.test_pledge import PASSWORD, keystore
from tests.registry.editions.test_service import COVER, _count, _reader, _work

runner = CliRunner()
OWNER = Account.from_key(ROLE_KEYS["owner"])
STRANGER = Account.from_key(ROLE_KEYS["buyer"])


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, anvil: AnvilProcess, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """The runtime the CLI builds from the environment (same data directory, same suite)."""
    with environment_runtime(
        tmp_path, database_url, anvil.rpc_url, monkeypatch, BANQUAN_KEYSTORE_PASSWORD=PASSWORD
    ) as built:
        yield built


def invoke(*args: str, code: int = 0) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == code, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def test_create_issue_show_gift(runtime: Runtime, tmp_path: Path) -> None:
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    terms = ["--title", "三体 数字藏书版", "--cover", COVER, "--size", "3"]
    refused = invoke(
        "edition", "create", number, "--key", keystore(tmp_path, STRANGER), *terms, code=2
    )
    assert refused["error"] == "not_edition_publisher"
    assert _count(runtime, Edition) == 0

    created = invoke(
        "edition", "create", number, "--key", keystore(tmp_path, OWNER), *terms,
        "--lock-after-issue-days", "0", "--price", "19.90",
    )  # fmt: skip
    assert (created["size"], created["price_cny"]) == (3, "¥19.90")
    edition = str(created["edition_id"])

    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(f"reader,copy_number\n{alice.party},1\n{bob.address},2\n", "utf-8")
    issued = invoke("edition", "issue", edition, str(catalogue), "--key", keystore(tmp_path, OWNER))
    assert issued["copies"] == 2
    assert invoke("edition", "show", edition)["issued"] == 2
    locked = invoke(
        "edition", "amend", edition, "--key", keystore(tmp_path, OWNER), "--cover", COVER,
        "--size", "5", code=2,
    )  # fmt: skip
    assert locked["error"] == "edition_terms_locked"
    assert invoke("edition", "show", edition)["size"] == 3

    gift = invoke(
        "edition", "gift", edition, "1", bob.party, "--key", keystore(tmp_path, alice.account)
    )
    assert gift["to_address"] == bob.address
    page = invoke("edition", "show", edition, "--copy", "1")
    assert page["label"] == "第 1 份，共 3 份 copy 1 of 3"
    assert page["holder"] == bob.address
    assert invoke("edition", "holders", edition, bob.party)["copies"] == [1, 2]

    locked = invoke(
        "edition", "gift", edition, "1", alice.party, "--key", keystore(tmp_path, bob.account),
        code=2,
    )  # fmt: skip
    assert locked["error"] == "copy_locked_up"
    assert _count(runtime, EditionGift) == 1

    out = tmp_path / "copy-1.pdf"
    written = invoke("edition", "certificate", edition, "1", "--out", str(out))
    assert written["written"] == str(out)
    text = str(PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text())
    assert "第 1 份，共 3 份" in text
    assert "读者（已实名 verified）" in text
    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="test", authority="moderator"
    )
    withdrawn = invoke(
        "edition", "certificate", edition, "2", "--out", str(tmp_path / "copy-2.pdf"), code=2
    )
    assert withdrawn["error"] == "edition_taken_down"
    assert not (tmp_path / "copy-2.pdf").exists()


def test_allow_list_and_claim(runtime: Runtime, tmp_path: Path) -> None:
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    created = invoke(
        "edition", "create", number, "--key", keystore(tmp_path, OWNER), "--title", "预约版",
        "--cover", COVER, "--size", "2",
    )  # fmt: skip
    edition = str(created["edition_id"])
    amended = invoke(
        "edition", "amend", edition, "--key", keystore(tmp_path, OWNER), "--cover", COVER,
        "--size", "3", "--price", "9.90",
    )  # fmt: skip
    assert (amended["size"], amended["price_cny"]) == (3, "¥9.90")
    catalogue = tmp_path / "allow.csv"
    catalogue.write_text(f"{alice.party},1\n{bob.party},2\n", "utf-8")
    posted = invoke(
        "edition", "allow-list", edition, str(catalogue), "--key", keystore(tmp_path, OWNER)
    )
    assert posted["batch"]["count"] == 2
    refused = invoke(
        "edition", "claim", edition, "2", "--key", keystore(tmp_path, alice.account), code=2
    )
    assert refused["error"] == "not_copy_holder"
    claimed = invoke("edition", "claim", edition, "1", "--key", keystore(tmp_path, alice.account))
    assert claimed["holder"] == alice.address
