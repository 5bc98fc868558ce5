"""The certificate of a later claimant names the prior registration of the same content; the
certificate of the first counts the later claimants."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import update

from registry.core.database import unit_of_work
from registry.core.metadata import WorkMetadata
from registry.core.models import Registration
from registry.core.states import RegistrationStatus
from registry.platform.runtime import Runtime
from registry.registration.registrar import Registrar

BOOK = "《红楼梦》第一回 甄士隐梦幻识通灵".encode()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(str(reader.pages[0].extract_text()).split())


def _register(runtime: Runtime) -> str:
    registrar = Registrar(runtime.sessions, runtime.store, max_bytes=1 << 20, now=runtime.now)
    return registrar.register(io.BytesIO(BOOK), WorkMetadata(title="红楼梦")).number


def test_later_claimant_names_the_prior_registration_and_the_first_counts_them(
    runtime: Runtime,
) -> None:
    first = _register(runtime)
    alone = _text(runtime.proofs.certificate(first))
    assert "在先登记" not in alone
    assert "后续登记" not in alone
    later = _register(runtime)  # unsigned, of no party: another claimant
    third = _register(runtime)

    text = _text(runtime.proofs.certificate(later))
    assert "在先登记 Prior registration" in text
    assert first in text
    assert "后续登记" not in text

    text = _text(runtime.proofs.certificate(first))
    assert "在先登记" not in text
    assert "后续登记 Later claimants" in text
    assert "另有 2 个当事人在后登记相同内容" in text
    assert "2 other parties registered the same content later" in text
    assert third not in text


def test_a_prior_registration_taken_down_is_said_so(runtime: Runtime) -> None:
    """As the API, the page and the command line say it: the prior registration is named with
    its takedown, and no longer once restored."""
    first = _register(runtime)
    later = _register(runtime)
    assert runtime.new_batcher().run_once().error is None
    runtime.moderation.take_down(first, reason="侵权", actor="mod-key", authority="moderator")
    text = _text(runtime.proofs.certificate(later))
    assert first in text
    assert "已下架 taken down" in text
    runtime.moderation.restore(first, reason="撤回", actor="mod-key", authority="moderator")
    assert "已下架" not in _text(runtime.proofs.certificate(later))


def test_a_prior_registration_moderation_holds_is_said_so(runtime: Runtime) -> None:
    """A prior claim a moderator has yet to decide on may still be rejected (and then hold no
    claim): the certificate of the later claimant says it is held, as the page and CLI do."""
    first = _register(runtime)
    later = _register(runtime)
    with unit_of_work(runtime.sessions) as session:  # as a hook holds it when it is recorded
        session.execute(
            update(Registration)
            .where(Registration.number == first)
            .values(status=RegistrationStatus.HELD)
        )
    text = _text(runtime.proofs.certificate(later))
    assert first in text
    assert "待审核 held for review" in text
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(Registration)
            .where(Registration.number == first)
            .values(status=RegistrationStatus.PENDING)
        )
    assert "待审核" not in _text(runtime.proofs.certificate(later))
