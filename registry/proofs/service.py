"""The proofs service: what a platform, a court or a registrant asks of the registry's records.

One object, built once by the runtime (``Runtime.proofs``) and used by the API and the CLI alike:
look registrations up, check their proofs against the chain, and give the offline proof bundle
and the certificate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from chain_client.anchor_reader import ChainVerdicts
from registry.core.views import RegistrationView, refuse_if_taken_down, refuse_unless_accepted
from registry.proofs.bulk_verification import BulkResult, verify_digests
from registry.proofs.verification import (
    DigestAlgorithm,
    ProofCheck,
    check_proof,
    find_by_file,
    find_by_sha256_on_loop,
    find_registrations,
    get_registration,
)

# Bundles and their timestamps are imported when a bundle is made: verifying needs neither.
if TYPE_CHECKING:
    from registry.proofs.loop_lookups import LoopLookups
    from registry.proofs.timestamps import Timestamper


@dataclass(frozen=True)
class Proofs:
    """Registrations as the record holds them, and the evidence that they are anchored.

    ``anchor_client`` gives the ``RegistryAnchor`` in use when one is known (never deploying),
    or a read-only reader of it;
    ``timestamper`` the configured TSA, if any; ``public_base_url`` where certificates point;
    ``operator_name`` who issues them; ``local_lookups`` whether a lookup reads a database file
    on this machine (SQLite in WAL mode, where a read does not wait for a writer): a tenth of a
    millisecond, short enough for an API to run it on its event loop rather than pay a hop to a
    worker thread, which costs more than the lookup. A lookup over the network (PostgreSQL)
    waits for its round trip: by SHA-256 on ``loop_lookups`` (asyncio connections) when they
    are ready on the running loop, otherwise in a thread.
    """

    sessions: sessionmaker[Session]
    anchor_client: Callable[[], ChainVerdicts | None]
    public_base_url: str
    operator_name: str
    timestamper: Timestamper | None = None
    moderation_contract: Callable[[], str | None] = lambda: None  # named in bundles
    local_lookups: bool = False
    loop_lookups: LoopLookups | None = None

    def registration(self, number: str) -> RegistrationView:
        """Registration ``number``; :class:`RegistrationNotFound` if there is none."""
        return get_registration(self.sessions, number)

    def find(
        self,
        *,
        sha256: str | None = None,
        sm3: str | None = None,
        cid: str | None = None,
        isbn: str | None = None,
        number: str | None = None,
    ) -> list[RegistrationView]:
        """The registrations of a digest, a CID, an ISBN or a number (exactly one of them)."""
        return find_registrations(
            self.sessions, sha256=sha256, sm3=sm3, cid=cid, isbn=isbn, number=number
        )

    def loop_ready(self) -> bool:
        """Whether :meth:`find_sha256_on_loop` can be awaited on the running event loop."""
        return self.loop_lookups is not None and self.loop_lookups.ready()

    async def find_sha256_on_loop(self, sha256: str) -> list[RegistrationView]:
        """:meth:`find` by ``sha256``, awaited on the event loop (see :meth:`loop_ready`)."""
        if self.loop_lookups is None:
            raise RuntimeError("no lookups on the event loop are configured")
        return await find_by_sha256_on_loop(self.loop_lookups, sha256)

    def find_by_file(self, content: BinaryIO) -> list[RegistrationView]:
        """The registrations of the bytes of ``content`` (hashed here, stored nowhere)."""
        return find_by_file(self.sessions, content)

    def verify_digests(self, algorithm: DigestAlgorithm, digests: Sequence[str]) -> BulkResult:
        """Which of many digests are registered, in a few indexed queries."""
        return verify_digests(self.sessions, algorithm, digests)

    def checked(
        self, views: Sequence[RegistrationView]
    ) -> list[tuple[RegistrationView, ProofCheck]]:
        """Each registration with the check of its claim leaf, Merkle proof and anchored root."""
        client = self.anchor_client()
        return [(view, check_proof(view, client)) for view in views]

    def bundle(self, number: str) -> dict[str, object]:
        """The offline proof bundle of anchored registration ``number`` (see docs/proof-bundle.md);
        :class:`NotAnchoredYet` while it waits for its batch."""
        from registry.proofs.external_anchoring import external_anchorings_of
        from registry.proofs.proof_bundle import proof_bundle

        view = self.registration(number)
        external = external_anchorings_of(self.sessions, view.anchor.root) if view.anchor else []
        return proof_bundle(
            view,
            timestamper=self.timestamper,
            moderation_contract=self.moderation_contract(),
            external_anchors=[anchoring.to_json() for anchoring in external],
        )

    def certificate(self, number: str) -> bytes:
        """The PDF deposit certificate of registration ``number``, issued by the operator; none
        while it is taken down, held for review, or after moderation rejected it."""
        view = self.registration(number)
        refuse_if_taken_down(number, view.takedown)  # withdrawn until restored
        refuse_unless_accepted(view)
        # ReportLab is imported when a certificate is drawn, not by every process using proofs.
        from registry.proofs.certificate import render_certificate

        return render_certificate(
            view, public_base_url=self.public_base_url, issuer=self.operator_name
        )
