"""Registering content already in the content store (added to IPFS by the publisher), named by
its CID instead of uploaded (``Registrar.register_by_cid``).

The blocks are read back from the store and go through the same one-pass ingest as an upload
(digests, CID, ISCC codes), so the claim rests on what was read, not on what was said: the CID
computed must be the one given, which holds for content added as
``ipfs add --cid-version=1 --raw-leaves`` (UnixFS, raw leaves, 256 KiB chunks). Content on IPFS
is public, so such a work is registered as published, unless the moderation hooks hold or reject
it: the registry then stores it encrypted, unpublished, as any registration moderation did not
accept (the blocks the publisher added stay the publisher's).
"""

from __future__ import annotations

from typing import BinaryIO

from multiformats import CID

from registry.content import ContentStore, chunk_stream, cid_text, parse_cid, read_content
from registry.core.errors import InvalidDigest


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
