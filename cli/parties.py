"""``banquan admin party``: parties (当事人), their keys and chain addresses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from cli.keys import PasswordFile
from cli.output import AsJson
from cli.runtime import registry_runtime
from registry.core.record_json import json_of

if TYPE_CHECKING:
    from crypto.signing import KeySigner
    from registry.access import PartyView, RevealedIdentity, Verification
    from registry.platform import Runtime

T = TypeVar("T")

party_app = typer.Typer(help="Parties: who registers, holds keys and owns assets.")
console = Console(soft_wrap=True)

PartyId = Annotated[str, typer.Argument(help="The party's id (party_…)")]
KeyText = Annotated[
    str,
    typer.Argument(
        help="sm2:04…, secp256k1:04…, 0x… (an address), or a file holding a public key's JSON"
    ),
]


def _key(value: str) -> object:
    """A key given as text, or the public key in the JSON file ``value`` names (what
    ``banquan keys show --json`` prints)."""
    path = Path(value)
    if not value.startswith(("sm2:", "secp256k1:", "address:", "0x")) and path.is_file():
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict):
            return {k: v for k, v in document.items() if k in ("algorithm", "public_key", "sm2_id")}
        return document
    return value


def _run(action: Callable[[Runtime], PartyView], as_json: bool) -> None:
    _show(_with_runtime(action, as_json), as_json)


def _with_runtime(action: Callable[[Runtime], T], as_json: bool) -> T:
    with registry_runtime(as_json=as_json) as runtime:
        return action(runtime)


def _show(view: PartyView, as_json: bool) -> None:
    if as_json:
        print(json.dumps(party_json(view), ensure_ascii=False))
        return
    state = "已撤销 revoked" if view.revoked_at else "有效 active"
    kind = "机构 organisation" if view.kind == "organisation" else "个人 person"
    console.print(f"{view.party_id}  {view.public_name}  ({kind}, {state})", highlight=False)
    for key in view.keys:
        revoked = "  已撤销 revoked" if key.revoked_at else ""
        console.print(f"  {key.fingerprint}  {key.identifier[:80]}{revoked}", highlight=False)


def party_json(view: PartyView) -> dict[str, object]:
    return {
        "party_id": view.party_id,
        "kind": view.kind,
        "public_name": view.public_name,
        "created_at": view.created_at.isoformat(),
        "revoked_at": view.revoked_at.isoformat() if view.revoked_at else None,
        "addresses": list(view.addresses),
        "keys": [
            {
                "kind": key.kind,
                "identifier": key.identifier,
                "fingerprint": key.fingerprint,
                "revoked": key.revoked_at is not None,
            }
            for key in view.keys
        ],
    }


@party_app.command()
def create(
    name: Annotated[str, typer.Argument(help="The party's public name, e.g. 四川人民出版社")],
    kind: Annotated[str, typer.Option(help="organisation or person")] = "organisation",
    key: Annotated[list[str] | None, typer.Option(help="A key or address to link")] = None,
    as_json: AsJson = False,
) -> None:
    """Create a party, with the keys and addresses to link."""
    from registry.access import create_party

    keys = [_key(k) for k in key or ()]
    _run(
        lambda rt: create_party(rt.sessions, public_name=name, kind=kind, keys=keys, now=rt.now),
        as_json,
    )


@party_app.command(name="add-key")
def add_key(party: PartyId, key: KeyText, as_json: AsJson = False) -> None:
    """Link a signing key or chain address to a party (a key belongs to one party for good)."""
    from registry.access import link_key

    _run(lambda rt: link_key(rt.sessions, party, _key(key), now=rt.now), as_json)


@party_app.command(name="revoke-key")
def revoke_key(
    party: PartyId,
    fingerprint: Annotated[str, typer.Argument(help="The key's fingerprint (see `show`)")],
    as_json: AsJson = False,
) -> None:
    """Revoke one of a party's keys: claims it signs are refused from then on."""
    from registry.access import revoke_key as revoke

    _run(
        lambda rt: revoke(
            rt.sessions, party, fingerprint, now=rt.now, unbind=rt.send_pending_unbindings
        ),
        as_json,
    )


@party_app.command()
def revoke(party: PartyId, as_json: AsJson = False) -> None:
    """Revoke a party: its API keys and signing keys stop working; its registrations stay."""
    from registry.access import revoke_party

    _run(
        lambda rt: revoke_party(rt.sessions, party, now=rt.now, unbind=rt.send_pending_unbindings),
        as_json,
    )


@party_app.command()
def show(party: PartyId, as_json: AsJson = False) -> None:
    """A party, its keys and addresses, and its identity verification (实名认证)."""
    from registry.access import describe_party, verification_of

    view, verification = _with_runtime(
        lambda rt: (
            describe_party(rt.sessions, party),
            verification_of(rt.sessions, party, now=rt.now),
        ),
        as_json,
    )
    if as_json:
        print(
            json.dumps(
                {**party_json(view), "verification": verification_json(verification)},
                ensure_ascii=False,
            )
        )
        return
    _show(view, as_json)
    _show_verification(verification)


def verification_json(verification: Verification) -> dict[str, object]:
    value = json_of(verification)
    return {"status": value.pop("status"), "label": verification.label, **value}


def _show_verification(verification: Verification, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps(verification_json(verification), ensure_ascii=False))
        return
    console.print(f"  实名 identity: {verification.label}", highlight=False)
    if verification.commitment:
        until = verification.expires_at.isoformat() if verification.expires_at else ""
        console.print(
            f"    承诺 commitment {verification.commitment}  有效期至 expires {until}",
            highlight=False,
        )
        console.print(f"    认证机构 attestor {verification.attestor}", highlight=False)
        if verification.chain_tx:
            console.print(f"    链上记录 on chain {verification.chain_tx}", highlight=False)


@party_app.command()
def verify(
    party: PartyId,
    credit_code: Annotated[
        str | None,
        typer.Option("--credit-code", help="统一社会信用代码 (an organisation), dev attestor"),
    ] = None,
    resident_id: Annotated[
        str | None,
        typer.Option("--resident-id", help="公民身份号码 (a person), dev attestor"),
    ] = None,
    legal_name: Annotated[
        str | None, typer.Option("--legal-name", help="法定名称 the legal name, dev attestor")
    ] = None,
    attestation: Annotated[
        Path | None,
        typer.Option(
            "--attestation",
            help="A file from an external attestor: {attestation, signature, identity, salt}",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    valid_days: Annotated[
        int, typer.Option(min=1, max=3650, help="Dev attestor: days the attestation holds")
    ] = 365,
    as_json: AsJson = False,
) -> None:
    """Record a party's identity attestation (实名认证): signed by an external attestor
    (--attestation FILE), or, in dev mode only, by the development attestor
    (--credit-code or --resident-id, with --legal-name)."""
    from registry.access import (
        AttestationSubmission,
        attest_party,
        attest_party_in_dev_mode,
    )

    number = credit_code or resident_id
    if attestation is not None:
        if number or legal_name:
            raise typer.BadParameter("--attestation or the identity options, not both")
        try:
            document = json.loads(attestation.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise typer.BadParameter(f"{attestation} is not JSON: {exc}") from exc

        def record(rt: Runtime) -> Verification:
            submission = AttestationSubmission.from_json(document)
            return attest_party(
                rt.sessions, rt.attestors, party, submission, now=rt.now,
                ledger=rt.identity_ledger,
            )  # fmt: skip

    else:
        if not number or not legal_name or (credit_code and resident_id):
            raise typer.BadParameter(
                "give --attestation FILE, or --credit-code or --resident-id with --legal-name"
            )

        def record(rt: Runtime) -> Verification:
            return attest_party_in_dev_mode(
                rt.sessions, rt.attestors, party, id_number=number, legal_name=legal_name,
                valid_for=timedelta(days=valid_days), now=rt.now, ledger=rt.identity_ledger,
            )  # fmt: skip

    _show_verification(_with_runtime(record, as_json), as_json)


@party_app.command()
def unverify(
    party: PartyId,
    reason: Annotated[str, typer.Option(help="Why (kept with the revocation)")] = "",
    as_json: AsJson = False,
) -> None:
    """Revoke a party's current identity attestation: it shows as revoked, not verified."""
    from registry.access import revoke_attestation

    verification = _with_runtime(
        lambda rt: revoke_attestation(
            rt.sessions, party, reason=reason, now=rt.now, ledger=rt.identity_ledger
        ),
        as_json,
    )
    _show_verification(verification, as_json)


@party_app.command()
def identity(party: PartyId, as_json: AsJson = False) -> None:
    """Reveal a party's identity (legal name, credit code or resident ID, and the salt): the
    read is recorded in the audit log."""
    from registry.access import IdentityReader, reveal_identity

    reader = IdentityReader(None, None, regulator=True, via=f"banquan admin party identity {party}")
    revealed: RevealedIdentity = _with_runtime(
        lambda rt: reveal_identity(rt.sessions, rt.attestors, party, reader, now=rt.now), as_json
    )
    if as_json:
        document = {
            "party_id": revealed.party_id,
            "identity": revealed.identity.to_json(),
            "salt": revealed.salt,
            "attestation": dict(revealed.statement),
            "signature": revealed.signature,
            "verification": verification_json(revealed.verification),
        }
        print(json.dumps(document, ensure_ascii=False))
        return
    number_label = (
        "统一社会信用代码 credit code"
        if revealed.identity.kind == "organisation"
        else "公民身份号码 resident ID"
    )
    console.print(f"{revealed.party_id}  {revealed.verification.label}", highlight=False)
    console.print(f"  法定名称 legal name  {revealed.identity.legal_name}", highlight=False)
    console.print(f"  {number_label}  {revealed.identity.id_number}", highlight=False)
    console.print(f"  盐 salt  {revealed.salt}", highlight=False)
    console.print(f"  承诺 commitment  {revealed.statement['commitment']}", highlight=False)
    console.print("  (已记入审计日志 this read is in the audit log)", highlight=False)


@party_app.command(name="list")
def list_all(as_json: AsJson = False) -> None:
    """Every party."""
    from registry.access import list_parties

    with registry_runtime(as_json=as_json) as runtime:
        views = list_parties(runtime.sessions)
    for view in views:
        _show(view, as_json)


# ``banquan party``: the party acting for itself, known by a keystore of one of its own keys.
own_party_app = typer.Typer(
    help="当事人自助 Your own party: link keys you hold, revoke your keys (acting with --as)."
)
ActingKey = Annotated[
    Path,
    typer.Option(
        "--as",
        help="你的密钥库 A keystore of a key already linked to your party (who acts)",
        exists=True,
        dir_okay=False,
    ),
]


def _acting_identifier(path: Path, password_file: Path | None) -> str:
    from cli.keys import signer_from
    from registry.access.parties import key_identifier

    return key_identifier(signer_from(path, password_file).public_key)


def _proof_signer(path: Path, password_file: Path | None) -> KeySigner:
    """The new key's signer; an SM2 key signs with the default ID (1234567812345678), as the
    statement's check expects whatever ID its keystore names."""
    from cli.keys import signer_from
    from crypto.signing import KeySigner
    from crypto.sm2 import SM2PrivateKey

    signer = signer_from(path, password_file)
    key = signer.private_key
    if isinstance(key, SM2PrivateKey):
        return KeySigner(SM2PrivateKey.from_bytes(key.to_bytes()))
    return signer


@own_party_app.command(name="link-key")
def link_own(
    key: Annotated[
        Path,
        typer.Option(
            "--key", help="新密钥 The keystore of the key to link", exists=True, dir_okay=False
        ),
    ],
    acting: ActingKey,
    password_file: PasswordFile = None,
    key_password_file: Annotated[
        Path | None, typer.Option(help="The new keystore's password file (else as --as's)")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """绑定新密钥 Link a key you hold to your party: the new key signs the registry's
    statement (party, key, purpose, nonce, 5-minute expiry) and the proof is checked as the API
    checks it. A key belongs to one party for good."""
    from registry.access import key_link_statement, link_own_key, party_holding
    from registry.access.parties import key_identifier

    identifier = _acting_identifier(acting, password_file)
    signer = _proof_signer(key, key_password_file or password_file)

    def link(rt: Runtime) -> PartyView:
        party = party_holding(rt.sessions, identifier)
        statement = key_link_statement(
            rt.sessions, party, key_identifier(signer.public_key), now=rt.now
        )
        signature = signer.sign(statement.message()).to_text()
        return link_own_key(rt.sessions, party, statement.to_json(), signature, now=rt.now)

    view = _with_runtime(link, as_json)
    if not as_json:
        console.print("已绑定 linked", highlight=False)
    _show(view, as_json)


@own_party_app.command(name="revoke-key")
def revoke_own(
    fingerprint: Annotated[str, typer.Argument(help="The key's fingerprint (see the listing)")],
    acting: ActingKey,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """撤销密钥 Revoke one of your party's keys: claims it signs are refused from then on, and
    it is never linked again."""
    from registry.access import party_holding, revoke_own_key

    identifier = _acting_identifier(acting, password_file)
    _run(
        lambda rt: revoke_own_key(
            rt.sessions,
            party_holding(rt.sessions, identifier),
            fingerprint,
            now=rt.now,
            unbind=rt.send_pending_unbindings,
        ),
        as_json,
    )


@own_party_app.command(name="show")
def show_own(
    acting: ActingKey, password_file: PasswordFile = None, as_json: AsJson = False
) -> None:
    """你的当事人 Your party, its keys and addresses."""
    from registry.access import own_party, party_holding

    identifier = _acting_identifier(acting, password_file)
    _run(lambda rt: own_party(rt.sessions, party_holding(rt.sessions, identifier)), as_json)
