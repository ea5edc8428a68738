// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Filón registry of participants and mines
/// @notice Who may hold gold lots (participants) and where ore may come from (mines).
interface IFilonRegistry {
    /// @notice The role a registrar admits an address with. `None` means not admitted. The five supply-chain
    /// roles hold lots; the attesters (`Auditor`, `Laboratory`) anchor credentials about lots and mines and
    /// never hold lots.
    enum Role {
        None,
        MineOperator,
        Processor,
        Refiner,
        Trader,
        Manufacturer,
        Auditor,
        Laboratory
    }

    /// @notice A mine's permit status. Only `Active` mines may declare ore; `Revoked` is final.
    enum MineStatus {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice A mine as readers see it (assembled from its packed storage).
    struct Mine {
        address operator;
        MineStatus status;
        bytes2 country;
        uint256 permitExpiry;
        uint256 capacityMg;
        uint256 declaredThisYearMg;
        uint256 year;
        bytes32 permitHash;
        bytes32 locationHash;
        bytes32 passportHash;
    }

    /// @dev `role` is not a role a participant can be admitted with.
    error InvalidRole(uint8 role);
    /// @dev `account` is the zero address where an address is required.
    error InvalidAccount(address account);
    /// @dev `account` is not an admitted participant.
    error NotParticipant(address account);
    /// @dev `account` is not admitted with the mine operator role.
    error NotMineOperatorRole(address account);
    /// @dev `operator` already operates mine `mineId` (an address operates at most one mine).
    error OperatorHasMine(address operator, uint256 mineId);
    /// @dev No mine has id `mineId`.
    error UnknownMine(uint256 mineId);
    /// @dev `country` is not two upper-case letters (ISO 3166-1 alpha-2).
    error InvalidCountry(bytes2 country);
    /// @dev `capacityMg` is zero or above `MAX_CAPACITY_MG` (2^39 - 1 mg).
    error InvalidCapacity(uint256 capacityMg);
    /// @dev `permitExpiry` is not in the future (at `nowTimestamp`) or does not fit the mine record.
    error InvalidPermitExpiry(uint256 permitExpiry, uint256 nowTimestamp);
    /// @dev The mine is in `status`, from which the requested status change is not allowed.
    error InvalidMineStatusChange(uint256 mineId, MineStatus status, MineStatus requested);
    /// @dev `account` is admitted as the attester role `role` (auditor, laboratory), which never holds lots: it
    /// cannot receive one, nor be made an attester while it holds some.
    error AttesterCannotHold(address account, Role role);
    /// @dev A hash that identifies a record (a participant record, a register snapshot, a credential) is zero.
    error EmptyHash();
    /// @dev A register snapshot's date must be after 1970-01-01 and not after now (`nowTimestamp`).
    error InvalidSnapshotDate(uint256 snapshotDate, uint256 nowTimestamp);
    /// @dev `account` holds `REGISTRAR_ROLE` or `DEFAULT_ADMIN_ROLE`, so it cannot be admitted as a participant.
    error RegistrarCannotParticipate(address account);
    /// @dev `account` is an admitted participant, so it cannot be granted `role` (the registrar or admin role).
    error ParticipantCannotAdminister(address account, bytes32 role);

    /// @notice `account` was admitted (or re-admitted) as `role`.
    event ParticipantRegistered(address indexed account, Role role);
    /// @notice `account` is no longer admitted; it keeps what it holds but can receive nothing.
    event ParticipantRemoved(address indexed account);
    /// @notice The registrar vouched for `account`'s record (name, registration, address: a document in the
    /// document store) with hash `recordHash`; it replaces any earlier one.
    event ParticipantRecordPublished(address indexed account, bytes32 recordHash);
    /// @notice The registrar imported the government register of mines as of `snapshotDate` (Unix time); the file
    /// it imported hashes to `snapshotHash`. The status and permit changes of the same transaction come from it.
    event RegisterSnapshotRecorded(bytes32 indexed snapshotHash, uint256 snapshotDate);
    /// @notice A mine was registered; it starts `Active`.
    event MineRegistered(
        uint256 indexed mineId,
        address indexed operator,
        bytes2 country,
        bytes32 permitHash,
        uint256 permitExpiry,
        bytes32 locationHash,
        uint256 capacityMg,
        bytes32 passportHash
    );
    /// @notice The mine's permit was renewed or replaced.
    event MinePermitUpdated(uint256 indexed mineId, bytes32 permitHash, uint256 permitExpiry);
    /// @notice The mine's yearly capacity changed.
    event MineCapacityUpdated(uint256 indexed mineId, uint256 capacityMg);
    /// @notice The hash of the mine's own documents changed.
    event MinePassportUpdated(uint256 indexed mineId, bytes32 passportHash);
    /// @notice The mine's status changed.
    event MineStatusChanged(uint256 indexed mineId, MineStatus status);

    /// @notice Admits `account` as `role`, or changes the role of an admitted participant.
    function registerParticipant(address account, Role role) external;

    /// @notice Withdraws `account`'s admission.
    function removeParticipant(address account) external;

    /// @notice Publishes the hash of an admitted participant's record, vouched for by the registrar.
    function publishParticipantRecord(address account, bytes32 recordHash) external;

    /// @notice The role `account` is admitted with (`None` if not admitted).
    function roleOf(address account) external view returns (Role);

    /// @notice Registers a mine run by `operator`; returns its id.
    function registerMine(
        address operator,
        bytes32 permitHash,
        uint256 permitExpiry,
        bytes2 country,
        bytes32 locationHash,
        uint256 capacityMg,
        bytes32 passportHash
    ) external returns (uint256 mineId);

    /// @notice Records a renewed or replaced permit.
    function updatePermit(uint256 mineId, bytes32 permitHash, uint256 permitExpiry) external;

    /// @notice Changes a mine's yearly capacity.
    function setMineCapacity(uint256 mineId, uint256 capacityMg) external;

    /// @notice Changes the hash of a mine's own documents.
    function setMinePassport(uint256 mineId, bytes32 passportHash) external;

    /// @notice Suspends an active mine.
    function suspendMine(uint256 mineId) external;

    /// @notice Reactivates a suspended mine.
    function reactivateMine(uint256 mineId) external;

    /// @notice Revokes a mine for good.
    function revokeMine(uint256 mineId) external;

    /// @notice Records the government register snapshot a register import applies (see {RegisterSnapshotRecorded}).
    function recordRegisterSnapshot(bytes32 snapshotHash, uint48 snapshotDate) external;

    /// @notice The mine with id `mineId`.
    function mine(uint256 mineId) external view returns (Mine memory);

    /// @notice How many mines have been registered (ids run from 1 to this number).
    function mineCount() external view returns (uint256);
}
