"""Filón's root exception, `FilonError`, and the errors that do not come from the contract."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from filon._types import LotId


class FilonError(Exception):
    """The root of every exception the `filon` package raises.

    Attributes:
        confirmed_lot_ids: For an error raised by `Client.declare_lots` after its transactions were sent:
            the lots of the batch that were confirmed anyway, in batch order. Empty otherwise.
        batch_index: For such an error, the position (from 0) in the batch of the declaration that failed
            (a `ContractRevert`), or of the first one left unconfirmed when the node stopped answering or
            a transaction was not mined in time (any other error; it and those after it may yet be, or
            may have been, mined).
    """

    confirmed_lot_ids: tuple[LotId, ...] = ()
    batch_index: int | None = None
    _refused_by_contract: ClassVar[bool] = False  # `ContractRevert`s: the declaration itself failed

    def __str__(self) -> str:
        text = super().__str__()
        if self.batch_index is None:
            return text
        confirmed = ", ".join(str(i) for i in self.confirmed_lot_ids) or "none"
        if self._refused_by_contract:
            return f"{text} (declaration {self.batch_index} of the batch failed; confirmed lots: {confirmed})"
        return (
            f"{text} (declaration {self.batch_index} of the batch and those after it are not confirmed; "
            f"confirmed lots: {confirmed})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors and decoded attributes survive pickling (multiprocessing, task queues).
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(cls: type[FilonError], args: tuple[Any, ...], state: dict[str, Any]) -> FilonError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidInput(FilonError, ValueError):
    """An argument cannot be sent to the contract (wrong type, length or encoding); nothing was sent."""


class AccountRequired(FilonError):
    """A write was called on a read-only client (one connected without an account)."""


# ----------------------------------------------------------------------------- deployments


class DeploymentError(FilonError):
    """A deployment manifest cannot be used."""


class ManifestNotFound(DeploymentError, FileNotFoundError):
    """The deployment manifest file does not exist."""


class ManifestInvalid(DeploymentError, ValueError):
    """The deployment manifest is not valid JSON or lacks a required key."""


class DeploymentMismatch(DeploymentError):
    """The manifest does not describe a deployment on the chain the RPC serves.

    Attributes:
        address: The contract address in the manifest.
        manifest_chain_id: The chain id in the manifest.
        rpc_chain_id: The chain id the RPC reports.
    """

    def __init__(self, message: str, *, address: str, manifest_chain_id: int, rpc_chain_id: int) -> None:
        super().__init__(message)
        self.address = address
        self.manifest_chain_id = manifest_chain_id
        self.rpc_chain_id = rpc_chain_id


# ----------------------------------------------------------------------------- passports


class PassportWithheld(FilonError):
    """The published package of a passport version discloses only some fields; the rest are withheld.

    Attributes:
        disclosed: The names of the fields that were published (and check out against the chain).
        withheld: The names of the fields the reader cannot open (not published, and no content key of a
            confidential layer holding them is available to its account).
    """

    def __init__(self, message: str, *, disclosed: Sequence[str], withheld: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.disclosed = tuple(disclosed)
        self.withheld = tuple(withheld)


class PassportUnavailable(FilonError, LookupError):
    """A passport version's package cannot be read: its URI is no `ipfs://` CID, or it is not in the store."""


class StatusIndexTaken(FilonError):
    """An issued credential's status index is not its place among its attester's anchorings on chain (another
    issue for the same account was anchored in between, or the node lagged): its status bit would be another
    credential's. The credential was revoked on chain at once; issue it again.

    Attributes:
        credential_hash: The revoked credential's anchored hash.
        status_index: The index the credential carries.
        ordinal: Its actual place among its attester's anchorings.
    """

    def __init__(self, message: str, *, credential_hash: bytes, status_index: int, ordinal: int) -> None:
        super().__init__(message)
        self.credential_hash = credential_hash
        self.status_index = status_index
        self.ordinal = ordinal


class AnchoringNotVisible(FilonError, LookupError):
    """The contract holds an attestation but the node returns no anchoring event for it (a node lagging
    behind, or logs pruned): its subject and place in its attester's status list cannot be read."""


# ----------------------------------------------------------------------------- RPC and transactions


class RpcError(FilonError):
    """The Ethereum node answered with an error that is not a contract revert."""


class RpcUnavailable(RpcError, ConnectionError):
    """The Ethereum node cannot be reached (refused, timed out, bad response).

    Attributes:
        url: The RPC URL.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class TransactionError(FilonError):
    """A sent transaction did not end as expected.

    Attributes:
        transaction_hash: The transaction, as a 0x hex string.
    """

    def __init__(self, message: str, *, transaction_hash: str) -> None:
        super().__init__(message)
        self.transaction_hash = transaction_hash


class TransactionTimeout(TransactionError, TimeoutError):
    """A sent transaction was not mined within the client's timeout; it may still be mined later."""


class TransactionDropped(TransactionTimeout):
    """A sent transaction was not mined and the node no longer knows it: it will never be mined."""
