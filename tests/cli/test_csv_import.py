"""`filon lot declare --from-csv`: a plant's ore-intake ledger, bad rows skipped, reruns idempotent."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest

import filon

from .helpers import PERMIT_PDF, Filon, World, ok_json, one_error

ONLY_BESIDE = "(only files beside it are read)"
HEADER = b"mine_id,gross_mass_kg,grade_g_per_t,fine_gold_g,date,external_ref,documents\n"


def _ledger(tmp_path: Path, rows: list[bytes], name: str = "intake.csv") -> Path:
    (tmp_path / "permit.pdf").write_bytes(PERMIT_PDF)
    path = tmp_path / name
    path.write_bytes(HEADER + b"".join(row + b"\n" for row in rows))
    return path


def _mixed(prefix: str) -> list[bytes]:
    p = prefix.encode()
    return [
        b"1,40000,21.25,,2026-11-02,%s-1,permit.pdf" % p,
        b"1,1200.5,,25.5,2026-11-03,%s-2," % p,
        b"1,-5,20,,2026-11-03,%s-3," % p,
        b"99,100,20,,2026-11-03,%s-4," % p,
        b"1,100,20,,2026-13-01,%s-5," % p,
        b"1,100,20,,2026-11-03,%s-6,missing.pdf" % p,
        b"1,100,20,,2026-11-03,%s-\xff7," % p,
        b"1,2000000,20,,2026-11-03,%s-8," % p,
        b"1,abc,20,,2026-11-03,%s-9," % p,
        b"1,100,,,2026-11-03,%s-10," % p,
        b"2,100,20,,2026-11-03,%s-11," % p,
        b",100,20,,2026-11-03,,",
    ]


def _rejections(world: World) -> list[str]:
    return [
        "Row 4: gross_mass_kg: -5 is not positive",
        "Row 5: mine 99 is not registered",
        "Row 6: date: '2026-13-01' is not a YYYY-MM-DD date",
        "Row 7: cannot read document missing.pdf: No such file or directory",
        "Row 8: holds bytes that are not UTF-8",
        "Row 9: gross_mass_kg 2000000 is implausible (more than 1000000 kg)",
        "Row 10: gross_mass_kg: 'abc' is not a number",
        "Row 11: grade_g_per_t or fine_gold_g is missing",
        f"Row 12: {world.miner.address} is not the operator of mine 2.",
        "Row 13: external_ref is missing",
    ]


@pytest.fixture
def prefix() -> str:
    return "CSV-" + uuid.uuid4().hex[:8]


def _import(filon_cli: Filon, keys: dict[str, Path], path: Path, *extra: str) -> tuple[int, str, str]:
    return filon_cli("lot", "declare", "--from-csv", str(path), "--account", str(keys["miner"]), *extra)


def test_good_rows_go_in_bad_rows_are_reported_and_skipped(
    world: World, keys: dict[str, Path], tmp_path: Path, prefix: str, filon_cli: Filon
) -> None:
    ledger = _ledger(tmp_path, _mixed(prefix))

    code, out, err = _import(filon_cli, keys, ledger, "--json", "--producer-name", "Planta Chala")

    assert code == 1
    assert err.splitlines() == _rejections(world)
    report = ok_json((0, out, ""))
    client = world.client(store=tmp_path / "store")
    first = client.lot_by_external_ref(world.miner.address, f"{prefix}-1")
    second = client.lot_by_external_ref(world.miner.address, f"{prefix}-2")
    assert report["declared"] == [
        {"row": 2, "external_ref": f"{prefix}-1", "lot_id": first},
        {"row": 3, "external_ref": f"{prefix}-2", "lot_id": second},
    ]
    assert report["already_declared"] == []
    assert [r["row"] for r in report["rejected"]] == list(range(4, 14))
    assert first is not None and second is not None
    lots = [client.lot(first), client.lot(second)]
    assert [(lot.mine_id, lot.fine_gold_mg, lot.gross_mass_mg) for lot in lots] == [
        (1, 850_000, 40_000_000_000),
        (1, 25_500, 1_200_500_000),
    ]
    passport = client.passport(first)
    assert (passport.producer.name, passport.producer.address) == ("Planta Chala", world.miner.address)
    assert (passport.facility.mine_id, passport.facility.country) == (1, "PE")
    assert passport.production_date.isoformat() == "2026-11-02"
    assert [doc.sha256 for doc in passport.conformity] == [hashlib.sha256(PERMIT_PDF).hexdigest()]
    assert client.verify_document(first, PERMIT_PDF) is not None


def test_a_rerun_declares_nothing_twice(
    world: World, keys: dict[str, Path], tmp_path: Path, prefix: str, filon_cli: Filon
) -> None:
    ledger = _ledger(tmp_path, _mixed(prefix))
    _import(filon_cli, keys, ledger)
    count = world.client().lot_count()

    code, out, err = _import(filon_cli, keys, ledger)

    assert code == 1
    assert err.splitlines() == _rejections(world)
    assert out == "0 declared, 2 already there, 10 rejected\n"
    assert world.client().lot_count() == count


def test_an_interrupted_import_resumes_where_it_stopped(
    world: World,
    keys: dict[str, Path],
    tmp_path: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    filon_cli: Filon,
) -> None:
    ledger = _ledger(
        tmp_path, [b"1,1000,10,,2026-11-0%d,%s-%d," % (i, prefix.encode(), i) for i in range(1, 5)]
    )
    declare = filon.Client.declare_lots_with_passports
    batches: list[list[str]] = []

    def flaky(self: filon.Client, lots: Any) -> list[filon.LotId | filon.FilonError]:
        batches.append([lot.external_ref for lot in lots])
        if len(batches) == 2:  # the node is gone before the second batch is sent
            raise filon.RpcUnavailable(
                f"Cannot reach {world.anvil.url}: connection refused", url=world.anvil.url
            )
        return declare(self, lots)

    monkeypatch.setattr(filon.Client, "declare_lots_with_passports", flaky)
    interrupted = _import(filon_cli, keys, ledger, "--batch", "2")
    monkeypatch.setattr(filon.Client, "declare_lots_with_passports", declare)
    resumed = _import(filon_cli, keys, ledger)

    lot_of = {i: world.client().lot_by_external_ref(world.miner.address, f"{prefix}-{i}") for i in (1, 2)}
    assert batches == [[f"{prefix}-1", f"{prefix}-2"], [f"{prefix}-3", f"{prefix}-4"]]
    assert one_error(interrupted) == (
        f"Row 4 ({prefix}-3): Cannot reach {world.anvil.url}: connection refused. Declared before it: "
        f"{prefix}-1 (lot {lot_of[1]}), {prefix}-2 (lot {lot_of[2]}). Run the same command again to resume."
    )
    assert resumed == (
        0,
        "".join(
            f"Row {row}: lot {lot} declared ({prefix}-{row - 1})\n"
            for row, lot in (
                (4, world.client().lot_by_external_ref(world.miner.address, f"{prefix}-3")),
                (5, world.client().lot_by_external_ref(world.miner.address, f"{prefix}-4")),
            )
        )
        + "2 declared, 2 already there, 0 rejected\n",
        "",
    )


def test_a_reference_the_chain_already_knows_counts_as_already_there(
    world: World,
    keys: dict[str, Path],
    tmp_path: Path,
    prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    filon_cli: Filon,
) -> None:
    ledger = _ledger(tmp_path, [b"1,1000,10,,2026-11-01,%s-1," % prefix.encode()])
    _import(filon_cli, keys, ledger)
    lot_id = world.client().lot_by_external_ref(world.miner.address, f"{prefix}-1")
    # As if another import declared it between this one's check and its send.
    monkeypatch.setattr(filon.Client, "lot_by_external_ref", lambda self, issuer, ref: None)

    report = ok_json(_import(filon_cli, keys, ledger, "--json"))

    assert report["declared"] == [] and report["rejected"] == []
    assert report["already_declared"] == [{"row": 2, "external_ref": f"{prefix}-1", "lot_id": lot_id}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "{path} is empty: expected a header row with gross_mass_kg, date, external_ref"),
        (
            b"mine_id,gross_kg,date\n1,2,2026-01-01\n",
            "{path} is not an ore-intake ledger: no column gross_mass_kg, external_ref, "
            "grade_g_per_t or fine_gold_g",
        ),
        (
            b"mine_id,gross_mass_kg,\xff\n",
            "{path} is not a UTF-8 CSV file: its header holds bytes that are not UTF-8",
        ),
    ],
)
def test_a_malformed_ledger_is_one_clear_line(
    keys: dict[str, Path], tmp_path: Path, content: bytes, message: str, filon_cli: Filon
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)

    assert one_error(_import(filon_cli, keys, path)) == message.format(path=path)


def test_from_csv_refuses_single_lot_options(keys: dict[str, Path], tmp_path: Path, filon_cli: Filon) -> None:
    ledger = _ledger(tmp_path, [])

    result = _import(filon_cli, keys, ledger, "--fine-gold-g", "1", "--external-ref", "X")

    assert one_error(result) == "--from-csv takes every lot from the file: drop --fine-gold-g, --external-ref"


def test_a_ledger_without_mine_ids_takes_the_mine_option(
    world: World, keys: dict[str, Path], tmp_path: Path, prefix: str, filon_cli: Filon
) -> None:
    ledger = tmp_path / "one-mine.csv"
    ledger.write_text(f"gross_mass_kg,fine_gold_g,date,external_ref\n500,12.345,2026-11-05,{prefix}-1\n")

    without = _import(filon_cli, keys, ledger)
    report = ok_json(_import(filon_cli, keys, ledger, "--mine", "1", "--json"))

    assert one_error(without) == f"{ledger} is not an ore-intake ledger: no column mine_id (or give --mine)"
    (declared,) = report["declared"]
    lot = world.client().lot(declared["lot_id"])
    assert (lot.mine_id, lot.fine_gold_mg, lot.gross_mass_mg, lot.external_ref) == (
        1,
        12_345,
        500_000_000,
        f"{prefix}-1",
    )


def test_documents_outside_the_ledgers_folder_are_that_rows_error(
    world: World, keys: dict[str, Path], tmp_path: Path, prefix: str, filon_cli: Filon
) -> None:
    """A ledger names its own documents: `../x`, an absolute path or a link leading out of its folder would
    copy any file of the machine (a keystore) into the store and cite it in a public passport."""
    secret = tmp_path / "keystore.json"
    secret.write_bytes(b'{"crypto": "SECRET-KEYSTORE-MARKER"}')
    folder = tmp_path / "ledger"
    (folder / "certificates").mkdir(parents=True)
    (folder / "certificates" / "permit.pdf").write_bytes(PERMIT_PDF)
    (folder / "escape.json").symlink_to(secret)
    (folder / "inside.pdf").symlink_to(folder / "certificates" / "permit.pdf")
    p = prefix.encode()
    rows = [
        b"1,100,20,,2026-11-03,%s-1,../keystore.json" % p,
        b"1,100,20,,2026-11-03,%s-2,%s" % (p, str(secret).encode()),
        b"1,100,20,,2026-11-03,%s-3,escape.json" % p,
        b"1,100,20,,2026-11-03,%s-4,certificates" % p,
        b"1,100,20,,2026-11-03,%s-5,certificates/permit.pdf;inside.pdf" % p,
    ]
    ledger = _ledger(folder, rows)
    store = tmp_path / "store"  # FILON_STORE, set by the `keys` fixture

    code, _, err = _import(filon_cli, keys, ledger)

    assert code == 1
    assert err.splitlines() == [
        f"Row 2: document ../keystore.json is outside the ledger's folder {folder} {ONLY_BESIDE}",
        f"Row 3: document {secret} is outside the ledger's folder {folder} {ONLY_BESIDE}",
        f"Row 4: document escape.json is outside the ledger's folder {folder} {ONLY_BESIDE}",
        "Row 5: document certificates is not a regular file",
    ]
    client = world.client(store=store)
    assert [client.lot_by_external_ref(world.miner.address, f"{prefix}-{n}") for n in range(1, 5)] == [
        None
    ] * 4
    declared = client.lot_by_external_ref(world.miner.address, f"{prefix}-5")
    assert declared is not None and client.verify_document(declared, PERMIT_PDF) is not None
    for stored in store.rglob("*"):
        assert not stored.is_file() or b"SECRET-KEYSTORE-MARKER" not in stored.read_bytes()
