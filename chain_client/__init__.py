"""The chain side of banquan: contract artifacts, deployment, transactions, state.

Speaks plain EVM JSON-RPC (web3.py), so it works against Anvil in development and Hyperledger Besu
(or any EVM chain) in production. Imports only ``crypto`` of banquan's own packages.
"""
