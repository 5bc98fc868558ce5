"""``banquan pledge`` and ``banquan asset``: tokenize, pledge, license and transfer rights assets
with the user's own key.

The key stays with the user: it is read from the user's keystore (``banquan keys new
--algorithm secp256k1``) and signs here; the registry services run their checks and send through
a :class:`TransactionSender` for that account, as the HTTP API's relay does for keys held
elsewhere. Exit status 2 and the error code on any refusal; ``--json`` for scripts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.deferred_help import DeferredHelp
from cli.keys import PasswordFile, ethereum_account
from cli.output import AsJson, show_fields
from cli.runtime import refusing, registry_runtime
from registry.core.errors import InvalidInput, InvalidLicenceTerms, NotAssetOwner

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from chain_client.licences import LicenceTerms
    from chain_client.suite import Suite
    from chain_client.transactions import TransactionSender
    from registry.platform import Runtime

pledge_app = typer.Typer(help="Pledges of rights assets (质押), signed with your own key.")
asset_app = typer.Typer(help="Transfer and license rights assets, signed with your own key.")
console = Console(soft_wrap=True)

Key = Annotated[
    Path,
    typer.Option(
        "--key", help="Your secp256k1 keystore (the acting account)", exists=True, dir_okay=False
    ),
]
Reference = Annotated[str, typer.Argument(help="Registration number (BQ-…) or 64-hex asset id")]
Lender = Annotated[str | None, typer.Option(help="The lender's address (default: --key's)")]
Amount = Annotated[int, typer.Option(help="Secured amount, in the currency's minor unit")]
Currency = Annotated[str, typer.Option(help="ISO 4217 code")]
Maturity = Annotated[int, typer.Option(help="Maturity (Unix seconds)")]
RegistrationNo = Annotated[str, typer.Option(help="Official pledge registration number")]
LienId = Annotated[int, typer.Argument(help="The lien's id")]
# A licence's terms, as `asset licence` grants it and `pledge consent-licence` names it.
Territory = Annotated[int, typer.Option(help="ISO 3166-1 numeric; 0 = worldwide")]
Exclusive = Annotated[bool, typer.Option(help="Exclusive licence")]
Revocable = Annotated[bool, typer.Option(help="The owner may revoke it")]


@dataclass
class _Session:
    runtime: Runtime
    suite: Suite
    account: LocalAccount | None

    @property
    def signer(self) -> LocalAccount:
        """The user's account, for the commands that take ``--key``."""
        if self.account is None:
            raise InvalidInput("this command signs with your key: give --key")
        return self.account

    @property
    def sender(self) -> TransactionSender:
        from chain_client.transactions import TransactionSender

        return TransactionSender(self.runtime.w3, self.signer)


@contextmanager
def _session(
    as_json: bool, key: Path | None = None, password_file: Path | None = None
) -> Iterator[_Session]:
    """The runtime, the suite and the user's account; a domain error exits 2 with its code."""
    with refusing(as_json=as_json):
        account = ethereum_account(key, password_file) if key is not None else None
        with registry_runtime(as_json=as_json) as runtime:
            yield _Session(runtime, runtime.suite(), account)


def _position(event: Any) -> dict[str, Any]:
    return {"tx_hash": event.position.tx_hash, "block_number": event.position.block_number}


def _show_lien(
    as_json: bool, event: Any, fields: dict[str, Any] | None = None, *, asset: bool = True
) -> None:
    """A lien transaction's result: its lien (and asset), ``fields``, then where it landed."""
    head: dict[str, Any] = {"lien_id": event.lien_id}
    if asset:
        head["asset_id"] = f"{event.asset_id:064x}"
    show_fields(as_json, {**head, **(fields or {}), **_position(event)})


# ------------------------------------------------------------------------------------ tokenize


@asset_app.command(name="tokenize", cls=DeferredHelp)
def tokenize_command(
    number: Annotated[str, typer.Argument(help="Registration number (BQ-…)")],
    owner: Annotated[
        str | None, typer.Option(help="Who will own the asset (default: --key's address)")
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key",
            help="The registration's controller's secp256k1 keystore: signs the mint "
            "authorization here (a registration bound to a controller needs it)",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    territory: Territory = 0,
    term_end: Annotated[
        int | None, typer.Option(help="Unix time the rights end (default: the registry's term)")
    ] = None,
    deadline: Annotated[
        int | None, typer.Option(help="Authorization void after (Unix seconds; default: 24 h)")
    ] = None,
    right: Annotated[
        list[str] | None,
        typer.Option(
            help="Property right the asset carries (repeatable; default: every one the "
            "registration claims; moral rights never): {property_rights}"
        ),
    ] = None,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """Mint the rights asset of an anchored registration (sent by the registry's registrar
    account). A registration bound to a controller (its claim signed with the registrant's own
    secp256k1 key) is minted only with the controller's EIP-712 authorization: give that key
    with --key and it signs here; the key never leaves this machine."""
    from chain_client.rights_assets import sign_mint_authorization
    from registry.assets import MintAuthorizationGrant
    from registry.core.errors import InvalidMintAuthorization
    from registry.proofs.verification import get_registration

    with _session(as_json, key, password_file) as session:
        if owner is None:
            owner = session.signer.address
        assets = session.runtime.assets
        controller = get_registration(session.runtime.sessions, number).controller
        authorization = None
        if controller is not None and session.account is not None:
            request = assets.mint_authorization(
                number, owner, territory=territory, term_end=term_end, deadline=deadline,
                rights=right,
            )  # fmt: skip
            if session.account.address != request.controller:
                raise InvalidMintAuthorization(
                    "the key is not the registration's controller",
                    details={"controller": request.controller, "key": session.account.address},
                )
            signature = sign_mint_authorization(session.account, request.typed_data)
            authorization = MintAuthorizationGrant(request.deadline, signature)
        minted = assets.tokenize(
            number, owner, caller=None, territory=territory, term_end=term_end,
            authorization=authorization, rights=right,
        )  # fmt: skip
        zero = "0x" + "00" * 20
        show_fields(
            as_json,
            {
                "asset_id": f"{minted.asset_id:064x}",
                "owner": minted.owner,
                "rights": minted.rights,
                "territory": minted.territory,
                "term_end": minted.term_end,
                "controller": None if minted.controller == zero else minted.controller,
                **_position(minted),
            },
        )


# -------------------------------------------------------------------------------------- pledge


@pledge_app.command()
def consent(
    reference: Reference,
    key: Key,
    amount: Amount,
    maturity: Maturity,
    lender: Annotated[str, typer.Option(help="The lender's address")],
    currency: Currency = "CNY",
    registration_no: RegistrationNo = "",
    deadline: Annotated[
        int | None, typer.Option(help="Consent void after (Unix seconds; default: 24 hours)")
    ] = None,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the owner, sign the EIP-712 consent that lets LENDER record this pledge (nothing is
    sent); give the signature and deadline to the lender."""
    from registry.assets import pledge_consent, pledge_terms, resolve_asset_id

    with _session(as_json, key, password_file) as session:
        asset_id = resolve_asset_id(session.runtime.sessions, reference)
        terms = pledge_terms(asset_id, lender, amount, currency, maturity, registration_no)
        request = pledge_consent(session.suite, terms, deadline)
        account = session.signer
        if request.owner != account.address:
            raise NotAssetOwner(
                "the key is not the asset owner's",
                details={"owner": request.owner, "key": account.address},
            )
        signed = account.sign_typed_data(full_message=request.typed_data)
        show_fields(
            as_json,
            {
                "asset_id": f"{asset_id:064x}",
                "owner": request.owner,
                "lender": terms.lender,
                "nonce": request.nonce,
                "deadline": request.deadline,
                "signature": "0x" + bytes(signed.signature).hex(),
            },
        )


@pledge_app.command()
def record(
    reference: Reference,
    key: Key,
    amount: Amount,
    maturity: Maturity,
    deadline: Annotated[int, typer.Option(help="The deadline the owner signed")],
    signature: Annotated[str, typer.Option(help="The owner's consent signature (hex)")],
    currency: Currency = "CNY",
    registration_no: RegistrationNo = "",
    lender: Lender = None,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender, record the pledge the owner consented to."""
    from registry.assets import OwnerConsent, pledge, pledge_terms, resolve_asset_id

    with _session(as_json, key, password_file) as session:
        asset_id = resolve_asset_id(session.runtime.sessions, reference)
        terms = pledge_terms(
            asset_id, lender or session.signer.address, amount, currency, maturity,
            registration_no,
        )  # fmt: skip
        try:
            owner_sig = bytes.fromhex(signature.removeprefix("0x"))
        except ValueError as exc:
            raise InvalidInput("the signature must be hex") from exc
        pledged = pledge(session.suite, session.sender, terms, OwnerConsent(deadline, owner_sig))
        fields = {"owner": pledged.owner, "lender": pledged.lender, "creator": pledged.creator}
        _show_lien(as_json, pledged, {**fields, "rank": pledged.rank})


@pledge_app.command(name="release")
def release_command(
    lien_id: LienId,
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender, release a lien."""
    from registry.assets import release

    with _session(as_json, key, password_file) as session:
        released = release(session.suite, session.sender, lien_id)
        _show_lien(as_json, released)


@pledge_app.command(name="enforce")
def enforce_command(
    lien_id: LienId,
    key: Key,
    to: Annotated[str, typer.Option(help="Who receives the asset (the lender or a buyer)")],
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender, enforce a matured, most senior lien: the asset moves to TO."""
    from registry.assets import enforce

    with _session(as_json, key, password_file) as session:
        enforced = enforce(session.suite, session.sender, lien_id, to)
        _show_lien(as_json, enforced, {"from": enforced.from_, "to": enforced.to})


@pledge_app.command(name="consent-licence", cls=DeferredHelp)
def consent_licence_command(
    lien_id: LienId,
    key: Key,
    licensee: Annotated[str | None, typer.Option(help="The licensee's address")] = None,
    right: Annotated[
        list[str] | None, typer.Option(help="Licensed right (repeatable): {rights}")
    ] = None,
    start: Annotated[int, typer.Option(help="Unix seconds, as the owner will grant it")] = 0,
    end: Annotated[int, typer.Option(help="Unix seconds, as the owner will grant it")] = 0,
    territory: Territory = 0,
    exclusive: Exclusive = False,
    revocable: Revocable = False,
    withdraw: Annotated[bool, typer.Option(help="Withdraw your consent instead")] = False,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender, consent to ONE licence of the pledged asset (同意许可): the one with exactly
    these terms, as `banquan asset licence` will grant it. The grant uses the consent up; any
    other licence, or a second grant, needs a new consent."""
    from registry.assets import consent_to_licence, licence_terms
    from registry.assets.rights_assets import lien_asset_id

    with _session(as_json, key, password_file) as session:
        terms: LicenceTerms | None = None
        if not withdraw:
            if licensee is None or not right:
                raise InvalidLicenceTerms(
                    "name the licence: --licensee and --right at least (or --withdraw) / "
                    "请写明许可：至少 --licensee 与 --right（或 --withdraw）"
                )
            terms = licence_terms(
                lambda: lien_asset_id(session.suite, lien_id), licensee, right,
                territory=territory, start=start, end=end, exclusive=exclusive,
                revocable=revocable,
            )  # fmt: skip
        consented = consent_to_licence(session.suite, session.sender, lien_id, terms)
        digest = consented.licence_digest
        _show_lien(
            as_json,
            consented,
            {"licence_digest": "0x" + digest.hex(), "withdrawn": not any(digest)},
        )


@pledge_app.command(name="reduce")
def reduce_command(
    lien_id: LienId,
    key: Key,
    amount: Annotated[int, typer.Option(help="The new secured amount (minor units), below now")],
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender, release part of a lien (部分解除): it secures AMOUNT from now on."""
    from registry.assets.rights_assets import reduce_lien

    with _session(as_json, key, password_file) as session:
        reduced = reduce_lien(session.suite, session.sender, lien_id, amount)
        amounts = {"old_amount": str(reduced.old_amount), "new_amount": str(reduced.new_amount)}
        _show_lien(as_json, reduced, amounts, asset=False)


KeyRotation = Annotated[
    bool, typer.Option(help="The same lender's new key (else: assignment to another lender)")
]


@pledge_app.command(name="sign-transfer")
def sign_transfer_command(
    lien_id: LienId,
    key: Key,
    to: Annotated[str, typer.Option(help="The new lender (or your new key)")],
    deadline: Annotated[int | None, typer.Option(help="Unix seconds (default: in 24 h)")] = None,
    key_rotation: KeyRotation = False,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As one of the two lenders, sign your consent to the lien moving to TO (转让同意); the other
    lender sends it with `banquan pledge assign`."""
    from chain_client.pledges import LenderChange
    from registry.assets.transactions_relay import lien_transfer_consent

    how = LenderChange.KEY_ROTATION if key_rotation else LenderChange.ASSIGNMENT
    with _session(as_json, key, password_file) as session:
        request = lien_transfer_consent(
            session.suite, lien_id, session.signer.address, to, how, deadline
        )
        signed = session.signer.sign_typed_data(full_message=request.typed_data).signature
        show_fields(
            as_json,
            {
                "lien_id": lien_id,
                "signer": request.owner,
                "to": to,
                "deadline": request.deadline,
                "signature": "0x" + bytes(signed).hex(),
            },
        )


@pledge_app.command(name="assign")
def assign_command(
    lien_id: LienId,
    key: Key,
    to: Annotated[str, typer.Option(help="The new lender (or the lender's new key)")],
    deadline: Annotated[int, typer.Option(help="The other lender's consent deadline")],
    signature: Annotated[str, typer.Option(help="The other lender's consent (sign-transfer)")],
    key_rotation: KeyRotation = False,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lien's lender (or the lender it moves to), move the lien to TO with the other
    lender's signed consent (质权转让 / 更换密钥)."""
    from chain_client.pledges import LenderChange
    from registry.assets import OwnerConsent
    from registry.assets.rights_assets import transfer_lien

    how = LenderChange.KEY_ROTATION if key_rotation else LenderChange.ASSIGNMENT
    with _session(as_json, key, password_file) as session:
        try:
            raw = bytes.fromhex(signature.removeprefix("0x"))
        except ValueError as exc:
            raise InvalidInput("--signature must be hex / 签名须为十六进制") from exc
        moved = transfer_lien(
            session.suite, session.sender, lien_id, to, how, OwnerConsent(deadline, raw)
        )
        change = {"from": moved.old_lender, "to": moved.new_lender}
        _show_lien(as_json, moved, {**change, "how": moved.how.name.lower()}, asset=False)


@pledge_app.command(name="recovery")
def recovery_command(
    lien_id: LienId,
    key: Key,
    cancel: Annotated[bool, typer.Option(help="As the current key: cancel it")] = False,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the lender's new key, take over the lien once the recovery an administrator proposed
    (`banquan admin propose-lender-recovery`) is past its 30 days; with --cancel, as the lien's
    current key, cancel it."""
    from registry.assets.rights_assets import cancel_lender_recovery, execute_lender_recovery

    with _session(as_json, key, password_file) as session:
        if cancel:
            cancelled = cancel_lender_recovery(session.suite, session.sender, lien_id)
            _show_lien(as_json, cancelled, {"cancelled": True}, asset=False)
            return
        moved = execute_lender_recovery(session.suite, session.sender, lien_id)
        _show_lien(as_json, moved, {"from": moved.old_lender, "to": moved.new_lender}, asset=False)


@pledge_app.command(name="attest")
def attest_command(
    lien_id: LienId,
    key: Key,
    number: Annotated[str, typer.Option(help="The official pledge registration number")],
    registered_at: Annotated[int, typer.Option(help="When it was registered (Unix seconds)")],
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the registry authority (著作权质权登记机关), attest a lien's official registration:
    registered liens rank before unregistered ones, by registration time."""
    from registry.assets.rights_assets import attest_registration

    with _session(as_json, key, password_file) as session:
        attested = attest_registration(
            session.suite, session.sender, lien_id, number, registered_at
        )
        ranks = [r.lien_id for r in session.suite.pledges.active_liens(attested.asset_id)]
        attestation = {"number": number, "registered_at": attested.registered_at}
        _show_lien(
            as_json, attested, {**attestation, "rank": ranks.index(lien_id) + 1}, asset=False
        )


@pledge_app.command()
def show(
    reference: Reference,
    block: Annotated[int | None, typer.Option(help="As of this block (default: latest)")] = None,
    as_json: AsJson = False,
) -> None:
    """Every encumbrance of an asset: liens by rank, a freeze, exclusive licences."""
    from registry.assets import LienStanding

    with _session(as_json) as session:
        assets = session.runtime.assets
        asset_id = assets.asset_id(reference)
        found = assets.encumbrances(asset_id, block=block)
        report = found.report
        liens = [asdict(LienStanding.of(ranked)) for ranked in report.liens]
        frozen_by = report.freeze_authority.name.lower() if report.frozen_at else None
        result = {
            "asset_id": f"{asset_id:064x}",
            "owner": found.owner,
            "clear": found.clear,
            "revoked": found.revoked,
            "liens": liens,
            "frozen": bool(report.frozen_at),
            "frozen_by": frozen_by,
            "exclusive_licences": [entry.licence_id for entry in report.exclusive_licences],
        }
        if as_json:
            show_fields(True, result)
            return
        state = "无权利负担 clear" if found.clear else "有权利负担 encumbered"
        console.print(f"资产 asset {result['asset_id']}: {state}", highlight=False)
        console.print(f"  持有人 owner: {found.owner}", highlight=False)
        if found.revoked:
            console.print(
                "  [red]已撤销 revoked[/red]: 登记已被监管撤销，不得质押、许可或转让 the "
                "registration was revoked: not pledged, licensed or transferred",
                highlight=False,
            )
        for lien in liens:
            console.print(
                f"  质押 lien {lien['lien_id']} 顺位 rank {lien['rank']}: {lien['amount']} "
                f"{lien['currency']}，质权人 lender {lien['lender']}，到期 maturity "
                f"{lien['maturity']}",
                highlight=False,
            )
        if frozen_by is not None:
            console.print(
                f"  已冻结 frozen: {_AUTHORITY.get(frozen_by, frozen_by)}", highlight=False
            )
        for entry in report.exclusive_licences:
            console.print(f"  独占许可 exclusive licence {entry.licence_id}", highlight=False)


# --------------------------------------------------------------------------------------- asset


@asset_app.command(name="transfer")
def transfer_command(
    reference: Reference,
    to: Annotated[str, typer.Argument(help="The new owner's address")],
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the owner, transfer the asset to TO."""
    from registry.assets import resolve_asset_id, transfer

    with _session(as_json, key, password_file) as session:
        asset_id = resolve_asset_id(session.runtime.sessions, reference)
        moved = transfer(session.suite, session.sender, asset_id, to)
        show_fields(
            as_json,
            {
                "asset_id": f"{asset_id:064x}",
                "from": moved.from_,
                "to": moved.to,
                **_position(moved),
            },
        )


@asset_app.command(cls=DeferredHelp)
def licence(
    reference: Reference,
    key: Key,
    licensee: Annotated[str, typer.Option(help="The licensee's address")],
    right: Annotated[
        list[str],
        typer.Option(help="Licensed right (repeatable; moral rights never): {property_rights}"),
    ],
    start: Annotated[int, typer.Option(help="Unix seconds, not before the grant")],
    end: Annotated[int, typer.Option(help="Unix seconds")],
    territory: Territory = 0,
    exclusive: Exclusive = False,
    revocable: Revocable = False,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the owner, grant a licence."""
    from registry.assets import grant_licence, licence_terms, resolve_asset_id

    with _session(as_json, key, password_file) as session:
        terms = licence_terms(
            lambda: resolve_asset_id(session.runtime.sessions, reference), licensee, right,
            territory=territory, start=start, end=end, exclusive=exclusive, revocable=revocable,
        )  # fmt: skip
        granted = grant_licence(session.suite, session.sender, terms)
        show_fields(
            as_json,
            {
                "licence_id": granted.licence_id,
                "asset_id": f"{granted.asset_id:064x}",
                "licensee": granted.licensee,
                **_position(granted),
            },
        )


@asset_app.command()
def revoke(
    licence_id: Annotated[int, typer.Argument(help="The licence's id")],
    key: Key,
    password_file: PasswordFile = None,
    as_json: AsJson = False,
) -> None:
    """As the owner, revoke a revocable licence in force."""
    from registry.assets import ZERO_BYTES32, revoke_licence

    with _session(as_json, key, password_file) as session:
        revoked = revoke_licence(session.suite, session.sender, licence_id, ZERO_BYTES32)
        show_fields(
            as_json,
            {
                "licence_id": revoked.licence_id,
                "asset_id": f"{revoked.asset_id:064x}",
                **_position(revoked),
            },
        )


# Who froze an asset, as the contracts name the authority.
_AUTHORITY = {"moderator": "审核员冻结 by a moderator", "regulator": "监管机构冻结 by a regulator"}
_LICENCE_STATES = {
    "in_force": "有效 in force",
    "not_started": "未开始 not started",
    "ended": "已到期 ended",
    "revoked": "已撤销 revoked",
}


@asset_app.command(name="show")
def show_asset(reference: Reference, as_json: AsJson = False) -> None:
    """Who owns the asset now, its rights, liens, freeze and every licence (read on chain)."""
    from registry.core.rights import right_words

    with _session(as_json) as session:
        standing = session.runtime.assets.standing(reference)
    if as_json:
        show_fields(True, standing.to_json())
        return

    def held(address: str, party: Any) -> str:
        return address if party is None else f"{address}（{party.public_name} {party.party_id}）"

    def words(names: tuple[str, ...]) -> str:
        return "，".join(right_words(names))

    def place(territory: int) -> str:
        return "0 全球 worldwide" if territory == 0 else str(territory)

    lines = [f"资产 asset {standing.asset_id}（登记 registration {standing.registration or '—'}）"]
    if standing.revoked:
        lines.append("  [red]已撤销 revoked[/red]: 登记已被监管撤销 the registration was revoked")
    if standing.frozen_by is not None:
        lines.append(
            f"  [red]已冻结 frozen[/red]: {_AUTHORITY.get(standing.frozen_by, standing.frozen_by)}"
        )
    lines += [
        f"  持有人 owner: {held(standing.owner, standing.owner_party)}",
        f"  权利 rights: {words(standing.rights)}",
        f"  地域 territory: {place(standing.territory)}；期限 term end: {standing.term_end}",
        f"  质押 pledged: {'是 yes' if standing.pledged else '否 no'}",
    ]
    lines += [
        f"    质押 lien {lien.lien_id} 顺位 rank {lien.rank}: {lien.amount} {lien.currency}，"
        f"质权人 lender {lien.lender}，到期 maturity {lien.maturity}"
        for lien in standing.liens
    ]
    lines.append(f"  许可 licences: {len(standing.licences)}")
    lines += [
        f"    许可 licence {entry.licence_id} {_LICENCE_STATES[entry.state]}"
        f"{'，独占 exclusive' if entry.exclusive else ''}: "
        f"被许可人 licensee {held(entry.licensee, entry.licensee_party)}，"
        f"{words(entry.rights)}，地域 territory {place(entry.territory)}，"
        f"{entry.start} – {entry.end}"
        for entry in standing.licences
    ]
    lines.append(f"  区块 block {standing.block}（链上时间 chain time {standing.at}）")
    for line in lines:
        console.print(line, highlight=False)
