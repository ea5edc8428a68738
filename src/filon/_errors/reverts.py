"""One exception class per contract error, and `decode_revert`.

Every custom error of the contract (its ABI lists them, OpenZeppelin's included) has a class here that
carries the error's arguments as snake_case attributes and reads as one sentence with their values.
`decode_revert` turns revert data into the right instance; `filon._chain` is the one place that turns
web3 and transport exceptions into these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from web3 import Web3

from filon import _artifact
from filon._errors.base import FilonError
from filon._types import MAX_CAPACITY_MG, LotId, MineId, MineStatus


def _frozen(**entries: Any) -> Mapping[str, Any]:
    return MappingProxyType(entries)


def _show(value: Any) -> str:
    if isinstance(value, MineStatus):
        return value.name
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return value
    return str(value)


class ContractRevert(FilonError):
    """The contract rejected a call or transaction.

    Specific subclasses exist for every custom error of the contract; this class itself stands for a
    revert that carries no known error (a string reason, no data, or an unknown selector).

    Attributes:
        error_name: The Solidity name of the error ("" when the revert carried none).
        transaction_hash: The mined transaction that reverted, or None when the revert was caught while
            estimating gas or in a read (no transaction was sent).
        data: The raw revert data.
    """

    error_name: ClassVar[str] = ""
    template: ClassVar[str] = ""
    _refused_by_contract: ClassVar[bool] = True
    converters: ClassVar[Mapping[str, Callable[[Any], Any]]] = _frozen()
    displays: ClassVar[Mapping[str, Callable[[Any], str]]] = _frozen()
    renames: ClassVar[Mapping[str, str]] = _frozen()

    transaction_hash: str | None = None
    data: bytes = b""

    def __init__(self, message: str | None = None, /, **arguments: Any) -> None:
        for name, value in arguments.items():
            setattr(self, name, self.converters.get(name, _identity)(value))
        self._arguments = tuple(arguments)
        if message is None:
            shown = {name: self.displays.get(name, _show)(getattr(self, name)) for name in self._arguments}
            message = self.template.format(**shown) if self.template else "The contract reverted."
        super().__init__(message)

    @property
    def arguments(self) -> dict[str, Any]:
        """The error's decoded arguments by attribute name."""
        return {name: getattr(self, name) for name in self._arguments}


def _identity(value: Any) -> Any:
    return value


def _mine_status(value: int) -> MineStatus | int:
    try:
        return MineStatus(value)
    except ValueError:
        return value


class ContractPanic(ContractRevert):
    """The contract hit a Solidity panic (an assertion, overflow, ...): a bug, never a business rule.

    Attributes:
        code: The panic code (e.g. 0x11 for an arithmetic overflow).
    """

    error_name = "Panic"
    template = "The contract panicked with code {code}."
    displays = _frozen(code=lambda code: _panic(code))
    code: int


_PANICS = {
    0x00: "a generic compiler panic",
    0x01: "a failed assert",
    0x11: "an arithmetic overflow or underflow",
    0x12: "a division or modulo by zero",
    0x21: "a conversion to an enum out of range",
    0x22: "a corrupted storage byte array",
    0x31: "a pop from an empty array",
    0x32: "an array index out of bounds",
    0x41: "too much memory allocated",
    0x51: "a call to an uninitialised function",
}
"""Solidity's panic codes (docs: "Panic via assert and Error via require")."""


def _panic(code: int) -> str:
    meaning = _PANICS.get(code)
    return f"0x{code:02x} ({meaning})" if meaning else f"0x{code:02x}"


# FilonLots (IFilonLots)


class UnknownLot(ContractRevert, LookupError):
    """No lot has this id (it was never minted)."""

    error_name = "UnknownLot"
    template = "No lot has id {lot_id}."
    lot_id: LotId


class LotConsumed(ContractRevert):
    """The lot was consumed by a transformation and can never be used again."""

    error_name = "LotConsumed"
    template = "Lot {lot_id} was consumed by a transformation and can no longer be used."
    lot_id: LotId


class NotHolder(ContractRevert, PermissionError):
    """The sender neither holds the lot nor is approved for it."""

    error_name = "NotHolder"
    template = "{account} is not the holder of lot {lot_id} (held by {holder}) nor approved for it."
    lot_id: LotId
    account: str
    holder: str


class NotMineOperator(ContractRevert, PermissionError):
    """The sender is not the operator of the mine it declares from."""

    error_name = "NotMineOperator"
    template = "{account} is not the operator of mine {mine_id}."
    mine_id: MineId
    account: str


class MineNotActive(ContractRevert):
    """The mine is suspended or revoked, so it cannot declare ore."""

    error_name = "MineNotActive"
    template = "Mine {mine_id} is {status}, not active: it cannot declare lots."
    converters = _frozen(status=_mine_status)
    mine_id: MineId
    status: MineStatus


class PermitExpired(ContractRevert):
    """The mine's permit has expired."""

    error_name = "PermitExpired"
    template = "The permit of mine {mine_id} expired at {permit_expiry} (Unix time)."
    mine_id: MineId
    permit_expiry: int


class CapacityExceeded(ContractRevert):
    """The declaration would take the mine over its yearly capacity."""

    error_name = "CapacityExceeded"
    template = (
        "Mine {mine_id} cannot declare {requested_mg} mg of fine gold: "
        "only {remaining_mg} mg of its yearly capacity is left."
    )
    mine_id: MineId
    requested_mg: int
    remaining_mg: int


class InvalidMass(ContractRevert, ValueError):
    """Fine gold must be positive, at most the gross mass, and below 2^40 mg."""

    error_name = "InvalidMass"
    template = (
        "Invalid lot mass: {fine_gold_mg} mg of fine gold in {gross_mass_mg} mg gross "
        "(fine gold must be positive, at most the gross mass, and below 2^40 mg)."
    )
    fine_gold_mg: int
    gross_mass_mg: int


class EmptyPassportRoot(ContractRevert, ValueError):
    """A passport root cannot be zero."""

    error_name = "EmptyPassportRoot"
    template = "A passport root cannot be zero."


class DuplicateExternalRef(ContractRevert):
    """The sender already declared a lot with this external reference; `lot_id` is that lot."""

    error_name = "DuplicateExternalRef"
    template = "{issuer} already declared lot {lot_id} with external reference {external_ref!r}."
    issuer: str
    external_ref: str
    lot_id: LotId


class MassNotConserved(ContractRevert, ValueError):
    """The outputs of a transformation would hold more fine gold than its inputs."""

    error_name = "MassNotConserved"
    template = (
        "Fine gold is not conserved: the outputs hold {output_mg} mg, "
        "more than the {input_mg} mg of the inputs."
    )
    input_mg: int
    output_mg: int


class InvalidTransformation(ContractRevert, ValueError):
    """A transformation needs 1 to `max` inputs and 1 to `max` outputs."""

    error_name = "InvalidTransformation"
    template = (
        "A transformation needs 1 to {max} inputs and outputs; got {inputs} inputs and {outputs} outputs."
    )
    inputs: int
    outputs: int
    max: int


class MixedHolders(ContractRevert):
    """The inputs of a transformation are not all held by the same holder."""

    error_name = "MixedHolders"
    template = "Lot {lot_id} is held by {other}, not by {holder} who holds the other inputs."
    lot_id: LotId
    holder: str
    other: str


class DeclarationExpired(ContractRevert):
    """A signed (offline) declaration was submitted after its deadline."""

    error_name = "DeclarationExpired"
    template = "The signed declaration expired at {deadline} (Unix time); it is now {now_timestamp}."
    deadline: int
    now_timestamp: int


class InvalidDeclarationSignature(ContractRevert, PermissionError):
    """A signed declaration is not signed by the operator of its mine (or not over these values)."""

    error_name = "InvalidDeclarationSignature"
    template = (
        "The declaration for mine {mine_id} does not carry a valid signature of its operator {operator}."
    )
    mine_id: MineId
    operator: str


# FilonRegistry (IFilonRegistry)


class InvalidRole(ContractRevert, ValueError):
    """The role is not one a participant can be admitted with."""

    error_name = "InvalidRole"
    template = "{role} is not a role a participant can be admitted with."
    role: int


class InvalidAccount(ContractRevert, ValueError):
    """The zero address was given where an account is required."""

    error_name = "InvalidAccount"
    template = "{account} is not a valid account."
    account: str


class NotParticipant(ContractRevert, PermissionError):
    """The account is not an admitted participant (it can neither receive lots nor be removed)."""

    error_name = "NotParticipant"
    template = "{account} is not an admitted participant."
    account: str


class NotMineOperatorRole(ContractRevert, PermissionError):
    """A mine's operator must be admitted with the mine operator role."""

    error_name = "NotMineOperatorRole"
    template = "{account} is not admitted as a mine operator."
    account: str


class OperatorHasMine(ContractRevert):
    """The operator already operates a mine: an address operates at most one (one key per mine)."""

    error_name = "OperatorHasMine"
    template = "{operator} already operates mine {mine_id}, and an address can operate only one mine."
    operator: str
    mine_id: MineId


class UnknownMine(ContractRevert, LookupError):
    """No mine has this id."""

    error_name = "UnknownMine"
    template = "No mine has id {mine_id}."
    mine_id: MineId


def _country(value: bytes) -> str:
    return value.decode("latin-1")


class InvalidCountry(ContractRevert, ValueError):
    """The country is not two upper-case letters (ISO 3166-1 alpha-2)."""

    error_name = "InvalidCountry"
    template = "{country!r} is not an ISO 3166-1 alpha-2 country code (two upper-case letters)."
    converters = _frozen(country=_country)
    country: str


class InvalidCapacity(ContractRevert, ValueError):
    """A mine's capacity must be positive and at most `MAX_CAPACITY_MG` (2^39 - 1 mg)."""

    error_name = "InvalidCapacity"
    template = (
        "{capacity_mg} mg is not a valid yearly capacity "
        f"(positive, at most {MAX_CAPACITY_MG:,} mg, which is 2^39 - 1)."
    )
    capacity_mg: int


class InvalidPermitExpiry(ContractRevert, ValueError):
    """A permit expiry must be in the future and fit in 32 bits."""

    error_name = "InvalidPermitExpiry"
    template = "Permit expiry {permit_expiry} is not in the future (now is {now_timestamp}) or too large."
    permit_expiry: int
    now_timestamp: int


class InvalidMineStatusChange(ContractRevert):
    """The mine's status does not allow the requested change (e.g. reactivating an active mine)."""

    error_name = "InvalidMineStatusChange"
    template = "Mine {mine_id} is {status}: it cannot be made {requested}."
    converters = _frozen(status=_mine_status, requested=_mine_status)
    mine_id: MineId
    status: MineStatus
    requested: MineStatus


# OpenZeppelin AccessControl


_ROLE_NAMES: Mapping[bytes, str] = {
    b"\0" * 32: "DEFAULT_ADMIN_ROLE",
    bytes(Web3.keccak(text="REGISTRAR_ROLE")): "REGISTRAR_ROLE",
}
"""The contract's access-control roles by their bytes32 id."""


def _role_name(role: bytes) -> str:
    return _ROLE_NAMES.get(role, _show(role))


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


def _all_revert_classes() -> list[type[ContractRevert]]:
    found: list[type[ContractRevert]] = []
    pending: list[type[ContractRevert]] = [ContractRevert]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if sub.error_name and sub is not ContractPanic:
                found.append(sub)
    return found


_PANIC_SELECTOR = bytes.fromhex("4e487b71")
_ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")


class _Decoder(Protocol):
    def decode(self, types: Sequence[str], data: bytes) -> tuple[Any, ...]: ...


def _snake(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)


@cache
def _error_table() -> dict[bytes, tuple[str, type[ContractRevert], tuple[tuple[str, str], ...]]]:
    """Selector -> (Solidity name, class, ((attribute, ABI type), ...)), built from the shipped ABI."""
    by_name = {cls.error_name: cls for cls in _all_revert_classes()}
    table: dict[bytes, tuple[str, type[ContractRevert], tuple[tuple[str, str], ...]]] = {}
    for item in _artifact.abi():
        if item.get("type") != "error":
            continue
        name = item["name"]
        types = [arg["type"] for arg in item["inputs"]]
        selector = Web3.keccak(text=f"{name}({','.join(types)})")[:4]
        cls = by_name.get(name, ContractRevert)
        fields = tuple(
            (cls.renames.get(arg["name"], _snake(arg["name"])), arg["type"]) for arg in item["inputs"]
        )
        table[selector] = (name, cls, fields)
    return table


def error_classes() -> dict[str, type[ContractRevert]]:
    """The exception class for each custom error in the contract's ABI, by Solidity name.

    An error without a class of its own (a gap in this module) maps to `ContractRevert`.
    """
    return {name: cls for name, cls, _ in _error_table().values()}


def _normalize(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return Web3.to_checksum_address(value)
    return value


def decode_revert(data: bytes, codec: _Decoder) -> ContractRevert:
    """The exception for revert `data`: the specific class of a known custom error, with its arguments.

    Args:
        data: The revert data (selector and ABI-encoded arguments).
        codec: An ABI decoder (web3's `w3.codec`).

    Returns:
        The exception to raise (not raised here).
    """
    selector, payload = data[:4], data[4:]
    error: ContractRevert
    try:
        if selector == _ERROR_STRING_SELECTOR:
            (reason,) = codec.decode(["string"], payload)
            error = ContractRevert(f"The contract reverted: {reason}")
        elif selector == _PANIC_SELECTOR:
            (code,) = codec.decode(["uint256"], payload)
            error = ContractPanic(code=code)
        elif selector in _error_table():
            name, cls, fields = _error_table()[selector]
            if len(payload) < 32 * len(fields):  # every argument has a 32-byte head: cut-off data
                raise ValueError("revert data shorter than its arguments")
            values = codec.decode([t for _, t in fields], payload)
            arguments = {attr: _normalize(t, v) for (attr, t), v in zip(fields, values, strict=True)}
            if cls is ContractRevert:
                shown = ", ".join(f"{attr}={_show(v)}" for attr, v in arguments.items())
                error = ContractRevert(f"The contract reverted with {name}({shown}).", **arguments)
            else:
                error = cls(**arguments)
        elif data:
            error = ContractRevert(f"The contract reverted with unknown error data 0x{data.hex()}.")
        else:
            error = ContractRevert("The contract reverted without a reason.")
    except Exception:  # malformed revert data: report it raw rather than fail while reporting
        error = ContractRevert(f"The contract reverted with undecodable data 0x{data.hex()}.")
    error.data = data
    return error
