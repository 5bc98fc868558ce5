"""The banquan domain: works, claims, registrations, batches, the database, one service per use.

Imports ``crypto`` and ``chain_client``; knows nothing of HTTP or the command line.
"""
