"""`filon lot assay`: the plant records a receipt and its assays as the ore lot's next passport version, for
one lot or a CSV of many (bad rows reported by their number, nothing sent for them)."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import filon
from filon.passport import Assay, Document, DocumentType, Receipt

from .helpers import PERMIT_PDF, Filon, World, ok_json, one_error, write_passport

CERTIFICATE = b"%PDF-1.4 SGS Lima assay certificate 2026-1187"


def _ore_at_plant(world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon, ref: str) -> int:
    (tmp_path / "permit.pdf").write_bytes(PERMIT_PDF)
    passport = write_passport(tmp_path / f"{ref}.json", mine_id=1, fine_mg=500_000, gross_mg=40_000_000)
    declared = ok_json(
        filon_cli(
            "lot", "declare", "--mine", "1", "--passport", str(passport),
            "--document", str(tmp_path / "permit.pdf"), "--external-ref", ref,
            "--account", str(keys["miner"]), "--json",
        )
    )  # fmt: skip
    lot_id: int = declared["lot_id"]
    ok_json(
        filon_cli(
            "lot", "transfer", str(lot_id), world.plant.address, "--account", str(keys["miner"]), "--json"
        )
    )
    return lot_id


def test_the_plant_records_a_receipt_with_its_certificate(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    lot_id = _ore_at_plant(world, keys, tmp_path, filon_cli, "ASSAY-1")
    (tmp_path / "sgs-1187.pdf").write_bytes(CERTIFICATE)
    report = ok_json(
        filon_cli(
            "lot", "assay", str(lot_id), "--sample-g-t", "12.5", "--counter-g-t", "12.1",
            "--moisture-pct", "8", "--lab", "SGS Lima", "--counter-lab", "ALS Lima",
            "--certificate", str(tmp_path / "sgs-1187.pdf"), "--date", "2026-11-03",
            "--account", str(keys["plant"]), "--json",
        )
    )  # fmt: skip
    assert (report["lot_id"], report["version"]) == (lot_id, 2)

    reader = world.client(store=tmp_path / "store")
    passport = reader.passport(filon.LotId(lot_id))
    digest = hashlib.sha256(CERTIFICATE).hexdigest()
    assert passport.schema_version == "1.1"
    assert passport.receipt == Receipt(
        received_on=datetime.date(2026, 11, 3),
        wet_mass_mg=40_000_000,  # the lot's declared gross mass
        moisture_pct=8.0,
        dry_mass_mg=36_800_000,
        sample=Assay(lab="SGS Lima", grade_g_t=12.5, certificate_sha256=digest),
        counter_sample=Assay(lab="ALS Lima", grade_g_t=12.1),
    )
    assert passport.conformity[-1] == Document(
        type=DocumentType.ASSAY_CERTIFICATE,
        issuer="SGS Lima",
        date=datetime.date(2026, 11, 3),
        sha256=digest,
        name="sgs-1187.pdf",
    )
    assert passport.carbon == reader.passport(filon.LotId(lot_id), 1).carbon  # the rest is kept
    match = reader.verify_document(filon.LotId(lot_id), CERTIFICATE)
    assert match is not None and (match.version, match.field) == (2, "conformity")

    assert one_error(
        filon_cli(
            "lot", "assay", str(lot_id), "--sample-g-t", "12.5", "--counter-g-t", "12.1",
            "--moisture-pct", "100", "--lab", "SGS Lima", "--account", str(keys["plant"]),
        )
    ) == f"The receipt of lot {lot_id}: moisture_pct: Input should be less than 100"  # fmt: skip
    assert (
        one_error(
            filon_cli("lot", "assay", str(lot_id), "--sample-g-t", "12.5", "--account", str(keys["plant"]))
        )
        == "Give --counter-g-t, --moisture-pct, --lab"
    )


def test_a_csv_of_lots_reports_bad_rows_by_number_and_sends_nothing_for_them(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    first = _ore_at_plant(world, keys, tmp_path, filon_cli, "ASSAY-CSV-1")
    second = _ore_at_plant(world, keys, tmp_path, filon_cli, "ASSAY-CSV-2")
    kept = ok_json(
        filon_cli(
            "lot", "declare", "--mine", "1", "--passport",
            str(write_passport(tmp_path / "kept.json", mine_id=1, fine_mg=500_000, gross_mg=40_000_000)),
            "--document", str(tmp_path / "permit.pdf"), "--account", str(keys["miner"]), "--json",
        )
    )["lot_id"]  # fmt: skip
    ledger = tmp_path / "assays.csv"
    ledger.write_text(
        "lot_id,sample_g_t,counter_g_t,moisture_pct,lab,counter_lab,umpire_g_t,umpire_lab,wet_mass_kg,date\n"
        f"{first},10.2,9.8,6.5,SGS Lima,,,,,2026-11-04\n"
        f"{second},abc,9.8,6.5,SGS Lima,,,,,\n"
        f"{second},31.0,18.0,5,SGS Lima,ALS Lima,22.4,Inspectorate,41.5,2026-11-04\n"
        f"{kept},10,10,5,SGS Lima,,,,,\n"
        f"{first},10,10,5,SGS Lima,,22,,,\n"
    )
    code, out, err = filon_cli("lot", "assay", "--csv", str(ledger), "--account", str(keys["plant"]))
    assert code == 1
    assert out.splitlines() == [
        f"row 2: lot {first} passport version 2",
        f"row 4: lot {second} passport version 2",
        "2 recorded, 3 rejected",
    ]
    assert err.splitlines() == [
        "row 3: rejected, nothing sent: sample_g_t: 'abc' is not a number",
        f"row 5: rejected, nothing sent: {world.plant.address} is not the holder of lot {kept} "
        f"(held by {world.miner.address}) nor approved for it.",
        "row 6: rejected, nothing sent: umpire_g_t and umpire_lab go together",
    ]
    reader = world.client(store=tmp_path / "store")
    receipt = reader.passport(filon.LotId(second)).receipt
    assert receipt is not None
    assert (receipt.wet_mass_mg, receipt.dry_mass_mg, receipt.moisture_pct) == (41_500_000, 39_425_000, 5.0)
    assert receipt.umpire == Assay(lab="Inspectorate", grade_g_t=22.4)
    assert len(reader.passport_versions(filon.LotId(kept))) == 1
