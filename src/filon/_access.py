"""Confidential passports' on-chain part: participants' public encryption keys and the access grants to lots'
confidential layers (event only: both are read back from the logs)."""

from __future__ import annotations

from filon import _checks as check
from filon import _events
from filon._chain import address_topic, uint_topic
from filon._contract import Contract
from filon._types import AccessGrant, LotId


class Access:
    """Publishing keys, granting and revoking access, and reading both, through `contract`."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract

    def publish_key(self, public_key: bytes) -> str:
        return self._contract.send_for_hash(
            "publish an encryption key", "publishEncryptionKey", check.encryption_key(public_key)
        )

    def encryption_key(self, address: str) -> bytes | None:
        """The latest key `address` published, from one `eth_getLogs` filtered on it."""
        account = address_topic(check.address(address, "address"))
        found = self._contract.logs([_events.topic("EncryptionKeyPublished"), account])
        keys = _events.of_type(found, _events.EncryptionKeyPublished)
        return keys[-1].public_key if keys else None

    def grant(self, lot_id: LotId, reader: str, grant_digest: bytes | str) -> str:
        return self._contract.send_for_hash(
            "grant access",
            "grantAccess",
            check.uint(lot_id, "lot_id"),
            check.address(reader, "reader"),
            check.bytes32(grant_digest, "grant_digest"),
        )

    def revoke(self, lot_id: LotId, reader: str) -> str:
        return self._contract.send_for_hash(
            "revoke access", "revokeAccess", check.uint(lot_id, "lot_id"), check.address(reader, "reader")
        )

    def grants(self, lot_id: LotId) -> list[AccessGrant]:
        """The grants standing on `lot_id`, from one `eth_getLogs` of its grants and revocations."""
        lot = uint_topic(check.uint(lot_id, "lot_id"))
        kinds = [_events.topic("AccessGranted"), _events.topic("AccessRevoked")]
        return _events.access_grants(self._contract.logs([kinds, lot]))
