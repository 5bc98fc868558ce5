"""The public verification page shows a takedown (real headless Chromium, real chain)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from cli.launcher import AnvilProcess
from registry.core.database import migrate
from registry.platform.runtime import Runtime, build_runtime
from tests.conftest import bearer, make_settings
from tests.e2e.conftest import serving, wait_until
from tests.e2e.test_verification_page import (  # noqa: F401 (fixture)
    browser,
    switch_language,
    verdict,
)


@pytest.fixture
def site(tmp_path: Path, anvil: AnvilProcess) -> Iterator[tuple[str, dict[str, str], Runtime]]:
    database = f"sqlite:///{tmp_path / 'page.db'}"
    runtime = build_runtime(make_settings(tmp_path / "data", database, anvil.rpc_url))
    migrate(runtime.engine)
    with serving(runtime) as (url, auth):
        yield url, auth, runtime
    runtime.close()


@pytest.mark.slow
def test_page_shows_a_takedown_and_its_reason(
    site: tuple[str, dict[str, str], Runtime],
    browser: Browser,  # noqa: F811
) -> None:
    url, auth, runtime = site
    number = httpx.post(
        f"{url}/v1/works",
        files={"file": ("copy.txt", "盗版的书".encode())},
        data={"metadata": json.dumps({"title": "盗版"})},
        headers=auth,
    ).json()["number"]
    wait_until(lambda: httpx.get(f"{url}/v1/works/{number}").json()["status"] == "anchored")
    taken = httpx.post(
        f"{url}/v1/moderation/takedowns",
        json={"registration": number, "reason": "权利人投诉 2026-117"},
        headers=bearer(runtime, "moderator"),
        timeout=30,
    )
    assert taken.status_code == 201, taken.text
    reason_digest = taken.json()["reason_digest"]
    page = browser.new_page()
    page.goto(f"{url}/?number={number}")
    assert verdict(page) == "已下架（已在链上冻结），决定方：审核员"
    takedown = page.inner_text('[data-field="takedown"]')
    assert "理由：权利人投诉 2026-117" in takedown
    assert reason_digest in takedown
    # The in-page proof check reads the Moderation contract the bundle names, as verify-proof does.
    wait_until(lambda: page.locator('[data-check="on_chain"][data-state="passed"]').count() == 1)
    assert "已被 Moderation 合约冻结（已下架）" in page.inner_text('[data-check="on_chain"]')
    switch_language(page)
    assert "Taken down" in verdict(page)
    assert "权利人投诉 2026-117" in page.inner_text("#result")
    assert "Reason digest on chain" in page.inner_text('[data-field="takedown"]')
    page.close()
