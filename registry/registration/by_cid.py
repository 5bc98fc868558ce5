"""Registering content already in the content store (added to IPFS by the publisher), named by
its CID instead of uploaded (``Registrar.register_by_cid``).

The blocks are read back from the store and go through the same one-pass ingest as an upload
(digests, CID, ISCC codes), so the claim rests on what was read, not on what was said: the CID
computed must be the one given, which holds for content added as
``ipfs add --cid-version=1 --raw-leaves`` (UnixFS, raw leaves, 256 KiB chunks). Content on IPFS
is public, so such a work is registered as published, unless the moderation hooks hold or reject
it: the registry then stores it encrypted, unpublished, as any registration moderation did not
accept (the blocks the publisher added stay the publisher's).

The store is the registry's own too: it holds the clear blocks of works it withholds (a published
work taken down or revoked, a work moderation holds or rejected). Content registered here is read
for a by-CID registration only where some face serves it to anyone (published, accepted, not
taken down), or for its own registrant; else :class:`ContentIsPrivate`, as its content answers.
"""

from __future__ import annotations

from typing import BinaryIO

from multiformats import CID
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from registry.content import ContentStore, chunk_stream, cid_text, parse_cid, read_content
from registry.core.errors import ContentIsPrivate, InvalidDigest
from registry.core.models import ApiKey, Registration, Work
from registry.core.states import RegistrationStatus
from registry.registration.own_works import Caller


def canonical_cid(text: str) -> str:
    """The canonical (base32) text of a CID; :class:`InvalidDigest` for anything else."""
    try:
        return cid_text(parse_cid(text))
    except ValueError as exc:
        raise InvalidDigest(f"not a CID: {text[:100]!r}", details={"cid": text[:100]}) from exc


def stored_content(store: ContentStore, cid: str) -> BinaryIO:
    """The content under ``cid`` as a buffered stream that can rewind to its start."""
    root = CID.decode(cid)
    return chunk_stream(lambda: read_content(store, root))


def refuse_withheld(session: Session, cid: str, submitted_by: str | None) -> None:
    """:class:`ContentIsPrivate` unless the caller may read the content under ``cid`` as it is:
    content no registration here names (the publisher added it to IPFS), content some
    registration publishes and the registry serves (accepted, not taken down), or the caller's
    own registration's (its API key's, or its party's). ``submitted_by`` None: the operator, at
    the command line, who holds the store."""
    if submitted_by is None:
        return
    party = session.scalar(select(ApiKey.party_id).where(ApiKey.key_id == submitted_by))
    caller = Caller(submitted_by, party=party)
    rows = session.execute(
        select(
            caller.owns(),
            Registration.status,
            Registration.takedown_json,
            Work.published_at,
        )
        .join(Work, Work.id == Registration.work_id)
        .where(or_(Work.cid == cid, Work.stored_cid == cid))
    ).all()
    for own, status, takedown_json, published_at in rows:
        if own:
            return
        withheld = status in (RegistrationStatus.HELD, RegistrationStatus.REJECTED)
        if published_at is not None and takedown_json is None and not withheld:
            return
    if not rows:  # content no registration here names
        return
    raise ContentIsPrivate(
        "此 CID 的内容在本登记处未公开，不能按 CID 登记，请上传文件 / the content under this CID "
        "is not public in this registry: it is not registered by CID; upload the file",
        details={"cid": cid},
    )
