"""Every endpoint of the live OpenAPI schema, fuzzed (schemathesis, bounded): no 5xx, and every
response matches the schema it documents."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.app import create_app
from registry.platform.runtime import Runtime
from tests.conftest import bearer

EXAMPLES_PER_OPERATION = 12


@pytest.mark.slow
def test_no_server_errors_and_responses_match_the_schema(runtime: Runtime) -> None:
    app = create_app(runtime=runtime, run_batcher=False)
    auth = bearer(runtime, "admin")
    failures: list[str] = []
    with TestClient(app):  # runs the lifespan
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
        assert len(operations) >= 15
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
                case.call_and_validate(
                    headers=auth,
                    # The metadata form field is JSON inside a string: the schema cannot say
                    # which strings are valid, so "schema-valid data accepted" does not apply.
                    excluded_checks=[positive_data_acceptance],
                )

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # report every operation's failures
                failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:800]}")
    assert not failures, "\n".join(failures)
