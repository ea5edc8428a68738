// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IFilonRegistry} from "./interfaces/IFilonRegistry.sol";
import {CalendarYear} from "./libraries/CalendarYear.sol";

/// @title Filón registry of participants and mines
/// @notice A registrar (a mining authority's proxy, an auditor, the platform operator) admits participants and
/// registers, renews, suspends, reactivates and revokes mines. The lot token builds on it.
/// @dev Storage is laid out for the declaration path ("storage hitchhiking"): an account's slot holds its role,
/// its ERC-721 balance, the block of lot ids it mints from and, for a mine operator, everything a declaration
/// reads and writes about its mine (id, permit expiry, status, this year's remaining capacity). Declaring a lot
/// therefore reads and writes one account slot, and receiving a lot checks admission for free. The price is
/// that an address operates at most one mine: a cooperative with several mines uses one key per mine.
abstract contract FilonRegistry is IFilonRegistry, AccessControl {
    /// @notice The role that admits participants and manages mines.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice The largest yearly capacity a mine can have, in mg of fine gold (about 550 tonnes).
    uint256 public constant MAX_CAPACITY_MG = uint256(int256(type(int40).max));

    /// @dev One slot per address. `lotCount` is the ERC-721 balance; lots minted to the account take ids
    /// `nextLotId`, `nextLotId + 1`, ... while `idsLeft` lasts (see `FilonLots.LOT_ID_BLOCK`). The mine fields
    /// describe the mine the account operates (`mineId` 0: none): `remainingMg` is what it may still declare in
    /// `year`, negative when the registrar lowered the capacity below what was already declared, so that what was
    /// declared (capacity minus remaining) is never lost.
    struct Account {
        Role role;
        uint32 lotCount;
        uint48 nextLotId;
        uint8 idsLeft;
        uint32 mineId;
        uint32 permitExpiry;
        MineStatus status;
        uint16 year;
        int40 remainingMg;
    }

    /// @dev What a declaration does not need, read only at the turn of a year, by relayed declarations and by
    /// readers.
    struct MineDetails {
        address operator;
        uint40 capacityMg;
        bytes2 country;
        bytes32 permitHash;
        bytes32 locationHash;
        bytes32 passportHash;
    }

    /// @dev The roles that hold lots, one bit each (bit `uint8(role)`): the five supply-chain roles, neither
    /// `None` (not admitted) nor the attesters. Mints and transfers test the receiver's role against it with one
    /// shift and one mask, written out where they load the role: as a function the optimizer does not inline it,
    /// which costs every mint and transfer about 60 gas more.
    uint256 internal constant _LOT_HOLDING_ROLES = (1 << uint8(Role.MineOperator)) | (1 << uint8(Role.Processor))
        | (1 << uint8(Role.Refiner)) | (1 << uint8(Role.Trader)) | (1 << uint8(Role.Manufacturer));

    mapping(address account => Account) internal _accounts;
    mapping(uint256 mineId => MineDetails) private _mineDetails;
    uint32 private _mineCount;

    constructor(address admin) {
        if (admin == address(0)) revert InvalidAccount(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    // ---------------------------------------------------------------- participants

    /// @inheritdoc IFilonRegistry
    /// @dev Separation of duties: whoever administers the registry holds no lots, so one key never both vouches
    /// for participants and trades with them; and an attester never holds lots, so it never attests its own.
    /// Requirements: caller has `REGISTRAR_ROLE`; `account` is not zero and holds neither `REGISTRAR_ROLE` nor
    /// `DEFAULT_ADMIN_ROLE`; `role` is not `None`; an attester role only for an account that holds no lots.
    /// Emits a {ParticipantRegistered} event.
    function registerParticipant(address account, Role role) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0)) revert InvalidAccount(account);
        if (role == Role.None) revert InvalidRole(uint8(role));
        if (hasRole(REGISTRAR_ROLE, account) || hasRole(DEFAULT_ADMIN_ROLE, account)) {
            revert RegistrarCannotParticipate(account);
        }
        Account storage stored = _accounts[account];
        if (_isAttester(role) && stored.lotCount != 0) revert AttesterCannotHold(account, role);
        stored.role = role;
        emit ParticipantRegistered(account, role);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev The account keeps the lots it holds and may still pass them on; it can receive none.
    /// Requirements: caller has `REGISTRAR_ROLE`; `account` is admitted. Emits a {ParticipantRemoved} event.
    function removeParticipant(address account) external onlyRole(REGISTRAR_ROLE) {
        if (_accounts[account].role == Role.None) revert NotParticipant(account);
        _accounts[account].role = Role.None;
        emit ParticipantRemoved(account);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Event only: readers take the latest record per account from the logs (or the index), so a record
    /// costs no storage. Requirements: caller has `REGISTRAR_ROLE`; `account` is admitted; `recordHash` is not
    /// zero. Emits a {ParticipantRecordPublished} event.
    function publishParticipantRecord(address account, bytes32 recordHash) external onlyRole(REGISTRAR_ROLE) {
        if (_accounts[account].role == Role.None) revert NotParticipant(account);
        if (recordHash == bytes32(0)) revert EmptyHash();
        emit ParticipantRecordPublished(account, recordHash);
    }

    /// @inheritdoc IFilonRegistry
    function roleOf(address account) external view returns (Role) {
        return _accounts[account].role;
    }

    /// @dev Every grant passes here, the constructor's and `grantRole`'s: an admitted participant is never made
    /// a registrar or an admin (separation of duties). Withdrawing its admission first is what key rotation does.
    /// Requirements: for `REGISTRAR_ROLE` and `DEFAULT_ADMIN_ROLE`, `account` is not an admitted participant.
    /// Emits a {RoleGranted} event when `account` did not hold `role`.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if ((role == REGISTRAR_ROLE || role == DEFAULT_ADMIN_ROLE) && _accounts[account].role != Role.None) {
            revert ParticipantCannotAdminister(account, role);
        }
        return super._grantRole(role, account);
    }

    // ---------------------------------------------------------------- mines

    /// @inheritdoc IFilonRegistry
    /// @dev An address stays tied to its mine for good, revoked or not, because the mine's status lives in the
    /// operator's slot: an operator granted a new concession after a revocation uses a new key.
    /// Requirements: caller has `REGISTRAR_ROLE`; `operator` is admitted as `MineOperator` and has never operated
    /// a mine; `country` is two upper-case letters; `permitExpiry` is in the future;
    /// `0 < capacityMg <= MAX_CAPACITY_MG`. Emits a {MineRegistered} event.
    function registerMine(
        address operator,
        bytes32 permitHash,
        uint256 permitExpiry,
        bytes2 country,
        bytes32 locationHash,
        uint256 capacityMg,
        bytes32 passportHash
    ) external onlyRole(REGISTRAR_ROLE) returns (uint256 mineId) {
        Account memory account = _accounts[operator];
        if (account.role != Role.MineOperator) revert NotMineOperatorRole(operator);
        if (account.mineId != 0) revert OperatorHasMine(operator, account.mineId);
        _checkCountry(country);
        _checkPermitExpiry(permitExpiry);
        _checkCapacity(capacityMg);
        mineId = ++_mineCount;
        account.mineId = uint32(mineId);
        account.permitExpiry = uint32(permitExpiry);
        account.status = MineStatus.Active;
        account.year = uint16(CalendarYear.yearOf(block.timestamp));
        account.remainingMg = int40(int256(capacityMg));
        _accounts[operator] = account;
        _mineDetails[mineId] = MineDetails({
            operator: operator,
            capacityMg: uint40(capacityMg),
            country: country,
            permitHash: permitHash,
            locationHash: locationHash,
            passportHash: passportHash
        });
        emit MineRegistered(
            mineId, operator, country, permitHash, permitExpiry, locationHash, capacityMg, passportHash
        );
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Requirements: caller has `REGISTRAR_ROLE`; the mine exists; `permitExpiry` is in the future.
    /// A revoked mine stays revoked. Emits a {MinePermitUpdated} event.
    function updatePermit(uint256 mineId, bytes32 permitHash, uint256 permitExpiry) external onlyRole(REGISTRAR_ROLE) {
        address operator = _requireMine(mineId);
        _checkPermitExpiry(permitExpiry);
        _accounts[operator].permitExpiry = uint32(permitExpiry);
        _mineDetails[mineId].permitHash = permitHash;
        emit MinePermitUpdated(mineId, permitHash, permitExpiry);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev What was already declared this year counts against the new capacity, even when it exceeds it.
    /// Requirements: caller has `REGISTRAR_ROLE`; the mine exists; `0 < capacityMg <= MAX_CAPACITY_MG`.
    /// Emits a {MineCapacityUpdated} event.
    function setMineCapacity(uint256 mineId, uint256 capacityMg) external onlyRole(REGISTRAR_ROLE) {
        address operator = _requireMine(mineId);
        _checkCapacity(capacityMg);
        Account memory account = _accounts[operator];
        MineDetails storage details = _mineDetails[mineId];
        if (account.year == CalendarYear.yearOf(block.timestamp)) {
            // Both terms lie in [-MAX_CAPACITY_MG, MAX_CAPACITY_MG]: the result fits int40.
            int256 declared = int256(uint256(details.capacityMg)) - account.remainingMg;
            account.remainingMg = int40(int256(capacityMg) - declared);
            _accounts[operator] = account;
        }
        details.capacityMg = uint40(capacityMg);
        emit MineCapacityUpdated(mineId, capacityMg);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Requirements: caller has `REGISTRAR_ROLE`; the mine exists. Emits a {MinePassportUpdated} event.
    function setMinePassport(uint256 mineId, bytes32 passportHash) external onlyRole(REGISTRAR_ROLE) {
        _requireMine(mineId);
        _mineDetails[mineId].passportHash = passportHash;
        emit MinePassportUpdated(mineId, passportHash);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Requirements: caller has `REGISTRAR_ROLE`; the mine is `Active`. Emits a {MineStatusChanged} event.
    function suspendMine(uint256 mineId) external onlyRole(REGISTRAR_ROLE) {
        _changeStatus(mineId, MineStatus.Active, MineStatus.Suspended);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Requirements: caller has `REGISTRAR_ROLE`; the mine is `Suspended`. Emits a {MineStatusChanged} event.
    function reactivateMine(uint256 mineId) external onlyRole(REGISTRAR_ROLE) {
        _changeStatus(mineId, MineStatus.Suspended, MineStatus.Active);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Requirements: caller has `REGISTRAR_ROLE`; the mine is `Active` or `Suspended`.
    /// Emits a {MineStatusChanged} event.
    function revokeMine(uint256 mineId) external onlyRole(REGISTRAR_ROLE) {
        address operator = _requireMine(mineId);
        MineStatus status = _accounts[operator].status;
        if (status == MineStatus.Revoked) revert InvalidMineStatusChange(mineId, status, MineStatus.Revoked);
        _accounts[operator].status = MineStatus.Revoked;
        emit MineStatusChanged(mineId, MineStatus.Revoked);
    }

    /// @inheritdoc IFilonRegistry
    /// @dev Event only. A register import sends it with the snapshot's status and permit changes in one
    /// transaction (`multicall([recordRegisterSnapshot(...), suspendMine(...), updatePermit(...), ...])`), all or
    /// nothing, so that readers attribute those changes to the snapshot. The date is a `uint48`, OpenZeppelin's
    /// type for timepoints. Requirements: caller has `REGISTRAR_ROLE`; `snapshotHash` is not zero; `snapshotDate`
    /// is not zero and not in the future. Emits a {RegisterSnapshotRecorded} event.
    function recordRegisterSnapshot(bytes32 snapshotHash, uint48 snapshotDate) external onlyRole(REGISTRAR_ROLE) {
        if (snapshotHash == bytes32(0)) revert EmptyHash();
        if (snapshotDate == 0 || snapshotDate > block.timestamp) {
            revert InvalidSnapshotDate(snapshotDate, block.timestamp);
        }
        emit RegisterSnapshotRecorded(snapshotHash, snapshotDate);
    }

    /// @inheritdoc IFilonRegistry
    function mine(uint256 mineId) external view returns (Mine memory) {
        address operator = _requireMine(mineId);
        Account memory account = _accounts[operator];
        MineDetails memory details = _mineDetails[mineId];
        uint256 year = CalendarYear.yearOf(block.timestamp);
        int256 declared = int256(uint256(details.capacityMg)) - account.remainingMg;
        return Mine({
            operator: operator,
            status: account.status,
            country: details.country,
            permitExpiry: account.permitExpiry,
            capacityMg: details.capacityMg,
            declaredThisYearMg: account.year == year ? uint256(declared) : 0,
            year: year,
            permitHash: details.permitHash,
            locationHash: details.locationHash,
            passportHash: details.passportHash
        });
    }

    /// @inheritdoc IFilonRegistry
    function mineCount() external view returns (uint256) {
        return _mineCount;
    }

    /// @dev Whether `role` is an attester role (`Auditor`, `Laboratory`).
    function _isAttester(Role role) internal pure returns (bool) {
        return role >= Role.Auditor;
    }

    /// @dev Reverts with the reason an account admitted as `role` cannot hold a lot: not admitted, or an attester.
    function _revertCannotHold(address account, Role role) internal pure {
        if (role == Role.None) revert NotParticipant(account);
        revert AttesterCannotHold(account, role);
    }

    /// @dev The operator of `mineId`, or zero for an unknown mine.
    function _mineOperator(uint256 mineId) internal view returns (address) {
        return _mineDetails[mineId].operator;
    }

    /// @dev The yearly capacity of `mineId`, read when a declaration opens a new year.
    function _mineCapacity(uint256 mineId) internal view returns (uint40) {
        return _mineDetails[mineId].capacityMg;
    }

    /// @dev The operator of `mineId`; reverts with {UnknownMine} if there is no such mine.
    function _requireMine(uint256 mineId) internal view returns (address operator) {
        operator = _mineDetails[mineId].operator;
        if (operator == address(0)) revert UnknownMine(mineId);
    }

    function _changeStatus(uint256 mineId, MineStatus from, MineStatus to) private {
        address operator = _requireMine(mineId);
        MineStatus status = _accounts[operator].status;
        if (status != from) revert InvalidMineStatusChange(mineId, status, to);
        _accounts[operator].status = to;
        emit MineStatusChanged(mineId, to);
    }

    function _checkCountry(bytes2 country) private pure {
        bytes1 a = country[0];
        bytes1 b = country[1];
        if (a < "A" || a > "Z" || b < "A" || b > "Z") revert InvalidCountry(country);
    }

    function _checkPermitExpiry(uint256 permitExpiry) private view {
        if (permitExpiry <= block.timestamp || permitExpiry > type(uint32).max) {
            revert InvalidPermitExpiry(permitExpiry, block.timestamp);
        }
    }

    function _checkCapacity(uint256 capacityMg) private pure {
        if (capacityMg == 0 || capacityMg > MAX_CAPACITY_MG) revert InvalidCapacity(capacityMg);
    }
}
