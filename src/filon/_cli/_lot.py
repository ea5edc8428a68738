"""`filon lot ...`: lot commands. Offline declarations: `sign` at the pit, `submit` at the plant."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from filon._cli._common import emit, fail, load_account
from filon._client import connect
from filon._deployment import Deployment
from filon._offline import SignedDeclaration, declaration_nonce, sign_declaration

_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

rpc_option = click.option(
    "--rpc", envvar="FILON_RPC_URL", metavar="URL", help="The node's JSON-RPC URL (or FILON_RPC_URL)."
)
deployment_option = click.option(
    "--deployment",
    envvar="FILON_DEPLOYMENT",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest (or FILON_DEPLOYMENT).",
)
account_option = click.option(
    "--account",
    envvar="FILON_ACCOUNT",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="An encrypted keystore file (or FILON_ACCOUNT); password from FILON_ACCOUNT_PASSWORD or a prompt.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts.")


def _duration(text: str) -> int:
    match = _DURATION.match(text.strip())
    if not match:
        fail(f"--valid-for takes a number and a unit (s, m, h or d), like 7d, not {text!r}")
        raise AssertionError  # unreachable: fail raises
    return int(match.group(1)) * _SECONDS[match.group(2)]


@click.group()
def lot() -> None:
    """Declare, sign, submit and inspect gold lots."""


@lot.command()
@deployment_option
@account_option
@click.option("--offline", is_flag=True, help="Assert that nothing touches the network (it never does).")
@click.option("--mine", "mine_id", required=True, type=click.IntRange(min=1), help="The mine's id.")
@click.option("--fine-gold-mg", required=True, type=click.IntRange(min=1), help="Fine gold, in mg.")
@click.option("--gross-mass-mg", required=True, type=click.IntRange(min=1), help="Gross mass, in mg.")
@click.option("--passport-root", required=True, metavar="HEX", help="The passport's 32-byte root (0x...).")
@click.option("--passport-uri", default="", help="Where the passport can be fetched.")
@click.option("--external-ref", default="", help="Your own reference for the lot (unique per operator).")
@click.option("--recipient", metavar="ADDRESS", help="Who receives the lot (default: you, the operator).")
@click.option(
    "--nonce", type=click.IntRange(min=0), help="Your next declaration nonce (read online if omitted)."
)
@click.option("--valid-for", default="7d", show_default=True, help="How long the plant has to submit it.")
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
    account: Path,
    offline: bool,
    mine_id: int,
    fine_gold_mg: int,
    gross_mass_mg: int,
    passport_root: str,
    passport_uri: str,
    external_ref: str,
    recipient: str | None,
    nonce: int | None,
    valid_for: str,
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
        deadline=int(time.time()) + _duration(valid_for),
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
def submit(file: Path, rpc: str | None, deployment: Path, account: Path, as_json: bool) -> None:
    """Submit a declaration a mine operator signed offline; the lot goes to its recipient."""
    if not rpc:
        fail("Give --rpc (or FILON_RPC_URL): submitting needs the chain")
    assert rpc is not None
    try:
        text = file.read_bytes()
    except OSError as exc:
        fail(f"Cannot read {file}: {exc.strerror}")
        raise AssertionError from None  # unreachable: fail raises
    declaration = SignedDeclaration.from_json(text)
    client = connect(rpc, deployment=Deployment.load(deployment), account=load_account(account))
    lot_id = client.submit_declaration(declaration)
    emit(
        {"lot_id": lot_id, "recipient": declaration.recipient, "operator": declaration.operator},
        as_json=as_json,
        lines=[f"Lot {lot_id} declared from mine {declaration.mine_id}, held by {declaration.recipient}"],
    )


@lot.command()
@click.argument("nonce", type=click.IntRange(min=0))
@rpc_option
@deployment_option
@account_option
@json_option
def cancel(nonce: int, rpc: str | None, deployment: Path, account: Path, as_json: bool) -> None:
    """Cancel a declaration you signed offline (its NONCE is used up, so it can never be submitted)."""
    if not rpc:
        fail("Give --rpc (or FILON_RPC_URL)")
    assert rpc is not None
    client = connect(rpc, deployment=Deployment.load(deployment), account=load_account(account))
    tx = client.cancel_declaration(nonce)
    emit(
        {"nonce": nonce, "transaction": tx}, as_json=as_json, lines=[f"Declaration {nonce} cancelled ({tx})"]
    )


@lot.command()
@click.argument("operator")
@rpc_option
@deployment_option
@json_option
@click.option("--key", type=click.IntRange(min=0, max=2**192 - 1), default=0, help="The nonce key.")
def nonce(operator: str, rpc: str | None, deployment: Path, as_json: bool, key: int) -> None:
    """Print OPERATOR's next declaration nonce under --key (0: the plain sequence)."""
    if not rpc:
        fail("Give --rpc (or FILON_RPC_URL)")
    assert rpc is not None
    value = connect(rpc, deployment=Deployment.load(deployment)).declaration_nonce(operator, key)
    emit({"operator": operator, "nonce": value}, as_json=as_json, lines=[str(value)])
