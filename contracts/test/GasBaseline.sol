// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @dev The baseline of the gas report (shared BENCHMARKS.md): a plain OpenZeppelin ERC-721 whose
/// mint stores a 4-slot metadata struct, and a one-slot-per-root anchor. Not deployed anywhere.
contract GasBaselineERC721 is ERC721 {
    struct Metadata {
        bytes32 sha256Digest;
        bytes32 sm3Digest;
        bytes32 leaf;
        uint256 packedTerms;
    }

    mapping(uint256 tokenId => Metadata) public metadataOf;

    constructor() ERC721("baseline", "BASE") {}

    function mint(address to, uint256 tokenId, Metadata calldata metadata) external {
        metadataOf[tokenId] = metadata;
        _mint(to, tokenId);
    }
}

contract GasBaselineAnchor {
    mapping(bytes32 root => uint256 packed) public roots;

    function anchor(bytes32 root, uint32 leafCount) external {
        roots[root] = uint256(block.timestamp) << 128 | uint256(block.number) << 32 | leafCount;
    }
}
