"""The API's documentation pages (Swagger UI at ``/docs``, ReDoc at ``/redoc``), served with
their scripts from this process instead of a CDN: the pages then work offline and where public
CDNs are slow or blocked (jsDelivr is unreliable from mainland China). The assets come from the
``fastapi-offline`` package, which ships Swagger UI 5 (OpenAPI 3.1) and ReDoc 2."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

ASSETS_PATH = "/docs-assets"
_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def install_docs_pages(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` with local assets (create the app with ``docs_url=None``
    and ``redoc_url=None``)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=_ASSETS), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    title, favicon = f"{app.title} API · 接口文档", f"{ASSETS_PATH}/favicon.png"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=title,
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
