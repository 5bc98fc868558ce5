"""Option help that names values of heavy modules, filled in only when the help is shown.

Typer builds every command (and reads every option's help) on each start of ``banquan``, so a
help text computed when its module is imported costs every command that module's imports: the
names of the rights come from the chain client's ``Right`` (web3, over a second). A command made
with ``cls=DeferredHelp`` may write ``{rights}``, ``{property_rights}`` or ``{max_distance}`` in
its options' help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from typer.core import TyperCommand, TyperOption

if TYPE_CHECKING:
    from typer._click import Context, HelpFormatter  # typer's own click, which it builds on


def _rights() -> str:
    from registry.core.rights import ALL_RIGHT_NAMES

    return ", ".join(ALL_RIGHT_NAMES)


def _property_rights() -> str:
    from registry.core.rights import PROPERTY_RIGHT_NAMES

    return ", ".join(PROPERTY_RIGHT_NAMES)


def _max_distance() -> str:
    from registry.moderation import MAX_DISTANCE

    return str(MAX_DISTANCE)


_VALUES: dict[str, Callable[[], str]] = {
    "rights": _rights,
    "property_rights": _property_rights,
    "max_distance": _max_distance,
}


class _Values(dict[str, str]):
    """Each value computed (and its module imported) the first time a help text names it."""

    def __missing__(self, name: str) -> str:
        value = self[name] = _VALUES[name]()
        return value


class DeferredHelp(TyperCommand):
    """A command whose options' help may name :data:`_VALUES` as ``{name}``."""

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        values = _Values()
        for param in self.params:
            if isinstance(param, TyperOption) and param.help:
                param.help = param.help.format_map(values)
        super().format_help(ctx, formatter)
