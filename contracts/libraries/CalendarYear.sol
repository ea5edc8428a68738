// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Gregorian calendar year of a Unix timestamp (UTC)
/// @dev Howard Hinnant's `civil_from_days` algorithm, restricted to timestamps from 1970 on.
library CalendarYear {
    /// @notice The calendar year (e.g. 2026) in which `timestamp` falls, in UTC.
    function yearOf(uint256 timestamp) internal pure returns (uint256 year) {
        // Shift the epoch to 0000-03-01 so that leap days fall at the end of a 400-year era.
        uint256 z = timestamp / 86400 + 719468;
        uint256 era = z / 146097;
        uint256 dayOfEra = z - era * 146097;
        uint256 yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
        uint256 dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        uint256 monthIndex = (5 * dayOfYear + 2) / 153; // 0 = March ... 11 = February
        year = yearOfEra + era * 400 + (monthIndex >= 10 ? 1 : 0);
    }
}
