"""Moderation (审核): the hook chain every registration passes, the review queue, takedowns and
appeals, and the hash-chained audit log of every hook result and human decision.

See docs/moderation.md. The modules: ``hooks`` (interface, chain and policy), ``builtin``
(blocklist, copyright conflict, lexicon), ``external`` (HTTP hook), ``similarity`` (the ISCC
index), ``registry`` (hooks by name, entry points), ``review`` (queue, complaints, appeals),
``takedown`` (freeze and restore on chain), ``audit`` (the log), ``events`` (decisions as
events)."""

from registry.moderation.audit import prune_audit
from registry.moderation.catalog import build_hook_chain
from registry.moderation.events import ModerationEvents
from registry.moderation.hooks import HookChain
from registry.moderation.review import (
    ModerationGate,
    announce_registration,
    check_publication,
    record_moderation,
    status_after,
)
from registry.moderation.revocation import record_chain_revocation
from registry.moderation.service import Moderation
from registry.moderation.similar_works import (
    MAX_DISTANCE,
    MAX_LIMIT,
    SimilarWorks,
    find_similar_works,
    find_works_similar_to_file,
)
from registry.moderation.takedown import record_chain_freeze, record_chain_restore

__all__ = [
    "MAX_DISTANCE",
    "MAX_LIMIT",
    "HookChain",
    "Moderation",
    "ModerationEvents",
    "ModerationGate",
    "SimilarWorks",
    "announce_registration",
    "build_hook_chain",
    "check_publication",
    "find_similar_works",
    "find_works_similar_to_file",
    "prune_audit",
    "record_chain_freeze",
    "record_chain_restore",
    "record_chain_revocation",
    "record_moderation",
    "status_after",
]
