"""Hostile input through the `filon` command: each refusal is one readable line (exit 1, or click's usage
error, exit 2), never a traceback, and leaves the chain, the document store and the salts as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

import filon
from cli.helpers import Filon, one_error, usage_error
from filon._cli._common import MAX_DOCUMENT_BYTES, MAX_PASSPORT_BYTES

from .helpers import HUGE, PDF, TOO_BIG, World, chain_state, files, passport_json

ROOT = "0x" + "ab" * 32
TOO_BIG_IS = f"{str(TOO_BIG)[:20]}... (78 digits) is more than 2^256 - 1, the largest allowed"


def _args(keys: dict[str, Path], args: tuple[str, ...]) -> list[str]:
    """`@miner` and the like name a keystore."""
    return [str(keys[a[1:]]) if a.startswith("@") else a for a in args]


@pytest.fixture
def permit(tmp_path: Path) -> Path:
    path = tmp_path / "permit.pdf"
    path.write_bytes(PDF)
    return path


@pytest.fixture
def passport(tmp_path: Path) -> Path:
    path = tmp_path / "passport.json"
    path.write_text(passport_json())
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # Fine gold the contract's 40-bit field cannot hold: its own rule, before anything is sent.
        (("lot", "declare", "--mine", "1", "--passport-root", ROOT, "--fine-gold-g", "1099511627.776",
          "--gross-mass-kg", "1099512", "--account", "@miner"),
         "Invalid lot mass: 1099511627776 mg of fine gold in 1099512000000 mg gross (fine gold must be "
         "positive, at most the gross mass, and below 2^40 mg)."),
        # Unknown, but possible, ids.
        (("lot", "transfer", "999", "0x" + "11" * 20, "--account", "@miner"), "No lot has id 999."),
        (("passport", "publish", "999", "passport.json", "--account", "@miner"), "No lot has id 999."),
        (("mine", "suspend", "99", "--account", "@registrar"), "No mine has id 99."),
        (("lot", "declare", "--mine", "99", "--passport", "passport.json", "--document", "permit.pdf",
          "--account", "@miner"), "No mine has id 99."),
    ],
)  # fmt: skip
def test_unknown_ids_and_broken_rules_are_one_line_and_change_nothing(
    world: World,
    keys: dict[str, Path],
    tmp_path: Path,
    passport: Path,
    permit: Path,
    filon_cli: Filon,
    args: tuple[str, ...],
    message: str,
) -> None:
    before = chain_state(world)

    assert one_error(filon_cli(*_args(keys, args))) == message

    assert chain_state(world) == before
    assert files(tmp_path / "store", tmp_path / "salts") == {}


FIVE_THOUSAND_DIGITS = "9" * 5000
TOO_LONG = "'99999999999999999999'... (5,000 characters) is too long for a number"
NOT_A_DATE = "is not a date, a date-time or Unix seconds in the digits 0-9"
BEYOND_MG = "is more than the chain can hold (2^256 - 1 mg)"
DECLARE = ("lot", "declare", "--mine", "1", "--passport-root", ROOT, "--account", "@miner")
TRANSFORM = ("lot", "transform", "--input", "1", "--passport", "passport.json", "--account", "@miner")
SIGN = ("lot", "sign", "--mine", "1", "--fine-gold-mg", "1", "--gross-mass-mg", "2", "--passport-root", ROOT,
        "--account", "@miner")  # fmt: skip
REGISTER = ("mine", "register", "--operator", "0x" + "11" * 20, "--permit-hash", ROOT, "--country", "PE",
            "--location-hash", ROOT, "--account", "@registrar")  # fmt: skip
FIELDS = ("'schema_version', 'lot', 'producer', 'facility', 'production_date', 'quantity', "
          "'materials_provenance', 'conformity', 'carbon', 'notes', 'receipt'")  # fmt: skip


@pytest.mark.parametrize(
    ("args", "param", "message"),
    [
        (("mine", "show", "0"), "MINE_ID", "0 is less than 1"),
        (("lot", "show", "12abc"), "LOT_ID", "'12abc' is not a whole number in the digits 0-9"),
        (("lot", "show", "\uff11\uff12\uff13"), "LOT_ID",
         "'\uff11\uff12\uff13' is not a whole number in the digits 0-9"),
        # Ids no contract argument holds.
        (("lot", "show", str(TOO_BIG)), "LOT_ID", TOO_BIG_IS),
        (("lot", "history", str(HUGE)), "LOT_ID",
         f"{str(HUGE)[:20]}... (91 digits) is more than 2^256 - 1, the largest allowed"),
        (("lot", "provenance", FIVE_THOUSAND_DIGITS), "LOT_ID", TOO_LONG),
        (("mine", "show", str(TOO_BIG)), "MINE_ID", TOO_BIG_IS),
        (("passport", "verify", str(TOO_BIG)), "LOT_ID", TOO_BIG_IS),
        (("passport", "disclose", str(TOO_BIG), "carbon", "--version", "1", "--out", "c.json"), "LOT_ID",
         TOO_BIG_IS),
        (("passport", "publish", str(TOO_BIG), "passport.json", "--account", "@miner"), "LOT_ID", TOO_BIG_IS),
        (("lot", "transfer", str(TOO_BIG), "0x" + "11" * 20, "--account", "@miner"), "LOT_ID", TOO_BIG_IS),
        (("lot", "transform", "--input", str(TOO_BIG), "--output", "dore:1:2", "--passport", "passport.json",
          "--account", "@miner"), "--input", TOO_BIG_IS),
        (("lot", "cancel", str(TOO_BIG), "--account", "@miner"), "NONCE", TOO_BIG_IS),
        (("lot", "nonce", "0x" + "11" * 20, "--key", str(2**192)), "--key",
         f"{str(2**192)[:20]}... (58 digits) is more than 2^192 - 1, the largest allowed"),
        (("mine", "suspend", str(TOO_BIG), "--account", "@registrar"), "MINE_ID", TOO_BIG_IS),
        ((*DECLARE, "--mine", str(TOO_BIG), "--fine-gold-g", "1", "--gross-mass-kg", "1"),
         "--mine", TOO_BIG_IS),
        # Amounts: not numbers, not positive, finer than a milligram, beyond any uint256.
        ((*DECLARE, "--fine-gold-g", "1e400", "--gross-mass-kg", "1e400"),
         "--fine-gold-g", f"1e400 g {BEYOND_MG}"),
        ((*DECLARE, "--fine-gold-g", "1e999999", "--gross-mass-kg", "1"), "--fine-gold-g",
         f"1e999999 g {BEYOND_MG}"),
        ((*DECLARE, "--fine-gold-g", "1", "--gross-mass-kg", FIVE_THOUSAND_DIGITS),
         "--gross-mass-kg", TOO_LONG),
        ((*DECLARE, "--fine-gold-g", "1e-99999999", "--gross-mass-kg", "1"), "--fine-gold-g",
         "1e-99999999 g is more precise than a milligram"),
        ((*DECLARE, "--fine-gold-g", "-5", "--gross-mass-kg", "1"), "--fine-gold-g", "-5 g is not positive"),
        ((*DECLARE, "--fine-gold-g", "NaN", "--gross-mass-kg", "1"),
         "--fine-gold-g", "'NaN' is not a number"),
        ((*DECLARE, "--fine-gold-g", "\uff11", "--gross-mass-kg", "1"), "--fine-gold-g",
         "'\uff11' is not a number in the digits 0-9"),
        # Hashes, addresses, outputs, durations.
        (("lot", "declare", "--mine", "1", "--passport-root", "0x12", "--fine-gold-g", "1", "--gross-mass-kg",
          "1", "--account", "@miner"),
         "--passport-root", "'0x12' is not a 32-byte hash: 0x and 64 hex digits"),
        (("lot", "transfer", "1", "0xnope", "--account", "@miner"), "TO",
         "'0xnope' is not an address: 0x and 40 hex digits (mixed case: checksummed)"),
        ((*TRANSFORM, "--output", "gold:1:2"), "--output",
         "'gold' is not a form: one of ore, concentrate, dore, refined, product"),
        ((*TRANSFORM, "--output", "dore:1e999999:2"), "--output", f"fine gold 1e999999 g {BEYOND_MG}"),
        ((*TRANSFORM, "--output", "dore:1"),
         "--output",
         "'dore:1' is not FORM:FINE_G:GROSS_G[:SERIAL], like dore:850:1000 or "
         "refined:999.9:1000:RAM-2026-000123"),
        ((*TRANSFORM, "--output", "refined:1:1:"), "--output",
         "'refined:1:1:' ends with a colon but no serial number"),
        ((*SIGN, "--valid-for", "9" * 90 + "d"), "--valid-for",
         f"{'9' * 20!r}... (91 characters) is longer than the chain can count"),
        ((*SIGN, "--valid-for", "7 days"),
         "--valid-for", "'7 days' is not a number and a unit (s, m, h or d), like 7d"),
        (("index", "sync", "--interval", "nan"), "--interval", "'nan' is not a number"),
        (("index", "sync", "--interval", "1e999999"),
         "--interval", "1e999999 is not from 0.05 to 86,400 seconds"),
        (("explorer", "serve", "--max-loss", "nan"), "--max-loss", "'nan' is not a number"),
        (("explorer", "serve", "--max-loss", "150"), "--max-loss", "150 is not from 0 to 100 percent"),
        (("explorer", "serve", "--rule", "assay_tolerance"), "--rule",
         "'assay_tolerance' is not NAME=VALUE with NAME one of capacity_warning, loss_band, idle_days, "
         "projection_after_days, burst_declarations, burst_window_hours, assay_tolerance, sample_tolerance, "
         "grade_outlier_score, grade_history, history_window, recovery_band"),
        (("explorer", "serve", "--rule", "assay_tolerance=nan"), "--rule",
         "assay_tolerance takes a number: 'nan' is not a number"),
        (("explorer", "serve", "--rule", "recovery_band=0.9"), "--rule",
         "recovery_band takes two numbers, LOW,HIGH: '0.9' is not two numbers, LOW,HIGH"),
        (("explorer", "serve", "--rule", "idle_days=1.5"), "--rule",
         "idle_days takes a whole number: '1.5' is not a whole number in the digits 0-9"),
        (("passport", "disclose", "1", "carbon", "salts", "--out", "c.json"), "FIELDS...",
         f"'salts' is not one of {FIELDS}."),
        # Mines: hostile capacities and permit expiries.
        ((*REGISTER, "--permit-expiry", "2099-01-01", "--capacity-kg", "1e999999"), "--capacity-kg",
         f"1e999999 kg {BEYOND_MG}"),
        ((*REGISTER, "--permit-expiry", "2099-01-01", "--capacity-kg", FIVE_THOUSAND_DIGITS), "--capacity-kg",
         TOO_LONG),
        ((*REGISTER, "--permit-expiry", "2099-01-01", "--capacity-kg", "Infinity"), "--capacity-kg",
         "'Infinity' is not a number"),
        ((*REGISTER, "--permit-expiry", "\u00b2", "--capacity-kg", "1"),
         "--permit-expiry", f"'\u00b2' {NOT_A_DATE}"),
        ((*REGISTER, "--permit-expiry", "\uff11\uff12\uff13", "--capacity-kg", "1"), "--permit-expiry",
         f"'\uff11\uff12\uff13' {NOT_A_DATE}"),
        ((*REGISTER, "--permit-expiry", "\uff12\uff10\uff19\uff19-01-01", "--capacity-kg", "1"),
         "--permit-expiry", f"'\uff12\uff10\uff19\uff19-01-01' {NOT_A_DATE}"),
        ((*REGISTER, "--permit-expiry", FIVE_THOUSAND_DIGITS, "--capacity-kg", "1"),
         "--permit-expiry", TOO_LONG),
        ((*REGISTER, "--permit-expiry", "0001-01-01", "--capacity-kg", "1"), "--permit-expiry",
         "0001-01-01 is before 1970, where Unix time begins"),
    ],
)  # fmt: skip
def test_malformed_and_absurd_values_are_usage_errors(
    world: World, keys: dict[str, Path], filon_cli: Filon, args: tuple[str, ...], param: str, message: str
) -> None:
    """Each is refused by its option's type, before any file, keystore or node is touched."""
    before = chain_state(world)

    assert usage_error(filon_cli(*_args(keys, args))) == f"Invalid value for '{param}': {message}"

    assert chain_state(world) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lot", "show", "-1"), "No such option: -1"),
        (("lot", "transfer", "-3", "0x" + "11" * 20, "--account", "@miner"), "No such option: -3"),
    ],
)
def test_negative_ids_are_usage_errors(
    world: World, keys: dict[str, Path], filon_cli: Filon, args: tuple[str, ...], message: str
) -> None:
    before = chain_state(world)

    assert usage_error(filon_cli(*_args(keys, args))) == message

    assert chain_state(world) == before


def test_a_passport_the_contract_refuses_stores_nothing(
    world: World, keys: dict[str, Path], tmp_path: Path, permit: Path, filon_cli: Filon
) -> None:
    """The contract's rules are checked before the documents, the package and the salts are written."""
    over = tmp_path / "over.json"
    over.write_text(passport_json(fine_mg=10**9, gross_mg=2 * 10**9))  # mine 1 has 1,000 mg declared
    suspended = tmp_path / "suspended.json"
    suspended.write_text(passport_json(mine_id=2))
    good = tmp_path / "good.json"
    good.write_text(passport_json())
    miner, plant, miner2 = ("--account", str(keys["miner"])), ("--account", str(keys["plant"])), (
        "--account", str(keys["miner2"]))  # fmt: skip
    document = ("--document", str(permit))
    cases = [
        (
            ("lot", "declare", "--mine", "1", "--passport", str(over), *document, *miner),
            "Mine 1 cannot declare 1000000000 mg of fine gold: only 999999000 mg of its yearly capacity is "
            "left.",
        ),
        (
            ("lot", "declare", "--mine", "2", "--passport", str(suspended), *document, *miner2),
            "Mine 2 is SUSPENDED, not active: it cannot declare lots.",
        ),
        (
            ("lot", "declare", "--mine", "1", "--passport", str(good), *document, *plant),
            f"{world.plant.address} is not the operator of mine 1.",
        ),
        (
            ("passport", "publish", str(world.lot), str(good), *document, *plant),
            f"{world.plant.address} is not the holder of lot {world.lot} (held by {world.miner.address}) "
            "nor approved for it.",
        ),
        (
            ("lot", "transform", "--input", str(world.lot), "--output", "dore:1:2", "--passport", str(good),
             *document, *plant),
            f"{world.plant.address} is not the holder of lot {world.lot} (held by {world.miner.address}) "
            "nor approved for it.",
        ),
    ]  # fmt: skip
    before = chain_state(world)

    for args, message in cases:
        assert one_error(filon_cli(*args)) == message
        assert chain_state(world) == before
        assert files(tmp_path / "store", tmp_path / "salts") == {}, args


def test_oversize_unreadable_and_non_utf8_files(
    world: World, keys: dict[str, Path], tmp_path: Path, passport: Path, filon_cli: Filon
) -> None:
    big = tmp_path / "scan.pdf"
    with big.open("wb") as sparse:  # a hole: no disk space, but stat() says 100 MiB + 1
        sparse.truncate(MAX_DOCUMENT_BYTES + 1)
    big_passport = tmp_path / "big.json"
    with big_passport.open("wb") as sparse:
        sparse.truncate(MAX_PASSPORT_BYTES + 1)
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(passport_json().replace("Santa Rosa", "Peña").encode("latin-1"))
    miner = ("--account", str(keys["miner"]))
    declare = ("lot", "declare", "--mine", "1", *miner)
    publish = ("passport", "publish", str(world.lot))
    too_big = f"Document {big} is too large: {MAX_DOCUMENT_BYTES + 1:,} bytes, more than the 100 MiB allowed"
    cases = [
        ((*declare, "--passport", str(passport), "--document", str(big)), too_big),
        ((*publish, str(passport), "--document", str(big), *miner), too_big),
        # A device never ends: it is read only one byte past the limit.
        ((*declare, "--passport", str(passport), "--document", "/dev/zero"),
         "Document /dev/zero is too large: more than the 100 MiB allowed"),
        ((*declare, "--passport", str(big_passport)),
         f"Passport {big_passport} is too large: 1,048,577 bytes, more than the 1 MiB allowed"),
        ((*publish, str(latin1), *miner),
         f"{latin1} is not a valid passport: the document: Invalid JSON: invalid unicode code point at "
         "line 1 column 66"),
        ((*publish, str(tmp_path / "none.json"), *miner),
         f"Cannot read passport {tmp_path / 'none.json'}: No such file or directory"),
    ]  # fmt: skip
    before = chain_state(world)

    for args, message in cases:
        assert one_error(filon_cli(*args)) == message
        assert chain_state(world) == before
        assert files(tmp_path / "store", tmp_path / "salts") == {}, args


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "Deployment manifest {path} is not valid JSON: Expecting property name enclosed in "
         "double quotes: line 1 column 2 (char 1)"),
        (b"\xff\xfe{}", "Cannot read deployment manifest {path}: 'utf-8' codec can't decode byte 0xff in "
         "position 0: invalid start byte"),
        (b"[1, 2]", "Deployment manifest {path} is not a JSON object"),
        (b"{}", "Deployment manifest {path} has format None, expected 'filon-deployment/1'"),
    ],
)  # fmt: skip
def test_a_malformed_manifest_is_one_line(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon, content: bytes, message: str
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(content)
    before = chain_state(world)

    assert one_error(filon_cli("lot", "show", "1", "--deployment", str(manifest))) == message.format(
        path=manifest
    )
    assert one_error(
        filon_cli("lot", "transfer", "1", world.plant.address, "--deployment", str(manifest), "--account",
                  str(keys["miner"]))
    ) == message.format(path=manifest)  # fmt: skip

    assert chain_state(world) == before


def test_strings_from_the_chain_cannot_drive_the_reader_s_terminal(
    world: World, keys: dict[str, Path], filon_cli: Filon
) -> None:
    """A lot's external reference and passport URI are chosen by whoever declares or relays it: rich markup
    is shown as text (it used to crash `lot show`), control characters and bidi overrides escaped."""
    lot_id = world.client(world.miner).declare_lot(
        filon.MineId(1),
        1_000,
        2_000,
        ROOT,
        passport_uri="[/link]\x1b[2J",
        external_ref="[bold]\u202eevil\x07",
    )

    for command in ("show", "history"):
        code, out, err = filon_cli("lot", command, str(lot_id))

        assert (code, err) == (0, "")
        assert not {"\x1b", "\x07", "\u202e"} & set(out)
        assert "[/link]\\x1b[2J" in out and "[bold]\\u202eevil\\x07" in out
