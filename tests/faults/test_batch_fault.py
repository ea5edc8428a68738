"""Anvil killed (SIGKILL) in the middle of a batch of declarations, then restarted from its saved state.

The client must say which lots were confirmed before the node went away, and the documented rerun must
complete the batch: every external reference ends up on exactly one lot, and the fine gold on chain is
exactly what the batch declared — no lot lost, none duplicated. The same for the CLI's CSV intake, whose
rerun resumes where it stopped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_account import Account
from web3 import Web3

import filon
from filon._cli import cli
from filon._cli._common import run

from .helpers import KillAfterMined, Node

BATCH = 40
KILL_AFTER = 12  # at least this many declarations mined before the kill (whole blocks: a few more)
PASSWORD = "fault-test"
# What cut the connection, in words ("connection reset by peer", "remote end closed connection without
# response", "the answer was cut off after 10 bytes, 990 more expected"), never requests' wrapping of it in
# quotes and parentheses.
WORDS = r"[a-z][a-z0-9, ]*"


def _declarations(node: Node) -> list[filon.LotDeclaration]:
    return [
        filon.LotDeclaration(
            mine_id=node.mine_id,
            fine_gold_mg=1_000 + i,
            gross_mass_mg=5_000 + i,
            passport_root=Web3.keccak(text=f"fault-{i}"),
            passport_uri=f"ipfs://fault-{i}",
            external_ref=f"FAULT-{i:03}",
        )
        for i in range(BATCH)
    ]


def _assert_each_ref_on_one_lot(
    client: filon.Client, node: Node, expected: dict[str, tuple[int, int]]
) -> None:
    """Every external reference is on exactly one lot with its masses; nothing else was minted."""
    miner = node.miner.address
    by_ref = {ref: client.lot_by_external_ref(miner, ref) for ref in expected}
    assert [ref for ref, lot_id in by_ref.items() if lot_id is None] == []
    lot_ids = sorted(lot_id for lot_id in by_ref.values() if lot_id is not None)
    assert len(set(lot_ids)) == len(expected)
    assert client.lot_count() == len(expected)
    assert client.lots_of(miner) == lot_ids
    for ref, (fine_mg, gross_mg) in expected.items():
        lot_id = by_ref[ref]
        assert lot_id is not None
        lot = client.lot(lot_id)
        assert (lot.external_ref, lot.fine_gold_mg, lot.gross_mass_mg, lot.holder) == (
            ref,
            fine_mg,
            gross_mg,
            miner,
        )
    total = sum(fine_mg for fine_mg, _ in expected.values())
    assert client.mine(node.mine_id).declared_this_year_mg == total


def test_a_batch_cut_by_a_killed_node_says_what_was_confirmed_and_a_rerun_completes_it(node: Node) -> None:
    declarations = _declarations(node)
    client = node.client(node.miner)
    killer = KillAfterMined(node, node.miner.address, KILL_AFTER)
    killer.start()

    with pytest.raises(filon.RpcUnavailable) as info:
        client.declare_lots(declarations)

    killer.join()
    assert killer.error is None, killer.error
    confirmed = killer.mined
    assert KILL_AFTER <= confirmed < BATCH
    error = info.value
    # The client read every receipt mined before the kill; its lot ids are the miner's first ids, in order.
    assert error.confirmed_lot_ids == tuple(range(1, confirmed + 1))
    assert error.batch_index == confirmed
    shown = ", ".join(str(i) for i in range(1, confirmed + 1))
    assert re.fullmatch(
        re.escape(f"Cannot reach the Ethereum node at {node.url} (")
        + WORDS
        + re.escape(
            f"). (declaration {confirmed} of the batch and those after it are not confirmed; "
            f"confirmed lots: {shown})"
        ),
        str(error),
    ), str(error)

    node.restart()
    client = node.client(node.miner)
    # Anvil came back with what it had mined and saved; the declarations waiting in its pool are gone.
    assert client.lot_count() == confirmed
    for index, declaration in enumerate(declarations):
        on_chain = client.lot_by_external_ref(node.miner.address, declaration.external_ref)
        assert on_chain == (index + 1 if index < confirmed else None)
    # Resending the whole batch declares nothing twice: estimation refuses it, nothing is sent.
    with pytest.raises(filon.DuplicateExternalRef) as duplicate:
        client.declare_lots(declarations)
    assert (duplicate.value.batch_index, duplicate.value.lot_id, duplicate.value.confirmed_lot_ids) == (
        0,
        1,
        (),
    )
    assert client.lot_count() == confirmed

    # The documented rerun: declare what `lot_by_external_ref` does not find.
    missing = [
        d for d in declarations if client.lot_by_external_ref(node.miner.address, d.external_ref) is None
    ]
    assert client.declare_lots(missing) == list(range(confirmed + 1, BATCH + 1))

    _assert_each_ref_on_one_lot(
        client, node, {d.external_ref: (d.fine_gold_mg, d.gross_mass_mg) for d in declarations}
    )


ROWS = 10
CLI_KILL_AFTER = 4


def _intake_command(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, documents: str = ""
) -> list[str]:
    """`filon lot declare --from-csv` for a ledger of `rows` rows, as the miner, with its store in `tmp_path`.

    Row i: 100 + i kg of ore at 20 g/t, so (100 + i) x 20 mg of fine gold (kg x g/t = mg), citing
    `documents`."""
    keystore = tmp_path / "miner.json"
    keystore.write_text(json.dumps(Account.encrypt(node.miner.key, PASSWORD, kdf="pbkdf2", iterations=1000)))
    manifest = node.deployment.save(tmp_path / "deployment.json")
    monkeypatch.setenv("FILON_ACCOUNT_PASSWORD", PASSWORD)
    monkeypatch.setenv("FILON_STORE", str(tmp_path / "store"))
    ledger = tmp_path / "intake.csv"
    ledger.write_text(
        "mine_id,gross_mass_kg,grade_g_per_t,date,external_ref,documents\n"
        + "".join(f"{node.mine_id},{100 + i},20,2026-11-02,INTAKE-{i:02},{documents}\n" for i in range(rows))
    )
    command = ["lot", "declare", "--from-csv", str(ledger), "--rpc", node.url, "--deployment", str(manifest)]
    return [*command, "--account", str(keystore)]


def test_a_csv_intake_cut_by_a_killed_node_resumes_on_rerun(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    command = _intake_command(node, tmp_path, monkeypatch, ROWS)
    killer = KillAfterMined(node, node.miner.address, CLI_KILL_AFTER)
    killer.start()

    code = run(cli, command)

    killer.join()
    assert killer.error is None, killer.error
    confirmed = killer.mined
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    lines = err.splitlines()
    assert len(lines) == 1, err
    declared = ", ".join(f"INTAKE-{i:02} (lot {i + 1})" for i in range(confirmed))
    row = f"Row {confirmed + 2} (INTAKE-{confirmed:02})"
    assert re.fullmatch(
        re.escape(f"Error: {row}: Cannot reach the Ethereum node at {node.url} (")
        + WORDS
        + re.escape(f"). Declared before it: {declared}. Run the same command again to resume."),
        lines[0],
    ), lines[0]

    node.restart()
    code = run(cli, [*command[:5], node.url, *command[6:], "--json"])

    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["already_declared"] == [
        {"row": i + 2, "external_ref": f"INTAKE-{i:02}", "lot_id": i + 1} for i in range(confirmed)
    ]
    assert report["declared"] == [
        {"row": i + 2, "external_ref": f"INTAKE-{i:02}", "lot_id": i + 1} for i in range(confirmed, ROWS)
    ]
    assert report["rejected"] == []
    client = node.client()
    expected = {f"INTAKE-{i:02}": ((100 + i) * 20, (100 + i) * 1_000_000) for i in range(ROWS)}
    _assert_each_ref_on_one_lot(client, node, expected)


BATCHED_ROWS = 14
ROWS_PER_BATCH = 4
PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187"


def test_a_batched_intake_cut_mid_batch_by_a_killed_node_loses_and_duplicates_nothing(
    node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Batches of 4 rows, each with a passport citing a document; Anvil mines two declarations a block and is
    killed once the second batch is half mined. The rerun declares the rest, and every lot, those of the cut
    batch included, has its passport, its document and its salts: a field of each can still be disclosed."""
    (tmp_path / "permit.pdf").write_bytes(PERMIT_PDF)
    command = _intake_command(node, tmp_path, monkeypatch, BATCHED_ROWS, documents="permit.pdf")
    command += ["--batch", str(ROWS_PER_BATCH)]
    # A declaration with a passport URI, a reference and a fifth of margin asks for about 150,000 gas.
    killer = KillAfterMined(node, node.miner.address, ROWS_PER_BATCH + 2, block_gas=320_000)
    killer.start()

    code = run(cli, command)

    killer.join()
    assert killer.error is None, killer.error
    confirmed = killer.mined
    assert ROWS_PER_BATCH < confirmed < 2 * ROWS_PER_BATCH, confirmed  # the kill fell inside the 2nd batch
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    declared = ", ".join(f"INTAKE-{i:02} (lot {i + 1})" for i in range(confirmed))
    assert re.fullmatch(
        re.escape(f"Error: Row {confirmed + 2} (INTAKE-{confirmed:02}): Cannot reach the Ethereum node at ")
        + re.escape(node.url)
        + r" \("
        + WORDS
        + r"\)"
        + re.escape(f". Declared before it: {declared}. Run the same command again to resume.\n"),
        err,
    ), err

    node.restart()
    code = run(cli, [*command, "--json"])

    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["already_declared"] == [
        {"row": i + 2, "external_ref": f"INTAKE-{i:02}", "lot_id": i + 1} for i in range(confirmed)
    ]
    assert report["declared"] == [
        {"row": i + 2, "external_ref": f"INTAKE-{i:02}", "lot_id": i + 1}
        for i in range(confirmed, BATCHED_ROWS)
    ]
    expected = {f"INTAKE-{i:02}": ((100 + i) * 20, (100 + i) * 1_000_000) for i in range(BATCHED_ROWS)}
    holder = node.client(node.miner, store=tmp_path / "store")
    _assert_each_ref_on_one_lot(holder, node, expected)
    for lot_id in range(1, BATCHED_ROWS + 1):
        passport = holder.passport(filon.LotId(lot_id))
        assert passport.quantity.fine_gold_mg == (99 + lot_id) * 20
        assert holder.verify_document(filon.LotId(lot_id), PERMIT_PDF) is not None
        salts = holder.passport_salts(filon.LotId(lot_id), 1)
        holder.verify_disclosure(filon.disclose(passport, salts, ["quantity"], lot_id=lot_id, version=1))
