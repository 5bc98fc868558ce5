"""The content store on a Kubo (go-ipfs) node, spoken to over its HTTP RPC with httpx.

The ``ipfshttpclient`` package is not used: it is unmaintained and refuses Kubo 0.8 and later.
Blocks go in one by one (``/api/v0/block/put``) as the ingest pass produces them, so a file is
still read only once and its CID is the one computed locally — Kubo's answer is checked against
it. ``add`` (``/api/v0/add`` with the parameters that match the local builder) is there for
content handed to Kubo whole.
"""

from __future__ import annotations

import json
from typing import BinaryIO

import httpx
from multiformats import CID

from registry.errors import ContentNotFound, ContentStoreUnavailable
from registry.unixfs import CHUNK_SIZE, cid_text

# `ipfs add --cid-version=1 --raw-leaves` with the default chunker and balanced layout.
ADD_PARAMETERS = {
    "cid-version": "1",
    "raw-leaves": "true",
    "chunker": f"size-{CHUNK_SIZE}",
    "hash": "sha2-256",
    "pin": "true",
    "quieter": "true",
}


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
        response = self._post("block/get", {"arg": str(cid)}, missing_ok=True)
        if response is None:
            raise ContentNotFound(f"no block {cid}", details={"cid": str(cid)})
        return response.content

    def has_block(self, cid: CID) -> bool:
        # offline: ask this node only, never the network
        stat = self._post("block/stat", {"arg": str(cid), "offline": "true"}, missing_ok=True)
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
        assert response is not None
        answered = CID.decode(response.json()["Key"])
        if answered != cid:
            raise ContentStoreUnavailable(
                f"IPFS node stored block {cid} as {answered}",
                details={"expected": str(cid), "got": str(answered)},
            )

    def pin(self, root: CID) -> None:
        self._post("pin/add", {"arg": str(root), "recursive": "true"})

    def unpin(self, root: CID) -> None:
        self._post("pin/rm", {"arg": str(root)}, missing_ok=True)

    def add(self, stream: BinaryIO) -> CID:
        """Let Kubo chunk and store a whole file; its root CID (equal to the local builder's)."""
        response = self._post(
            "add", ADD_PARAMETERS, files={"file": ("file", stream, "application/octet-stream")}
        )
        assert response is not None
        last = response.text.strip().splitlines()[-1]
        return CID.decode(json.loads(last)["Hash"]).set(base="base32")

    def cat(self, root: CID) -> bytes:
        response = self._post("cat", {"arg": str(root)}, missing_ok=True)
        if response is None:
            raise ContentNotFound(f"no content {root}", details={"cid": str(root)})
        return response.content

    def _post(
        self,
        path: str,
        params: dict[str, str],
        *,
        files: dict[str, tuple[str, object, str]] | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response | None:
        try:
            response = self.client.post(path, params=params, files=files)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise ContentStoreUnavailable(f"IPFS node unreachable: {exc}") from exc
        if response.status_code == 200:
            return response
        message = _error_message(response)
        if missing_ok and response.status_code == 500 and _means_missing(message):
            return None
        raise ContentStoreUnavailable(
            f"IPFS node refused {path}: {message}", details={"status": response.status_code}
        )


class KuboBlockWriter:
    """Puts each block as it comes; ``commit`` pins the root (which keeps the whole DAG).

    ``abort`` leaves the blocks already put unpinned: the node's garbage collector removes them.
    """

    def __init__(self, store: KuboContentStore) -> None:
        self.store = store
        self.put_cids: set[str] = set()

    def put(self, cid: CID, block: bytes) -> None:
        if cid_text(cid) not in self.put_cids:
            self.store.put_block(cid, block)
            self.put_cids.add(cid_text(cid))

    def commit(self, root: CID) -> None:
        self.store.pin(root)

    def abort(self) -> None:
        self.put_cids.clear()


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("Message", response.text))
    except ValueError:
        return response.text


def _means_missing(message: str) -> bool:
    lowered = message.lower()
    return "not found" in lowered or "not pinned" in lowered or "no link named" in lowered
