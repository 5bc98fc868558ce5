"""The public verification page: its HTML (with the few settings its script needs), its script
and stylesheet, all served with a Content Security Policy that runs scripts from this origin only.

The script (``api/static/verify.js``, bundled from ``web/`` by ``make web``) checks a proof in the
reader's browser and reads roots, owners and encumbrances from a chain node directly, so the page
tells it which node (``BANQUAN_PUBLIC_RPC_URL``) and which contracts.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from chain_client.deployment import load_record
from registry.core.settings import Settings
from registry.platform import Runtime

CONFIG_PLACEHOLDER = '<script id="page-config" type="application/json">{}</script>'
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class PageTemplateError(RuntimeError):
    """The packaged page lacks the element its settings go in."""


def public_rpc_url(settings: Settings) -> str | None:
    """The node the page reads the chain from: the public one, else (dev mode) the registry's."""
    if settings.public_rpc_url:
        return settings.public_rpc_url
    return settings.chain_rpc_url if settings.mode == "dev" else None


def page_config(settings: Settings) -> dict[str, str | None]:
    """What the page's script needs: the node and the contracts it reads (configured, or those
    deployed in dev mode and remembered in the data directory; never deployed from here)."""
    config: dict[str, str | None] = {
        "rpc_url": public_rpc_url(settings),
        "registry_anchor": settings.anchor_address,
        "moderation": settings.moderation_address,
        "rights_asset": settings.rights_asset_address,
        "licences": settings.licences_address,
        "encumbrances": settings.encumbrances_address,
    }
    if settings.anchor_address is None:
        record = load_record(settings.deployment_file)
        if record is not None:
            config["registry_anchor"] = record.registry_anchor
            if record.suite is not None:
                config["moderation"] = record.suite.moderation
                config["rights_asset"] = record.suite.rights_asset
                config["licences"] = record.suite.licences
                config["encumbrances"] = record.suite.encumbrances
    return config


def rpc_origin(rpc_url: str | None) -> str | None:
    """``scheme://host[:port]`` of the node, or ``None`` if that is not a plain HTTP(S) origin
    (then the page cannot reach it: a malformed setting never widens the policy)."""
    if not rpc_url:
        return None
    parts = urlsplit(rpc_url)
    if parts.scheme not in ("http", "https") or not _HOST.fullmatch(parts.netloc):
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rpc_url: str | None) -> str:
    """Scripts, styles and requests from this origin only, plus requests to the chain node."""
    origin = rpc_origin(rpc_url)
    connect = "'self'" if origin is None else f"'self' {origin}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def _embedded(config: dict[str, str | None]) -> str:
    # Inside a <script> element: no "</script>" or "<!--" can be spelled by a configured value.
    text = json.dumps(config, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def install_verification_page(app: FastAPI, runtime: Runtime) -> None:
    """Serve the page at ``/``, its script at ``/verify.js`` and its styles at ``/verify.css``."""
    static = resources.files("api") / "static"
    template = (static / "index.html").read_text(encoding="utf-8")
    if template.count(CONFIG_PLACEHOLDER) != 1:
        raise PageTemplateError(f"index.html must hold {CONFIG_PLACEHOLDER} exactly once")
    script = _StaticFile((static / "verify.js").read_bytes(), "text/javascript")
    styles = _StaticFile((static / "verify.css").read_bytes(), "text/css")
    settings = runtime.settings

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        # Built per request: in dev mode the contracts may be deployed after the app starts.
        config = page_config(settings)
        filled = CONFIG_PLACEHOLDER.replace("{}", _embedded(config))
        return HTMLResponse(
            template.replace(CONFIG_PLACEHOLDER, filled),
            headers={
                "Content-Security-Policy": content_security_policy(config["rpc_url"]),
                "Cache-Control": "no-cache",
                **SECURITY_HEADERS,
            },
        )

    @app.get("/verify.js", include_in_schema=False)
    def page_script(request: Request) -> Response:
        return script.response(request)

    @app.get("/verify.css", include_in_schema=False)
    def page_styles(request: Request) -> Response:
        return styles.response(request)


class _StaticFile:
    """A packaged file, revalidated on every use (an upgraded page never runs a stale script)
    and answered 304 while the browser's copy is current."""

    def __init__(self, content: bytes, media_type: str) -> None:
        self.content = content
        self.media_type = media_type
        self.etag = f'"{hashlib.sha256(content).hexdigest()[:32]}"'

    def response(self, request: Request) -> Response:
        headers = {"ETag": self.etag, "Cache-Control": "no-cache", **SECURITY_HEADERS}
        if request.headers.get("if-none-match") == self.etag:
            return Response(status_code=304, headers=headers)
        return Response(self.content, media_type=self.media_type, headers=headers)
