"""The banquan domain: works, claims, registrations, batches; the database; one service per use case.

Imports ``crypto`` and ``chain_client``; knows nothing of HTTP or the command line.
"""
