"""The errors of the OpenZeppelin contracts FilonLots builds on, one class each."""

from __future__ import annotations

from filon._errors.reverts import ContractRevert, _frozen, _role_name
from filon._types import LotId

# OpenZeppelin AccessControl


class Unauthorized(ContractRevert, PermissionError):
    """The sender lacks the role the function needs (`AccessControlUnauthorizedAccount`).

    Attributes:
        account: The sender.
        role: The bytes32 id of the role it lacks (`role_name` spells it out).
    """

    error_name = "AccessControlUnauthorizedAccount"
    template = "{account} lacks the {role} needed for this call."
    renames = _frozen(neededRole="role")
    displays = _frozen(role=_role_name)
    account: str
    role: bytes

    @property
    def role_name(self) -> str:
        """The role's Solidity name, e.g. "REGISTRAR_ROLE" (its hex id if unknown)."""
        return _role_name(self.role)


class BadConfirmation(ContractRevert, ValueError):
    """`renounceRole` was not called by the account itself (`AccessControlBadConfirmation`)."""

    error_name = "AccessControlBadConfirmation"
    template = "An account can only renounce its own roles."


# OpenZeppelin Nonces and ShortStrings (signed declarations, EIP-712)


class InvalidAccountNonce(ContractRevert):
    """A signed declaration does not use its operator's next nonce (`InvalidAccountNonce`)."""

    error_name = "InvalidAccountNonce"
    template = "The declaration's nonce is not the next nonce of {account}, which is {current_nonce}."
    account: str
    current_nonce: int


class InvalidShortString(ContractRevert):
    """A stored short string is malformed (`InvalidShortString`; reachable only through a bug)."""

    error_name = "InvalidShortString"
    template = "A short string in the contract is malformed."


class StringTooLong(ContractRevert, ValueError):
    """A string is too long for a short string (`StringTooLong`; reachable only at deployment)."""

    error_name = "StringTooLong"
    template = "String {string!r} is too long."
    renames = _frozen(str="string")
    string: str


# OpenZeppelin ERC721 (IERC6093), with token ids called lot ids


class ERC721Error(ContractRevert):
    """An ERC-721 rule was broken (OpenZeppelin's `ERC721...` errors)."""


class NotApproved(ERC721Error, PermissionError):
    """The sender is neither the holder of the lot nor approved for it (`ERC721InsufficientApproval`)."""

    error_name = "ERC721InsufficientApproval"
    template = "{operator} is not approved to move lot {lot_id}."
    renames = _frozen(tokenId="lot_id")
    operator: str
    lot_id: LotId


class IncorrectOwner(ERC721Error):
    """The `from` address of a transfer is not the holder of the lot (`ERC721IncorrectOwner`)."""

    error_name = "ERC721IncorrectOwner"
    template = "{sender} is not the holder of lot {lot_id}; {owner} is."
    renames = _frozen(tokenId="lot_id")
    sender: str
    lot_id: LotId
    owner: str


class NonexistentLot(ERC721Error, LookupError):
    """The lot was never minted or has been consumed (`ERC721NonexistentToken`)."""

    error_name = "ERC721NonexistentToken"
    template = "Lot {lot_id} does not exist (never minted, or consumed)."
    renames = _frozen(tokenId="lot_id")
    lot_id: LotId


class InvalidReceiver(ERC721Error, ValueError):
    """The receiver of a lot is invalid, e.g. the zero address (`ERC721InvalidReceiver`)."""

    error_name = "ERC721InvalidReceiver"
    template = "{receiver} cannot receive lots."
    receiver: str


class InvalidSender(ERC721Error, ValueError):
    """The sender of a transfer is invalid (`ERC721InvalidSender`)."""

    error_name = "ERC721InvalidSender"
    template = "{sender} cannot send lots."
    sender: str


class InvalidOwner(ERC721Error, ValueError):
    """The owner is invalid, e.g. the zero address in `balanceOf` (`ERC721InvalidOwner`)."""

    error_name = "ERC721InvalidOwner"
    template = "{owner} is not a valid lot holder."
    owner: str


class InvalidApprover(ERC721Error, PermissionError):
    """The approver of an approval is invalid (`ERC721InvalidApprover`)."""

    error_name = "ERC721InvalidApprover"
    template = "{approver} cannot approve this lot."
    approver: str


class InvalidOperator(ERC721Error, ValueError):
    """The operator of an approval is invalid (`ERC721InvalidOperator`)."""

    error_name = "ERC721InvalidOperator"
    template = "{operator} cannot be approved as an operator."
    operator: str


# OpenZeppelin Strings (reachable only through a bug in metadata rendering)


class HexLengthInsufficient(ContractRevert):
    """A value did not fit the hex string length asked for (`StringsInsufficientHexLength`)."""

    error_name = "StringsInsufficientHexLength"
    template = "{value} does not fit in {length} hex digits."
    value: int
    length: int


# OpenZeppelin Address (behind Multicall)


class FailedCall(ContractRevert):
    """A call of a multicall failed without a reason (`FailedCall`): it named no function of the contract,
    or arguments the contract cannot decode. `Client.multicall` encodes calls from the ABI, so it does not
    send one."""

    error_name = "FailedCall"
    template = (
        "A call of the multicall failed without a reason (an unknown function or undecodable arguments)."
    )


class AddressEmptyCode(ContractRevert):
    """A call went to an address without code (`AddressEmptyCode`; a multicall only calls the contract itself,
    so this is reachable only through a bug)."""

    error_name = "AddressEmptyCode"
    template = "{target} has no code."
    target: str
