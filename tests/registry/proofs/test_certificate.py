"""Deposit certificates: a one-page PDF naming the registration, its digests and its anchoring,
in Chinese (with an embedded font) and English, and saying it is no official registration."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime

from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from chain_client.registry_anchor import RegistryAnchorClient
from registry.core.metadata import WorkMetadata
from registry.core.views import RegistrationView
from registry.platform.runtime import Runtime, build_runtime
from registry.proofs.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.proofs.certificate import (
    beijing_and_utc,
    registrant_name,
    render_certificate,
    rights_in_words,
    verification_url,
)
from registry.proofs.verification import get_registration
from registry.registration.registrar import Registrar

BASE_URL = "https://banquan.example.cn"
REGISTRANT = "sm2:04" + "5a" * 64


def _register(runtime: Runtime, *, rights: tuple[str, ...]) -> RegistrationView:
    return Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now).register(
        io.BytesIO("《红楼梦》第一回".encode()),
        WorkMetadata(
            title="红楼梦", authors=("曹雪芹", "高鹗"), isbn="9787020002207", rights=rights
        ),
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return str(reader.pages[0].extract_text()).replace("\n", "")


def test_certificate_names_the_registration_digests_and_transaction(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    view = _register(runtime, rights=("translation", "reproduction", "information_network"))
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    view = get_registration(runtime.sessions, view.number)
    anchor = view.anchor
    assert anchor is not None
    assert anchor.anchored_at is not None
    # As a client-signed claim records it (the certificate shows what the view holds).
    view = replace(view, signing_mode="client", registrant=REGISTRANT)
    pdf = render_certificate(view, public_base_url=BASE_URL, issuer="某某数字版权服务有限公司")
    text = _text(pdf)
    for expected in (view.number, "红楼梦", "曹雪芹、高鹗", "9787020002207"):
        assert expected in text
    for expected in (view.sha256[:40], view.sm3[:40], str(view.cid)[:40]):
        assert expected in text
    assert str(anchor.tx_hash)[:40] in text
    assert anchor.root[:40] in text
    assert verification_url(BASE_URL, view.number) in text
    assert "某某数字版权服务有限公司" in text  # the issuer, from the operator's settings
    assert REGISTRANT[:60] in text  # the registrant: today the signing key's identifier
    assert "存证人自行签名 signed by the registrant" in text
    # The rights claimed in words, in the order of art. 10 of the Copyright Law.
    assert re.search("复制权 reproduction.*信息网络传播权.*翻译权 translation", text)
    assert "发行权" not in text  # not claimed
    # Registered and anchored times in Beijing time with UTC beside.
    for moment in (view.registered_at, anchor.anchored_at):
        beijing, utc = beijing_and_utc(moment).split("    ")
        assert beijing.endswith("北京时间 (UTC+8)")
        assert beijing in text
        assert utc.endswith(" UTC")
        assert utc in text
    # Deterministic output: the same registration gives the same bytes.
    assert (
        render_certificate(view, public_base_url=BASE_URL, issuer="某某数字版权服务有限公司") == pdf
    )


def test_certificate_is_a_deposit_record_not_an_official_registration(runtime: Runtime) -> None:
    view = _register(runtime, rights=("reproduction",))
    text = _text(render_certificate(view, public_base_url=BASE_URL, issuer="banquan"))
    assert "数字作品存证证书" in text
    assert "Certificate of Digital Work Deposit" in text
    assert "本证书为区块链存证凭证，不是国家版权登记证书" in text
    assert "not an official copyright registration certificate" in text
    for official in ("作品登记证书", "著作权登记证书", "Certificate of Copyright Registration"):
        assert official not in text
    assert "待上链 pending" in text  # not anchored yet
    assert "未签名 unsigned" in text


def test_the_operator_named_in_the_settings_issues_certificates(runtime: Runtime) -> None:
    number = _register(runtime, rights=("reproduction",)).number
    assert runtime.settings.operator_name == "banquan"  # the default
    assert "出具方 Issued by" in _text(runtime.proofs.certificate(number))
    settings = runtime.settings.model_copy(update={"operator_name": "某某数字版权服务有限公司"})
    operated = build_runtime(settings)
    try:
        assert "某某数字版权服务有限公司" in _text(operated.proofs.certificate(number))
    finally:
        operated.close()


def test_certificate_embeds_subsets_of_its_fonts(runtime: Runtime) -> None:
    view = _register(runtime, rights=("reproduction",))
    pdf = render_certificate(view, public_base_url=BASE_URL, issuer="banquan")
    resources = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        assert isinstance(font, DictionaryObject)
        # Every font, Chinese or Latin, travels in the file: a TrueType program (FontFile2),
        # cut down to the glyphs used (a subset's name starts with a six-letter tag and '+').
        # Nothing is left for the reader's machine to supply, as STSong-Light (a CID font
        # without a font file) was.
        assert str(font["/Subtype"]) == "/TrueType"
        descriptor = font["/FontDescriptor"].get_object()
        assert isinstance(descriptor, DictionaryObject)
        assert "/FontFile2" in descriptor
        names.append(str(font["/BaseFont"]))
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+WenQuanYiMicroHei\S*", name) for name in names), names
    assert b"STSong" not in pdf
    assert b"UniGB" not in pdf


def test_rights_registrant_and_times_in_words(runtime: Runtime) -> None:
    view = _register(runtime, rights=("compilation", "publication"))
    assert rights_in_words(view) == ["发表权 publication", "汇编权 compilation"]
    assert rights_in_words(replace(view, metadata={})) == []
    assert registrant_name(replace(view, registrant=REGISTRANT)) == REGISTRANT
    assert registrant_name(view) == "—"  # an unsigned claim names no registrant
    moment = datetime(2026, 12, 31, 20, 30, 5, tzinfo=UTC)
    assert beijing_and_utc(moment) == (
        "2027-01-01 04:30:05 北京时间 (UTC+8)    2026-12-31 20:30:05 UTC"
    )
    assert beijing_and_utc(moment.replace(tzinfo=None)) == beijing_and_utc(moment)


def test_the_certificate_names_the_registering_party_by_its_public_name(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    from registry.access import create_api_key, create_party

    party = create_party(runtime.sessions, public_name="四川人民出版社", now=runtime.now)
    issued = create_api_key(
        runtime.sessions, name="社内", scopes=["publisher"], now=runtime.now, party=party.party_id
    )
    registered = Registrar(
        runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now
    ).register(
        io.BytesIO("《水浒传》第一回".encode()),
        WorkMetadata(title="水浒传", authors=("施耐庵",)),
        submitted_by=issued.key_id,
    )
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    view = get_registration(runtime.sessions, registered.number)
    assert view.party is not None
    assert registrant_name(view) == "四川人民出版社"
    text = _text(render_certificate(view, public_base_url=BASE_URL, issuer="某版权服务中心"))
    assert f"四川人民出版社（{party.party_id}）" in text
