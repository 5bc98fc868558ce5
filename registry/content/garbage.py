"""Garbage collection of the embedded blockstore: remove the blocks no pinned root reaches.

The registry unpins what it no longer needs (a catalogue file once its item is registered, the
encrypted copy of a work once it is published); Kubo's own ``ipfs repo gc`` then removes those
blocks from a node, and this does it for the embedded ``LocalBlockstore``. A block is kept when any
pinned root reaches it (content is addressed by hash, so two works may share blocks), and the
collection holds the store's lock exclusively, so that no ingest renames a block into place or
pins a root while the live set is computed and the rest removed.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from multiformats import CID

from registry.content.store import LocalBlockstore
from registry.content.unixfs import cid_text, decode_node_links
from registry.core.errors import ContentNotFound
from registry.core.record_json import JsonRecord

# An ingest's staging directory older than this belongs to a process that died mid-upload.
STALE_STAGING_SECONDS = 24 * 3600


@dataclass(frozen=True)
class GarbageCollected(JsonRecord):
    """What a collection found and removed (or, with ``dry_run``, would remove)."""

    pinned_roots: int
    live_blocks: int
    removed_blocks: int
    removed_bytes: int
    stale_staging: int  # staging directories of ingests that never finished
    dry_run: bool


def collect_garbage(
    store: LocalBlockstore, *, dry_run: bool = False, now: float | None = None
) -> GarbageCollected:
    """Remove every block no pinned root reaches, and staging directories older than a day.

    Refuses (:class:`ContentNotFound`, nothing removed) when a pinned root lacks one of its
    DAG nodes: the blocks under that node could not be told from garbage.
    """
    moment = time.time() if now is None else now
    with store.exclusive():
        roots = sorted(path.name for path in store.pins.iterdir()) if store.pins.is_dir() else []
        live = _reached(store, roots)
        removed = removed_bytes = 0
        for directory in sorted(store.blocks.iterdir()) if store.blocks.is_dir() else ():
            for block in directory.iterdir():
                if block.name in live:
                    continue
                removed += 1
                removed_bytes += block.stat().st_size
                if not dry_run:
                    block.unlink(missing_ok=True)
        stale = _stale_staging(store, moment)
        if not dry_run:
            for path in stale:
                shutil.rmtree(path, ignore_errors=True)
    return GarbageCollected(
        pinned_roots=len(roots),
        live_blocks=len(live),
        removed_blocks=removed,
        removed_bytes=removed_bytes,
        stale_staging=len(stale),
        dry_run=dry_run,
    )


def _stale_staging(store: LocalBlockstore, moment: float) -> list[Path]:
    """Staging directories untouched for a day. An upload in progress stages without the lock
    and removes its directory after committing, so one may vanish while they are listed."""
    stale = []
    for path in store.staging.iterdir() if store.staging.is_dir() else ():
        try:
            age = moment - path.stat().st_mtime
        except FileNotFoundError:  # finished (or given up) meanwhile
            continue
        if age > STALE_STAGING_SECONDS:
            stale.append(path)
    return stale


def _reached(store: LocalBlockstore, roots: list[str]) -> set[str]:
    """The names of the blocks the pinned ``roots`` reach. Only DAG nodes are read: a raw leaf
    is named by its parent's link."""
    live: set[str] = set()
    pending = [(CID.decode(name), name) for name in roots]
    while pending:
        cid, root = pending.pop()
        name = cid_text(cid)
        if name in live:
            continue
        live.add(name)
        if cid.codec.name != "dag-pb":
            continue
        try:
            node = store.get_block(cid)
        except ContentNotFound:
            raise ContentNotFound(
                f"pinned content {root} lacks its block {name}: nothing was removed",
                details={"root": root, "cid": name},
            ) from None
        pending.extend((child, root) for child in decode_node_links(node))
    return live
