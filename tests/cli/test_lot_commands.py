"""`filon lot declare|transfer|transform|show|history|provenance` and `filon passport ...` on a real Anvil."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import filon

from .helpers import PERMIT_PDF, Filon, World, ok_json, one_error, write_passport

ROOT = "0x" + "ab" * 32


def _declare(
    keys: dict[str, Path], tmp_path: Path, filon_cli: Filon, ref: str, fine_mg: int = 850_000
) -> int:
    (tmp_path / "permit.pdf").write_bytes(PERMIT_PDF)
    passport = write_passport(tmp_path / f"{ref}.json", mine_id=1, fine_mg=fine_mg, gross_mg=40_000_000)
    report = ok_json(
        filon_cli(
            "lot", "declare", "--mine", "1", "--passport", str(passport),
            "--document", str(tmp_path / "permit.pdf"), "--external-ref", ref,
            "--account", str(keys["miner"]), "--json",
        )
    )  # fmt: skip
    lot_id: int = report["lot_id"]
    assert report == {
        "lot_id": lot_id,
        "mine_id": 1,
        "fine_gold_mg": fine_mg,
        "gross_mass_mg": 40_000_000,
        "external_ref": ref,
    }
    return lot_id


def test_declare_with_a_passport_then_show_and_history(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    lot_id = _declare(keys, tmp_path, filon_cli, "PLANT-0001")

    shown = ok_json(filon_cli("lot", "show", str(lot_id), "--json"))
    history = ok_json(filon_cli("lot", "history", str(lot_id), "--json"))

    lot = world.client().lot(filon.LotId(lot_id))
    assert shown == {
        "id": lot_id,
        "holder": world.miner.address,
        "form": "ore",
        "fine_gold_mg": 850_000,
        "gross_mass_mg": 40_000_000,
        "mine_id": 1,
        "parents": [],
        "consumed": False,
        "passport_root": "0x" + lot.passport_root.hex(),
        "passport_version": 1,
        "passport_uri": lot.passport_uri,
        "external_ref": "PLANT-0001",
        "holder_party": {"address": world.miner.address, "name": None, "role": "mine_operator"},
        "mine_name": None,
        "mine_region": None,
        "serial": None,
        "refiner": None,
        "brand": None,
    }
    assert lot.passport_uri.startswith("ipfs://")
    (declared,) = history["events"]
    assert history["lot_id"] == lot_id
    assert {key: declared[key] for key in ("event", "lot_id", "holder", "mine_id", "external_ref")} == {
        "event": "declared",
        "lot_id": lot_id,
        "holder": world.miner.address,
        "mine_id": 1,
        "external_ref": "PLANT-0001",
    }
    code, out, err = filon_cli("lot", "show", str(lot_id))
    assert (code, err) == (0, "")
    assert f"Lot {lot_id}" in out and "850 g" in out and "40 kg" in out and "PLANT-0001" in out


def test_declare_with_a_root_you_built(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    code, out, err = filon_cli(
        "lot", "declare", "--mine", "1", "--fine-gold-g", "0.85", "--gross-mass-kg", "0.04",
        "--passport-root", ROOT, "--passport-uri", "https://example.org/p", "--account", str(keys["miner"]),
    )  # fmt: skip

    assert (code, err) == (0, "")
    lot_id = int(out.split()[1])
    assert out == f"Lot {lot_id} declared from mine 1: 0.85 g fine gold\n"
    lot = world.client().lot(filon.LotId(lot_id))
    assert (lot.fine_gold_mg, lot.gross_mass_mg, lot.passport_uri) == (850, 40_000, "https://example.org/p")


def test_transfer_transform_and_provenance(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    first = _declare(keys, tmp_path, filon_cli, "PLANT-0002", fine_mg=600_000)
    second = _declare(keys, tmp_path, filon_cli, "PLANT-0003", fine_mg=400_000)
    miner = ("--account", str(keys["miner"]), "--json")
    moved = [
        ok_json(filon_cli("lot", "transfer", str(lot), world.plant.address, *miner))
        for lot in (first, second)
    ]
    dore = write_passport(tmp_path / "dore.json", mine_id=None, fine_mg=990_000, gross_mg=1_100_000)

    transformed = ok_json(
        filon_cli(
            "lot", "transform", "--input", str(first), "--input", str(second),
            "--output", "dore:990:1100", "--passport", str(dore), "--document", str(tmp_path / "permit.pdf"),
            "--account", str(keys["plant"]), "--json",
        )
    )  # fmt: skip
    (output,) = transformed["outputs"]
    provenance = ok_json(filon_cli("lot", "provenance", str(output["lot_id"]), "--json"))

    assert [m["to"] for m in moved] == [world.plant.address] * 2
    assert [m["from"] for m in moved] == [world.miner.address] * 2
    assert transformed["inputs"] == [first, second]
    assert output == {"lot_id": output["lot_id"], "form": "dore", "fine_gold_mg": 990_000, "serial": None}
    assert provenance["lot_id"] == output["lot_id"]
    assert sorted(provenance["edges"]) == sorted([[first, output["lot_id"]], [second, output["lot_id"]]])
    assert provenance["ore_lots"] == sorted([first, second])
    assert provenance["lots"][str(first)]["consumed"] is True
    assert list(provenance["mines"]) == ["1"] and provenance["mines"]["1"]["status"] == "active"
    plant = world.client(world.plant, store=tmp_path / "store")
    assert plant.passport(filon.LotId(output["lot_id"])).quantity.fine_gold_mg == 990_000
    assert set(plant.passport_salts(filon.LotId(output["lot_id"]), 1)) >= {"quantity", "carbon"}
    code, out, err = filon_cli("lot", "provenance", str(output["lot_id"]))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"Lot {output['lot_id']}: dore, 990 g fine gold"
    assert f"Lot {first}: ore, 600 g fine gold, from mine 1 (active, PE)" in out


def test_publish_verify_and_disclose(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    lot_id = _declare(keys, tmp_path, filon_cli, "PLANT-0004")
    assay = b"%PDF-1.7 assay certificate 0004"
    (tmp_path / "assay.pdf").write_bytes(assay)
    (tmp_path / "forged.pdf").write_bytes(b"%PDF-1.7 forged")
    v2 = write_passport(
        tmp_path / "v2.json", mine_id=1, fine_mg=850_000, gross_mg=40_000_000, documents=(PERMIT_PDF, assay)
    )

    published = ok_json(
        filon_cli(
            "passport", "publish", str(lot_id), str(v2), "--document", str(tmp_path / "assay.pdf"),
            "--public", "lot", "--public", "quantity", "--public", "conformity",
            "--account", str(keys["miner"]), "--json",
        )
    )  # fmt: skip
    verified = ok_json(
        filon_cli("passport", "verify", str(lot_id), "--document", str(tmp_path / "assay.pdf"), "--json")
    )
    forged = filon_cli("passport", "verify", str(lot_id), "--document", str(tmp_path / "forged.pdf"))
    withheld = filon_cli("passport", "disclose", str(lot_id), "carbon", "--out", str(tmp_path / "no.json"))
    disclosed = ok_json(
        filon_cli(
            "passport", "disclose", str(lot_id), "carbon", "--version", "2", "--passport", str(v2),
            "--out", str(tmp_path / "carbon.json"), "--json",
        )
    )  # fmt: skip

    lot = world.client().lot(filon.LotId(lot_id))
    assert published == {
        "lot_id": lot_id,
        "version": 2,
        "root": "0x" + lot.passport_root.hex(),
        "uri": lot.passport_uri,
        "public": ["lot", "quantity", "conformity"],
    }
    assert verified == {
        "lot_id": lot_id,
        "version": 2,
        "root": "0x" + lot.passport_root.hex(),
        "published": ["lot", "quantity", "conformity"],
        "withheld": ["schema_version", "producer", "facility", "production_date", "materials_provenance",
                     "carbon", "notes"],
        "document": {
            "path": str(tmp_path / "assay.pdf"),
            "sha256": hashlib.sha256(assay).hexdigest(),
            "version": 2,
            "field": "conformity",
            "index": 1,
            "type": "mining_permit",
            "issuer": "MINEM",
            "date": "2026-01-05",
        },
    }  # fmt: skip
    forged_sha = hashlib.sha256(b"%PDF-1.7 forged").hexdigest()
    assert one_error(forged) == (
        f"{tmp_path / 'forged.pdf'} (SHA-256 {forged_sha}) matches no document cited by lot {lot_id}'s "
        "passport: it is altered or belongs to something else"
    )
    assert one_error(withheld).endswith("give --passport FILE, the full passport, to disclose from it")
    assert disclosed == {
        "lot_id": lot_id,
        "version": 2,
        "fields": ["carbon"],
        "out": str(tmp_path / "carbon.json"),
    }
    proof = filon.Disclosure.model_validate_json((tmp_path / "carbon.json").read_text())
    assert list(proof.fields) == ["carbon"] and proof.fields["carbon"].value["kg_co2e"] == 12.5
    world.client().verify_disclosure(proof)
    code, out, err = filon_cli("passport", "verify", str(lot_id))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        f"Lot {lot_id} passport version 2 checks out against the chain (root {published['root']})"
    )
    assert json.loads((tmp_path / "carbon.json").read_text())["version"] == 2


def test_a_refiner_stamps_its_bars_and_finds_them_by_serial(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    ore = _declare(keys, tmp_path, filon_cli, "PLANT-0009", fine_mg=500_000)
    ok_json(
        filon_cli(
            "lot", "transfer", str(ore), world.refiner.address, "--account", str(keys["miner"]), "--json"
        )
    )
    bars = write_passport(tmp_path / "bars.json", mine_id=None, fine_mg=200_000, gross_mg=200_000)
    refiner = ("--account", str(keys["refiner"]))

    transformed = ok_json(
        filon_cli(
            "lot", "transform", "--input", str(ore), "--output", "refined:200:200:RAM-2026:000123",
            "--output", "refined:200:200", "--output", "dore:90:100", "--passport", str(bars),
            "--document", str(tmp_path / "permit.pdf"), *refiner, "--json",
        )
    )  # fmt: skip
    stamped, plain, dore = (output["lot_id"] for output in transformed["outputs"])
    code, out, err = filon_cli("lot", "serial", str(plain), "RAM-2026-000124", *refiner)
    found = ok_json(filon_cli("lot", "find-serial", world.refiner.address, "RAM-2026:000123", "--json"))
    shown = ok_json(filon_cli("lot", "show", str(stamped), "--json"))

    assert [output["serial"] for output in transformed["outputs"]] == ["RAM-2026:000123", None, None]
    assert (code, err) == (0, "")
    assert out.startswith(f"Lot {plain} has serial number RAM-2026-000124 (0x")
    assert found == {"refiner": world.refiner.address, "serial": "RAM-2026:000123", "lot_id": stamped}
    assert (shown["serial"], shown["refiner"], shown["brand"]) == (
        "RAM-2026:000123",
        world.refiner.address,
        None,
    )
    code, out, err = filon_cli("lot", "show", str(plain))
    assert (code, err) == (0, "")
    assert "│ serial          │ RAM-2026-000124 " in out
    assert f"│ brand (refiner) │ {world.refiner.address} " in out
    assert one_error(filon_cli("lot", "find-serial", world.refiner.address, "RAM-2026-999999")) == (
        f"{world.refiner.address} gave no lot the serial number 'RAM-2026-999999'"
    )
    assert one_error(filon_cli("lot", "serial", str(dore), "RAM-2026-000125", *refiner)) == (
        f"Lot {dore} is dore, not refined: only refined lots get serial numbers."
    )
    assert one_error(filon_cli("lot", "serial", str(plain), "RAM-2026-000123", *refiner)) == (
        f"Lot {plain} already has serial number 'RAM-2026-000124', which never changes."
    )
