"""The OpenAPI schema keeps ``null`` in examples.

FastAPI serialises the schema with ``exclude_none``, which drops every ``null`` member of an
example too — an example of a field that is ``null`` until anchoring would then lack a required
member and no longer match its own schema. The examples of our models are put back as written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel


def _api_models(base: type[BaseModel] = BaseModel) -> Iterator[type[BaseModel]]:
    for model in base.__subclasses__():
        if model.__module__.startswith("api."):
            yield model
        yield from _api_models(model)


def install_openapi_examples(app: FastAPI) -> None:
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = generate()
        schemas = spec.get("components", {}).get("schemas", {})
        for model in _api_models():
            extra = model.model_config.get("json_schema_extra")
            if isinstance(extra, dict) and "examples" in extra and model.__name__ in schemas:
                schemas[model.__name__]["examples"] = jsonable_encoder(extra["examples"])
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
