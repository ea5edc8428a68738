// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Filón gold lots
/// @notice Each physical lot of gold is an ERC-721 token. What rules need stays in storage; the rest of a
/// lot's record (gross mass, parents, passport URIs, references) is in events.
interface IFilonLots {
    /// @notice The physical form of a lot.
    enum Form {
        Ore,
        Concentrate,
        Dore,
        Refined,
        Product
    }

    /// @notice One output of a transformation.
    struct LotOutput {
        Form form;
        uint256 fineGoldMg;
        uint256 grossMassMg;
    }

    /// @notice A lot declaration signed off-chain (EIP-712) by a mine's operator, for anyone admitted to submit.
    /// @dev `recipient` receives the lot: the operator itself, or the plant buying it. `nonce` is a keyed nonce
    /// (ERC-4337 style: a 192-bit key, then a 64-bit sequence; see OpenZeppelin's `NoncesKeyed`): declarations
    /// under one key are used in sequence order, declarations under different keys in any order, so a miner who
    /// signs each declaration under a fresh random key is never blocked by one that expired or was lost. The
    /// declaration is void after `deadline` (a Unix time).
    struct Declaration {
        uint256 mineId;
        uint256 fineGoldMg;
        uint256 grossMassMg;
        bytes32 passportRoot;
        string externalRef;
        address recipient;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A lot as on-chain readers see it.
    /// @dev A consumed lot's slot is cleared (the refund pays for much of a transformation): only `consumed` and
    /// its last `passportRoot` remain on chain, the other fields read zero. Its full record, passport versions
    /// included, is in its events.
    struct LotRecord {
        address holder;
        Form form;
        uint256 fineGoldMg;
        uint256 mineId;
        bool consumed;
        bytes32 passportRoot;
        uint256 passportVersion;
    }

    /// @dev No lot has id `lotId` (it was never minted).
    error UnknownLot(uint256 lotId);
    /// @dev Lot `lotId` was consumed by a transformation and can never be used again.
    error LotConsumed(uint256 lotId);
    /// @dev `account` is not the holder of lot `lotId` (held by `holder`) nor approved for it.
    error NotHolder(uint256 lotId, address account, address holder);
    /// @dev `account` is not the operator of mine `mineId`.
    error NotMineOperator(uint256 mineId, address account);
    /// @dev Mine `mineId` is in `status`, not active.
    error MineNotActive(uint256 mineId, uint8 status);
    /// @dev Mine `mineId`'s permit expired at `permitExpiry`.
    error PermitExpired(uint256 mineId, uint256 permitExpiry);
    /// @dev Declaring `requestedMg` would take mine `mineId` over its capacity: only `remainingMg` is left this year.
    error CapacityExceeded(uint256 mineId, uint256 requestedMg, uint256 remainingMg);
    /// @dev A lot's fine gold must be positive and at most its gross mass, and fit the lot record.
    error InvalidMass(uint256 fineGoldMg, uint256 grossMassMg);
    /// @dev A passport root cannot be zero.
    error EmptyPassportRoot();
    /// @dev `issuer` already declared lot `lotId` with external reference `externalRef`.
    error DuplicateExternalRef(address issuer, string externalRef, uint256 lotId);
    /// @dev The outputs of a transformation hold `outputMg` of fine gold, more than the `inputMg` of its inputs.
    error MassNotConserved(uint256 inputMg, uint256 outputMg);
    /// @dev A transformation needs at least one input and one output, and at most `max` of each.
    error InvalidTransformation(uint256 inputs, uint256 outputs, uint256 max);
    /// @dev The inputs of a transformation must all be held by `holder`; lot `lotId` is held by `other`.
    error MixedHolders(uint256 lotId, address holder, address other);

    /// @dev `account` is not admitted as a refiner, so it assigns no serial.
    error NotRefiner(address account);
    /// @dev Lot `lotId` is in form `form`, not `Refined`: only refined lots get serials.
    error NotRefinedLot(uint256 lotId, Form form);
    /// @dev A serial must be 1 to 64 bytes long; this one is `length` bytes.
    error InvalidSerialLength(uint256 length);
    /// @dev Lot `lotId` already has serial `serial` (a serial is assigned once).
    error SerialAlreadyAssigned(uint256 lotId, string serial);
    /// @dev `refiner` already gave serial `serial` to lot `lotId` (a refiner's serials are unique).
    error DuplicateSerial(address refiner, string serial, uint256 lotId);

    /// @dev A published encryption key must be 1 to 65 bytes long; this one is `length` bytes.
    error InvalidEncryptionKey(uint256 length);
    /// @dev `account` is not admitted as an attester (`Auditor` or `Laboratory`).
    error NotAttester(address account);
    /// @dev `subjectKind` is neither 1 (a lot) nor 2 (a mine).
    error InvalidSubjectKind(uint8 subjectKind);
    /// @dev The credential with hash `credentialHash` was already anchored, by `attester`.
    error AttestationExists(bytes32 credentialHash, address attester);
    /// @dev No credential with hash `credentialHash` was anchored.
    error UnknownAttestation(bytes32 credentialHash);
    /// @dev `account` did not anchor the credential with hash `credentialHash`: `attester` did.
    error NotTheAttester(bytes32 credentialHash, address account, address attester);
    /// @dev The credential with hash `credentialHash` was already revoked.
    error AttestationAlreadyRevoked(bytes32 credentialHash);

    /// @dev A signed declaration's `deadline` passed (it is now `nowTimestamp`).
    error DeclarationExpired(uint256 deadline, uint256 nowTimestamp);
    /// @dev The signature is not `operator`'s, the operator of mine `mineId`, over this declaration.
    error InvalidDeclarationSignature(uint256 mineId, address operator);

    /// @notice Ore lot `lotId` was declared from mine `mineId`, with its first passport version.
    event LotDeclared(
        uint256 indexed lotId,
        uint256 indexed mineId,
        uint256 fineGoldMg,
        uint256 grossMassMg,
        bytes32 passportRoot,
        string passportURI,
        string externalRef
    );
    /// @notice Lot `lotId` was produced by a transformation of `parents` (consumed in the same transaction),
    /// with its first passport version.
    event LotProduced(
        uint256 indexed lotId,
        Form form,
        uint256 fineGoldMg,
        uint256 grossMassMg,
        uint256[] parents,
        bytes32 passportRoot,
        string passportURI
    );
    /// @notice A declaration signed off-chain by `operator` was submitted by `relayer` (lot `lotId`, nonce `nonce`).
    event DeclarationRelayed(uint256 indexed lotId, address indexed operator, address indexed relayer, uint256 nonce);
    /// @notice `operator` cancelled the declaration it signed with `keyNonce`, which can no longer be submitted.
    event DeclarationCancelled(address indexed operator, uint256 keyNonce);
    /// @notice Passport version `version` (2, 3, ...) of lot `lotId` was recorded.
    event PassportRecorded(uint256 indexed lotId, uint256 version, bytes32 passportRoot, string passportURI);
    /// @notice `refiner`, holding refined lot `lotId`, gave it serial `serial` (the number stamped on the bar).
    event SerialAssigned(uint256 indexed lotId, address indexed refiner, string serial);
    /// @notice `account` published `publicKey`, to which others wrap the keys of what they share with it; it
    /// replaces any earlier one.
    event EncryptionKeyPublished(address indexed account, bytes publicKey);
    /// @notice `granter` let `reader` open the confidential layers of lot `lotId`; the grant file in the
    /// document store (the content keys wrapped to the reader's key) has SHA-256 `grantDigest`.
    event AccessGranted(uint256 indexed lotId, address indexed reader, address indexed granter, bytes32 grantDigest);
    /// @notice `granter` withdrew the access it had granted `reader` to lot `lotId` (from later versions on: what
    /// the reader already decrypted cannot be taken back).
    event AccessRevoked(uint256 indexed lotId, address indexed reader, address indexed granter);
    /// @notice `attester` anchored the credential with hash `credentialHash` about subject `subjectId` of kind
    /// `subjectKind` (1: a lot, 2: a mine).
    event AttestationAnchored(
        bytes32 indexed credentialHash, address indexed attester, uint8 subjectKind, uint256 indexed subjectId
    );
    /// @notice `attester` revoked the credential with hash `credentialHash`.
    event AttestationRevoked(bytes32 indexed credentialHash, address indexed attester);

    /// @notice Declares an ore lot from `mineId`, minted to its operator (the caller).
    function declareLot(
        uint256 mineId,
        uint256 fineGoldMg,
        uint256 grossMassMg,
        bytes32 passportRoot,
        string calldata passportURI,
        string calldata externalRef
    ) external returns (uint256 lotId);

    /// @notice Declares an ore lot from a declaration its mine's operator signed off-chain; mints it to the
    /// declaration's recipient.
    function submitDeclaration(Declaration calldata declaration, string calldata passportURI, bytes calldata signature)
        external
        returns (uint256 lotId);

    /// @notice Cancels a declaration the caller signed offline, by using up its `keyNonce`.
    function cancelDeclaration(uint256 keyNonce) external;

    /// @notice Records a new passport version of `lotId`.
    function recordPassport(uint256 lotId, bytes32 passportRoot, string calldata passportURI) external;

    /// @notice Consumes `inputs` and mints `outputs` to their holder.
    function transform(
        uint256[] calldata inputs,
        LotOutput[] calldata outputs,
        bytes32 passportRoot,
        string calldata passportURI
    ) external returns (uint256[] memory outputIds);

    /// @notice Gives refined lot `lotId`, which the caller (a refiner) holds, its serial number: the number
    /// stamped on the bar, unique among the caller's serials and never changed. A refiner gives the bars of a
    /// refining transformation their serials in the same transaction by a `multicall` of the transformation
    /// and one assignment per bar.
    function assignSerialNumber(uint256 lotId, string calldata serial) external;

    /// @notice The serial of lot `lotId` ("" if none).
    function serialOf(uint256 lotId) external view returns (string memory);

    /// @notice The lot `refiner` gave serial `serial`, or 0.
    function lotBySerial(address refiner, string calldata serial) external view returns (uint256);

    /// @notice Publishes the caller's public encryption key.
    function publishEncryptionKey(bytes calldata publicKey) external;

    /// @notice Grants `reader` access to lot `lotId`'s confidential layers, by the grant file with digest
    /// `grantDigest`.
    function grantAccess(uint256 lotId, address reader, bytes32 grantDigest) external;

    /// @notice Withdraws the access the caller granted `reader` to lot `lotId`.
    function revokeAccess(uint256 lotId, address reader) external;

    /// @notice Anchors the hash of a credential (an assay, an audit report) the caller, an attester, issued about
    /// a lot (`subjectKind` 1) or a mine (2).
    function anchorAttestation(bytes32 credentialHash, uint8 subjectKind, uint256 subjectId) external;

    /// @notice Revokes a credential the caller anchored.
    function revokeAttestation(bytes32 credentialHash) external;

    /// @notice Who anchored the credential with hash `credentialHash` (zero if nobody), and whether it was revoked.
    function attestationOf(bytes32 credentialHash) external view returns (address attester, bool revoked);

    /// @notice The on-chain record of lot `lotId`.
    function lot(uint256 lotId) external view returns (LotRecord memory);

    /// @notice The lot `issuer` declared with `externalRef`, or 0.
    function lotByExternalRef(address issuer, string calldata externalRef) external view returns (uint256);

    /// @notice Whether `leaf` is part of lot `lotId`'s current passport, by a Merkle `proof`.
    function verifyPassportLeaf(uint256 lotId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool);
}
