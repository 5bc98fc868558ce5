"""Content (内容): the one-pass ingest (SHA-256, SM3, CID, ISCC), UnixFS blocks with Kubo-identical
CIDs, the content stores (embedded blockstore, Kubo's HTTP RPC), content encryption and the
master key file. Its public face is below."""

from __future__ import annotations

from typing import TYPE_CHECKING

# ``ingest`` is both a module and a function here: imported at once, the function wins.
from registry.content.ingest import (
    ByteStream,
    IngestedContent,
    KeptBytes,
    describe,
    ingest,
    keep,
    stage,
)
from registry.core.lazy_exports import lazy_exports

# Every other name is imported from its module on first use (PEP 562), so that importing one
# module of this package does not import them all: a command that needs little starts at once.
if TYPE_CHECKING:
    from registry.content.garbage import GarbageCollected, collect_garbage
    from registry.content.key_files import (
        check_private_file,
        create_private_file,
        existing_key_file,
        read_master_key_file,
        read_sm2_key_file,
    )
    from registry.content.kubo import KuboContentStore
    from registry.content.protection import (
        MASTER,
        ContentProtection,
        insert_content_keys,
        wrapped_keys,
    )
    from registry.content.readers import chunk_stream
    from registry.content.store import ContentStore, LocalBlockstore, read_content
    from registry.content.text_extraction import detect_text_kind, extract_text
    from registry.content.unixfs import cid_text, parse_cid

__getattr__ = lazy_exports(
    __name__,
    {
        "registry.content.garbage": ("GarbageCollected", "collect_garbage"),
        "registry.content.key_files": (
            "check_private_file",
            "create_private_file",
            "existing_key_file",
            "read_master_key_file",
            "read_sm2_key_file",
        ),
        "registry.content.kubo": ("KuboContentStore",),
        "registry.content.protection": (
            "MASTER",
            "ContentProtection",
            "insert_content_keys",
            "wrapped_keys",
        ),
        "registry.content.readers": ("chunk_stream",),
        "registry.content.store": ("ContentStore", "LocalBlockstore", "read_content"),
        "registry.content.text_extraction": ("detect_text_kind", "extract_text"),
        "registry.content.unixfs": ("cid_text", "parse_cid"),
    },
)

__all__ = [
    "MASTER",
    "ByteStream",
    "ContentProtection",
    "ContentStore",
    "GarbageCollected",
    "IngestedContent",
    "KeptBytes",
    "KuboContentStore",
    "LocalBlockstore",
    "check_private_file",
    "chunk_stream",
    "cid_text",
    "collect_garbage",
    "create_private_file",
    "describe",
    "detect_text_kind",
    "existing_key_file",
    "extract_text",
    "ingest",
    "insert_content_keys",
    "keep",
    "parse_cid",
    "read_content",
    "read_master_key_file",
    "read_sm2_key_file",
    "stage",
    "wrapped_keys",
]
