"""A copy's certificate on a real suite on Anvil and both databases: the PDF's text names the copy
(第 n 份，共 N 份), the work, the holder as the copy's page shows it, the terms, the issue and the
gifts with their transactions, in Beijing time with UTC beside; it is withdrawn while the work is
taken down, and a copy reserved on an allow-list shows it is not claimed yet."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from registry.core.models import Edition, EditionBatch
from registry.editions import Editions
from registry.editions.errors import CopyNotFound, EditionTakenDown
from registry.platform.runtime import Runtime
from registry.proofs.certificate import beijing_and_utc
from tests.registry.editions.test_service import COVER, OWNER, _as, _reader, _terms, _work


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return str(reader.pages[0].extract_text()).replace("\n", "")


def _fonts(pdf: bytes) -> list[str]:
    """The fonts of the page, each embedded (a TrueType program in the file)."""
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        assert isinstance(font, DictionaryObject)
        descriptor = font["/FontDescriptor"].get_object()
        assert isinstance(descriptor, DictionaryObject)
        assert "/FontFile2" in descriptor
        names.append(str(font["/BaseFont"]))
    return names


def test_the_certificate_names_the_copy_holder_terms_and_gifts(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice, bob = _reader(runtime), _reader(runtime)
    owner = _as(runtime, OWNER)
    edition = editions.create(
        owner, number, title="数字藏书 限量版", metadata_cid=COVER, terms=_terms(size=3),
        price_fen=1990,
    )  # fmt: skip
    edition_id = edition.edition_id
    (batch,) = editions.issue(owner, edition_id, [(alice.party, 1), (bob.party, 2)])
    gift = editions.gift(_as(runtime, alice.account), edition_id, 1, bob.party)

    pdf = editions.certificate(edition_id, 1)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in (
        "数字藏书证书",
        "Certificate of a Numbered Copy",
        "第 1 份，共 3 份",
        "copy 1 of 3",
        "有效 in force",
        "发行方直接发行 issued by the publisher",
        "数字藏书 限量版",
        number,
        "读者（已实名 verified）",  # the holder as the page shows it: verified display name
        "共 3 份 3 copies",
        "仅可赠与，不可买卖",
        "每人每日至多 1 次",
        "¥19.90（仅链下展示 shown off chain）",
        "banquan",  # the issuer, from the operator's settings
        f"/editions/{edition_id}/copies/1",
    ):
        assert expected in text, expected
    # The chain references, in the monospaced face (a long hash may wrap: compare its start).
    for reference in (edition.create_tx, batch.tx_hash, gift.tx_hash, editions.contract_address()):
        assert reference[:40] in text, reference
    assert f"{runtime.w3.eth.chain_id}" in text
    # Issue and gift times in Beijing time with UTC beside; the gift from alice to bob.
    with runtime.sessions() as session:
        issued_at = session.query(EditionBatch.issued_at).one()[0]
    for moment in (issued_at, gift.gifted_at):
        beijing, utc = beijing_and_utc(moment).split("    ")
        assert beijing in text
        assert utc in text
    assert re.search(r"读者（已实名 verified） ?→ ?读者（已实名 verified）", text)
    # The embedded fonts are the deposit certificate's subsets.
    fonts = _fonts(pdf)
    assert fonts
    assert all(re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei\S*", name) for name in fonts), fonts

    with pytest.raises(CopyNotFound):
        editions.certificate(edition_id, 3)  # not issued


def test_a_reserved_copy_shows_it_is_not_claimed(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice = _reader(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="白名单版", metadata_cid=COVER, terms=_terms(size=2)
    ).edition_id
    editions.post_allow_list(owner, edition_id, [(alice.party, 1)])
    text = _text(editions.certificate(edition_id, 1))
    assert "待领取 reserved, not claimed yet" in text
    assert "白名单预留，读者自行领取 reserved on an allow-list" in text
    assert "尚无转赠 no gift yet" in text


def test_the_certificate_is_withdrawn_while_the_work_is_taken_down(runtime: Runtime) -> None:
    editions: Editions = runtime.editions
    number = _work(runtime)
    alice = _reader(runtime)
    owner = _as(runtime, OWNER)
    edition_id = editions.create(
        owner, number, title="下架版", metadata_cid=COVER, terms=_terms(size=1)
    ).edition_id
    editions.issue(owner, edition_id, [(alice.party, 1)])
    runtime.moderation.take_down(
        number, reason="侵权 infringing", actor="test", authority="moderator"
    )
    with pytest.raises(EditionTakenDown) as refused:
        editions.certificate(edition_id, 1)
    assert refused.value.code == "edition_taken_down"
    runtime.moderation.restore(
        number, reason="申诉成立 appeal upheld", actor="test", authority="moderator"
    )
    assert "有效 in force" in _text(editions.certificate(edition_id, 1))
    with runtime.sessions() as session:
        assert session.query(Edition).count() == 1
