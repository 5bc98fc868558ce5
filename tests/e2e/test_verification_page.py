"""The public verification page in a real headless Chromium: a file hashed in the browser, a
registration number from a certificate's QR code, an unknown file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from cli.launcher import AnvilProcess
from registry.database import migrate
from registry.runtime import build_runtime
from tests.conftest import make_settings
from tests.e2e.conftest import serving, wait_until

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is installed by `make install` (Debian's chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(tmp_path: Path, anvil: AnvilProcess) -> Iterator[tuple[str, dict[str, str]]]:
    database = f"sqlite:///{tmp_path / 'page.db'}"
    runtime = build_runtime(make_settings(tmp_path / "data", database, anvil.rpc_url))
    migrate(runtime.engine)
    with serving(runtime) as served:
        yield served
    runtime.close()


def verdict(page: Page) -> str:
    page.wait_for_selector("#verdict", timeout=15_000)
    return page.inner_text("#verdict")


@pytest.mark.slow
def test_page_verifies_a_file_in_the_browser_and_a_number(
    site: tuple[str, dict[str, str]], browser: Browser, tmp_path: Path
) -> None:
    url, auth = site
    book = tmp_path / "西游记.txt"
    book.write_text("第一回 灵根育孕源流出 心性修持大道生", encoding="utf-8")
    number = httpx.post(
        f"{url}/v1/works",
        files={"file": (book.name, book.read_bytes())},
        data={"metadata": json.dumps({"title": "西游记", "authors": ["吴承恩"]})},
        headers=auth,
    ).json()["number"]
    wait_until(lambda: httpx.get(f"{url}/v1/works/{number}").json()["status"] == "anchored")

    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.method + " " + request.url))
    page.goto(url)
    page.set_input_files("#file", str(book))
    assert "anchored on chain" in verdict(page)
    assert number in page.inner_text("#result")
    assert not any(r.startswith("POST") for r in requests), "the file must never be uploaded"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "verification-page.png"), full_page=True)

    page.goto(f"{url}/?number={number}")  # what a certificate's QR code opens
    assert "anchored on chain" in verdict(page)
    assert "西游记" in page.inner_text("#result")

    stranger = tmp_path / "stranger.txt"
    stranger.write_text("not registered anywhere", encoding="utf-8")
    page.goto(url)
    page.set_input_files("#file", str(stranger))
    assert "Not registered" in verdict(page)
    page.close()
