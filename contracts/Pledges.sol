// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "./access/DelayedRoleGrants.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IModeration} from "./interfaces/IModeration.sol";
import {ILienRegistry, LicenceConsentTerms, licenceConsentDigest} from "./interfaces/ILienRegistry.sol";
import {IRightsAsset, IMPORTER_ROLE} from "./interfaces/IRightsAsset.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";
import {ILicences} from "./interfaces/ILicences.sol";

/**
 * @title Pledges
 * @notice Liens (数字资产质押) on rights assets: created by a licensed lender with the owner's
 * EIP-712 consent, or by the owner with the lender's EIP-712 offer of the same terms (a lien never
 * names a lender that did not agree to it), released by the lender, enforced by the lender after
 * maturity. While a lien is active the asset cannot be transferred or burned, and it can be
 * newly licensed only when every lender consents (Civil Code art. 444): a lender consents to one
 * licence at a time, bound to the digest of its terms ({setLicensingConsent}), and the grant of
 * that licence uses the consent up.
 * @dev Liens on one asset are ranked: first the liens whose official registration the registry
 * authority attested ({attestRegistration}), by registration time (then by creation), then the
 * others by creation (Civil Code art. 414: registered before unregistered, earlier registration
 * first); rank 1 is the most senior. When a lien ends, the ranks below it move up. A second lien is refused unless {juniorLiensAllowed}, and then
 * needs the one-shot consent of every higher-ranked lender ({approveJuniorLien}). The most senior
 * lien can be enforced from its maturity; a lower-ranked lien only from its maturity plus
 * {JUNIOR_ENFORCEMENT_GRACE}, and the asset then moves with the liens ranked above it still
 * attached. Liens that are not enforced survive the enforcement, stay attached to the asset in the
 * hands of its new owner and move up in rank. A freeze stops pledging and enforcement. Owner
 * consents, lender offers and lien transfers carry the signer's nonce and a deadline; each is
 * usable once.
 *
 * A lien's lender changes only with the consent of both lenders: by assignment to another
 * lender or rotation to the same lender's new key ({assignLien}, {rotateLenderKey}: one sends, the
 * other signs), or, when the lender's key is lost, by a recovery the admin proposes on the
 * lender's request, which the lien's current key can cancel during {RECOVERY_DELAY} and which the
 * new key executes ({proposeLenderRecovery}, {executeLenderRecovery}). The lender may lower the
 * secured amount ({reduceLien}).
 */
contract Pledges is ILienRegistry, ISuiteErrors, DelayedRoleGrants, EIP712, Nonces {
    /// @notice Role of licensed financial institutions, the only possible lenders.
    bytes32 public constant LENDER_ROLE = keccak256("LENDER_ROLE");
    /// @notice Role of the authority that registers pledges of copyright (著作权质权登记) and
    /// attests their official registration ({attestRegistration}).
    bytes32 public constant REGISTRY_AUTHORITY_ROLE = keccak256("REGISTRY_AUTHORITY_ROLE");
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;
    /// @notice Most liens one asset can carry at once (bounds every loop over them).
    uint256 public constant MAX_LIENS_PER_ASSET = 8;
    /// @notice EIP-712 type of the owner's consent to a pledge.
    bytes32 public constant PLEDGE_CONSENT_TYPEHASH = keccak256(
        "PledgeConsent(uint256 assetId,address lender,uint128 amount,bytes3 currencyCode,uint64 maturity,bytes32 officialRegistrationNo,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type of a lender's consent to a lien moving from `from` to `to` (the
    /// other lender sends it); `how` is a {LenderChange} (assignment or key rotation).
    bytes32 public constant LIEN_TRANSFER_TYPEHASH = keccak256(
        "LienTransfer(uint256 lienId,address from,address to,uint8 how,uint256 nonce,uint256 deadline)"
    );
    /// @notice Time a junior lien waits after its maturity before it can be enforced ahead of the
    /// liens ranked above it (which stay attached to the asset).
    uint256 public constant JUNIOR_ENFORCEMENT_GRACE = 90 days;
    /// @notice Time between the admin's proposal of a lender recovery and its execution, during
    /// which the lien's current key can cancel it.
    uint256 public constant RECOVERY_DELAY = 30 days;

    /// @notice EIP-712 type of the lender's offer of a lien, which the owner sends.
    bytes32 public constant LIEN_OFFER_TYPEHASH = keccak256(
        "LienOffer(uint256 assetId,address lender,uint128 amount,bytes3 currencyCode,uint64 maturity,bytes32 officialRegistrationNo,uint256 nonce,uint256 deadline)"
    );

    /// @notice How a lien's lender changed.
    enum LenderChange {
        Assignment,
        KeyRotation,
        Recovery
    }

    /**
     * @notice A pending recovery of a lien whose lender lost its key.
     * @param newLender The lender's new key.
     * @param executableAt First time it can be executed.
     */
    struct Recovery {
        address newLender;
        uint64 executableAt;
    }

    /// @dev What a lender signs to let a lien move (all static).
    struct LienTransfer {
        uint256 lienId;
        address from;
        address to;
        uint8 how;
    }

    /// @notice Life of a lien.
    enum LienStatus {
        None,
        Active,
        Released,
        Enforced
    }

    /**
     * @notice A lien (four slots).
     * @param lender The lender (secured party).
     * @param maturity Time from which the lender may enforce.
     * @param status Life state.
     * @param licensingConsent Whether the lender holds out an unused consent to one licence
     * ({licenceConsentOf} gives its digest).
     * @param amount Secured amount, in the currency's minor unit.
     * @param currencyCode ISO 4217 alphabetic code, e.g. "CNY".
     * @param createdAt Block timestamp of creation.
     * @param assetId The pledged asset.
     * @param officialRegistrationNo Number of the official pledge registration (著作权质权登记),
     * ASCII right-padded with zeros, or zero if none yet.
     */
    struct Lien {
        address lender;
        uint64 maturity;
        LienStatus status;
        bool licensingConsent;
        uint128 amount;
        bytes3 currencyCode;
        uint64 createdAt;
        uint256 assetId;
        bytes32 officialRegistrationNo;
    }

    /// @dev The terms a consent or an offer signs (all static: `abi.encode` lays them out field by field).
    struct Terms {
        uint256 assetId;
        address lender;
        uint128 amount;
        bytes3 currencyCode;
        uint64 maturity;
        bytes32 officialRegistrationNo;
    }

    /**
     * @notice A lien with its id and current rank, as returned by {activeLiens}.
     * @param lienId Lien id.
     * @param rank 1 = most senior.
     * @param lien The lien.
     */
    struct RankedLien {
        uint256 lienId;
        uint256 rank;
        Lien lien;
    }

    /// @notice The rights assets pledged here.
    IRightsAsset public immutable rightsAsset;
    /// @notice The moderation contract whose freezes stop pledges.
    IModeration public immutable moderation;
    /// @dev Ids above it are this suite's own; a predecessor's imported liens keep theirs (at most it).
    uint256 private immutable _idBase;
    /// @notice Whether lower-ranked liens may be created (with the senior lenders' consent).
    bool public juniorLiensAllowed;

    uint256 private _lienCount;
    mapping(uint256 lienId => Lien) private _liens;
    mapping(uint256 assetId => uint256[] lienIds) private _activeLiens;
    /// @dev Keyed by the senior lender that gave them: a consent does not pass to a new lender.
    mapping(uint256 lienId => mapping(address seniorLender => mapping(address juniorLender => bool))) private
        _juniorConsents;
    mapping(uint256 lienId => Recovery) private _recoveries;
    mapping(uint256 lienId => uint64 registeredAt) private _registeredAt;
    mapping(uint256 lienId => bytes32 licenceDigest) private _licenceConsents;
    /// @notice The `Licences` contract, the only one that may use licensing consents (zero until bound).
    address public licences;


    /**
     * @notice The `Licences` contract is already bound.
     * @param licences The bound contract.
     */
    error LicencesAlreadyBound(address licences);

    /**
     * @notice The `Licences` contract asks another lien registry or licenses another asset
     * contract: it would grant licences of pledged assets without these lenders' consent.
     * @param licences The contract given.
     * @param licencesLienRegistry The lien registry it asks.
     * @param licencesRightsAsset The asset contract it licenses.
     */
    error LicencesMismatch(address licences, address licencesLienRegistry, address licencesRightsAsset);

    /**
     * @notice Only the bound `Licences` contract may use licensing consents.
     * @param caller The caller.
     */
    error NotLicences(address caller);

    /**
     * @notice The caller is neither the asset's owner nor the named lender.
     * @param caller The caller.
     * @param owner The asset's owner.
     * @param lender The lender named.
     */
    error UnauthorizedPledgeCaller(address caller, address owner, address lender);

    /**
     * @notice The owner's consent has expired.
     * @param deadline The consent's deadline.
     * @param nowTimestamp The current block timestamp.
     */
    error ConsentExpired(uint256 deadline, uint256 nowTimestamp);

    /**
     * @notice The signature is not the owner's consent to these terms with the current nonce.
     * @param assetId The asset.
     * @param owner The asset's owner.
     */
    error InvalidConsentSignature(uint256 assetId, address owner);

    /**
     * @notice The signature is not the named lender's offer of these terms with its current nonce
     * (an owner's pledge needs it: no lien names a lender that did not agree to it).
     * @param assetId The asset.
     * @param lender The lender named.
     */
    error InvalidLenderSignature(uint256 assetId, address lender);

    /**
     * @notice The owner's consent, or the lender's offer, was already used (replay) or cancelled.
     * @param signer The owner (consent) or the lender (offer).
     * @param nonce The nonce it was signed with.
     */
    error ConsentAlreadyUsed(address signer, uint256 nonce);

    /**
     * @notice The secured amount is zero.
     */
    error ZeroAmount();

    /**
     * @notice The currency code is not three upper-case ASCII letters.
     * @param currencyCode The code given.
     */
    error InvalidCurrencyCode(bytes3 currencyCode);

    /**
     * @notice The maturity is not in the future.
     * @param maturity The maturity given.
     * @param nowTimestamp The current block timestamp.
     */
    error InvalidMaturity(uint64 maturity, uint256 nowTimestamp);

    /**
     * @notice The maturity is after the end of the asset's term (its rights end first).
     * @param assetId The asset.
     * @param maturity The maturity given.
     * @param termEnd The asset's term end.
     */
    error MaturityAfterTermEnd(uint256 assetId, uint64 maturity, uint64 termEnd);


    /**
     * @notice The asset already carries a lien and junior liens are not allowed.
     * @param assetId The asset.
     * @param activeLiens Number of active liens.
     */
    error AssetAlreadyPledged(uint256 assetId, uint256 activeLiens);

    /**
     * @notice The asset carries the most liens allowed.
     * @param assetId The asset.
     * @param maxLiens The limit.
     */
    error TooManyLiens(uint256 assetId, uint256 maxLiens);

    /**
     * @notice A higher-ranked lender has not consented to the junior lien.
     * @param assetId The asset.
     * @param seniorLienId The senior lien lacking consent.
     * @param seniorLender Its lender.
     * @param juniorLender The lender of the lien being created.
     */
    error SeniorConsentMissing(uint256 assetId, uint256 seniorLienId, address seniorLender, address juniorLender);

    /**
     * @notice The caller is not the lien's lender.
     * @param lienId The lien.
     * @param caller The caller.
     */
    error NotLienLender(uint256 lienId, address caller);

    /**
     * @notice The lien is not active.
     * @param lienId The lien.
     * @param status Its status.
     */
    error LienNotActive(uint256 lienId, LienStatus status);

    /**
     * @notice The lien has not matured.
     * @param lienId The lien.
     * @param maturity Its maturity.
     * @param nowTimestamp The current block timestamp.
     */
    error LienNotMatured(uint256 lienId, uint64 maturity, uint256 nowTimestamp);

    /**
     * @notice A lien ranked below another can be enforced only from its maturity plus
     * {JUNIOR_ENFORCEMENT_GRACE}.
     * @param lienId The lien.
     * @param seniorLienId The most senior active lien.
     * @param enforceableAt When this lien can be enforced.
     */
    error LienNotSenior(uint256 lienId, uint256 seniorLienId, uint256 enforceableAt);

    /**
     * @notice The caller is neither the lien's lender nor the lender it would move to.
     * @param lienId The lien.
     * @param caller The caller.
     */
    error NotLienParty(uint256 lienId, address caller);

    /**
     * @notice The new lender is the zero address or the current one.
     * @param lienId The lien.
     * @param newLender The address given.
     */
    error InvalidNewLender(uint256 lienId, address newLender);

    /**
     * @notice The signature is not `signer`'s consent to this move of the lien with its current nonce.
     * @param lienId The lien.
     * @param signer The lender whose consent is needed.
     */
    error InvalidTransferSignature(uint256 lienId, address signer);

    /**
     * @notice No recovery of the lien is pending.
     * @param lienId The lien.
     */
    error NoPendingRecovery(uint256 lienId);

    /**
     * @notice The recovery's delay has not passed.
     * @param lienId The lien.
     * @param executableAt When it can be executed.
     */
    error RecoveryNotReady(uint256 lienId, uint64 executableAt);

    /**
     * @notice An attested registration needs a number and a time not in the future.
     * @param lienId The lien.
     * @param officialRegistrationNo The number given.
     * @param registeredAt The time given.
     */
    error InvalidRegistration(uint256 lienId, bytes32 officialRegistrationNo, uint64 registeredAt);

    /**
     * @notice A reduced amount must be positive and below the current one (release ends a lien).
     * @param lienId The lien.
     * @param amount The current amount.
     * @param newAmount The amount given.
     */
    error InvalidReducedAmount(uint256 lienId, uint128 amount, uint128 newAmount);

    /**
     * @notice Emitted when a lien is created.
     * @param lienId New lien id.
     * @param assetId The asset.
     * @param lender The lender.
     * @param owner The owner of the asset.
     * @param creator The account that sent the pledge (the lender, or the owner with the lender's offer).
     * @param rank Rank of the new lien (1 = most senior).
     * @param amount Secured amount.
     * @param currencyCode ISO 4217 code.
     * @param maturity Maturity.
     * @param officialRegistrationNo Official pledge registration number.
     */
    event Pledged(
        uint256 indexed lienId,
        uint256 indexed assetId,
        address indexed lender,
        address owner,
        address creator,
        uint256 rank,
        uint128 amount,
        bytes3 currencyCode,
        uint64 maturity,
        bytes32 officialRegistrationNo
    );

    /**
     * @notice Emitted when a lender releases a lien.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param lender The lender.
     */
    event Released(uint256 indexed lienId, uint256 indexed assetId, address indexed lender);

    /**
     * @notice Emitted when a lender enforces a lien and the asset moves.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param lender The lender.
     * @param from Previous owner.
     * @param to New owner (lender or buyer).
     */
    event Enforced(
        uint256 indexed lienId, uint256 indexed assetId, address indexed lender, address from, address to
    );

    /**
     * @notice Emitted when a lien's lender changes.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param newLender The new lender.
     * @param oldLender The previous lender.
     * @param how Assignment, key rotation (both consented) or recovery (admin-proposed, delayed).
     */
    event LenderChanged(
        uint256 indexed lienId, uint256 indexed assetId, address indexed newLender, address oldLender, LenderChange how
    );

    /**
     * @notice Emitted when the admin proposes to recover a lien to its lender's new key.
     * @param lienId The lien.
     * @param lender The current lender (whose key is said to be lost; it can cancel).
     * @param newLender The new key.
     * @param executableAt First time the new key can execute it.
     */
    event LenderRecoveryProposed(
        uint256 indexed lienId, address indexed lender, address indexed newLender, uint64 executableAt
    );

    /**
     * @notice Emitted when a pending recovery is cancelled.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param by The lender or the admin.
     */
    event LenderRecoveryCancelled(uint256 indexed lienId, uint256 indexed assetId, address indexed by);

    /**
     * @notice Emitted when the registry authority attests a lien's official registration.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param officialRegistrationNo The official registration number (ASCII, zero-padded).
     * @param registeredAt The time of the official registration.
     * @param authority The attesting account.
     */
    event RegistrationAttested(
        uint256 indexed lienId,
        uint256 indexed assetId,
        bytes32 officialRegistrationNo,
        uint64 registeredAt,
        address indexed authority
    );

    /**
     * @notice Emitted when an attested registration changes the ranks of an asset's liens.
     * @param assetId The asset.
     * @param lienIds Its active liens in their new order, most senior first.
     */
    event LiensReordered(uint256 indexed assetId, uint256[] lienIds);

    /**
     * @notice Emitted when the lender lowers the secured amount.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param lender The lender.
     * @param oldAmount The amount before.
     * @param newAmount The amount now.
     */
    event LienReduced(
        uint256 indexed lienId, uint256 indexed assetId, address indexed lender, uint128 oldAmount, uint128 newAmount
    );

    /**
     * @notice Emitted when the importer copies an active lien of the sealed predecessor, with its
     * id, terms, rank, registration and licensing consent.
     * @param lienId The lien id (the same as on the predecessor).
     * @param assetId The asset.
     * @param lender The lender.
     * @param rank Its rank among the asset's active liens (1 = most senior).
     */
    event LienImported(uint256 indexed lienId, uint256 indexed assetId, address indexed lender, uint256 rank);

    /**
     * @notice Emitted when a signer's nonce is used (by a pledge with its consent or offer, or a
     * cancellation).
     * @param owner The signer (an owner, or a lender for an offer).
     * @param nonce The nonce used.
     */
    event ConsentNonceUsed(address indexed owner, uint256 nonce);

    /**
     * @notice Emitted when a senior lender gives or withdraws consent to a junior lien.
     * @param lienId The senior lien.
     * @param juniorLender The lender allowed to take a lower-ranked lien.
     * @param approved Whether consent is given.
     */
    event JuniorLienConsentSet(uint256 indexed lienId, address indexed juniorLender, bool approved);

    /**
     * @notice Emitted when a lender consents to one licence of the asset, or withdraws its consent.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param licenceDigest The consented licence's `licenceConsentDigest` (zero: withdrawn).
     */
    event LicensingConsentSet(uint256 indexed lienId, uint256 indexed assetId, bytes32 licenceDigest);

    /**
     * @notice Emitted when a grant of the consented licence uses a lender's consent up.
     * @param lienId The lien.
     * @param assetId The asset.
     * @param licenceDigest The licence's `licenceConsentDigest`.
     */
    event LicensingConsentUsed(uint256 indexed lienId, uint256 indexed assetId, bytes32 licenceDigest);

    /**
     * @notice Emitted when the admin binds the `Licences` contract.
     * @param licences The contract.
     */
    event LicencesBound(address indexed licences);

    /**
     * @notice Emitted when the admin changes the junior-lien policy.
     * @param allowed Whether junior liens are allowed.
     * @param admin The admin.
     */
    event JuniorLienPolicySet(bool allowed, address indexed admin);

    /**
     * @notice Sets up the roles, the contracts read and the junior-lien policy.
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}.
     * @param rightsAsset_ The `RightsAsset` contract.
     * @param moderation_ The `Moderation` contract.
     * @param juniorLiensAllowed_ Initial junior-lien policy.
     * @param roleGrantDelay_ Delay of the two-step grant of {REGISTRY_AUTHORITY_ROLE}
     * ({DelayedRoleGrants}; 0 only on development and test chains). {LENDER_ROLE} is granted at once.
     */
    constructor(
        address admin,
        IRightsAsset rightsAsset_,
        IModeration moderation_,
        bool juniorLiensAllowed_,
        uint48 roleGrantDelay_
    )
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
        DelayedRoleGrants(roleGrantDelay_)
        EIP712("banquan Pledges", "1")
    {
        if (address(rightsAsset_) == address(0) || address(moderation_) == address(0)) revert ZeroAddress();
        rightsAsset = rightsAsset_;
        moderation = moderation_;
        // Ids continue above the suite's base: a predecessor's liens keep their ids when imported.
        uint256 idBase = rightsAsset_.idBase();
        _idBase = idBase;
        _lienCount = idBase;
        juniorLiensAllowed = juniorLiensAllowed_;
        emit JuniorLienPolicySet(juniorLiensAllowed_, admin);
    }

    /**
     * @notice Creates a lien on `assetId` in favour of `lender`. Called by the lender with the
     * owner's EIP-712 {PLEDGE_CONSENT_TYPEHASH} signature, or by the owner with the lender's
     * EIP-712 {LIEN_OFFER_TYPEHASH} signature of the same terms (no signature when the owner is
     * the lender itself).
     * @dev Reverts with {ERC721NonexistentToken} (from `RightsAsset`), {UnauthorizedPledgeCaller},
     * {AccessControlUnauthorizedAccount} (lender without {LENDER_ROLE}), {ZeroAmount},
     * {InvalidCurrencyCode}, {InvalidMaturity}, {MaturityAfterTermEnd}, {AssetFrozen}, {AssetRevoked},
     * {AssetAlreadyPledged}, {TooManyLiens}, {SeniorConsentMissing}, {ConsentExpired},
     * {ConsentAlreadyUsed}, {InvalidConsentSignature} or {InvalidLenderSignature}. Emits
     * {ConsentNonceUsed} (for the signer's nonce) and {Pledged}.
     * @param assetId The asset.
     * @param lender The lender; must hold {LENDER_ROLE}.
     * @param amount Secured amount (minor units).
     * @param currencyCode ISO 4217 code, e.g. "CNY".
     * @param maturity Time from which the lien can be enforced (at most the asset's term end).
     * @param officialRegistrationNo Official pledge registration number (or zero).
     * @param deadline Last timestamp at which the signature is valid.
     * @param signature The other party's signature (65-byte ECDSA, or ERC-1271 for contracts):
     * the owner's consent when the lender sends, the lender's offer when the owner sends.
     * @return lienId The new lien's id.
     */
    function pledge(
        uint256 assetId,
        address lender,
        uint128 amount,
        bytes3 currencyCode,
        uint64 maturity,
        bytes32 officialRegistrationNo,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 lienId) {
        _requireLive();
        Terms memory terms = Terms(assetId, lender, amount, currencyCode, maturity, officialRegistrationNo);
        address owner = _checkPledgeable(terms);
        uint256 rank = _takeJuniorConsents(assetId, lender) + 1;
        address creator = _msgSender();
        if (creator != owner) {
            // The lender sends (checked by _checkPledgeable): the owner's consent.
            _useSignature(PLEDGE_CONSENT_TYPEHASH, owner, terms, deadline, signature);
        } else if (creator != lender) {
            // The owner sends: the lender's offer of exactly these terms.
            _useSignature(LIEN_OFFER_TYPEHASH, lender, terms, deadline, signature);
        }
        lienId = ++_lienCount;
        _liens[lienId] = Lien({
            lender: lender,
            maturity: maturity,
            status: LienStatus.Active,
            licensingConsent: false,
            amount: amount,
            currencyCode: currencyCode,
            createdAt: uint64(block.timestamp),
            assetId: assetId,
            officialRegistrationNo: officialRegistrationNo
        });
        _activeLiens[assetId].push(lienId);
        _emitPledged(lienId, owner, creator, rank, terms);
    }

    /**
     * @notice Imports the active lien `lienId` of the sealed predecessor exactly as it stands
     * there, with its official registration time and its lender's unused licensing consent; the
     * importer imports an asset's liens most senior first, so each takes the next rank.
     * @dev Only the holder of `RightsAsset`'s `IMPORTER_ROLE` (the migrator, which reads the
     * predecessor on chain); the asset must have been imported first. Reverts with
     * {AccessControlUnauthorizedAccount}, {SuiteSealed}, {ImportRefused} (id zero, above this
     * suite's base, taken, or a lien not active), {ERC721NonexistentToken} or {TooManyLiens}.
     * Emits {LienImported}.
     * @param lienId The lien id on the predecessor.
     * @param lien The lien there (`lienOf`).
     * @param registeredAt Its official registration time there (`registrationTimeOf`).
     * @param licenceDigest Its lender's unused licensing consent there (`licenceConsentOf`).
     */
    function importLien(uint256 lienId, Lien calldata lien, uint64 registeredAt, bytes32 licenceDigest) external {
        _requireImporter();
        uint256 assetId = lien.assetId;
        if (
            lienId == 0 || lienId > _idBase || _liens[lienId].status != LienStatus.None
                || lien.status != LienStatus.Active
        ) revert ImportRefused(lienId);
        // Only that the asset exists here (imported first): `ownerOf` reverts otherwise.
        // slither-disable-next-line unused-return
        rightsAsset.ownerOf(assetId);
        uint256[] storage active = _activeLiens[assetId];
        if (active.length >= MAX_LIENS_PER_ASSET) revert TooManyLiens(assetId, MAX_LIENS_PER_ASSET);
        _liens[lienId] = lien;
        _liens[lienId].licensingConsent = licenceDigest != bytes32(0);
        _registeredAt[lienId] = registeredAt;
        _licenceConsents[lienId] = licenceDigest;
        active.push(lienId);
        emit LienImported(lienId, assetId, lien.lender, active.length);
    }

    /**
     * @notice Releases lien `lienId`; the liens below it move up one rank.
     * @dev Only the lien's lender. Reverts with {NotLienLender} or {LienNotActive}. Emits {Released}.
     * @param lienId The lien.
     */
    function release(uint256 lienId) external {
        _requireLive();
        Lien storage lien = _activeLienOfLender(lienId);
        lien.status = LienStatus.Released;
        _removeActive(lien.assetId, lienId);
        emit Released(lienId, lien.assetId, lien.lender);
    }

    /**
     * @notice Enforces a lien after maturity: the asset moves to `to` (the lender or a buyer it
     * names). The most senior lien from its maturity; a lower-ranked lien from its maturity plus
     * {JUNIOR_ENFORCEMENT_GRACE}. The other liens stay attached to the asset (those below move up).
     * @dev Only the lien's lender. Reverts with {NotLienLender}, {LienNotActive},
     * {LienNotMatured}, {LienNotSenior}, {ERC721InvalidReceiver} (zero address, the asset
     * contract, or a contract that does not accept ERC-721 tokens) or {AssetFrozen} (while a freeze
     * pauses enforcement; both from
     * `RightsAsset`). Emits {Enforced} (and `Transfer`, `TransferredByLien` from `RightsAsset`).
     * @param lienId The lien.
     * @param to New owner.
     */
    function enforce(uint256 lienId, address to) external {
        Lien storage lien = _activeLienOfLender(lienId);
        if (lien.maturity > block.timestamp) revert LienNotMatured(lienId, lien.maturity, block.timestamp);
        uint256 assetId = lien.assetId;
        uint256 senior = _activeLiens[assetId][0];
        if (senior != lienId) {
            uint256 enforceableAt = uint256(lien.maturity) + JUNIOR_ENFORCEMENT_GRACE;
            if (block.timestamp < enforceableAt) revert LienNotSenior(lienId, senior, enforceableAt);
        }
        lien.status = LienStatus.Enforced;
        _removeActive(assetId, lienId);
        // Effects are done before the call (which ends with the receiver's `onERC721Received`);
        // nothing is read or written after it but the event.
        // slither-disable-next-line reentrancy-events
        address from = rightsAsset.transferByLien(assetId, to);
        emit Enforced(lienId, assetId, lien.lender, from, to);
    }

    /**
     * @notice Gives (or withdraws) the one-shot consent of lien `lienId`'s lender to a
     * lower-ranked lien in favour of `juniorLender`.
     * @dev Only the lien's lender. Reverts with {NotLienLender} or {LienNotActive}. Emits
     * {JuniorLienConsentSet}.
     * @param lienId The senior lien.
     * @param juniorLender The lender allowed to take a junior lien.
     * @param approved Whether consent is given.
     */
    function approveJuniorLien(uint256 lienId, address juniorLender, bool approved) external {
        _requireLive();
        _activeLienOfLender(lienId);
        _juniorConsents[lienId][_msgSender()][juniorLender] = approved;
        emit JuniorLienConsentSet(lienId, juniorLender, approved);
    }

    /**
     * @notice Records the consent of lien `lienId`'s lender to ONE licence of its asset: the one
     * whose terms hash to `licenceDigest` ({licenceConsentDigest}). The grant of exactly that
     * licence uses the consent up; a licence with any other term, or a second grant, needs a new
     * consent. A later call replaces the consent; zero withdraws it.
     * @dev Only the lien's lender. Reverts with {NotLienLender} or {LienNotActive}. Emits
     * {LicensingConsentSet}.
     * @param lienId The lien.
     * @param licenceDigest The licence's digest, or zero to withdraw.
     */
    function setLicensingConsent(uint256 lienId, bytes32 licenceDigest) external {
        _requireLive();
        Lien storage lien = _activeLienOfLender(lienId);
        lien.licensingConsent = licenceDigest != bytes32(0);
        _licenceConsents[lienId] = licenceDigest;
        emit LicensingConsentSet(lienId, lien.assetId, licenceDigest);
    }

    /**
     * @notice Uses up every active lien's consent to the licence of `assetId` with digest
     * `licenceDigest`; called by `Licences.grant`.
     * @dev Only the bound {licences}. Reverts with {NotLicences}. Emits {LicensingConsentUsed} for
     * each lien when all consented; changes nothing when one did not.
     * @param assetId The asset.
     * @param licenceDigest The licence's {licenceConsentDigest}.
     * @return missingLienId 0 if every lender consented to exactly this licence, else the first
     * lien lacking that consent.
     */
    function useLicensingConsents(uint256 assetId, bytes32 licenceDigest) external returns (uint256 missingLienId) {
        if (_msgSender() != licences || licences == address(0)) revert NotLicences(_msgSender());
        missingLienId = _firstLienWithoutConsent(assetId, licenceDigest);
        if (missingLienId != 0) return missingLienId;
        uint256[] storage active = _activeLiens[assetId];
        for (uint256 i = 0; i < active.length; ++i) {
            uint256 lienId = active[i];
            _liens[lienId].licensingConsent = false;
            delete _licenceConsents[lienId];
            emit LicensingConsentUsed(lienId, assetId, licenceDigest);
        }
    }

    /**
     * @notice Assigns lien `lienId` to another lender `to` (its rank, terms and asset stay). Sent by
     * the current lender with `to`'s EIP-712 {LIEN_TRANSFER_TYPEHASH} consent, or by `to` with the
     * current lender's; `how` in the signed message is 0 (assignment).
     * @dev Reverts with {LienNotActive}, {NotLienParty}, {InvalidNewLender},
     * {AccessControlUnauthorizedAccount} (`to` without {LENDER_ROLE}), {ConsentExpired},
     * {ConsentAlreadyUsed} or {InvalidTransferSignature}. Emits {ConsentNonceUsed} and
     * {LenderChanged}; an unused licensing consent of the old lender is withdrawn
     * ({LicensingConsentSet} with zero) and its junior-lien consents no longer count.
     * @param lienId The lien.
     * @param to The new lender.
     * @param deadline Last timestamp at which the signature is valid.
     * @param signature The other lender's signature (65-byte ECDSA, or ERC-1271 for contracts).
     */
    function assignLien(uint256 lienId, address to, uint256 deadline, bytes calldata signature) external {
        _moveLien(lienId, to, LenderChange.Assignment, deadline, signature);
    }

    /**
     * @notice Moves lien `lienId` to its lender's new key `newKey`: as {assignLien}, with `how` 1
     * (key rotation) in the signed message: the old key sends and the new key signs, or the
     * reverse. A lost key is recovered with {proposeLenderRecovery} instead.
     * @dev Reverts and emits as {assignLien}.
     * @param lienId The lien.
     * @param newKey The lender's new address.
     * @param deadline Last timestamp at which the signature is valid.
     * @param signature The other key's signature.
     */
    function rotateLenderKey(uint256 lienId, address newKey, uint256 deadline, bytes calldata signature) external {
        _moveLien(lienId, newKey, LenderChange.KeyRotation, deadline, signature);
    }

    /**
     * @notice Proposes, on the request of a lender that lost the key of lien `lienId` (checked off
     * chain, with its identity), to move the lien to its new key `newLender` after
     * {RECOVERY_DELAY}; the lien's current key can cancel it until then.
     * @dev Only {DEFAULT_ADMIN_ROLE}. Reverts with {LienNotActive}, {InvalidNewLender} or
     * {AccessControlUnauthorizedAccount} (`newLender` without {LENDER_ROLE}). Replaces a pending
     * proposal. Emits {LenderRecoveryProposed}.
     * @param lienId The lien.
     * @param newLender The lender's new key.
     */
    function proposeLenderRecovery(uint256 lienId, address newLender) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireLive();
        Lien storage lien = _activeLien(lienId);
        if (newLender == address(0) || newLender == lien.lender) revert InvalidNewLender(lienId, newLender);
        _checkRole(LENDER_ROLE, newLender);
        uint64 executableAt = uint64(block.timestamp + RECOVERY_DELAY);
        _recoveries[lienId] = Recovery(newLender, executableAt);
        emit LenderRecoveryProposed(lienId, lien.lender, newLender, executableAt);
    }

    /**
     * @notice Cancels the pending recovery of lien `lienId` (its key was not lost after all).
     * @dev Only the lien's current lender or {DEFAULT_ADMIN_ROLE}. Reverts with {NotLienParty} or
     * {NoPendingRecovery}. Emits {LenderRecoveryCancelled}.
     * @param lienId The lien.
     */
    function cancelLenderRecovery(uint256 lienId) external {
        _requireLive();
        address caller = _msgSender();
        if (caller != _liens[lienId].lender && !hasRole(DEFAULT_ADMIN_ROLE, caller)) revert NotLienParty(lienId, caller);
        if (_recoveries[lienId].newLender == address(0)) revert NoPendingRecovery(lienId);
        delete _recoveries[lienId];
        emit LenderRecoveryCancelled(lienId, _liens[lienId].assetId, caller);
    }

    /**
     * @notice Executes the pending recovery of lien `lienId` after its delay: the lien moves to
     * the new key, which sends this.
     * @dev Only the proposed new key. Reverts with {LienNotActive}, {NoPendingRecovery},
     * {NotLienParty}, {RecoveryNotReady} or {AccessControlUnauthorizedAccount} (the new key lost
     * {LENDER_ROLE}). Emits {LenderChanged} (how: recovery).
     * @param lienId The lien.
     */
    function executeLenderRecovery(uint256 lienId) external {
        _requireLive();
        Lien storage lien = _activeLien(lienId);
        Recovery memory recovery = _recoveries[lienId];
        if (recovery.newLender == address(0)) revert NoPendingRecovery(lienId);
        if (_msgSender() != recovery.newLender) revert NotLienParty(lienId, _msgSender());
        if (block.timestamp < recovery.executableAt) revert RecoveryNotReady(lienId, recovery.executableAt);
        _checkRole(LENDER_ROLE, recovery.newLender);
        _changeLender(lien, lienId, recovery.newLender, LenderChange.Recovery);
    }

    /**
     * @notice Lowers the amount lien `lienId` secures (partial release); its rank stays.
     * @dev Only the lien's lender. Reverts with {NotLienLender}, {LienNotActive} or
     * {InvalidReducedAmount} (zero, or not below the current amount: {release} ends a lien).
     * Emits {LienReduced}.
     * @param lienId The lien.
     * @param newAmount The new secured amount (minor units).
     */
    function reduceLien(uint256 lienId, uint128 newAmount) external {
        _requireLive();
        Lien storage lien = _activeLienOfLender(lienId);
        uint128 oldAmount = lien.amount;
        if (newAmount == 0 || newAmount >= oldAmount) revert InvalidReducedAmount(lienId, oldAmount, newAmount);
        lien.amount = newAmount;
        emit LienReduced(lienId, lien.assetId, lien.lender, oldAmount, newAmount);
    }

    /**
     * @notice Attests the official registration (著作权质权登记) of lien `lienId`: its number and
     * time. The lien then ranks among the registered liens of its asset by registration time,
     * before every unregistered lien (Civil Code art. 414). A later attestation corrects it.
     * @dev Only {REGISTRY_AUTHORITY_ROLE}. Reverts with {LienNotActive} or {InvalidRegistration}
     * (zero number, zero time or a time in the future). Emits {RegistrationAttested}, and
     * {LiensReordered} when the ranks change.
     * @param lienId The lien.
     * @param officialRegistrationNo The official number (ASCII, right-padded with zeros).
     * @param registrationTime The time of the official registration.
     */
    function attestRegistration(uint256 lienId, bytes32 officialRegistrationNo, uint64 registrationTime)
        external
        onlyRole(REGISTRY_AUTHORITY_ROLE)
    {
        _requireLive();
        Lien storage lien = _activeLien(lienId);
        if (officialRegistrationNo == bytes32(0) || registrationTime == 0 || registrationTime > block.timestamp) {
            revert InvalidRegistration(lienId, officialRegistrationNo, registrationTime);
        }
        lien.officialRegistrationNo = officialRegistrationNo;
        _registeredAt[lienId] = registrationTime;
        uint256 assetId = lien.assetId;
        emit RegistrationAttested(lienId, assetId, officialRegistrationNo, registrationTime, _msgSender());
        if (_rankByRegistration(assetId, lienId)) emit LiensReordered(assetId, _activeLiens[assetId]);
    }

    /**
     * @notice When lien `lienId`'s official registration was attested to have happened (0 if never).
     * @param lienId The lien.
     * @return The registration time.
     */
    function registrationTimeOf(uint256 lienId) external view returns (uint64) {
        return _registeredAt[lienId];
    }

    /**
     * @notice The pending recovery of lien `lienId` (zero address if none).
     * @param lienId The lien.
     * @return The recovery.
     */
    function pendingRecovery(uint256 lienId) external view returns (Recovery memory) {
        return _recoveries[lienId];
    }

    /**
     * @notice The EIP-712 digest a lender signs, with its nonce `nonce`, to let lien `lienId` move
     * from `from` to `to`.
     * @param lienId The lien.
     * @param from The current lender.
     * @param to The new lender.
     * @param how 0 = assignment, 1 = key rotation.
     * @param nonce The signer's nonce ({nonces}).
     * @param deadline Deadline.
     * @return The digest.
     */
    function lienTransferDigest(uint256 lienId, address from, address to, uint8 how, uint256 nonce, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        return _transferDigest(LienTransfer(lienId, from, to, how), nonce, deadline);
    }

    /**
     * @notice Binds the `Licences` contract that may use licensing consents; once.
     * @dev Only {DEFAULT_ADMIN_ROLE}. The contract must point back: its `lienRegistry()` is this
     * contract and its `rightsAsset()` is {rightsAsset}. Reverts with {ZeroAddress},
     * {LicencesAlreadyBound} or {LicencesMismatch}. Emits {LicencesBound}.
     * @param licences_ The `Licences` contract.
     */
    function bindLicences(address licences_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireLive();
        if (licences_ == address(0)) revert ZeroAddress();
        if (licences != address(0)) revert LicencesAlreadyBound(licences);
        address asks = address(ILicences(licences_).lienRegistry());
        address licenses = address(ILicences(licences_).rightsAsset());
        if (asks != address(this) || licenses != address(rightsAsset)) {
            revert LicencesMismatch(licences_, asks, licenses);
        }
        licences = licences_;
        emit LicencesBound(licences_);
    }

    /// @dev {LENDER_ROLE} is granted at once: a licensed lender is onboarded by the admin after an
    /// off-chain licence check, and it can do nothing without an owner's signed consent.
    function _isDelayedRole(bytes32 role) internal pure override returns (bool) {
        return role != DEFAULT_ADMIN_ROLE && role != LENDER_ROLE;
    }

    /**
     * @notice Uses up the caller's current consent nonce, cancelling any consent signed with it.
     * @dev Emits {ConsentNonceUsed}.
     */
    function cancelConsent() external {
        _requireLive();
        uint256 nonce = _useNonce(_msgSender());
        emit ConsentNonceUsed(_msgSender(), nonce);
    }

    /**
     * @notice Sets whether lower-ranked liens may be created.
     * @dev Only {DEFAULT_ADMIN_ROLE}. Emits {JuniorLienPolicySet}.
     * @param allowed The new policy.
     */
    function setJuniorLiensAllowed(bool allowed) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireLive();
        juniorLiensAllowed = allowed;
        emit JuniorLienPolicySet(allowed, _msgSender());
    }

    /**
     * @notice Number of active liens on `assetId`.
     * @param assetId The asset.
     * @return The count.
     */
    function activeLienCount(uint256 assetId) external view returns (uint256) {
        return _activeLiens[assetId].length;
    }

    /**
     * @notice Whether every active lien on `assetId` holds an unused consent to exactly the licence
     * with digest `licenceDigest` (true if there is no lien).
     * @param assetId The asset.
     * @param licenceDigest The licence's {licenceConsentDigest}.
     * @return The answer.
     */
    function licensingConsented(uint256 assetId, bytes32 licenceDigest) external view returns (bool) {
        return _firstLienWithoutConsent(assetId, licenceDigest) == 0;
    }

    /**
     * @notice The digest of the one licence lien `lienId`'s lender consents to (zero if none, or
     * used up).
     * @param lienId The lien.
     * @return The digest.
     */
    function licenceConsentOf(uint256 lienId) external view returns (bytes32) {
        return _licenceConsents[lienId];
    }

    /**
     * @notice The digest a lender consents to for the licence with these terms (what
     * `Licences.grant` computes from its arguments).
     * @param terms The licence's terms.
     * @return The digest.
     */
    function licenceConsentDigestOf(LicenceConsentTerms calldata terms) external pure returns (bytes32) {
        return licenceConsentDigest(terms);
    }

    /**
     * @notice The active liens on `assetId`, most senior first.
     * @param assetId The asset.
     * @return liens The liens with their ids and ranks.
     */
    function activeLiens(uint256 assetId) external view returns (RankedLien[] memory liens) {
        uint256[] storage active = _activeLiens[assetId];
        liens = new RankedLien[](active.length);
        for (uint256 i = 0; i < active.length; ++i) {
            liens[i] = RankedLien({lienId: active[i], rank: i + 1, lien: _liens[active[i]]});
        }
    }

    /**
     * @notice Lien `lienId` (status `None` if it does not exist).
     * @param lienId The lien.
     * @return The lien.
     */
    function lienOf(uint256 lienId) external view returns (Lien memory) {
        return _liens[lienId];
    }

    /**
     * @notice The last lien id this suite issued: the number of liens it created, above the
     * suite's `idBase` (0 for a first suite; imported liens keep their lower ids).
     * @return The id.
     */
    function lienCount() external view returns (uint256) {
        return _lienCount;
    }

    /**
     * @notice Whether `juniorLender` holds the consent of lien `lienId`'s lender.
     * @param lienId The senior lien.
     * @param juniorLender The junior lender.
     * @return The answer.
     */
    function juniorConsent(uint256 lienId, address juniorLender) external view returns (bool) {
        return _juniorConsents[lienId][_liens[lienId].lender][juniorLender];
    }

    /**
     * @notice The EIP-712 digest an owner signs to consent to a pledge with nonce `nonce`.
     * @param assetId The asset.
     * @param lender The lender.
     * @param amount Secured amount.
     * @param currencyCode ISO 4217 code.
     * @param maturity Maturity.
     * @param officialRegistrationNo Official registration number.
     * @param nonce The owner's nonce ({nonces}).
     * @param deadline Deadline.
     * @return The digest.
     */
    function consentDigest(
        uint256 assetId,
        address lender,
        uint128 amount,
        bytes3 currencyCode,
        uint64 maturity,
        bytes32 officialRegistrationNo,
        uint256 nonce,
        uint256 deadline
    ) public view returns (bytes32) {
        return _digest(
            PLEDGE_CONSENT_TYPEHASH,
            Terms(assetId, lender, amount, currencyCode, maturity, officialRegistrationNo),
            nonce,
            deadline
        );
    }

    /**
     * @notice The EIP-712 digest a lender signs to offer a lien that the owner then sends, with
     * the lender's nonce `nonce`.
     * @param assetId The asset.
     * @param lender The lender (the signer).
     * @param amount Secured amount.
     * @param currencyCode ISO 4217 code.
     * @param maturity Maturity.
     * @param officialRegistrationNo Official registration number.
     * @param nonce The lender's nonce ({nonces}).
     * @param deadline Deadline.
     * @return The digest.
     */
    function lienOfferDigest(
        uint256 assetId,
        address lender,
        uint128 amount,
        bytes3 currencyCode,
        uint64 maturity,
        bytes32 officialRegistrationNo,
        uint256 nonce,
        uint256 deadline
    ) public view returns (bytes32) {
        return _digest(
            LIEN_OFFER_TYPEHASH,
            Terms(assetId, lender, amount, currencyCode, maturity, officialRegistrationNo),
            nonce,
            deadline
        );
    }

    /**
     * @notice The EIP-712 domain separator of this contract.
     * @return The separator.
     */
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @dev Checks everything about a new lien but the consents; returns the asset's owner.
    function _checkPledgeable(Terms memory terms) private view returns (address owner) {
        uint256 assetId = terms.assetId;
        owner = rightsAsset.ownerOf(assetId);
        address caller = _msgSender();
        if (caller != owner && caller != terms.lender) revert UnauthorizedPledgeCaller(caller, owner, terms.lender);
        _checkRole(LENDER_ROLE, terms.lender);
        if (terms.amount == 0) revert ZeroAmount();
        if (!_isCurrencyCode(terms.currencyCode)) revert InvalidCurrencyCode(terms.currencyCode);
        if (terms.maturity <= block.timestamp) revert InvalidMaturity(terms.maturity, block.timestamp);
        _checkMaturityWithinTerm(assetId, terms.maturity);
        if (moderation.isFrozen(bytes32(assetId))) revert AssetFrozen(assetId);
        if (rightsAsset.isRevoked(assetId)) revert AssetRevoked(assetId);
    }

    /// @dev Refuses a maturity after the asset's term end.
    function _checkMaturityWithinTerm(uint256 assetId, uint64 maturity) private view {
        // Only the term end matters here.
        // slither-disable-next-line unused-return
        (, uint64 termEnd,,,) = rightsAsset.assetTerms(assetId);
        if (maturity > termEnd) revert MaturityAfterTermEnd(assetId, maturity, termEnd);
    }

    /// @dev Applies the junior-lien policy and uses up the senior lenders' consents; returns the
    /// number of liens ranked above the new one.
    function _takeJuniorConsents(uint256 assetId, address lender) private returns (uint256 seniors) {
        uint256[] storage active = _activeLiens[assetId];
        seniors = active.length;
        if (seniors == 0) return 0;
        if (!juniorLiensAllowed) revert AssetAlreadyPledged(assetId, seniors);
        if (seniors >= MAX_LIENS_PER_ASSET) revert TooManyLiens(assetId, MAX_LIENS_PER_ASSET);
        for (uint256 i = 0; i < seniors; ++i) {
            uint256 seniorId = active[i];
            address seniorLender = _liens[seniorId].lender;
            if (!_juniorConsents[seniorId][seniorLender][lender]) {
                revert SeniorConsentMissing(assetId, seniorId, seniorLender, lender);
            }
            // One consent, one junior lien.
            delete _juniorConsents[seniorId][seniorLender][lender];
            emit JuniorLienConsentSet(seniorId, lender, false);
        }
    }

    function _emitPledged(uint256 lienId, address owner, address creator, uint256 rank, Terms memory terms) private {
        emit Pledged(
            lienId,
            terms.assetId,
            terms.lender,
            owner,
            creator,
            rank,
            terms.amount,
            terms.currencyCode,
            terms.maturity,
            terms.officialRegistrationNo
        );
    }

    function _digest(bytes32 typehash, Terms memory terms, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        // A struct of static fields encodes exactly as its fields one after the other.
        return _hashTypedDataV4(keccak256(abi.encode(typehash, terms, nonce, deadline)));
    }

    /// @dev Checks `signature` as `signer`'s `typehash` signature of `terms` with its current
    /// nonce, and uses the nonce up.
    function _useSignature(
        bytes32 typehash,
        address signer,
        Terms memory terms,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert ConsentExpired(deadline, block.timestamp);
        uint256 nonce = nonces(signer);
        if (!SignatureChecker.isValidSignatureNow(signer, _digest(typehash, terms, nonce, deadline), signature)) {
            // Tell a replay (the same signature, already used) from a bad signature.
            if (
                nonce != 0
                    && SignatureChecker.isValidSignatureNow(signer, _digest(typehash, terms, nonce - 1, deadline), signature)
            ) {
                revert ConsentAlreadyUsed(signer, nonce - 1);
            }
            if (typehash == LIEN_OFFER_TYPEHASH) revert InvalidLenderSignature(terms.assetId, signer);
            revert InvalidConsentSignature(terms.assetId, signer);
        }
        _useNonce(signer);
        emit ConsentNonceUsed(signer, nonce);
    }

    function _moveLien(uint256 lienId, address to, LenderChange how, uint256 deadline, bytes calldata signature)
        private
    {
        _requireLive();
        Lien storage lien = _activeLien(lienId);
        address from = lien.lender;
        address caller = _msgSender();
        if (caller != from && caller != to) revert NotLienParty(lienId, caller);
        // The other party signs: the new lender when the current one sends, and the other way round.
        address signer = caller == from ? to : from;
        if (to == address(0) || to == from) revert InvalidNewLender(lienId, to);
        _checkRole(LENDER_ROLE, to);
        _useTransferSignature(signer, LienTransfer(lienId, from, to, uint8(how)), deadline, signature);
        _changeLender(lien, lienId, to, how);
    }

    /// @dev Moves the lien to `to`; the old lender's unused consents and a pending recovery lapse.
    function _changeLender(Lien storage lien, uint256 lienId, address to, LenderChange how) private {
        address from = lien.lender;
        uint256 assetId = lien.assetId;
        if (_licenceConsents[lienId] != bytes32(0)) {
            delete _licenceConsents[lienId];
            emit LicensingConsentSet(lienId, assetId, bytes32(0));
        }
        delete _recoveries[lienId];
        lien.licensingConsent = false;
        lien.lender = to;
        emit LenderChanged(lienId, assetId, to, from, how);
    }

    function _transferDigest(LienTransfer memory transfer, uint256 nonce, uint256 deadline)
        private
        view
        returns (bytes32)
    {
        // A struct of static fields encodes exactly as its fields one after the other.
        return _hashTypedDataV4(keccak256(abi.encode(LIEN_TRANSFER_TYPEHASH, transfer, nonce, deadline)));
    }

    /// @dev Checks `signature` as `signer`'s consent to `transfer` with its current nonce, and uses the nonce up.
    function _useTransferSignature(
        address signer,
        LienTransfer memory transfer,
        uint256 deadline,
        bytes calldata signature
    ) private {
        if (block.timestamp > deadline) revert ConsentExpired(deadline, block.timestamp);
        uint256 nonce = nonces(signer);
        if (!SignatureChecker.isValidSignatureNow(signer, _transferDigest(transfer, nonce, deadline), signature)) {
            if (
                nonce != 0
                    && SignatureChecker.isValidSignatureNow(
                        signer, _transferDigest(transfer, nonce - 1, deadline), signature
                    )
            ) {
                revert ConsentAlreadyUsed(signer, nonce - 1);
            }
            revert InvalidTransferSignature(transfer.lienId, signer);
        }
        _useNonce(signer);
        emit ConsentNonceUsed(signer, nonce);
    }

    /// @dev Refuses every change once the suite is sealed (the seal is kept by `RightsAsset`).
    function _requireLive() private view {
        address successor = rightsAsset.successor();
        if (successor != address(0)) revert SuiteSealed(successor);
    }

    /// @dev Only the holder of `RightsAsset`'s importer role, on a live suite.
    function _requireImporter() private view {
        if (!IAccessControl(address(rightsAsset)).hasRole(IMPORTER_ROLE, _msgSender())) {
            revert AccessControlUnauthorizedAccount(_msgSender(), IMPORTER_ROLE);
        }
        _requireLive();
    }

    function _activeLien(uint256 lienId) private view returns (Lien storage lien) {
        lien = _liens[lienId];
        if (lien.status != LienStatus.Active) revert LienNotActive(lienId, lien.status);
    }

    function _activeLienOfLender(uint256 lienId) private view returns (Lien storage lien) {
        lien = _liens[lienId];
        if (lien.lender != _msgSender()) revert NotLienLender(lienId, _msgSender());
        if (lien.status != LienStatus.Active) revert LienNotActive(lienId, lien.status);
    }

    /// @dev The first active lien on `assetId` whose lender has not consented to `licenceDigest` (0 if none).
    function _firstLienWithoutConsent(uint256 assetId, bytes32 licenceDigest) private view returns (uint256) {
        uint256[] storage active = _activeLiens[assetId];
        for (uint256 i = 0; i < active.length; ++i) {
            uint256 lienId = active[i];
            bytes32 consented = _licenceConsents[lienId];
            if (consented == bytes32(0) || consented != licenceDigest) return lienId;
        }
        return 0;
    }

    /// @dev Moves `lienId` to its place by registration: after the registered liens registered
    /// before it (or at the same time and created before it), before all others. Returns whether
    /// its rank changed.
    function _rankByRegistration(uint256 assetId, uint256 lienId) private returns (bool) {
        uint256[] storage active = _activeLiens[assetId];
        uint256 last = active.length - 1;
        uint256 from = 0;
        while (active[from] != lienId) ++from;
        for (uint256 i = from; i < last; ++i) {
            active[i] = active[i + 1];
        }
        uint64 time = _registeredAt[lienId];
        uint256 to = 0;
        while (to < last) {
            uint256 other = active[to];
            uint64 otherAt = _registeredAt[other];
            if (otherAt == 0 || otherAt > time || (otherAt == time && other > lienId)) break;
            ++to;
        }
        for (uint256 i = last; i > to; --i) {
            active[i] = active[i - 1];
        }
        active[to] = lienId;
        return to != from;
    }

    /// @dev Removes `lienId` keeping the order of the others (ranks below move up).
    function _removeActive(uint256 assetId, uint256 lienId) private {
        uint256[] storage active = _activeLiens[assetId];
        uint256 length = active.length;
        uint256 i = 0;
        while (active[i] != lienId) ++i;
        for (; i + 1 < length; ++i) {
            active[i] = active[i + 1];
        }
        active.pop();
    }

    function _isCurrencyCode(bytes3 code) private pure returns (bool) {
        for (uint256 i = 0; i < 3; ++i) {
            bytes1 c = code[i];
            if (c < "A" || c > "Z") return false;
        }
        return true;
    }
}
