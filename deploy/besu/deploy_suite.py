"""Deploy banquan's contract suite to the chain in the environment and print the addresses.

    BANQUAN_CHAIN_RPC_URL=http://besu-1:8545 BANQUAN_CHAIN_PRIVATE_KEY=0x… \\
    BANQUAN_DEPLOY_REGISTRARS=0x…,0x… python deploy/besu/deploy_suite.py > deployment.json

The key's account (the deployer) becomes the admin of every contract and keeps no other role.
BANQUAN_DEPLOY_REGISTRARS is required: its first account is made registrar by the constructors;
the others, and the optional comma-separated BANQUAN_DEPLOY_MODERATORS,
BANQUAN_DEPLOY_REGULATORS and BANQUAN_DEPLOY_ATTESTORS (identity attestors besides the first
registrar, who attests from the constructors too), are scheduled (two-step grants,
``DelayedRoleGrants``) and can be executed by the admin or the grantee once
BANQUAN_DEPLOY_ROLE_GRANT_DELAY seconds (default two days; 0 is refused: it is for development
chains only) have passed; BANQUAN_DEPLOY_LENDERS are granted at once;
BANQUAN_DEPLOY_JUNIOR_LIENS=true allows junior liens. Prints one JSON object:
chain id, the block before the deployment (where the suite's events start), admin, each
contract's address, and the scheduled role grants with the time each can be executed from.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import asdict

from eth_account import Account

from chain_client.connection import connect
from chain_client.roles import ROLE_GRANT_WINDOW
from chain_client.suite import deploy_suite, grant_suite_roles
from chain_client.transactions import TransactionSender

# Two days, as the admin transfer: long enough for anyone watching to see a new holder coming.
DEFAULT_ROLE_GRANT_DELAY = 2 * 24 * 3600


def _accounts(env: Mapping[str, str], name: str) -> list[str]:
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def main(env: Mapping[str, str] = os.environ) -> int:
    try:
        rpc_url = env["BANQUAN_CHAIN_RPC_URL"]
        private_key = env["BANQUAN_CHAIN_PRIVATE_KEY"]
    except KeyError as missing:
        print(f"{missing.args[0]} is not set", file=sys.stderr)
        return 2
    registrars = _accounts(env, "BANQUAN_DEPLOY_REGISTRARS")
    if not registrars:
        print("BANQUAN_DEPLOY_REGISTRARS is not set", file=sys.stderr)
        return 2
    try:
        delay = int(env.get("BANQUAN_DEPLOY_ROLE_GRANT_DELAY", str(DEFAULT_ROLE_GRANT_DELAY)))
    except ValueError:
        delay = 0
    if delay <= 0:
        print(
            "BANQUAN_DEPLOY_ROLE_GRANT_DELAY must be a positive number of seconds", file=sys.stderr
        )
        return 2
    w3 = connect(rpc_url)
    sender = TransactionSender(w3, Account.from_key(private_key))
    start_block = w3.eth.block_number
    suite = deploy_suite(
        sender,
        registrar=registrars[0],
        junior_liens_allowed=env.get("BANQUAN_DEPLOY_JUNIOR_LIENS", "").lower() == "true",
        role_grant_delay=delay,
    )
    pending = grant_suite_roles(
        suite,
        registrars=registrars[1:],
        moderators=_accounts(env, "BANQUAN_DEPLOY_MODERATORS"),
        regulators=_accounts(env, "BANQUAN_DEPLOY_REGULATORS"),
        attestors=_accounts(env, "BANQUAN_DEPLOY_ATTESTORS"),
        lenders=_accounts(env, "BANQUAN_DEPLOY_LENDERS"),
    )
    record = {
        "chain_id": suite.registry_anchor.chain_id(),
        "start_block": start_block,
        "admin": sender.address,
        "role_grant_delay": delay,
        **asdict(suite.addresses),
        "scheduled_role_grants": [
            {
                "contract": grant.contract,
                "role": "0x" + grant.scheduled.role.hex(),
                "account": grant.scheduled.account,
                "ready_at": grant.scheduled.ready_at,
                # Not executed by then, the grant has expired and is scheduled again.
                "expires_at": grant.scheduled.ready_at + ROLE_GRANT_WINDOW,
            }
            for grant in pending
        ],
    }
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
