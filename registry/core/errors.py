"""Domain errors, which derive from :class:`RegistryError`, and faults of the operator's settings,
which derive from :class:`ConfigurationError`; each carries a stable ``code``.

The faces (HTTP API, CLI) present these. Errors come in families (the direct subclasses of the
root, and ``Unprocessable`` within ``InvalidInput``) that share an HTTP status: ``api/errors.py``
maps each family, and each error whose status differs from its family's, in one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class CodedError(Exception):
    """What the faces show of an error: ``code`` is machine-readable and never changes meaning,
    ``message`` is for people, ``details`` name what was wrong."""

    code: ClassVar[str]

    def __init__(self, message: str, *, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details or {})


class RegistryError(CodedError):
    """Root of every domain error: something about a request or what is recorded."""

    code = "registry_error"


class InvalidInput(RegistryError):
    """The request itself is wrong; nothing was changed."""

    code = "invalid_input"


class Unprocessable(InvalidInput):
    """The request is well-formed but its content cannot be accepted as it is (a family: never
    raised itself)."""

    code = "unprocessable"


class EmptyFile(InvalidInput):
    """A work must have content: zero-byte files are refused."""

    code = "empty_file"


class MissingFile(InvalidInput):
    """The request carries no file to register."""

    code = "missing_file"


class UploadTooLarge(InvalidInput):
    """The upload exceeds the configured size limit."""

    code = "upload_too_large"


class UnreadableDocument(Unprocessable):
    """An upload that is an EPUB or PDF by its first bytes cannot be read: truncated, corrupt,
    or inflating past the extraction limits (a zip bomb)."""

    code = "unreadable_document"


class InvalidMetadata(Unprocessable):
    """The metadata is missing, not JSON, or lacks a required field."""

    code = "invalid_metadata"


class InvalidSignedClaim(Unprocessable):
    """A client-signed claim or its signature is malformed."""

    code = "invalid_claim"


class ClaimMismatch(Unprocessable):
    """A client-signed claim does not describe the upload (digests, CID, metadata, time)."""

    code = "claim_mismatch"


class RegistrantSignatureInvalid(Unprocessable):
    """The signature is not the registrant's signature of the claim."""

    code = "invalid_signature"


class InvalidProofBundle(Unprocessable):
    """The document is not a ``banquan.proof/1`` or ``/2`` bundle."""

    code = "invalid_proof_bundle"


class InvalidIdentityNumber(InvalidInput):
    """Not a 统一社会信用代码 (GB 32100-2015) or resident ID number (GB 11643-1999): wrong
    length or characters, or a wrong check character."""

    code = "invalid_identity_number"


class InvalidAttestation(Unprocessable):
    """The document is not a ``banquan.attestation/1`` statement for this party, or its identity
    or salt is malformed."""

    code = "invalid_attestation"


class InvalidKeyProof(Unprocessable):
    """A key-link statement that is malformed, or names another party or another key than the
    one linked."""

    code = "invalid_key_proof"


class KeyProofSignatureInvalid(Unprocessable):
    """The key-link statement is not signed by the key it links (proof of possession fails)."""

    code = "invalid_key_proof_signature"


class KeyProofExpired(Unprocessable):
    """The key-link statement is past its expiry, not yet issued, or valid for too long."""

    code = "key_proof_expired"


class AttestationSignatureInvalid(Unprocessable):
    """The attestation's signature is not its attestor's signature of the statement."""

    code = "invalid_attestation_signature"


class AttestationExpired(Unprocessable):
    """The attestation is past its ``expires_at`` (or issued in the future)."""

    code = "attestation_expired"


class CommitmentMismatch(Unprocessable):
    """The identity and salt given do not hash to the attestation's commitment."""

    code = "commitment_mismatch"


class InvalidIsbn(InvalidInput):
    """Not an ISBN-10 or ISBN-13, or its check digit is wrong."""

    code = "invalid_isbn"


class InvalidManifest(Unprocessable):
    """A catalogue manifest cannot be read, or one of its lines is wrong."""

    code = "invalid_manifest"


class UnknownCatalogueFile(Unprocessable):
    """A file sent to a catalogue job matches no item of its manifest, or is sent twice."""

    code = "unknown_catalogue_file"


class DigestMismatch(Unprocessable):
    """The file received is not the one the manifest names by its SHA-256."""

    code = "digest_mismatch"


class InvalidDigest(InvalidInput):
    """A digest is not 64 hexadecimal characters, or names an unknown algorithm."""

    code = "invalid_digest"


class InvalidSearch(Unprocessable):
    """A work search names none or several of ISBN, DCI, title and author, an empty or too long
    query, an ISBN with a wrong check digit, or a page out of range; ``details.field``."""

    code = "invalid_search"


class Unauthenticated(RegistryError):
    """No API key, or one that is malformed, unknown or revoked."""

    code = "unauthenticated"


class RequestSignatureInvalid(Unauthenticated):
    """A key that must sign its requests sent none, or a signature that does not verify."""

    code = "invalid_request_signature"


class StaleRequest(Unauthenticated):
    """The signed request's timestamp is too far from the registry's clock."""

    code = "stale_request"


class ReplayedRequest(Unauthenticated):
    """The signed request's nonce was used before."""

    code = "replayed_request"


class Forbidden(RegistryError):
    """The request is understood but not allowed."""

    code = "forbidden"


class MissingScope(Forbidden):
    """The API key does not hold the scope this request needs."""

    code = "missing_scope"


class IpNotAllowed(Forbidden):
    """The API key may not be used from the client's address."""

    code = "ip_not_allowed"


class NotLicensed(Forbidden):
    """The Licences contract holds no licence for this licensee, right and time."""

    code = "not_licensed"


class NotOwnRegistration(Forbidden):
    """The registration was submitted by another API key."""

    code = "not_own_registration"


class PartyRevoked(Forbidden):
    """The party, or the key used, was revoked: it acts for nobody any more."""

    code = "party_revoked"


class OwnerNotOfParty(Forbidden):
    """A rights asset goes only to an address of the party that registered the work."""

    code = "owner_not_of_party"


class SignerOfAnotherParty(Forbidden):
    """The claim is signed with a key linked to another party than the caller's."""

    code = "signer_of_another_party"


class KeyWithoutParty(Forbidden):
    """This API key acts for no party (it predates parties): it has no keys of its own."""

    code = "key_without_party"


class UnknownAttestor(Forbidden):
    """The attestation is signed (or claims to be) by a key that is not a configured identity
    attestor's."""

    code = "unknown_attestor"


class IdentityNotReadable(Forbidden):
    """A party's clear identity is read by the party itself (any of its API keys) or a
    regulator, nobody else."""

    code = "identity_not_readable"


class DevAttestorRefused(Forbidden):
    """The development attestor signs nothing outside dev mode: a real attestor signs."""

    code = "dev_attestor_refused"


class ContentIsPrivate(Forbidden):
    """The work is stored encrypted; only its owner (and licensees) may read it."""

    code = "content_private"


class TakenDown(RegistryError):
    """The work is taken down (a takedown in force, recorded on chain): its content and
    certificate are withheld until it is restored; ``details`` carry the takedown's reference
    (its authority, reason digest and transaction)."""

    code = "taken_down"


class NotFound(RegistryError):
    """The thing asked for does not exist."""

    code = "not_found"


class ApiKeyNotFound(NotFound):
    """No API key has this id."""

    code = "api_key_not_found"


class PartyNotFound(NotFound):
    """No party has this id."""

    code = "party_not_found"


class PartyKeyNotFound(NotFound):
    """The party has no key with this fingerprint."""

    code = "party_key_not_found"


class AttestationNotFound(NotFound):
    """The party has no identity attestation (in force, for revoking; at all, for reading)."""

    code = "attestation_not_found"


class RegistrationNotFound(NotFound):
    """No registration has this number."""

    code = "registration_not_found"

    @classmethod
    def numbered(cls, number: str, *, field: str = "number") -> RegistrationNotFound:
        """The refusal for ``number`` (given as ``field``), said as people read it."""
        return cls(
            f"没有登记号为 {number!r} 的登记 / no registration {number!r}", details={field: number}
        )


class CatalogueJobNotFound(NotFound):
    """No catalogue job of this API key has this id."""

    code = "catalogue_job_not_found"


class DigestNotRegistered(NotFound):
    """No registered work has this digest."""

    code = "digest_not_registered"


class CidMismatch(Unprocessable):
    """The content under a CID, read back and added again, has another CID: it was not added
    with ``ipfs add --cid-version=1 --raw-leaves`` (the only layout banquan registers by CID)."""

    code = "cid_mismatch"


class ContentNotFound(NotFound):
    """The content store has no block for this CID."""

    code = "content_not_found"


class Conflict(RegistryError):
    """The request contradicts what is already recorded."""

    code = "conflict"


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key was already used for a different request."""

    code = "idempotency_key_reused"


class PartyHasNoAddress(Conflict):
    """The party has no chain address (link one first)."""

    code = "party_has_no_address"


class PartyKeyTaken(Conflict):
    """The key or address is linked to a party already, or was and was revoked."""

    code = "party_key_taken"


class KeyProofUsed(Conflict):
    """This proof of possession linked its key already: a signed key-link statement is used
    once."""

    code = "key_proof_used"


class AttestationRevoked(Conflict):
    """This attestation was revoked: it is not accepted again, nor revoked twice."""

    code = "attestation_revoked"


class ClaimAlreadyRegistered(Conflict):
    """This exact claim (same leaf) is registered already."""

    code = "claim_already_registered"


class RegistrationRefused(Conflict):
    """Moderation rejected the registration (recorded, never anchored): a catalogue item's is
    recorded on the item, and a rejected registration gets no certificate and no proof."""

    code = "registration_refused"


class RegistrationHeld(Conflict):
    """The registration waits for a moderator's decision: no certificate and no proof until it
    is accepted."""

    code = "registration_held"


class NotAnchoredYet(Conflict):
    """The registration is accepted but its batch is not on chain yet; retry later."""

    code = "not_anchored_yet"


class ServiceUnavailable(RegistryError):
    """A dependency (chain, content store) cannot be reached; the request may be retried."""

    code = "service_unavailable"


class ContentStoreUnavailable(ServiceUnavailable):
    """The IPFS node cannot be reached, or answered with an error."""

    code = "content_store_unavailable"


# What a client is told of a database fault, whichever path met it (no driver text: it names
# hosts).
DATABASE_UNAVAILABLE = (
    "数据库暂时无法访问，请稍后重试 / the database cannot be reached; retry later"
)


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached right now (restarting, unreachable); nothing was recorded."""

    code = "database_unavailable"


class InsufficientStorage(ServiceUnavailable):
    """The data directory (content store or database) is out of space; nothing was recorded."""

    code = "insufficient_storage"


class ChainUnreachable(ServiceUnavailable):
    """The chain node cannot be reached right now."""

    code = "chain_unreachable"


class InvalidAddress(InvalidInput):
    """An account address is not a 20-byte hex address, or is the zero address."""

    code = "invalid_address"


class InvalidLicenceTerms(Unprocessable):
    """The licence asks for rights, territory or a period the asset does not hold, or names the
    owner (or nobody) as licensee."""

    code = "invalid_licence_terms"


class MoralRightsNotTransferable(Unprocessable):
    """A rights asset or a licence names a moral right (发表权, 署名权, 修改权, 保护作品完整权:
    Copyright Law art. 10 (1)–(4)): these stay with the author and cannot be licensed,
    transferred (art. 10 ¶2–3) or pledged (Civil Code art. 444)."""

    code = "moral_rights_not_transferable"


class LicenceBackdated(InvalidLicenceTerms):
    """The licence would start before it is granted (before the chain's latest block)."""

    code = "licence_backdated"


class InvalidPledgeTerms(Unprocessable):
    """The pledge's amount, currency code or maturity is not acceptable."""

    code = "invalid_pledge_terms"


class MaturityAfterTermEnd(InvalidPledgeTerms):
    """The lien would mature after the asset's term ends (its rights end first)."""

    code = "maturity_after_term_end"


class ConsentExpired(Unprocessable):
    """The owner's signed consent is past its deadline."""

    code = "consent_expired"


class InvalidConsentSignature(Unprocessable):
    """The consent is not signed by the asset's owner for exactly these terms and nonce."""

    code = "invalid_consent_signature"


class InvalidLenderSignature(Unprocessable):
    """An owner's pledge without the named lender's EIP-712 offer of exactly these terms and
    its current nonce (a lien never names a lender that did not agree to it)."""

    code = "invalid_lender_signature"


class MintAuthorizationExpired(Unprocessable):
    """The controller's mint authorization is past its deadline."""

    code = "mint_authorization_expired"


class InvalidMintAuthorization(Unprocessable):
    """The authorization is not the registration controller's EIP-712 signature of exactly
    these terms (owner, rights, territory, term end, deadline)."""

    code = "invalid_mint_authorization"


class MintAuthorizationRequired(Forbidden):
    """The registration is bound to a controller: only its signed authorization mints it."""

    code = "mint_authorization_required"


class NotAssetOwner(Forbidden):
    """Only the asset's owner (or an account it approved) may do this."""

    code = "not_asset_owner"


class NotPledgeParty(Forbidden):
    """A pledge is sent by the lender (with the owner's consent) or by the owner."""

    code = "not_pledge_party"


class LenderNotAuthorized(Forbidden):
    """The lender does not hold the lender role on the ``Pledges`` contract."""

    code = "lender_not_authorized"


class NotLienLender(Forbidden):
    """Only the lien's lender may release or enforce it."""

    code = "not_lien_lender"


class AssetNotFound(NotFound):
    """No asset has this id (never tokenized, or burned)."""

    code = "asset_not_found"


class LicenceNotFound(NotFound):
    """No licence has this id."""

    code = "licence_not_found"


class LienNotFound(NotFound):
    """No lien has this id."""

    code = "lien_not_found"


class NotAnchored(Conflict):
    """The registration's root is not anchored on the contracts in use yet."""

    code = "not_anchored"


class Revoked(Conflict):
    """A regulator revoked the registration (or its batch root): it shows revoked and cannot be
    used."""

    code = "revoked"


class AlreadyTokenized(Conflict):
    """The registration is an asset already (an id is minted at most once, even after a burn)."""

    code = "already_tokenized"


class PredecessorLive(Conflict):
    """The contracts in use succeed a suite not sealed for them yet: until its admin seals the
    old suite naming them, the old suite mints and they mint nothing (a registration minted on
    both could not be migrated, and its liens would be shed)."""

    code = "predecessor_live"


class Frozen(Conflict):
    """The registration or asset is frozen by a moderator or regulator: it cannot move."""

    code = "frozen"


class Encumbered(Conflict):
    """Active liens keep the asset where it is, unless every lender consents."""

    code = "encumbered"


class AlreadyPledged(Encumbered):
    """The asset is pledged and the contracts refuse a second, junior lien."""

    code = "already_pledged"


class SeniorConsentMissing(Encumbered):
    """A junior lien needs the consent of every higher-ranked lender."""

    code = "senior_consent_missing"


class LienLimitReached(Encumbered):
    """The asset carries as many liens as the contract allows."""

    code = "lien_limit_reached"


class LicenceConflict(Conflict):
    """An exclusive licence in force overlaps the requested one (or the other way round)."""

    code = "licence_conflict"


class LicenceLimitReached(Conflict):
    """The asset carries as many licences as the contract allows."""

    code = "licence_limit_reached"


class LicenceNotRevocable(Conflict):
    """The licence was granted irrevocable; it runs until its end."""

    code = "licence_not_revocable"


class LicenceNotInForce(Conflict):
    """The licence was revoked already or has ended."""

    code = "licence_not_in_force"


class ConsentAlreadyUsed(Conflict):
    """The owner's consent was used for a pledge already (or cancelled)."""

    code = "consent_already_used"


class LienNotActive(Conflict):
    """The lien was released or enforced already."""

    code = "lien_not_active"


class LienNotMatured(Conflict):
    """A lien can be enforced only at or after its maturity."""

    code = "lien_not_matured"


class LienNotSenior(Conflict):
    """Only the most senior active lien can be enforced."""

    code = "lien_not_senior"


class RecoveryNotPending(Conflict):
    """No recovery of the lien (to this key) is pending."""

    code = "recovery_not_pending"


class RecoveryNotReady(Conflict):
    """The recovery of a lien to its lender's new key is still in its delay."""

    code = "recovery_not_ready"


class ChainRefused(Conflict):
    """The contracts refused the transaction for a reason not checked beforehand."""

    code = "chain_refused"


class InvalidTransaction(InvalidInput):
    """A submitted transaction is not a signed transaction, or cannot be relayed as signed
    (another chain, not the signer's next nonce, too little gas, a fee below the base fee)."""

    code = "invalid_transaction"


class TransactionNotAllowed(Unprocessable):
    """The registry relays only transfers, licences and pledges to its own asset contracts."""

    code = "transaction_not_allowed"


class TransactionMismatch(Unprocessable):
    """The signed call is not the one the registry's checks produce for its arguments."""

    code = "transaction_mismatch"


# ------------------------------------------------------------------------------------ moderation


class ReviewItemNotFound(NotFound):
    """No review item has this id."""

    code = "review_item_not_found"


class BlocklistEntryNotFound(NotFound):
    """No blocklist entry has this id."""

    code = "blocklist_entry_not_found"


class TakedownNotFound(NotFound):
    """No takedown is in force on this registration / asset."""

    code = "takedown_not_found"


class ReviewItemClosed(Conflict):
    """The review item was decided already."""

    code = "review_item_closed"


class ReviewItemClaimed(Conflict):
    """Another moderator holds this review item (or nobody claimed it yet)."""

    code = "review_item_claimed"


class AlreadyTakenDown(Conflict):
    """A takedown is in force on this registration / asset already."""

    code = "already_taken_down"


class LiftedOnChain(Conflict):
    """The freeze was lifted on chain already, by another account than the registry's: the
    registry records that lifting from the chain (its account, its reason digest, its
    transaction), not a restore it did not make."""

    code = "lifted_on_chain"


class AppealNotAllowed(Conflict):
    """There is nothing to appeal (no rejection or takedown), or it was appealed already."""

    code = "appeal_not_allowed"


class NotRegistrant(Forbidden):
    """Only the key that submitted the registration may appeal its rejection or takedown."""

    code = "not_registrant"


class SameModerator(Forbidden):
    """An appeal is decided by a moderator other than the one who made the decision."""

    code = "same_moderator"


class AuthorityTooLow(Forbidden):
    """A moderator cannot lift a regulator's takedown, nor revoke a registration (a regulator's
    decision)."""

    code = "authority_too_low"


class RegistrationRevokedForGood(Conflict):
    """The registration was revoked by a regulator (on chain, for good): it is not revoked
    twice, and no takedown or restore changes it."""

    code = "registration_revoked"


class PublicationHeld(Conflict):
    """Publishing this private work waits for a moderator (publish again once accepted)."""

    code = "publication_held"


class PublicationRejected(Conflict):
    """Moderation refused to publish this work in the clear."""

    code = "publication_rejected"


class ConflictOfInterest(Forbidden):
    """A moderator does not claim or decide a review item its key or its party is party to: its
    own complaint or appeal, a registration it submitted, or a work of its party under review."""

    code = "conflict_of_interest"


class AppealOutdated(Conflict):
    """The takedown appealed is no longer the one in force (restored, or followed by another
    takedown): granting the appeal would lift a decision nobody appealed."""

    code = "appeal_outdated"


class InvalidWebhook(InvalidInput):
    """A webhook subscription's URL, event types or signature algorithm is not acceptable."""

    code = "invalid_webhook"


class WebhookTargetForbidden(InvalidWebhook):
    """The webhook URL's host is not a public address (loopback, private, link-local…) or does
    not resolve; allowed only where the setting says so (dev mode by default)."""

    code = "webhook_target_forbidden"


class WebhookNotFound(NotFound):
    """No webhook subscription of this API key has this id."""

    code = "webhook_not_found"


class WebhookLimitReached(Conflict):
    """The API key holds as many webhook subscriptions as one key may (a setting): delete one
    first. Each subscription is a delivery of every event it hears, so their number is bounded."""

    code = "webhook_limit_reached"


class ReplayPending(Conflict):
    """Every delivery a webhook replay asks for is still pending (waiting or retrying): it will
    be sent, and a replay does not hurry it; replay once it was delivered or given up."""

    code = "replay_pending"


class InvalidIscc(InvalidInput):
    """Not an ``ISCC:`` Data-Code or Content-Code (64 bits), nor an ISCC-CODE holding one."""

    code = "invalid_iscc"


class DistanceOutOfRange(Unprocessable):
    """A near-duplicate search asks for a Hamming distance beyond what is offered."""

    code = "distance_out_of_range"


class TimestampUnavailable(ServiceUnavailable):
    """The RFC 3161 time-stamping authority could not be reached, refused, or sent a token that
    does not check; a proof bundle then carries ``timestamp_warning`` instead of a token."""

    code = "timestamp_unavailable"


# ---------------------------------------------------------------------------- the settings


class ConfigurationError(CodedError):
    """Root of the faults of the operator's settings, not of a request nor of what is recorded:
    start-up stops with one, or the part that needs the setting answers with it."""

    code = "configuration_error"


class ContractsNotConfigured(ConfigurationError):
    """The asset contracts' addresses are not configured (outside dev mode they must be set), or
    the registry's account lacks the role it needs on them."""

    code = "contracts_not_configured"


class ModerationMisconfigured(ConfigurationError):
    """The moderation settings name an unknown hook or are otherwise unusable (a start-up
    error)."""

    code = "moderation_misconfigured"


class InvalidLexicon(ModerationMisconfigured):
    """A sensitive-word lexicon file cannot be read, or one of its lines is malformed."""

    code = "invalid_lexicon"


class InsecureKeyFile(ConfigurationError):
    """A file holding a secret (master key, keystore) is accessible to group or others, outside
    dev mode (a start-up error)."""

    code = "insecure_key_file"


class OperatorKeyNotConfigured(ConfigurationError):
    """No operator signing key (``BANQUAN_OPERATOR_KEY_FILE``) outside dev mode, or the file is
    not an SM2 private key: evidence packages cannot be signed."""

    code = "operator_key_not_configured"


class InvalidKeyFile(ConfigurationError):
    """The master key file is missing outside dev mode, or does not hold 32 bytes in hex (a
    start-up error)."""

    code = "invalid_key_file"
