"""Hostile input through the `filon` command: each refusal is one readable line (exit 1, or click's usage
error, exit 2), never a traceback, and leaves the chain, the document store and the salts as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

import filon
from cli.helpers import Filon, one_error
from filon._cli._common import MAX_DOCUMENT_BYTES, MAX_PASSPORT_BYTES

from .helpers import HUGE, PDF, TOO_BIG, World, chain_state, files, passport_json, usage_error

ROOT = "0x" + "ab" * 32
TOO_BIG_IS = f"must be below 2^256 (what the contract can hold), got {TOO_BIG}"


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
        (("lot", "show", str(TOO_BIG)), f"lot_id {TOO_BIG_IS}"),
        (("lot", "history", str(HUGE)), f"lot_id must be below 2^256 (what the contract can hold), got "
         f"{str(HUGE)[:20]}... (91 digits)"),
        (("lot", "provenance", str(TOO_BIG)), f"lot_id {TOO_BIG_IS}"),
        (("mine", "show", str(TOO_BIG)), f"mine_id {TOO_BIG_IS}"),
        (("passport", "verify", str(TOO_BIG)), f"lot_id {TOO_BIG_IS}"),
        (("passport", "disclose", str(TOO_BIG), "carbon", "--version", "1", "--out", "c.json"),
         f"lot_id {TOO_BIG_IS}"),
        (("passport", "publish", str(TOO_BIG), "passport.json", "--account", "@miner"),
         f"lot_id {TOO_BIG_IS}"),
        (("lot", "transfer", str(TOO_BIG), "0x" + "11" * 20, "--account", "@miner"), f"lot_id {TOO_BIG_IS}"),
        (("lot", "transform", "--input", str(TOO_BIG), "--output", "dore:1:2", "--passport", "passport.json",
          "--account", "@miner"), f"inputs {TOO_BIG_IS}"),
        (("lot", "cancel", str(TOO_BIG), "--account", "@miner"), f"key_nonce {TOO_BIG_IS}"),
        (("mine", "suspend", str(TOO_BIG), "--account", "@registrar"), f"mine_id {TOO_BIG_IS}"),
        (("lot", "declare", "--mine", str(TOO_BIG), "--passport-root", ROOT, "--fine-gold-g", "1",
          "--gross-mass-kg", "1", "--account", "@miner"), f"mine_id {TOO_BIG_IS}"),
        (("lot", "declare", "--mine", "1", "--passport-root", ROOT, "--fine-gold-g", "1e400",
          "--gross-mass-kg", "1e400", "--account", "@miner"),
         "fine_gold_mg must be below 2^256 (what the contract can hold), got 10000000000000000000... "
         "(404 digits)"),
        # Fine gold the contract's 40-bit field cannot hold: its own rule, before anything is sent.
        (("lot", "declare", "--mine", "1", "--passport-root", ROOT, "--fine-gold-g", "1099511627.776",
          "--gross-mass-kg", "1099512", "--account", "@miner"),
         "Invalid lot mass: 1099511627776 mg of fine gold in 1099512000000 mg gross (fine gold must be "
         "positive, at most the gross mass, and below 2^40 mg)."),
        (("lot", "declare", "--mine", "1", "--passport-root", ROOT, "--fine-gold-g", "-5",
          "--gross-mass-kg", "1", "--account", "@miner"), "--fine-gold-g must be positive, not -5"),
        # Unknown, but possible, ids.
        (("lot", "transfer", "999", "0x" + "11" * 20, "--account", "@miner"), "No lot has id 999."),
        (("passport", "publish", "999", "passport.json", "--account", "@miner"), "No lot has id 999."),
        (("mine", "suspend", "99", "--account", "@registrar"), "No mine has id 99."),
        (("lot", "declare", "--mine", "99", "--passport", "passport.json", "--document", "permit.pdf",
          "--account", "@miner"), "No mine has id 99."),
    ],
)  # fmt: skip
def test_absurd_and_unknown_ids_are_one_line_and_change_nothing(
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lot", "show", "-1"), "No such option: -1"),
        (("lot", "transfer", "-3", "0x" + "11" * 20, "--account", "@miner"), "No such option: -3"),
        (("mine", "show", "0"), "Invalid value for 'MINE_ID': 0 is not in the range x>=1."),
        (("lot", "show", "12abc"), "Invalid value for 'LOT_ID': '12abc' is not a valid integer range."),
    ],
)
def test_negative_and_malformed_ids_are_usage_errors(
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
