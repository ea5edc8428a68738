// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title A minimal k-of-n multi-signature wallet for tests
/// @notice Stands in for the Safe a registrar should hold its roles in: any owner proposes a call, the call runs
/// once `threshold` distinct owners approved it. Not deployed by Filón; tests use it to show that the admin and
/// registrar of FilonLots can be a multisig, so that no single key admits participants or registers mines.
contract MultisigWallet {
    /// @dev A call waiting for approvals, or executed.
    struct Proposal {
        address target;
        bool executed;
        uint32 approvals;
        bytes data;
    }

    /// @notice How many distinct owners must approve a proposal before it runs.
    uint256 public immutable threshold;

    mapping(address account => bool) public isOwner;
    mapping(uint256 proposalId => mapping(address owner => bool)) public hasApproved;
    Proposal[] private _proposals;

    /// @dev `account` is not an owner of the wallet.
    error NotOwner(address account);
    /// @dev `threshold` is zero, above the number of `owners`, or an owner is repeated or zero.
    error InvalidOwners(uint256 threshold, uint256 owners);
    /// @dev No proposal has id `proposalId`.
    error UnknownProposal(uint256 proposalId);
    /// @dev `owner` already approved proposal `proposalId`.
    error AlreadyApproved(uint256 proposalId, address owner);
    /// @dev Proposal `proposalId` already ran.
    error AlreadyExecuted(uint256 proposalId);
    /// @dev Proposal `proposalId` has `approvals` approvals, fewer than `threshold`.
    error NotEnoughApprovals(uint256 proposalId, uint256 approvals, uint256 threshold);

    /// @notice `proposer` proposed calling `target` with `data` (its approval counts).
    event Proposed(uint256 indexed proposalId, address indexed proposer, address target, bytes data);
    /// @notice `owner` approved proposal `proposalId`.
    event Approved(uint256 indexed proposalId, address indexed owner);
    /// @notice Proposal `proposalId` ran.
    event Executed(uint256 indexed proposalId);

    modifier onlyOwner() {
        if (!isOwner[msg.sender]) revert NotOwner(msg.sender);
        _;
    }

    /// @param owners the distinct, non-zero owner addresses.
    /// @param threshold_ how many of them must approve each call (1 to `owners.length`).
    constructor(address[] memory owners, uint256 threshold_) {
        if (threshold_ == 0 || threshold_ > owners.length) revert InvalidOwners(threshold_, owners.length);
        for (uint256 i = 0; i < owners.length; ++i) {
            if (owners[i] == address(0) || isOwner[owners[i]]) revert InvalidOwners(threshold_, owners.length);
            isOwner[owners[i]] = true;
        }
        threshold = threshold_;
    }

    /// @notice Proposes calling `target` with `data`; the proposer's approval is counted.
    /// @dev Requirements: the caller is an owner. Emits a {Proposed} and an {Approved} event.
    function propose(address target, bytes calldata data) external onlyOwner returns (uint256 proposalId) {
        proposalId = _proposals.length;
        _proposals.push(Proposal({target: target, executed: false, approvals: 1, data: data}));
        hasApproved[proposalId][msg.sender] = true;
        emit Proposed(proposalId, msg.sender, target, data);
        emit Approved(proposalId, msg.sender);
    }

    /// @notice Approves proposal `proposalId`.
    /// @dev Requirements: the caller is an owner who has not approved it; it has not run.
    /// Emits an {Approved} event.
    function approve(uint256 proposalId) external onlyOwner {
        Proposal storage proposal = _proposal(proposalId);
        if (proposal.executed) revert AlreadyExecuted(proposalId);
        if (hasApproved[proposalId][msg.sender]) revert AlreadyApproved(proposalId, msg.sender);
        hasApproved[proposalId][msg.sender] = true;
        proposal.approvals += 1;
        emit Approved(proposalId, msg.sender);
    }

    /// @notice Runs proposal `proposalId`; a revert of the call is passed on unchanged.
    /// @dev Requirements: the caller is an owner; the proposal has `threshold` approvals and has not run.
    /// Emits an {Executed} event.
    function execute(uint256 proposalId) external onlyOwner returns (bytes memory result) {
        Proposal storage proposal = _proposal(proposalId);
        if (proposal.executed) revert AlreadyExecuted(proposalId);
        if (proposal.approvals < threshold) revert NotEnoughApprovals(proposalId, proposal.approvals, threshold);
        proposal.executed = true;
        emit Executed(proposalId);
        result = Address.functionCall(proposal.target, proposal.data);
    }

    function _proposal(uint256 proposalId) private view returns (Proposal storage) {
        if (proposalId >= _proposals.length) revert UnknownProposal(proposalId);
        return _proposals[proposalId];
    }
}
