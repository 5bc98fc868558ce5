"""The registry's runtime as a command uses it, and how a command turns a refusal into its exit.

``with registry_runtime(as_json=...) as runtime`` refuses what building the runtime raises (a key
file the settings name is unusable, say) and what the work raises, alike in every command.
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
def registry_runtime(*, as_json: bool = False) -> Iterator[Runtime]:
    """A runtime built from the settings of the environment, closed after; a refusal or a fault
    of the settings, while it is built or used, exits 2 with its code."""
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    with refusing(as_json=as_json):
        runtime = build_runtime(Settings())
        try:
            yield runtime
        finally:
            runtime.close()
