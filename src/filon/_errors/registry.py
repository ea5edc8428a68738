"""The errors of FilonRegistry (`IFilonRegistry`), one class each."""

from __future__ import annotations

from filon._errors.reverts import ContractRevert, _frozen, _mine_status, _role_name
from filon._types import MAX_CAPACITY_MG, MineId, MineStatus, Role


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


class RegistrarCannotParticipate(ContractRevert, PermissionError):
    """The account holds the registrar or admin role, so it cannot be admitted (separation of duties)."""

    error_name = "RegistrarCannotParticipate"
    template = (
        "{account} holds the registrar or admin role and cannot be admitted as a participant: "
        "revoke its roles first."
    )
    account: str


class ParticipantCannotAdminister(ContractRevert, PermissionError):
    """The account is an admitted participant, so it cannot be granted the registrar or admin role.

    Attributes:
        account: The participant.
        role: The bytes32 id of the role it was to be granted (`role_name` spells it out).
    """

    error_name = "ParticipantCannotAdminister"
    template = (
        "{account} is an admitted participant and cannot be granted the {role}: remove the participant first."
    )
    displays = _frozen(role=_role_name)
    account: str
    role: bytes

    @property
    def role_name(self) -> str:
        """The role's Solidity name, e.g. "REGISTRAR_ROLE"."""
        return _role_name(self.role)


def _role(value: int) -> Role | int:
    try:
        return Role(value)
    except ValueError:
        return value


def _show_role(value: Role | int) -> str:
    return value.name.lower() if isinstance(value, Role) else str(value)


class AttesterCannotHold(ContractRevert, PermissionError):
    """The account is admitted as an attester (auditor, laboratory), which never holds lots: it cannot receive
    one, nor be made an attester while it holds some."""

    error_name = "AttesterCannotHold"
    template = "{account} is admitted as an attester ({role}), which never holds lots."
    converters = _frozen(role=_role)
    displays = _frozen(role=_show_role)
    account: str
    role: Role


class EmptyHash(ContractRevert, ValueError):
    """A hash that identifies a record (participant record, register snapshot, credential) cannot be zero."""

    error_name = "EmptyHash"
    template = "The hash of a record cannot be zero."


class InvalidSnapshotDate(ContractRevert, ValueError):
    """A register snapshot's date must be after 1970-01-01 and not in the future."""

    error_name = "InvalidSnapshotDate"
    template = (
        "Register snapshot date {snapshot_date} is not a past Unix time (after 1970-01-01, "
        "not after now, {now_timestamp})."
    )
    snapshot_date: int
    now_timestamp: int
