"""Serial numbers of refined bars: a transformation whose outputs carry serials, and assigning one later.

The contract's `transform` knows nothing of serials (its gas stays that of a plain transformation); a serial
is given by `assignSerialNumber`, which takes the bar's lot id. A transformation with serials is therefore
sent as one `multicall`: the transformation, then one assignment per output that has a serial, all or
nothing. The ids the outputs will get are learnt first by running the transformation as a call (`eth_call`)
from the sender: ids come from the holder's own block of ids, so they are known before the transaction.

If the state changed between that call and the transaction, a prediction can be wrong. An assignment to an
id that is not minted, not held by the sender, or not refined reverts, and the whole transaction with it:
nothing is consumed and nothing is minted. Only another transformation of the same refiner, mined in
between and producing refined lots, could move the ids onto its own bars: `filon._lots` serializes such
sends within one client so that this cannot happen there, and checks the outputs minted against the
prediction (`SerialMismatch`), so that it could not go unnoticed across processes sharing one key either.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import cast

from eth_typing import ChecksumAddress, HexStr
from web3.types import TxParams

from filon import _checks as check
from filon._contract import Contract
from filon._errors import FilonError, InvalidInput
from filon._types import Form, LotId, LotOutput

MAX_SERIAL_BYTES = 64
"""The longest serial number, in bytes of UTF-8 (as the contract's `assignSerialNumber` checks)."""


class SerialMismatch(FilonError):
    """A transformation with serials minted other ids than predicted: its serials went to other lots.

    Attributes:
        predicted: The ids the call predicted, in the order of the outputs.
        minted: The ids the transaction minted.
    """

    def __init__(self, predicted: Sequence[LotId], minted: Sequence[LotId]) -> None:
        super().__init__(
            f"The transformation minted lots {list(minted)}, not {list(predicted)} as predicted: another "
            "transformation of the same account was mined in between, and the serial numbers were given to "
            "the lots with the predicted ids. Check them with lot_by_serial."
        )
        self.predicted = tuple(predicted)
        self.minted = tuple(minted)


def serials_of(outputs: Sequence[LotOutput]) -> list[tuple[int, str]]:
    """The (output position, serial) of the outputs that carry a serial, checked.

    Raises:
        InvalidInput: A serial is on an output that is not refined, is not 1 to 64 bytes long, or is
            given to two outputs.
    """
    found: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for position, output in enumerate(outputs):
        serial = output.serial
        if serial is None:
            continue
        if not isinstance(serial, str):
            raise InvalidInput(f"Output {position}'s serial number is a string, not {serial!r}")
        if Form(output.form) is not Form.REFINED:
            shown = Form(output.form).name.lower()
            raise InvalidInput(f"Output {position} is {shown}: only a refined output takes a serial number")
        if not 1 <= len(serial.encode("utf-8")) <= MAX_SERIAL_BYTES:
            raise InvalidInput(
                f"A serial number is 1 to {MAX_SERIAL_BYTES} bytes long: {serial!r} of output {position} is "
                f"{len(serial.encode('utf-8'))}"
            )
        check_serial(serial, f"Output {position}'s serial number")
        if serial in seen:
            raise InvalidInput(f"Outputs {seen[serial]} and {position} share the serial number {serial!r}")
        seen[serial] = position
        found.append((position, serial))
    return found


def check_serial(serial: str, where: str) -> str:
    """`serial` if it is written as a bar is stamped: no space at either end, no control or invisible
    character, in Unicode's composed form (NFC). The contract compares bytes: "RAM-1 " or a decomposed "é"
    would be another serial than the one on the bar.

    Raises:
        InvalidInput: It is not.
    """
    if serial != serial.strip() or any(unicodedata.category(c)[0] in "CZ" and c != " " for c in serial):
        raise InvalidInput(f"{where} {serial!r} has a space at an end, or a control or invisible character")
    if unicodedata.normalize("NFC", serial) != serial:
        raise InvalidInput(f"{where} {serial!r} is not in Unicode's composed form (NFC)")
    return serial


def predicted_ids(contract: Contract, sender: str, transform_data: bytes) -> list[LotId]:
    """The ids the outputs of the transformation `transform_data` would get if `sender` sent it now.

    Raises:
        ContractRevert: (its specific subclass) the contract refuses the transformation now.
    """
    call: TxParams = {
        "from": cast(ChecksumAddress, sender),
        "to": cast(ChecksumAddress, contract.address),
        "data": HexStr(check.hex0x(transform_data)),
    }
    answer = contract.chain.call(call)
    (ids,) = contract.chain.decode_output("transform", answer)
    return [LotId(i) for i in ids]


def with_serials(
    contract: Contract, sender: str, transform_data: bytes, serials: Sequence[tuple[int, str]]
) -> tuple[bytes, list[LotId]]:
    """The calldata of one `multicall` of the transformation `transform_data` and of the assignment of each
    of `serials` (output position, serial) to its output, and the ids predicted for the outputs.

    Raises:
        ContractRevert: The contract refuses the transformation now.
    """
    predicted = predicted_ids(contract, sender, transform_data)
    calls = [transform_data] + [
        contract.call_data("assignSerialNumber", predicted[position], serial) for position, serial in serials
    ]
    return contract.call_data("multicall", calls), predicted
