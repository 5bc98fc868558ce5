// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pledges} from "../Pledges.sol";
import {SuiteBase} from "./SuiteBase.sol";

/// @dev The registry authority attests a lien's official registration; priority follows it.
contract LienRegistrationTest is SuiteBase {
    address private constant AUTHORITY = address(0xC0C);
    address private constant LENDER3 = address(0x1E4D3);
    bytes32 private constant NUMBER = "2026-Z-00012345";

    uint256 private assetId;
    uint256 private first;
    uint256 private second;
    uint256 private third;

    function setUp() public {
        _deploySuite(true);
        assetId = _tokenize(keccak256("registered lien"));
        vm.startPrank(ADMIN);
        _grantDelayed(pledges, pledges.REGISTRY_AUTHORITY_ROLE(), AUTHORITY);
        pledges.grantRole(pledges.LENDER_ROLE(), LENDER3);
        vm.stopPrank();
        first = _pledge(assetId, LENDER);
        vm.prank(LENDER);
        pledges.approveJuniorLien(first, LENDER2, true);
        second = _pledge(assetId, LENDER2);
        vm.prank(LENDER);
        pledges.approveJuniorLien(first, LENDER3, true);
        vm.prank(LENDER2);
        pledges.approveJuniorLien(second, LENDER3, true);
        third = _pledge(assetId, LENDER3);
        vm.warp(block.timestamp + 1 days);
    }

    function _order() private view returns (uint256[] memory ids) {
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        ids = new uint256[](liens.length);
        for (uint256 i = 0; i < liens.length; ++i) {
            ids[i] = liens[i].lienId;
        }
    }

    function _assertOrder(uint256 a, uint256 b, uint256 c) private view {
        uint256[] memory ids = _order();
        _assertEq(ids[0], a, "rank 1");
        _assertEq(ids[1], b, "rank 2");
        _assertEq(ids[2], c, "rank 3");
    }

    /// @dev A lender (or the owner) cannot attest its own lien's registration to jump the queue.
    function test_attestRegistration_onlyTheRegistryAuthority() public {
        bytes32 role = pledges.REGISTRY_AUTHORITY_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, LENDER3, role));
        vm.prank(LENDER3);
        pledges.attestRegistration(third, NUMBER, uint64(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, role));
        vm.prank(ADMIN);
        pledges.attestRegistration(third, NUMBER, uint64(block.timestamp));
        _assertOrder(first, second, third);
    }

    function test_attestRegistration_refusesEmptyOrFutureRegistrations() public {
        uint64 nowTime = uint64(block.timestamp);
        vm.startPrank(AUTHORITY);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidRegistration.selector, third, bytes32(0), nowTime));
        pledges.attestRegistration(third, bytes32(0), nowTime);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidRegistration.selector, third, NUMBER, 0));
        pledges.attestRegistration(third, NUMBER, 0);
        vm.expectRevert(abi.encodeWithSelector(Pledges.InvalidRegistration.selector, third, NUMBER, nowTime + 1));
        pledges.attestRegistration(third, NUMBER, nowTime + 1);
        vm.stopPrank();
        vm.prank(LENDER3);
        pledges.release(third);
        vm.expectRevert(abi.encodeWithSelector(Pledges.LienNotActive.selector, third, Pledges.LienStatus.Released));
        vm.prank(AUTHORITY);
        pledges.attestRegistration(third, NUMBER, nowTime);
    }

    /// @dev Registered liens rank before unregistered ones, by registration time.
    function test_priorityFollowsTheOfficialRegistration() public {
        uint64 t = uint64(block.timestamp);
        uint256[] memory expected = new uint256[](3);
        (expected[0], expected[1], expected[2]) = (third, first, second);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.RegistrationAttested(third, assetId, NUMBER, t - 100, AUTHORITY);
        vm.expectEmit(true, true, true, true, address(pledges));
        emit Pledges.LiensReordered(assetId, expected);
        vm.prank(AUTHORITY);
        pledges.attestRegistration(third, NUMBER, t - 100);
        _assertOrder(third, first, second);
        _assertEq(pledges.lienOf(third).officialRegistrationNo, NUMBER, "number recorded");
        _assertEq(pledges.registrationTimeOf(third), t - 100, "time recorded");
        // Registered earlier: ahead of the third.
        vm.prank(AUTHORITY);
        pledges.attestRegistration(second, "2026-Z-00000001", t - 200);
        _assertOrder(second, third, first);
        // Registered at the same time as the third: the earlier-created lien first.
        vm.prank(AUTHORITY);
        pledges.attestRegistration(first, "2026-Z-00000002", t - 100);
        _assertOrder(second, first, third);
        // The ranks stay dense.
        Pledges.RankedLien[] memory liens = pledges.activeLiens(assetId);
        _assertEq(liens[0].rank, 1, "dense ranks");
        _assertEq(liens[2].rank, 3, "dense ranks");
    }

    /// @dev The most senior lien by registration enforces at maturity; the former senior waits
    /// for the junior grace period.
    function test_enforcementFollowsTheNewRanks() public {
        vm.prank(AUTHORITY);
        pledges.attestRegistration(third, NUMBER, uint64(block.timestamp));
        uint64 maturity = pledges.lienOf(first).maturity;
        vm.warp(maturity);
        vm.expectRevert(
            abi.encodeWithSelector(
                Pledges.LienNotSenior.selector, first, third, uint256(maturity) + pledges.JUNIOR_ENFORCEMENT_GRACE()
            )
        );
        vm.prank(LENDER);
        pledges.enforce(first, LENDER);
        vm.prank(LENDER3);
        pledges.enforce(third, LENDER3);
        _assertEq(assets.ownerOf(assetId), LENDER3, "the registered lien enforced");
    }

    /// @dev Whatever liens are attested, in whatever order and at whatever times, the ranks are
    /// registered-by-time (ties by creation) first, then unregistered by creation.
    function testFuzz_ranksFollowRegistrationTimes(uint8 mask, uint64 t1, uint64 t2, uint64 t3) public {
        uint256[3] memory ids = [first, second, third];
        uint64[3] memory times = [t1 % 1000 + 1, t2 % 1000 + 1, t3 % 1000 + 1];
        for (uint256 i = 0; i < 3; ++i) {
            if (mask & (1 << i) == 0) continue;
            vm.prank(AUTHORITY);
            pledges.attestRegistration(ids[(i + mask) % 3], NUMBER, times[(i + mask) % 3]);
        }
        uint256[] memory order = _order();
        for (uint256 i = 0; i + 1 < order.length; ++i) {
            uint64 a = pledges.registrationTimeOf(order[i]);
            uint64 b = pledges.registrationTimeOf(order[i + 1]);
            bool inOrder = a != 0 && (b == 0 || a < b || (a == b && order[i] < order[i + 1]))
                || a == 0 && b == 0 && order[i] < order[i + 1];
            _assertTrue(inOrder, "ranked by registration");
        }
    }
}
