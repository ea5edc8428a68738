"""The base of every contract error (`ContractRevert`), and `decode_revert`.

Every custom error of the contract (its ABI lists them, OpenZeppelin's included) has a class that carries
the error's arguments as snake_case attributes and reads as one sentence with their values: FilonLots' in
`filon._errors.lots`, FilonRegistry's in `filon._errors.registry`, OpenZeppelin's in
`filon._errors.openzeppelin`. `decode_revert` turns revert data into the right instance (it finds the
classes as subclasses of `ContractRevert`, so the package imports all three modules); `filon._chain` is the
one place that turns web3 and transport exceptions into these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from types import MappingProxyType
from typing import Any, ClassVar, Protocol

from web3 import Web3

from filon import _artifact
from filon._errors.base import FilonError
from filon._types import MineStatus


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


_ROLE_NAMES: Mapping[bytes, str] = {
    b"\0" * 32: "DEFAULT_ADMIN_ROLE",
    bytes(Web3.keccak(text="REGISTRAR_ROLE")): "REGISTRAR_ROLE",
}
"""The contract's access-control roles by their bytes32 id."""


def _role_name(role: bytes) -> str:
    return _ROLE_NAMES.get(role, _show(role))


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
