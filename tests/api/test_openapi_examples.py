"""Every operation in the OpenAPI schema shows examples — of its parameters, its request body and
its answer — and every example is valid against the schema it illustrates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from api import examples
from api.app import create_app
from registry.core.settings import Settings
from registry.platform.runtime import Runtime
from tests.conftest import bearer

JSON = "application/json"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'banquan.db'}")
    return create_app(settings, run_batcher=False).openapi()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def component(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def illustrated(spec: dict[str, Any], media: dict[str, Any]) -> bool:
    """The media type, its schema, or (for an array) its items carry an example, or every
    property does (a file part of a form cannot have one)."""
    if "example" in media or "examples" in media:
        return True
    schema = component(spec, media.get("schema", {}))
    if schema.get("type") == "array":
        schema = component(spec, schema.get("items", {}))
    if "examples" in schema or "example" in schema:
        return True
    properties = [component(spec, p) for p in schema.get("properties", {}).values()]
    return bool(properties) and all(
        "examples" in p
        or "default" in p
        or p.get("format") == "binary"
        or p.get("items", {}).get("format") == "binary"
        or p.get("contentMediaType") == "application/octet-stream"
        for p in properties
    )


def test_every_parameter_body_and_answer_has_an_example(spec: dict[str, Any]) -> None:
    missing = []
    for name, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            documented = {"example", "examples"} & {*parameter, *parameter["schema"]}
            if not documented:
                missing.append(f"{name}: parameter {parameter['name']}")
        body = operation.get("requestBody", {}).get("content", {})
        for media_type, media in body.items():
            if not illustrated(spec, media):
                missing.append(f"{name}: request body {media_type}")
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(JSON)
            if status.startswith("2") and media is not None and not illustrated(spec, media):
                missing.append(f"{name}: {status} answer")
    assert missing == []


def schema_examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    for name, schema in spec["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield name, schema, example
        for field, member in schema.get("properties", {}).items():
            for example in member.get("examples", []):
                yield f"{name}.{field}", member, example
    for name, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            for example in parameter["schema"].get("examples", []):
                yield f"{name} {parameter['name']}", parameter["schema"], example
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get(JSON, {})
            if "example" in media:
                yield f"{name} {status}", media.get("schema", {}), media["example"]


def test_every_example_is_valid_against_its_schema(spec: dict[str, Any]) -> None:
    checked, invalid = 0, []
    for name, schema, example in schema_examples(spec):
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
        errors = [error.message for error in validator.iter_errors(example)]
        if errors:
            invalid.append(f"{name}: {errors[:2]}")
        checked += 1
    assert invalid == []
    assert checked > 50


def test_the_signed_claim_example_registers_its_work(runtime: Runtime) -> None:
    """The example claim is a real SM2 signature over the example file and metadata."""
    assert hashlib.sha256(examples.CONTENT).hexdigest() == examples.REGISTRATION["sha256"]
    signed_at = datetime.fromisoformat(examples.SIGNED_CLAIM_JSON["registered_at"])
    runtime.now = lambda: signed_at + timedelta(seconds=20)
    with TestClient(create_app(runtime=runtime, run_batcher=False)) as client:
        response = client.post(
            "/v1/works",
            headers=bearer(runtime, "publisher"),
            files={"file": ("三体.txt", examples.CONTENT, "text/plain")},
            data={
                "metadata": json.dumps(examples.METADATA, ensure_ascii=False),
                "claim": examples.SIGNED_CLAIM,
                "signature": examples.SIGNED_CLAIM_SIGNATURE,
            },
        )
    assert response.status_code == 201, response.json()
    registered = response.json()
    assert (registered["signing_mode"], registered["sha256"]) == (
        "client",
        examples.REGISTRATION["sha256"],
    )
    assert registered["signature"] == examples.SIGNED_CLAIM_SIGNATURE
