"""Separation of duties: who administers the registry holds no lots, and a participant administers nothing.

Also: the admin and registrar can be a k-of-n multisig (contracts/mocks/MultisigWallet.sol), which admits a
participant and registers a mine through executed proposals.
"""

import pytest
from eth_utils import keccak

DEFAULT_ADMIN_ROLE = bytes(32)
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
MINE_OPERATOR, PROCESSOR, TRADER = 1, 2, 4  # IFilonRegistry.Role


# ---------------------------------------------------------------- registrars and admins hold no lots


@pytest.mark.anvil
def test_the_deployer_cannot_be_admitted(lots, registrar, reverts):
    with reverts(lots.RegistrarCannotParticipate, account=registrar.address):
        lots.registerParticipant(registrar, TRADER, sender=registrar)

    assert lots.roleOf(registrar) == 0


@pytest.mark.parametrize("role", [REGISTRAR_ROLE, DEFAULT_ADMIN_ROLE], ids=["registrar", "admin"])
def test_a_granted_registrar_or_admin_cannot_be_admitted(lots, registrar, outsider, reverts, role):
    lots.grantRole(role, outsider, sender=registrar)

    with reverts(lots.RegistrarCannotParticipate, account=outsider.address):
        lots.registerParticipant(outsider, PROCESSOR, sender=registrar)


@pytest.mark.anvil
@pytest.mark.parametrize("role", [REGISTRAR_ROLE, DEFAULT_ADMIN_ROLE], ids=["registrar", "admin"])
def test_a_participant_cannot_be_granted_registrar_or_admin(lots, registrar, plant, reverts, role):
    with reverts(lots.ParticipantCannotAdminister, account=plant.address, role=role):
        lots.grantRole(role, plant, sender=registrar)

    assert not lots.hasRole(role, plant)


def test_a_removed_participant_can_be_granted_the_registrar_role(lots, registrar, plant, emitted):
    lots.removeParticipant(plant, sender=registrar)

    receipt = lots.grantRole(REGISTRAR_ROLE, plant, sender=registrar)

    assert lots.hasRole(REGISTRAR_ROLE, plant)
    assert emitted(receipt) == [
        ("RoleGranted", {"role": REGISTRAR_ROLE, "account": plant.address, "sender": registrar.address})
    ]


def test_a_former_registrar_can_be_admitted(lots, registrar, outsider, emitted):
    lots.grantRole(REGISTRAR_ROLE, outsider, sender=registrar)
    lots.revokeRole(REGISTRAR_ROLE, outsider, sender=registrar)

    receipt = lots.registerParticipant(outsider, TRADER, sender=registrar)

    assert lots.roleOf(outsider) == TRADER
    assert emitted(receipt) == [("ParticipantRegistered", {"account": outsider.address, "role": TRADER})]


def test_a_registrar_that_renounced_its_roles_can_be_admitted(lots, registrar, outsider):
    lots.grantRole(DEFAULT_ADMIN_ROLE, outsider, sender=registrar)
    lots.grantRole(REGISTRAR_ROLE, outsider, sender=registrar)
    lots.renounceRole(DEFAULT_ADMIN_ROLE, registrar, sender=registrar)
    lots.renounceRole(REGISTRAR_ROLE, registrar, sender=registrar)

    lots.registerParticipant(registrar, TRADER, sender=outsider)

    assert lots.roleOf(registrar) == TRADER


def test_other_roles_are_not_barred(lots, registrar, plant):
    """Only the two roles that administer the registry are barred; AccessControl knows no others here."""
    other = keccak(text="OTHER_ROLE")

    lots.grantRole(other, plant, sender=registrar)

    assert lots.hasRole(other, plant)


def test_a_participant_keeps_its_role_when_the_grant_fails(lots, registrar, plant, reverts):
    with reverts(lots.ParticipantCannotAdminister, account=plant.address, role=REGISTRAR_ROLE):
        lots.grantRole(REGISTRAR_ROLE, plant, sender=registrar)

    assert lots.roleOf(plant) == PROCESSOR


# ---------------------------------------------------------------- a multisig registrar


@pytest.fixture
def owners(accounts):
    return accounts[0], accounts[6], accounts[9]


@pytest.fixture
def multisig(project, owners):
    """A 2-of-3 multisig of the registrar, the outsider and a tenth account."""
    return owners[0].deploy(project.MultisigWallet, [owner.address for owner in owners], 2)


@pytest.fixture
def governed(project, owners, multisig):
    """FilonLots whose admin and registrar is the multisig."""
    return owners[0].deploy(project.FilonLots, multisig)


def run(multisig, target, call, owners):
    """Proposes `call` (calldata) to `target` by the first owner, approves it by the second, executes it."""
    receipt = multisig.propose(target, call, sender=owners[0])
    proposal = int(receipt.events.filter(multisig.Proposed)[0].proposalId)
    multisig.approve(proposal, sender=owners[1])
    return multisig.execute(proposal, sender=owners[1])


@pytest.mark.anvil
def test_a_multisig_registrar_admits_a_participant_and_registers_a_mine(
    governed, multisig, owners, miner, chain
):
    assert governed.hasRole(DEFAULT_ADMIN_ROLE, multisig)
    assert governed.hasRole(REGISTRAR_ROLE, multisig)
    admit = governed.registerParticipant.encode_input(miner, MINE_OPERATOR)
    expiry = chain.pending_timestamp + 365 * 86_400
    mine = governed.registerMine.encode_input(
        miner, keccak(text="permit"), expiry, b"PE", keccak(text="loc"), 1_000, keccak(text="docs")
    )

    admitted = run(multisig, governed, admit, owners)
    registered = run(multisig, governed, mine, owners)

    assert governed.roleOf(miner) == MINE_OPERATOR
    assert [log.event_name for log in admitted.events] == ["Executed", "ParticipantRegistered"]
    assert governed.mine(1).operator == miner.address
    assert [log.event_name for log in registered.events] == ["Executed", "MineRegistered"]


def test_one_owner_alone_cannot_act_for_the_multisig(governed, multisig, owners, miner, reverts):
    admit = governed.registerParticipant.encode_input(miner, MINE_OPERATOR)
    multisig.propose(governed, admit, sender=owners[0])

    with reverts(multisig.NotEnoughApprovals, proposalId=0, approvals=1, threshold=2):
        multisig.execute(0, sender=owners[0])
    with reverts(
        governed.AccessControlUnauthorizedAccount, account=owners[0].address, neededRole=REGISTRAR_ROLE
    ):
        governed.registerParticipant(miner, MINE_OPERATOR, sender=owners[0])

    assert governed.roleOf(miner) == 0


def test_a_multisig_proposal_runs_once(governed, multisig, owners, miner, reverts):
    run(multisig, governed, governed.registerParticipant.encode_input(miner, MINE_OPERATOR), owners)

    with reverts(multisig.AlreadyExecuted, proposalId=0):
        multisig.execute(0, sender=owners[2])


def test_the_multisig_registrar_cannot_admit_itself(governed, multisig, owners, reverts):
    admit_itself = governed.registerParticipant.encode_input(multisig, TRADER)

    with reverts(governed.RegistrarCannotParticipate, account=multisig.address):
        run(multisig, governed, admit_itself, owners)
