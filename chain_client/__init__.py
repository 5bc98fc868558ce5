"""The chain side of banquan: load contract artifacts, deploy, send and confirm transactions, read state.

Speaks plain EVM JSON-RPC (web3.py), so it works against Anvil in development and Hyperledger Besu
(or any EVM chain) in production. Imports only ``crypto`` of banquan's own packages.
"""
