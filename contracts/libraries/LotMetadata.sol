// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IFilonLots} from "../interfaces/IFilonLots.sol";

/// @title On-chain ERC-721 metadata of a Filón lot
/// @notice Renders a lot as a `data:application/json;base64,...` URI in the shape wallets and explorers read
/// (name, description, attributes), so that any ERC-721 reader shows form, fine gold, origin and passport root,
/// and the serial of a refined lot that has one (as `serial`, for programs, and as an attribute, for wallets).
library LotMetadata {
    using Strings for uint256;
    using Strings for string;

    /// @notice The metadata URI of lot `lotId` with the on-chain record `lot` and serial `serial` ("" if none).
    /// @dev The serial is the only string a user chose: it is escaped for JSON (OpenZeppelin's `escapeJSON`).
    function tokenURI(uint256 lotId, IFilonLots.LotRecord memory lot, string memory serial)
        internal
        pure
        returns (string memory)
    {
        string memory origin = lot.mineId == 0 ? "transformed" : string.concat("mine ", lot.mineId.toString());
        string memory escaped = serial.escapeJSON();
        bool hasSerial = bytes(serial).length != 0;
        bytes memory json = abi.encodePacked(
            unicode'{"name":"Filón lot #',
            lotId.toString(),
            hasSerial ? string.concat('","serial":"', escaped) : "",
            unicode'","description":"A lot of responsibly mined gold traced by Filón. Its digital product passport is committed to by the passport root.",',
            '"attributes":[{"trait_type":"Form","value":"',
            formName(lot.form),
            '"},{"trait_type":"Fine gold (mg)","display_type":"number","value":',
            lot.fineGoldMg.toString(),
            '},{"trait_type":"Origin","value":"',
            origin,
            '"},{"trait_type":"Passport root","value":"',
            uint256(lot.passportRoot).toHexString(32),
            '"},{"trait_type":"Passport version","display_type":"number","value":',
            lot.passportVersion.toString(),
            hasSerial ? string.concat('},{"trait_type":"Serial","value":"', escaped, '"}]}') : "}]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @notice The display name of a lot form.
    function formName(IFilonLots.Form form) internal pure returns (string memory) {
        if (form == IFilonLots.Form.Ore) return "ore";
        if (form == IFilonLots.Form.Concentrate) return "concentrate";
        if (form == IFilonLots.Form.Dore) return unicode"doré";
        if (form == IFilonLots.Form.Refined) return "refined";
        return "product";
    }
}
