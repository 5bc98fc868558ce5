"""The context packages import their public names on first use, and only then."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["registry.content", "registry.platform", "registry.proofs", "registry.registration"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_the_object_of_its_module(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None
        assert vars(module)[name] is value  # kept: the next read does not import again


@pytest.mark.parametrize("package", PACKAGES)
def test_an_unknown_name_is_an_attribute_error(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'nothing'"):
        module.nothing  # noqa: B018


def test_importing_a_package_does_not_import_its_modules() -> None:
    probe = (
        "import sys\n"
        "import registry.platform\n"
        "print(','.join(m for m in ('registry.platform.webhooks', 'registry.platform.runtime')"
        " if m in sys.modules))\n"
        "registry.platform.Runtime\n"
        "print('registry.platform.runtime' in sys.modules)\n"
    )
    lines = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert lines == ["", "True"]
