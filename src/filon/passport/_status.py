"""Revocation of conformity credentials as a W3C Bitstring Status List (v1.0), derived from the chain.

Each attester has one status list, at `<explorer>/status/<attester address>`. A credential's place in it,
its `statusListIndex`, is the ordinal of its anchoring among its attester's anchorings (0 for the first
`AttestationAnchored` event of that attester, in chain order), so anyone can rebuild the list from the
events alone: bit `i` is set when the attester's `i`-th anchored credential was revoked
(`AttestationRevoked`).
The list is the W3C's: the bitstring of at least 131,072 bits (16 KiB, the minimum the Recommendation sets
for herd privacy) with index 0 the most significant bit of the first byte, GZIP-compressed, then multibase
base64url (`u` prefix, no padding).

The list credential is served unsigned: it restates on-chain state, which is the source of truth, and
nobody but the attester could sign for the attester (docs/credentials.md says why and how to check it).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx2

from filon._errors import FilonError, InvalidInput
from filon.passport._ids import checked_address, did_pkh, iso_timestamp

STATUS_LIST_BITS = 131_072
"""The smallest status list (16 KiB of bits), the W3C Bitstring Status List's minimum for herd privacy."""

MAX_STATUS_LIST_BYTES = 1 << 20
"""The largest status list credential `fetch_status_list` reads: a list of 131,072 bits is about 200 bytes
once compressed, a list with every bit set about 2 KiB."""

_STATUS_INDEX = re.compile(r"[0-9]{1,6}")
"""A `statusListIndex` worth reading: a list of 131,072 bits needs 6 digits at most."""

STATUS_PURPOSE = "revocation"
"""The only status purpose Filón's lists carry: revocation is for good, as on chain."""

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
"""The JSON-LD context of a VC 2.0 credential, which also defines the Bitstring Status List terms."""


class StatusListInvalid(FilonError, ValueError):
    """A status list credential, or a credential's status entry, is not what the W3C Recommendation says."""


class StatusListUnavailable(FilonError, ConnectionError):
    """A status list could not be fetched (network error, or an HTTP status other than 200)."""


def status_list_url(base_url: str, attester: str) -> str:
    """Where an explorer serves the status list of `attester`: `<base_url>/status/<checksummed address>`."""
    return f"{base_url.rstrip('/')}/status/{checked_address(attester, 'attester')}"


def status_entry(list_url: str, index: int) -> dict[str, str]:
    """A credential's `credentialStatus`: a `BitstringStatusListEntry` for revocation at `index`."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < STATUS_LIST_BITS:
        raise InvalidInput(f"a status list index is an int from 0 to {STATUS_LIST_BITS - 1}, got {index!r}")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def encode_status_list(revoked: Iterable[int], *, bits: int = STATUS_LIST_BITS) -> str:
    """The `encodedList` of a bitstring of `bits` bits with the `revoked` indices set.

    Raises:
        InvalidInput: An index falls outside the list.
    """
    data = bytearray(bits // 8)
    for index in revoked:
        if not 0 <= index < bits:
            raise InvalidInput(f"status list index {index} is outside a list of {bits} bits")
        data[index // 8] |= 0x80 >> (index % 8)
    # mtime 0: the same revocations always give the same list
    packed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def status_bit(encoded_list: object, index: int) -> bool:
    """Whether bit `index` of an `encodedList` is set.

    Raises:
        StatusListInvalid: The list is not multibase base64url GZIP, is shorter than the minimum, or does
            not reach `index`.
    """
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise StatusListInvalid("the encodedList is not multibase base64url (it must start with 'u')")
    try:
        text = encoded_list[1:]
        data = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, OSError, EOFError, zlib.error) as exc:
        raise StatusListInvalid(f"the encodedList is not GZIP in base64url: {exc}") from None
    if len(data) * 8 < STATUS_LIST_BITS:
        raise StatusListInvalid(f"the status list has {len(data) * 8} bits, fewer than {STATUS_LIST_BITS}")
    if not 0 <= index < len(data) * 8:
        raise StatusListInvalid(f"status list index {index} is outside the list of {len(data) * 8} bits")
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    attester: str, *, chain_id: int, list_url: str, revoked: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """An attester's status list as an (unsigned) `BitstringStatusListCredential`.

    Args:
        attester: The attester whose credentials the list covers (the list's issuer).
        chain_id: The chain of the attester's did:pkh.
        list_url: Where the list is served (`status_list_url`), its `id`.
        revoked: The status list indices of the attester's revoked credentials.
        valid_from: The time of the chain state the list reflects (timezone-aware).

    Returns:
        The list credential.

    Raises:
        InvalidInput: The attester, chain id, an index or the date is unusable.
    """
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_pkh(chain_id, attester),
        "validFrom": iso_timestamp(valid_from, "valid_from"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_status_list(revoked),
        },
    }


def listed_as_revoked(credential: Mapping[str, Any], status_list: Mapping[str, Any]) -> bool:
    """Whether `status_list` (a `BitstringStatusListCredential`) marks `credential` as revoked.

    Raises:
        StatusListInvalid: The credential has no revocation entry, or the list is not the one it names or
            not a revocation list by the credential's issuer.
    """
    entry = credential.get("credentialStatus")
    if not isinstance(entry, Mapping) or entry.get("type") != "BitstringStatusListEntry":
        raise StatusListInvalid("the credential has no BitstringStatusListEntry credentialStatus")
    if entry.get("statusPurpose") != STATUS_PURPOSE:
        raise StatusListInvalid(f"the credential's status purpose is {entry.get('statusPurpose')!r}")
    index = entry.get("statusListIndex")
    # ASCII digits only, and few: str.isdigit takes "²", and int() of thousands of digits is refused
    if not isinstance(index, str) or _STATUS_INDEX.fullmatch(index) is None:
        raise StatusListInvalid(
            f"the credential's statusListIndex is not a number of 1 to 6 digits: {index!r:.40}"
        )
    if status_list.get("id") != entry.get("statusListCredential"):
        raise StatusListInvalid(
            f"the status list {status_list.get('id')!r} is not the credential's "
            f"{entry.get('statusListCredential')!r}"
        )
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if status_list.get("issuer") != issuer_id:
        raise StatusListInvalid(
            f"the status list's issuer {status_list.get('issuer')!r} is not {issuer_id!r}"
        )
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("statusPurpose") != STATUS_PURPOSE:
        raise StatusListInvalid("the status list is not a revocation list")
    return status_bit(subject.get("encodedList"), int(index))


def fetch_status_list(url: str, *, timeout: float = 10.0) -> dict[str, Any]:
    """The status list credential at `url` (a credential's `statusListCredential`), fetched over http(s).

    Raises:
        InvalidInput: `url` is not an http(s) URL.
        StatusListUnavailable: The server cannot be reached or does not answer 200.
        StatusListInvalid: The answer is larger than `MAX_STATUS_LIST_BYTES`, or not a JSON object.
    """
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise InvalidInput(f"a status list is fetched from an http(s) URL, not {url!r}")
    try:
        with (
            httpx2.Client(timeout=timeout, follow_redirects=False) as http,
            http.stream("GET", url) as answer,
        ):
            if answer.status_code != 200:
                raise StatusListUnavailable(f"the status list {url} answered HTTP {answer.status_code}")
            body = b""
            for chunk in answer.iter_bytes():
                body += chunk
                if len(body) > MAX_STATUS_LIST_BYTES:
                    raise StatusListInvalid(
                        f"the status list {url} is larger than {MAX_STATUS_LIST_BYTES} bytes"
                    )
    except (httpx2.HTTPError, httpx2.InvalidURL, OSError) as error:
        raise StatusListUnavailable(f"cannot fetch the status list {url}: {error or 'no answer'}") from None
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise StatusListInvalid(f"the status list {url} is not a JSON object")
    return found
