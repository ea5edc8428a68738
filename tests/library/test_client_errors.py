"""Contract errors come back as their own exception classes, with their decoded arguments."""

from __future__ import annotations

import json
import pickle
import threading
import time
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import dev_accounts, start_anvil

from .helpers import CAPACITY_MG, LOCATION_HASH, PERMIT_HASH, Roles, World, nonce, root, rpc

REGISTRAR_ROLE = Web3.keccak(text="REGISTRAR_ROLE")
NEVER_ADMITTED = "0x" + "42" * 20
ABI = json.loads((Path(filon.__file__).parent / "artifacts" / "FilonLots.json").read_text())["abi"]


def test_every_contract_error_has_its_own_class() -> None:
    names = {item["name"] for item in ABI if item["type"] == "error"}
    classes = filon.error_classes()

    assert set(classes) == names
    assert all(cls is not filon.ContractRevert for cls in classes.values()), [
        name for name, cls in classes.items() if cls is filon.ContractRevert
    ]
    assert all(issubclass(cls, filon.ContractRevert) for cls in classes.values())
    assert classes["AccessControlUnauthorizedAccount"] is filon.Unauthorized
    assert classes["ERC721InsufficientApproval"] is filon.NotApproved
    exported = {getattr(filon, name) for name in filon.__all__}
    assert set(classes.values()) <= exported


def test_capacity_exceeded(world: World, miner: filon.Client, roles: Roles) -> None:
    miner.declare_lot(
        world.mine, fine_gold_mg=CAPACITY_MG - 100, gross_mass_mg=CAPACITY_MG, passport_root=root("a")
    )
    before = nonce(world.url, roles.miner)

    with pytest.raises(filon.CapacityExceeded) as info:
        miner.declare_lot(world.mine, fine_gold_mg=101, gross_mass_mg=200, passport_root=root("b"))

    error = info.value
    assert (error.mine_id, error.requested_mg, error.remaining_mg) == (world.mine, 101, 100)
    assert error.arguments == {"mine_id": world.mine, "requested_mg": 101, "remaining_mg": 100}
    assert str(error) == (
        "Mine 1 cannot declare 101 mg of fine gold: only 100 mg of its yearly capacity is left."
    )
    assert error.transaction_hash is None  # caught at estimation: nothing was sent
    assert nonce(world.url, roles.miner) == before
    assert isinstance(error, filon.ContractRevert)
    assert isinstance(error, filon.FilonError)


def test_mine_not_active_after_suspension(world: World, registrar: filon.Client, miner: filon.Client) -> None:
    registrar.set_mine_status(world.mine, filon.MineStatus.SUSPENDED)

    with pytest.raises(filon.MineNotActive) as info:
        miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("a"))

    assert (info.value.mine_id, info.value.status) == (world.mine, filon.MineStatus.SUSPENDED)
    assert str(info.value) == "Mine 1 is SUSPENDED, not active: it cannot declare lots."


def test_not_mine_operator(world: World, miner2: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.NotMineOperator) as info:
        miner2.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("a"))

    assert (info.value.mine_id, info.value.account) == (world.mine, roles.miner2.address)
    assert isinstance(info.value, PermissionError)


def test_permit_expired(world: World, registrar: filon.Client, miner: filon.Client) -> None:
    now = int(Web3(HTTPProvider(world.url)).eth.get_block("latest")["timestamp"])
    registrar.update_permit(world.mine, permit_hash=PERMIT_HASH, permit_expiry=now + 60)
    rpc(world.url, "evm_increaseTime", 120)
    rpc(world.url, "evm_mine")

    with pytest.raises(filon.PermitExpired) as info:
        miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("a"))

    assert (info.value.mine_id, info.value.permit_expiry) == (world.mine, now + 60)


def test_not_holder(world: World, miner: filon.Client, plant: filon.Client, roles: Roles) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=5, gross_mass_mg=5, passport_root=root("a"))

    with pytest.raises(filon.NotHolder) as info:
        plant.record_passport(lot_id, passport_root=root("b"))
    with pytest.raises(filon.NotHolder) as via_transform:
        plant.transform([lot_id], [filon.LotOutput(filon.Form.DORE, 5, 5)], passport_root=root("c"))

    for error in (info.value, via_transform.value):
        assert (error.lot_id, error.account, error.holder) == (
            lot_id,
            roles.plant.address,
            roles.miner.address,
        )
        assert isinstance(error, PermissionError)
    assert str(info.value) == (
        f"{roles.plant.address} is not the holder of lot 1 (held by {roles.miner.address}) "
        "nor approved for it."
    )


def test_moving_a_lot_held_by_another_is_not_approved(
    world: World, miner: filon.Client, plant: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=5, gross_mass_mg=5, passport_root=root("a"))

    with pytest.raises(filon.NotApproved) as info:
        plant.transfer(lot_id, roles.plant.address, from_address=roles.miner.address)
    with pytest.raises(filon.IncorrectOwner) as wrong_from:
        miner.transfer(lot_id, roles.plant.address, from_address=roles.plant.address)

    assert (info.value.operator, info.value.lot_id) == (roles.plant.address, lot_id)
    assert isinstance(info.value, filon.ERC721Error)
    assert wrong_from.value.arguments == {
        "sender": roles.plant.address,
        "lot_id": lot_id,
        "owner": roles.miner.address,
    }


def test_not_participant(world: World, miner: filon.Client, roles: Roles) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=5, gross_mass_mg=5, passport_root=root("a"))

    with pytest.raises(filon.NotParticipant) as info:
        miner.transfer(lot_id, roles.outsider.address)

    assert info.value.account == roles.outsider.address
    assert str(info.value) == f"{roles.outsider.address} is not an admitted participant."


def test_mass_not_conserved(world: World, miner: filon.Client) -> None:
    a = miner.declare_lot(world.mine, fine_gold_mg=600, gross_mass_mg=1_000, passport_root=root("a"))
    b = miner.declare_lot(world.mine, fine_gold_mg=400, gross_mass_mg=1_000, passport_root=root("b"))

    with pytest.raises(filon.MassNotConserved) as info:
        miner.transform(
            [a, b],
            [filon.LotOutput(filon.Form.DORE, 800, 900), filon.LotOutput(filon.Form.DORE, 201, 300)],
            passport_root=root("c"),
        )

    assert (info.value.input_mg, info.value.output_mg) == (1_000, 1_001)
    assert isinstance(info.value, ValueError)


def test_lot_consumed(world: World, miner: filon.Client, roles: Roles) -> None:
    a = miner.declare_lot(world.mine, fine_gold_mg=600, gross_mass_mg=1_000, passport_root=root("a"))
    miner.transform([a], [filon.LotOutput(filon.Form.DORE, 600, 700)], passport_root=root("d"))

    with pytest.raises(filon.LotConsumed) as transferred:
        miner.transfer(a, roles.plant.address)
    with pytest.raises(filon.LotConsumed) as reused:
        miner.transform([a], [filon.LotOutput(filon.Form.DORE, 1, 1)], passport_root=root("e"))

    assert transferred.value.lot_id == reused.value.lot_id == a


def test_duplicate_external_ref_carries_the_existing_lot(
    world: World, miner: filon.Client, roles: Roles
) -> None:
    miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("a"))
    existing = miner.declare_lot(
        world.mine, fine_gold_mg=2, gross_mass_mg=2, passport_root=root("b"), external_ref="ERP-42"
    )

    with pytest.raises(filon.DuplicateExternalRef) as info:
        miner.declare_lot(
            world.mine, fine_gold_mg=2, gross_mass_mg=2, passport_root=root("b"), external_ref="ERP-42"
        )

    assert existing == 2
    assert info.value.arguments == {"issuer": roles.miner.address, "external_ref": "ERP-42", "lot_id": 2}
    assert (
        str(info.value) == f"{roles.miner.address} already declared lot 2 with external reference 'ERP-42'."
    )
    assert miner.lot_count() == 2


def test_unauthorized_for_a_non_registrar(world: World, plant: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.Unauthorized) as info:
        plant.register_participant(roles.outsider.address, filon.Role.TRADER)

    assert (info.value.account, info.value.role) == (roles.plant.address, REGISTRAR_ROLE)
    assert info.value.role_name == "REGISTRAR_ROLE"
    assert str(info.value) == f"{roles.plant.address} lacks the REGISTRAR_ROLE needed for this call."
    assert isinstance(info.value, PermissionError)


def test_the_registrar_cannot_be_admitted(world: World, registrar: filon.Client, roles: Roles) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.RegistrarCannotParticipate) as info:
        registrar.register_participant(roles.registrar.address, filon.Role.TRADER)

    assert info.value.arguments == {"account": roles.registrar.address}
    assert str(info.value) == (
        f"{roles.registrar.address} holds the registrar or admin role and cannot be admitted as a "
        "participant: revoke its roles first."
    )
    assert isinstance(info.value, PermissionError)
    assert nonce(world.url, roles.registrar) == before
    assert registrar.role_of(roles.registrar.address) is None


@pytest.mark.parametrize("lot_id", [2, 99, 101])
def test_unknown_lot_and_unknown_mine(
    world: World, miner: filon.Client, reader: filon.Client, lot_id: int
) -> None:
    # Lot 1 takes ids 1-100 for miner: 2 and 99 lie in that block but are not minted; 101 is in no block.
    assert miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("a")) == 1

    with pytest.raises(filon.UnknownLot) as lot:
        reader.lot(filon.LotId(lot_id))
    with pytest.raises(filon.UnknownLot) as history:
        reader.history(filon.LotId(lot_id))
    with pytest.raises(filon.UnknownLot) as provenance:
        reader.provenance(filon.LotId(lot_id))
    with pytest.raises(filon.UnknownMine) as mine:
        reader.mine(filon.MineId(7))

    assert lot.value.lot_id == history.value.lot_id == provenance.value.lot_id == lot_id
    assert str(lot.value) == f"No lot has id {lot_id}."
    assert isinstance(lot.value, LookupError)
    assert mine.value.mine_id == 7
    assert str(mine.value) == "No mine has id 7."


def test_registry_rule_errors(world: World, registrar: filon.Client, roles: Roles) -> None:
    registrar.register_participant(roles.outsider.address, filon.Role.MINE_OPERATOR)  # operates no mine

    with pytest.raises(filon.InvalidCountry) as country:
        registrar.register_mine(
            roles.outsider.address, PERMIT_HASH, world.permit_expiry, "pe", LOCATION_HASH, 1
        )
    with pytest.raises(filon.NotMineOperatorRole) as operator:
        registrar.register_mine(roles.plant.address, PERMIT_HASH, world.permit_expiry, "PE", LOCATION_HASH, 1)
    with pytest.raises(filon.InvalidMineStatusChange) as status:
        registrar.set_mine_status(world.mine, filon.MineStatus.ACTIVE)
    with pytest.raises(filon.NotParticipant) as not_admitted:
        registrar.remove_participant(NEVER_ADMITTED)

    assert country.value.country == "pe"
    assert operator.value.account == roles.plant.address
    assert not_admitted.value.account == Web3.to_checksum_address(NEVER_ADMITTED)
    assert status.value.arguments == {
        "mine_id": world.mine,
        "status": filon.MineStatus.ACTIVE,
        "requested": filon.MineStatus.ACTIVE,
    }


def test_an_operator_operates_one_mine(world: World, registrar: filon.Client, roles: Roles) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.OperatorHasMine) as info:
        registrar.register_mine(
            roles.miner2.address, PERMIT_HASH, world.permit_expiry, "BO", LOCATION_HASH, 1
        )

    error = info.value
    assert error.arguments == {"operator": roles.miner2.address, "mine_id": world.mine2}
    assert (error.operator, error.mine_id) == (roles.miner2.address, 2)
    assert str(error) == (
        f"{roles.miner2.address} already operates mine 2, and an address can operate only one mine."
    )
    assert isinstance(error, filon.ContractRevert)
    assert error.transaction_hash is None
    assert nonce(world.url, roles.registrar) == before
    assert registrar.mine_count() == 2


def test_a_removed_operator_of_a_suspended_mine_is_refused_for_its_role(
    world: World, registrar: filon.Client, miner: filon.Client, roles: Roles
) -> None:
    registrar.set_mine_status(world.mine, filon.MineStatus.SUSPENDED)
    registrar.remove_participant(roles.miner.address)

    # The operator's role is checked before the mine's status, permit and capacity.
    with pytest.raises(filon.NotMineOperatorRole) as info:
        miner.declare_lot(
            world.mine, fine_gold_mg=CAPACITY_MG + 1, gross_mass_mg=CAPACITY_MG + 1, passport_root=root("a")
        )

    assert info.value.account == roles.miner.address


def test_a_signed_declaration_checks_its_recipient_last(
    world: World, plant: filon.Client, roles: Roles
) -> None:
    def signed(fine_gold_mg: int) -> filon.SignedDeclaration:
        return filon.sign_declaration(
            roles.miner,
            world.deployment,
            mine_id=world.mine,
            fine_gold_mg=fine_gold_mg,
            gross_mass_mg=fine_gold_mg,
            passport_root=root("a"),
            recipient=roles.outsider.address,
            nonce=0,
            deadline=world.permit_expiry,
        )

    with pytest.raises(filon.CapacityExceeded) as over:
        plant.submit_declaration(signed(CAPACITY_MG + 1))
    with pytest.raises(filon.NotParticipant) as recipient:
        plant.submit_declaration(signed(1))

    assert over.value.arguments == {
        "mine_id": world.mine,
        "requested_mg": CAPACITY_MG + 1,
        "remaining_mg": CAPACITY_MG,
    }
    assert recipient.value.account == roles.outsider.address
    assert plant.declaration_nonce(roles.miner.address) == 0


def test_a_transaction_that_is_never_mined_times_out() -> None:
    registrar = dev_accounts(1)[0]
    with start_anvil(block_time=3600) as slow:
        rpc(slow.url, "evm_mine")  # nothing else will be mined: blocks come once an hour
        deployment = _deploy_on_a_chain_without_blocks(slow.url)
        client = filon.connect(slow.url, deployment=deployment, account=registrar, timeout=0.5)

        with pytest.raises(filon.TransactionTimeout, match=r"was not mined within 0\.5 s") as pending:
            client.register_participant(NEVER_ADMITTED, filon.Role.TRADER)
        assert type(pending.value) is filon.TransactionTimeout
        assert isinstance(pending.value, TimeoutError)

        rpc(slow.url, "anvil_dropAllTransactions")  # the first send, still pending, out of the way
        dropper = threading.Thread(target=_drop_once_pending, args=(slow.url,))
        dropper.start()
        with pytest.raises(filon.TransactionDropped, match="no longer knows it") as dropped:
            client.register_participant(NEVER_ADMITTED, filon.Role.TRADER)
        dropper.join()
        assert dropped.value.transaction_hash.startswith("0x")
        assert len(dropped.value.transaction_hash) == 66


def _drop_once_pending(url: str) -> None:
    """Drops the node's pending transactions as soon as there is one (not after a fixed delay, which a
    loaded machine can overrun before the client has even sent it)."""
    deadline = time.monotonic() + 30
    while int(rpc(url, "txpool_status")["pending"], 16) == 0:
        assert time.monotonic() < deadline, "the client never sent its transaction"
        time.sleep(0.01)
    rpc(url, "anvil_dropAllTransactions")


def _deploy_on_a_chain_without_blocks(url: str) -> filon.Deployment:
    """Deploys with an explicit `evm_mine`, since the chain mines no block by itself."""
    registrar = dev_accounts(1)[0]
    result: list[filon.Deployment] = []
    worker = threading.Thread(target=lambda: result.append(filon.deploy(url, registrar)))
    worker.start()
    while worker.is_alive():
        rpc(url, "evm_mine")
        worker.join(0.05)
    return result[0]


def test_errors_survive_pickling_with_their_attributes(world: World, miner: filon.Client) -> None:
    miner.declare_lot(
        world.mine, fine_gold_mg=CAPACITY_MG, gross_mass_mg=CAPACITY_MG, passport_root=root("a")
    )
    with pytest.raises(filon.CapacityExceeded) as info:
        miner.declare_lots([filon.LotDeclaration(world.mine, 1, 1, root("b"))])

    copy = pickle.loads(pickle.dumps(info.value))
    mismatch = pickle.loads(
        pickle.dumps(filon.DeploymentMismatch("m", address="0x1", manifest_chain_id=1, rpc_chain_id=2))
    )

    assert type(copy) is filon.CapacityExceeded
    assert copy.arguments == {"mine_id": world.mine, "requested_mg": 1, "remaining_mg": 0}
    assert (copy.batch_index, copy.confirmed_lot_ids, str(copy)) == (0, (), str(info.value))
    assert (mismatch.manifest_chain_id, mismatch.rpc_chain_id, str(mismatch)) == (1, 2, "m")


def test_the_capacity_limit_is_the_contracts_own(world: World, registrar: filon.Client) -> None:
    """The library states the contract's limits from one place, and says them right."""
    chain = Web3(HTTPProvider(world.url))
    lots = chain.eth.contract(address=world.deployment.address, abi=ABI)
    assert lots.functions.MAX_CAPACITY_MG().call() == filon.MAX_CAPACITY_MG == 2**39 - 1
    registrar.set_mine_capacity(world.mine, filon.MAX_CAPACITY_MG)
    assert registrar.mine(world.mine).capacity_mg == filon.MAX_CAPACITY_MG
    with pytest.raises(filon.InvalidCapacity) as refused:
        registrar.set_mine_capacity(world.mine, filon.MAX_CAPACITY_MG + 1)
    assert refused.value.capacity_mg == 2**39
    assert str(refused.value) == (
        "549755813888 mg is not a valid yearly capacity "
        "(positive, at most 549,755,813,887 mg, which is 2^39 - 1)."
    )
