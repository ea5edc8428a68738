"""The errors of FilonLots (`IFilonLots`), one class each."""

from __future__ import annotations

from filon._errors.reverts import ContractRevert, _frozen, _mine_status
from filon._types import Form, LotId, MineId, MineStatus


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


# Serial numbers


def _form(value: int) -> Form | int:
    try:
        return Form(value)
    except ValueError:
        return value


def _form_name(value: Form | int) -> str:
    return value.name.lower() if isinstance(value, Form) else str(value)


class NotRefiner(ContractRevert, PermissionError):
    """Only an account admitted as a refiner gives serial numbers."""

    error_name = "NotRefiner"
    template = "{account} is not admitted as a refiner: it cannot give serial numbers."
    account: str


class NotRefinedLot(ContractRevert, ValueError):
    """Only a refined lot (a bar) gets a serial number."""

    error_name = "NotRefinedLot"
    template = "Lot {lot_id} is {form}, not refined: only refined lots get serial numbers."
    converters = _frozen(form=_form)
    displays = _frozen(form=_form_name)
    lot_id: LotId
    form: Form


class InvalidSerialLength(ContractRevert, ValueError):
    """A serial number is 1 to 64 bytes long (UTF-8)."""

    error_name = "InvalidSerialLength"
    template = "A serial number must be 1 to 64 bytes long, not {length}."
    length: int


class SerialAlreadyAssigned(ContractRevert):
    """The lot already has a serial number, which never changes."""

    error_name = "SerialAlreadyAssigned"
    template = "Lot {lot_id} already has serial number {serial!r}, which never changes."
    lot_id: LotId
    serial: str


class DuplicateSerial(ContractRevert):
    """The refiner already gave this serial number to another lot; `lot_id` is that lot."""

    error_name = "DuplicateSerial"
    template = "{refiner} already gave serial number {serial!r} to lot {lot_id}."
    refiner: str
    serial: str
    lot_id: LotId


# Encryption keys


class InvalidEncryptionKey(ContractRevert, ValueError):
    """A published encryption key must be 1 to 65 bytes long (`Client.publish_encryption_key` checks more)."""

    error_name = "InvalidEncryptionKey"
    template = "An encryption key must be 1 to 65 bytes long, not {length}."
    length: int


# Attestations


class NotAttester(ContractRevert, PermissionError):
    """Only an account admitted as an auditor or a laboratory anchors credentials."""

    error_name = "NotAttester"
    template = "{account} is not admitted as an attester (auditor or laboratory)."
    account: str


class InvalidSubjectKind(ContractRevert, ValueError):
    """An attestation is about a lot (1) or a mine (2)."""

    error_name = "InvalidSubjectKind"
    template = "{subject_kind} is not a kind of subject: an attestation is about a lot (1) or a mine (2)."
    subject_kind: int


class AttestationExists(ContractRevert):
    """The credential was already anchored (by `attester`)."""

    error_name = "AttestationExists"
    template = "Credential {credential_hash} was already anchored by {attester}."
    credential_hash: bytes
    attester: str


class UnknownAttestation(ContractRevert, LookupError):
    """No credential with this hash was anchored."""

    error_name = "UnknownAttestation"
    template = "No credential {credential_hash} was anchored."
    credential_hash: bytes


class NotTheAttester(ContractRevert, PermissionError):
    """Only the attester that anchored a credential revokes it."""

    error_name = "NotTheAttester"
    template = "{account} cannot revoke credential {credential_hash}: {attester} anchored it."
    credential_hash: bytes
    account: str
    attester: str


class AttestationAlreadyRevoked(ContractRevert):
    """The credential was already revoked (revocation is final)."""

    error_name = "AttestationAlreadyRevoked"
    template = "Credential {credential_hash} was already revoked."
    credential_hash: bytes
