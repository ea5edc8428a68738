"""Gas used (receipt ``gasUsed``) by Filón's operations and by the usual ERC-721 patterns, on one Anvil.

Run: ``make bench`` (everything) or ``.venv/bin/python bench/gas.py``. Writes ``gas.*`` to
bench/results.json, and beside each figure the size of its transaction: ``calldata_bytes.*`` (the call's
input) and ``tx_bytes.*`` (the whole signed transaction, what a rollup posts to Ethereum; docs/networks.md
prices it). Every figure is one transaction's receipt, in the situation its name says:

- ``declare_lot``: an operator that already holds lots declares one more (no external reference);
  ``declare_lot_first``: an operator's first lot (other lots exist); ``declare_lot_with_ref``: with a
  12-character external reference (one more storage slot: the per-issuer uniqueness index);
- ``record_passport``: a second passport version; ``transfer``: ``transferFrom`` between two holders
  that both already hold lots; ``transform_N_M``: a holder turns N lots into M;
- ``submit_declaration``: a plant submits a miner's offline-signed declaration;
- ``publish_encryption_key``: a plant publishes its 33-byte (compressed secp256k1) public key;
  ``grant_access`` / ``revoke_access``: it grants a refiner access to a lot, then revokes it;
  ``transfer_and_grant_multicall``: ``transferFrom`` and ``grantAccess`` in one ``multicall`` (compare with
  ``transfer`` plus ``grant_access``);
- ``transform_1_1``: a refiner that already holds lots refines one lot into one bar;
  ``assign_serial``: it gives an existing bar a 15-character serial number; ``transform_1_1_with_serial``:
  the same refining with the bar's serial in one ``multicall`` (how ``Client.transform`` sends a
  ``LotOutput`` with a serial);
  ``transfer`` plus ``grant_access``); ``grant_access_provenance_multicall``: six grants (a doré and its five
  ore lots) in one ``multicall``, as ``grant_access(..., with_provenance=True)`` sends them;
- ``anchor_attestation`` / ``revoke_attestation``: a laboratory anchors, then revokes, a credential about a
  lot;
- ``publish_participant_record``: the registrar publishes the hash of a participant's record;
  ``publish_mine_record``: the registrar replaces a mine's record hash (``setMinePassport``; a mine
  registered without one pays for a fresh slot instead);
- ``record_register_snapshot``: the registrar records a government register snapshot alone;
  ``register_import_multicall``: a register import in one ``multicall`` (the snapshot, a suspension and a
  renewed permit);
- ``baseline_erc721_safemint``: OpenZeppelin ERC721 ``_safeMint`` to a holder that already holds tokens;
  ``baseline_uristorage_mint``: ERC721URIStorage mint with a 46-character CID as its URI;
- ``declare_lot_at_N`` / ``transform_2_1_at_N``: the same operations with N lots already on chain
  (1, 100, 10,000), to show that nothing grows with the chain.

Every contract is compiled with the project's settings (solc 0.8.30 through tools/solc.cjs, via-IR,
optimizer 200 runs, Prague) and measured side by side in one run.
"""

from __future__ import annotations

import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import solcx
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil

ROOT_DIR = Path(__file__).resolve().parent.parent
SOLC = ROOT_DIR / ".filon" / "solcx" / "solc-v0.8.30"
ROOT = b"\x11" * 32
URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"  # 46 characters, a CIDv0
YEAR = 365 * 24 * 3600
SCALES = (1, 100, 10_000)


def _compile_baselines() -> dict[str, dict[str, Any]]:
    """Compiles bench/baselines/*.sol with the settings of ape-config.yaml."""
    sources = {
        f"bench/baselines/{p.name}": {"content": p.read_text()}
        for p in sorted((ROOT_DIR / "bench" / "baselines").glob("*.sol"))
    }
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {
                "evmVersion": "prague",
                "optimizer": {"enabled": True, "runs": 200},
                "viaIR": True,
                "remappings": ["@openzeppelin/contracts=node_modules/@openzeppelin/contracts"],
                "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
            },
        },
        solc_binary=SOLC,
        base_path=str(ROOT_DIR),
        allow_paths=[str(ROOT_DIR)],
    )
    return {
        name: {"abi": c["abi"], "bytecode": "0x" + c["evm"]["bytecode"]["object"]}
        for file in output["contracts"].values()
        for name, c in file.items()
    }


class _Chain:
    """Sends transactions from Anvil's unlocked development accounts and reads their receipts.

    `measure` keeps, by figure name, the gas a transaction used and its sizes in bytes.
    """

    def __init__(self, url: str) -> None:
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        self.gas_used: dict[str, int] = {}
        self.calldata_bytes: dict[str, int] = {}
        self.tx_bytes: dict[str, int] = {}

    def deploy(self, artifact: dict[str, Any], sender: str, *args: Any) -> Contract:
        factory = self.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        receipt = self.w3.eth.wait_for_transaction_receipt(
            factory.constructor(*args).transact({"from": sender})
        )
        return self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])

    def gas(self, call: Any, sender: str) -> tuple[int, Any]:
        receipt = self.w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
        if receipt["status"] != 1:
            raise RuntimeError(f"benchmark transaction reverted: {call.fn_name}")
        return int(receipt["gasUsed"]), receipt

    def measure(self, name: str, call: Any, sender: str) -> Any:
        """Sends `call` and records its gas and sizes as figure `name`; returns the receipt."""
        used, receipt = self.gas(call, sender)
        tx_hash = receipt["transactionHash"]
        # Anvil signed it (unlocked account): the raw bytes are the signed EIP-1559 envelope a wallet sends.
        raw = self.w3.provider.make_request("eth_getRawTransactionByHash", [tx_hash.to_0x_hex()])["result"]
        self.gas_used[name] = used
        self.calldata_bytes[name] = len(self.w3.eth.get_transaction(tx_hash)["input"])
        self.tx_bytes[name] = len(bytes.fromhex(raw.removeprefix("0x")))
        return receipt

    def flood(self, call: Any, count: int, sender: str, gas: int) -> None:
        """Puts `count` copies of `call` on chain in as few blocks as possible (fast, and light on Anvil).

        Automining is paused while the transactions are sent and the block gas limit lifted, so they are
        all mined into one block; every receipt's status is checked.
        """
        if count == 0:
            return
        make = self.w3.provider.make_request
        nonce = self.w3.eth.get_transaction_count(sender, "pending")
        tx = call.build_transaction({"from": sender, "gas": gas, "nonce": nonce})
        body = {"from": sender, "to": tx["to"], "data": tx["data"], "gas": hex(gas)}
        make("evm_setAutomine", [False])
        make("evm_setBlockGasLimit", [hex(gas * count + 30_000_000)])
        hashes = [
            make("eth_sendTransaction", [{**body, "nonce": hex(nonce + i)}])["result"] for i in range(count)
        ]
        make("evm_mine", [])
        make("evm_setAutomine", [True])
        for tx_hash in (hashes[0], hashes[-1]):
            if self.w3.eth.get_transaction_receipt(tx_hash)["status"] != 1:
                raise RuntimeError("a flooded benchmark transaction reverted")


def _lot_id(lots: Contract, receipt: Any) -> int:
    return int(lots.events.LotDeclared().process_receipt(receipt, errors=DISCARD)[0]["args"]["lotId"])


def _setup(chain: _Chain, artifact: dict[str, Any]) -> tuple[Contract, list[str]]:
    registrar, miner, plant, refiner, miner2 = (a.address for a in dev_accounts(5))
    lots = chain.deploy(artifact, registrar, registrar)
    for account, role in ((miner, 1), (plant, 2), (refiner, 3), (miner2, 1)):
        chain.gas(lots.functions.registerParticipant(account, role), registrar)
    expiry = chain.w3.eth.get_block("latest")["timestamp"] + YEAR
    for operator in (miner, miner2):
        chain.gas(
            lots.functions.registerMine(operator, ROOT, expiry, b"PE", ROOT, 2**39 - 1, ROOT), registrar
        )
    return lots, [registrar, miner, plant, refiner, miner2]


def measure_operations(chain: _Chain, artifact: dict[str, Any]) -> None:
    lots, (registrar, miner, plant, refiner, miner2) = _setup(chain, artifact)

    def declare(name: str | None = None, ref: str = "", sender: str = miner, mine: int = 1) -> int:
        call = lots.functions.declareLot(mine, 1_000_000, 5_000_000, ROOT, URI, ref)
        receipt = chain.measure(name, call, sender) if name else chain.gas(call, sender)[1]
        return _lot_id(lots, receipt)

    first = declare()
    second = declare("declare_lot")
    declare("declare_lot_first", sender=miner2, mine=2)
    declare("declare_lot_with_ref", "INTAKE-00042")
    chain.measure("record_passport", lots.functions.recordPassport(second, ROOT, URI), miner)
    chain.gas(lots.functions.transferFrom(miner, plant, first), miner)  # the plant now holds lots
    ids = [declare() for _ in range(14)]
    chain.measure("transfer", lots.functions.transferFrom(miner, plant, ids[0]), miner)
    for lot_id in ids[1:]:
        chain.gas(lots.functions.transferFrom(miner, plant, lot_id), miner)
    merged = [(2, 1_000_000, 1_100_000)]
    chain.measure("transform_2_1", lots.functions.transform(ids[0:2], merged, ROOT, URI), plant)
    chain.measure("transform_10_1", lots.functions.transform(ids[2:12], merged, ROOT, URI), plant)
    split = [(3, 300_000, 300_000)] * 3
    chain.measure("transform_1_3", lots.functions.transform(ids[12:13], split, ROOT, URI), plant)

    # The operator's 101st lot opens a new block of lot ids: the one declaration in 100 that also writes the
    # global block counter.
    block = int(lots.functions.LOT_ID_BLOCK().call())
    left = block - ids[-1] % block  # the operator's last lot had id ids[-1]
    chain.flood(lots.functions.declareLot(1, 1_000, 2_000, ROOT, URI, ""), left, miner, 200_000)
    opened = declare("declare_lot_new_id_block")
    assert opened % block == 1, opened  # the first id of a new block

    keys = dev_accounts(2)
    domain = filon.DeclarationDomain(chain_id=chain.w3.eth.chain_id, verifying_contract=lots.address)
    signed = filon.sign_declaration(
        keys[1],
        domain,
        mine_id=1,
        fine_gold_mg=1_000_000,
        gross_mass_mg=5_000_000,
        passport_root=ROOT,
        recipient=plant,
        nonce=int(lots.functions.nonces(miner).call()),
        deadline=chain.w3.eth.get_block("latest")["timestamp"] + 3600,
    )
    chain.measure(
        "submit_declaration",
        lots.functions.submitDeclaration(signed.as_contract_tuple(), URI, signed.signature),
        plant,
    )

    key = bytes(dev_accounts(3)[2]._key_obj.public_key.to_compressed_bytes())
    chain.measure("publish_encryption_key", lots.functions.publishEncryptionKey(key), plant)
    grant = Web3.keccak(text="grant file")
    chain.measure("grant_access", lots.functions.grantAccess(first, refiner, grant), plant)
    chain.measure("revoke_access", lots.functions.revokeAccess(first, refiner), plant)
    handover = [
        lots.encode_abi("transferFrom", [miner, plant, second]),
        lots.encode_abi("grantAccess", [second, plant, grant]),
    ]
    chain.measure("transfer_and_grant_multicall", lots.functions.multicall(handover), miner)
    # a grant with provenance: a doré and its five ore lots (consumed ones too), one grant file each
    provenance = [lots.encode_abi("grantAccess", [lot_id, refiner, grant]) for lot_id in ids[0:6]]
    chain.measure("grant_access_provenance_multicall", lots.functions.multicall(provenance), plant)

    chain.measure(
        "publish_participant_record",
        lots.functions.publishParticipantRecord(plant, Web3.keccak(text="record")),
        registrar,
    )
    chain.measure(
        "publish_mine_record", lots.functions.setMinePassport(1, Web3.keccak(text="mine record")), registrar
    )

    laboratory = dev_accounts(6)[5].address
    chain.gas(lots.functions.registerParticipant(laboratory, int(filon.Role.LABORATORY)), registrar)
    credential = Web3.keccak(text="assay")
    chain.measure(
        "anchor_attestation",
        lots.functions.anchorAttestation(credential, int(filon.SubjectKind.LOT), first),
        laboratory,
    )
    chain.measure("revoke_attestation", lots.functions.revokeAttestation(credential), laboratory)

    now = chain.w3.eth.get_block("latest")["timestamp"]
    chain.measure(
        "record_register_snapshot",
        lots.functions.recordRegisterSnapshot(Web3.keccak(text="register 1"), now - 86_400),
        registrar,
    )
    register_import = [
        lots.encode_abi("recordRegisterSnapshot", [Web3.keccak(text="register 2"), now - 3_600]),
        lots.encode_abi("suspendMine", [2]),
        lots.encode_abi("updatePermit", [1, Web3.keccak(text="renewed"), now + 2 * YEAR]),
    ]
    chain.measure("register_import_multicall", lots.functions.multicall(register_import), registrar)

    # A refiner that already holds lots stamps its bars: a serial given to an existing bar, and a refining
    # transformation with its bar's serial in one multicall (the library predicts the bar's id by a call).
    bar_ore = [declare() for _ in range(3)]
    for lot_id in bar_ore:
        chain.gas(lots.functions.transferFrom(miner, refiner, lot_id), miner)
    bar = [(3, 1_000_000, 1_000_000)]
    receipt = chain.measure("transform_1_1", lots.functions.transform(bar_ore[0:1], bar, ROOT, URI), refiner)
    plain = lots.events.LotProduced().process_receipt(receipt, errors=DISCARD)[0]["args"]["lotId"]
    chain.measure("assign_serial", lots.functions.assignSerialNumber(plain, "RAM-2026-000123"), refiner)
    (predicted,) = lots.functions.transform(bar_ore[1:2], bar, ROOT, URI).call({"from": refiner})
    stamped = [
        lots.encode_abi("transform", [bar_ore[1:2], bar, ROOT, URI]),
        lots.encode_abi("assignSerialNumber", [predicted, "RAM-2026-000124"]),
    ]
    chain.measure("transform_1_1_with_serial", lots.functions.multicall(stamped), refiner)


def measure_baselines(chain: _Chain, baselines: dict[str, dict[str, Any]]) -> None:
    registrar, holder = (a.address for a in dev_accounts(2))
    erc721 = chain.deploy(baselines["BaselineERC721"], registrar)
    uri_storage = chain.deploy(baselines["BaselineURIStorage"], registrar)
    chain.gas(erc721.functions.mint(holder), registrar)  # the holder already holds tokens
    chain.gas(uri_storage.functions.mint(holder, CID), registrar)
    chain.measure("baseline_erc721_safemint", erc721.functions.mint(holder), registrar)
    chain.measure("baseline_uristorage_mint", uri_storage.functions.mint(holder, CID), registrar)


def measure_scaling(chain: _Chain, artifact: dict[str, Any]) -> None:
    """Declaration and merge gas with 1, 100 and 10,000 lots on chain: it must not grow.

    Another operator fills the chain; the measured operator declares few enough lots never to cross a
    boundary of its block of lot ids (that case is `declare_lot_new_id_block`).
    """
    lots, (_registrar, miner, _plant, _refiner, miner2) = _setup(chain, artifact)
    chain.gas(lots.functions.declareLot(1, 1_000, 2_000, ROOT, URI, ""), miner)
    on_chain = 1
    for scale in SCALES:
        filler = lots.functions.declareLot(2, 1_000, 2_000, ROOT, URI, "")
        before = int(lots.functions.balanceOf(miner2).call())
        chain.flood(filler, scale - on_chain, miner2, 200_000)
        assert int(lots.functions.balanceOf(miner2).call()) == before + scale - on_chain
        receipt = chain.measure(
            f"declare_lot_at_{scale}",
            lots.functions.declareLot(1, 1_000_000, 5_000_000, ROOT, URI, ""),
            miner,
        )
        second = _lot_id(
            lots, chain.gas(lots.functions.declareLot(1, 1_000_000, 5_000_000, ROOT, URI, ""), miner)[1]
        )
        inputs = [_lot_id(lots, receipt), second]
        chain.measure(
            f"transform_2_1_at_{scale}",
            lots.functions.transform(inputs, [(2, 1_000_000, 1_100_000)], ROOT, URI),
            miner,
        )
        on_chain = scale + 3


def main() -> None:
    started = time.perf_counter()
    artifact = json.loads(resources.files("filon").joinpath("artifacts/FilonLots.json").read_text())
    baselines = _compile_baselines()
    with start_anvil() as anvil:
        chain = _Chain(anvil.url)
        measure_operations(chain, artifact)
        measure_baselines(chain, baselines)
        measure_scaling(chain, artifact)
    record("gas", chain.gas_used)
    record("calldata_bytes", chain.calldata_bytes)
    record("tx_bytes", chain.tx_bytes)
    width = max(map(len, chain.gas_used))
    print(f"{'':<{width}}  {'gas':>9}  {'calldata':>8}  {'tx bytes':>8}")
    for name, used in chain.gas_used.items():
        print(f"{name:<{width}}  {used:>9,}  {chain.calldata_bytes[name]:>8,}  {chain.tx_bytes[name]:>8,}")
    print(f"gas figures measured in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
