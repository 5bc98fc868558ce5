"""The content store on a Kubo (go-ipfs) node, spoken to over its HTTP RPC with httpx.

The ``ipfshttpclient`` package is not used: it is unmaintained and refuses Kubo 0.8 and later.
The ingest pass keeps an upload's blocks aside as it produces them, so a file is still read only
once and its CID is the one computed locally; once the registry accepts the upload they go in one
by one (``/api/v0/block/put``, Kubo's answer checked against that CID) and the root is pinned.
"""

from __future__ import annotations

import os
import tempfile

import httpx
from multiformats import CID

from registry.content.unixfs import cid_text
from registry.core.errors import ContentNotFound, ContentStoreUnavailable


class KuboContentStore:
    """``ContentStore`` on Kubo's RPC API (``http://127.0.0.1:5001`` by default)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    @classmethod
    def connect(cls, api_url: str, *, timeout: float = 60.0) -> KuboContentStore:
        return cls(httpx.Client(base_url=api_url.rstrip("/") + "/api/v0", timeout=timeout))

    def close(self) -> None:
        self.client.close()

    def writer(self) -> KuboBlockWriter:
        return KuboBlockWriter(self)

    def get_block(self, cid: CID) -> bytes:
        response = self._post_unless_missing("block/get", {"arg": str(cid)})
        if response is None:
            raise ContentNotFound(f"no block {cid}", details={"cid": str(cid)})
        return response.content

    def has_block(self, cid: CID) -> bool:
        # offline: ask this node only, never the network
        stat = self._post_unless_missing("block/stat", {"arg": str(cid), "offline": "true"})
        return stat is not None

    def is_available(self) -> bool:
        try:
            return self.client.post("version", timeout=5.0).status_code == 200
        except httpx.HTTPError:
            return False

    def put_block(self, cid: CID, block: bytes) -> None:
        codec = cid.codec.name
        response = self._post(
            "block/put",
            {"cid-codec": codec, "mhtype": "sha2-256", "pin": "false"},
            files={"file": ("block", block, "application/octet-stream")},
        )
        answered = CID.decode(response.json()["Key"])
        if answered != cid:
            raise ContentStoreUnavailable(
                f"IPFS node stored block {cid} as {answered}",
                details={"expected": str(cid), "got": str(answered)},
            )

    def pin(self, root: CID) -> None:
        self._post("pin/add", {"arg": str(root), "recursive": "true"})

    def unpin(self, root: CID) -> None:
        self._post_unless_missing("pin/rm", {"arg": str(root)})

    def _post(
        self,
        path: str,
        params: dict[str, str],
        *,
        files: dict[str, tuple[str, object, str]] | None = None,
    ) -> httpx.Response:
        """Kubo's successful answer; any other is :class:`ContentStoreUnavailable`."""
        response = self._send(path, params, files)
        if response.status_code != 200:
            raise _refused(path, response)
        return response

    def _post_unless_missing(self, path: str, params: dict[str, str]) -> httpx.Response | None:
        """As :meth:`_post`, but ``None`` when Kubo answers that the block or pin is missing."""
        response = self._send(path, params, None)
        if response.status_code == 500 and _means_missing(_error_message(response)):
            return None
        if response.status_code != 200:
            raise _refused(path, response)
        return response

    def _send(
        self, path: str, params: dict[str, str], files: dict[str, tuple[str, object, str]] | None
    ) -> httpx.Response:
        try:
            return self.client.post(path, params=params, files=files)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise ContentStoreUnavailable(f"IPFS node unreachable: {exc}") from exc


class KuboBlockWriter:
    """Keeps the blocks of one upload in a temporary file of this process until ``commit``,
    which puts them (``block/put``) and pins the root (which keeps the whole DAG); ``abort``
    drops them. A block put on the node is served to the IPFS network at once, pinned or not,
    until the node's garbage collection: so nothing of an upload the registry refuses, retries
    idempotently or stores encrypted instead (one moderation holds or rejects) reaches the node.
    The file is on the local disk for the request's time only, as the embedded store's staging.
    """

    def __init__(self, store: KuboContentStore) -> None:
        self.store = store
        self._spool = tempfile.TemporaryFile(prefix="banquan-kubo-")  # noqa: SIM115 - ours to close
        self._blocks: dict[str, tuple[CID, int, int]] = {}

    def put(self, cid: CID, block: bytes) -> None:
        name = cid_text(cid)
        if name not in self._blocks:  # a repeated chunk (e.g. runs of zeros) is one block
            offset = self._spool.seek(0, os.SEEK_END)
            self._spool.write(block)
            self._blocks[name] = (cid, offset, len(block))

    def commit(self, root: CID) -> None:
        try:
            for cid, offset, size in self._blocks.values():
                self._spool.seek(offset)
                self.store.put_block(cid, self._spool.read(size))
            self.store.pin(root)
        finally:
            self.abort()

    def abort(self) -> None:
        self._blocks.clear()
        self._spool.close()


def _refused(path: str, response: httpx.Response) -> ContentStoreUnavailable:
    return ContentStoreUnavailable(
        f"IPFS node refused {path}: {_error_message(response)}",
        details={"status": response.status_code},
    )


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("Message", response.text))
    except ValueError:
        return response.text


def _means_missing(message: str) -> bool:
    lowered = message.lower()
    return "not found" in lowered or "not pinned" in lowered or "no link named" in lowered
