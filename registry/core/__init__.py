"""Core: the shared kernel every context builds on — ``settings``, ``models`` and ``database``,
``errors`` (one root, :class:`RegistryError`), ``states`` (one enum per state machine), the
``events`` outbox, registration ``views``, and the vocabulary of a work (``metadata``, ``isbn``,
``rights``). Each module is the public face of what it names: import from the module."""
