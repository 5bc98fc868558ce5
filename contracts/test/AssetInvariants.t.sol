// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {Pledges} from "../Pledges.sol";
import {SuiteBase, Vm} from "./SuiteBase.sol";

/// @dev Drives random owner, lender and moderator actions against a few assets, and keeps the
/// ghost state the invariants compare with: the owner each asset should have, the number of active
/// liens counted from the events, and every owner change seen while encumbered or frozen.
contract AssetHandler is SuiteBase {
    uint256 internal constant ASSETS = 3;
    uint256 internal constant ACTORS = 4;

    uint256[ASSETS] public assetIds;
    mapping(uint256 assetId => address) public expectedOwner;
    mapping(uint256 assetId => uint256) public liensFromEvents;
    uint256 public forbiddenMoves;
    /// @dev Liens whose `Pledged` names a lender that neither sent it nor signed its offer.
    uint256 public unsignedLiens;
    uint256 internal constant KEYED_LENDER_KEY = 0x1E4D5EC;
    address internal keyedLender;
    uint256 public enforcements;

    bytes32 private constant PLEDGED = keccak256("Pledged(uint256,uint256,address,address,address,uint256,uint128,bytes3,uint64,bytes32)");
    bytes32 private constant RELEASED = keccak256("Released(uint256,uint256,address)");
    bytes32 private constant ENFORCED = keccak256("Enforced(uint256,uint256,address,address,address)");
    bytes32 private constant LENDER_CHANGED = keccak256("LenderChanged(uint256,uint256,address,address,uint8)");

    /// @dev The lender of every lien as folded from `Pledged` and `LenderChanged`.
    mapping(uint256 lienId => address) public lenderFromEvents;
    /// @dev `LenderChanged` events the handler did not see both lenders (or a recovery) consent to.
    uint256 public unconsentedLenderChanges;
    /// @dev The one lender change the current action is allowed to make (lien, from, to).
    uint256 private _allowedLien;
    address private _allowedFrom;
    address private _allowedTo;

    constructor() {
        _deploySuite(true);
        for (uint256 i = 0; i < ASSETS; ++i) {
            uint256 assetId = _tokenize(keccak256(abi.encode("invariant asset", i)), _actor(i));
            assetIds[i] = assetId;
            expectedOwner[assetId] = _actor(i);
        }
        keyedLender = vm.addr(KEYED_LENDER_KEY);
        bytes32 role = pledges.LENDER_ROLE();
        vm.prank(ADMIN);
        pledges.grantRole(role, keyedLender);
        vm.recordLogs();
    }

    function _actor(uint256 seed) internal view returns (address) {
        uint256 i = seed % ACTORS;
        return i == 0 ? owner : address(uint160(0xAC7000 + i));
    }

    function _lender(uint256 seed) internal view returns (address) {
        uint256 i = seed % 3;
        return i == 0 ? LENDER : i == 1 ? LENDER2 : keyedLender;
    }

    function _asset(uint256 seed) internal view returns (uint256) {
        return assetIds[seed % ASSETS];
    }

    function _isStuck(uint256 assetId) internal view returns (bool) {
        return pledges.activeLienCount(assetId) != 0 || moderation.isFrozen(bytes32(assetId));
    }

    /// @dev Folds the events of the last action into the lien count per asset; a lien created by
    /// another account than its lender counts as unsigned unless `lenderSigned` names that lender.
    function _countLienEvents() internal {
        _countLienEvents(address(0));
    }

    function _countLienEvents(address lenderSigned) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(pledges) || logs[i].topics.length < 3) continue;
            bytes32 topic = logs[i].topics[0];
            uint256 assetId = uint256(logs[i].topics[2]);
            if (topic == LENDER_CHANGED) {
                uint256 lienId = uint256(logs[i].topics[1]);
                address to = address(uint160(uint256(logs[i].topics[3])));
                (address from,) = abi.decode(logs[i].data, (address, uint8));
                if (lienId != _allowedLien || from != _allowedFrom || to != _allowedTo) ++unconsentedLenderChanges;
                if (lenderFromEvents[lienId] != from) ++unconsentedLenderChanges;
                lenderFromEvents[lienId] = to;
                continue;
            }
            if (topic == PLEDGED) {
                ++liensFromEvents[assetId];
                address lender = address(uint160(uint256(logs[i].topics[3])));
                lenderFromEvents[uint256(logs[i].topics[1])] = lender;
                (, address creator) = abi.decode(logs[i].data, (address, address));
                if (creator != lender && lender != lenderSigned) ++unsignedLiens;
            }
            else if (topic == RELEASED || topic == ENFORCED) --liensFromEvents[assetId];
        }
    }

    function _afterMoveAttempt(uint256 assetId, bool wasStuck, address previous) internal {
        address current = assets.ownerOf(assetId);
        if (current != previous) {
            if (wasStuck) ++forbiddenMoves;
            expectedOwner[assetId] = current;
        }
    }

    // ---------------------------------------------------------------- actions

    function transfer(uint256 assetSeed, uint256 toSeed) external {
        uint256 assetId = _asset(assetSeed);
        address from = assets.ownerOf(assetId);
        bool stuck = _isStuck(assetId);
        vm.prank(from);
        try assets.transferFrom(from, _actor(toSeed), assetId) {} catch {}
        _afterMoveAttempt(assetId, stuck, from);
        _countLienEvents();
    }

    function transferByOperator(uint256 assetSeed, uint256 toSeed) external {
        uint256 assetId = _asset(assetSeed);
        address from = assets.ownerOf(assetId);
        address operator = address(0x0BE7A7);
        vm.prank(from);
        assets.setApprovalForAll(operator, true);
        bool stuck = _isStuck(assetId);
        vm.prank(operator);
        try assets.safeTransferFrom(from, _actor(toSeed), assetId) {} catch {}
        _afterMoveAttempt(assetId, stuck, from);
        _countLienEvents();
    }

    /// @dev The owner pledges naming a lender: with the keyed lender's own offer, with an offer
    /// signed by another key, with the lender's offer of other terms, or with no signature.
    function pledge(uint256 assetSeed, uint256 lenderSeed, uint8 mode) external {
        uint256 assetId = _asset(assetSeed);
        address from = assets.ownerOf(assetId);
        address lender = _lender(lenderSeed);
        uint64 maturity = uint64(block.timestamp + 1 days);
        uint256 deadline = block.timestamp + 1 hours;
        mode %= 4;
        bytes memory sig = mode < 3 ? _offerBy(mode, assetId, lender, maturity, deadline) : bytes("");
        address signed = mode == 0 ? keyedLender : address(0);
        vm.prank(from);
        try pledges.pledge(assetId, lender, 100, CNY, maturity, bytes32(0), deadline, sig) {} catch {}
        _countLienEvents(signed);
    }

    function approveJunior(uint256 assetSeed, uint256 lenderSeed) external {
        Pledges.RankedLien[] memory liens = pledges.activeLiens(_asset(assetSeed));
        if (liens.length == 0) return;
        Pledges.RankedLien memory senior = liens[lenderSeed % liens.length];
        vm.prank(senior.lien.lender);
        pledges.approveJuniorLien(senior.lienId, _lender(lenderSeed >> 8), true);
        _countLienEvents();
    }

    function release(uint256 assetSeed, uint256 which) external {
        Pledges.RankedLien[] memory liens = pledges.activeLiens(_asset(assetSeed));
        if (liens.length == 0) return;
        Pledges.RankedLien memory lien = liens[which % liens.length];
        vm.prank(lien.lien.lender);
        pledges.release(lien.lienId);
        _countLienEvents();
    }

    function enforce(uint256 assetSeed, uint256 toSeed) external {
        uint256 assetId = _asset(assetSeed);
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        if (liens.length == 0) return;
        vm.warp(block.timestamp + 2 days);
        address from = assets.ownerOf(assetId);
        vm.prank(liens[0].lien.lender);
        try pledges.enforce(liens[0].lienId, _actor(toSeed)) {
            ++enforcements;
            expectedOwner[assetId] = assets.ownerOf(assetId);
        } catch {
            _afterMoveAttempt(assetId, true, from);
        }
        _countLienEvents();
    }

    /// @dev Enforces the lowest-ranked lien after its grace period (the liens above stay attached).
    function enforceJunior(uint256 assetSeed, uint256 toSeed) external {
        uint256 assetId = _asset(assetSeed);
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        if (liens.length == 0) return;
        Pledges.RankedLien memory last = liens[liens.length - 1];
        vm.warp(block.timestamp + pledges.JUNIOR_ENFORCEMENT_GRACE() + 2 days);
        address from = assets.ownerOf(assetId);
        vm.prank(last.lien.lender);
        try pledges.enforce(last.lienId, _actor(toSeed)) {
            ++enforcements;
            expectedOwner[assetId] = assets.ownerOf(assetId);
        } catch {
            _afterMoveAttempt(assetId, true, from);
        }
        _countLienEvents();
    }

    /// @dev Moves a lien to another lender: mode 0 the lender sends, the keyed lender's key signs;
    /// 1 the new lender sends, the keyed key signs; 2 a stranger sends; 3 another key signs. The one
    /// change allowed is the one where a lender sends and the other lender's key signed.
    function assign(uint256 assetSeed, uint256 which, uint256 toSeed, uint8 mode, bool rotation) external {
        Pledges.RankedLien[] memory liens = pledges.activeLiens(_asset(assetSeed));
        if (liens.length == 0) return;
        Pledges.RankedLien memory lien = liens[which % liens.length];
        address from = lien.lien.lender;
        address to = _lender(toSeed);
        mode %= 4;
        uint256 key = mode == 3 ? OTHER_KEY : KEYED_LENDER_KEY;
        address sender = mode == 1 ? to : mode == 2 ? _actor(toSeed) : from;
        address signer = vm.addr(key);
        if ((sender == from && signer == to) || (sender == to && signer == from)) {
            (_allowedLien, _allowedFrom, _allowedTo) = (lien.lienId, from, to);
        }
        _sendTransfer(sender, key, lien.lienId, from, to, rotation);
        _countLienEvents();
        (_allowedLien, _allowedFrom, _allowedTo) = (0, address(0), address(0));
    }

    function _sendTransfer(address sender, uint256 key, uint256 lienId, address from, address to, bool rotation)
        internal
    {
        uint256 deadline = block.timestamp + 1 hours;
        uint256 nonce = pledges.nonces(vm.addr(key));
        bytes memory sig = _sign(key, pledges.lienTransferDigest(lienId, from, to, rotation ? 1 : 0, nonce, deadline));
        vm.prank(sender);
        if (rotation) {
            try pledges.rotateLenderKey(lienId, to, deadline, sig) {} catch {}
        } else {
            try pledges.assignLien(lienId, to, deadline, sig) {} catch {}
        }
    }

    /// @dev The admin proposes a recovery; the old key may cancel; after the delay a stranger, then
    /// the new key, try to execute it. Allowed only when not cancelled and sent by the new key.
    function recover(uint256 assetSeed, uint256 which, uint256 toSeed, bool cancel) external {
        Pledges.RankedLien[] memory liens = pledges.activeLiens(_asset(assetSeed));
        if (liens.length == 0) return;
        Pledges.RankedLien memory lien = liens[which % liens.length];
        address to = _lender(toSeed);
        vm.prank(ADMIN);
        try pledges.proposeLenderRecovery(lien.lienId, to) {} catch {}
        if (cancel) {
            vm.prank(lien.lien.lender);
            try pledges.cancelLenderRecovery(lien.lienId) {} catch {}
        }
        vm.warp(block.timestamp + pledges.RECOVERY_DELAY());
        vm.prank(_actor(toSeed));
        try pledges.executeLenderRecovery(lien.lienId) {} catch {}
        if (!cancel) (_allowedLien, _allowedFrom, _allowedTo) = (lien.lienId, lien.lien.lender, to);
        vm.prank(to);
        try pledges.executeLenderRecovery(lien.lienId) {} catch {}
        _countLienEvents();
        (_allowedLien, _allowedFrom, _allowedTo) = (0, address(0), address(0));
    }

    /// @dev Mode 0: the keyed lender's offer; 1: another key's; 2: the keyed lender's of other terms.
    function _offerBy(uint8 mode, uint256 assetId, address lender, uint64 maturity, uint256 deadline)
        internal
        view
        returns (bytes memory)
    {
        uint256 key = mode == 1 ? OTHER_KEY : KEYED_LENDER_KEY;
        uint128 amount = mode == 2 ? 101 : 100;
        uint256 nonce = pledges.nonces(vm.addr(key));
        return _sign(key, pledges.lienOfferDigest(assetId, lender, amount, CNY, maturity, bytes32(0), nonce, deadline));
    }

    function freeze(uint256 assetSeed) external {
        vm.prank(MODERATOR);
        try moderation.freeze(bytes32(_asset(assetSeed)), keccak256("invariant")) {} catch {}
        _countLienEvents();
    }

    function restore(uint256 assetSeed) external {
        vm.prank(REGULATOR);
        try moderation.restore(bytes32(_asset(assetSeed)), keccak256("invariant")) {} catch {}
        _countLienEvents();
    }

    function assetCount() external pure returns (uint256) {
        return ASSETS;
    }

    function rightsAsset() external view returns (address) {
        return address(assets);
    }

    function lienRegistry() external view returns (address) {
        return address(pledges);
    }

    /// @dev Whether every lien's lender on chain is the one folded from the events.
    function lendersMatchEvents() external view returns (bool) {
        uint256 count = pledges.lienCount();
        for (uint256 lienId = 1; lienId <= count; ++lienId) {
            if (pledges.lienOf(lienId).lender != lenderFromEvents[lienId]) return false;
        }
        return true;
    }
}

interface IOwnerOf {
    function ownerOf(uint256 assetId) external view returns (address);
}

interface ILienCount {
    function activeLienCount(uint256 assetId) external view returns (uint256);
}

contract AssetInvariantsTest {
    AssetHandler private handler;

    error InvariantBroken(string what, uint256 assetId, uint256 expected, uint256 actual);

    function setUp() public {
        handler = new AssetHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// @dev An encumbered or frozen asset never changes owner except by `enforce`, and every owner
    /// is the one the handler saw it legitimately move to.
    function invariant_stuckAssetsMoveOnlyByEnforcement() public view {
        if (handler.forbiddenMoves() != 0) revert InvariantBroken("forbidden moves", 0, 0, handler.forbiddenMoves());
        for (uint256 i = 0; i < handler.assetCount(); ++i) {
            uint256 assetId = handler.assetIds(i);
            address actual = IOwnerOf(handler.rightsAsset()).ownerOf(assetId);
            address expected = handler.expectedOwner(assetId);
            if (actual != expected) {
                revert InvariantBroken("owner", assetId, uint160(expected), uint160(actual));
            }
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// @dev A lien's lender is never set without that lender: it sent the pledge or signed its offer.
    function invariant_lenderNeverNamedWithoutItsSignature() public view {
        if (handler.unsignedLiens() != 0) revert InvariantBroken("unsigned liens", 0, 0, handler.unsignedLiens());
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// @dev A lien's lender never changes without that lender: every `LenderChanged` is one where a
    /// lender sent and the other signed, or an unopposed recovery the new key executed; and every
    /// lien's lender on chain is the one the events say.
    function invariant_lenderChangesOnlyWithBothLendersConsent() public view {
        if (handler.unconsentedLenderChanges() != 0) {
            revert InvariantBroken("unconsented lender changes", 0, 0, handler.unconsentedLenderChanges());
        }
        if (!handler.lendersMatchEvents()) revert InvariantBroken("lenders differ from events", 0, 1, 0);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// @dev The number of active liens of every asset equals the count folded from the events.
    function invariant_activeLiensEqualEventCount() public view {
        for (uint256 i = 0; i < handler.assetCount(); ++i) {
            uint256 assetId = handler.assetIds(i);
            uint256 onChain = ILienCount(handler.lienRegistry()).activeLienCount(assetId);
            uint256 fromEvents = handler.liensFromEvents(assetId);
            if (onChain != fromEvents) revert InvariantBroken("active liens", assetId, fromEvents, onChain);
        }
    }
}
