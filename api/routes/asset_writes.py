"""Writes on rights assets without the registry holding keys: prepare, sign, submit.

Each ``…/prepare`` endpoint runs the asset service's checks for the acting account (``from``)
and answers the unsigned transaction; the account signs it and ``POST /v1/transactions`` relays
it after the same checks ran again. See docs/assets-api.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import Parameter, Signature, cleandoc
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from api import examples
from api.auth import Lender, Publisher, PublisherOrLender, requires
from api.dependencies import RuntimeDep
from api.params import UINT64, AssetReference
from api.schemas import (
    AssetIdHex,
    EIP712Digest,
    TypedData,
    error_responses,
    signature_bytes,
    to_sign,
    with_example,
)
from chain_client.licences import LicenceTerms
from chain_client.pledges import LenderChange
from registry.access import Principal, Scope
from registry.assets import (
    ZERO_BYTES32,
    OwnerConsent,
    PreparedTransaction,
    licence_terms,
)
from registry.core.errors import InvalidInput, InvalidLicenceTerms
from registry.platform import Runtime

router = APIRouter(tags=["asset writes"])
ERRORS = error_responses(400, 401, 403, 404, 409, 422, 503)
UINT128 = (1 << 128) - 1
UINT256 = (1 << 256) - 1

OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
LENDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
BUYER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
ASSET_ID = "5b1e0d3c7a0f4e2b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b"
TRANSACTION_EXAMPLE: dict[str, Any] = {
    "chainId": 31337,
    "from": LENDER,
    "to": "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
    "data": "0x37bdc99b0000000000000000000000000000000000000000000000000000000000000001",
    "nonce": 4,
    "gas": 61234,
    "value": 0,
    "maxFeePerGas": 1875000000,
    "maxPriorityFeePerGas": 1000000000,
}

Reference = AssetReference
LienId = Annotated[
    int, Path(ge=0, le=UINT256, description="The lien's id on Pledges", examples=[1])
]
LicenceId = Annotated[
    int, Path(ge=0, le=UINT256, description="The licence's id on Licences", examples=[3])
]
ActingAccount = Field(
    alias="from", description="The account that will sign and send", examples=[OWNER]
)


class TransactionOut(BaseModel):
    """Ready for ``eth_account.Account.sign_transaction`` (or a wallet's ``eth_signTransaction``);
    either the EIP-1559 fees or ``gasPrice``."""

    model_config = with_example(TRANSACTION_EXAMPLE, populate_by_name=True)

    chainId: int  # noqa: N815 - the transaction field's own name
    from_: str = Field(alias="from")
    to: str
    data: str
    nonce: int
    gas: int
    value: int
    maxFeePerGas: int | None = None  # noqa: N815
    maxPriorityFeePerGas: int | None = None  # noqa: N815
    gasPrice: int | None = None  # noqa: N815


class PreparedOut(BaseModel):
    model_config = with_example(
        {
            "operation": "release",
            "transaction": TRANSACTION_EXAMPLE,
            "summary": {"lien_id": 1},
        },
        from_attributes=True,
    )

    operation: str = Field(
        description=(
            "transfer, licence_grant, licence_revoke, pledge, release, enforce, licensing_consent, "
            "lien_reduce, lien_assign, lender_key_rotation, lender_recovery or "
            "lender_recovery_cancel"
        )
    )
    transaction: TransactionOut
    summary: dict[str, object] = Field(description="What the transaction does, for display")


class TransferIn(BaseModel):
    model_config = with_example({"from": OWNER, "to": BUYER}, populate_by_name=True)

    from_: str = ActingAccount
    to: str = Field(description="The new owner", examples=[BUYER])


class LicenceIn(BaseModel):
    model_config = with_example(
        {
            "from": OWNER,
            "licensee": BUYER,
            "rights": ["information_network"],
            "territory": 156,
            "start": 1798761600,
            "end": 1830297600,
            "exclusive": True,
            "revocable": True,
        },
        populate_by_name=True,
    )

    from_: str = ActingAccount
    licensee: str = Field(examples=[BUYER])
    rights: list[str] = Field(
        min_length=1, max_length=17, description="Rights of art. 10", examples=[["translation"]]
    )
    territory: int = Field(default=0, ge=0, le=999, description="ISO 3166-1 numeric; 0 = world")
    start: int = Field(
        ge=0,
        le=UINT64,
        description="Unix seconds, not before the grant (the block it is mined in)",
        examples=[1798761600],
    )
    end: int = Field(ge=0, le=UINT64, description="Unix seconds", examples=[1830297600])
    exclusive: bool = False
    revocable: bool = False
    terms_digest: str | None = Field(
        default=None, max_length=66, description="SHA-256 (hex) of the licence contract text"
    )


class LicensingConsentIn(BaseModel):
    model_config = with_example(
        {
            "from": LENDER,
            "licensee": BUYER,
            "rights": ["information_network"],
            "territory": 156,
            "start": 1798761600,
            "end": 1830297600,
            "exclusive": False,
            "revocable": True,
        },
        populate_by_name=True,
    )

    from_: str = Field(alias="from", description="The lien's lender", examples=[LENDER])
    withdraw: bool = Field(
        default=False, description="Withdraw the lender's consent instead (no licence terms)"
    )
    licensee: str | None = Field(default=None, examples=[BUYER])
    rights: list[str] = Field(
        default_factory=list,
        max_length=17,
        description="Rights of art. 10",
        examples=[["translation"]],
    )
    territory: int = Field(default=0, ge=0, le=999, description="ISO 3166-1 numeric; 0 = world")
    start: int = Field(default=0, ge=0, le=UINT64, description="Unix seconds, as granted")
    end: int = Field(default=0, ge=0, le=UINT64, description="Unix seconds, as granted")
    exclusive: bool = False
    revocable: bool = False
    terms_digest: str | None = Field(
        default=None, max_length=66, description="SHA-256 (hex) of the licence contract text"
    )


class RevokeIn(BaseModel):
    model_config = with_example({"from": OWNER}, populate_by_name=True)

    from_: str = ActingAccount
    reason_digest: str | None = Field(
        default=None, max_length=66, description="SHA-256 (hex) of the reason, kept on chain"
    )


class PledgeTermsIn(BaseModel):
    lender: str = Field(examples=[LENDER])
    amount: int = Field(ge=0, le=UINT128, description="Secured amount in the currency's minor unit")
    currency: str = Field(max_length=8, description="ISO 4217 code", examples=["CNY"])
    maturity: int = Field(ge=0, le=UINT64, description="Unix seconds", examples=[1830297600])
    official_registration_no: str = Field(
        default="", max_length=64, description="The pledge's official registration number"
    )
    deadline: int = Field(
        ge=0, le=UINT64, description="The owner's consent is void after (Unix seconds)"
    )


CONSENT_EXAMPLE: dict[str, Any] = {
    "lender": LENDER,
    "amount": 100000000,
    "currency": "CNY",
    "maturity": 1830297600,
    "deadline": 1798765200,
}


class ConsentIn(PledgeTermsIn):
    model_config = with_example(CONSENT_EXAMPLE)

    deadline: int | None = Field(  # type: ignore[assignment]
        default=None,
        ge=0,
        le=UINT64,
        description="The consent is void after (Unix seconds; default: in 24 hours)",
    )


class ConsentOut(BaseModel):
    model_config = with_example(
        {
            "owner": OWNER,
            "nonce": 0,
            **examples.to_sign(
                {
                    "types": {"EIP712Domain": [], "PledgeConsent": []},
                    "primaryType": "PledgeConsent",
                    "domain": {"name": "banquan Pledges", "version": "1"},
                    "message": {"assetId": str(int(ASSET_ID, 16)), "nonce": "0"},
                }
            ),
        }
    )

    owner: str = Field(description="The asset's current owner: the one who must sign")
    nonce: int = Field(description="The owner's consent nonce the message carries")
    deadline: int = Field(description="Send it with the signature to /pledge/prepare")
    digest: EIP712Digest
    typed_data: TypedData


class PledgeIn(PledgeTermsIn):
    model_config = with_example(
        {"from": LENDER, **CONSENT_EXAMPLE, "signature": "0x" + "12" * 65}, populate_by_name=True
    )

    from_: str = Field(alias="from", description="The lender (or the owner)", examples=[LENDER])
    signature: str = Field(
        default="", max_length=400, description="The owner's EIP-712 consent signature (hex)"
    )


class LienActionIn(BaseModel):
    model_config = with_example({"from": LENDER}, populate_by_name=True)

    from_: str = Field(alias="from", description="The lien's lender", examples=[LENDER])


class ReduceIn(LienActionIn):
    model_config = with_example({"from": LENDER, "amount": 40000000})

    amount: int = Field(
        ge=1,
        le=UINT128,
        description="The new secured amount (分, CNY minor units), below the current",
    )


class LienTransferIn(BaseModel):
    model_config = with_example(
        {"from": LENDER, "to": BUYER, "deadline": 1798765200, "signature": "0x" + "12" * 65},
        populate_by_name=True,
    )

    from_: str = Field(
        alias="from", description="The lien's lender, or the lender it moves to", examples=[LENDER]
    )
    to: str = Field(description="The new lender (or the lender's new key)", examples=[BUYER])
    key_rotation: bool = Field(
        default=False, description="The same lender's new key (else: assignment to another lender)"
    )
    deadline: int = Field(ge=0, le=UINT64, description="The other lender's consent is void after")
    signature: str = Field(
        max_length=400, description="The other lender's EIP-712 LienTransfer signature (hex)"
    )


class TransferConsentIn(BaseModel):
    model_config = with_example({"signer": BUYER, "to": BUYER, "deadline": 1798765200})

    signer: str = Field(description="Who signs: the lien's lender or the lender it moves to")
    to: str = Field(description="The new lender (or the lender's new key)", examples=[BUYER])
    key_rotation: bool = False
    deadline: int | None = Field(
        default=None, ge=0, le=UINT64, description="Default: in 24 hours (Unix seconds)"
    )


class TransferConsentOut(BaseModel):
    model_config = with_example(
        {
            "signer": BUYER,
            "nonce": 0,
            **examples.to_sign({"primaryType": "LienTransfer", "message": {"lienId": "1"}}),
        }
    )

    signer: str
    nonce: int = Field(description="The signer's nonce the message carries")
    deadline: int
    digest: EIP712Digest
    typed_data: TypedData


class EnforceIn(LienActionIn):
    model_config = with_example({"from": LENDER, "to": BUYER})

    to: str = Field(description="Who receives the asset (the lender or a buyer)", examples=[BUYER])


class SubmitIn(BaseModel):
    model_config = with_example({"raw_transaction": "0x02f8b1827a6904843b9aca00…"})

    raw_transaction: str = Field(
        max_length=20_000, description="The signed transaction (0x-hex), as the signer made it"
    )


class SubmittedOut(BaseModel):
    model_config = with_example(
        {
            "operation": "pledge",
            "event": "Pledged",
            "signer": LENDER,
            "tx_hash": "0x" + "cd" * 32,
            "block_number": 42,
            "asset_id": ASSET_ID,
            "lien_id": 1,
            "licence_id": None,
            "parties": {"owner": OWNER, "lender": LENDER},
        },
        from_attributes=True,
    )

    operation: str
    event: str = Field(description="The contract event the transaction emitted")
    signer: str
    tx_hash: str
    block_number: int
    asset_id: AssetIdHex = Field(description="64 hex")
    lien_id: int | None
    licence_id: int | None
    parties: dict[str, str] = Field(description="owner, lender, licensor, licensee, from, to")


def _bytes32(value: str | None, field: str) -> bytes:
    if not value:
        return ZERO_BYTES32
    try:
        raw = bytes.fromhex(value.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be hex", details={"field": field}) from exc
    if len(raw) != 32:
        raise InvalidInput(f"{field} must be 32 bytes", details={"field": field})
    return raw


def _transfer(runtime: Runtime, reference: str, body: TransferIn) -> PreparedTransaction:
    """The owner's transfer of the asset, unsigned: refused if the owner could not send it
    (not the owner, frozen, pledged)."""
    return runtime.assets.prepare_transfer(body.from_, reference, body.to)


def _licence_terms(
    body: LicenceIn | LicensingConsentIn, licensee: str, asset_id: Callable[[], int]
) -> LicenceTerms:
    """The licence ``body`` describes, to ``licensee``, of the asset ``asset_id`` finds."""
    return licence_terms(
        asset_id, licensee, body.rights, territory=body.territory, start=body.start,
        end=body.end, exclusive=body.exclusive, revocable=body.revocable,
        terms_digest=_bytes32(body.terms_digest, "terms_digest"),
    )  # fmt: skip


def _licence(runtime: Runtime, reference: str, body: LicenceIn) -> PreparedTransaction:
    """The owner's grant of a licence, unsigned."""
    terms = _licence_terms(body, body.licensee, lambda: runtime.assets.asset_id(reference))
    return runtime.assets.prepare_licence(body.from_, terms)


def _licensing_consent(
    runtime: Runtime, lien_id: int, body: LicensingConsentIn
) -> PreparedTransaction:
    """The lender's consent to ONE licence of the pledged asset, unsigned: the licence with
    exactly these terms (as the owner will send them to ``/licences/prepare``). Its grant uses the
    consent up; any other licence, or a second grant, needs a new consent. With ``withdraw`` the
    consent is withdrawn."""
    if body.withdraw:
        return runtime.assets.prepare_licensing_consent(body.from_, lien_id, None)
    if body.licensee is None or not body.rights:
        raise InvalidLicenceTerms(
            "a consent names the licence: licensee and rights at least",
            details={"fields": ["licensee", "rights"]},
        )
    terms = _licence_terms(body, body.licensee, lambda: runtime.assets.lien_asset_id(lien_id))
    return runtime.assets.prepare_licensing_consent(body.from_, lien_id, terms)


def _revoke(runtime: Runtime, licence_id: int, body: RevokeIn) -> PreparedTransaction:
    """The owner's revocation of a revocable licence in force, unsigned."""
    reason = _bytes32(body.reason_digest, "reason_digest")
    return runtime.assets.prepare_revoke(body.from_, licence_id, reason)


def _pledge(runtime: Runtime, reference: str, body: PledgeIn) -> PreparedTransaction:
    """The lender's pledge with the owner's consent signature, unsigned: refused if the consent
    is not the owner's, expired or used, or the asset cannot be pledged."""
    terms = runtime.assets.pledge_terms(
        reference, body.lender, body.amount, body.currency, body.maturity,
        body.official_registration_no,
    )  # fmt: skip
    signature = signature_bytes(body.signature)
    consent = OwnerConsent(body.deadline, signature) if signature else None
    return runtime.assets.prepare_pledge(body.from_, terms, consent)


def _release(runtime: Runtime, lien_id: int, body: LienActionIn) -> PreparedTransaction:
    """The lender's release of its active lien, unsigned."""
    return runtime.assets.prepare_release(body.from_, lien_id)


def _reduce(runtime: Runtime, lien_id: int, body: ReduceIn) -> PreparedTransaction:
    """The lender's partial release, unsigned: the lien secures ``amount`` from now on (above
    zero, below the current amount; its rank stays)."""
    return runtime.assets.prepare_reduce(body.from_, lien_id, body.amount)


def _lien_transfer(runtime: Runtime, lien_id: int, body: LienTransferIn) -> PreparedTransaction:
    """One lender's assignment of the lien to another lender (or its move to the same lender's
    new key, ``key_rotation``), unsigned: sent by the lien's lender with the new lender's EIP-712
    consent (``/transfer-consent``), or by the new lender with the current lender's. A lien never
    changes lender without both."""
    how = LenderChange.KEY_ROTATION if body.key_rotation else LenderChange.ASSIGNMENT
    consent = OwnerConsent(body.deadline, signature_bytes(body.signature))
    return runtime.assets.prepare_lien_transfer(body.from_, lien_id, body.to, how, consent)


def _recovery_execute(runtime: Runtime, lien_id: int, body: LienActionIn) -> PreparedTransaction:
    """The lender's new key takes over the lien once the recovery an administrator proposed for
    its lost key is past its 30-day delay, unsigned."""
    return runtime.assets.prepare_recovery(body.from_, lien_id)


def _recovery_cancel(runtime: Runtime, lien_id: int, body: LienActionIn) -> PreparedTransaction:
    """The lien's current key cancels a recovery proposed for it (its key is not lost), unsigned."""
    return runtime.assets.prepare_recovery(body.from_, lien_id, cancel=True)


def _enforce(runtime: Runtime, lien_id: int, body: EnforceIn) -> PreparedTransaction:
    """The lender's enforcement of its matured, most senior lien, unsigned."""
    return runtime.assets.prepare_enforce(body.from_, lien_id, body.to)


@dataclass(frozen=True)
class Preparation:
    """One ``…/prepare`` route. ``name`` is the endpoint's name, from which its operation id
    and summary derive; ``prepare`` documents the route (its docstring is the description)."""

    name: str
    path: str
    body: type[BaseModel]
    scope: Scope
    prepare: Callable[[Runtime, Any, Any], PreparedTransaction]


# The path parameter each route names its target by.
TARGETS: dict[str, object] = {
    "reference": Reference,
    "licence_id": LicenceId,
    "lien_id": LienId,
}

PREPARATIONS = (
    Preparation(
        "post_prepare_transfer", "/v1/assets/{reference}/transfer/prepare", TransferIn,
        Scope.PUBLISHER, _transfer,
    ),
    Preparation(
        "post_prepare_licence", "/v1/assets/{reference}/licences/prepare", LicenceIn,
        Scope.PUBLISHER, _licence,
    ),
    Preparation(
        "post_prepare_revoke", "/v1/licences/{licence_id}/revoke/prepare", RevokeIn,
        Scope.PUBLISHER, _revoke,
    ),
    Preparation(
        "post_prepare_pledge", "/v1/assets/{reference}/pledge/prepare", PledgeIn,
        Scope.LENDER, _pledge,
    ),
    Preparation(
        "post_prepare_release", "/v1/liens/{lien_id}/release/prepare", LienActionIn,
        Scope.LENDER, _release,
    ),
    Preparation(
        "post_prepare_enforce", "/v1/liens/{lien_id}/enforce/prepare", EnforceIn,
        Scope.LENDER, _enforce,
    ),
    Preparation(
        "post_prepare_licensing_consent", "/v1/liens/{lien_id}/licensing-consent/prepare",
        LicensingConsentIn, Scope.LENDER, _licensing_consent,
    ),
    Preparation(
        "post_prepare_reduce", "/v1/liens/{lien_id}/reduce/prepare", ReduceIn,
        Scope.LENDER, _reduce,
    ),
    Preparation(
        "post_prepare_lien_transfer", "/v1/liens/{lien_id}/assign/prepare", LienTransferIn,
        Scope.LENDER, _lien_transfer,
    ),
    Preparation(
        "post_prepare_recovery_execute", "/v1/liens/{lien_id}/recovery/execute/prepare",
        LienActionIn, Scope.LENDER, _recovery_execute,
    ),
    Preparation(
        "post_prepare_recovery_cancel", "/v1/liens/{lien_id}/recovery/cancel/prepare",
        LienActionIn, Scope.LENDER, _recovery_cancel,
    ),
)  # fmt: skip


def _register(preparation: Preparation) -> None:
    """Add the route: the target from the path, the body, the caller's scope checked; it answers
    the unsigned transaction."""
    target = preparation.path.split("{", 1)[1].split("}", 1)[0]
    caller = Annotated[Principal, Depends(requires(preparation.scope))]

    def endpoint(**arguments: Any) -> PreparedOut:
        prepared = preparation.prepare(arguments["runtime"], arguments[target], arguments["body"])
        return PreparedOut.model_validate(prepared)

    # What FastAPI reads the parameters from, as if they were written out in the signature.
    endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
        [
            Parameter(target, Parameter.KEYWORD_ONLY, annotation=TARGETS[target]),
            Parameter("body", Parameter.KEYWORD_ONLY, annotation=preparation.body),
            Parameter("runtime", Parameter.KEYWORD_ONLY, annotation=RuntimeDep),
            Parameter("_caller", Parameter.KEYWORD_ONLY, annotation=caller),
        ],
        return_annotation=PreparedOut,
    )
    router.add_api_route(
        preparation.path,
        endpoint,
        methods=["POST"],
        name=preparation.name,
        description=cleandoc(preparation.prepare.__doc__ or ""),
        response_model=PreparedOut,
        response_model_exclude_none=True,
        responses=ERRORS,
    )


for _preparation in PREPARATIONS:
    _register(_preparation)


@router.post("/v1/assets/{reference}/pledge-consent", response_model=ConsentOut, responses=ERRORS)
def post_pledge_consent(
    reference: Reference, body: ConsentIn, runtime: RuntimeDep, _publisher: Publisher
) -> ConsentOut:
    """The EIP-712 consent the owner signs so that a lender may record this pledge; the lender
    sends the signature with ``/pledge/prepare``."""
    terms = runtime.assets.pledge_terms(
        reference, body.lender, body.amount, body.currency, body.maturity,
        body.official_registration_no,
    )  # fmt: skip
    request = runtime.assets.pledge_consent(terms, body.deadline)
    return ConsentOut.model_validate(
        {"owner": request.owner, "nonce": request.nonce, **to_sign(request)}
    )


@router.post(
    "/v1/liens/{lien_id}/transfer-consent", response_model=TransferConsentOut, responses=ERRORS
)
def post_transfer_consent(
    lien_id: LienId, body: TransferConsentIn, runtime: RuntimeDep, _lender: Lender
) -> TransferConsentOut:
    """The EIP-712 consent one lender signs (the lien's lender, or the lender it moves to) so
    that the other may send the lien's assignment or key rotation with ``/assign/prepare``."""
    how = LenderChange.KEY_ROTATION if body.key_rotation else LenderChange.ASSIGNMENT
    request = runtime.assets.lien_transfer_consent(
        lien_id, body.signer, body.to, how, body.deadline
    )
    return TransferConsentOut.model_validate(
        {"signer": request.owner, "nonce": request.nonce, **to_sign(request)}
    )


@router.post("/v1/transactions", response_model=SubmittedOut, responses=ERRORS)
def post_transaction(
    body: SubmitIn, runtime: RuntimeDep, principal: PublisherOrLender
) -> SubmittedOut:
    """Relay a transaction the acting account signed: only transfers, licences and pledges to
    this registry's contracts, only if the same checks pass and the signed call is exactly the
    one they produce. Owner operations need the publisher scope, lender operations the lender
    scope. Answers once the transaction is mined, with its event."""
    done = runtime.assets.submit(body.raw_transaction, principal)
    return SubmittedOut.model_validate(done)
