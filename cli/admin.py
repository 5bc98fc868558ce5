"""``banquan admin``: API keys and the audit log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.keys import PasswordFile, ethereum_account
from cli.output import AsJson, refused
from cli.parties import party_app
from cli.runtime import registry_runtime
from registry.core.errors import RegistryError

if TYPE_CHECKING:
    from registry.platform import Runtime

admin_app = typer.Typer(help="Parties, API keys, lenders and the audit log.")
admin_app.add_typer(party_app, name="party")
console = Console(soft_wrap=True)


def _runtime() -> Runtime:
    from registry.core.settings import Settings
    from registry.platform import build_runtime

    return build_runtime(Settings())


@admin_app.command(name="create-key")
def create_key(
    name: Annotated[str, typer.Option(help="Who the key is for")],
    scope: Annotated[
        list[str],
        typer.Option(help="publisher, platform, lender, moderator, regulator, operator, admin"),
    ],
    ip: Annotated[
        list[str] | None, typer.Option(help="Allowed client network (repeatable)")
    ] = None,
    party: Annotated[
        str | None, typer.Option(help="The party it acts for (default: a new party, NAME)")
    ] = None,
) -> None:
    """Create an API key; it is printed once and never stored."""
    from registry.access import create_api_key

    with registry_runtime() as runtime:
        issued = create_api_key(
            runtime.sessions, name=name, scopes=scope, ip_allowlist=ip or (), now=runtime.now,
            party=party,
        )  # fmt: skip
    console.print(f"key id {issued.key_id} ({', '.join(issued.scopes)}) for {issued.party}")
    console.print(issued.secret, markup=False, highlight=False)


@admin_app.command(name="revoke-key")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id")]) -> None:
    """Revoke an API key."""
    from registry.access import revoke_api_key

    with registry_runtime() as runtime:
        revoke_api_key(runtime.sessions, key_id, now=runtime.now)
    console.print(f"revoked {key_id}")


@admin_app.command()
def audit(limit: Annotated[int, typer.Option(min=1)] = 100) -> None:
    """Print the latest writes through the API as JSON lines, newest first."""
    from registry.access import audit_log

    with registry_runtime() as runtime:
        for entry in audit_log(runtime.sessions, limit=limit):
            line = {
                "at": entry.at.isoformat(),
                "key_id": entry.key_id,
                "method": entry.method,
                "path": entry.path,
                "status": entry.status,
            }
            console.print(json.dumps(line), markup=False, highlight=False)


LenderAddress = Annotated[
    str,
    typer.Argument(
        help="The lender's account address (0x…), or a party (party_…): all its addresses"
    ),
]


def _lender_role(change: str, who: str, as_json: bool) -> None:
    """Grant or revoke the lender role through the assets service and show the outcome."""
    with registry_runtime(as_json=as_json) as runtime:
        assets = runtime.assets
        if who.startswith("party_"):
            party = assets.grant_lender_party if change == "grant" else assets.revoke_lender_party
            roles = party(who)
        else:
            role = assets.grant_lender(who) if change == "grant" else assets.revoke_lender(who)
            roles = [role]
    if as_json:
        documents = [role.to_json() for role in roles]
        print(json.dumps(documents if who.startswith("party_") else documents[0]))
        return
    for role in roles:
        state = "holds" if role.lender else "does not hold"
        news = f"transaction {role.tx_hash}" if role.changed else "unchanged"
        console.print(f"{role.address} {state} the lender role ({news})", highlight=False)


@admin_app.command(name="grant-lender")
def grant_lender(address: LenderAddress, as_json: AsJson = False) -> None:
    """Let an account (or every address of a party) record pledges: the lender role
    (LENDER_ROLE) on the Pledges contract."""
    _lender_role("grant", address, as_json)


@admin_app.command(name="revoke-lender")
def revoke_lender(address: LenderAddress, as_json: AsJson = False) -> None:
    """Take the lender role from an account (or every address a party linked); its recorded
    liens stay its own."""
    _lender_role("revoke", address, as_json)


@admin_app.command(name="revoke-registration")
def revoke_registration(
    registration: Annotated[
        str, typer.Argument(help="登记号 Registration number (or its leaf / asset id)")
    ],
    reason: Annotated[
        str,
        typer.Option(help="监管决定 The regulator's decision and its reference (kept off chain)"),
    ],
    as_json: AsJson = False,
) -> None:
    """撤销登记 Revoke one registration on chain for good, carrying out a regulator's decision
    (RegistryAnchor.revokeRegistration): its proof shows revoked, it is never tokenized, and its
    batch's other registrations stay valid."""
    from registry.core.record_json import json_of

    runtime = _runtime()
    try:
        view = runtime.moderation.revoke_registration(
            registration, reason=reason, actor="command line", authority="regulator"
        )
    except RegistryError as exc:
        raise refused(exc, as_json=as_json) from exc
    finally:
        runtime.close()
    if as_json:
        print(json.dumps(json_of(view), ensure_ascii=False))
        return
    console.print(
        f"已撤销 revoked {view.registration}  leaf {view.leaf}\n"
        f"  理由摘要 reason digest {view.reason_digest}\n  交易 tx {view.tx_hash}",
        highlight=False,
    )


@admin_app.command(name="collect-garbage")
def collect_garbage_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只统计 Count what would be removed, remove nothing")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """清理内容库 Remove from the embedded content store the blocks no pinned content reaches
    (catalogue files once registered, encrypted copies of published works) and the staging
    directories of uploads that never finished. A node of Kubo collects its own (ipfs repo gc)."""
    from registry.content import LocalBlockstore, collect_garbage

    with registry_runtime(as_json=as_json) as runtime:
        store = runtime.store
        if not isinstance(store, LocalBlockstore):
            console.print(
                "内容存储在 Kubo 节点上，请在该节点运行 ipfs repo gc / the content store is a Kubo "
                "node: run `ipfs repo gc` on it",
                highlight=False,
            )
            return
        report = collect_garbage(store, dry_run=dry_run)
    if as_json:
        print(json.dumps(report.to_json()))
        return
    verb = "可清理 would remove" if dry_run else "已清理 removed"
    console.print(
        f"{verb} {report.removed_blocks} blocks ({report.removed_bytes} bytes), "
        f"{report.stale_staging} stale uploads\n"
        f"  保留 kept {report.live_blocks} blocks of {report.pinned_roots} pinned roots",
        highlight=False,
    )


@admin_app.command(name="deploy-external-anchor")
def deploy_external_anchor_command(
    name: Annotated[str, typer.Option(help="The external chain's name, e.g. tianping")],
    rpc: Annotated[str, typer.Option(help="JSON-RPC URL of a node of that chain")],
    key: Annotated[
        Path | None,
        typer.Option(
            help="secp256k1 keystore of the account that will anchor there (default: the key "
            "configured for NAME in BANQUAN_EXTERNAL_CHAINS)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    password_file: PasswordFile = None,
) -> None:
    """Deploy RegistryAnchor on an external chain for second anchoring, and print its
    BANQUAN_EXTERNAL_CHAINS entry."""
    from chain_client.errors import ChainError
    from registry.core.errors import ChainUnreachable, InvalidInput
    from registry.core.settings import Settings
    from registry.platform.external_chains import deploy_external_anchor, sending_account

    settings = Settings()
    try:
        if key is not None:
            account = ethereum_account(key, password_file)
        else:
            configured = {chain.name: chain for chain in settings.external_chains}
            if name not in configured:
                raise InvalidInput(
                    f"{name} is not in BANQUAN_EXTERNAL_CHAINS: give --key "
                    f"(未配置该外部链，请指定 --key)"
                )
            account = sending_account(configured[name], dev_mode=settings.mode == "dev")
        try:
            deployed = deploy_external_anchor(name, rpc, account)
        except ChainError as exc:
            raise ChainUnreachable(f"{name}: {exc}") from exc
    except RegistryError as exc:
        raise refused(exc) from exc
    console.print(
        f"RegistryAnchor 已部署 deployed on {name} (chain {deployed.chain_id}) at "
        f"{deployed.address}, block {deployed.block_number}; registrar {deployed.registrar}"
    )
    console.print(json.dumps(deployed.setting(rpc), ensure_ascii=False), markup=False)


@admin_app.command(name="propose-lender-recovery")
def propose_lender_recovery(
    lien_id: Annotated[int, typer.Argument(help="The lien whose lender lost its key")],
    new_lender: Annotated[str, typer.Argument(help="The lender's new key (holding the role)")],
    as_json: AsJson = False,
) -> None:
    """For a lender that lost its key (identity checked off chain): propose to move the lien to
    its new key. The new key takes it after 30 days (`banquan pledge recovery`); until then the
    current key can cancel it."""
    with registry_runtime(as_json=as_json) as runtime:
        proposed = runtime.assets.propose_lender_recovery(lien_id, new_lender)
    result = {
        "lien_id": proposed.lien_id,
        "lender": proposed.lender,
        "new_lender": proposed.new_lender,
        "executable_at": proposed.executable_at,
        "tx_hash": proposed.position.tx_hash,
    }
    if as_json:
        print(json.dumps(result))
        return
    console.print(
        f"lien {lien_id}: {proposed.new_lender} may take it from {proposed.executable_at} "
        f"unless {proposed.lender} cancels",
        highlight=False,
    )
