"""A passport as a UN Transparency Protocol Digital Product Passport (UNTP DPP 0.6.1) in a W3C VC 2.0.

`passport_credential` maps every field of a Filón `Passport` to its UNTP DPP property (docs/credentials.md
has the table); what UNTP has no property for stays beside it under a plain name (`characteristics`,
extension properties the data model allows). The credential is unsigned: `filon.passport.sign_credential`
and `credential_jwt` secure it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from filon import _checks as check
from filon._errors import InvalidInput
from filon._types import Form, LotId, Provenance
from filon.passport._canonical import canonical_json
from filon.passport._ids import checked_address, did_pkh, iso_timestamp, lot_urn
from filon.passport._schema import CarbonEmissions, Document, DocumentType, Facility, Party, Passport
from filon.passport._store import cid_for_sha256

UNTP_DPP_VERSION = "0.6.1"
"""The UNTP Digital Product Passport release the credential follows (its JSON Schema validates it)."""

CREDENTIAL_CONTEXT = (
    "https://www.w3.org/ns/credentials/v2",
    f"https://test.uncefact.org/vocabulary/untp/dpp/{UNTP_DPP_VERSION}/",
)
"""The JSON-LD contexts of a passport credential: VC Data Model 2.0, then UNTP DPP 0.6.1."""

GRAMS = "GRM"
"""UN/ECE Recommendation 20 code of the gram, the unit of every mass the exports state."""

_PRODUCT_NAMES = {
    Form.ORE: "Gold ore",
    Form.CONCENTRATE: "Gold concentrate",
    Form.DORE: "Gold doré",
    Form.REFINED: "Refined gold",
    Form.PRODUCT: "Gold product",
}

_TOPICS = {
    DocumentType.MINING_PERMIT: "governance.compliance",
    DocumentType.OECD_ANNEX_II_RISK_ASSESSMENT: "governance.ethics",
    DocumentType.CRAFT_ASSESSMENT: "social.rights",
    DocumentType.FAIRMINED_CERTIFICATE: "social.labour",
    DocumentType.ASSAY_CERTIFICATE: "governance.transparency",
    DocumentType.SHIPMENT_DOCUMENT: "governance.transparency",
    DocumentType.EXPORT_DECLARATION: "governance.compliance",
    DocumentType.OTHER: "governance.transparency",
}
"""The UNTP conformity topic each kind of document is evidence for."""

_PROCESSES = {"commissioning": "Mining", "shipping": "Shipping"}
"""The value chain process of an EPCIS ObjectEvent by its bizStep; a TransformationEvent is "Processing"."""


def passport_credential(
    passport: Passport,
    *,
    issuer_address: str,
    lot_id: int,
    chain_id: int,
    contract: str,
    version: int,
    valid_from: datetime,
    issuer_name: str | None = None,
    form: Form | None = None,
    passport_uri: str = "",
    origin_countries: Mapping[int, str] | None = None,
    epcis: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A passport version as an unsigned W3C VC 2.0 whose subject is a UNTP DPP 0.6.1 `ProductPassport`.

    Args:
        passport: The passport.
        issuer_address: The Ethereum account that issues (and will sign) the credential.
        lot_id: The lot the passport describes (its on-chain id wins over `passport.lot.lot_id`).
        chain_id: The chain of the `FilonLots` deployment (also the issuer DID's chain).
        contract: The `FilonLots` address.
        version: The passport version recorded on chain (1, 2, ...).
        valid_from: When the credential becomes valid (timezone-aware).
        issuer_name: The issuer's name (UNTP requires one); its address when not given.
        form: The lot's form on chain, for the product's name (and, for ore, the gold's origin).
        passport_uri: Where the Filón passport itself is published (`ipfs://...`), linked as further
            information.
        origin_countries: The single country of origin (ISO 3166-1 alpha-2) of this lot or its input lots,
            by lot id, where their ancestry leads to mines of one country only.
        epcis: The lot's EPCIS document (`Client.epcis`); each event is linked, with its SHA-256, as
            traceability information grouped by value chain process.

    Returns:
        The credential, ready for `sign_credential` or `credential_jwt`.

    Raises:
        InvalidInput: An address, the chain id, the lot id, the version, the date or an argument's type is
            unusable.
    """
    if not isinstance(passport, Passport):
        raise InvalidInput(f"passport must be a filon.Passport, got {type(passport).__name__}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidInput(f"version must be a positive int, got {version!r}")
    lot_id = check.uint(lot_id, "lot_id")
    contract = checked_address(contract, "contract")
    lot = lot_urn(chain_id, contract, lot_id)
    issuer = did_pkh(chain_id, issuer_address)
    origins = dict(origin_countries or {})
    if form == Form.ORE:
        origins.setdefault(lot_id, passport.facility.country)
    subject: dict[str, Any] = {
        "type": ["ProductPassport"],
        "id": lot,
        "product": _product(passport, lot, lot_id, chain_id, contract, form, passport_uri, version),
        "granularityLevel": "batch",
        "materialsProvenance": _materials(passport, lot_id, origins),
        "conformityClaim": [
            _claim(document, f"{lot}:passport:{version}:claim:{index}")
            for index, document in enumerate(passport.conformity)
        ],
    }
    due_diligence = _due_diligence(passport.conformity)
    if due_diligence is not None:
        subject["dueDiligenceDeclaration"] = due_diligence
    if passport.carbon is not None:
        subject["emissionsScorecard"] = _emissions(passport.carbon)
    if epcis is not None:
        subject["traceabilityInformation"] = _traceability(epcis)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": f"{lot}:passport:{version}",
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": issuer,
            "name": issuer_name if issuer_name else issuer.rsplit(":", 1)[1],
        },
        "validFrom": iso_timestamp(valid_from, "valid_from"),
        "credentialSubject": subject,
    }


def origin_countries(provenance: Provenance) -> dict[int, str]:
    """The country of origin of every lot of a provenance whose mines (its own, or its ancestors') all lie
    in one country, from the mines' on-chain records; lots of mixed or unknown origin are left out.

    Args:
        provenance: A lot's provenance (`Client.provenance`).

    Returns:
        ISO 3166-1 alpha-2 codes by lot id, for `passport_credential`'s `origin_countries`.
    """
    countries: dict[LotId, frozenset[str]] = {}
    for start in provenance.lots:
        # Depth first without recursion: an ancestry may be deeper than Python's recursion limit.
        stack = [start]
        while stack:
            lot_id = stack[-1]
            if lot_id in countries:
                stack.pop()
                continue
            lot = provenance.lots[lot_id]
            parents = [parent for parent in lot.parents if parent in provenance.lots]
            pending = [parent for parent in parents if parent not in countries]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            mine = provenance.mines.get(lot.mine_id) if lot.mine_id is not None else None
            own = frozenset({mine.country}) if mine is not None else frozenset()
            countries[lot_id] = own.union(*(countries[parent] for parent in parents))
    return {int(lot_id): next(iter(found)) for lot_id, found in sorted(countries.items()) if len(found) == 1}


def _grams(milligrams: int) -> dict[str, Any]:
    return {"value": milligrams / 1000, "unit": GRAMS}


def _product(
    passport: Passport,
    lot: str,
    lot_id: int,
    chain_id: int,
    contract: str,
    form: Form | None,
    passport_uri: str,
    version: int,
) -> dict[str, Any]:
    name = _PRODUCT_NAMES[form] if form is not None else "Gold"
    product: dict[str, Any] = {
        "type": ["Product"],
        "id": lot,
        "name": f"{name} lot {lot_id}",
        "registeredId": str(lot_id),
        "idScheme": {
            "type": ["IdentifierScheme"],
            "id": lot.rsplit(":lot:", 1)[0],
            "name": f"Filón lot token ids of FilonLots {contract} on chain {chain_id}",
        },
        "producedByParty": _party(passport.producer, lot, chain_id),
        "producedAtFacility": _facility(passport.facility, lot),
        "productionDate": passport.production_date.isoformat(),
        "countryOfProduction": passport.facility.country,
        "dimensions": {"weight": _grams(passport.quantity.gross_mass_mg)},
        "characteristics": {
            "type": ["Characteristics"],
            "fineGoldMass": _grams(passport.quantity.fine_gold_mg),
            "finenessPerThousand": passport.quantity.fineness_ppt,
        },
    }
    if passport.lot.batch_id:
        product["batchNumber"] = passport.lot.batch_id
    if passport.lot.external_ref:
        product["characteristics"]["externalReference"] = passport.lot.external_ref
    if passport.notes:
        product["description"] = passport.notes
    if passport_uri:
        product["furtherInformation"] = [
            {"linkURL": passport_uri, "linkName": f"Filón passport version {version} of lot {lot_id}"}
        ]
    return product


def _party(producer: Party, lot: str, chain_id: int) -> dict[str, Any]:
    # A producer without an account has no DID: it is named as the producer of this lot.
    identifier = did_pkh(chain_id, producer.address) if producer.address else f"{lot}:producer"
    return {"id": identifier, "name": producer.name}


def _facility(facility: Facility, lot: str) -> dict[str, Any]:
    # A registered mine is named like the EPCIS events name its location; any other facility (a plant)
    # is named as the facility of this lot.
    prefix = lot.rsplit(":lot:", 1)[0]
    identifier = f"{prefix}:mine:{facility.mine_id}" if facility.mine_id else f"{lot}:facility"
    found: dict[str, Any] = {"id": identifier, "name": facility.name, "countryOfOperation": facility.country}
    if facility.permit_number:
        found["registeredId"] = facility.permit_number
    if facility.region:
        found["address"] = {"addressRegion": facility.region, "addressCountry": facility.country}
    if facility.location is not None:
        point = [facility.location.longitude, facility.location.latitude]  # GeoJSON order
        found["locationInformation"] = {"geoLocation": {"type": "Point", "coordinates": point}}
    return found


def _materials(passport: Passport, lot_id: int, origins: Mapping[int, str]) -> list[dict[str, Any]]:
    if passport.materials_provenance:
        materials = []
        for item in passport.materials_provenance:
            material: dict[str, Any] = {
                "type": ["Material"],
                "name": f"Gold from lot {item.lot_id}",
                "massFraction": item.mass_fraction,
            }
            if item.lot_id in origins:
                material["originCountry"] = origins[item.lot_id]
            materials.append(material)
        return materials
    quantity = passport.quantity
    gold: dict[str, Any] = {
        "type": ["Material"],
        "name": "Gold",
        "massFraction": quantity.fine_gold_mg / quantity.gross_mass_mg,
        "mass": _grams(quantity.fine_gold_mg),
    }
    if lot_id in origins:
        gold["originCountry"] = origins[lot_id]
    return [gold]


def _document_url(document: Document) -> str:
    # The passport's own URI when it is an absolute URI, else the document's CID, under which the
    # document store (and IPFS) serve its bytes.
    if document.uri and urlsplit(document.uri).scheme and not any(c.isspace() for c in document.uri):
        return document.uri
    return f"ipfs://{cid_for_sha256(document.sha256)}"


def _document_name(document: Document) -> str:
    return document.name or document.type.value.replace("_", " ").capitalize()


def _claim(document: Document, claim_id: str) -> dict[str, Any]:
    described = f"{_document_name(document)} issued by {document.issuer} on {document.date.isoformat()}"
    return {
        "type": ["Claim", "Declaration"],
        "id": claim_id,
        "description": described,
        "assessmentDate": document.date.isoformat(),
        # The issuer cites the document as evidence of conformity; an assessor's own result is a
        # conformity credential of its own.
        "conformance": True,
        "conformityTopic": _TOPICS[document.type],
        "conformityEvidence": {
            "type": ["SecureLink", "Link"],
            "linkURL": _document_url(document),
            "linkName": _document_name(document),
            "hashDigest": document.sha256,
            "hashMethod": "SHA-256",
            "encryptionMethod": "none",
        },
    }


def _due_diligence(documents: Sequence[Document]) -> dict[str, Any] | None:
    """The latest OECD Annex II risk assessment, the due diligence the EU and OECD ask of gold."""
    assessments = [d for d in documents if d.type == DocumentType.OECD_ANNEX_II_RISK_ASSESSMENT]
    if not assessments:
        return None
    latest = max(assessments, key=lambda document: document.date)
    return {"linkURL": _document_url(latest), "linkName": _document_name(latest)}


def _emissions(carbon: CarbonEmissions) -> dict[str, Any]:
    return {
        "type": ["EmissionsPerformance"],
        # Per declared unit "EA": the lot as a whole, as the passport states it.
        "carbonFootprint": carbon.kg_co2e,
        "declaredUnit": "EA",
        # UNTP's scopes: "None" is scopes 1 and 2 only, "CradleToGate" adds upstream scope 3.
        "operationalScope": "CradleToGate" if 3 in carbon.scope else "None",
        # Passports do not state how much of the figure is primary data: none is claimed.
        "primarySourcedRatio": 0.0,
        "ghgScopes": list(carbon.scope),
        "accountingMethod": carbon.method,
        "systemBoundary": carbon.boundary,
    }


def _traceability(epcis: Mapping[str, Any]) -> list[dict[str, Any]]:
    body = epcis.get("epcisBody")
    events = body.get("eventList") if isinstance(body, Mapping) else None
    if not isinstance(events, list):
        raise InvalidInput("epcis must be an EPCIS document with epcisBody.eventList")
    groups: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        fields = event if isinstance(event, Mapping) else {}
        kind, step = fields.get("type"), str(fields.get("bizStep"))
        process = "Processing" if kind == "TransformationEvent" else _PROCESSES.get(step)
        if process is None or not all(isinstance(fields.get(key), str) for key in ("eventID", "eventTime")):
            raise InvalidInput(f"epcis must be an EPCIS document of Filón's events, not with {event!r:.200}")
        groups.setdefault(process, []).append(
            {
                "type": ["SecureLink", "Link"],
                "linkURL": event["eventID"],
                "linkName": f"{kind} {step} at {event['eventTime']}",
                "linkType": f"https://ref.gs1.org/epcis/{kind}",
                "hashDigest": hashlib.sha256(canonical_json(event)).hexdigest(),
                "hashMethod": "SHA-256",
                "encryptionMethod": "none",
            }
        )
    # Every step is an on-chain event and every lot traces back to registered mines (the contracts'
    # first invariant): all of the gold of each process is traced.
    return [
        {
            "type": ["TraceabilityPerformance"],
            "valueChainProcess": process,
            "verifiedRatio": 1.0,
            "traceabilityEvent": links,
        }
        for process, links in groups.items()
    ]
