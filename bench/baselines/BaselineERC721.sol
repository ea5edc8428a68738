// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice The usual way to mint a token: OpenZeppelin ERC721 `_safeMint`, nothing else stored. A gas reference
/// for Filón's declarations (which also enforce mine, capacity and admission rules and keep a passport root).
contract BaselineERC721 is ERC721 {
    uint256 private _nextId = 1;

    constructor() ERC721("Baseline", "BASE") {}

    function mint(address to) external returns (uint256 tokenId) {
        tokenId = _nextId++;
        _safeMint(to, tokenId);
    }
}
