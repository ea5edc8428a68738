// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/// @notice The common NFT pattern for documents: ERC721URIStorage, minting with the document's CID as the
/// token URI kept in storage. A gas reference for Filón's declarations.
contract BaselineURIStorage is ERC721URIStorage {
    uint256 private _nextId = 1;

    constructor() ERC721("Baseline URI", "BURI") {}

    function mint(address to, string calldata uri) external returns (uint256 tokenId) {
        tokenId = _nextId++;
        _safeMint(to, tokenId);
        _setTokenURI(tokenId, uri);
    }
}
