"""The registry's runtime as a command uses it, and how a command turns a refusal into its exit.

``with registry_runtime() as runtime, refusing(as_json=...)`` refuses what the work raises;
``with refusing(as_json=...), registry_runtime() as runtime`` also what building the runtime
raises (a key file the settings name is unusable, say).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from cli.output import refused
from registry.core.errors import ConfigurationError, RegistryError

if TYPE_CHECKING:
    from registry.platform import Runtime


@contextmanager
def refusing(*, as_json: bool = False) -> Iterator[None]:
    """A refusal, or a fault of the settings, raised inside exits 2 with its code."""
    try:
        yield
    except (RegistryError, ConfigurationError) as error:
        raise refused(error, as_json=as_json) from error


@contextmanager
def registry_runtime() -> Iterator[Runtime]:
    """A runtime built from the settings of the environment, closed after."""
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    runtime = build_runtime(Settings())
    try:
        yield runtime
    finally:
        runtime.close()
