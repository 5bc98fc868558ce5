"""Use case: platforms check many digests at once (a catalogue, a day's uploads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from crypto.digests import parse_digest_hex
from crypto.errors import CryptoError
from registry.errors import InvalidDigest
from registry.models import Registration, Work
from registry.verification import DigestAlgorithm
from registry.views import RegistrationView, registration_view, registrations_for_views

MAX_BULK_DIGESTS = 5000
# Keeps each IN (...) list well under every database's parameter limit.
QUERY_CHUNK = 500


@dataclass(frozen=True)
class BulkResult:
    """For each digest as given, in order (repeats kept): its registrations (empty if none)."""

    algorithm: DigestAlgorithm
    items: list[tuple[str, list[RegistrationView]]]

    @property
    def registered(self) -> int:
        return sum(1 for _digest, views in self.items if views)


def verify_digests(
    sessions: sessionmaker[Session], algorithm: DigestAlgorithm, digests: Sequence[str]
) -> BulkResult:
    """Look up to ``MAX_BULK_DIGESTS`` digests in a few indexed queries.

    Every digest is validated first; one malformed digest refuses the whole request (naming its
    position) so that nothing is half-answered.
    """
    if not digests:
        raise InvalidDigest("give at least one digest", details={"algorithm": algorithm})
    if len(digests) > MAX_BULK_DIGESTS:
        raise InvalidDigest(
            f"at most {MAX_BULK_DIGESTS} digests per request",
            details={"given": len(digests), "max": MAX_BULK_DIGESTS},
        )
    normalized: list[str] = []
    for position, text in enumerate(digests):
        try:
            normalized.append(parse_digest_hex(text).hex())
        except (CryptoError, TypeError) as exc:
            raise InvalidDigest(
                f"digest {position} is malformed: {exc}",
                details={"algorithm": algorithm, "position": position},
            ) from exc
    column = Work.sha256 if algorithm == "sha256" else Work.sm3
    by_digest: dict[str, list[RegistrationView]] = {}
    unique = sorted(set(normalized))
    with sessions() as session:
        for start in range(0, len(unique), QUERY_CHUNK):
            chunk = unique[start : start + QUERY_CHUNK]
            rows = session.scalars(
                registrations_for_views()
                .join(Registration.work)
                .where(column.in_(chunk))
                .order_by(Registration.id)
            ).unique()
            for registration in rows:
                key = getattr(registration.work, algorithm)
                by_digest.setdefault(key, []).append(registration_view(registration))
    items = [
        (given, by_digest.get(norm, [])) for given, norm in zip(digests, normalized, strict=True)
    ]
    return BulkResult(algorithm=algorithm, items=items)
