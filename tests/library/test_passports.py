"""Passports through the client on a real Anvil: publish, fetch and check, documents, disclosures, carbon."""

from __future__ import annotations

import datetime
import hashlib
import json
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from web3 import Web3

import filon
from filon._passports import check_disclosure
from filon.passport import CarbonEmissions, Document, DocumentType, Facility, MaterialInput, Party, Quantity
from standards import epcis_errors, untp_dpp_errors, verify_vc_jwt_independently, verify_with_did_jwt

from .helpers import Roles, World, nonce

PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187 ..."
CRAFT_PDF = b"%PDF-1.7 CRAFT assessment, Cooperativa Santa Rosa ..."


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _passport(
    *,
    fine: int,
    gross: int,
    kg_co2e: float | None,
    mine_id: int | None = 1,
    documents: tuple[bytes, ...] = (PERMIT_PDF,),
    parents: tuple[tuple[int, float], ...] = (),
    notes: str | None = None,
) -> filon.Passport:
    kinds = [DocumentType.MINING_PERMIT, DocumentType.CRAFT_ASSESSMENT]
    return filon.Passport(
        lot=filon.LotReference(batch_id="B-1"),
        producer=Party(name="Cooperativa Santa Rosa"),
        facility=Facility(mine_id=mine_id, name="Santa Rosa", country="PE", region="Arequipa"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=gross, fineness_ppt=round(1000 * fine / gross, 3), fine_gold_mg=fine),
        materials_provenance=[MaterialInput(lot_id=lot, mass_fraction=share) for lot, share in parents],
        conformity=[
            Document(type=kinds[i], issuer="MINEM", date=datetime.date(2026, 1, 5), sha256=_sha(doc))
            for i, doc in enumerate(documents)
        ],
        carbon=None
        if kg_co2e is None
        else CarbonEmissions(kg_co2e=kg_co2e, scope=[1, 2], method="GHG Protocol", boundary="cradle-to-gate"),
        notes=notes,
    )


@pytest.fixture
def client_with_store(world: World, tmp_path: Path) -> Callable[[LocalAccount | None], filon.Client]:
    """Clients that share one document store (as a deployment's participants and buyers would)."""

    def make(account: LocalAccount | None) -> filon.Client:
        return filon.connect(
            world.url, deployment=world.deployment, account=account, store=tmp_path / "store"
        )

    return make


def test_declared_passport_is_fetched_and_checked(
    client_with_store: Callable[[LocalAccount | None], filon.Client],
    roles: Roles,
    world: World,
    tmp_path: Path,
) -> None:
    miner = client_with_store(roles.miner)
    passport = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)

    lot_id = miner.declare_lot_with_passport(
        world.mine, passport, documents={"permit.pdf": PERMIT_PDF}, external_ref="P-1"
    )

    buyer = client_with_store(None)
    assert buyer.passport(lot_id) == passport
    (version,) = buyer.passport_versions(lot_id)
    assert (version.version, version.uri.startswith("ipfs://bafkrei")) == (1, True)
    assert buyer.lot(lot_id).passport_root == version.root
    assert buyer.store.get(filon.cid_for_sha256(_sha(PERMIT_PDF))) == PERMIT_PDF
    salts = (
        tmp_path
        / "salts"
        / f"{world.deployment.chain_id}-{world.deployment.address}"
        / f"lot-{lot_id}-v1.json"
    )
    assert stat.S_IMODE(salts.stat().st_mode) == 0o600
    assert set(json.loads(salts.read_text())) == set(filon.passport.field_names("1.0"))


def test_documents_are_verified_against_the_passport(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner = client_with_store(roles.miner)
    lot_id = miner.declare_lot_with_passport(
        world.mine, _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0), documents={"p": PERMIT_PDF}
    )
    miner.publish_passport(
        lot_id,
        _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0, documents=(PERMIT_PDF, CRAFT_PDF)),
        {"craft.pdf": CRAFT_PDF},
    )
    buyer = client_with_store(None)

    permit = buyer.verify_document(lot_id, PERMIT_PDF)
    craft = buyer.verify_document(lot_id, CRAFT_PDF)

    assert permit is not None and (permit.version, permit.field, permit.index) == (2, "conformity", 0)
    assert craft is not None and (craft.version, craft.index, craft.document.type) == (
        2,
        1,
        DocumentType.CRAFT_ASSESSMENT,
    )
    assert buyer.verify_document(lot_id, PERMIT_PDF + b" ") is None


def test_new_version_keeps_the_old_one_readable(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner = client_with_store(roles.miner)
    first = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    second = _passport(fine=850_000, gross=1_000_000, kg_co2e=3.5, notes="re-assayed")
    lot_id = miner.declare_lot_with_passport(world.mine, first)

    recorded = miner.publish_passport(lot_id, second)

    assert (recorded.lot_id, recorded.version) == (lot_id, 2)
    assert miner.passport(lot_id) == second
    assert miner.passport(lot_id, version=1) == first
    assert [v.version for v in miner.passport_versions(lot_id)] == [1, 2]
    with pytest.raises(filon.InvalidInput, match="has passport versions 1 to 2, not 3"):
        miner.passport(lot_id, version=3)


def test_one_field_disclosure_is_checked_on_chain(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner = client_with_store(roles.miner)
    passport = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    lot_id = miner.declare_lot_with_passport(world.mine, passport, public_fields=["facility"])
    disclosure = filon.disclose(
        passport, miner.passport_salts(lot_id, 1), ["carbon"], lot_id=lot_id, version=1
    )
    buyer = client_with_store(None)

    buyer.verify_disclosure(disclosure)

    text = disclosure.model_dump_json()
    assert "Cooperativa Santa Rosa" not in text and "Arequipa" not in text
    tampered = disclosure.model_copy(
        update={
            "fields": {
                "carbon": disclosure.fields["carbon"].model_copy(
                    update={"value": {**disclosure.fields["carbon"].value, "kg_co2e": 0.4}}  # type: ignore[dict-item]
                )
            }
        }
    )
    with pytest.raises(filon.DisclosureMismatch) as info:
        buyer.verify_disclosure(tampered)
    assert info.value.field == "carbon"
    wrong_version = disclosure.model_copy(update={"version": 2})
    with pytest.raises(filon.InvalidInput, match="not 2"):
        buyer.verify_disclosure(wrong_version)


def test_the_contract_is_asked_about_every_field_of_the_current_version(
    client_with_store: Callable[[LocalAccount | None], filon.Client],
    roles: Roles,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The offline check alone would pass these: what proves the contract is consulted is its calls."""
    miner = client_with_store(roles.miner)
    passport = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    lot_id = miner.declare_lot_with_passport(world.mine, passport)
    disclosure = filon.disclose(
        passport, miner.passport_salts(lot_id, 1), ["carbon", "facility"], lot_id=lot_id, version=1
    )
    buyer = client_with_store(None)
    asked: list[tuple[int, bytes, list[bytes]]] = []
    real_call = buyer._chain.call
    selector = Web3.keccak(text="verifyPassportLeaf(uint256,bytes32,bytes32[])")[:4]

    def recording_call(tx: Any, block: Any = "latest") -> bytes:
        data = bytes.fromhex(tx["data"][2:])
        if data[:4] == selector:
            lot, leaf, proof = abi_decode(["uint256", "bytes32", "bytes32[]"], data[4:])
            asked.append((lot, leaf, list(proof)))
        return real_call(tx, block)

    monkeypatch.setattr(buyer._chain, "call", recording_call)
    buyer.verify_disclosure(disclosure)
    assert asked == [
        (lot_id, disclosure.leaf(name), list(disclosure.proof(name))) for name in ("carbon", "facility")
    ]

    # Version 1 is no longer current once version 2 is recorded: its root is checked from the events only.
    miner.publish_passport(lot_id, _passport(fine=850_000, gross=1_000_000, kg_co2e=5.0))
    asked.clear()
    buyer.verify_disclosure(disclosure)
    assert asked == []


def test_a_refusal_by_the_contract_is_reported(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    """The contract checks proofs against the lot's current root: asked about another lot, it refuses, and
    the refusal is a `DisclosureMismatch` naming the field, never a pass."""
    miner = client_with_store(roles.miner)
    passport = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    lot_id = miner.declare_lot_with_passport(world.mine, passport)
    other = miner.declare_lot_with_passport(world.mine, _passport(fine=1_000, gross=2_000, kg_co2e=1.0))
    disclosure = filon.disclose(
        passport, miner.passport_salts(lot_id, 1), ["carbon"], lot_id=lot_id, version=1
    )
    buyer = client_with_store(None)

    def asks_about_the_other_lot(_: filon.LotId, leaf: bytes, proof: Sequence[bytes]) -> bool:
        return buyer.verify_passport_leaf(other, leaf, proof)

    with pytest.raises(filon.DisclosureMismatch) as refused:
        check_disclosure(buyer._reads, asks_about_the_other_lot, disclosure)
    assert refused.value.field == "carbon"
    assert "verifyPassportLeaf rejects its proof" in str(refused.value)
    assert buyer.verify_passport_leaf(lot_id, disclosure.leaf("carbon"), disclosure.proof("carbon")) is True


def test_withheld_fields_are_not_published(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner = client_with_store(roles.miner)
    lot_id = miner.declare_lot_with_passport(
        world.mine,
        _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0),
        public_fields=["carbon", "facility"],
    )
    buyer = client_with_store(None)

    with pytest.raises(filon.PassportWithheld) as info:
        buyer.passport(lot_id)

    assert info.value.disclosed == ("carbon", "facility")
    published = buyer.published_passport(lot_id)
    assert (published.lot_id, published.version, sorted(published.fields)) == (
        lot_id,
        1,
        ["carbon", "facility"],
    )


def test_missing_package_is_a_clear_error(
    client_with_store: Callable[[LocalAccount | None], filon.Client],
    roles: Roles,
    world: World,
    tmp_path: Path,
) -> None:
    lot_id = client_with_store(roles.miner).declare_lot_with_passport(
        world.mine, _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    )
    elsewhere = filon.connect(world.url, deployment=world.deployment, store=tmp_path / "empty")

    with pytest.raises(filon.PassportUnavailable, match=f"Lot {lot_id} passport version 1 .* is not in the"):
        elsewhere.passport(lot_id)


def test_uncited_document_is_refused_before_anything_is_sent(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner = client_with_store(roles.miner)
    before = nonce(world.url, roles.miner)

    with pytest.raises(filon.InvalidInput, match=r"'craft.pdf' .* is not cited"):
        miner.declare_lot_with_passport(
            world.mine,
            _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0),
            documents={"craft.pdf": CRAFT_PDF},
        )

    assert nonce(world.url, roles.miner) == before
    assert not miner.store.has(filon.cid_for_sha256(_sha(CRAFT_PDF)))


def test_carbon_rolls_up_a_merge_and_a_split(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    """Worked by hand: ore A (10 g fine, 4 kg CO2e, mine 1) and ore B (30 g fine, 6 kg, mine 2) merge into a
    doré of 39 g (own 2 kg), split into bars of 26 g and 13 g (own 0.3 kg for the split, 0.2 and 0.1 by fine
    gold). Doré = 4 + 6 + 2 = 12 kg. Bar of 26 g = 12 x 26/39 + 0.2 = 8.2 kg: 4 x 2/3 = 2.6667 from mine 1,
    6 x 2/3 = 4 from mine 2."""
    miner, miner2 = client_with_store(roles.miner), client_with_store(roles.miner2)
    plant, refiner = client_with_store(roles.plant), client_with_store(roles.refiner)
    ore_a = miner.declare_lot_with_passport(world.mine, _passport(fine=10_000, gross=50_000, kg_co2e=4.0))
    ore_b = miner2.declare_lot_with_passport(
        world.mine2, _passport(fine=30_000, gross=90_000, kg_co2e=6.0, mine_id=2)
    )
    miner.transfer(ore_a, roles.plant.address)
    miner2.transfer(ore_b, roles.plant.address)
    dore_passport = _passport(
        fine=39_000, gross=45_000, kg_co2e=2.0, mine_id=None, parents=((ore_a, 0.25), (ore_b, 0.75))
    )
    prepared = filon.prepare_passport(dore_passport, plant.store)
    (dore,) = plant.transform(
        [ore_a, ore_b],
        [filon.LotOutput(filon.Form.DORE, 39_000, 45_000)],
        passport_root=prepared.root,
        passport_uri=prepared.uri,
    )
    plant.transfer(dore, roles.refiner.address)
    bars_passport = _passport(fine=26_000, gross=26_000, kg_co2e=0.2, mine_id=None, parents=((dore, 1.0),))
    bars_prepared = filon.prepare_passport(bars_passport, refiner.store)
    bars = refiner.transform(
        [dore],
        [
            filon.LotOutput(filon.Form.REFINED, 26_000, 26_000),
            filon.LotOutput(filon.Form.REFINED, 13_000, 13_000),
        ],
        passport_root=bars_prepared.root,
        passport_uri=bars_prepared.uri,
    )
    refiner.publish_passport(
        bars[1], _passport(fine=13_000, gross=13_000, kg_co2e=0.1, mine_id=None, parents=((dore, 1.0),))
    )

    footprint = client_with_store(None).carbon(bars[0])

    assert footprint.total_kg_co2e == pytest.approx(8.2)
    assert footprint.by_mine == {1: pytest.approx(8 / 3), 2: pytest.approx(4.0)}
    assert footprint.transformations_kg_co2e == pytest.approx(12 * 26 / 39 - 10 * 26 / 39 + 0.2)


def test_a_passport_exports_as_a_untp_credential_anyone_verifies_without_the_chain(
    client_with_store: Callable[[LocalAccount | None], filon.Client], roles: Roles, world: World
) -> None:
    miner, plant = client_with_store(roles.miner), client_with_store(roles.plant)
    ore = miner.declare_lot_with_passport(
        world.mine, _passport(fine=10_000, gross=50_000, kg_co2e=4.0), external_ref="ORE-1"
    )
    miner.transfer(ore, roles.plant.address)
    (dore,) = plant.transform_with_passport(
        [ore],
        [filon.LotOutput(filon.Form.DORE, 9_000, 9_500)],
        _passport(fine=9_000, gross=9_500, kg_co2e=1.0, mine_id=None, parents=((ore, 1.0),)),
    )

    document = client_with_store(None).epcis(dore)
    credential = plant.passport_credential(dore, issuer_name="Planta Beneficio Sur")
    token = plant.passport_credential_jwt(dore)

    assert epcis_errors(document) == []
    events = document["epcisBody"]["eventList"]
    assert [e["type"] for e in events] == ["ObjectEvent", "ObjectEvent", "TransformationEvent"]
    assert untp_dpp_errors(credential) == []
    assert filon.verify_credential(credential) == roles.plant.address
    assert filon.verify_credential(token) == roles.plant.address
    address, claims = verify_vc_jwt_independently(token)
    assert address == roles.plant.address
    assert verify_with_did_jwt(token)["issuer"] == f"did:pkh:eip155:{world.deployment.chain_id}:{address}"
    assert untp_dpp_errors(claims["vc"]) == []
    assert claims["vc"]["issuer"]["name"] == roles.plant.address  # no name given, no record: its address
    record = filon.ParticipantRecord(name="Planta de Beneficio Sur S.A.C.", country="PE")
    client_with_store(roles.registrar).publish_participant_record(roles.plant.address, record)
    assert plant.passport_credential(dore)["issuer"]["name"] == "Planta de Beneficio Sur S.A.C."
    subject = credential["credentialSubject"]
    assert credential["issuer"]["name"] == "Planta Beneficio Sur"
    assert subject["product"]["name"] == f"Gold doré lot {dore}"
    assert (
        subject["product"]["furtherInformation"][0]["linkURL"]
        == client_with_store(None).lot(dore).passport_uri
    )
    assert subject["materialsProvenance"] == [
        {"type": ["Material"], "name": f"Gold from lot {ore}", "massFraction": 1.0, "originCountry": "PE"}
    ]
    linked = [
        (process["valueChainProcess"], link["linkURL"], link["hashDigest"])
        for process in subject["traceabilityInformation"]
        for link in process["traceabilityEvent"]
    ]
    assert sorted(linked) == sorted(
        (process, e["eventID"], hashlib.sha256(filon.canonical_json(e)).hexdigest())
        for process, e in zip(("Mining", "Shipping", "Processing"), events, strict=True)
    )
    with pytest.raises(filon.AccountRequired):
        client_with_store(None).passport_credential(dore)


def test_salts_are_kept_before_sending_so_a_crash_cannot_lose_them(
    client_with_store: Callable[[LocalAccount | None], filon.Client],
    roles: Roles,
    world: World,
    tmp_path: Path,
) -> None:
    miner = client_with_store(roles.miner)
    passport = _passport(fine=850_000, gross=1_000_000, kg_co2e=4.0)
    lot_id = miner.declare_lot_with_passport(world.mine, passport)
    folder = tmp_path / "salts" / f"{world.deployment.chain_id}-{world.deployment.address}"
    (folder / f"lot-{lot_id}-v1.json").unlink()  # as if the process died right after the receipt

    salts = miner.passport_salts(lot_id, 1)

    root = miner.passport_versions(lot_id)[0].root
    assert filon.build_tree(passport, salts).root == root
    assert stat.S_IMODE((folder / f"root-{root.hex()}.json").stat().st_mode) == 0o600
    elsewhere = filon.connect(world.url, deployment=world.deployment, store=tmp_path / "elsewhere" / "store")
    with pytest.raises(filon.PassportUnavailable, match=f"No salts are kept for lot {lot_id} version 1"):
        elsewhere.passport_salts(lot_id, 1)
