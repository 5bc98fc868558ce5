"""Moderation (审核): the hook chain every registration passes, the review queue, takedowns and
appeals, and the hash-chained audit log of every hook result and human decision.

See docs/moderation.md. The modules: ``hooks`` (interface, chain and policy), ``builtin``
(blocklist, copyright conflict, lexicon), ``external`` (HTTP hook), ``similarity`` (the ISCC
index), ``registry`` (hooks by name, entry points), ``review`` (queue, complaints, appeals),
``takedown`` (freeze and restore on chain), ``audit`` (the log), ``events`` (decisions as events).
"""
