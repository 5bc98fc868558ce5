// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedRoleGrants} from "./access/DelayedRoleGrants.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IRegistryAnchor} from "./interfaces/IRegistryAnchor.sol";
import {IModeration} from "./interfaces/IModeration.sol";
import {ILienRegistry} from "./interfaces/ILienRegistry.sol";
import {IRightsAsset, IMPORTER_ROLE as IMPORTER} from "./interfaces/IRightsAsset.sol";
import {ISuiteErrors} from "./interfaces/ISuiteErrors.sol";

/**
 * @title RightsAsset
 * @notice ERC-721 records of copyright: one asset per registration, minted with a proof that the
 * registration is under an anchored root, so the asset carries the original registration time.
 * A registration anchored with a controller (the registrant's chain address) is minted only with
 * that controller's EIP-712 {MINT_AUTHORIZATION_TYPEHASH} signature, sent by anyone; a custodial
 * registration (no controller) only by the registrar.
 * @dev The asset id is the registration's claim leaf (`assetId == uint256(leaf)`): identifiers
 * derive from content, and a freeze of the registration is a freeze of the asset. One slot is
 * stored per asset (registration time, term end, batch, rights, territory); the content digests
 * and the IPFS CID are in the {Tokenized} event, bound to the leaf by the claim they came from.
 * Rights are a bitmask over the 17 rights of art. 10 of the Copyright Law of the PRC, bit 0 =
 * 发表权 (publication) … bit 16 = 其他权利 (other rights). An asset carries property rights only
 * (bits 4–16, {PROPERTY_RIGHTS}): the moral rights of art. 10 (1)–(4) (发表权, 署名权, 修改权,
 * 保护作品完整权; bits 0–3, {MORAL_RIGHTS}) stay with the author and cannot be licensed or
 * transferred (art. 10 ¶2–3), nor pledged (Civil Code art. 444: property rights only), so a mint
 * naming one is refused ({MoralRightsNotTransferable}). Territory is an ISO 3166-1 numeric
 * code, 0 meaning worldwide. A frozen asset cannot move at all; an asset with an active lien
 * moves only when the lien is enforced ({transferByLien}, called by the lien registry); the
 * asset of a revoked registration is transferred to nobody ({AssetRevoked}: burnt, or moved by
 * a lien's enforcement, only).
 * {transferByLien} goes through {_update} (the freeze check applies) and checks the receiver as
 * `safeTransferFrom` does: not the zero address, not this contract, and a contract receiver must
 * accept the token (`onERC721Received`).
 * Anchored tree entries: `keccak256(bytes.concat(keccak256(abi.encode(leaf))))` for a custodial
 * registration, `keccak256(bytes.concat(keccak256(abi.encode(leaf, controller))))` for a
 * controller-bound one (OpenZeppelin `StandardMerkleTree` leaves of types `bytes32` and
 * `bytes32, address`); a 64-byte preimage cannot collide with a 32-byte one.
 */
contract RightsAsset is IRightsAsset, ISuiteErrors, ERC721, DelayedRoleGrants, EIP712 {
    /// @notice Role allowed to tokenize custodial registrations (the service's submitting accounts).
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Role of the migrator that imports a sealed predecessor's assets ({importAsset});
    /// `Pledges` and `Licences` accept imports from its holder too. Granted with the delay.
    bytes32 public constant IMPORTER_ROLE = IMPORTER;
    /// @notice Delay before a new default admin can accept the role (two-step admin transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;
    /// @notice Mask of the 17 rights of art. 10 of the Copyright Law of the PRC.
    uint32 public constant ALL_RIGHTS = (uint32(1) << 17) - 1;
    /// @notice Mask of the moral rights, art. 10 (1)–(4): never in an asset.
    uint32 public constant MORAL_RIGHTS = 0xF;
    /// @notice Mask of the property rights, art. 10 (5)–(17): what an asset may carry.
    uint32 public constant PROPERTY_RIGHTS = ALL_RIGHTS & ~MORAL_RIGHTS;
    /// @notice EIP-712 type of a controller's authorization to mint its registration.
    bytes32 public constant MINT_AUTHORIZATION_TYPEHASH = keccak256(
        "MintAuthorization(bytes32 leaf,address to,uint32 rights,uint16 territory,uint64 termEnd,uint256 deadline)"
    );

    /**
     * @notice What the registrar states about the work when tokenizing it.
     * @param sha256Digest SHA-256 of the content.
     * @param sm3Digest SM3 of the content.
     * @param cid IPFS CID of the content (binary form).
     * @param rights Bitmask of the rights the asset covers.
     * @param territory ISO 3166-1 numeric territory code, 0 = worldwide.
     * @param termEnd Timestamp at which the protection (and the asset's rights) end.
     */
    struct AssetMetadata {
        bytes32 sha256Digest;
        bytes32 sm3Digest;
        bytes cid;
        uint32 rights;
        uint16 territory;
        uint64 termEnd;
    }

    /// @dev The stored part of an asset: exactly one slot (64 + 64 + 64 + 32 + 16 bits).
    struct AssetRecord {
        uint64 registeredAt;
        uint64 termEnd;
        uint64 batchId;
        uint32 rights;
        uint16 territory;
    }

    /// @notice The anchor whose roots prove registrations.
    IRegistryAnchor public immutable registryAnchor;
    /// @notice The moderation contract whose freezes stop assets.
    IModeration public immutable moderation;
    /// @notice Suite generation: 0 for the first suite, one more for each successor. Liens and
    /// licences issued by this suite have ids above {idBase}, so imported ids never collide.
    uint64 public immutable generation;
    /// @notice The suite this one succeeds (its `RightsAsset`), zero for a first suite: nothing
    /// is tokenized here until it is sealed naming this suite, and a registration tokenized
    /// there, or before it, is never tokenized here anew.
    RightsAsset public immutable predecessor;
    /// @notice The lien registry (`Pledges`), bound once after deployment.
    ILienRegistry public lienRegistry;
    /// @dev Packed with {lienRegistry}, which every transfer reads: the seal check costs no extra
    /// storage read there. Custodial tokenization does not read it at all (see {executeSeal}).
    bool private _sealed;
    /// @dev The successor named by the executed seal.
    address private _successor;
    /// @dev The seal scheduled and not yet executed: its successor and when it can be executed.
    address private _pendingSuccessor;
    uint48 private _sealReadyAt;
    /// @dev Number of accounts holding {REGISTRAR_ROLE}; the seal needs it to be zero.
    uint256 private _registrarCount;
    /// @dev Set only while {transferByLien} moves an asset: {_update} then skips the lien check.
    bool private transient _lienTransfer;

    // Written in one store through its slot ({_storeRecord}), which the detector does not follow.
    // slither-disable-next-line uninitialized-state
    mapping(uint256 assetId => AssetRecord) private _assets;


    /**
     * @notice The lien registry was already bound.
     * @param lienRegistry The bound registry.
     */
    error LienRegistryAlreadyBound(address lienRegistry);

    /**
     * @notice The lien registry keeps the liens of another asset contract: it would never be
     * asked about this contract's assets.
     * @param lienRegistry The registry given.
     * @param registryRightsAsset The asset contract it points at.
     */
    error LienRegistryMismatch(address lienRegistry, address registryRightsAsset);

    /**
     * @notice The rights bitmask is empty or has bits beyond the 17 rights.
     * @param rights The bitmask given.
     */
    error InvalidRights(uint32 rights);


    /**
     * @notice The registration was revoked by a regulator (under whatever root it is proven).
     * @param leaf The registration leaf.
     */
    error RegistrationRevoked(bytes32 leaf);

    /**
     * @notice The term end is not in the future.
     * @param termEnd The term end given.
     * @param nowTimestamp The current block timestamp.
     */
    error InvalidTermEnd(uint64 termEnd, uint64 nowTimestamp);

    /**
     * @notice A content digest is zero.
     * @param leaf The registration leaf.
     */
    error MissingContentDigest(bytes32 leaf);


    /**
     * @notice The root was revoked by a regulator.
     * @param root The root given.
     * @param batchId Its batch.
     */
    error RootRevoked(bytes32 root, uint64 batchId);

    /**
     * @notice The proof does not put the leaf under the root.
     * @param leaf The registration leaf.
     * @param root The root given.
     */
    error InvalidRegistrationProof(bytes32 leaf, bytes32 root);

    /**
     * @notice The registration was tokenized before (an asset id is never reused, even after a burn).
     * @param assetId The asset id.
     */
    error AssetAlreadyTokenized(uint256 assetId);

    /**
     * @notice The registration was tokenized in a predecessor suite (its asset, liens and licences
     * come over by migration only, {importAsset}: a fresh mint here would shed them).
     * @param assetId The asset id.
     * @param predecessor This suite's predecessor `RightsAsset`.
     */
    error TokenizedInPredecessor(uint256 assetId, address predecessor);

    /**
     * @notice This suite's predecessor is not sealed naming this suite: until it is, the
     * predecessor is the suite in use and mints, and a registration minted here as well could
     * not be migrated (its liens and licences would stay behind on the sealed suite).
     * @param predecessor This suite's predecessor `RightsAsset`.
     * @param sealedFor The successor it names (zero while it is live; another suite if it was
     * sealed for that one, in which case this suite never mints).
     */
    error PredecessorLive(address predecessor, address sealedFor);

    /**
     * @notice The controller's mint authorization is past its deadline.
     * @param deadline The deadline signed.
     * @param nowTimestamp The current block timestamp.
     */
    error MintAuthorizationExpired(uint256 deadline, uint256 nowTimestamp);

    /**
     * @notice The signature is not the controller's authorization of these terms.
     * @param leaf The registration leaf.
     * @param controller The controller the registration is bound to.
     */
    error InvalidMintAuthorization(bytes32 leaf, address controller);


    /**
     * @notice The asset has active liens and can only move by enforcement.
     * @param assetId The asset id.
     * @param activeLiens Number of active liens.
     */
    error AssetEncumbered(uint256 assetId, uint256 activeLiens);

    /**
     * @notice Only the bound lien registry may move assets by enforcement.
     * @param caller The caller.
     */
    error NotLienRegistry(address caller);

    /**
     * @notice No seal is scheduled.
     */
    error SealNotScheduled();

    /**
     * @notice A seal is already scheduled.
     * @param successor The successor it names.
     * @param readyAt When it can be executed.
     */
    error SealAlreadyScheduled(address successor, uint48 readyAt);

    /**
     * @notice The scheduled seal cannot be executed yet.
     * @param readyAt When it can be executed.
     */
    error SealNotReady(uint48 readyAt);

    /**
     * @notice Registrars still hold their role: revoke them before sealing (a sealed suite mints nothing).
     * @param registrars How many hold it.
     */
    error RegistrarsRemain(uint256 registrars);

    /**
     * @notice The successor is this contract.
     * @param successor The address given.
     */
    error InvalidSuccessor(address successor);

    /**
     * @notice Emitted when the admin schedules the seal of this suite.
     * @param successor The successor suite's `RightsAsset`.
     * @param readyAt When the seal can be executed (now plus the admin delay).
     * @param admin The admin.
     */
    event SealScheduled(address indexed successor, uint48 readyAt, address indexed admin);

    /**
     * @notice Emitted when the admin cancels the scheduled seal.
     * @param successor The successor it named.
     * @param admin The admin.
     */
    event SealCancelled(address indexed successor, address indexed admin);

    /**
     * @notice Emitted when this suite is sealed: from now on it only answers reads.
     * @param suite This suite's `RightsAsset`.
     * @param successor The successor suite's `RightsAsset`.
     * @param sealedAt Block time of the seal.
     */
    event Sealed(address indexed suite, address indexed successor, uint64 sealedAt);

    /**
     * @notice Emitted when the importer copies an asset of the sealed predecessor (`Transfer`
     * from zero too, unless the asset was burnt there: then only its record is kept, so the
     * registration is never tokenized again).
     * @param assetId The asset id.
     * @param owner Its owner on the predecessor (zero: burnt there).
     * @param registeredAt Registration time.
     * @param termEnd Term end.
     * @param batchId Batch.
     * @param rights Rights bitmask.
     * @param territory Territory code.
     */
    event AssetImported(
        uint256 indexed assetId,
        address indexed owner,
        uint64 registeredAt,
        uint64 termEnd,
        uint64 batchId,
        uint32 rights,
        uint16 territory
    );

    /**
     * @notice Emitted when a registration becomes an asset.
     * @param assetId The asset id (= registration leaf).
     * @param owner The first owner.
     * @param root The anchored root proving the registration.
     * @param batchId The root's batch.
     * @param registeredAt Anchoring time of the root (the registration time carried by the asset).
     * @param sha256Digest SHA-256 of the content.
     * @param sm3Digest SM3 of the content.
     * @param cid IPFS CID (binary).
     * @param rights Rights bitmask.
     * @param territory Territory code.
     * @param termEnd Term end.
     * @param controller The controller whose authorization minted it (zero: custodial, by the registrar).
     */
    event Tokenized(
        uint256 indexed assetId,
        address indexed owner,
        bytes32 indexed root,
        uint64 batchId,
        uint64 registeredAt,
        bytes32 sha256Digest,
        bytes32 sm3Digest,
        bytes cid,
        uint32 rights,
        uint16 territory,
        uint64 termEnd,
        address controller
    );

    /**
     * @notice Emitted when the lien registry is bound.
     * @param lienRegistry The registry.
     * @param admin The admin that bound it.
     */
    event LienRegistryBound(address indexed lienRegistry, address indexed admin);

    /**
     * @notice Emitted when an asset moves by enforcement of a lien (a `Transfer` is emitted too).
     * @param assetId The asset.
     * @param from Previous owner.
     * @param to New owner (lender or buyer).
     */
    event TransferredByLien(uint256 indexed assetId, address indexed from, address indexed to);

    /**
     * @notice Sets up the roles and the contracts read.
     * @param admin Account granted {DEFAULT_ADMIN_ROLE}.
     * @param registrar Account granted {REGISTRAR_ROLE}.
     * @param anchor_ The `RegistryAnchor`.
     * @param moderation_ The `Moderation` contract.
     * @param roleGrantDelay_ Delay of the two-step grant of {REGISTRAR_ROLE} ({DelayedRoleGrants};
     * 0 only on development and test chains).
     * @param generation_ The suite's {generation} (0 for the first suite).
     * @param predecessor_ The suite's {predecessor} (zero for the first suite).
     */
    constructor(
        address admin,
        address registrar,
        IRegistryAnchor anchor_,
        IModeration moderation_,
        uint48 roleGrantDelay_,
        uint64 generation_,
        RightsAsset predecessor_
    )
        ERC721("banquan rights", "BQR")
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin)
        DelayedRoleGrants(roleGrantDelay_)
        EIP712("banquan RightsAsset", "1")
    {
        if (registrar == address(0) || address(anchor_) == address(0) || address(moderation_) == address(0)) {
            revert ZeroAddress();
        }
        registryAnchor = anchor_;
        moderation = moderation_;
        generation = generation_;
        predecessor = predecessor_;
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /**
     * @notice Binds the lien registry (`Pledges`) once; it cannot be changed afterwards.
     * @dev The registry must point back at this contract (`registry.rightsAsset() == this`).
     * Reverts with {AccessControlUnauthorizedAccount}, {ZeroAddress}, {LienRegistryAlreadyBound}
     * or {LienRegistryMismatch}. Emits {LienRegistryBound}.
     * @param registry The `Pledges` contract.
     */
    function bindLienRegistry(ILienRegistry registry) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireNotSealed();
        if (address(registry) == address(0)) revert ZeroAddress();
        if (address(lienRegistry) != address(0)) revert LienRegistryAlreadyBound(address(lienRegistry));
        address pointsAt = address(registry.rightsAsset());
        if (pointsAt != address(this)) revert LienRegistryMismatch(address(registry), pointsAt);
        lienRegistry = registry;
        emit LienRegistryBound(address(registry), _msgSender());
    }

    /**
     * @notice Tokenizes the registration `leaf`, proven under the anchored root `root`, to `to`.
     * @dev A custodial registration (`controller` zero; its tree entry is the leaf alone) is
     * tokenized by a registrar only, and `deadline` and `signature` are ignored. A registration
     * bound to `controller` (its tree entry is the pair leaf, controller) is tokenized by anyone
     * sending the controller's EIP-712 signature of {mintAuthorizationDigest} for exactly these
     * `to`, rights, territory, term end and `deadline` (ECDSA, or ERC-1271 for a contract wallet).
     * Reverts with {AccessControlUnauthorizedAccount} (custodial, not a registrar),
     * {MintAuthorizationExpired}, {InvalidRights}, {MoralRightsNotTransferable} (bits 0–3),
     * {InvalidTermEnd}, {MissingContentDigest}, {AssetAlreadyTokenized},
     * {PredecessorLive} (a successor suite, before its predecessor is sealed naming it: only one
     * suite mints at a time), {TokenizedInPredecessor} (tokenized in a predecessor suite: it is
     * migrated, not minted anew),
     * {RootNotAnchored},
     * {RootRevoked}, {RegistrationRevoked} (the leaf itself, under any root),
     * {InvalidRegistrationProof} (the proof does not put this entry, with this controller or
     * none, under the root),
     * {InvalidMintAuthorization} or {ERC721InvalidReceiver} (zero owner). A frozen registration
     * can be tokenized: the asset shares its id, so it is frozen from birth. Emits {Transfer} and
     * {Tokenized}.
     * @param to First owner.
     * @param leaf Registration claim leaf; becomes the asset id.
     * @param proof Merkle proof of the registration's tree entry under `root`.
     * @param root Anchored batch root.
     * @param metadata Digests, CID, rights (property rights only), territory and term.
     * @param controller The registration's controller, or zero for a custodial registration.
     * @param deadline Last timestamp at which the controller's authorization is valid.
     * @param signature The controller's EIP-712 signature (empty when custodial).
     * @return assetId The new asset's id.
     */
    function tokenize(
        address to,
        bytes32 leaf,
        bytes32[] calldata proof,
        bytes32 root,
        AssetMetadata calldata metadata,
        address controller,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 assetId) {
        if (controller == address(0)) {
            // A sealed suite has no registrar ({executeSeal}), so the custodial path reads the
            // seal only to explain a refusal: no storage read is added to a mint.
            if (!hasRole(REGISTRAR_ROLE, _msgSender())) _refuseCustodialMint();
        } else {
            _requireNotSealed();
            if (deadline < block.timestamp) revert MintAuthorizationExpired(deadline, block.timestamp);
        }
        assetId = uint256(leaf);
        uint32 rights = metadata.rights;
        if (rights == 0 || rights & ~ALL_RIGHTS != 0) revert InvalidRights(rights);
        if (rights & MORAL_RIGHTS != 0) revert MoralRightsNotTransferable(rights & MORAL_RIGHTS);
        if (metadata.termEnd <= block.timestamp) revert InvalidTermEnd(metadata.termEnd, uint64(block.timestamp));
        if (metadata.sha256Digest == bytes32(0) || metadata.sm3Digest == bytes32(0)) revert MissingContentDigest(leaf);
        if (_assets[assetId].registeredAt != 0) revert AssetAlreadyTokenized(assetId);
        _checkPredecessor(assetId);

        (uint64 anchoredAt, uint64 batchId) = _checkProof(leaf, proof, root, controller);
        if (controller != address(0)) _checkMintAuthorization(to, leaf, metadata, controller, deadline, signature);
        // A frozen registration is not refused: its asset has the same id, so it is born frozen.

        _storeRecord(assetId, anchoredAt, metadata.termEnd, batchId, rights, metadata.territory);
        _mint(to, assetId);
        _emitTokenized(assetId, to, root, batchId, anchoredAt, metadata, controller);
    }

    /**
     * @notice Schedules the seal of this suite naming `successor_` (the new suite's
     * `RightsAsset`), executable after the admin delay (`defaultAdminDelay`).
     * @dev Only the admin. Reverts with {AccessControlUnauthorizedAccount}, {SuiteSealed},
     * {ZeroAddress}, {InvalidSuccessor} or {SealAlreadyScheduled}. Emits {SealScheduled}.
     * @param successor_ The successor suite's `RightsAsset`.
     * @return readyAt When {executeSeal} can be called.
     */
    function scheduleSeal(address successor_) external onlyRole(DEFAULT_ADMIN_ROLE) returns (uint48 readyAt) {
        _requireNotSealed();
        if (successor_ == address(0)) revert ZeroAddress();
        if (successor_ == address(this)) revert InvalidSuccessor(successor_);
        if (_sealReadyAt != 0) revert SealAlreadyScheduled(_pendingSuccessor, _sealReadyAt);
        readyAt = uint48(block.timestamp) + defaultAdminDelay();
        _pendingSuccessor = successor_;
        _sealReadyAt = readyAt;
        emit SealScheduled(successor_, readyAt, _msgSender());
    }

    /**
     * @notice Cancels the scheduled seal.
     * @dev Only the admin. Reverts with {AccessControlUnauthorizedAccount} or {SealNotScheduled}.
     * Emits {SealCancelled}.
     */
    function cancelSeal() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_sealReadyAt == 0) revert SealNotScheduled();
        emit SealCancelled(_pendingSuccessor, _msgSender());
        delete _pendingSuccessor;
        delete _sealReadyAt;
    }

    /**
     * @notice Seals this suite: from now on `RightsAsset`, `Pledges` and `Licences` refuse every
     * change ({SuiteSealed}) and keep answering reads; the successor's migrator copies the assets.
     * @dev Only the admin, from the scheduled time, and once every registrar's role was revoked
     * (so a custodial mint fails at its role check; a mint bound to a controller reads the seal).
     * No role can be granted afterwards. Reverts with {AccessControlUnauthorizedAccount},
     * {SealNotScheduled}, {SealNotReady} or {RegistrarsRemain}. Emits {Sealed}.
     */
    function executeSeal() external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint48 readyAt = _sealReadyAt;
        if (readyAt == 0) revert SealNotScheduled();
        if (block.timestamp < readyAt) revert SealNotReady(readyAt);
        if (_registrarCount != 0) revert RegistrarsRemain(_registrarCount);
        address successor_ = _pendingSuccessor;
        _sealed = true;
        _successor = successor_;
        delete _pendingSuccessor;
        delete _sealReadyAt;
        emit Sealed(address(this), successor_, uint64(block.timestamp));
    }

    /// @inheritdoc IRightsAsset
    /// @dev {_successor} is written by {executeSeal} only, with the seal: one storage read, as a
    /// successor's every mint asks its predecessor ({tokenize}).
    function successor() external view returns (address) {
        return _successor;
    }

    /**
     * @notice The scheduled seal (zeros if none).
     * @return successor_ The successor it names.
     * @return readyAt When it can be executed.
     */
    function pendingSeal() external view returns (address successor_, uint48 readyAt) {
        return (_pendingSuccessor, _sealReadyAt);
    }

    /**
     * @notice Number of accounts holding {REGISTRAR_ROLE}.
     * @return The count.
     */
    function registrarCount() external view returns (uint256) {
        return _registrarCount;
    }

    /// @inheritdoc IRightsAsset
    function idBase() external view returns (uint256) {
        return uint256(generation) << 64;
    }

    /**
     * @notice Imports asset `assetId` of the sealed predecessor exactly as it stands there: its
     * owner and its stored record. An owner of zero imports a burnt asset: its record only, so
     * its registration is never tokenized again. Each id is imported once.
     * @dev Only {IMPORTER_ROLE} (the migrator, which reads the record on chain). Reverts with
     * {AccessControlUnauthorizedAccount}, {SuiteSealed}, {ImportRefused} (no registration time) or
     * {AssetAlreadyTokenized} (imported or tokenized here before). Emits {AssetImported} (and
     * `Transfer` from zero).
     * @param assetId The asset.
     * @param owner Its owner on the predecessor, or zero if it was burnt there.
     * @param record Its record there (`assetTerms`).
     */
    function importAsset(uint256 assetId, address owner, AssetRecord calldata record)
        external
        onlyRole(IMPORTER_ROLE)
    {
        _requireNotSealed();
        if (record.registeredAt == 0) revert ImportRefused(assetId);
        if (_assets[assetId].registeredAt != 0) revert AssetAlreadyTokenized(assetId);
        _storeRecord(assetId, record.registeredAt, record.termEnd, record.batchId, record.rights, record.territory);
        if (owner != address(0)) _mint(owner, assetId);
        emit AssetImported(
            assetId, owner, record.registeredAt, record.termEnd, record.batchId, record.rights, record.territory
        );
    }

    /**
     * @notice The EIP-712 digest a controller signs to authorize minting its registration `leaf`
     * to `to` with these terms, valid until `deadline`.
     * @dev Domain `{name: "banquan RightsAsset", version: "1", chainId, verifyingContract: this}`,
     * type {MINT_AUTHORIZATION_TYPEHASH}.
     * @param leaf Registration claim leaf.
     * @param to First owner.
     * @param rights Rights bitmask.
     * @param territory Territory code.
     * @param termEnd Term end.
     * @param deadline Last valid timestamp.
     * @return The digest.
     */
    function mintAuthorizationDigest(
        bytes32 leaf,
        address to,
        uint32 rights,
        uint16 territory,
        uint64 termEnd,
        uint256 deadline
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(MINT_AUTHORIZATION_TYPEHASH, leaf, to, rights, territory, termEnd, deadline))
        );
    }

    /**
     * @notice Burns `assetId`; only its owner or an approved account, and only when it is
     * neither frozen nor encumbered. The id is never tokenized again.
     * @dev Reverts with {ERC721NonexistentToken}, {ERC721InsufficientApproval}, {AssetFrozen} or
     * {AssetEncumbered}. Emits {Transfer} to the zero address.
     * @param assetId The asset.
     */
    function burn(uint256 assetId) external {
        _update(address(0), assetId, _msgSender());
    }

    /**
     * @notice Moves `assetId` to `to` on enforcement of a lien.
     * @dev Only the bound lien registry; reverts with {NotLienRegistry}, {ERC721NonexistentToken},
     * {ERC721InvalidReceiver} (`to` is zero, this contract, or a contract that does not accept
     * the token) or {AssetFrozen} (while a freeze pauses enforcement: a regulator's without end,
     * a moderator's for 90 days unless an arbiter extends it). Calls `onERC721Received` on a
     * contract receiver after the move. Emits {Transfer} and {TransferredByLien}.
     * @param assetId The asset.
     * @param to Lender or buyer.
     * @return from The previous owner.
     */
    function transferByLien(uint256 assetId, address to) external returns (address from) {
        if (_msgSender() != address(lienRegistry) || address(lienRegistry) == address(0)) {
            revert NotLienRegistry(_msgSender());
        }
        if (to == address(0) || to == address(this)) revert ERC721InvalidReceiver(to);
        from = _requireOwned(assetId);
        // Through the {_update} override (the freeze check stays); the lien check is skipped for
        // this one move only: this is the one way an encumbered asset moves.
        _lienTransfer = true;
        _update(to, assetId, address(0));
        _lienTransfer = false;
        emit TransferredByLien(assetId, from, to);
        ERC721Utils.checkOnERC721Received(_msgSender(), from, to, assetId, "");
    }

    /**
     * @notice The stored terms of `assetId` (zeros if never tokenized; kept after a burn).
     * @param assetId The asset.
     * @return registeredAt Anchoring time of the registration.
     * @return termEnd Term end.
     * @return batchId Batch of the registration.
     * @return rights Rights bitmask.
     * @return territory Territory code.
     */
    function assetTerms(uint256 assetId)
        external
        view
        returns (uint64 registeredAt, uint64 termEnd, uint64 batchId, uint32 rights, uint16 territory)
    {
        AssetRecord storage record = _assets[assetId];
        return (record.registeredAt, record.termEnd, record.batchId, record.rights, record.territory);
    }

    /**
     * @notice Whether the registration behind `assetId` was revoked, by itself
     * (`RegistryAnchor.revokeRegistration`) or with the batch root it was tokenized under.
     * @param assetId The asset.
     * @return True if revoked (false for an unknown asset).
     */
    function isRevoked(uint256 assetId) external view returns (bool) {
        return _revoked(assetId);
    }

    function _revoked(uint256 assetId) private view returns (bool) {
        uint64 batchId = _assets[assetId].batchId;
        return batchId != 0 && registryAnchor.isRevokedIn(bytes32(assetId), batchId);
    }

    /**
     * @notice Whether `assetId` was ever tokenized (or imported) in this suite or any suite it
     * succeeds, burnt or not: such a registration is never tokenized anew.
     * @param assetId The asset.
     * @return True if this suite or a predecessor holds its record.
     */
    function tokenizedHereOrBefore(uint256 assetId) external view returns (bool) {
        if (_assets[assetId].registeredAt != 0) return true;
        RightsAsset before = predecessor;
        return address(before) != address(0) && before.tokenizedHereOrBefore(assetId);
    }

    /**
     * @notice Whether `assetId` currently exists (tokenized and not burned).
     * @param assetId The asset.
     * @return True if it has an owner.
     */
    function exists(uint256 assetId) external view returns (bool) {
        return _ownerOf(assetId) != address(0);
    }

    /// @inheritdoc IRightsAsset
    function ownerOf(uint256 assetId) public view override(ERC721, IRightsAsset) returns (address) {
        return super.ownerOf(assetId);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControlDefaultAdminRules)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    /// @dev The anchored tree entry of a registration: the leaf alone (custodial) or the pair
    /// leaf, controller, as OpenZeppelin `StandardMerkleTree` hashes its leaves.
    /// Hashed in the scratch space: the same bytes as `keccak256(bytes.concat(keccak256(abi.encode(…))))`
    /// without allocating memory on the one path every tokenization takes.
    function _entryHash(bytes32 leaf, address controller) private pure returns (bytes32 entry) {
        assembly ("memory-safe") {
            mstore(0x00, leaf)
            switch controller
            case 0 { mstore(0x00, keccak256(0x00, 0x20)) }
            default {
                mstore(0x20, controller)
                mstore(0x00, keccak256(0x00, 0x40))
            }
            entry := keccak256(0x00, 0x20)
        }
    }

    /// @dev The anchoring time and batch of `root`, once the proof puts the registration's entry
    /// under it, the root is anchored and not revoked, and the registration is not revoked.
    function _checkProof(bytes32 leaf, bytes32[] calldata proof, bytes32 root, address controller)
        private
        view
        returns (uint64 anchoredAt, uint64 batchId)
    {
        bool rootRevoked;
        bool registrationRevoked;
        (anchoredAt, batchId, rootRevoked, registrationRevoked) = registryAnchor.tokenizationRecord(root, leaf);
        if (anchoredAt == 0) revert RootNotAnchored(root);
        if (rootRevoked) revert RootRevoked(root, batchId);
        if (registrationRevoked) revert RegistrationRevoked(leaf);
        if (!MerkleProof.verifyCalldata(proof, root, _entryHash(leaf, controller))) {
            revert InvalidRegistrationProof(leaf, root);
        }
    }

    function _checkMintAuthorization(
        address to,
        bytes32 leaf,
        AssetMetadata calldata metadata,
        address controller,
        uint256 deadline,
        bytes calldata signature
    ) private view {
        bytes32 digest =
            mintAuthorizationDigest(leaf, to, metadata.rights, metadata.territory, metadata.termEnd, deadline);
        if (!SignatureChecker.isValidSignatureNow(controller, digest, signature)) {
            revert InvalidMintAuthorization(leaf, controller);
        }
    }

    function _emitTokenized(
        uint256 assetId,
        address to,
        bytes32 root,
        uint64 batchId,
        uint64 registeredAt,
        AssetMetadata calldata metadata,
        address controller
    ) private {
        emit Tokenized(
            assetId,
            to,
            root,
            batchId,
            registeredAt,
            metadata.sha256Digest,
            metadata.sm3Digest,
            metadata.cid,
            metadata.rights,
            metadata.territory,
            metadata.termEnd,
            controller
        );
    }

    /// @dev Writes the (empty) record slot of `assetId` in one store, packed as {AssetRecord} lays
    /// it out (registration time in the low 64 bits, then term end, batch, rights, territory):
    /// field by field the optimizer may emit one read-modify-write per field on the mint path.
    function _storeRecord(
        uint256 assetId,
        uint64 registeredAt,
        uint64 termEnd,
        uint64 batchId,
        uint32 rights,
        uint16 territory
    ) private {
        AssetRecord storage record = _assets[assetId];
        assembly ("memory-safe") {
            sstore(
                record.slot,
                or(
                    or(or(registeredAt, shl(64, termEnd)), shl(128, batchId)),
                    or(shl(192, rights), shl(224, territory))
                )
            )
        }
    }

    /// @dev Refuses every change once the suite is sealed.
    function _requireNotSealed() private view {
        if (_sealed) revert SuiteSealed(_successor);
    }

    /// @dev A custodial mint by a non-registrar: after the seal there is no registrar, so say why.
    function _refuseCustodialMint() private view {
        _requireNotSealed();
        revert AccessControlUnauthorizedAccount(_msgSender(), REGISTRAR_ROLE);
    }

    /**
     * @notice Schedules granting `role` to `account` ({DelayedRoleGrants-scheduleRoleGrant});
     * refused once the suite is sealed ({SuiteSealed}), as the grant could never be executed.
     * @param role The role.
     * @param account The account.
     * @return readyAt When the grant can be executed.
     */
    function scheduleRoleGrant(bytes32 role, address account) public override returns (uint48 readyAt) {
        _requireNotSealed();
        return super.scheduleRoleGrant(role, account);
    }

    /// @dev Counts registrars (the seal needs none) and grants nothing once sealed.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        _requireNotSealed();
        granted = super._grantRole(role, account);
        if (granted && role == REGISTRAR_ROLE) ++_registrarCount;
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == REGISTRAR_ROLE) --_registrarCount;
    }

    /// @dev Approvals change nothing once sealed.
    function _approve(address to, uint256 tokenId, address auth, bool emitEvent) internal override {
        _requireNotSealed();
        super._approve(to, tokenId, auth, emitEvent);
    }

    function _setApprovalForAll(address owner, address operator, bool approved) internal override {
        _requireNotSealed();
        super._setApprovalForAll(owner, operator, approved);
    }

    /// @dev A successor suite mints nothing until its predecessor is sealed naming it: before
    /// the seal the predecessor mints (a sealed suite mints nothing), so the two suites never
    /// both accept a mint and a registration is never minted on both (its predecessor's asset,
    /// pledged there, could not be migrated and its liens would be shed). After the seal, the
    /// owner (a controller's signature) or a registrar minting a predecessor's registration anew
    /// before the migrator imports it would shed its liens and licences. A first suite pays one
    /// comparison; {importAsset} (after the seal, by the migrator) does not come here.
    function _checkPredecessor(uint256 assetId) private view {
        RightsAsset before = predecessor;
        if (address(before) != address(0)) _checkSealedPredecessor(before, assetId);
    }

    /// @dev Out of line: a first suite's mint pays for the comparison only.
    function _checkSealedPredecessor(RightsAsset before, uint256 assetId) private view {
        address sealedFor = before.successor();
        if (sealedFor != address(this)) revert PredecessorLive(address(before), sealedFor);
        if (before.tokenizedHereOrBefore(assetId)) revert TokenizedInPredecessor(assetId, address(before));
    }

    /// @dev Every owner change but minting and enforcement passes here: frozen, encumbered or
    /// revoked assets stay where they are, and nothing moves once the suite is sealed.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address) {
        if (_ownerOf(tokenId) != address(0)) {
            _requireNotSealed();
            // A lien's enforcement is stopped by a freeze only while the freeze pauses it.
            bool stopped = _lienTransfer
                ? moderation.enforcementPaused(bytes32(tokenId))
                : moderation.isFrozen(bytes32(tokenId));
            if (stopped) revert AssetFrozen(tokenId);
            // A revoked registration's asset is sold or given to nobody (burning it is allowed);
            // a lien's enforcement still moves it: the lender's remedy is its own affair.
            if (to != address(0) && !_lienTransfer && _revoked(tokenId)) revert AssetRevoked(tokenId);
            ILienRegistry registry = lienRegistry;
            if (address(registry) != address(0) && !_lienTransfer) {
                uint256 liens = registry.activeLienCount(tokenId);
                if (liens != 0) revert AssetEncumbered(tokenId, liens);
            }
        }
        return super._update(to, tokenId, auth);
    }
}
