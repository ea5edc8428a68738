"""The passport's Merkle tree and selective disclosure, checked offline and by the contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from passport_examples import DORE, ORE
from web3 import HTTPProvider, Web3

import filon
from filon._errors import InvalidInput
from filon._passports import PassportVersion, published_package
from filon.devchain import dev_accounts, start_anvil
from filon.passport import (
    Disclosure,
    DisclosureMismatch,
    Passport,
    build_tree,
    canonical_json,
    disclose,
    field_names,
    leaf_hash,
    passport_hash,
    verify_disclosure_offline,
)

FIELDS = list(field_names("1.0"))  # the passports below are 1.0: their trees have no receipt leaf
SALTS = {name: bytes([i + 1]) * 16 for i, name in enumerate(FIELDS)}
ABI_FILE = Path(filon.__file__).parent / "artifacts" / "FilonLots.json"


def hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


def test_there_is_one_leaf_per_top_level_field_none_included() -> None:
    tree = build_tree(ORE, SALTS)

    assert list(tree.leaves) == FIELDS
    assert ORE.notes is None
    assert tree.leaves["notes"] == keccak(
        keccak(encode(["string", "bytes16", "bytes"], ["notes", SALTS["notes"], b"null"]))
    )


def test_a_leaf_is_the_standard_merkle_tree_leaf_of_name_salt_canonical_value() -> None:
    tree = build_tree(ORE, SALTS)
    value = canonical_json(ORE.carbon)

    expected = keccak(keccak(encode(["string", "bytes16", "bytes"], ["carbon", SALTS["carbon"], value])))

    assert tree.leaves["carbon"] == expected
    assert leaf_hash("carbon", SALTS["carbon"], ORE.model_dump(mode="json")["carbon"]) == expected


def test_the_tree_is_openzeppelins_layout_sorted_leaves_in_a_complete_binary_tree() -> None:
    tree = build_tree(DORE, SALTS)
    leaves = sorted(tree.leaves.values())
    n = len(leaves)
    nodes: list[bytes] = [b""] * (2 * n - 1)
    for i, leaf in enumerate(leaves):
        nodes[2 * n - 2 - i] = leaf
    for i in reversed(range(n - 1)):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])

    assert tree.nodes == tuple(nodes)
    assert tree.root == nodes[0]


@pytest.mark.parametrize("field", FIELDS)
def test_every_proof_leads_to_the_root(field: str) -> None:
    tree = build_tree(DORE, SALTS)
    node = tree.leaves[field]

    for sibling in tree.proof(field):
        node = hash_pair(node, sibling)

    assert node == tree.root


def test_salts_are_random_by_default_and_the_root_depends_on_them() -> None:
    first, second = build_tree(ORE), build_tree(ORE)

    assert first.root != second.root
    assert all(len(salt) == 16 for salt in first.salts.values())
    assert build_tree(ORE, first.salts).root == first.root


def test_the_root_is_the_same_for_the_same_passport_and_salts_whatever_its_json_order() -> None:
    reordered = Passport.model_validate_json(json.dumps(dict(reversed(ORE.model_dump(mode="json").items()))))

    assert build_tree(reordered, SALTS).root == build_tree(ORE, SALTS).root


@pytest.mark.parametrize(
    "salts",
    [
        {name: salt for name, salt in SALTS.items() if name != "notes"},
        SALTS | {"extra": b"\0" * 16},
        SALTS | {"notes": b"\0" * 15},
    ],
    ids=["missing", "unknown", "short"],
)
def test_salts_must_be_sixteen_bytes_for_exactly_the_fields(salts: dict[str, bytes]) -> None:
    with pytest.raises(InvalidInput):
        build_tree(ORE, salts)


def test_a_disclosure_verifies_offline_and_round_trips_through_json() -> None:
    disclosure = disclose(DORE, SALTS, ["carbon", "quantity"], lot_id=301, version=2)

    restored = Disclosure.model_validate_json(disclosure.model_dump_json())

    verify_disclosure_offline(restored, root=build_tree(DORE, SALTS).root)
    assert restored == disclosure
    assert restored.root == "0x" + build_tree(DORE, SALTS).root.hex()
    assert (restored.lot_id, restored.version) == (301, 2)


def test_a_disclosure_of_one_field_reveals_no_other_value() -> None:
    disclosure = disclose(ORE, SALTS, ["carbon"])
    text = disclosure.model_dump_json()

    assert set(disclosure.fields) == {"carbon"}
    for secret in [
        "Mina Santa Rosa",
        "REINFO-2024-1187",
        "Puno",
        "Cooperativa",
        "850000",
        "2026-03-14",
        "ORE-2026-0042",
        "PLANT-0042",
        "-14.6",
        "Ministerio",
        "0x70997970",
    ]:
        assert secret not in text
    for name in FIELDS:
        if name != "carbon":
            assert SALTS[name].hex() not in text


def tampered(disclosure: Disclosure, field: str, **changes: Any) -> Disclosure:
    data = disclosure.model_dump(mode="json")
    data["fields"][field].update(changes)
    return Disclosure.model_validate(data)


CARBON = disclose(ORE, SALTS, ["carbon"])
FORGED_CARBON = {"kg_co2e": 1.0, "scope": [1, 2], "method": "GHG Protocol", "boundary": "mine gate"}


@pytest.mark.parametrize(
    ("disclosure", "reason"),
    [
        (tampered(CARBON, "carbon", value=FORGED_CARBON), "does not lead"),
        (tampered(CARBON, "carbon", salt="0x" + "00" * 16), "does not lead"),
        (tampered(CARBON, "carbon", salt="0x1234"), "salt"),
        (tampered(CARBON, "carbon", proof=CARBON.fields["carbon"].proof[:-1]), "does not lead"),
        (
            tampered(CARBON, "carbon", proof=["0x" + "11" * 32, *CARBON.fields["carbon"].proof[1:]]),
            "does not lead",
        ),
        (tampered(CARBON, "carbon", proof=["0xzz"]), "proof element"),
        (tampered(CARBON, "carbon", value={"kg_co2e": -1}), "not valid for this field"),
        (CARBON.model_copy(update={"root": "0x" + "22" * 32}), "does not lead"),
        (CARBON.model_copy(update={"fields": {"colour": CARBON.fields["carbon"]}}), "not a passport field"),
        (
            CARBON.model_copy(update={"fields": {"notes": CARBON.fields["carbon"]}}),
            "not valid for this field",
        ),
        (CARBON.model_copy(update={"fields": {}}), "no field"),
    ],
    ids=[
        "value",
        "salt",
        "bad-salt",
        "short-proof",
        "wrong-sibling",
        "bad-hex",
        "invalid-value",
        "root",
        "unknown-field",
        "moved-field",
        "empty",
    ],
)
def test_any_tampering_raises_disclosure_mismatch_naming_field_and_reason(
    disclosure: Disclosure, reason: str
) -> None:
    with pytest.raises(DisclosureMismatch, match=reason) as caught:
        verify_disclosure_offline(disclosure)

    assert isinstance(caught.value, ValueError)
    assert caught.value.field == next(iter(disclosure.fields), None)


def test_a_disclosure_against_another_root_is_refused() -> None:
    with pytest.raises(DisclosureMismatch, match="expected") as caught:
        verify_disclosure_offline(CARBON, root="0x" + "33" * 32)

    assert caught.value.field is None


def test_checking_only_some_fields_checks_exactly_those() -> None:
    """A reader of one field (the explorer's carbon roll-up) checks that field only: a forgery elsewhere in
    the package is not its concern, a forgery of the field it reads is still refused, and so is the root."""
    both = disclose(ORE, SALTS, ["carbon", "conformity"])
    forged_elsewhere = tampered(both, "conformity", salt="0x" + "00" * 16)
    forged_carbon = tampered(both, "carbon", value=FORGED_CARBON)
    root = build_tree(ORE, SALTS).root

    verify_disclosure_offline(forged_elsewhere, root=root, fields=["carbon"])
    with pytest.raises(DisclosureMismatch, match="does not lead") as caught:
        verify_disclosure_offline(forged_carbon, root=root, fields=["carbon"])
    with pytest.raises(DisclosureMismatch, match="expected"):
        verify_disclosure_offline(both, root="0x" + "33" * 32, fields=["carbon"])
    with pytest.raises(DisclosureMismatch, match="does not lead"):
        verify_disclosure_offline(forged_elsewhere, root=root)

    assert caught.value.field == "carbon"


def test_a_package_read_for_some_fields_holds_only_those(tmp_path: Path) -> None:
    """`published_package(..., fields)` hands back only what it checked, so a later reader of another field
    cannot get a value nobody verified; one field name given as a string is refused, not read as letters."""
    store = filon.DocumentStore(tmp_path)
    package = disclose(ORE, SALTS, ["carbon", "conformity", "notes"])
    cid = store.put(package.model_dump_json().encode())
    entry = PassportVersion(filon.LotId(1), 1, build_tree(ORE, SALTS).root, f"ipfs://{cid}")

    carbon_only = published_package(store, entry, ("carbon",))
    whole = published_package(store, entry)

    assert list(carbon_only.fields) == ["carbon"]
    assert carbon_only.fields["carbon"] == package.fields["carbon"]
    assert sorted(whole.fields) == ["carbon", "conformity", "notes"]
    with pytest.raises(TypeError, match="not one string"):
        published_package(store, entry, "carbon")


def test_disclosing_an_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidInput, match="colour"):
        disclose(ORE, SALTS, ["colour"])


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    with start_anvil() as node:
        yield node.url


def test_the_contract_accepts_the_proofs_and_rejects_tampered_ones(anvil_url: str) -> None:
    registrar_account, miner_account = dev_accounts(2)
    deployment = filon.deploy(anvil_url, registrar_account)
    registrar = filon.connect(anvil_url, deployment, registrar_account)
    registrar.register_participant(miner_account.address, filon.Role.MINE_OPERATOR)
    w3 = Web3(HTTPProvider(anvil_url))
    now = int(w3.eth.get_block("latest")["timestamp"])
    mine_id = registrar.register_mine(miner_account.address, b"\1" * 32, now + 10**8, "PE", b"\2" * 32, 10**9)
    tree = build_tree(ORE, SALTS)
    lot_id = filon.connect(anvil_url, deployment, miner_account).declare_lot(
        mine_id, fine_gold_mg=850_000, gross_mass_mg=1_000_000, passport_root=tree.root
    )
    with ABI_FILE.open(encoding="utf-8") as handle:
        lots = w3.eth.contract(
            address=Web3.to_checksum_address(deployment.address), abi=json.load(handle)["abi"]
        )
    verify = lots.functions.verifyPassportLeaf

    for field in FIELDS:
        assert verify(lot_id, tree.leaves[field], tree.proof(field)).call() is True

    disclosure = disclose(ORE, SALTS, ["carbon"], lot_id=lot_id)
    assert verify(lot_id, disclosure.leaf("carbon"), disclosure.proof("carbon")).call() is True
    forged = tampered(disclosure, "carbon", value=FORGED_CARBON)
    assert verify(lot_id, forged.leaf("carbon"), forged.proof("carbon")).call() is False
    wrong_sibling = [b"\x11" * 32, *tree.proof("carbon")[1:]]
    assert verify(lot_id, tree.leaves["carbon"], wrong_sibling).call() is False


def test_the_worked_example_in_docs_passport_md() -> None:
    passport = Passport.model_validate(
        {
            "lot": {"batch_id": "B-1"},
            "producer": {"name": "Mina Ejemplo"},
            "facility": {"name": "Mina Ejemplo", "country": "PE"},
            "production_date": "2026-01-15",
            "quantity": {"gross_mass_mg": 1000, "fineness_ppt": 850.5, "fine_gold_mg": 850},
            "carbon": {"kg_co2e": 0.25, "scope": [1], "method": "GHG Protocol", "boundary": "mine gate"},
        }
    )
    doc = (Path(__file__).resolve().parents[2] / "docs" / "passport.md").read_text(encoding="utf-8")

    tree = build_tree(passport, SALTS)

    assert len(canonical_json(passport)) == 526
    assert "0x" + tree.root.hex() == "0x66c5f69474ffd8b40de72e57fb2cec23e2d0bf80e5d7deccc9c4e04ace29a3b7"
    for name in FIELDS:
        value = canonical_json(passport.model_dump(mode="json")[name]).decode()
        assert f"| `{name}` | `{SALTS[name].hex()}` | `{value}` | `0x{tree.leaves[name].hex()}` |" in doc
    for node in tree.nodes:
        assert "0x" + node.hex() in doc
    assert "\n".join("0x" + node.hex() for node in tree.proof("carbon")) in doc
    assert passport_hash(passport).hex() in doc
