// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev The baseline of bench/editions.py: a plain OpenZeppelin ERC-721 minting one token per
/// transaction (what issuing copies as transferable tokens costs). Not deployed anywhere.
contract EditionBaselineERC721 is ERC721 {
    constructor() ERC721("edition baseline", "EDB") {}

    /// @notice Mints `tokenId` to `to`.
    /// @param to The holder.
    /// @param tokenId The copy number.
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
