"""Hooks by name: the built-ins, the configured external hooks, and third-party hooks from the
``banquan.moderation_hooks`` entry-point group (a factory called with the settings)."""

from __future__ import annotations

from importlib.metadata import entry_points

from registry.core.errors import ModerationMisconfigured
from registry.core.settings import Settings
from registry.moderation.builtin import BlocklistHook, ConflictHook, Lexicon, LexiconHook
from registry.moderation.external import ExternalHook
from registry.moderation.hooks import ChainPolicy, HookChain, ModerationHook, Verdict

ENTRY_POINT_GROUP = "banquan.moderation_hooks"
BUILT_IN = ("blocklist", "conflict", "lexicon")


def build_hook_chain(settings: Settings) -> HookChain:
    """The configured chain; :class:`ModerationMisconfigured` names an unknown hook,
    :class:`InvalidLexicon` a lexicon file that cannot be used. Called at start-up."""
    external = {config.name: config for config in settings.moderation_external_hooks}
    plugins = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if len(set(settings.moderation_hooks)) != len(settings.moderation_hooks):
        raise ModerationMisconfigured(
            "BANQUAN_MODERATION_HOOKS names a hook twice",
            details={"hooks": settings.moderation_hooks},
        )
    hooks: list[ModerationHook] = []
    for name in settings.moderation_hooks:
        if name == "blocklist":
            hooks.append(BlocklistHook())
        elif name == "conflict":
            hooks.append(ConflictHook(settings.near_duplicate_max_distance))
        elif name == "lexicon":
            lexicon = Lexicon.load(settings.moderation_lexicon_files)
            hooks.append(LexiconHook(lexicon, Verdict(settings.moderation_lexicon_verdict)))
        elif name in external:
            hooks.append(ExternalHook(external[name]))
        elif name in plugins:
            hook = plugins[name].load()(settings)
            if not callable(getattr(hook, "check", None)):
                raise ModerationMisconfigured(
                    f"moderation hook {name!r} (entry point) has no check method",
                    details={"hook": name},
                )
            hooks.append(hook)
        else:
            known = sorted({*BUILT_IN, *external, *plugins})
            raise ModerationMisconfigured(
                f"unknown moderation hook {name!r} in BANQUAN_MODERATION_HOOKS "
                f"(known: {', '.join(known)})",
                details={"hook": name, "known": known},
            )
    policy = ChainPolicy(
        stop_on_reject=settings.moderation_stop_on_reject,
        hold_score=settings.moderation_hold_score,
        reject_score=settings.moderation_reject_score,
    )
    return HookChain(tuple(hooks), policy)
