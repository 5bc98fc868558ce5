"""Every domain error, and every fault of the settings, has an HTTP status in api/errors.py: its
own, or its family's."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import registry
from api.errors import mapped_class, status_for, status_of
from registry.core import errors as domain

DOCS = Path(__file__).parents[2] / "docs" / "errors.md"
ROOTS = (domain.RegistryError, domain.ConfigurationError)


def all_subclasses(cls: type[domain.CodedError]) -> set[type[domain.CodedError]]:
    found: set[type[domain.CodedError]] = set()
    for sub in cls.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def import_every_registry_module() -> None:
    """Errors declared beside their service (group_commit's, say) exist once their module is
    imported: import them all, so the answer does not depend on which tests ran before."""
    for module in pkgutil.walk_packages(registry.__path__, "registry."):
        importlib.import_module(module.name)


def every_error() -> set[type[domain.CodedError]]:
    import_every_registry_module()
    return {
        *ROOTS,
        *all_subclasses(domain.RegistryError),
        *all_subclasses(domain.ConfigurationError),
    }


def test_every_registry_error_is_mapped() -> None:
    # Mapped by a family or by itself, never only by the root's catch-all 500.
    unmapped = {
        cls.__name__
        for cls in all_subclasses(domain.RegistryError)
        if mapped_class(cls) is domain.RegistryError
    }
    assert not unmapped, f"map these (or their family) in api/errors.py: {sorted(unmapped)}"


def test_faults_of_the_settings_are_not_domain_errors() -> None:
    # ``except RegistryError`` handles what a request did wrong; a fault of the settings passes.
    for cls in {domain.ConfigurationError} | all_subclasses(domain.ConfigurationError):
        assert not issubclass(cls, domain.RegistryError)
        assert issubclass(mapped_class(cls), domain.ConfigurationError)


def test_error_codes_are_unique() -> None:
    codes = [cls.code for cls in every_error()]
    assert len(codes) == len(set(codes))


def test_client_errors_are_4xx_and_outages_5xx() -> None:
    assert status_for(domain.EmptyFile("x")) == 400
    assert status_for(domain.UploadTooLarge("x")) == 413
    assert status_for(domain.DigestNotRegistered("x")) == 404
    assert status_for(domain.ChainUnreachable("x")) == 503
    for cls in all_subclasses(domain.InvalidInput) | all_subclasses(domain.NotFound):
        assert 400 <= status_of(cls) < 500


def test_every_error_answers_the_status_docs_errors_md_gives_its_code() -> None:
    documented = {
        code: int(status)
        for code, status in re.findall(r"^\| `(\w+)` \| (\d+) \|", DOCS.read_text(), re.M)
    }
    families = {domain.Unprocessable}  # never raised themselves, so not in the table
    answered = {cls.code: status_of(cls) for cls in every_error() - families}
    assert answered == {code: documented.get(code) for code in answered}
