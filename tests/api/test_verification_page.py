"""The verification page as served: its settings embedded, its script and styles, and a Content
Security Policy that runs scripts from the page's own origin only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.verification_page import content_security_policy, page_config
from chain_client.deployment import DeploymentRecord, save_record
from chain_client.suite import SuiteAddresses
from registry.core.settings import Settings
from registry.platform.runtime import build_runtime
from tests.conftest import make_settings

RPC = "http://127.0.0.1:8545"
ADDRESSES = SuiteAddresses(
    registry_anchor="0x5FbDB2315678afecb367f032d93F642f64180aa3",
    moderation="0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
    rights_asset="0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    pledges="0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
    licences="0xDc64a140Aa3E981100a9becA4E685f962f0cF6C9",
    encumbrances="0x5FC8d32690cc91D4c39d9d3abcBD16989F875707",
)


def serve(settings: Settings) -> Iterator[TestClient]:
    runtime = build_runtime(settings)
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        yield client
    runtime.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from serve(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'p.db'}", RPC))


def embedded_config(html: str) -> dict[str, object]:
    found = re.search(r'<script id="page-config" type="application/json">(.*?)</script>', html)
    assert found is not None
    config: dict[str, object] = json.loads(found.group(1))
    return config


def test_page_is_served_with_a_policy_that_runs_only_its_own_script(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy
    assert "default-src 'none'" in policy
    assert f"connect-src 'self' {RPC};" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="/verify.js" defer></script>' in page.text
    # No script written in the page itself: the only inline <script> holds JSON data.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page.text)
    assert inline == [' id="page-config" type="application/json"']
    assert '<html lang="zh-CN">' in page.text


def test_script_and_styles_are_the_packaged_files(client: TestClient) -> None:
    static = resources.files("api") / "static"
    script = client.get("/verify.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.content == (static / "verify.js").read_bytes()
    styles = client.get("/verify.css")
    assert styles.headers["content-type"].startswith("text/css")
    assert styles.content == (static / "verify.css").read_bytes()
    # Revalidated on every page view; unchanged, it is not sent again.
    assert script.headers["cache-control"] == "no-cache"
    again = client.get("/verify.js", headers={"If-None-Match": script.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert client.get("/verify.js", headers={"If-None-Match": '"other"'}).status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/verify.js", "/verify.css"} & set(paths)


def test_dev_page_reads_the_chain_rpc_and_the_remembered_contracts(
    client: TestClient, tmp_path: Path
) -> None:
    assert embedded_config(client.get("/").text) == {
        "rpc_url": RPC,
        "registry_anchor": None,
        "moderation": None,
        "rights_asset": None,
        "licences": None,
        "encumbrances": None,
    }
    # Contracts deployed after the app started are on the next page served.
    record = DeploymentRecord(31337, ADDRESSES.registry_anchor, suite=ADDRESSES)
    save_record(tmp_path / "data" / "deployment.json", record)
    assert embedded_config(client.get("/").text) == {
        "rpc_url": RPC,
        "registry_anchor": ADDRESSES.registry_anchor,
        "moderation": ADDRESSES.moderation,
        "rights_asset": ADDRESSES.rights_asset,
        "licences": ADDRESSES.licences,
        "encumbrances": ADDRESSES.encumbrances,
    }


def production(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(
        mode="production",
        data_dir=tmp_path / "data",
        chain_rpc_url="http://10.0.0.5:8545",
        chain_private_key="0x" + "11" * 32,
        master_key="22" * 32,
        anchor_address=ADDRESSES.registry_anchor,
        moderation_address=ADDRESSES.moderation,
        rights_asset_address=ADDRESSES.rights_asset,
        pledges_address=ADDRESSES.pledges,
        licences_address=ADDRESSES.licences,
        encumbrances_address=ADDRESSES.encumbrances,
        **overrides,  # type: ignore[arg-type]
    )


def test_production_page_reads_only_a_public_node(tmp_path: Path) -> None:
    # The registry's own node is not handed to browsers outside dev mode.
    assert page_config(production(tmp_path))["rpc_url"] is None
    assert content_security_policy(None).count("connect-src 'self';") == 1
    public = page_config(production(tmp_path, public_rpc_url="https://rpc.chain.example/v1"))
    assert public == {
        "rpc_url": "https://rpc.chain.example/v1",
        "registry_anchor": ADDRESSES.registry_anchor,
        "moderation": ADDRESSES.moderation,
        "rights_asset": ADDRESSES.rights_asset,
        "licences": ADDRESSES.licences,
        "encumbrances": ADDRESSES.encumbrances,
    }
    policy = content_security_policy("https://rpc.chain.example/v1")
    assert "connect-src 'self' https://rpc.chain.example;" in policy


def test_a_setting_cannot_end_the_config_element(tmp_path: Path) -> None:
    hostile = 'http://x/"</script><script>alert(1)</script>'
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'p.db'}", RPC, public_rpc_url=hostile
    )
    for client in serve(settings):
        page = client.get("/")
        assert "<script>alert" not in page.text
        assert embedded_config(page.text)["rpc_url"] == hostile
        assert "connect-src 'self' http://x;" in page.headers["content-security-policy"]
    # Nor widen the policy.
    policy = content_security_policy("http://node:8545;script-src *")
    assert "connect-src 'self';" in policy
    assert "*" not in policy
    assert "connect-src 'self' http://[::1]:8545;" in content_security_policy("http://[::1]:8545/")
