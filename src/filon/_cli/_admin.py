"""The registrar's commands: `filon deploy`, `filon participant ...`, `filon mine ...`."""

from __future__ import annotations

from pathlib import Path

import click

from filon._cli._common import (
    account_option,
    connected,
    console,
    emit,
    fail,
    json_option,
    load_account,
    need_rpc,
    open_client,
    print_json,
    rpc_option,
    signed,
)
from filon._cli._render import mine_json, mine_table
from filon._cli._types import ADDRESS, HASH, KILOGRAMS, MINE_ID, UNIX_TIME
from filon._deployment import deploy as deploy_contract
from filon._types import MineId, MineStatus, Role

ROLES = {
    "processor": Role.PROCESSOR,
    "refiner": Role.REFINER,
    "trader": Role.TRADER,
    "manufacturer": Role.MANUFACTURER,
    "mine-operator": Role.MINE_OPERATOR,
    "auditor": Role.AUDITOR,
    "laboratory": Role.LABORATORY,
}


@click.command()
@rpc_option
@account_option
@click.option(
    "--out",
    default="deployment.json",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the deployment manifest (never overwritten).",
)
@json_option
def deploy(rpc: str | None, account: str, out: Path, as_json: bool) -> None:
    """Deploy FilonLots; the account becomes its admin and registrar."""
    url = need_rpc(rpc)
    if out.exists():
        fail(f"{out} already exists: choose another --out")
    deployment = deploy_contract(url, load_account(account))
    try:
        deployment.save(out)
    except OSError as exc:
        fail(f"FilonLots deployed at {deployment.address} but {out} cannot be written: {exc.strerror or exc}")
    emit(
        {
            "manifest": str(out),
            "address": deployment.address,
            "chain_id": deployment.chain_id,
            "deployment_block": deployment.deployment_block,
            "deployer": deployment.deployer,
        },
        as_json=as_json,
        lines=[
            f"FilonLots deployed at {deployment.address} on chain {deployment.chain_id} "
            f"(block {deployment.deployment_block})",
            f"Manifest written to {out}",
        ],
    )


@click.group()
def participant() -> None:
    """Supply-chain participants: admit them and publish their records (registrar), show who is who, publish
    your encryption key."""


@participant.command("add")
@click.argument("address", type=ADDRESS)
@click.option("--role", required=True, type=click.Choice(list(ROLES)), help="The participant's role.")
@signed
@json_option
def participant_add(
    address: str, role: str, rpc: str | None, deployment: Path, account: str, as_json: bool
) -> None:
    """Admit ADDRESS with --role (or change an admitted participant's role)."""
    client = open_client(rpc, deployment, account)
    tx = client.register_participant(address, ROLES[role])
    emit(
        {"address": address, "role": role, "transaction": tx},
        as_json=as_json,
        lines=[f"{address} admitted as {role} ({tx})"],
    )


@click.group()
def mine() -> None:
    """Register mines, change their status, and look them up."""


@mine.command("register")
@click.option(
    "--operator", required=True, type=ADDRESS, metavar="ADDRESS", help="The mine operator (admitted as such)."
)
@click.option(
    "--permit-hash", required=True, type=HASH, metavar="HEX", help="The permit's 32-byte hash (0x...)."
)
@click.option(
    "--permit-expiry",
    "expiry",
    required=True,
    type=UNIX_TIME,
    metavar="DATE|UNIX",
    help="YYYY-MM-DD (UTC), an ISO 8601 date-time or Unix seconds.",
)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 code, e.g. PE.")
@click.option(
    "--location-hash", required=True, type=HASH, metavar="HEX", help="The location record's 32-byte hash."
)
@click.option(
    "--capacity-kg",
    "capacity_mg",
    required=True,
    type=KILOGRAMS,
    metavar="KG",
    help="Fine gold per calendar year, in kg.",
)
@signed
@json_option
def mine_register(
    operator: str,
    permit_hash: bytes,
    expiry: int,
    country: str,
    location_hash: bytes,
    capacity_mg: int,
    rpc: str | None,
    deployment: Path,
    account: str,
    as_json: bool,
) -> None:
    """Register an active mine (registrar only)."""
    client = open_client(rpc, deployment, account)
    mine_id = client.register_mine(
        operator=operator,
        permit_hash=permit_hash,
        permit_expiry=expiry,
        country=country,
        location_hash=location_hash,
        capacity_mg=capacity_mg,
    )
    emit(
        {"mine_id": int(mine_id), "operator": operator, "capacity_mg": capacity_mg, "permit_expiry": expiry},
        as_json=as_json,
        lines=[f"Mine {mine_id} registered, operated by {operator}"],
    )


def _status_command(name: str, status: MineStatus, done: str, summary: str) -> click.Command:
    @click.argument("mine_id", type=MINE_ID)
    @signed
    @json_option
    def command(mine_id: int, rpc: str | None, deployment: Path, account: str, as_json: bool) -> None:
        client = open_client(rpc, deployment, account)
        tx = client.set_mine_status(MineId(mine_id), status)
        emit(
            {"mine_id": mine_id, "status": status.name.lower(), "transaction": tx},
            as_json=as_json,
            lines=[f"Mine {mine_id} {done} ({tx})"],
        )

    command.__doc__ = summary
    return mine.command(name)(command)


_status_command(
    "suspend", MineStatus.SUSPENDED, "suspended", "Suspend MINE_ID: it declares nothing until reactivated."
)
_status_command("reactivate", MineStatus.ACTIVE, "reactivated", "Reactivate a suspended MINE_ID.")
_status_command("revoke", MineStatus.REVOKED, "revoked", "Revoke MINE_ID for good.")


@mine.command("show")
@click.argument("mine_id", type=MINE_ID)
@connected
@json_option
def mine_show(mine_id: int, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """Show MINE_ID: permit, expiry, capacity, fine gold declared this year, status."""
    record = open_client(rpc, deployment).mine(MineId(mine_id))
    if as_json:
        print_json(mine_json(record))
    else:
        console().print(mine_table(record))
