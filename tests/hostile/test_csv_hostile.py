"""Hostile ore-intake ledgers (`filon lot declare --from-csv`): every bad row is reported by number and
skipped, a bad file is one line, and what is refused leaves no lot, document or salt behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cli.helpers import Filon, one_error
from filon._cli._common import MAX_DOCUMENT_BYTES

from .helpers import PDF, World, chain_state, files

HEADER = "mine_id,gross_mass_kg,grade_g_per_t,fine_gold_g,date,external_ref,documents\n"


def _import(filon_cli: Filon, keys: dict[str, Path], path: Path, *extra: str) -> tuple[int, str, str]:
    return filon_cli("lot", "declare", "--from-csv", str(path), "--account", str(keys["miner"]), *extra)


def test_every_bad_row_is_reported_and_nothing_of_it_is_written(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    with (tmp_path / "huge.pdf").open("wb") as sparse:
        sparse.truncate(MAX_DOCUMENT_BYTES + 1)
    os.mkfifo(tmp_path / "pipe.pdf")  # reading it would block forever: not a document
    rows = [
        b"1,10,20,,2026-11-02,SHORT-1",  # a cell missing
        b"1,10,20,,2026-11-02,LONG-2,,surplus",  # a cell too many
        "\u0663,10,20,,2026-11-02,DIGIT-3,".encode(),  # an Arabic-Indic three: isdigit(), not a mine id
        b"%d,10,20,,2026-11-02,BIG-4," % 2**256,
        b"1,10,20,,2026-11-02,ESC-\x1b[2J5,",
        b"1,10,20,,2026-11-02,NUL-\x006,",
        "1,10,20,,2026-11-02,Peña-7,".encode("latin-1"),  # not UTF-8
        b"1,1100000,,1099511627.776,2026-11-02,UINT40-8,",  # 2^40 mg of fine gold: past the contract's field
        b"1,10,-20,,2026-11-02,NEG-9,",
        b"1,1e400,20,,2026-11-02,EXP-10,",
        b"1,10,20,,2026-11-02,DOC-11,huge.pdf",
        b"1,10,20,,2026-11-02,DOC-12,/dev/zero",
        b"2,10,20,,2026-11-02,OTHERS-13,",  # mine 2 is another operator's
        b"1,10,abc,,2026-11-02,NAN-14,",
        b"1,10,,20000,2026-11-02,FINE-15,",  # more fine gold than ore: the library's rule, as the contract's
        b"0,10,20,,2026-11-02,ZERO-16,",
        b"1,%s,20,,2026-11-02,LONG-17," % (b"9" * 5000),
        b"1,10,,1e999999,2026-11-02,EXP-18,",
        "1,10,20,,\uff12\uff10\uff12\uff16-11-02,WIDE-19,".encode(),  # full-width digits
        b"1,10,20,,2026-11-02,FIFO-20,pipe.pdf",
    ]
    ledger = tmp_path / "hostile.csv"
    ledger.write_bytes(HEADER.encode() + b"".join(row + b"\n" for row in rows))
    before = chain_state(world)

    code, out, err = _import(filon_cli, keys, ledger)

    assert (code, out) == (1, "0 declared, 0 already there, 20 rejected\n")
    assert err.splitlines() == [
        "Row 2: has 6 cells, the header 7",
        "Row 3: has 8 cells, the header 7",
        "Row 4: mine_id: '\u0663' is not a whole number in the digits 0-9",
        f"Row 5: mine_id must be below 2^256 (what the contract can hold), got {2**256}",
        "Row 6: external_ref holds control characters: ESC-\\x1b[2J5",
        "Row 7: external_ref holds control characters: NUL-\\x006",
        "Row 8: holds bytes that are not UTF-8",
        "Row 9: gross_mass_kg 1100000 is implausible (more than 1000000 kg)",
        "Row 10: grade_g_per_t: -20 is not positive",
        "Row 11: gross_mass_kg 1E+400 is implausible (more than 1000000 kg)",
        f"Row 12: document huge.pdf is too large: {MAX_DOCUMENT_BYTES + 1:,} bytes, more than the 100 MiB "
        "allowed",
        f"Row 13: document /dev/zero is outside the ledger's folder {tmp_path} "
        "(only files beside it are read)",
        f"Row 14: {world.miner.address} is not the operator of mine 2.",
        "Row 15: grade_g_per_t: 'abc' is not a number",
        "Row 16: Invalid lot mass: 20000000 mg of fine gold in 10000000 mg gross (fine gold must be "
        "positive, at most the gross mass, and below 2^40 mg).",
        "Row 17: mine 0 is not registered",
        "Row 18: gross_mass_kg: '99999999999999999999'... (5,000 characters) is too long for a number",
        "Row 19: fine_gold_g: 1e999999 g is more than the chain can hold (2^256 - 1 mg)",
        "Row 20: date: '\uff12\uff10\uff12\uff16-11-02' is not a YYYY-MM-DD date",
        "Row 21: document pipe.pdf is not a regular file",
    ]
    assert chain_state(world) == before
    assert files(tmp_path / "store", tmp_path / "salts") == {}


def test_a_spreadsheet_s_byte_order_mark_is_not_part_of_the_first_column(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    (tmp_path / "permit.pdf").write_bytes(PDF)
    ledger = tmp_path / "excel.csv"
    ledger.write_bytes(b"\xef\xbb\xbf" + HEADER.encode() + b"1,40,20,,2026-11-02,BOM-1,permit.pdf\r\n")

    code, out, err = _import(filon_cli, keys, ledger)

    lot_id = world.client().lot_by_external_ref(world.miner.address, "BOM-1")
    assert (code, out, err) == (
        0,
        f"Row 2: lot {lot_id} declared (BOM-1)\n1 declared, 0 already there, 0 rejected\n",
        "",
    )
    lot = world.client().lot(lot_id)  # type: ignore[arg-type]
    assert (lot.mine_id, lot.fine_gold_mg, lot.gross_mass_mg) == (1, 800, 40_000_000)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("mine_id,gross_mass_kg,grade_g_per_t,date,external_ref\n".encode("utf-16"),
         "{path} is not a UTF-8 CSV file: its header holds bytes that are not UTF-8"),
        (b"\n\n\n", "{path} is not an ore-intake ledger: no column gross_mass_kg, date, external_ref, "
         "grade_g_per_t or fine_gold_g, mine_id (or give --mine)"),
        (b"\xef\xbb\xbf", "{path} is empty: expected a header row with gross_mass_kg, date, external_ref"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_ledger_is_one_line(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon, content: bytes, message: str
) -> None:
    ledger = tmp_path / "bad.csv"
    ledger.write_bytes(content)
    before = chain_state(world)

    assert one_error(_import(filon_cli, keys, ledger)) == message.format(path=ledger)

    assert chain_state(world) == before
    assert files(tmp_path / "store", tmp_path / "salts") == {}
