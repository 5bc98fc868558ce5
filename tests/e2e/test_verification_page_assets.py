"""The verification page with everything a reader may need to see (real headless Chromium, real
chain): a signed registration and a later one of the same content, its rights asset with its
owner, a licence and a lien read from the chain in the browser; screenshots in both languages."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from playwright.sync_api import Browser

from chain_client.licences import LicenceTerms
from chain_client.pledges import LENDER_ROLE, PledgeTerms, currency_code
from chain_client.rights_assets import Right, rights_mask
from cli.launcher import AnvilProcess
from crypto.signing import KeySigner, generate_private_key
from registry.access import create_party
from registry.assets.rights_assets import OwnerConsent, grant_licence, pledge
from registry.core.database import migrate
from registry.core.metadata import WorkMetadata
from registry.platform.runtime import build_runtime
from tests.conftest import bearer, make_settings
from tests.e2e.conftest import serving
from tests.e2e.test_verification_page import (  # noqa: F401 (fixture)
    ARTIFACTS,
    CHECKS,
    anchored,
    browser,
    checks_of,
    switch_language,
    verdict,
)

DAY = 24 * 3600
LICENSEE = Account.from_key("0x" + "21" * 32).address
LENDER_ACCOUNT = Account.from_key("0x" + "42" * 32)
LENDER = LENDER_ACCOUNT.address
BOOK = "「三体」第一部 · 科学边界 ".encode() * 40


@pytest.mark.slow
def test_page_shows_owner_licences_liens_and_every_registration_of_the_content(
    tmp_path: Path,
    anvil: AnvilProcess,
    browser: Browser,  # noqa: F811
) -> None:
    database = f"sqlite:///{tmp_path / 'page.db'}"
    runtime = build_runtime(make_settings(tmp_path / "data", database, anvil.rpc_url))
    migrate(runtime.engine)
    signer = KeySigner(generate_private_key("sm2"))
    first = (
        runtime.registrar.signing_with(signer)
        .register(
            io.BytesIO(BOOK),
            WorkMetadata(
                title="三体",
                authors=("刘慈欣",),
                isbn="9787536692930",
                language="zh",
                rights=("reproduction", "distribution", "information_network", "translation"),
            ),
        )
        .number
    )
    later = runtime.registrar.register(io.BytesIO(BOOK), WorkMetadata(title="三体（再次登记）"))
    book = tmp_path / "三体.txt"
    book.write_bytes(BOOK)

    with serving(runtime) as (url, _):
        for number in (first, later.number):
            anchored(url, number)
        tokenized = httpx.post(
            f"{url}/v1/works/{first}/tokenize",
            json={"owner": runtime.sender.address, "territory": 156},
            headers=bearer(runtime, "admin"),  # registered here, not by a publisher's key
            timeout=30,
        )
        assert tokenized.status_code == 201, tokenized.text
        asset_id = int(tokenized.json()["asset_id"], 16)
        # The owner's address is one its party holds (an administrator's link): the page names
        # the party beside the address the chain gives. The licensee's is nobody's.
        owner_party = create_party(
            runtime.sessions,
            public_name="重庆出版社",
            keys=[runtime.sender.address],
            now=runtime.now,
        )
        suite = runtime.suite()
        now = int(runtime.w3.eth.get_block("latest")["timestamp"])
        grant_licence(
            suite,
            runtime.sender,
            LicenceTerms(
                asset_id=asset_id,
                licensee=LICENSEE,
                rights=rights_mask(Right.INFORMATION_NETWORK),
                territory=156,
                start=now + 60,
                end=now + 365 * DAY,
                exclusive=True,
            ),
        )
        suite.pledges.grant_role(LENDER_ROLE, LENDER)
        terms = PledgeTerms(
            asset_id=asset_id,
            lender=LENDER,
            amount=100_000_000,
            currency_code=currency_code("CNY"),
            maturity=now + 180 * DAY,
        )
        deadline = now + 3600
        offer = suite.pledges.sign_offer(LENDER_ACCOUNT, terms, deadline=deadline)
        pledge(suite, runtime.sender, terms, OwnerConsent(deadline, offer))

        page = browser.new_page(viewport={"width": 1000, "height": 900})
        # The licence starts a minute after its grant: the chain's clock moves past its start
        # (the reader's stays where it is), and the page judges it by the chain's, as the API.
        runtime.w3.provider.make_request("evm_increaseTime", [120])  # type: ignore[arg-type]
        runtime.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        page.goto(url)
        page.set_input_files("#file", str(book))
        assert verdict(page) == "已登记，并已锚定在区块链上"
        # The first claim is signed by its registrant: the page checks that signature too; the
        # later one is unsigned (banquan.claim/1), nothing to check.
        assert checks_of(page, first) == dict.fromkeys([*CHECKS, "signature"], "passed")
        assert checks_of(page, later.number) == dict.fromkeys(CHECKS, "passed")
        page.wait_for_selector(f'[data-number="{first}"] .asset[data-tokenized="true"]')
        page.wait_for_selector(f'[data-number="{later.number}"] .asset[data-tokenized="false"]')

        cards = page.locator("section.registration")
        assert cards.count() == 2
        assert cards.nth(0).get_attribute("data-number") == first  # oldest first
        assert cards.nth(0).locator(".badge.first").inner_text() == "首次登记"
        assert cards.nth(1).locator(".badge.first").count() == 0
        assert "此内容共有 2 项登记" in page.inner_text("#result")

        signed = page.inner_text(f'[data-number="{first}"]')
        assert f"sm2:{signer.public_key.to_bytes().hex()}" in signed
        assert "由本平台代登记人签名" in signed
        for right in ("复制权", "发行权", "信息网络传播权", "翻译权"):
            assert right in signed
        asset = page.inner_text(f'[data-number="{first}"] .asset')
        assert f"{runtime.sender.address}（重庆出版社，当事人 {owner_party.party_id}）" in asset
        licence = (
            f"第 1 号许可（有效）：独占许可给 {LICENSEE}，权利：信息网络传播权；地域：中国（156）"
        )
        assert licence in asset
        assert f"第 1 顺位质权（第 1 号）：质权人 {LENDER}，担保金额 1,000,000.00 CNY" in asset
        assert "未冻结" in asset
        assert "未代币化" in page.inner_text(f'[data-number="{later.number}"] .asset')

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "verification-page-zh.png"), full_page=True)
        switch_language(page)
        asset = page.inner_text(f'[data-number="{first}"] .asset')
        assert f"{runtime.sender.address} (重庆出版社, party {owner_party.party_id})" in asset
        assert f"exclusive licence to {LICENSEE} of right of communication" in asset
        assert f"Rank 1 lien (no. 1): lender {LENDER}, securing 1,000,000.00 CNY" in asset
        assert "First registered" in cards.nth(0).inner_text()
        page.screenshot(path=str(ARTIFACTS / "verification-page-en.png"), full_page=True)
        page.close()
    runtime.close()
