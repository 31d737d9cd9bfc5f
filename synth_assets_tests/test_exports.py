"""File exports: Plaid JSON, Sandbox configs and tables read back valid and equal to the frames."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from dagster import AssetSelection, DagsterInstance, materialize
from sqlalchemy.sql import sqltypes

from synth_assets import export
from synth_assets.defs.resources import ExportSettings, StepRetries, default_resources
from synth_assets.export import MARKER, ExportResult, prune_exports, write_exports
from synth_assets.generate.common import RELEASE, Context
from synth_assets.generate.frames import generate_all
from synth_assets.liveness import RunState
from synth_assets.load.schema import TABLE_NAMES, metadata
from synth_assets.plaid import json_text, sync, views
from synth_assets.plaid.sandbox import (
    account_number,
    custom_user_configs,
    custom_user_texts,
    validate_custom_user,
)
from synth_assets.plaid.validate import validate, validate_liabilities
from synth_assets.settings import SettingError
from synth_assets_tests.support.database import PKS
from synth_assets_tests.support.runs import (
    AS_OF,
    LIGHT,
    LIGHT_DIR,
    light_assets,
    light_persona,
    metadata_of,
)

# Its module fixture is costly: the module's tests share one xdist worker.
pytestmark = pytest.mark.xdist_group(__name__)

STAMP = "20250101T030000Z"
DAY = export.Day(AS_OF, AS_OF - dt.timedelta(days=1))  # what the frames show
LARGEST = "young_professional"
SMALLEST = "retiree"


@pytest.fixture(scope="module")
def exports(tmp_path_factory, personas, frames) -> dict[str, ExportResult]:
    """Every persona exported once into one root."""
    root = tmp_path_factory.mktemp("exports")
    return {name: write_exports(frames[name], root, name, STAMP, DAY) for name in personas}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_documents(directory: Path) -> dict[str, Any]:
    """The JSON files of a folder by file stem (the user id)."""
    return {path.stem: read_json(path) for path in sorted(directory.glob("*.json"))}


def key_column(table: str) -> str:
    return PKS[table][0]


def comparable(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    """``frame`` in ``dtypes``, every missing object as None (generators mix None and NaN)."""
    out = frame.astype(dtypes)
    for column in out.columns[out.dtypes.map(pd.api.types.is_object_dtype)]:
        out[column] = out[column].where(out[column].notna(), None)
    return out


def test_plaid_files_validate_and_hold_every_row(exports, frames):
    for persona, result in exports.items():
        tables = frames[persona]
        documents = read_documents(result.directory / "plaid")
        assert sorted(documents) == sorted(tables["users"]["id"]), persona
        transactions, accounts, liabilities = [], [], []
        for user, document in documents.items():
            types = {account["account_id"]: account["type"] for account in document["accounts"]}
            reports = {
                "accounts": validate("account", document["accounts"]),
                "transactions": validate("transaction", document["transactions"], types),
                "liabilities": validate_liabilities(document["liabilities"]),
            }
            for part, report in reports.items():
                assert report.passed, (persona, user, part, report.errors[:3])
            debts = [obj["account_id"] for kind in document["liabilities"].values() for obj in kind]
            used = {tx["account_id"] for tx in document["transactions"]} | set(debts)
            assert used <= set(types), (persona, user, "objects of another user's account")
            assert document["user_id"] == user
            accounts += types
            transactions += document["transactions"]
            liabilities += debts
        table = tables["transactions"]
        assert sorted(tx["transaction_id"] for tx in transactions) == sorted(
            table["transaction_id"]
        )
        assert sum(tx["amount"] for tx in transactions) == pytest.approx(table["amount"].sum())
        assert sorted(accounts) == sorted(tables["accounts"]["account_id"])
        assert sorted(liabilities) == sorted(tables["liabilities"]["account_id"])


def test_manifest_and_result_match_the_files(exports, frames):
    for persona, result in exports.items():
        users = len(frames[persona]["users"])
        rows = {name: len(frames[persona][name]) for name in TABLE_NAMES}
        updates = frames[persona]["transaction_changes"].groupby("account_id").size()
        updates = updates.reindex(frames[persona]["accounts"]["account_id"], fill_value=0)
        pages = int(np.maximum(np.ceil(updates / sync.PAGE_SIZE), 1).sum())
        assert read_json(result.directory / "manifest.json") == {
            "persona": persona,
            "stamp": STAMP,
            "as_of": AS_OF.isoformat(),
            "since": DAY.since.isoformat(),
            "synth_assets": RELEASE,
            "files": {
                "plaid": users, "sandbox": users, "sync": pages, "tables": 2 * len(TABLE_NAMES)
            },
            "rows": rows,
        }  # fmt: skip
        assert list(result.files) == sorted(p for p in result.directory.rglob("*") if p.is_file())
        assert dict(result.rows) == rows
        assert result.directory == result.directory.parent.parent / persona / STAMP


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_csv_and_parquet_read_back_equal_to_the_frames(exports, frames, table):
    for persona, result in exports.items():
        frame = frames[persona][table]
        key = key_column(table)
        csv = pd.read_csv(result.directory / "tables" / f"{table}.csv", dtype=str)
        assert list(csv.columns) == list(frame.columns)
        assert len(csv) == len(frame)
        assert csv[key].tolist() == frame[key].tolist()
        if table == "content":
            assert csv["tags"].tolist() == frame["tags"].tolist()
            assert csv["tags"].str.fullmatch(r"\{[^{}]*\}").all()
        expected = export.arrow_table(table, frame)
        parquet = pq.read_table(result.directory / "tables" / f"{table}.parquet")
        # Parquet has no second resolution (timestamp[s] comes back [ms]): the same values.
        assert parquet.cast(expected.schema).equals(expected)
        for column in metadata.tables[table].columns:
            kind, text = parquet.schema.field(column.name).type, csv[column.name].dropna()
            if isinstance(column.type, sqltypes.DateTime):
                assert kind.tz == "UTC" and text.str.fullmatch(r"[0-9-]{10} [0-9:]{8}Z").all()
            elif isinstance(column.type, sqltypes.Date):
                assert (
                    kind == pa.date32() and text.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}").all()
                )


def test_sandbox_configs_are_valid_and_leave_out_mortgages(exports, frames):
    skipped = 0
    for persona, result in exports.items():
        accounts, transactions = frames[persona]["accounts"], frames[persona]["transactions"]
        supported = accounts[accounts["subtype"] != "mortgage"]
        skipped += len(accounts) - len(supported)
        configs = read_documents(result.directory / "sandbox")
        assert sorted(configs) == sorted(frames[persona]["users"]["id"])
        for user, config in configs.items():
            assert validate_custom_user(config) == [], (persona, user)
            subtypes = [account["subtype"] for account in config["override_accounts"]]
            assert "mortgage" not in subtypes
            assert len(subtypes) == (supported["user_id"] == user).sum()
        written = sum(
            len(a["transactions"]) for c in configs.values() for a in c["override_accounts"]
        )
        assert written == transactions["account_id"].isin(supported["account_id"]).sum()
    assert skipped > 0, "no persona has a mortgage: the skip is not exercised"


def test_sandbox_transactions_match_rows_and_pending_ones_post_in_the_future(exports, frames):
    accounts, table = frames[LARGEST]["accounts"], frames[LARGEST]["transactions"]
    window_end = table["date"].max()
    by_number = {
        account_number(account_id, mask): account_id
        for account_id, mask in zip(accounts["account_id"], accounts["mask"], strict=True)
    }
    rows_by_account = dict(tuple(table.groupby("account_id", sort=False)))
    pending_seen = 0
    for config in read_documents(exports[LARGEST].directory / "sandbox").values():
        for account in config["override_accounts"]:
            rows = rows_by_account.get(by_number[account["numbers"]["account"]], table.iloc[:0])
            written = pd.DataFrame(account["transactions"], columns=["date_posted", "amount"])
            assert written["amount"].tolist() == rows["amount"].round(2).tolist()
            posted = pd.to_datetime(written["date_posted"]).to_numpy()
            pending = rows["pending"].to_numpy(dtype=bool)
            assert (posted[pending] > window_end).all()
            assert (posted[~pending] == rows["date"].to_numpy()[~pending]).all()
            pending_seen += pending.sum()
    assert pending_seen == table["pending"].sum() > 0


def _first_account(config: dict) -> dict:
    return config["override_accounts"][0]


CORRUPTIONS: dict[str, tuple[Callable[[dict], Any], str]] = {
    "five-digit mask": (
        lambda c: _first_account(c)["meta"].update(mask="12345"),
        "$.override_accounts[0].meta.mask",
    ),
    "mortgage type": (
        lambda c: _first_account(c).update(type="mortgage", subtype="mortgage"),
        "$.override_accounts[0].type",
    ),
    "mortgage subtype": (
        lambda c: _first_account(c).update(type="loan", subtype="mortgage"),
        "$.override_accounts[0].subtype",
    ),
    "slashed date": (
        lambda c: _first_account(c)["transactions"][0].update(date_posted="2025/01/01"),
        "$.override_accounts[0].transactions[0].date_posted",
    ),
    "impossible date": (
        lambda c: _first_account(c)["transactions"][0].update(date_transacted="2025-02-30"),
        "$.override_accounts[0].transactions[0].date_transacted",
    ),
    "amount as text": (
        lambda c: _first_account(c)["transactions"][0].update(amount="12.00"),
        "$.override_accounts[0].transactions[0].amount",
    ),
    "euro": (
        lambda c: _first_account(c).update(currency="EUR"),
        "$.override_accounts[0].currency",
    ),
    "version 1": (lambda c: c.update(version="1"), "$.version"),
    "no numbers": (lambda c: _first_account(c).pop("numbers"), "$.override_accounts[0].numbers"),
    "card liability on checking": (
        lambda c: _first_account(c).update(liability={"type": "credit", "purchase_apr": 20.0}),
        "$.override_accounts[0].liability",
    ),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_validate_custom_user_reports_corruption(exports, corruption):
    path = next((exports[LARGEST].directory / "sandbox").glob("*.json"))
    config = read_json(path)
    assert _first_account(config)["type"] == "depository"
    assert _first_account(config)["transactions"]
    assert validate_custom_user(config) == []
    corrupt, where = CORRUPTIONS[corruption]
    corrupt(config)
    problems = validate_custom_user(config)
    assert problems, corruption
    assert all(problem.startswith(where) for problem in problems), problems


def test_corrupted_plaid_file_fails_validation(exports, tmp_path):
    source = next((exports[LARGEST].directory / "plaid").glob("*.json"))
    document = read_json(source)
    document["transactions"][3]["payment_channel"] = "in_store"
    corrupted = tmp_path / source.name
    corrupted.write_text(json.dumps(document), encoding="utf-8")
    transactions = read_json(corrupted)["transactions"]
    types = {account["account_id"]: account["type"] for account in document["accounts"]}
    report = validate("transaction", transactions, types)
    assert not report.passed
    assert [(error.index, error.path, error.kind) for error in report.errors] == [
        (3, "$.payment_channel", "enum")
    ]


def test_prune_keeps_the_newest_and_spares_other_personas(tmp_path, frames):
    stamps = ["20250101T030000Z", "20250102T030000Z", "20250103T030000Z"]
    for stamp in reversed(stamps):  # written out of order: age is read from the name
        write_exports(frames[SMALLEST], tmp_path, SMALLEST, stamp, DAY)
    other = [tmp_path / "family" / stamp for stamp in stamps]
    for directory in other:
        directory.mkdir(parents=True)
    in_flight = tmp_path / SMALLEST / ".20250104T030000Z.tmp"
    in_flight.mkdir()

    assert prune_exports(tmp_path, SMALLEST, keep=2) == [tmp_path / SMALLEST / stamps[0]]
    assert sorted(p.name for p in (tmp_path / SMALLEST).iterdir()) == sorted(
        [in_flight.name, *stamps[1:]]
    )
    assert (tmp_path / SMALLEST / stamps[2] / "manifest.json").is_file()
    assert prune_exports(tmp_path, SMALLEST, keep=2) == []
    assert prune_exports(tmp_path, SMALLEST, keep=1) == [tmp_path / SMALLEST / stamps[1]]
    assert sorted(p.name for p in (tmp_path / SMALLEST).iterdir()) == [in_flight.name, stamps[2]]
    assert all(directory.is_dir() for directory in other)
    assert prune_exports(tmp_path, "nobody", keep=1) == []


@pytest.mark.parametrize("keep", [0, -1, 1.5, True, None])
def test_prune_refuses_keep_below_one(tmp_path, keep):
    with pytest.raises(ValueError, match="keep"):
        prune_exports(tmp_path, SMALLEST, keep=keep)


def test_prune_touches_only_marked_exports_and_never_the_current_one(tmp_path, frames):
    """The hostile tester's folder: someone's backup and notes beside the exports, with
    names that sort before and after the stamps; keep=1."""
    persona = tmp_path / SMALLEST
    (persona / "2024-backup").mkdir(parents=True)
    (persona / "2024-backup" / "data.csv").write_text("mine")
    (persona / "notes").mkdir()
    (persona / "zz-copied-export").mkdir()  # a copy whose marker names another stamp
    old = write_exports(frames[SMALLEST], tmp_path, SMALLEST, "20250101T030000Z", DAY)
    shutil.copy(old.directory / MARKER, persona / "zz-copied-export" / MARKER)
    (persona / "20250102T030000Z").symlink_to(persona / "2024-backup")
    # The newest export sorts before the oldest: pruning must still spare it.
    current = write_exports(frames[SMALLEST], tmp_path, SMALLEST, "1999-current", DAY)

    assert prune_exports(tmp_path, SMALLEST, keep=1, current=current.directory) == [old.directory]
    assert sorted(p.name for p in persona.iterdir()) == [
        "1999-current",
        "2024-backup",
        "20250102T030000Z",
        "notes",
        "zz-copied-export",
    ]
    assert (persona / "2024-backup" / "data.csv").read_text() == "mine"


def test_export_is_atomic(tmp_path, frames):
    persona_dir = tmp_path / SMALLEST
    stale = persona_dir / f".{STAMP}.tmp"
    stale.mkdir(parents=True)
    marker = {"tool": "synth_assets", "persona": SMALLEST, "stamp": STAMP}
    (stale / MARKER).write_text(json.dumps(marker))  # what a crashed attempt leaves first
    (stale / "leftover").write_text("from a crashed run")

    result = write_exports(frames[SMALLEST], tmp_path, SMALLEST, STAMP, DAY)
    assert [p.name for p in persona_dir.iterdir()] == [STAMP]
    assert not (result.directory / "leftover").exists()
    with pytest.raises(FileExistsError):
        write_exports(frames[SMALLEST], tmp_path, SMALLEST, STAMP, DAY)
    assert sorted(p for p in result.directory.rglob("*") if p.is_file()) == list(result.files)

    # The last table cannot be written to Parquet: the files before it must vanish too.
    jobs = frames[SMALLEST]["jobs"]
    mixed = pd.Series([i if i % 2 else "x" for i in range(len(jobs))], jobs.index, dtype=object)
    unwritable = jobs.assign(prompt=mixed)
    broken = {**frames[SMALLEST], "jobs": unwritable}
    with pytest.raises(Exception, match="prompt"):
        write_exports(broken, tmp_path, SMALLEST, "20250102T030000Z", DAY)
    assert [p.name for p in persona_dir.iterdir()] == [STAMP]


def test_stale_build_folder_not_ours_is_refused_and_kept(tmp_path, frames):
    stale = tmp_path / SMALLEST / f".{STAMP}.tmp"
    stale.mkdir(parents=True)
    (stale / "thesis.tex").write_text("someone's")
    with pytest.raises(FileExistsError, match="not written by synth_assets"):
        write_exports(frames[SMALLEST], tmp_path, SMALLEST, STAMP, DAY)
    assert (stale / "thesis.tex").read_text() == "someone's"


def test_exports_asset_keeps_foreign_folders_and_its_own_export(tmp_path, monkeypatch):
    """`SYNTH_EXPORT_DIR=D SYNTH_EXPORT_KEEP=1 dagster asset materialize --select '*exports'`
    beside a backup, notes and an older export: both folders stay, the new export stays, the
    older export goes."""
    persona = tmp_path / LIGHT
    (persona / "2024-backup").mkdir(parents=True)
    (persona / "notes").mkdir()
    light = generate_all(Context(light_persona(), as_of=AS_OF))
    older = write_exports(light, tmp_path, LIGHT, "20250101T030000Z", DAY)
    monkeypatch.setenv("SYNTH_EXPORT_DIR", str(tmp_path))
    monkeypatch.setenv("SYNTH_EXPORT_KEEP", "1")
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))
    result = materialize(
        light_assets(),
        selection=AssetSelection.assets("exports").upstream(),
        partition_key=LIGHT,
        resources=default_resources(),
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    metadata = metadata_of(result, "exports")
    newest = Path(metadata["directory"].value).name
    assert metadata["export_settings"].value["keep"] == {"value": 1, "source": "SYNTH_EXPORT_KEEP"}
    assert metadata["old_exports_removed"].value == 1 and not older.directory.exists()
    assert sorted(p.name for p in persona.iterdir()) == ["2024-backup", newest, "notes"]


@pytest.mark.parametrize("keep", ["0", "-3", "many", "1e9"])
def test_export_keep_from_the_environment_is_validated(tmp_path, monkeypatch, keep):
    monkeypatch.setenv("SYNTH_EXPORT_KEEP", keep)
    with pytest.raises(SettingError, match="SYNTH_EXPORT_KEEP"):
        ExportSettings().resolved()


def test_prune_refuses_a_current_export_of_another_persona(tmp_path, frames):
    mine = write_exports(frames[SMALLEST], tmp_path, SMALLEST, "20250101T030000Z", DAY)
    other = write_exports(frames[LARGEST], tmp_path, LARGEST, "20250101T030000Z", DAY)
    with pytest.raises(ValueError, match="is not an export"):
        prune_exports(tmp_path, SMALLEST, keep=1, current=other.directory)
    assert mine.directory.is_dir()


def test_fast_writer_equals_the_views_for_every_persona(frames):
    """The column-wise JSON writer ships exactly the objects the views build (and the format
    checks validate), for every persona and user."""
    for name, f in frames.items():
        texts = export.plaid_texts(f)
        documents = export.plaid_documents(f)
        assert texts.keys() == documents.keys(), name
        for user, text in texts.items():
            assert json.loads(text) == documents[user], (name, user)


def test_fast_sandbox_writer_equals_the_configs_for_every_persona(frames):
    """The column-wise Sandbox writer ships exactly the configs ``custom_user_configs``
    builds (and ``validate_custom_user`` judges), for every persona and user."""
    for name, f in frames.items():
        tables = (f["users"], f["accounts"], f["transactions"], f["liabilities"])
        configs = custom_user_configs(*tables)
        texts = {user: b"".join(parts) for user, parts in custom_user_texts(*tables)}
        assert texts.keys() == configs.keys(), name
        for user, text in texts.items():
            assert json.loads(text) == configs[user], (name, user)


def test_fast_sandbox_writer_orders_rows_it_is_given_out_of_order(frames):
    f = frames[SMALLEST]
    shuffled = f["transactions"].sample(frac=1.0, random_state=3)
    tables = (f["users"], f["accounts"], shuffled, f["liabilities"])
    configs = custom_user_configs(*tables)
    for user, parts in custom_user_texts(*tables):
        assert json.loads(b"".join(parts)) == configs[user]


@pytest.mark.parametrize("blocked", [export.PLAID_DIR, export.SANDBOX_DIR])
def test_a_failing_half_of_an_export_part_raises_its_own_error(tmp_path, frames, blocked):
    """The Plaid JSON is written beside the rest: whichever half fails, its error (not the
    other half's 'abandoned') is what the shard raises."""
    building = export.start_export(tmp_path, SMALLEST, STAMP, "run-x")
    (building / blocked).rmdir()
    (building / blocked).write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=blocked):
        export.write_part(building, 0, frames[SMALLEST], DAY)


def test_the_plaid_half_failing_first_is_what_is_raised(tmp_path, frames):
    """The other half, still writing when the Plaid JSON fails, stops at its next file; the
    Plaid JSON's error is raised, not the other half's 'abandoned'."""
    building = export.start_export(tmp_path, SMALLEST, STAMP, "run-x")
    (building / export.PLAID_DIR).rmdir()
    (building / export.PLAID_DIR).write_text("not a folder")

    def slow_on_this_thread() -> bool:  # the Sandbox half, in this thread, lags behind
        if threading.current_thread() is threading.main_thread():
            time.sleep(0.2)
        return False

    with pytest.raises(NotADirectoryError, match=export.PLAID_DIR):
        export.write_part(building, 0, frames[SMALLEST], DAY, slow_on_this_thread)
    assert len(list((building / export.SANDBOX_DIR).iterdir())) < len(frames[SMALLEST]["users"])


def test_fast_writer_escapes_what_json_must_escape(frames):
    tx = frames["retiree"]["transactions"].head(50).copy()
    hostile = ['quote " and \\ backslash', "tab\tnew\nline\x01", "naïve café ☕", None]
    tx["merchant_name"] = [hostile[i % len(hostile)] for i in range(len(tx))]
    tx["name"] = [f'row {i} "x"' for i in range(len(tx))]  # mostly distinct: the id path
    expected = views.transaction_objects(tx)
    assert [json.loads(t) for t in json_text.transaction_json(tx)] == expected


@pytest.mark.parametrize("batch_rows", [1, 7, 100, 10**9])
def test_text_encoded_in_batches_is_the_text_encoded_at_once(frames, batch_rows):
    """``grouped_bytes`` (the Plaid documents' and the sync pages' text, a batch of groups at
    a time) gives each group the bytes one buffer of every row gives it: empty groups,
    groups larger than a batch, a batch's last group, and text JSON must escape included."""
    tx = frames[SMALLEST]["transactions"].head(400).copy()
    # One name on every row: a few-valued column as a whole, every value distinct in a
    # batch of one row; JSON escapes its non-ASCII and DEL whichever way it is encoded.
    tx["name"] = "Cañon City ☕ \x7f"
    sizes = np.random.default_rng(5).choice([0, 0, 1, 3, 40, 150], size=60)
    starts = np.minimum(np.r_[0, np.cumsum(sizes)], len(tx))
    starts[-1] = len(tx)
    whole = json_text.contiguous_bytes(json_text.comma_terminated(tx), starts)
    batched = list(json_text.grouped_bytes(tx, starts, batch_rows))
    assert [bytes(b) for b in batched] == [bytes(w) for w in whole]
    assert len(batched) == len(starts) - 1 and sum(map(len, batched)) > 0


def test_unfinished_exports_of_ended_runs_are_removed_and_nothing_else(tmp_path, frames):
    dead = export.start_export(tmp_path, "retiree", "20250101T000000Z-dead", "run-dead")
    live = export.start_export(tmp_path, "retiree", "20250101T000001Z-live", "run-live")
    foreign = tmp_path / "retiree" / ".notes.tmp"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep")
    removed = export.remove_abandoned(
        tmp_path, "retiree", lambda run: RunState.LIVE if run == "run-live" else RunState.ENDED
    )
    assert removed == [dead]
    assert not dead.exists() and live.is_dir() and (foreign / "mine.txt").is_file()
    finished = export.finish_export(live, "retiree", "20250101T000001Z-live", 0, {})
    assert not (finished.directory / export.RUN_FILE).exists()


def test_an_export_folder_that_cannot_be_written_is_refused_once_by_name(tmp_path, monkeypatch):
    """A run of its own: its export folder is what is tested. It cannot be made (its parent
    is a file): the plan refuses it at once, naming the setting and the folder, with no
    retries (which took about 11 s and chained FileNotFoundErrors)."""
    (tmp_path / "a_file").write_text("not a folder")
    folder = tmp_path / "a_file" / "exports"
    monkeypatch.setenv("SYNTH_EXPORT_DIR", str(folder))
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))
    resources = {**default_resources(), "retries": StepRetries(delay_s=0)}
    result = materialize(
        light_assets(),
        selection=AssetSelection.assets("exports").upstream(),
        partition_key=LIGHT,
        resources=resources,
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = str(failure.event_specific_data.error)
    assert "SYNTH_EXPORT_DIR" in message and str(folder) in message
    assert (tmp_path / "a_file").read_text() == "not a folder"


def test_an_unfinished_export_of_a_run_unknown_here_is_kept_until_it_falls_silent(tmp_path):
    """Another instance's run may be building it in a shared folder: kept while it was
    written to within a day, removed once every folder in it is older than that."""
    other = export.start_export(tmp_path, "retiree", "20250101T000000Z-othr", "run-elsewhere")
    unknown = lambda run: RunState.UNKNOWN  # noqa: E731
    day = other / export.SYNC_DIR / "2026-11-23"
    day.mkdir()
    assert export.remove_abandoned(tmp_path, "retiree", unknown) == []
    day_ago = time.time() - 25 * 3600
    for path in [other, *other.rglob("*")]:
        os.utime(path, (day_ago, day_ago))
    (day / "account").mkdir()  # a part still writing its sync pages, two levels down
    (day / "account" / "0001.json").write_text("{}")
    assert export.remove_abandoned(tmp_path, "retiree", unknown) == []
    for path in [other, *other.rglob("*")]:
        os.utime(path, (day_ago, day_ago))
    assert export.remove_abandoned(tmp_path, "retiree", lambda run: RunState.LIVE) == []
    assert export.remove_abandoned(tmp_path, "retiree", unknown) == [other]


def test_csv_times_as_text_read_back_as_arrow_writes_them(frames):
    """The CSV writer gets UTC times as text (``csv_table``): every table's CSV parses to the
    same rows as Arrow's own rendering of the times, a missing time stays an unquoted empty
    field, and the text is Arrow's (``2025-12-05 10:04:00Z``)."""

    def rendered(table: pa.Table) -> bytes:
        out = io.BytesIO()
        pa_csv.write_csv(table, out, export._CSV)
        return out.getvalue()

    for name in TABLE_NAMES:
        table = export.arrow_table(name, frames["family"][name])
        fast = rendered(export.csv_table(table))
        parsed = list(csv.reader(io.StringIO(fast.decode())))
        assert parsed == list(csv.reader(io.StringIO(rendered(table).decode())))
    times = pa.table({"at": pa.array([0, None, 1_764_929_040], pa.timestamp("s", tz="UTC"))})
    assert rendered(export.csv_table(times)).splitlines() == [
        b'"at"',
        b'"1970-01-01 00:00:00Z"',
        b"",
        b'"2025-12-05 10:04:00Z"',
    ]
    for unit, text in [("ms", ".123Z"), ("us", ".123000Z"), ("ns", ".123000000Z")]:
        kind = pa.timestamp(unit, tz="UTC")
        column = pa.array([0, None, 1_764_929_040_123], pa.timestamp("ms")).cast(kind)
        for rows in (column, column[:0], pa.nulls(2, kind)):
            table = pa.table({"at": rows, "n": pa.array(range(len(rows)))})
            fast = rendered(export.csv_table(table)).decode()
            assert list(csv.reader(io.StringIO(fast))) == list(
                csv.reader(io.StringIO(rendered(table).decode()))
            )
            assert '""' not in fast  # a missing time: an empty field, not an empty text
        assert (
            f'"2025-12-05 10:04:00{text}",2'
            in rendered(
                export.csv_table(pa.table({"at": column, "n": pa.array(range(3))}))
            ).decode()
        )
