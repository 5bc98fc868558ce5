"""Certificates: a one-page PDF naming the registration, its digests and its anchoring."""

from __future__ import annotations

import io

from pypdf import PdfReader

from chain_client.registry_anchor import RegistryAnchorClient
from registry.anchoring import AnchoringPolicy, run_anchoring_cycle
from registry.certificate import render_certificate, verification_url
from registry.metadata import WorkMetadata
from registry.registration import register_work
from registry.runtime import Runtime
from registry.verification import get_registration


def test_certificate_names_the_registration_digests_and_transaction(
    runtime: Runtime, anchor_client: RegistryAnchorClient
) -> None:
    view = register_work(
        runtime.sessions,
        runtime.store,
        io.BytesIO("《红楼梦》第一回".encode()),
        WorkMetadata(title="红楼梦", authors=("曹雪芹", "高鹗"), isbn="9787020002207"),
        max_bytes=1 << 20,
        now=runtime.now,
    )
    run_anchoring_cycle(runtime.sessions, anchor_client, policy=AnchoringPolicy(), now=runtime.now)
    view = get_registration(runtime.sessions, view.number)
    assert view.anchor is not None
    pdf = render_certificate(view, public_base_url="https://banquan.example.cn")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace("\n", "")
    for expected in (view.number, "9787020002207", view.sha256[:40], view.sm3[:40]):
        assert expected in text
    assert str(view.anchor.tx_hash)[:40] in text
    assert verification_url("https://banquan.example.cn", view.number) in text
    # Deterministic output: the same registration gives the same bytes.
    assert render_certificate(view, public_base_url="https://banquan.example.cn") == pdf
