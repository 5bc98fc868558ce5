"""The API documentation pages work offline: Swagger UI and ReDoc load their scripts from the
server itself (real headless Chromium; every request to another host is refused)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Route

from cli.launcher import AnvilProcess
from registry.core.database import migrate
from registry.platform.runtime import build_runtime
from tests.conftest import make_settings
from tests.e2e.conftest import serving
from tests.e2e.test_verification_page import browser  # noqa: F401 (fixture)


@pytest.fixture
def site(tmp_path: Path, anvil: AnvilProcess) -> Iterator[str]:
    database = f"sqlite:///{tmp_path / 'docs.db'}"
    runtime = build_runtime(make_settings(tmp_path / "data", database, anvil.rpc_url))
    migrate(runtime.engine)
    with serving(runtime) as (url, _auth):
        yield url
    runtime.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "rendered"),
    [("/docs", ".opblock-summary-path"), ("/redoc", "[data-section-id]")],
)
def test_documentation_pages_render_with_no_other_host(
    site: str,
    browser: Browser,  # noqa: F811
    path: str,
    rendered: str,
) -> None:
    own = urlsplit(site).netloc
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            # ReDoc's footer links Redocly's logo: a decoration, refused like everything else;
            # no script, style sheet or data may come from elsewhere.
            if route.request.resource_type != "image":
                elsewhere.append(route.request.url)
            route.abort()

    page = browser.new_page()
    page.route("**/*", only_this_server)
    page.goto(f"{site}{path}")
    page.wait_for_selector(rendered, timeout=30_000)
    assert page.locator(rendered).count() > 10  # the operations of the schema are listed
    assert "/v1/works" in page.inner_text("body")
    assert elsewhere == []
    page.close()
