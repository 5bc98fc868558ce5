"""A package's public face imported on first use (PEP 562).

A context package re-exports the names of its modules; importing them all at once would make
importing one module of the package import every other, and a command that needs little would
start slowly. :func:`lazy_exports` gives the package a module ``__getattr__`` that imports each
name from its module the first time it is read, and keeps it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]]) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package`` for ``exports``: module name → the names it gives."""
    modules = {name: module for module, names in exports.items() for name in names}
    namespace = vars(sys.modules[package])

    def module_getattr(name: str) -> object:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return module_getattr
