"""A stand-in for Kubo's HTTP RPC (the endpoints banquan uses, with Kubo's request and response
shapes: POST only, query parameters, multipart bodies, ``{"Message", "Code", "Type"}`` errors).

No Kubo binary can be installed here. The CIDs the tests expect are the ones the reference
JavaScript UnixFS importer gave for the same bytes (tests/registry/content/vectors/unixfs_cids.json,
written by unixfs_cids.mjs), never ones computed by banquan's own builder: content without a golden
value is refused, so a test that needs new content extends the golden file by running the
generator.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from multiformats import CID, multihash
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

GOLDEN_CIDS: dict[int, str] = {
    case["size"]: case["cid"]
    for case in json.loads(
        (Path(__file__).parent / "vectors" / "unixfs_cids.json").read_text(encoding="utf-8")
    )["cases"]
}


def patterned(size: int) -> bytes:
    """The content of the golden vectors: byte i is i % 251."""
    return (bytes(range(251)) * (size // 251 + 1))[:size]


def golden_cid(data: bytes) -> str:
    """The reference importer's CID for ``data``, which must be golden-vector content."""
    if data != patterned(len(data)) or len(data) not in GOLDEN_CIDS:
        raise LookupError(
            f"no golden CID for these {len(data)} bytes: add a case to unixfs_cids.mjs"
        )
    return GOLDEN_CIDS[len(data)]


@dataclass
class FakeKubo:
    blocks: dict[str, bytes] = field(default_factory=dict)
    pins: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail_next: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(f"/api/v0/{name}", handler, methods=["POST"])
                for name, handler in {
                    "block/put": self.block_put,
                    "block/get": self.block_get,
                    "block/stat": self.block_stat,
                    "pin/add": self.pin_add,
                    "pin/rm": self.pin_rm,
                    "version": self.version,
                }.items()
            ]
        )

    def _record(self, request: Request) -> Response | None:
        self.calls.append((request.url.path.removeprefix("/api/v0/"), dict(request.query_params)))
        if self.fail_next:
            self.fail_next -= 1
            return error("datastore: disk full")
        return None

    async def block_put(self, request: Request) -> Response:
        if (failure := self._record(request)) is not None:
            return failure
        data = await uploaded(request)
        codec = request.query_params.get("cid-codec", "raw")
        digest = multihash.wrap(hashlib.sha256(data).digest(), "sha2-256")
        cid = str(CID("base32", 1, codec, digest))
        self.blocks[cid] = data
        return JSONResponse({"Key": cid, "Size": len(data)})

    async def block_get(self, request: Request) -> Response:
        self._record(request)
        cid = normalized(request.query_params["arg"])
        if cid not in self.blocks:
            return error(f"block was not found locally (offline): ipld: could not find {cid}")
        return Response(self.blocks[cid], media_type="text/plain")

    async def block_stat(self, request: Request) -> Response:
        self._record(request)
        cid = normalized(request.query_params["arg"])
        if cid not in self.blocks:
            return error(f"block was not found locally (offline): ipld: could not find {cid}")
        return JSONResponse({"Key": cid, "Size": len(self.blocks[cid])})

    async def pin_add(self, request: Request) -> Response:
        self._record(request)
        cid = normalized(request.query_params["arg"])
        if cid not in self.blocks:
            return error(f"pin: block was not found locally (offline): {cid}")
        self.pins.add(cid)
        return JSONResponse({"Pins": [cid]})

    async def pin_rm(self, request: Request) -> Response:
        self._record(request)
        cid = normalized(request.query_params["arg"])
        if cid not in self.pins:
            return error("not pinned or pinned indirectly")
        self.pins.discard(cid)
        return JSONResponse({"Pins": [cid]})

    async def version(self, request: Request) -> Response:
        if (failure := self._record(request)) is not None:
            return failure
        # The shape of Kubo's answer (the figures of a Kubo 0.38 node).
        return JSONResponse(
            {"Version": "0.38.1", "Commit": "", "Repo": "17", "System": "amd64/linux"}
        )


async def uploaded(request: Request) -> bytes:
    async with request.form() as form:
        upload = form["file"]
        assert not isinstance(upload, str)
        return await upload.read()


def normalized(text: str) -> str:
    return str(CID.decode(text).set(base="base32"))


def error(message: str) -> Response:
    return JSONResponse({"Message": message, "Code": 0, "Type": "error"}, status_code=500)
