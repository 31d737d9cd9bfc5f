"""File exports of one persona: Plaid-shaped JSON per user, Plaid Sandbox custom-user configs,
and every table as one CSV file and a Parquet dataset (a folder of parts, one per shard), under
``<root>/<persona>/<stamp>/``.

Each shard writes its own part (``write_part``), in parallel with the others; the export is
built in a hidden sibling directory and renamed into place when complete, so a
reader (or ``prune_exports``) never sees a half-written one. Every export carries a marker file
naming the persona and stamp; pruning deletes only folders whose marker says this project
wrote them, so a folder of someone else's beside them is never touched. The Plaid JSON is made only by
``synth_assets.plaid.views``, the same functions the format checks validate.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from synth_assets.builtin_tables import SCHEMA, TABLE_NAMES
from synth_assets.generate.common import RELEASE
from synth_assets.liveness import STALE_AFTER, Judge, abandoned
from synth_assets.plaid import json_text, views
from synth_assets.plaid.sandbox import custom_user_texts
from synth_assets.plaid.sync import sync_page_texts

PLAID_DIR = "plaid"
SANDBOX_DIR = "sandbox"
SYNC_DIR = "sync"
TABLES_DIR = "tables"
PARTS_DIR = ".parts"  # CSV parts, joined into one file per table when the export is finished
MANIFEST = "manifest.json"
MARKER = ".synth_assets_export.json"
MARKER_TOOL = "synth_assets"
RUN_FILE = ".synth_assets_run"  # in a folder being built: the run building it
TABLE_FORMATS = ("csv", "parquet")
_CSV = pa_csv.WriteOptions(quoting_style="needed")


class Day(NamedTuple):
    """The day an export shows, and the day its changes start from (None: from nothing)."""

    as_of: dt.date
    since: dt.date | None


@dataclass(frozen=True)
class ExportResult:
    directory: Path
    files: tuple[Path, ...]  # every file written, under ``directory``, sorted
    rows: Mapping[str, int]  # rows per table


def _temporary(final: Path) -> Path:
    return final.with_name(f".{final.name}.tmp")


def building_stamp(building: Path) -> str:
    """The stamp of an export being built (its folder is ``.<stamp>.tmp``)."""
    return Path(building).name.removeprefix(".").removesuffix(".tmp")


def _is_temporary(path: Path) -> bool:
    return path.name.startswith(".")


def _marker(persona: str, stamp: str) -> dict[str, str]:
    return {"tool": MARKER_TOOL, "persona": persona, "stamp": stamp}


def _mark(directory: Path, persona: str, stamp: str) -> Path:
    return _write_json(directory / MARKER, _marker(persona, stamp))


def is_export(path: Path, persona: str, stamp: str | None = None) -> bool:
    """True only for a real folder (not a link) that this project wrote as an export of
    ``persona`` at ``stamp`` (default: the folder's name), as its marker file says."""
    if path.is_symlink() or not path.is_dir():
        return False
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker == _marker(persona, stamp or path.name)


def _write_json(path: Path, document: Any) -> Path:
    """Compact JSON; a NaN fails here rather than writing a file no JSON parser accepts."""
    text = json.dumps(document, separators=(",", ":"), allow_nan=False)
    path.write_text(text, encoding="utf-8")
    return path


def _by_owner(objects: Iterable[views.PlaidObject], owner: Mapping[str, str]) -> dict[str, list]:
    """Objects grouped by the user owning their ``account_id``."""
    grouped: dict[str, list] = {}
    for obj in objects:
        grouped.setdefault(owner[obj["account_id"]], []).append(obj)
    return grouped


def plaid_documents(frames: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """One Plaid-shaped document per user id: the views run once over the users' tables,
    then their objects are grouped by account owner."""
    accounts = frames["accounts"]
    owner = dict(zip(accounts["account_id"], accounts["user_id"], strict=True))
    users = frames["users"]["id"].tolist()
    account_objects = _by_owner(views.account_objects(accounts), owner)
    transaction_objects = _by_owner(views.transaction_objects(frames["transactions"]), owner)
    liabilities = {
        kind: _by_owner(objects, owner)
        for kind, objects in views.liability_objects(frames["liabilities"]).items()
    }
    return {
        user: {
            "user_id": user,
            "accounts": account_objects.get(user, []),
            "transactions": transaction_objects.get(user, []),
            "liabilities": {kind: owned.get(user, []) for kind, owned in liabilities.items()},
        }
        for user in users
    }


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def _grouped(texts: Iterable[str], owners: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for text, user in zip(texts, owners, strict=True):
        grouped.setdefault(user, []).append(text)
    return grouped


def plaid_texts(frames: Mapping[str, pd.DataFrame]) -> dict[str, bytes]:
    """The same documents as ``plaid_documents``, as UTF-8 JSON text per user."""
    return {user: b"".join(parts) for user, parts in plaid_parts(frames)}


def plaid_parts(
    frames: Mapping[str, pd.DataFrame],
) -> Iterator[tuple[str, list[bytes | memoryview]]]:
    """Each user's Plaid document as the pieces of its UTF-8 JSON text, written column-wise:
    the transactions (nearly all of the bytes) by ``plaid.json_text`` into buffers ordered by
    user, a batch of users at a time, each user's slice used in place; the few accounts and
    liabilities from the views' objects."""
    accounts = frames["accounts"]
    users = frames["users"]["id"].tolist()
    owner = dict(zip(accounts["account_id"], accounts["user_id"], strict=True))
    code = pd.Series(np.arange(len(users)), index=users)
    account_texts = _grouped(
        map(_dumps, views.account_objects(accounts)), accounts["user_id"].tolist()
    )
    transactions = frames["transactions"]
    owners = code.loc[transactions["account_id"].map(owner)].to_numpy()
    if len(owners) and (np.diff(owners) < 0).any():  # generated rows already come by user
        by_user = np.argsort(owners, kind="stable")
        transactions, owners = transactions.iloc[by_user], owners[by_user]
    starts = np.r_[0, np.cumsum(np.bincount(owners, minlength=len(users)))]
    slices = json_text.grouped_bytes(transactions, starts)
    liabilities = {
        kind: _grouped(map(_dumps, objects), [owner[o["account_id"]] for o in objects])
        for kind, objects in views.liability_objects(frames["liabilities"]).items()
    }
    for user, transaction_bytes in zip(users, slices, strict=True):
        owned = ",".join(
            f"{_dumps(kind)}:[{','.join(by_kind.get(user, []))}]"
            for kind, by_kind in liabilities.items()
        )
        head = f'{{"user_id":{_dumps(user)},"accounts":[{",".join(account_texts.get(user, []))}],'
        yield (
            user,
            [
                f'{head}"transactions":['.encode(),
                transaction_bytes[:-1],  # less the last row's comma
                f'],"liabilities":{{{owned}}}}}'.encode(),
            ],
        )


def _part(index: int) -> str:
    return f"part-{index:05d}"


def start_export(root: Path, persona: str, stamp: str, run_id: str = "") -> Path:
    """The folder an export is built in (``.<stamp>.tmp`` beside its final place), created
    with its marker and the id of the run building it. Refuses an existing export, and a
    building folder not written by us."""
    final = Path(root) / persona / stamp
    if final.exists():
        raise FileExistsError(f"export {final} already exists")
    building = _temporary(final)
    if building.exists():  # left by a crashed attempt at this stamp, if it is ours
        if not is_export(building, persona, stamp):
            raise FileExistsError(f"{building} exists and was not written by synth_assets")
        shutil.rmtree(building)
    for folder in (PLAID_DIR, SANDBOX_DIR, SYNC_DIR, TABLES_DIR, PARTS_DIR):
        (building / folder).mkdir(parents=True)
    _mark(building, persona, stamp)
    (building / RUN_FILE).write_text(run_id, encoding="utf-8")
    return building


def remove_abandoned(
    root: Path, persona: str, judge: Judge, stale_after: dt.timedelta = STALE_AFTER
) -> list[Path]:
    """Delete the building folders of ``persona`` that this project made (marker and run
    file) for runs that ended without finishing them, by ``judge``'s word or, for a run it
    does not know, after ``stale_after`` without a file written (``liveness``); anything
    else is left alone."""
    directory = Path(root) / persona
    if not directory.is_dir():
        return []
    removed = []
    now = dt.datetime.now(dt.UTC).timestamp()
    for path in sorted(directory.glob(".*.tmp")):
        stamp = building_stamp(path)
        run = path / RUN_FILE
        if not (is_export(path, persona, stamp) and run.is_file()):
            continue
        silent_for = dt.timedelta(seconds=now - _last_written(path))
        if abandoned(judge(run.read_text()), silent_for, stale_after):
            shutil.rmtree(path)
            removed.append(path)
    return removed


def _last_written(building: Path) -> float:
    """When a file was last added to the building folder: each part adds files to the
    folders one and two levels under it (``plaid/``, ``sync/<day>/``, ``tables/<t>.parquet``;
    the run file, written at the start, counts too)."""
    folders = [p for p in building.iterdir() if p.is_dir()]
    folders += [p for folder in folders for p in folder.iterdir() if p.is_dir()]
    return max(p.stat().st_mtime for p in [building, building / RUN_FILE, *folders])


class Stopped(Exception):
    """An export part abandoned on request (its shard's staging failed or was interrupted)."""


def _write_documents(
    directory: Path, documents: Iterable[tuple[str, list[bytes | memoryview]]], check
) -> int:
    """One file per user from its text pieces; returns the number written."""
    written = 0
    for user, parts in documents:
        check()
        with (directory / f"{user}.json").open("wb") as out:
            out.writelines(parts)
        written += 1
    return written


def arrow_table(name: str, frame: pd.DataFrame) -> pa.Table:
    """A table's rows as the exports write them: its dates as dates (``date32``: CSV
    ``2025-12-05``), its times as UTC timestamps (CSV ``2025-12-05 10:04:00Z``)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for column in SCHEMA[name].columns:
        at = table.schema.get_field_index(column.name)
        if column.type.name in ("timestamp", "timestamptz"):
            kind = pa.timestamp(table.schema.field(at).type.unit, tz="UTC")
        elif column.type.name == "date":
            kind = pa.date32()
        else:
            continue
        table = table.set_column(at, column.name, table.column(at).cast(kind))
    return table


def csv_table(table: pa.Table) -> pa.Table:
    """``table`` with its UTC times as text (``2025-12-05 10:04:00Z``), for the CSV writer:
    Arrow's writer renders a time with a zone some twenty times slower than the same text
    made by a cast. As text, the CSV quotes them, as it quotes every string."""
    for at, column in enumerate(table.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz == "UTC":
            naive = table.column(at).cast(pa.timestamp(column.type.unit))
            text = naive.cast(pa.large_string())  # a column's text may pass 2 GB
            zulu, joined = pa.scalar("Z", pa.large_string()), pa.scalar("", pa.large_string())
            text = pc.binary_join_element_wise(text, zulu, joined)
            table = table.set_column(at, column.name, text)
    return table


def _write_tables(building: Path, index: int, frames: Mapping[str, pd.DataFrame], check) -> int:
    for name in TABLE_NAMES:
        check()
        table = arrow_table(name, frames[name])
        parquet = building / TABLES_DIR / f"{name}.parquet"
        parquet.mkdir(exist_ok=True)
        pq.write_table(table, parquet / f"{_part(index)}.parquet")
        (building / PARTS_DIR / name).mkdir(exist_ok=True)
        csv = building / PARTS_DIR / name / f"{_part(index)}.csv"
        pa_csv.write_csv(csv_table(table), csv, _CSV)
    return 2 * len(TABLE_NAMES)


def _write_sync(building: Path, day: Day, frames: Mapping[str, pd.DataFrame], check) -> int:
    """The day's ``/transactions/sync`` pages of each account:
    ``sync/<as_of>/<account_id>/<page>.json``."""
    folder = building / SYNC_DIR / day.as_of.isoformat()
    folder.mkdir(exist_ok=True)
    pages = sync_page_texts(
        frames["accounts"], frames["transactions"], frames["transaction_changes"], *day
    )
    written = 0
    for account_id, number, text in pages:
        check()
        (folder / account_id).mkdir(exist_ok=True)
        (folder / account_id / f"{number:04d}.json").write_bytes(text)
        written += 1
    return written


def write_part(
    building: Path,
    index: int,
    frames: Mapping[str, pd.DataFrame],
    day: Day,
    stopped: Callable[[], bool] = lambda: False,
) -> int:
    """One shard's part of an export: its users' Plaid JSON and Sandbox configs, its
    accounts' ``/transactions/sync`` pages of the as-of date, and its slice of every table
    (a Parquet part, and a CSV part joined into one file at the end).
    Returns the number of files written; rewriting a part (a retried shard) replaces it.
    ``stopped`` is asked before each file; when it says so, ``Stopped`` is raised.

    The Plaid JSON is written in a thread of its own beside the rest: most of both is Arrow
    work and file writes, which release the GIL, so the two share the machine's cores with
    the database's COPY of the same shard. Either one's error is raised once both ended."""
    failed = threading.Event()

    def check() -> None:
        if stopped() or failed.is_set():
            raise Stopped(f"export part {index} of {building} abandoned")

    def plaid() -> int:
        try:
            return _write_documents(building / PLAID_DIR, plaid_parts(frames), check)
        except BaseException:
            failed.set()
            raise

    tables = (frames["users"], frames["accounts"], frames["transactions"], frames["liabilities"])
    with ThreadPoolExecutor(1, thread_name_prefix="export-plaid") as pool:
        documents = pool.submit(plaid)
        try:
            files = _write_documents(building / SANDBOX_DIR, custom_user_texts(*tables), check)
            files += _write_sync(building, day, frames, check)
            files += _write_tables(building, index, frames, check)
        except BaseException as error:
            failed.set()
            raise_first_real(error, documents.exception(), "the other half of the export part")
    return files + documents.result()


def raise_first_real(error: BaseException, other: BaseException | None, other_name: str) -> None:
    """Raise ``error``, unless it only says the export was abandoned (``Stopped``) because
    ``other``, the work beside it, failed for real: then raise ``other``. The one raised
    carries a note of the other's real failure."""
    if isinstance(error, Stopped) and other is not None and not isinstance(other, Stopped):
        error, other = other, error
    if other is not None and not isinstance(other, Stopped):
        error.add_note(f"{other_name} failed too: {other!r}")
    raise error


def _join_csv(parts: list[Path], joined: Path) -> None:
    """CSV parts in shard order as one file, with the first part's header only."""
    with joined.open("wb") as out:
        for n, part in enumerate(parts):
            with part.open("rb") as source:
                header = source.readline()
                if n == 0:
                    out.write(header)
                shutil.copyfileobj(source, out, 1 << 20)


def _manifest(
    persona: str, stamp: str, files: list[Path], rows: dict[str, int], about: Mapping[str, Any]
) -> dict:
    """What the export holds (files per folder, paths relative to the export; table rows)
    and what it was made from (``about``: the as-of day, seed, scale, window, ...)."""
    counts = Counter(path.parts[0] for path in files)
    return {
        "persona": persona, "stamp": stamp, **about, "synth_assets": RELEASE,
        "files": dict(sorted(counts.items())), "rows": rows,
    }  # fmt: skip


def _raise(error: OSError) -> None:
    raise error


def _files(root: Path) -> list[Path]:
    """The files under ``root``, relative to it, sorted: one walk of its folders, whose
    entries say what is a folder (an export holds a file per user and per sync page, so a
    ``stat`` per file costs a second at a million transactions)."""
    return sorted(
        Path(folder).relative_to(root) / name
        for folder, _, names in os.walk(root, onerror=_raise)
        for name in names
    )


def finish_export(
    building: Path,
    persona: str,
    stamp: str,
    parts: int,
    rows: Mapping[str, int],
    about: Mapping[str, Any] | None = None,
) -> ExportResult:
    """Join the CSV parts, write the manifest and rename the export into place."""
    final = building.with_name(stamp)
    try:
        for name in TABLE_NAMES:
            csv_parts = [building / PARTS_DIR / name / f"{_part(i)}.csv" for i in range(parts)]
            missing = [p.name for p in csv_parts if not p.is_file()]
            if missing:
                raise FileNotFoundError(f"export {building} lacks {name} parts {missing[:5]}")
            _join_csv(csv_parts, building / TABLES_DIR / f"{name}.csv")
        shutil.rmtree(building / PARTS_DIR)
        (building / RUN_FILE).unlink(missing_ok=True)
        files = _files(building)
        listed = [path for path in files if path.name != MARKER]
        manifest = _manifest(persona, stamp, listed, dict(rows), about or {})
        _write_json(building / MANIFEST, manifest)
        building.rename(final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    written = sorted(final / path for path in [*files, Path(MANIFEST)])
    return ExportResult(final, tuple(written), dict(rows))


def write_exports(
    frames: Mapping[str, pd.DataFrame], root: Path, persona: str, stamp: str, day: Day
) -> ExportResult:
    """A persona held whole in memory, exported in one part."""
    building = start_export(root, persona, stamp)
    try:
        write_part(building, 0, frames, day)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    rows = {name: len(frames[name]) for name in TABLE_NAMES}
    about = {"as_of": day.as_of.isoformat(), "since": day.since and day.since.isoformat()}
    return finish_export(building, persona, stamp, 1, rows, about)


def prune_exports(root: Path, persona: str, keep: int, current: Path | None = None) -> list[Path]:
    """Delete all but the ``keep`` newest exports of ``persona`` (stamps sort by time) and
    return them. Only folders this project wrote (``is_export``) are candidates; ``current``,
    the export just written, is always kept and counts as one of the ``keep``."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ValueError(f"keep must be a whole number of at least 1, got {keep!r}")
    directory = Path(root) / persona
    if not directory.is_dir():
        return []
    current = current.resolve() if current else None
    if current is not None and current.parent != directory.resolve():
        raise ValueError(f"{current} is not an export of {persona!r} under {root}")
    exports = sorted(
        path
        for path in directory.iterdir()
        if not _is_temporary(path) and path.resolve() != current and is_export(path, persona)
    )
    removed = exports[: max(len(exports) - (keep - (current is not None)), 0)]
    for path in removed:
        shutil.rmtree(path)
    return removed
