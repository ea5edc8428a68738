// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {NoncesKeyed} from "@openzeppelin/contracts/utils/NoncesKeyed.sol";
import {FilonRegistry} from "./FilonRegistry.sol";
import {IFilonLots} from "./interfaces/IFilonLots.sol";
import {CalendarYear} from "./libraries/CalendarYear.sol";
import {LotMetadata} from "./libraries/LotMetadata.sol";

/// @title Filón gold lots
/// @notice Every physical lot of gold is an ERC-721 token. Ore lots are declared by the operators of active,
/// permitted mines within their yearly capacity; lots are transformed (merged, split, processed, refined) by
/// consuming inputs and minting outputs that never hold more fine gold than the inputs did; a lot only ever
/// reaches admitted participants; its passport history is append-only.
/// @dev Storage hitchhiking in plain Solidity: a lot's holder, fine gold, form, origin mine and passport version
/// share one slot, and a holder's balance shares a slot with its participant role. OpenZeppelin's ERC721 keeps
/// approvals, safe transfers, ERC-165 and its errors; `_ownerOf`, `balanceOf` and `_update` read and write the
/// packed slots instead of its own mappings. What no rule reads (gross mass, parents, passport URIs, external
/// references) lives in events. OpenZeppelin's `Multicall` batches calls in one transaction, all or nothing and
/// each with the caller as `msg.sender`: a register import with its snapshot, a transfer with its access grant,
/// a refining transformation with the serial numbers of its bars. A bar's serial is in storage because rules
/// and readers need it on chain: its uniqueness per refiner and the `data:` token URI.
contract FilonLots is ERC721, EIP712, NoncesKeyed, Multicall, FilonRegistry, IFilonLots {
    /// @notice The most inputs, or outputs, one transformation may have (keeps every call's gas bounded).
    uint256 public constant MAX_TRANSFORM_LOTS = 64;

    /// @dev The longest serial number a refiner can give a bar, in bytes (LBMA serials are far shorter; a serial
    /// of up to 31 bytes takes one storage slot). Not public: each public function adds a selector to the
    /// dispatcher, which costs every call whose selector sorts after it.
    uint256 private constant _MAX_SERIAL_LENGTH = 64;

    /// @notice The EIP-712 type of an off-chain {Declaration}.
    bytes32 public constant DECLARATION_TYPEHASH = keccak256(
        "Declaration(uint256 mineId,uint256 fineGoldMg,uint256 grossMassMg,bytes32 passportRoot,string externalRef,address recipient,uint256 nonce,uint256 deadline)"
    );

    /// @dev A live lot in one slot; a consumed lot's slot is cleared.
    struct Lot {
        address holder;
        uint40 fineGoldMg;
        Form form;
        uint32 mineId;
        uint16 passportVersion;
    }

    /// @dev An anchored credential, in one slot: who anchored it (and alone may revoke it), and whether it did.
    struct Attestation {
        address attester;
        bool revoked;
    }

    /// @dev The kinds of subject an attestation is about (`anchorAttestation`'s `subjectKind`).
    uint8 private constant SUBJECT_LOT = 1;
    uint8 private constant SUBJECT_MINE = 2;

    mapping(uint256 lotId => Lot) private _lots;
    mapping(uint256 lotId => bytes32) private _passportRoots;
    mapping(address issuer => mapping(bytes32 refHash => uint256 lotId)) private _lotsByRef;
    uint256 private _idBlocks;
    mapping(bytes32 credentialHash => Attestation) private _attestations;
    mapping(uint256 lotId => string) private _serials;
    mapping(address refiner => mapping(bytes32 serialHash => uint256 lotId)) private _lotsBySerial;

    /// @notice How many lot ids a holder takes at once. Lot ids are unique and never reused, but not in minting
    /// order across holders: each holder mints from its own block of ids (1-100, 101-200, ...), which spares
    /// every mint a write to a global counter.
    uint256 public constant LOT_ID_BLOCK = 100;

    /// @param admin receives the admin and registrar roles.
    constructor(address admin) ERC721(unicode"Filón gold lot", "FILON") EIP712("Filon", "1") FilonRegistry(admin) {}

    // ---------------------------------------------------------------- writes

    /// @inheritdoc IFilonLots
    /// @dev Requirements: the caller operates mine `mineId`, which is `Active` with an unexpired permit, and is
    /// admitted as `MineOperator`; `0 < fineGoldMg <= grossMassMg`; the mine has `fineGoldMg` of capacity left this calendar year
    /// (UTC); `passportRoot` is not zero; `externalRef`, if not empty, was not used by the caller before.
    /// Emits a {Transfer} and a {LotDeclared} event.
    function declareLot(
        uint256 mineId,
        uint256 fineGoldMg,
        uint256 grossMassMg,
        bytes32 passportRoot,
        string calldata passportURI,
        string calldata externalRef
    ) external returns (uint256 lotId) {
        lotId = _declare(mineId, msg.sender, msg.sender, fineGoldMg, grossMassMg, passportRoot, passportURI, externalRef);
    }

    /// @inheritdoc IFilonLots
    /// @dev Lets a miner with no network and no ether declare at the pit: the operator signs the EIP-712
    /// {Declaration}, and any admitted participant (typically the buying plant) submits it later. The signature is
    /// checked with {SignatureChecker}, so an operator that is a smart-contract wallet (ERC-1271) works too.
    /// Requirements: the caller is admitted; `deadline` has not passed; `nonce` is the operator's next nonce; the
    /// signature is the mine operator's over exactly this declaration; and every rule of {declareLot} holds at
    /// submission time, with the external reference filed under the operator. Emits a {Transfer}, a
    /// {LotDeclared} and a {DeclarationRelayed} event.
    function submitDeclaration(Declaration calldata declaration, string calldata passportURI, bytes calldata signature)
        external
        returns (uint256 lotId)
    {
        if (_accounts[msg.sender].role == Role.None) revert NotParticipant(msg.sender);
        if (block.timestamp > declaration.deadline) revert DeclarationExpired(declaration.deadline, block.timestamp);
        uint256 mineId = declaration.mineId;
        address operator = _mineOperator(mineId);
        if (operator == address(0)) revert UnknownMine(mineId);
        if (!SignatureChecker.isValidSignatureNowCalldata(operator, _hashDeclaration(declaration), signature)) {
            revert InvalidDeclarationSignature(mineId, operator);
        }
        _useCheckedNonce(operator, declaration.nonce);
        lotId = _declare(
            mineId,
            operator,
            declaration.recipient,
            declaration.fineGoldMg,
            declaration.grossMassMg,
            declaration.passportRoot,
            passportURI,
            declaration.externalRef
        );
        emit DeclarationRelayed(lotId, operator, msg.sender, declaration.nonce);
    }

    /// @inheritdoc IFilonLots
    /// @dev Requirements: `keyNonce` is the caller's next nonce for its key. Emits a {DeclarationCancelled} event.
    function cancelDeclaration(uint256 keyNonce) external {
        _useCheckedNonce(msg.sender, keyNonce);
        emit DeclarationCancelled(msg.sender, keyNonce);
    }

    /// @inheritdoc IFilonLots
    /// @dev Earlier versions stay readable from {LotDeclared}, {LotProduced} and {PassportRecorded} events. A
    /// holder whose admission was withdrawn keeps its lots (readable, and it may pass them on) but vouches for
    /// nothing new. Requirements: the caller holds `lotId`, which is live, and is still admitted; `passportRoot`
    /// is not zero. Emits a {PassportRecorded} event.
    function recordPassport(uint256 lotId, bytes32 passportRoot, string calldata passportURI) external {
        Lot storage stored = _lots[lotId];
        address holder = stored.holder;
        if (holder == address(0)) _revertNotLive(lotId);
        if (holder != msg.sender) revert NotHolder(lotId, msg.sender, holder);
        if (_accounts[msg.sender].role == Role.None) revert NotParticipant(msg.sender);
        if (passportRoot == bytes32(0)) revert EmptyPassportRoot();
        uint16 version = stored.passportVersion + 1;
        stored.passportVersion = version;
        _passportRoots[lotId] = passportRoot;
        emit PassportRecorded(lotId, version, passportRoot, passportURI);
    }

    /// @inheritdoc IFilonLots
    /// @dev All inputs must be live, distinct and held by one holder, for whom the caller is the holder or an
    /// approved operator; the outputs go to that holder, who must still be admitted. The inputs are burned for
    /// good (their ids are never minted again). Requirements: 1 to `MAX_TRANSFORM_LOTS` inputs and outputs; each
    /// output has `0 < fineGoldMg <= grossMassMg`; the outputs' fine gold sums to at most the inputs'.
    /// Emits a {Transfer} event per input and per output and a {LotProduced} event per output.
    function transform(
        uint256[] calldata inputs,
        LotOutput[] calldata outputs,
        bytes32 passportRoot,
        string calldata passportURI
    ) external returns (uint256[] memory outputIds) {
        uint256 inputCount = inputs.length;
        uint256 outputCount = outputs.length;
        if (
            inputCount == 0 || outputCount == 0 || inputCount > MAX_TRANSFORM_LOTS
                || outputCount > MAX_TRANSFORM_LOTS
        ) {
            revert InvalidTransformation(inputCount, outputCount, MAX_TRANSFORM_LOTS);
        }
        if (passportRoot == bytes32(0)) revert EmptyPassportRoot();

        (address holder, uint256 inputMg) = _consumeInputs(inputs);
        uint256 outputMg = 0;
        for (uint256 j = 0; j < outputCount; ++j) {
            _checkMass(outputs[j].fineGoldMg, outputs[j].grossMassMg);
            outputMg += outputs[j].fineGoldMg;
        }
        if (outputMg > inputMg) revert MassNotConserved(inputMg, outputMg);
        outputIds = _mintOutputs(holder, inputs, outputs, passportRoot, passportURI);
    }

    /// @inheritdoc IFilonLots
    /// @dev The serial stays with the lot for good, also once it is consumed (melted into a product): the number
    /// stamped on a bar keeps resolving to its lot, and the refiner can never give it to another lot.
    /// Requirements: the caller holds `lotId`, which is live, and is admitted as `Refiner`; the lot is `Refined`
    /// and has no serial yet; `serial` is 1 to 64 bytes and the caller never used it before.
    /// Emits a {SerialAssigned} event.
    function assignSerialNumber(uint256 lotId, string calldata serial) external {
        Lot storage stored = _lots[lotId];
        address holder = stored.holder;
        if (holder == address(0)) _revertNotLive(lotId);
        if (holder != msg.sender) revert NotHolder(lotId, msg.sender, holder);
        if (_accounts[msg.sender].role != Role.Refiner) revert NotRefiner(msg.sender);
        if (stored.form != Form.Refined) revert NotRefinedLot(lotId, stored.form);
        uint256 length = bytes(serial).length;
        if (length == 0 || length > _MAX_SERIAL_LENGTH) revert InvalidSerialLength(length);
        string storage assigned = _serials[lotId];
        if (bytes(assigned).length != 0) revert SerialAlreadyAssigned(lotId, assigned);
        bytes32 serialHash = keccak256(bytes(serial));
        uint256 existing = _lotsBySerial[msg.sender][serialHash];
        if (existing != 0) revert DuplicateSerial(msg.sender, serial, existing);
        _serials[lotId] = serial;
        _lotsBySerial[msg.sender][serialHash] = lotId;
        emit SerialAssigned(lotId, msg.sender, serial);
    }

    /// @inheritdoc IFilonLots
    /// @dev Event only: readers take the latest key per account from the logs. The contract checks only the
    /// length (an uncompressed secp256k1 key, the longest in use, is 65 bytes); the library checks the format.
    /// Requirements: the caller is admitted; `publicKey` is 1 to 65 bytes. Emits an {EncryptionKeyPublished} event.
    function publishEncryptionKey(bytes calldata publicKey) external {
        _requireAdmitted(msg.sender);
        if (publicKey.length == 0 || publicKey.length > 65) revert InvalidEncryptionKey(publicKey.length);
        emit EncryptionKeyPublished(msg.sender, publicKey);
    }

    /// @inheritdoc IFilonLots
    /// @dev Event only. The granter need not hold the lot: a past holder may grant access to an ancestor it can
    /// open. Whoever can open a layer can share it anyway; the grant makes the sharing visible and revocable.
    /// Requirements: the caller is admitted; the lot was minted (it may be consumed); `reader` is not zero;
    /// `grantDigest` is not zero. Emits an {AccessGranted} event.
    function grantAccess(uint256 lotId, address reader, bytes32 grantDigest) external {
        _requireAdmitted(msg.sender);
        if (_passportRoots[lotId] == bytes32(0)) revert UnknownLot(lotId);
        if (reader == address(0)) revert InvalidAccount(reader);
        if (grantDigest == bytes32(0)) revert EmptyHash();
        emit AccessGranted(lotId, reader, msg.sender, grantDigest);
    }

    /// @inheritdoc IFilonLots
    /// @dev Event only: it withdraws the caller's own grant (readers match it on lot, reader and granter).
    /// Requirements: the caller is admitted; the lot was minted; `reader` is not zero. Emits an {AccessRevoked}
    /// event.
    function revokeAccess(uint256 lotId, address reader) external {
        _requireAdmitted(msg.sender);
        if (_passportRoots[lotId] == bytes32(0)) revert UnknownLot(lotId);
        if (reader == address(0)) revert InvalidAccount(reader);
        emit AccessRevoked(lotId, reader, msg.sender);
    }

    /// @inheritdoc IFilonLots
    /// @dev The credential itself (a signed document in the document store) is off chain; its hash, its attester
    /// and its subject are anchored here once, so that anyone can check it was issued and not revoked. A lot may
    /// be attested after it was consumed (an assay of an ore lot since refined). Requirements: the caller is
    /// admitted as `Auditor` or `Laboratory`; `credentialHash` is not zero and was never anchored; the subject
    /// exists (a lot ever minted, or a registered mine). Emits an {AttestationAnchored} event.
    function anchorAttestation(bytes32 credentialHash, uint8 subjectKind, uint256 subjectId) external {
        if (!_isAttester(_accounts[msg.sender].role)) revert NotAttester(msg.sender);
        if (credentialHash == bytes32(0)) revert EmptyHash();
        if (subjectKind == SUBJECT_LOT) {
            if (_passportRoots[subjectId] == bytes32(0)) revert UnknownLot(subjectId);
        } else if (subjectKind == SUBJECT_MINE) {
            _requireMine(subjectId);
        } else {
            revert InvalidSubjectKind(subjectKind);
        }
        address existing = _attestations[credentialHash].attester;
        if (existing != address(0)) revert AttestationExists(credentialHash, existing);
        _attestations[credentialHash] = Attestation({attester: msg.sender, revoked: false});
        emit AttestationAnchored(credentialHash, msg.sender, subjectKind, subjectId);
    }

    /// @inheritdoc IFilonLots
    /// @dev Only the attester that anchored a credential revokes it, even after its admission was withdrawn (a
    /// laboratory that lost its accreditation can still take back what it issued); revocation is final.
    /// Requirements: the credential was anchored by the caller and not revoked. Emits an {AttestationRevoked}
    /// event.
    function revokeAttestation(bytes32 credentialHash) external {
        Attestation storage stored = _attestations[credentialHash];
        address attester = stored.attester;
        if (attester == address(0)) revert UnknownAttestation(credentialHash);
        if (attester != msg.sender) revert NotTheAttester(credentialHash, msg.sender, attester);
        if (stored.revoked) revert AttestationAlreadyRevoked(credentialHash);
        stored.revoked = true;
        emit AttestationRevoked(credentialHash, msg.sender);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IFilonLots
    function attestationOf(bytes32 credentialHash) external view returns (address attester, bool revoked) {
        Attestation memory stored = _attestations[credentialHash];
        return (stored.attester, stored.revoked);
    }

    /// @inheritdoc IFilonLots
    /// @dev Reverts with {UnknownLot} for an id never minted.
    function lot(uint256 lotId) public view returns (LotRecord memory record) {
        bytes32 passportRoot = _passportRoots[lotId];
        if (passportRoot == bytes32(0)) revert UnknownLot(lotId);
        Lot memory stored = _lots[lotId];
        record = LotRecord({
            holder: stored.holder,
            form: stored.form,
            fineGoldMg: stored.fineGoldMg,
            mineId: stored.mineId,
            consumed: stored.holder == address(0),
            passportRoot: passportRoot,
            passportVersion: stored.passportVersion
        });
    }

    /// @inheritdoc IFilonLots
    /// @dev Readable for a consumed lot too.
    function serialOf(uint256 lotId) external view returns (string memory) {
        return _serials[lotId];
    }

    /// @inheritdoc IFilonLots
    function lotBySerial(address refiner, string calldata serial) external view returns (uint256) {
        return _lotsBySerial[refiner][keccak256(bytes(serial))];
    }

    /// @inheritdoc IFilonLots
    function lotByExternalRef(address issuer, string calldata externalRef) external view returns (uint256) {
        return _lotsByRef[issuer][keccak256(bytes(externalRef))];
    }

    /// @inheritdoc IFilonLots
    /// @dev `leaf` is the leaf hash as in OpenZeppelin's `StandardMerkleTree` (double keccak of the encoded
    /// value); the proof is checked against the lot's current passport root with {MerkleProof}.
    function verifyPassportLeaf(uint256 lotId, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        bytes32 passportRoot = _passportRoots[lotId];
        if (passportRoot == bytes32(0)) revert UnknownLot(lotId);
        return MerkleProof.verifyCalldata(proof, passportRoot, leaf);
    }

    /// @notice On-chain JSON metadata (a `data:` URI): form, fine gold, origin, current passport root and, once
    /// assigned, the serial.
    /// @dev Reverts with {ERC721NonexistentToken} for a consumed or unknown lot, like any burned token.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return LotMetadata.tokenURI(tokenId, lot(tokenId), _serials[tokenId]);
    }

    /// @inheritdoc ERC721
    function balanceOf(address owner) public view override returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _accounts[owner].lotCount;
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return ERC721.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The holder lives in the packed lot slot.
    function _ownerOf(uint256 tokenId) internal view override returns (address) {
        return _lots[tokenId].holder;
    }

    /// @dev Every ERC-721 transfer (`transferFrom`, `safeTransferFrom`) passes here. Lots are minted and burned
    /// only by {_mintLot} and {transform}, never through this hook, so it only ever moves a live lot: the sender
    /// must be authorized, the receiver admitted.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        Lot storage lot_ = _lots[tokenId];
        from = lot_.holder;
        if (from == address(0)) _revertNotLive(tokenId);
        if (auth != address(0)) _checkAuthorized(from, auth, tokenId);
        _approve(address(0), tokenId, address(0), false);
        // Cannot underflow: `from` holds tokenId.
        unchecked {
            _accounts[from].lotCount -= 1;
        }
        _receive(to);
        lot_.holder = to;
        emit Transfer(from, to, tokenId);
    }

    /// @dev Declares an ore lot from `mineId` by its `operator`, minted to `recipient`.
    function _declare(
        uint256 mineId,
        address operator,
        address recipient,
        uint256 fineGoldMg,
        uint256 grossMassMg,
        bytes32 passportRoot,
        string calldata passportURI,
        string calldata externalRef
    ) private returns (uint256 lotId) {
        _checkMass(fineGoldMg, grossMassMg);
        if (passportRoot == bytes32(0)) revert EmptyPassportRoot();
        Account memory account = _accounts[operator];
        _useMineCapacity(account, mineId, operator, fineGoldMg);
        bytes32 refHash = _checkExternalRef(operator, externalRef);
        // The operator keeps the lot (the usual case): its one slot takes both the mine's and the lot's updates.
        Account memory receiving = account;
        if (recipient != operator) {
            _accounts[operator] = account;
            receiving = _accounts[recipient];
        }
        lotId = _mintLot(recipient, receiving, Form.Ore, fineGoldMg, mineId, passportRoot);
        _accounts[recipient] = receiving;
        if (refHash != bytes32(0)) _lotsByRef[operator][refHash] = lotId;
        emit LotDeclared(lotId, mineId, fineGoldMg, grossMassMg, passportRoot, passportURI, externalRef);
    }

    /// @dev The EIP-712 digest the mine operator signs for `declaration`.
    function _hashDeclaration(Declaration calldata declaration) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    DECLARATION_TYPEHASH,
                    declaration.mineId,
                    declaration.fineGoldMg,
                    declaration.grossMassMg,
                    declaration.passportRoot,
                    keccak256(bytes(declaration.externalRef)),
                    declaration.recipient,
                    declaration.nonce,
                    declaration.deadline
                )
            )
        );
    }

    /// @dev Checks that `operator`, whose slot is `account`, may declare `fineGoldMg` from `mineId` now, and counts
    /// it against the mine's capacity for the current calendar year (opening a new year when the last declaration
    /// was in an earlier one). Updates `account` in memory only.
    function _useMineCapacity(Account memory account, uint256 mineId, address operator, uint256 fineGoldMg)
        private
        view
    {
        if (mineId == 0 || account.mineId != mineId) {
            if (_mineOperator(mineId) == address(0)) revert UnknownMine(mineId);
            revert NotMineOperator(mineId, operator);
        }
        // An operator whose admission was withdrawn, or changed to another role, declares nothing.
        if (account.role != Role.MineOperator) revert NotMineOperatorRole(operator);
        if (account.status != MineStatus.Active) revert MineNotActive(mineId, uint8(account.status));
        if (block.timestamp > account.permitExpiry) revert PermitExpired(mineId, account.permitExpiry);
        uint256 year = CalendarYear.yearOf(block.timestamp);
        if (account.year != year) {
            account.year = uint16(year);
            account.remainingMg = int40(int256(uint256(_mineCapacity(mineId))));
        }
        int256 remaining = account.remainingMg;
        // fineGoldMg < 2^40 (checked by _checkMass before), so the conversion is exact.
        if (int256(fineGoldMg) > remaining) {
            revert CapacityExceeded(mineId, fineGoldMg, remaining > 0 ? uint256(remaining) : 0);
        }
        // Fits int40: the result lies between 0 and the remaining capacity.
        account.remainingMg = int40(remaining - int256(fineGoldMg));
    }

    /// @dev The hash under which `issuer` files `externalRef`, or zero when there is no reference.
    function _checkExternalRef(address issuer, string calldata externalRef) private view returns (bytes32 refHash) {
        if (bytes(externalRef).length == 0) return bytes32(0);
        refHash = keccak256(bytes(externalRef));
        uint256 existing = _lotsByRef[issuer][refHash];
        if (existing != 0) revert DuplicateExternalRef(issuer, externalRef, existing);
    }

    /// @dev Burns `inputs` for good and returns their holder and total fine gold. Each input must be live and
    /// held by the holder of the first, for whom the caller must be authorized. The holder's balance is counted
    /// down by {_mintOutputs}, with the outputs, in one write of its slot.
    function _consumeInputs(uint256[] calldata inputs) private returns (address holder, uint256 inputMg) {
        holder = _lots[inputs[0]].holder;
        uint256 inputCount = inputs.length;
        for (uint256 i = 0; i < inputCount; ++i) {
            uint256 lotId = inputs[i];
            Lot memory stored = _lots[lotId];
            if (stored.holder == address(0)) _revertNotLive(lotId);
            if (stored.holder != holder) revert MixedHolders(lotId, holder, stored.holder);
            if (!_isAuthorized(holder, msg.sender, lotId)) revert NotHolder(lotId, msg.sender, holder);
            inputMg += stored.fineGoldMg;
            // Clearing the slot marks the lot consumed: a repeated input then fails as consumed.
            delete _lots[lotId];
            emit Transfer(holder, address(0), lotId);
        }
    }

    /// @dev Mints one lot per output to `holder`, each a child of every input.
    function _mintOutputs(
        address holder,
        uint256[] calldata inputs,
        LotOutput[] calldata outputs,
        bytes32 passportRoot,
        string calldata passportURI
    ) private returns (uint256[] memory outputIds) {
        Account memory account = _accounts[holder];
        // Cannot underflow: the holder held each of the distinct inputs, consumed by {_consumeInputs}.
        unchecked {
            account.lotCount -= uint32(inputs.length);
        }
        outputIds = new uint256[](outputs.length);
        for (uint256 j = 0; j < outputs.length; ++j) {
            LotOutput calldata output = outputs[j];
            uint256 lotId = _mintLot(holder, account, output.form, output.fineGoldMg, 0, passportRoot);
            outputIds[j] = lotId;
            emit LotProduced(
                lotId, output.form, output.fineGoldMg, output.grossMassMg, inputs, passportRoot, passportURI
            );
        }
        _accounts[holder] = account;
    }

    /// @dev Mints a lot to `to`, whose slot is `account`, taking its id from `to`'s block of ids; `to` must be
    /// admitted with a role that holds lots. The caller loads `account` and writes it back once it has minted
    /// all it mints (one write of the slot for all the outputs of a transformation).
    function _mintLot(
        address to,
        Account memory account,
        Form form,
        uint256 fineGoldMg,
        uint256 mineId,
        bytes32 passportRoot
    ) private returns (uint256 lotId) {
        Role role = account.role;
        if ((_LOT_HOLDING_ROLES >> uint8(role)) & 1 == 0) _revertCannotHold(to, role);
        if (account.idsLeft == 0) {
            uint256 blocks = _idBlocks;
            // Cannot overflow: one block per holder at a time, far fewer than 2^48 / LOT_ID_BLOCK of them.
            // Unchecked also keeps this path off the checked-arithmetic helpers the rest of the contract shares.
            unchecked {
                _idBlocks = blocks + 1;
                account.nextLotId = uint48(blocks * LOT_ID_BLOCK + 1);
            }
            account.idsLeft = uint8(LOT_ID_BLOCK);
        }
        lotId = account.nextLotId;
        // Cannot overflow: ids stay far below 2^48 (one block of LOT_ID_BLOCK per holder at a time), a balance
        // below 2^32 (the lots one holder can be sent), and idsLeft is positive here.
        unchecked {
            account.nextLotId += 1;
            account.idsLeft -= 1;
            account.lotCount += 1;
        }
        _lots[lotId] = Lot({
            holder: to,
            fineGoldMg: uint40(fineGoldMg),
            form: form,
            mineId: uint32(mineId),
            passportVersion: 1
        });
        _passportRoots[lotId] = passportRoot;
        emit Transfer(address(0), to, lotId);
    }

    /// @dev Counts a lot into `to`'s balance; only participants admitted with a supply-chain role receive lots.
    function _receive(address to) private {
        Account storage account = _accounts[to];
        Role role = account.role;
        if ((_LOT_HOLDING_ROLES >> uint8(role)) & 1 == 0) _revertCannotHold(to, role);
        // Cannot overflow: a balance never exceeds the number of lots minted.
        unchecked {
            account.lotCount += 1;
        }
    }

    /// @dev Reverts with {NotParticipant} unless `account` is admitted (with any role).
    function _requireAdmitted(address account) private view {
        if (_accounts[account].role == Role.None) revert NotParticipant(account);
    }

    /// @dev Reverts with the reason a lot with no holder cannot be used: never minted, or consumed.
    function _revertNotLive(uint256 lotId) private view {
        // Every minted lot has a non-zero passport root, kept when it is consumed.
        if (_passportRoots[lotId] == bytes32(0)) revert UnknownLot(lotId);
        revert LotConsumed(lotId);
    }

    function _checkMass(uint256 fineGoldMg, uint256 grossMassMg) private pure {
        if (fineGoldMg == 0 || fineGoldMg > grossMassMg || fineGoldMg > type(uint40).max) {
            revert InvalidMass(fineGoldMg, grossMassMg);
        }
    }
}
