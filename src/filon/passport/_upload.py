"""The upload protocol of a shared document store: who uploads is proven by an EIP-712 signature.

An upload is `PUT /ipfs/{cid}` with the document's bytes as its body and three headers:

- `X-Filon-Uploader`: the uploader's address (0x, 40 hex digits);
- `X-Filon-Timestamp`: when it signed, in Unix seconds;
- `X-Filon-Signature`: its 65-byte EIP-712 signature (0x hex) of `Upload(string cid,uint256 size,uint256
  timestamp)` in the deployment's own domain (`{name: "Filon", version: "1", chainId, verifyingContract}`,
  the domain of offline declarations), where `cid` is the CID in the path as sent, `size` the body's length
  in bytes and `timestamp` the header's value.

The server recovers the signer from the signature, the CID, the body's declared size and the timestamp, and
compares it with the uploader; it then checks the timestamp is within its replay window and that the
uploader may upload (an admitted participant or a registrar, on chain). docs/store.md is the full protocol.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_hex_address, to_checksum_address

from filon._errors import FilonError
from filon._offline import DeclarationDomain

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "UPLOADER_HEADER",
    "UPLOAD_TYPES",
    "UploadNotAuthenticated",
    "UploadSignature",
    "sign_upload",
]

UPLOADER_HEADER = "X-Filon-Uploader"
TIMESTAMP_HEADER = "X-Filon-Timestamp"
SIGNATURE_HEADER = "X-Filon-Signature"

UPLOAD_TYPES: dict[str, list[dict[str, str]]] = {
    "Upload": [
        {"name": "cid", "type": "string"},
        {"name": "size", "type": "uint256"},
        {"name": "timestamp", "type": "uint256"},
    ]
}
"""The EIP-712 type an uploader signs."""

_MAX_UINT256 = 2**256 - 1
_SIGNATURE_BYTES = 65  # r, s (32 bytes each) and v


class UploadNotAuthenticated(FilonError, PermissionError):
    """An upload's authentication does not hold: headers missing or malformed, the signature is not the
    uploader's, or its timestamp is outside the replay window. The message is one sentence for the
    uploader."""


@dataclass(frozen=True)
class UploadSignature:
    """The authentication an upload carries in its headers.

    Attributes:
        uploader: The address that claims to upload (checksummed).
        timestamp: When it signed, in Unix seconds.
        signature: Its 65-byte EIP-712 signature.
    """

    uploader: str
    timestamp: int
    signature: bytes

    @classmethod
    def from_headers(cls, headers: Any) -> UploadSignature:
        """Reads the three headers (from any case-insensitive mapping, e.g. a request's headers).

        Raises:
            UploadNotAuthenticated: A header is missing or malformed.
        """
        uploader = headers.get(UPLOADER_HEADER)
        timestamp = headers.get(TIMESTAMP_HEADER)
        signature = headers.get(SIGNATURE_HEADER)
        if uploader is None or timestamp is None or signature is None:
            raise UploadNotAuthenticated(
                f"An upload is signed: send the {UPLOADER_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} "
                "headers (see docs/store.md)."
            )
        if not is_hex_address(uploader):
            raise UploadNotAuthenticated(f"{UPLOADER_HEADER} is not an address (0x and 40 hex digits).")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 20):
            raise UploadNotAuthenticated(f"{TIMESTAMP_HEADER} is not a time in Unix seconds.")
        try:
            raw = bytes.fromhex(signature.removeprefix("0x"))
        except ValueError:
            raw = b""
        if len(raw) != _SIGNATURE_BYTES:
            raise UploadNotAuthenticated(f"{SIGNATURE_HEADER} is not a 65-byte signature in hex.")
        return cls(to_checksum_address(uploader), int(timestamp), raw)

    def headers(self) -> dict[str, str]:
        """The three headers that carry it."""
        return {
            UPLOADER_HEADER: self.uploader,
            TIMESTAMP_HEADER: str(self.timestamp),
            SIGNATURE_HEADER: "0x" + self.signature.hex(),
        }

    def check(self, domain: DeclarationDomain, cid: str, size: int, *, now: float, window: float) -> None:
        """Checks that the uploader signed this upload (`cid`, `size`) for `domain`, within `window` seconds
        of `now`.

        Raises:
            UploadNotAuthenticated: The timestamp is outside the window, or the signature is not the
                uploader's for this CID, size, time and deployment.
        """
        if abs(self.timestamp - now) > window:
            raise UploadNotAuthenticated(
                f"The upload was signed at {self.timestamp}, more than {window:g} s from the server's time "
                f"{int(now)}: sign it again with the current time."
            )
        try:
            signer = Account.recover_message(
                _typed_data(domain, cid, size, self.timestamp), signature=self.signature
            )
        except Exception:  # eth-keys raises BadSignature, ValueError or others on a malformed signature
            signer = None
        if signer != self.uploader:
            raise UploadNotAuthenticated(
                f"The signature is not {self.uploader}'s for this upload: the CID, size, timestamp or "
                f"deployment (chain {domain.chain_id}, contract {domain.verifying_contract}) differ from "
                "what was signed."
            )


def sign_upload(
    account: LocalAccount,
    domain: DeclarationDomain,
    cid: str,
    size: int,
    *,
    timestamp: int | None = None,
) -> UploadSignature:
    """Signs the upload of document `cid` (`size` bytes) to the shared store of `domain`'s deployment.

    Args:
        account: The uploader's key (an admitted participant or a registrar).
        domain: The deployment (`DeclarationDomain.of(deployment)`).
        cid: The document's CID, as it appears in the upload's path.
        size: The document's length in bytes.
        timestamp: The signing time in Unix seconds; None for now.

    Returns:
        What the upload's headers carry (`UploadSignature.headers()`).
    """
    when = int(time.time()) if timestamp is None else timestamp
    signed = account.sign_message(_typed_data(domain, cid, size, when))
    return UploadSignature(account.address, when, bytes(signed.signature))


def _typed_data(domain: DeclarationDomain, cid: str, size: int, timestamp: int) -> Any:
    if not 0 <= size <= _MAX_UINT256 or not 0 <= timestamp <= _MAX_UINT256:
        raise UploadNotAuthenticated("The size and timestamp of an upload are whole numbers below 2^256.")
    return encode_typed_data(
        domain_data=domain.as_eip712(),
        message_types=UPLOAD_TYPES,
        message_data={"cid": cid, "size": size, "timestamp": timestamp},
    )
