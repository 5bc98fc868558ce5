"""Every domain error has an HTTP status of its own in api/errors.py."""

from __future__ import annotations

from api.errors import HTTP_STATUS, status_for
from registry import errors as domain


def all_subclasses(cls: type[domain.RegistryError]) -> set[type[domain.RegistryError]]:
    found: set[type[domain.RegistryError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def test_every_registry_error_is_mapped() -> None:
    unmapped = {cls.__name__ for cls in all_subclasses(domain.RegistryError)} - {
        cls.__name__ for cls in HTTP_STATUS
    }
    assert not unmapped, f"map these in api/errors.py: {sorted(unmapped)}"


def test_error_codes_are_unique() -> None:
    classes = {domain.RegistryError} | all_subclasses(domain.RegistryError)
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_client_errors_are_4xx_and_outages_5xx() -> None:
    assert status_for(domain.EmptyFile("x")) == 400
    assert status_for(domain.UploadTooLarge("x")) == 413
    assert status_for(domain.DigestNotRegistered("x")) == 404
    assert status_for(domain.ChainUnreachable("x")) == 503
    for cls in all_subclasses(domain.InvalidInput) | all_subclasses(domain.NotFound):
        assert 400 <= HTTP_STATUS[cls] < 500
