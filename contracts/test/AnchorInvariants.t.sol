// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {RegistryAnchor} from "../RegistryAnchor.sol";
import {Vm} from "./SuiteBase.sol";

/// @dev Anchors, re-anchors and revokes roots from a small pool at random times, remembering what
/// the chain said the first time each root was anchored.
contract AnchorHandler {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    address private constant REGISTRAR = address(0xB0B);
    address private constant REGULATOR = address(0x4E6);
    uint256 public constant POOL = 8;

    RegistryAnchor public registry;
    mapping(bytes32 root => RegistryAnchor.AnchoredRoot) private _first;
    mapping(bytes32 root => bool) public wasRevoked;

    constructor() {
        registry = new RegistryAnchor(address(this), REGISTRAR, 0);
        registry.scheduleRoleGrant(registry.REGULATOR_ROLE(), REGULATOR);
        registry.executeRoleGrant(registry.REGULATOR_ROLE(), REGULATOR);
    }

    function rootAt(uint256 i) public pure returns (bytes32) {
        return keccak256(abi.encode("pool root", i % POOL));
    }

    function anchor(uint256 seed, uint32 leafCount, uint32 wait) external {
        vm.warp(block.timestamp + wait % 1 days);
        vm.roll(block.number + wait % 100);
        bytes32 root = rootAt(seed);
        vm.prank(REGISTRAR);
        try registry.anchor(root, leafCount) {
            (uint64 anchoredAt, uint64 blockNumber, uint32 count, uint64 batchId, bool revoked) =
                registry.rootRecord(root);
            if (_first[root].leafCount == 0) {
                _first[root] = RegistryAnchor.AnchoredRoot(anchoredAt, blockNumber, count, batchId, revoked);
            }
        } catch {}
    }

    function revoke(uint256 seed) external {
        bytes32 root = rootAt(seed);
        vm.prank(REGULATOR);
        try registry.revokeRoot(root, keccak256("reason")) {
            wasRevoked[root] = true;
        } catch {}
    }

    function first(bytes32 root) external view returns (RegistryAnchor.AnchoredRoot memory) {
        return _first[root];
    }
}

contract AnchorInvariantsTest {
    AnchorHandler private handler;

    error InvariantBroken(string what, bytes32 root, uint256 expected, uint256 actual);

    function setUp() public {
        handler = new AnchorHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 40
    /// @dev An anchored root's record never changes; revocation only ever sets its flag.
    function invariant_anchoredRootNeverChanges() public view {
        RegistryAnchor registry = handler.registry();
        for (uint256 i = 0; i < handler.POOL(); ++i) {
            bytes32 root = handler.rootAt(i);
            RegistryAnchor.AnchoredRoot memory first = handler.first(root);
            (uint64 anchoredAt, uint64 blockNumber, uint32 leafCount, uint64 batchId, bool revoked) =
                registry.rootRecord(root);
            if (first.leafCount == 0) {
                if (leafCount != 0) revert InvariantBroken("unrecorded anchoring", root, 0, leafCount);
                continue;
            }
            if (anchoredAt != first.anchoredAt) revert InvariantBroken("anchoredAt", root, first.anchoredAt, anchoredAt);
            if (blockNumber != first.blockNumber) {
                revert InvariantBroken("blockNumber", root, first.blockNumber, blockNumber);
            }
            if (leafCount != first.leafCount) revert InvariantBroken("leafCount", root, first.leafCount, leafCount);
            if (batchId != first.batchId) revert InvariantBroken("batchId", root, first.batchId, batchId);
            if (revoked != handler.wasRevoked(root)) {
                revert InvariantBroken("revoked", root, handler.wasRevoked(root) ? 1 : 0, revoked ? 1 : 0);
            }
        }
    }
}
