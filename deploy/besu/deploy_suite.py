"""Deploy banquan's contract suite to the chain in the environment and print the addresses.

    BANQUAN_CHAIN_RPC_URL=http://besu-1:8545 BANQUAN_CHAIN_PRIVATE_KEY=0x… \\
    BANQUAN_DEPLOY_REGISTRARS=0x…,0x… python deploy/besu/deploy_suite.py > deployment.json

The key's account becomes the admin of every contract and a registrar. Optional comma-separated
lists grant the other roles: BANQUAN_DEPLOY_REGISTRARS, BANQUAN_DEPLOY_MODERATORS,
BANQUAN_DEPLOY_REGULATORS, BANQUAN_DEPLOY_LENDERS; BANQUAN_DEPLOY_JUNIOR_LIENS=true allows junior
liens. Prints one JSON object: chain id, the block before the deployment (where the suite's
events start), admin, and each contract's address.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict

from eth_account import Account

from chain_client.connection import connect
from chain_client.suite import deploy_suite
from chain_client.transactions import TransactionSender


def _accounts(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def main(env: Mapping[str, str] = os.environ) -> int:
    try:
        rpc_url = env["BANQUAN_CHAIN_RPC_URL"]
        private_key = env["BANQUAN_CHAIN_PRIVATE_KEY"]
    except KeyError as missing:
        print(f"{missing.args[0]} is not set", file=sys.stderr)
        return 2
    w3 = connect(rpc_url)
    sender = TransactionSender(w3, Account.from_key(private_key))
    start_block = w3.eth.block_number
    suite = deploy_suite(
        sender,
        registrars=_accounts(env, "BANQUAN_DEPLOY_REGISTRARS"),
        moderators=_accounts(env, "BANQUAN_DEPLOY_MODERATORS"),
        regulators=_accounts(env, "BANQUAN_DEPLOY_REGULATORS"),
        lenders=_accounts(env, "BANQUAN_DEPLOY_LENDERS"),
        junior_liens_allowed=env.get("BANQUAN_DEPLOY_JUNIOR_LIENS", "").lower() == "true",
    )
    record = {
        "chain_id": suite.registry_anchor.chain_id(),
        "start_block": start_block,
        "admin": sender.address,
        **asdict(suite.addresses),
    }
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
