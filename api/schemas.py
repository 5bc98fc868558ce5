"""Response models: what the API promises, as documented in the OpenAPI schema."""

from __future__ import annotations

import dataclasses
import weakref
from datetime import datetime
from typing import Annotated, Any, Protocol, TypeVar, get_type_hints

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from api import examples
from registry.core.errors import InvalidInput
from registry.core.views import AnchorView, RegistrationView


def with_example(
    value: dict[str, Any], *, from_attributes: bool = False, populate_by_name: bool = False
) -> ConfigDict:
    """A model's configuration that shows ``value`` as its example in the OpenAPI schema; with
    ``from_attributes`` it reads registry views, with ``populate_by_name`` it takes fields by
    name as well as by alias. (A flag left False is not set: a subclass keeps its parent's.)"""
    config = ConfigDict(json_schema_extra={"examples": [value]})
    if from_attributes:
        config["from_attributes"] = True
    if populate_by_name:
        config["populate_by_name"] = True
    return config


Model = TypeVar("Model", bound=BaseModel)


def out_of(model: type[Model], view: object, **given: object) -> Model:
    """``model`` of a registry view: each field read from the view's attribute of that name
    (nested views too, ``from_attributes``), except the fields ``given``."""
    fields = {
        name: given[name] if name in given else getattr(view, name) for name in model.model_fields
    }
    return model.model_validate(fields, from_attributes=True)


def fields_of(view: type) -> type[BaseModel]:
    """A model with the fields of a registry view (a dataclass): its names, types and defaults,
    in its order. An output model subclasses it, adding its example and the descriptions of some
    fields, instead of listing the view's fields again."""
    types = get_type_hints(view)
    fields: dict[str, Any] = {
        field.name: (
            types[field.name],
            ... if field.default is dataclasses.MISSING else field.default,
        )
        for field in dataclasses.fields(view)
    }
    return create_model(f"{view.__name__}Fields", **fields)


def _hex64(value: object) -> object:
    return f"{value:064x}" if isinstance(value, int) else value


# An asset id (an integer on chain) as the API shows it: 64 hex digits.
AssetIdHex = Annotated[str, BeforeValidator(_hex64)]

# What an account is shown to sign EIP-712 typed data: the digest and the message itself.
EIP712Digest = Annotated[str, Field(description="The EIP-712 digest (0x-hex) the signature covers")]
TypedData = Annotated[
    dict[str, object],
    Field(description="For eth_account's sign_typed_data(full_message=…) or eth_signTypedData_v4"),
]


class TypedDataRequest(Protocol):
    """A registry's EIP-712 request: a mint authorization, a pledge or lien-transfer consent."""

    @property
    def deadline(self) -> int: ...
    @property
    def digest(self) -> bytes: ...
    @property
    def typed_data(self) -> dict[str, Any]: ...


def to_sign(request: TypedDataRequest) -> dict[str, object]:
    """The deadline, digest (0x-hex) and typed data of ``request``, as its answer shows them."""
    return {
        "deadline": request.deadline,
        "digest": "0x" + request.digest.hex(),
        "typed_data": request.typed_data,
    }


def signature_bytes(value: str) -> bytes:
    """A signature given as hex (0x or not); 400 ``invalid_input`` if it is not hex."""
    try:
        return bytes.fromhex(value.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput("signature must be hex", details={"field": "signature"}) from exc


class ErrorOut(BaseModel):
    model_config = with_example(examples.ERROR)

    code: str = Field(examples=["digest_not_registered"])
    message: str
    details: dict[str, object] = Field(default_factory=dict)


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """A route's ``responses``: it may answer these statuses with an error body."""
    return {status: {"model": ErrorOut} for status in statuses}


def file_responses(
    media_type: str, *statuses: int, example: object = None
) -> dict[int | str, dict[str, object]]:
    """A route's ``responses`` when it answers a file of ``media_type`` (shown by ``example``, if
    any), or an error body with one of these statuses."""
    content = {} if example is None else {"example": example}
    return {200: {"content": {media_type: content}}, **error_responses(*statuses)}


class AnchorOut(fields_of(AnchorView)):  # type: ignore[misc]
    model_config = with_example(examples.ANCHOR, from_attributes=True)

    root: str = Field(description="Merkle root of the batch (hex, no 0x)")
    confirmed: bool = Field(description="The block is deep enough (BANQUAN_CHAIN_CONFIRMATIONS)")


CLAIMANT_EXAMPLE = {
    "number": "BQ-2026-00000001",
    "claimant": "四川人民出版社",
    "party": "party_5f1c2a9e0b7d4c31",
    "registered_at": "2026-12-04T10:00:00Z",
    "anchored_at": "2026-12-04T10:00:07Z",
    "status": "anchored",
    "taken_down": False,
    "revoked": False,
}


class ClaimantOut(BaseModel):
    model_config = with_example(CLAIMANT_EXAMPLE, from_attributes=True)

    number: str = Field(description="The claimant's earliest registration of this content")
    claimant: str | None = Field(
        description="The party's public name, or the registrant key for a registration of no party"
    )
    party: str | None = Field(description="The party's id; null for a registration of no party")
    registered_at: datetime = Field(description="When it was registered (UTC)")
    anchored_at: datetime | None = Field(description="When its batch was anchored; null before")
    status: str = Field(description="pending, anchored or held (rejected ones are left out)")
    taken_down: bool = Field(description="A takedown is in force on it")
    revoked: bool = Field(
        description="已撤销: a regulator revoked it for good (taken_down is then true as well)"
    )


class PartyRefOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    party_id: str = Field(examples=["party_5f0c2a9e4b7d1c33"])
    public_name: str = Field(examples=["四川人民出版社"])


class PriorityOut(BaseModel):
    """首次登记 / 后续登记: who registered the same content (SHA-256) first."""

    model_config = with_example(
        {"first": CLAIMANT_EXAMPLE, "later": [], "is_first": True}, from_attributes=True
    )

    first: ClaimantOut = Field(description="The prior claim: the party that registered it first")
    later: list[ClaimantOut] = Field(
        description="Later claimants of the same content, one per party, in order of registration"
    )
    is_first: bool = Field(description="This registration belongs to the prior claim's party")


class RegistrationOut(BaseModel):
    model_config = with_example(examples.REGISTRATION, from_attributes=True)

    number: str = Field(examples=["BQ-2026-00000001"])
    status: str = Field(
        description="pending (accepted, not yet anchored), anchored, held (waiting for a "
        "moderator) or rejected (by moderation; never anchored)"
    )
    title: str
    metadata: dict[str, object] = Field(
        description="As registered: title, authors, isbn, language, rights; with "
        '"v": "banquan.metadata/2", the 作品登记 fields given (docs/metadata.md)'
    )
    sha256: str
    sm3: str
    size: int
    cid: str | None = Field(description="IPFS CID (CIDv1, raw leaves, as `ipfs add` gives it)")
    iscc_data: str | None = Field(description="ISCC Data-Code (similarity of the bytes)")
    iscc_instance: str | None = Field(description="ISCC Instance-Code")
    iscc_content: str | None = Field(
        description="ISCC Content-Code of the text (TXT, EPUB, PDF); null for other media"
    )
    published_at: datetime | None = Field(
        description="When the content became public; null while it is stored encrypted"
    )
    registered_at: datetime
    leaf: str = Field(description="claim_leaf_v1 of the canonical claim (hex)")
    claim: dict[str, object] = Field(description="The canonical claim (RFC 8785 JSON)")
    signing_mode: str = Field(description="client, custodial or unsigned")
    signature: str | None = Field(description="The registrant's signature, `<algorithm>:<hex>`")
    registrant: str | None = Field(description="`<algorithm>:<public key hex>` of the signer")
    party: PartyRefOut | None = Field(
        default=None,
        description="The party (organisation or person) the registration belongs to, by its "
        "public name (GET /v1/parties/{party_id}); null for a command-line registration whose "
        "key is linked to no party",
    )
    proof: list[str] | None = Field(description="Merkle path from the leaf to the batch root")
    anchor: AnchorOut | None
    takedown: dict[str, object] | None = Field(
        default=None,
        description="The takedown in force (authority, reason, reason_digest on chain, tx_hash); "
        'a regulator\'s revocation has "kind": "revocation" and never ends',
    )
    revoked: bool = Field(
        default=False,
        description="已撤销: a regulator revoked this registration on chain, for good (its proof "
        "shows revoked under any root; it cannot be tokenized from then on, and an asset minted "
        "before is marked revoked)",
    )
    controller: str | None = Field(
        default=None,
        description="The chain address bound into the anchored Merkle entry (a claim signed with "
        "the registrant's own secp256k1 key): only it can authorize minting the rights asset; "
        "null for custodial, SM2-signed and unsigned registrations",
    )
    priority: PriorityOut | None = Field(
        default=None,
        description="Priority between claimants of the same content (rejected registrations left "
        "out; a party counts once, by its earliest registration), in every answer that carries "
        "a registration; null when every registration of the content was rejected",
    )

    @classmethod
    def of(cls, view: RegistrationView) -> RegistrationOut:
        return cls.model_validate(view)


# The JSON of each live view's RegistrationOut, by the view's id; an entry leaves with its view.
_REGISTRATION_JSON: dict[int, tuple[weakref.ref[RegistrationView], str]] = {}


def registration_json(view: RegistrationView) -> str:
    """``RegistrationOut.of(view).model_dump_json(by_alias=True)``, made once per view.

    Lookups share their views while the rows do not change (``views_of_content``), so the
    answer of a registration is made once and sent again and again: building and dumping the
    model is most of the CPU of a bulk answer. Views are frozen, so their JSON never changes."""
    key = id(view)
    kept = _REGISTRATION_JSON.get(key)
    if kept is not None and kept[0]() is view:
        return kept[1]
    text = RegistrationOut.of(view).model_dump_json(by_alias=True)
    _REGISTRATION_JSON[key] = (weakref.ref(view, lambda _gone: _forget(key)), text)
    return text


def _forget(key: int) -> None:
    _REGISTRATION_JSON.pop(key, None)


class RegistrationPageOut(BaseModel):
    model_config = with_example({"registrations": [examples.REGISTRATION], "next_after": None})

    registrations: list[RegistrationOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null on the last page"
    )


class VerificationOut(BaseModel):
    model_config = with_example(examples.VERIFICATION)

    registered: bool = Field(
        description="Some registration of the content was not rejected by moderation (a held "
        "one awaits a decision: see its status); false when every one listed was rejected"
    )
    registrations: list[RegistrationOut]


class HealthOut(BaseModel):
    model_config = with_example(examples.HEALTH, from_attributes=True)

    database: bool
    chain: bool = Field(description="The chain node answers (an outage only delays anchoring)")
    content_store: bool = Field(description="Content can be stored (local blockstore or Kubo)")
    pending_registrations: int = Field(description="Registrations waiting to be anchored")
    batch_lag_seconds: float = Field(
        description="Age of the oldest registration waiting to be anchored; 0 when none waits"
    )
