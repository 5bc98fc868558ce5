"""API keys: shown once, stored hashed, scoped, revocable, bound to client networks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from registry.access.keys import (
    Scope,
    authenticate,
    create_api_key,
    parse_scopes,
    record_write,
    revoke_api_key,
)
from registry.core.errors import (
    ApiKeyNotFound,
    InvalidInput,
    IpNotAllowed,
    MissingScope,
    Unauthenticated,
)
from registry.core.group_commit import CommitterClosed
from registry.core.models import ApiKey, AuditEntry
from registry.platform.runtime import Runtime


def test_key_is_stored_hashed_and_authenticates_with_its_scopes(runtime: Runtime) -> None:
    issued = create_api_key(
        runtime.sessions, name="出版社", scopes=["publisher", "platform"], now=runtime.now
    )
    with runtime.sessions() as session:
        stored = session.scalars(select(ApiKey)).one()
    assert issued.secret.split("_", 2)[2] not in stored.secret_sha256
    principal = authenticate(runtime.sessions, issued.secret, client_ip="127.0.0.1")
    assert principal.scopes == {Scope.PUBLISHER, Scope.PLATFORM}
    principal.require(Scope.PUBLISHER)
    with pytest.raises(MissingScope):
        principal.require(Scope.LENDER)


@pytest.mark.parametrize("presented", [None, "", "nonsense", "bq_", "bq_abc", "bq_abc_def"])
def test_missing_malformed_or_unknown_keys_are_refused(
    runtime: Runtime, presented: str | None
) -> None:
    with pytest.raises(Unauthenticated):
        authenticate(runtime.sessions, presented, client_ip=None)


def test_wrong_secret_for_a_real_key_id_is_refused(runtime: Runtime) -> None:
    issued = create_api_key(runtime.sessions, name="k", scopes=["platform"], now=runtime.now)
    with pytest.raises(Unauthenticated):
        authenticate(runtime.sessions, issued.secret[:-2] + "xx", client_ip=None)


def test_revoked_key_is_refused(runtime: Runtime) -> None:
    issued = create_api_key(runtime.sessions, name="k", scopes=["platform"], now=runtime.now)
    revoke_api_key(runtime.sessions, issued.key_id, now=runtime.now)
    with pytest.raises(Unauthenticated, match="revoked"):
        authenticate(runtime.sessions, issued.secret, client_ip="127.0.0.1")
    with pytest.raises(ApiKeyNotFound):
        revoke_api_key(runtime.sessions, "0" * 16, now=runtime.now)


def test_key_bound_to_networks_is_refused_elsewhere(runtime: Runtime) -> None:
    issued = create_api_key(
        runtime.sessions, name="k", scopes=["lender"], ip_allowlist=["10.1.0.0/16"], now=runtime.now
    )
    assert (
        authenticate(runtime.sessions, issued.secret, client_ip="10.1.2.3").key_id == issued.key_id
    )
    with pytest.raises(IpNotAllowed):
        authenticate(runtime.sessions, issued.secret, client_ip="192.0.2.7")


@pytest.mark.parametrize("scopes", [[], ["root"], ["publisher", "superuser"]])
def test_unknown_or_no_scopes_are_refused(scopes: list[str]) -> None:
    with pytest.raises(InvalidInput):
        parse_scopes(scopes)


def test_writes_are_recorded(runtime: Runtime) -> None:
    record_write(
        runtime.sessions, key_id="abc", method="POST", path="/v1/works", status=201, now=runtime.now
    )
    with runtime.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.key_id, entry.method, entry.path, entry.status) == (
        "abc",
        "POST",
        "/v1/works",
        201,
    )


def test_concurrent_writes_are_recorded_through_the_group_committer(runtime: Runtime) -> None:
    # Each line is committed when record_write returns, the lines of concurrent requests
    # sharing commits; once the committer is closed (the process stops), it refuses and
    # records nothing.
    def write(index: int) -> None:
        record_write(
            runtime.sessions, key_id=f"k{index}", method="POST", path=f"/v1/works/{index}",
            status=201, now=runtime.now, committer=runtime.committer,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))
    with runtime.sessions() as session:
        keys = set(session.scalars(select(AuditEntry.key_id)))
    assert keys == {f"k{index}" for index in range(40)}
    runtime.committer.close()
    with pytest.raises(CommitterClosed):
        write(40)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 40
