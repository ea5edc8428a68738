"""Offline declarations: a mine operator signs an EIP-712 declaration at the pit; a plant submits it later.

Signatures are made by the library's own `filon.sign_declaration` from the operator's key, exactly as a
miner's phone would, and checked by the contract with OpenZeppelin's EIP712 and SignatureChecker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

import filon

HOUR = 3600
MINE_OPERATOR = 1  # IFilonRegistry.Role.MineOperator
SUSPENDED = 2  # IFilonRegistry.MineStatus.Suspended


def passport_root(label: str) -> bytes:
    return keccak(text=f"passport:{label}")


@pytest.fixture
def domain(lots: Any, chain: Any) -> filon.DeclarationDomain:
    return filon.DeclarationDomain(chain_id=chain.chain_id, verifying_contract=lots.address)


def _key(account: Any) -> LocalAccount:
    return Account.from_key(account.private_key)


@pytest.fixture
def sign(
    domain: filon.DeclarationDomain, miner: Any, plant: Any, mine_id: int, chain: Any
) -> Callable[..., Any]:
    """Signs a declaration of 1 g fine / 5 g gross from `mine_id`, by `miner`, for `plant`, nonce 0."""

    def signed(signer: Any = None, **fields: Any) -> filon.SignedDeclaration:
        values: dict[str, Any] = {
            "mine_id": mine_id,
            "fine_gold_mg": 1_000,
            "gross_mass_mg": 5_000,
            "passport_root": passport_root("offline"),
            "recipient": plant.address,
            "nonce": 0,
            "deadline": chain.pending_timestamp + HOUR,
            "external_ref": "PIT-7",
        }
        values.update(fields)
        return filon.sign_declaration(_key(miner if signer is None else signer), domain, **values)

    return signed


def _submit(lots: Any, declaration: filon.SignedDeclaration, sender: Any) -> Any:
    return lots.submitDeclaration(
        declaration.as_contract_tuple(), "ipfs://offline", declaration.signature, sender=sender
    )


def test_plant_submits_miner_signed_declaration_and_receives_the_lot(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int, emitted: Any
) -> None:
    declaration = sign()

    receipt = _submit(lots, declaration, plant)

    assert emitted(receipt) == [
        ("Transfer", {"from": "0x" + "00" * 20, "to": plant.address, "tokenId": 1}),
        (
            "LotDeclared",
            {
                "lotId": 1,
                "mineId": mine_id,
                "fineGoldMg": 1_000,
                "grossMassMg": 5_000,
                "passportRoot": passport_root("offline"),
                "passportURI": "ipfs://offline",
                "externalRef": "PIT-7",
            },
        ),
        ("DeclarationRelayed", {"lotId": 1, "operator": miner.address, "relayer": plant.address, "nonce": 0}),
    ]
    assert lots.ownerOf(1) == plant.address
    assert lots.nonces(miner) == 1
    assert lots.lotByExternalRef(miner, "PIT-7") == 1
    assert lots.mine(mine_id).declaredThisYearMg == 1_000


def test_operator_may_name_itself_recipient(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int, emitted: Any
) -> None:
    receipt = _submit(lots, sign(recipient=miner.address), plant)

    assert emitted(receipt)[0] == ("Transfer", {"from": "0x" + "00" * 20, "to": miner.address, "tokenId": 1})
    assert (lots.ownerOf(1), lots.balanceOf(miner), lots.balanceOf(plant)) == (miner.address, 1, 0)
    assert lots.mine(mine_id).declaredThisYearMg == 1_000
    # The mine's capacity and the operator's lot ids share its account slot: both were updated.
    lots.declareLot(mine_id, 2_000, 2_000, passport_root("online"), "", "", sender=miner)
    assert (lots.ownerOf(2), lots.balanceOf(miner)) == (miner.address, 2)
    assert lots.mine(mine_id).declaredThisYearMg == 3_000


def test_relayed_lot_takes_its_id_from_the_recipient_block(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int
) -> None:
    own = lots.declareLot(mine_id, 2_000, 2_000, passport_root("online"), "", "", sender=miner)

    first = _submit(lots, sign(), plant)
    second = _submit(lots, sign(recipient=miner.address, nonce=1, external_ref="PIT-8"), plant)

    assert [int(receipt.events.filter(lots.LotDeclared)[0].lotId) for receipt in (own, first, second)] == [
        1,
        101,
        2,
    ]
    assert [lots.ownerOf(lot) for lot in (1, 101, 2)] == [miner.address, plant.address, miner.address]
    assert (lots.balanceOf(miner), lots.balanceOf(plant)) == (2, 1)
    assert lots.mine(mine_id).declaredThisYearMg == 4_000


def test_replayed_declaration_is_refused(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, reverts: Any
) -> None:
    declaration = sign()
    _submit(lots, declaration, plant)

    with reverts(lots.InvalidAccountNonce, account=miner.address, currentNonce=1):
        _submit(lots, declaration, plant)


def test_declarations_are_used_in_nonce_order(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, reverts: Any
) -> None:
    second = sign(nonce=1, external_ref="PIT-8")

    with reverts(lots.InvalidAccountNonce, account=miner.address, currentNonce=0):
        _submit(lots, second, plant)
    _submit(lots, sign(), plant)
    _submit(lots, second, plant)
    assert lots.nonces(miner) == 2


def test_expired_declaration_is_refused(
    lots: Any, sign: Callable[..., Any], plant: Any, chain: Any, reverts: Any
) -> None:
    deadline = chain.pending_timestamp + HOUR
    declaration = sign(deadline=deadline)
    chain.pending_timestamp = deadline + 1

    with reverts(lots.DeclarationExpired, deadline=deadline, nowTimestamp=deadline + 1):
        _submit(lots, declaration, plant)


def test_declaration_valid_until_its_deadline_inclusive(
    lots: Any, sign: Callable[..., Any], plant: Any, chain: Any
) -> None:
    deadline = chain.pending_timestamp + HOUR
    declaration = sign(deadline=deadline)
    chain.pending_timestamp = deadline

    _submit(lots, declaration, plant)

    assert lots.ownerOf(1) == plant.address


def test_signature_by_someone_other_than_the_operator_is_refused(
    lots: Any, sign: Callable[..., Any], miner: Any, miner2: Any, plant: Any, mine_id: int, reverts: Any
) -> None:
    forged = sign(signer=miner2)

    with reverts(lots.InvalidDeclarationSignature, mineId=mine_id, operator=miner.address):
        _submit(lots, forged, plant)


@pytest.mark.parametrize(
    "field, value",
    [
        ("fine_gold_mg", 2_000),
        ("gross_mass_mg", 6_000),
        ("passport_root", keccak(text="another passport")),
        ("external_ref", "PIT-8"),
        ("recipient", "refiner"),
        ("nonce", 1),
        ("deadline", "later"),
    ],
)
def test_any_field_changed_after_signing_is_refused(
    lots: Any,
    sign: Callable[..., Any],
    miner: Any,
    plant: Any,
    refiner: Any,
    mine_id: int,
    chain: Any,
    reverts: Any,
    field: str,
    value: Any,
) -> None:
    declaration = sign()
    if value == "refiner":
        value = refiner.address
    elif value == "later":
        value = declaration.deadline + 1
    tampered = replace(declaration, **{field: value})

    with reverts(lots.InvalidDeclarationSignature, mineId=mine_id, operator=miner.address):
        _submit(lots, tampered, plant)


def test_declaration_moved_to_another_mine_is_refused(
    lots: Any,
    sign: Callable[..., Any],
    miner2: Any,
    plant: Any,
    register_mine: Callable[..., int],
    reverts: Any,
) -> None:
    other_mine = register_mine(miner2, label="other")
    tampered = replace(sign(), mine_id=other_mine)

    with reverts(lots.InvalidDeclarationSignature, mineId=other_mine, operator=miner2.address):
        _submit(lots, tampered, plant)


def test_declaration_signed_for_another_deployment_is_refused(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int, chain: Any, reverts: Any
) -> None:
    elsewhere = filon.DeclarationDomain(chain_id=chain.chain_id, verifying_contract="0x" + "42" * 20)
    declaration = filon.sign_declaration(
        _key(miner),
        elsewhere,
        mine_id=mine_id,
        fine_gold_mg=1_000,
        gross_mass_mg=5_000,
        passport_root=passport_root("offline"),
        recipient=plant.address,
        nonce=0,
        deadline=chain.pending_timestamp + HOUR,
    )

    with reverts(lots.InvalidDeclarationSignature, mineId=mine_id, operator=miner.address):
        _submit(lots, declaration, plant)


def test_suspended_mine_at_submission_is_refused(
    lots: Any, sign: Callable[..., Any], registrar: Any, plant: Any, mine_id: int, reverts: Any
) -> None:
    declaration = sign()
    lots.suspendMine(mine_id, sender=registrar)

    with reverts(lots.MineNotActive, mineId=mine_id, status=2):
        _submit(lots, declaration, plant)


def test_capacity_exceeded_at_submission_is_refused(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int, capacity_mg: int, reverts: Any
) -> None:
    declaration = sign(fine_gold_mg=600_000, gross_mass_mg=900_000)
    lots.declareLot(mine_id, 500_000, 900_000, passport_root("online"), "", "", sender=miner)

    with reverts(
        lots.CapacityExceeded, mineId=mine_id, requestedMg=600_000, remainingMg=capacity_mg - 500_000
    ):
        _submit(lots, declaration, plant)


def test_external_ref_already_used_by_the_operator_is_refused(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, mine_id: int, reverts: Any
) -> None:
    lots.declareLot(mine_id, 1_000, 2_000, passport_root("online"), "", "PIT-7", sender=miner)

    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PIT-7", lotId=1):
        _submit(lots, sign(), plant)


def test_submitter_must_be_admitted(lots: Any, sign: Callable[..., Any], outsider: Any, reverts: Any) -> None:
    with reverts(lots.NotParticipant, account=outsider.address):
        _submit(lots, sign(), outsider)


def test_recipient_must_be_admitted(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, outsider: Any, mine_id: int, reverts: Any
) -> None:
    with reverts(lots.NotParticipant, account=outsider.address):
        _submit(lots, sign(recipient=outsider.address), plant)

    # Nothing of the refused declaration stayed: not the nonce, the capacity, the reference nor an id block.
    assert (lots.nonces(miner), lots.mine(mine_id).declaredThisYearMg) == (0, 0)
    assert lots.lotByExternalRef(miner, "PIT-7") == 0
    _submit(lots, sign(), plant)
    assert lots.ownerOf(1) == plant.address


def test_relayed_declaration_rules_are_checked_in_order(
    lots: Any,
    sign: Callable[..., Any],
    registrar: Any,
    miner: Any,
    plant: Any,
    outsider: Any,
    mine_id: int,
    capacity_mg: int,
    chain: Any,
    reverts: Any,
) -> None:
    """With every rule of the mine and the recipient broken at once, each error shows in turn."""
    lots.declareLot(mine_id, 1_000, 1_000, passport_root("online"), "", "PIT-7", sender=miner)
    expiry = chain.pending_timestamp + 1_000
    deadline = expiry + HOUR

    def signed(ref: str) -> filon.SignedDeclaration:
        return sign(
            fine_gold_mg=capacity_mg,
            gross_mass_mg=capacity_mg,
            recipient=outsider.address,
            deadline=deadline,
            external_ref=ref,
        )

    declaration = signed("PIT-7")
    lots.updatePermit(mine_id, keccak(text="short permit"), expiry, sender=registrar)
    lots.suspendMine(mine_id, sender=registrar)
    lots.removeParticipant(miner, sender=registrar)
    chain.pending_timestamp = expiry + 1

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        _submit(lots, declaration, plant)
    lots.registerParticipant(miner, MINE_OPERATOR, sender=registrar)
    with reverts(lots.MineNotActive, mineId=mine_id, status=SUSPENDED):
        _submit(lots, declaration, plant)
    lots.reactivateMine(mine_id, sender=registrar)
    with reverts(lots.PermitExpired, mineId=mine_id, permitExpiry=expiry):
        _submit(lots, declaration, plant)
    lots.updatePermit(mine_id, keccak(text="renewed permit"), deadline + HOUR, sender=registrar)
    with reverts(
        lots.CapacityExceeded, mineId=mine_id, requestedMg=capacity_mg, remainingMg=capacity_mg - 1_000
    ):
        _submit(lots, declaration, plant)
    lots.setMineCapacity(mine_id, capacity_mg + 1_000, sender=registrar)
    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PIT-7", lotId=1):
        _submit(lots, declaration, plant)
    declaration = signed("PIT-8")
    with reverts(lots.NotParticipant, account=outsider.address):
        _submit(lots, declaration, plant)
    lots.registerParticipant(outsider, 4, sender=registrar)  # a trader

    receipt = _submit(lots, declaration, plant)

    assert int(receipt.events.filter(lots.LotDeclared)[0].lotId) == 101  # the outsider's first block
    assert (lots.ownerOf(101), lots.nonces(miner)) == (outsider.address, 1)
    assert lots.mine(mine_id).declaredThisYearMg == capacity_mg + 1_000


def test_unknown_mine_is_refused(lots: Any, sign: Callable[..., Any], plant: Any, reverts: Any) -> None:
    with reverts(lots.UnknownMine, mineId=9):
        _submit(lots, sign(mine_id=9), plant)


def test_contract_wallet_operator_is_accepted(
    project: Any,
    lots: Any,
    registrar: Any,
    miner2: Any,
    plant: Any,
    domain: filon.DeclarationDomain,
    register_mine: Callable[..., int],
    chain: Any,
    reverts: Any,
) -> None:
    """A mine operated by an ERC-1271 contract wallet: the wallet's owner key signs for it."""
    wallet = registrar.deploy(project.OperatorWallet, miner2)
    lots.registerParticipant(wallet, MINE_OPERATOR, sender=registrar)
    wallet_mine = register_mine(wallet, label="cooperative")
    fields: dict[str, Any] = {
        "mine_id": wallet_mine,
        "fine_gold_mg": 1_000,
        "gross_mass_mg": 5_000,
        "passport_root": passport_root("cooperative"),
        "recipient": plant.address,
        "nonce": 0,
        "deadline": chain.pending_timestamp + HOUR,
    }
    by_owner = filon.sign_declaration(_key(miner2), domain, **fields)

    _submit(lots, by_owner, plant)

    assert lots.ownerOf(1) == plant.address
    assert lots.nonces(wallet) == 1
    by_stranger = filon.sign_declaration(_key(plant), domain, **{**fields, "nonce": 1})
    with reverts(lots.InvalidDeclarationSignature, mineId=wallet_mine, operator=wallet.address):
        _submit(lots, by_stranger, plant)


def test_signed_declaration_round_trips_through_json(sign: Callable[..., Any]) -> None:
    declaration = sign()

    text = declaration.to_json()

    assert " " not in text
    assert filon.SignedDeclaration.from_json(text) == declaration


def test_declaration_by_an_operator_no_longer_admitted_is_refused(
    lots: Any, sign: Callable[..., Any], registrar: Any, miner: Any, plant: Any, reverts: Any
) -> None:
    declaration = sign()
    lots.removeParticipant(miner, sender=registrar)

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        _submit(lots, declaration, plant)


def test_declaration_by_an_operator_moved_to_another_role_is_refused(
    lots: Any, sign: Callable[..., Any], registrar: Any, miner: Any, plant: Any, reverts: Any
) -> None:
    declaration = sign()
    lots.registerParticipant(miner, 4, sender=registrar)  # now a trader

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        _submit(lots, declaration, plant)


def test_declarations_under_different_keys_are_independent(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, chain: Any, reverts: Any
) -> None:
    """A miner signs each declaration under a fresh key: one that expires blocks none of the others."""
    expiring = sign(nonce=filon.declaration_nonce(7), deadline=chain.pending_timestamp + 60, external_ref="A")
    later = sign(nonce=filon.declaration_nonce(8), deadline=expiring.deadline + 10 * HOUR, external_ref="B")
    chain.pending_timestamp = expiring.deadline + 1

    with reverts(lots.DeclarationExpired, deadline=expiring.deadline, nowTimestamp=expiring.deadline + 1):
        _submit(lots, expiring, plant)
    _submit(lots, later, plant)

    assert lots.lotByExternalRef(miner, "B") == 1
    assert lots.nonces(miner, 8) == filon.declaration_nonce(8, 1)
    assert lots.nonces(miner, 7) == filon.declaration_nonce(7, 0)


def test_operator_cancels_a_signed_declaration(
    lots: Any, sign: Callable[..., Any], miner: Any, plant: Any, emitted: Any, reverts: Any
) -> None:
    key_nonce = filon.declaration_nonce(42)
    declaration = sign(nonce=key_nonce)

    receipt = lots.cancelDeclaration(key_nonce, sender=miner)

    assert emitted(receipt) == [("DeclarationCancelled", {"operator": miner.address, "keyNonce": key_nonce})]
    with reverts(
        lots.InvalidAccountNonce, account=miner.address, currentNonce=filon.declaration_nonce(42, 1)
    ):
        _submit(lots, declaration, plant)
    with reverts(
        lots.InvalidAccountNonce, account=miner.address, currentNonce=filon.declaration_nonce(42, 1)
    ):
        lots.cancelDeclaration(key_nonce, sender=miner)
