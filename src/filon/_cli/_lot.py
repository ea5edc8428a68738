"""`filon lot ...`: lot commands. Offline declarations: `sign` at the pit, `submit` at the plant."""

from __future__ import annotations

import time
from pathlib import Path

import click

from filon._cli._common import (
    account_option,
    connected,
    console,
    deployment_option,
    documents_option,
    emit,
    fail,
    json_option,
    load_account,
    load_passport,
    need_rpc,
    open_client,
    print_json,
    public_option,
    read_documents,
    read_file,
    rpc_option,
    signed,
    store_option,
)
from filon._cli._intake import DEFAULT_BATCH, import_csv
from filon._cli._render import (
    event_json,
    grams,
    history_table,
    lot_table,
    named_lot_json,
    provenance_json,
    provenance_tree,
)
from filon._cli._types import (
    ADDRESS,
    DURATION,
    GRAMS,
    HASH,
    KILOGRAMS,
    LOT_ID,
    MINE_ID,
    NONCE,
    OUTPUT,
    WholeNumber,
)
from filon._deployment import Deployment
from filon._offline import SignedDeclaration, declaration_nonce, sign_declaration
from filon._types import LotId, LotOutput, MineId

NONCE_KEY = WholeNumber(minimum=0, maximum=2**192 - 1)
"""A declaration nonce's key: its upper 192 bits."""


@click.group()
def lot() -> None:
    """Declare, sign, submit and inspect gold lots."""


@lot.command()
@deployment_option
@account_option
@click.option("--offline", is_flag=True, help="Assert that nothing touches the network (it never does).")
@click.option("--mine", "mine_id", required=True, type=MINE_ID, help="The mine's id.")
@click.option("--fine-gold-mg", required=True, type=WholeNumber(minimum=1), help="Fine gold, in mg.")
@click.option("--gross-mass-mg", required=True, type=WholeNumber(minimum=1), help="Gross mass, in mg.")
@click.option(
    "--passport-root", required=True, type=HASH, metavar="HEX", help="The passport's 32-byte root (0x...)."
)
@click.option("--passport-uri", default="", help="Where the passport can be fetched.")
@click.option("--external-ref", default="", help="Your own reference for the lot (unique per operator).")
@click.option(
    "--recipient", type=ADDRESS, metavar="ADDRESS", help="Who receives the lot (default: you, the operator)."
)
@click.option("--nonce", type=NONCE, help="Your next declaration nonce (read online if omitted).")
@click.option(
    "--valid-for",
    default="7d",
    show_default=True,
    type=DURATION,
    help="How long the plant has to submit it: a number and s, m, h or d.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the declaration."
)
@click.option(
    "--qr",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write its QR code (.png or .svg; default: beside --out, .png).",
)
@json_option
def sign(
    deployment: Path,
    account: str,
    offline: bool,
    mine_id: int,
    fine_gold_mg: int,
    gross_mass_mg: int,
    passport_root: bytes,
    passport_uri: str,
    external_ref: str,
    recipient: str | None,
    nonce: int | None,
    valid_for: int,
    out: Path | None,
    qr: Path | None,
    as_json: bool,
) -> None:
    """Sign a lot declaration as the mine's operator, for a plant to submit later.

    Nothing is sent or read over the network: the deployment manifest and your keystore are all it needs,
    so it works underground. Each declaration gets a fresh random nonce key, so the plant may submit your
    declarations in any order, and one that is lost or expires blocks none of the others.
    """
    manifest = Deployment.load(deployment)
    out = out or Path(f"declaration-mine{mine_id}-{time.strftime('%Y%m%dT%H%M%S')}.json")
    qr = qr or out.with_suffix(".png")
    for target in (out, qr):
        if target.exists():
            fail(f"{target} already exists: a signed declaration is never overwritten (choose another --out)")
    signer = load_account(account)
    if nonce is None:
        # A fresh random key: this declaration can be submitted whatever happens to the others.
        nonce = declaration_nonce()
    declaration = sign_declaration(
        signer,
        manifest,
        mine_id=mine_id,
        fine_gold_mg=fine_gold_mg,
        gross_mass_mg=gross_mass_mg,
        passport_root=passport_root,
        recipient=recipient or signer.address,
        nonce=nonce,
        deadline=int(time.time()) + valid_for,
        external_ref=external_ref,
        passport_uri=passport_uri,
    )
    out.write_text(declaration.to_json() + "\n")
    if qr.suffix.lower() == ".svg":
        qr.write_text(declaration.to_qr_svg())
    else:
        qr.write_bytes(declaration.to_qr_png())
    emit(
        {"declaration": str(out), "qr": str(qr), "nonce": nonce, "deadline": declaration.deadline},
        as_json=as_json,
        lines=[
            f"Signed declaration written to {out}",
            f"QR code written to {qr}: show it at the plant's gate.",
        ],
    )


@lot.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@rpc_option
@deployment_option
@account_option
@json_option
def submit(file: Path, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Submit a declaration a mine operator signed offline; the lot goes to its recipient."""
    need_rpc(rpc)
    declaration = SignedDeclaration.from_json(read_file(file))
    client = open_client(rpc, deployment, account)
    lot_id = client.submit_declaration(declaration)
    emit(
        {"lot_id": lot_id, "recipient": declaration.recipient, "operator": declaration.operator},
        as_json=as_json,
        lines=[f"Lot {lot_id} declared from mine {declaration.mine_id}, held by {declaration.recipient}"],
    )


@lot.command()
@click.argument("nonce", type=NONCE)
@rpc_option
@deployment_option
@account_option
@json_option
def cancel(nonce: int, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Cancel a declaration you signed offline (its NONCE is used up, so it can never be submitted)."""
    client = open_client(rpc, deployment, account)
    tx = client.cancel_declaration(nonce)
    emit(
        {"nonce": nonce, "transaction": tx}, as_json=as_json, lines=[f"Declaration {nonce} cancelled ({tx})"]
    )


@lot.command()
@click.argument("operator", type=ADDRESS)
@rpc_option
@deployment_option
@json_option
@click.option("--key", type=NONCE_KEY, default=0, help="The nonce key.")
def nonce(operator: str, rpc: str | None, deployment: Path, as_json: bool, key: int) -> None:
    """Print OPERATOR's next declaration nonce under --key (0: the plain sequence)."""
    value = open_client(rpc, deployment).declaration_nonce(operator, key)
    emit({"operator": operator, "nonce": value}, as_json=as_json, lines=[str(value)])


@lot.command()
@click.option("--mine", "mine_id", type=MINE_ID, help="The mine's id (with --from-csv: the default).")
@click.option(
    "--fine-gold-g", "fine_mg", type=GRAMS, metavar="G", help="Fine gold, in grams (default: the passport's)."
)
@click.option(
    "--gross-mass-kg",
    "gross_mg",
    type=KILOGRAMS,
    metavar="KG",
    help="Gross mass, in kg (default: the passport's).",
)
@click.option(
    "--passport",
    "passport_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The lot's passport (JSON); stored with its documents, its root recorded on chain.",
)
@documents_option
@public_option
@click.option(
    "--passport-root", type=HASH, metavar="HEX", help="Without --passport: a root you built (0x...)."
)
@click.option("--passport-uri", default="", help="With --passport-root: where the passport can be fetched.")
@click.option("--external-ref", default="", help="Your own reference for the lot (unique per operator).")
@click.option(
    "--from-csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A plant's ore-intake ledger: one lot per row (columns above).",
)
@click.option(
    "--producer-name", help="With --from-csv: the producer named in each passport (default: the account)."
)
@click.option(
    "--batch",
    "batch_size",
    type=click.IntRange(1, 1_000),
    default=DEFAULT_BATCH,
    show_default=True,
    help="With --from-csv: lots sent at once, without waiting for each other's blocks.",
)
@signed
@store_option
@json_option
def declare(
    mine_id: int | None,
    fine_mg: int | None,
    gross_mg: int | None,
    passport_file: Path | None,
    documents: tuple[Path, ...],
    public_fields: tuple[str, ...],
    passport_root: bytes | None,
    passport_uri: str,
    external_ref: str,
    csv_file: Path | None,
    producer_name: str | None,
    batch_size: int,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Declare an ore lot from your mine, with its passport (--passport) or a root you built.

    With --from-csv FILE, declare one lot per row of an ore-intake ledger with the columns mine_id
    (or --mine), gross_mass_kg, grade_g_per_t or fine_gold_g, date (YYYY-MM-DD), external_ref and
    documents (;-separated paths, relative to the file), --batch rows at a time. Bad rows are reported and
    skipped; rows whose external_ref you already declared are skipped, so a rerun or a resumed import
    declares nothing twice. Exit status 1 if any row was rejected.
    """
    if csv_file is not None:
        clashing = [
            name
            for name, value in (
                ("--fine-gold-g", fine_mg),
                ("--gross-mass-kg", gross_mg),
                ("--passport", passport_file),
                ("--passport-root", passport_root),
                ("--external-ref", external_ref or None),
                ("--document", documents or None),
            )
            if value is not None
        ]
        if clashing:
            fail(f"--from-csv takes every lot from the file: drop {', '.join(clashing)}")
        ctx = click.get_current_context()
        ctx.exit(
            import_csv(
                csv_file,
                open_client(rpc, deployment, account, store=store),
                default_mine=mine_id,
                producer_name=producer_name,
                public_fields=list(public_fields) or None,
                as_json=as_json,
                batch_size=batch_size,
            )
        )
    if mine_id is None:
        fail("Give --mine (or --from-csv)")
    if passport_file is None and passport_root is None:
        fail("Give --passport FILE (or --passport-root HEX with --fine-gold-g and --gross-mass-kg)")
    if passport_file is not None and passport_root is not None:
        fail("Give --passport or --passport-root, not both")
    if passport_file is not None:
        passport = load_passport(passport_file)
        quantity = passport.quantity
        for option, given, stated in (
            ("--fine-gold-g", fine_mg, quantity.fine_gold_mg),
            ("--gross-mass-kg", gross_mg, quantity.gross_mass_mg),
        ):
            if given is not None and given != stated:
                fail(f"{option} ({given} mg) differs from the passport's quantity ({stated} mg)")
        docs = read_documents(documents)
        client = open_client(rpc, deployment, account, store=store)
        lot_id = client.declare_lot_with_passport(
            MineId(mine_id),
            passport,
            documents=docs,
            external_ref=external_ref,
            public_fields=list(public_fields) or None,
        )
        fine_mg, gross_mg = quantity.fine_gold_mg, quantity.gross_mass_mg
    else:
        if documents or public_fields:
            fail("--document and --public go with --passport")
        if fine_mg is None or gross_mg is None:
            fail("With --passport-root, give --fine-gold-g and --gross-mass-kg")
        assert passport_root is not None
        client = open_client(rpc, deployment, account)
        lot_id = client.declare_lot(
            MineId(mine_id),
            fine_gold_mg=fine_mg,
            gross_mass_mg=gross_mg,
            passport_root=passport_root,
            passport_uri=passport_uri,
            external_ref=external_ref,
        )
    emit(
        {
            "lot_id": int(lot_id),
            "mine_id": mine_id,
            "fine_gold_mg": fine_mg,
            "gross_mass_mg": gross_mg,
            "external_ref": external_ref,
        },
        as_json=as_json,
        lines=[f"Lot {lot_id} declared from mine {mine_id}: {grams(fine_mg)} fine gold"],
    )


@lot.command()
@click.argument("lot_id", type=LOT_ID)
@click.argument("to", type=ADDRESS, metavar="TO")
@signed
@json_option
def transfer(lot_id: int, to: str, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
    """Move LOT_ID to TO, an admitted participant."""
    client = open_client(rpc, deployment, account)
    tx = client.transfer(LotId(lot_id), to)
    emit(
        {"lot_id": lot_id, "from": client.address, "to": to, "transaction": tx},
        as_json=as_json,
        lines=[f"Lot {lot_id} transferred to {to} ({tx})"],
    )


@lot.command()
@click.option("--input", "inputs", multiple=True, required=True, type=LOT_ID, help="A lot to consume.")
@click.option(
    "--output",
    "produced",
    multiple=True,
    required=True,
    type=OUTPUT,
    metavar="FORM:FINE_G:GROSS_G[:SERIAL]",
    help="A new lot, its masses in grams; a refined lot may end with the serial number stamped on the bar "
    "(refined:999.9:1000:RAM-2026-000123).",
)
@click.option(
    "--passport",
    "passport_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The outputs' passport (JSON).",
)
@documents_option
@public_option
@signed
@store_option
@json_option
def transform(
    inputs: tuple[int, ...],
    produced: tuple[LotOutput, ...],
    passport_file: Path,
    documents: tuple[Path, ...],
    public_fields: tuple[str, ...],
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Consume the --input lots and produce the --output lots (merge, split, process, refine)."""
    passport = load_passport(passport_file)
    docs = read_documents(documents)
    client = open_client(rpc, deployment, account, store=store)
    lot_ids = client.transform_with_passport(
        [LotId(i) for i in inputs],
        list(produced),
        passport,
        documents=docs,
        public_fields=list(public_fields) or None,
    )
    recorded = client.passport_versions(lot_ids[0])[0]
    emit(
        {
            "inputs": list(inputs),
            "outputs": [
                {
                    "lot_id": int(i),
                    "form": o.form.name.lower(),
                    "fine_gold_mg": o.fine_gold_mg,
                    "serial": o.serial,
                }
                for i, o in zip(lot_ids, produced, strict=True)
            ],
            "passport_root": "0x" + recorded.root.hex(),
            "passport_uri": recorded.uri,
        },
        as_json=as_json,
        lines=[
            f"Consumed {', '.join(str(i) for i in inputs)}; produced "
            + ", ".join(
                f"{i} ({o.form.name.lower()}, {grams(o.fine_gold_mg)}"
                + (f", serial {o.serial}" if o.serial is not None else "")
                + ")"
                for i, o in zip(lot_ids, produced, strict=True)
            )
        ],
    )


@lot.command()
@click.argument("lot_id", type=LOT_ID)
@connected
@json_option
def show(lot_id: int, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """Show LOT_ID: holder (with its name), form, fine gold, mine (with its name) or parents, passport, and a
    bar's serial number and brand."""
    client = open_client(rpc, deployment)
    record = client.lot(LotId(lot_id))
    holder = client.participant(record.holder) if record.holder else None
    origin = client.mine(record.mine_id) if record.mine_id is not None else None
    refiner = client.participant(record.refiner) if record.refiner else None
    if as_json:
        print_json(named_lot_json(record, holder, origin, refiner))
    else:
        console().print(lot_table(record, holder, origin, refiner))


@lot.command()
@click.argument("lot_id", type=LOT_ID)
@connected
@json_option
def history(lot_id: int, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """Everything that happened to LOT_ID, in chain order."""
    events = open_client(rpc, deployment).history(LotId(lot_id))
    if as_json:
        print_json({"lot_id": lot_id, "events": [event_json(event) for event in events]})
    else:
        console().print(history_table(LotId(lot_id), events))


@lot.command()
@click.argument("lot_id", type=LOT_ID)
@connected
@json_option
def provenance(lot_id: int, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """LOT_ID's ancestry, down to the ore lots and their mines."""
    found = open_client(rpc, deployment).provenance(LotId(lot_id))
    if as_json:
        print_json(provenance_json(found))
    else:
        console().print(provenance_tree(found))
