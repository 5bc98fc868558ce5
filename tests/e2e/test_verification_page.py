"""The public verification page in a real headless Chromium: Chinese first with an English switch,
a file hashed and its proof checked in the browser against the chain, a registration number from a
certificate's QR code, an unknown file, a tampered proof."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from cli.launcher import AnvilProcess
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import build_runtime
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
# The checks of an unsigned (banquan.claim/1) registration: no signature to check.
CHECKS = ["file", "metadata", "leaf", "merkle_path", "on_chain"]
HAN = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


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


def switch_language(page: Page) -> None:
    page.click("#lang-toggle")


def checks_of(page: Page, number: str) -> dict[str, str]:
    """Each check's state (passed, failed, skipped) once the page has made them all."""
    section = f'[data-number="{number}"] .checks-section'
    page.wait_for_selector(
        f'{section}[data-state="passed"], {section}[data-state="failed"]', timeout=20_000
    )
    states: dict[str, str] = page.eval_on_selector_all(
        f"{section} [data-check]",
        "items => Object.fromEntries(items.map(i => [i.dataset.check, i.dataset.state]))",
    )
    return states


def words_outside_data(page: Page) -> str:
    """The page's own words: everything shown but data (titles, digests, reasons) and the text
    deliberately in the other language (a right's statutory Chinese name, the language switch)."""
    text: str = page.evaluate(
        """() => {
            const body = document.body.cloneNode(true);
            body.querySelectorAll('.data, [lang], input').forEach(e => e.remove());
            const placeholders = [...document.querySelectorAll('[placeholder]')]
                .map(e => e.placeholder);
            return [document.title, body.textContent, ...placeholders].join(' ');
        }"""
    )
    return text


def register(url: str, auth: dict[str, str], name: str, content: bytes, title: str) -> str:
    answer = httpx.post(
        f"{url}/v1/works",
        files={"file": (name, content)},
        data={"metadata": json.dumps({"title": title, "authors": ["吴承恩"]})},
        headers=auth,
    )
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["number"]
    return number


def anchored(url: str, number: str) -> None:
    wait_until(lambda: httpx.get(f"{url}/v1/works/{number}").json()["status"] == "anchored")


@pytest.mark.slow
def test_page_verifies_a_file_in_the_browser_and_a_number(
    site: tuple[str, dict[str, str]], browser: Browser, tmp_path: Path, anvil: AnvilProcess
) -> None:
    url, auth = site
    book = tmp_path / "西游记.txt"
    book.write_text("第一回 灵根育孕源流出 心性修持大道生", encoding="utf-8")
    number = register(url, auth, book.name, book.read_bytes(), "西游记")
    anchored(url, number)

    page = browser.new_page()
    posts: list[tuple[str, str]] = []

    def keep_post(request: Request) -> None:
        if request.method == "POST":
            posts.append((request.url, request.post_data or ""))

    page.on("request", keep_post)
    page.goto(url)
    switch_language(page)
    page.set_input_files("#file", str(book))
    assert "anchored on chain" in verdict(page)
    assert number in page.inner_text("#result")
    assert checks_of(page, number) == dict.fromkeys(CHECKS, "passed")
    # The file never leaves the browser: the only requests sent with a body are JSON-RPC reads
    # of the chain node, and none carries the file.
    assert posts, "the proof was checked against the chain node"
    for target, body in posts:
        assert target.rstrip("/") == anvil.rpc_url.rstrip("/"), target
        assert json.loads(body)["method"] in {"eth_chainId", "eth_call"}
        assert book.read_text(encoding="utf-8") not in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "verification-page.png"), full_page=True)

    page.goto(f"{url}/?number={number}")  # what a certificate's QR code opens
    assert "anchored on chain" in verdict(page)  # English remembered
    assert "西游记" in page.inner_text("#result")
    assert checks_of(page, number) == {**dict.fromkeys(CHECKS, "passed"), "file": "skipped"}
    summary = page.inner_text(f'[data-number="{number}"] .checks-summary')
    assert summary == "Every check made passed; not checked: File digests."

    # A chain node that cannot be reached leaves the chain unchecked; it fails nothing.
    page.route(lambda target: target.startswith(anvil.rpc_url), lambda route: route.abort())
    page.reload()
    assert checks_of(page, number) == {
        **dict.fromkeys(CHECKS, "passed"),
        "file": "skipped",
        "on_chain": "skipped",
    }
    assert "could not be read" in page.inner_text(
        f'[data-number="{number}"] [data-check="on_chain"]'
    )
    page.unroute_all()

    stranger = tmp_path / "stranger.txt"
    stranger.write_text("not registered anywhere", encoding="utf-8")
    page.goto(url)
    page.set_input_files("#file", str(stranger))
    assert "Not registered" in verdict(page)
    page.close()


@pytest.mark.slow
def test_page_is_chinese_first_and_switches_every_string_to_english(
    site: tuple[str, dict[str, str]], browser: Browser, tmp_path: Path
) -> None:
    url, auth = site
    book = tmp_path / "红楼梦.txt"
    book.write_text("满纸荒唐言，一把辛酸泪", encoding="utf-8")
    number = register(url, auth, book.name, book.read_bytes(), "红楼梦")
    anchored(url, number)

    page = browser.new_page()
    errors: list[str] = []  # a script error, or anything the CSP blocked, is reported here
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.goto(url)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("h1").startswith("banquan 版权登记")
    page.set_input_files("#file", str(book))
    assert verdict(page) == "已登记，并已锚定在区块链上"
    assert checks_of(page, number) == dict.fromkeys(CHECKS, "passed")
    card = page.inner_text(f'[data-number="{number}"]')
    for words in ("登记人密钥", "北京时间（UTC+8）", "复制权", "信息网络传播权", "全部核验通过"):
        assert words in card, words

    switch_language(page)
    assert page.get_attribute("html", "lang") == "en"
    assert verdict(page) == "Registered and anchored on chain"
    card = page.inner_text(f'[data-number="{number}"]')
    for words in ("Registrant key", "Beijing time (UTC+8)", "right of reproduction"):
        assert words in card, words
    leftover = HAN.findall(words_outside_data(page))
    assert not leftover, f"Chinese words left in the English page: {leftover}"

    page.reload()  # the choice is remembered
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#lang-toggle") == "中文"
    switch_language(page)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert errors == []
    page.close()


@pytest.mark.slow
def test_page_shows_which_check_a_tampered_proof_fails(
    tmp_path: Path, anvil: AnvilProcess, browser: Browser
) -> None:
    database = f"sqlite:///{tmp_path / 'page.db'}"
    runtime = build_runtime(make_settings(tmp_path / "data", database, anvil.rpc_url))
    migrate(runtime.engine)
    # Registered before the worker runs: one batch, so every proof has a path to tamper with.
    contents = [f"第{n}卷".encode() * 10 for n in range(3)]
    numbers = [
        runtime.registrar.register(io.BytesIO(content), WorkMetadata(title=f"卷{n}")).number
        for n, content in enumerate(contents)
    ]
    with serving(runtime) as (url, _):
        for number in numbers:
            anchored(url, number)
        bundle = httpx.get(f"{url}/v1/works/{numbers[0]}/proof").json()
        assert bundle["proof"], "a batch of three has a Merkle path"

        def tamper(route: Route) -> None:
            original = route.fetch().json()
            first = original["proof"][0]
            original["proof"][0] = first[:-1] + ("0" if first[-1] != "0" else "1")
            route.fulfill(json=original)

        page = browser.new_page()
        page.route("**/v1/works/*/proof", tamper)
        page.goto(f"{url}/?number={numbers[0]}")
        states = checks_of(page, numbers[0])
        assert states == {
            "file": "skipped",
            "metadata": "passed",
            "leaf": "passed",
            "merkle_path": "failed",
            "on_chain": "failed",
        }
        section = page.inner_text(f'[data-number="{numbers[0]}"] .checks-section')
        assert "有核验未通过：Merkle 路径、链上锚定" in section
        assert "证明路径不能从叶子通向批次根" in section
        assert "合约不认可这个叶子与证明路径" in section

        page.unroute("**/v1/works/*/proof")
        page.reload()
        assert checks_of(page, numbers[0]) == {**dict.fromkeys(CHECKS, "passed"), "file": "skipped"}
        page.close()
    runtime.close()
