"""A plant's receipt of an ore lot: what it weighed and what the labs assayed, as the lot's next passport.

The receipt (`filon.passport.Receipt`, schema 1.1) joins the lot's latest passport, which is otherwise kept as
it is; each assay certificate is cited in `conformity` as an `assay_certificate` document and stored with the
package. The wet mass defaults to the lot's declared gross mass (what the miner's scale said), the day to
today in UTC, and the dry mass is always computed from the wet mass and the moisture.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from filon._errors import InvalidInput
from filon._types import Lot
from filon.passport._schema import Assay, Document, DocumentType, Passport, Receipt, dry_mass


@dataclass(frozen=True)
class LabAssay:
    """One laboratory's head-grade assay of an ore lot, as a plant records it.

    Attributes:
        lab: The laboratory.
        grade_g_t: Gold in grams per dry tonne.
        certificate: Its assay certificate, (file name, bytes), if there is one.
    """

    lab: str
    grade_g_t: float
    certificate: tuple[str, bytes] | None = None


def _assay(assay: LabAssay, on: datetime.date) -> tuple[Assay, Document | None]:
    if assay.certificate is None:
        return Assay(lab=assay.lab, grade_g_t=assay.grade_g_t), None
    name, data = assay.certificate
    digest = hashlib.sha256(data).hexdigest()
    cited = Document(type=DocumentType.ASSAY_CERTIFICATE, issuer=assay.lab, date=on, sha256=digest, name=name)
    return Assay(lab=assay.lab, grade_g_t=assay.grade_g_t, certificate_sha256=digest), cited


def with_receipt(
    current: Passport,
    lot: Lot,
    sample: LabAssay,
    counter_sample: LabAssay,
    *,
    moisture_pct: float,
    wet_mass_mg: int | None,
    umpire: LabAssay | None,
    received_on: datetime.date | None,
) -> tuple[Passport, dict[str, bytes]]:
    """The lot's next passport (its current one with the receipt, schema 1.1) and the certificates to store.

    Raises:
        InvalidInput: The lot is not an ore lot, or a figure is out of range (a negative grade, moisture of
            100 % or more, a wet mass of 0).
    """
    if lot.mine_id is None:
        raise InvalidInput(f"Lot {lot.id} is not an ore lot: a receipt and its assays are recorded on ore")
    on = received_on or datetime.datetime.now(datetime.UTC).date()
    wet = lot.gross_mass_mg if wet_mass_mg is None else wet_mass_mg
    try:
        parts = [_assay(assay, on) for assay in (sample, counter_sample, *([umpire] if umpire else []))]
        receipt = Receipt(
            received_on=on,
            wet_mass_mg=wet,
            moisture_pct=moisture_pct,
            dry_mass_mg=dry_mass(wet, moisture_pct) if 0 <= moisture_pct < 100 else wet,
            sample=parts[0][0],
            counter_sample=parts[1][0],
            umpire=parts[2][0] if umpire else None,
        )
        cited = {document.sha256 for document in current.conformity}
        added = _new_documents([document for _, document in parts], cited)
        passport = Passport.model_validate(
            {
                **current.model_dump(),
                "schema_version": "1.1",
                "receipt": receipt,
                "conformity": [*current.conformity, *added],
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"The receipt of lot {lot.id}: {where}: {first['msg']}") from None
    documents = dict(
        assay.certificate
        for assay in (sample, counter_sample, umpire)
        if assay is not None and assay.certificate is not None
    )
    return passport, documents


def _new_documents(documents: Sequence[Document | None], cited: set[str]) -> list[Document]:
    """The certificates the passport does not cite yet, each once."""
    added: list[Document] = []
    for document in documents:
        if document is not None and document.sha256 not in cited:
            cited.add(document.sha256)
            added.append(document)
    return added
