"""Loading never loses or corrupts data: atomic replace under a killed connection, idempotent
reloads, concurrent personas, a per-persona lock, timeouts, refused targets, schema drift,
secrets kept out of the run's records, and Dagster's own storage in PostgreSQL."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from dagster import DagsterInstance, materialize
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from synth_assets import hooks
from synth_assets.definitions import ALL_ASSETS
from synth_assets.defs.resources import GenerationSettings, SynthDatabase, default_resources
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import copy, drift, embedded, postgres, schema, target
from synth_assets.personas import PersonaError
from synth_assets_tests.support.database import (
    checksums,
    drop_tables,
    loader_sessions,
    other_database,
    query,
    stored_rows,
    waiting_loaders,
    worker_name,
)
from synth_assets_tests.support.processes import ROOT
from synth_assets_tests.support.runs import (
    AS_OF,
    LIGHT,
    LIGHT_DIR,
    NO_DELAY,
    light_assets,
    metadata_of,
    resources_for,
)

LOAD_ONE = """
import datetime
import sys
from synth_assets.generate.common import Context
from synth_assets.generate.frames import generate_all
from synth_assets.load import postgres
from synth_assets.personas import load_personas
url, persona = sys.argv[1], sys.argv[2]
frames = generate_all(Context(load_personas()[persona], as_of=datetime.date(2026, 11, 23)))
postgres.replace_partition(url, persona, frames, as_of=datetime.date(2026, 11, 23))
print("loaded", persona)
"""

PLANNER = "persona_tables.plan_shards"  # the first step to reach for the database


@pytest.fixture(scope="module")
def loaded(database_url, frames):
    postgres.ensure_schema(database_url)
    for persona in ("retiree", "student"):
        postgres.replace_partition(database_url, persona, frames[persona], as_of=AS_OF)
    return database_url


def _load_in_process(url: str, persona: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", LOAD_ONE, url, persona],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_connection_killed_mid_copy_keeps_previous_rows(loaded, personas, monkeypatch):
    """Kill the loader's backend while its COPY of transactions is open (the test steps in
    at the COPY path's hook, in chunks of 1,000 rows so the next chunks are being rendered
    ahead, after users, accounts and two chunks of transactions were sent): the persona keeps
    exactly its previous rows, and the next load succeeds."""
    before = checksums(loaded, "retiree")
    other = generate_all(Context(personas["retiree"], seed=7, as_of=AS_OF))
    assert len(other["transactions"]) > 5 * 1000
    monkeypatch.setattr(copy, "COPY_CHUNK_ROWS", 1000)
    chunks: list[int] = []

    def kill_at_the_third_chunk_of_transactions() -> None:  # users, accounts: one chunk each
        chunks.append(len(chunks) + 1)
        if len(chunks) != 5:
            return
        with target.connect(loaded, autocommit=True) as admin:
            [pid] = loader_sessions(loaded, "COPY%transactions%")
            assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", (pid,)).fetchone()[0]

    with (
        hooks.installed("copy", kill_at_the_third_chunk_of_transactions),
        pytest.raises(psycopg.OperationalError),  # the kill surfaces as a driver error
    ):
        postgres.replace_partition(loaded, "retiree", other, as_of=AS_OF)
    # The driver may send a chunk more before it sees the closed connection, never the rest.
    transaction_chunks = -(-len(other["transactions"]) // 1000)
    assert 5 <= len(chunks) < 2 + transaction_chunks, "the load went on after the kill"
    assert checksums(loaded, "retiree") == before
    postgres.replace_partition(
        loaded, "retiree", generate_all(Context(personas["retiree"], as_of=AS_OF)), as_of=AS_OF
    )
    assert checksums(loaded, "retiree") == before


def test_materialising_twice_leaves_identical_rows(loaded, monkeypatch):
    """Two runs of its own (the light persona: three shards each)."""
    monkeypatch.setenv("SYNTH_PERSONAS_DIR", str(LIGHT_DIR))
    resources = resources_for(loaded)
    sums = []
    for _ in range(2):
        result = materialize(
            light_assets(),
            partition_key=LIGHT,
            resources=resources,
            instance=DagsterInstance.ephemeral(),
        )
        assert result.success
        sums.append(checksums(loaded, LIGHT))
    assert sums[0] == sums[1]
    assert all(sums[0].values())


def test_two_personas_load_at_once_in_separate_processes(loaded, frames):
    started = [
        _load_in_process(loaded, persona)
        for persona in ("young_professional", "small_business_owner")
    ]
    for process in started:
        _, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-2000:]
    for persona in ("young_professional", "small_business_owner"):
        for table in schema.TABLE_NAMES:
            assert stored_rows(loaded, table, persona) == len(frames[persona][table])


def test_second_load_of_the_same_persona_waits_for_the_first(loaded):
    """Hold the persona's load lock as a running load would: a second load waits (nothing
    interleaves), then completes once the lock is released."""
    before = checksums(loaded, "student")
    with target.connect(loaded, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (postgres.lock_key("student"),))
        waiting = _load_in_process(loaded, "student")

        def waits() -> int:
            return waiting_loaders(loaded, "advisory")

        deadline = time.monotonic() + 120  # it generates and stages first
        while waits() == 0 and waiting.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        assert waiting.poll() is None, waiting.communicate()[1][-2000:]
        assert waits() == 1
        assert checksums(loaded, "student") == before
        holder.execute("SELECT pg_advisory_unlock(hashtext(%s))", (postgres.lock_key("student"),))
    _, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err[-2000:]
    assert checksums(loaded, "student") == before


def _outcome_within(
    seconds: float, function: Callable[[], object], release: Callable[[], None]
) -> BaseException | None:
    """Run ``function`` in a thread; after ``seconds`` call ``release`` (so a hung call can
    end) and fail the test if it had not finished by then. Returns what it raised."""
    outcome: dict[str, BaseException] = {}

    def run() -> None:
        try:
            function()
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=seconds)
    hung = worker.is_alive()
    release()
    worker.join()
    assert not hung, f"still waiting after {seconds}s instead of timing out"
    return outcome.get("error")


def test_lock_wait_gives_up_cleanly_after_the_timeout(loaded, frames):
    before = checksums(loaded, "student")
    with target.connect(loaded, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (postgres.lock_key("student"),))
        error = _outcome_within(
            30,
            lambda: postgres.replace_partition(
                loaded, "student", frames["student"], timeout_s=1.5, as_of=AS_OF
            ),
            lambda: holder.execute("SELECT pg_advisory_unlock_all()"),
        )
    assert isinstance(error, postgres.PartitionBusyError) and "student" in str(error)
    assert checksums(loaded, "student") == before


def test_swap_blocked_by_a_lock_gives_up_after_the_timeout_and_rolls_back(loaded, frames):
    """A table locked by someone else makes the swap wait; it gives up after the timeout
    instead of hanging, and the previous rows stay."""
    before = checksums(loaded, "retiree")
    with target.connect(loaded) as blocker:
        blocker.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
        error = _outcome_within(
            30,
            lambda: postgres.replace_partition(
                loaded, "retiree", frames["retiree"], timeout_s=1.5, as_of=AS_OF
            ),
            blocker.rollback,
        )
    assert isinstance(error, postgres.PartitionBusyError), error
    assert "locked by another session" in str(error) and "retiree" in str(error)
    assert checksums(loaded, "retiree") == before


def test_readers_keep_answering_while_a_swap_waits_for_a_lock(loaded, frames):
    """While the swap waits for a table another session holds, readers of every table, of
    every persona, still answer within a second (the loader never holds some locks while
    waiting for the others); once the holder lets go, the swap completes."""
    before = checksums(loaded, "retiree")
    with target.connect(loaded) as blocker:
        blocker.execute("LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE")
        outcome: dict[str, object] = {}

        def load() -> None:
            try:
                postgres.replace_partition(
                    loaded, "retiree", frames["retiree"], timeout_s=60, as_of=AS_OF
                )
                outcome["done"] = True
            except BaseException as error:
                outcome["error"] = error

        loader = threading.Thread(target=load)
        loader.start()
        deadline = time.monotonic() + 60
        while not _swap_is_waiting(loaded) and time.monotonic() < deadline:
            time.sleep(0.05)
        slowest = 0.0
        with target.connect(loaded, autocommit=True) as reader:
            reader.execute("SET statement_timeout = '5s'")
            for _ in range(8):
                for table in ("users", "accounts", "transactions", "liabilities", "content"):
                    started = time.monotonic()
                    reader.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                    slowest = max(slowest, time.monotonic() - started)
                time.sleep(0.1)
        assert loader.is_alive(), outcome
        blocker.rollback()
    loader.join(timeout=60)
    assert slowest < 1.0, f"a reader waited {slowest:.2f}s behind the blocked swap"
    assert outcome.get("done"), outcome
    assert checksums(loaded, "retiree") == before


def _swap_is_waiting(url: str) -> bool:
    """The loader has reached the swap: it has started asking for the parents' locks."""
    return bool(loader_sessions(url, "LOCK TABLE%") or loader_sessions(url, "%synth_lock_parents%"))


def test_unsafe_database_is_refused_and_untouched(database_url, monkeypatch):
    """A run of its own against a database the guard refuses: refused at once, not retried."""
    monkeypatch.delenv(target.ALLOW_ANY_ENV, raising=False)
    guarded = other_database(database_url, "synth_guarded")
    result = materialize(
        ALL_ASSETS,
        partition_key="retiree",
        resources=resources_for(guarded),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure and e.step_key == PLANNER)
    assert f"refusing to load into database '{worker_name('synth_guarded')}'" in str(
        failure.event_specific_data.error
    )
    assert (
        query(
            guarded, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )[0][0]
        == 0
    )
    attempts = [
        e for e in result.all_events if e.step_key == PLANNER and e.event_type_value == "STEP_START"
    ]
    assert len(attempts) == 1, "a refused target must not be retried"


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        (
            "ALTER TABLE users DROP COLUMN signup_channel",
            "table 'users': column 'signup_channel' is missing",
        ),
        (
            "ALTER TABLE transactions ALTER COLUMN amount TYPE text",
            "table 'transactions': column 'amount' is text, expected numeric",
        ),
        (
            "ALTER TABLE content ADD COLUMN rating int NOT NULL DEFAULT 0",
            "extra NOT NULL column 'rating'",
        ),
        (  # the layout of an older synth_assets: one plain table, not partitioned by persona
            "ALTER TABLE jobs DETACH PARTITION jobs__retiree; DROP TABLE jobs; "
            "ALTER TABLE jobs__retiree RENAME TO jobs",
            "table 'jobs' is not partitioned by persona",
        ),
    ],
)
def test_schema_drift_names_table_and_column_and_writes_nothing(
    database_url, frames, alter, message
):
    drifted = other_database(database_url, "synth_drift_test")
    postgres.ensure_schema(drifted)
    postgres.replace_partition(drifted, "retiree", frames["retiree"], as_of=AS_OF)
    with target.connect(drifted, autocommit=True) as conn:
        conn.execute(alter)
    before = {table: stored_rows(drifted, table, "retiree") for table in schema.TABLE_NAMES}
    with pytest.raises(drift.SchemaDriftError, match=message.replace("(", r"\(")):
        postgres.ensure_schema(drifted)
    assert {table: stored_rows(drifted, table, "retiree") for table in schema.TABLE_NAMES} == before


def test_tables_of_the_version_before_living_data_are_upgraded_in_place(database_url, frames):
    """Tables an older synth_assets made lack the columns and table this one added: the
    nullable columns are added (no row rewritten or lost), the new table created, and the
    next load works."""
    older = other_database(database_url, "synth_upgrade_test")
    postgres.ensure_schema(older)
    postgres.replace_partition(older, "retiree", frames["retiree"], as_of=AS_OF)
    with target.connect(older, autocommit=True) as conn:
        conn.execute("ALTER TABLE transactions DROP COLUMN pending_transaction_id")
        conn.execute("ALTER TABLE liabilities DROP COLUMN ytd_interest_paid")
        conn.execute("ALTER TABLE liabilities DROP COLUMN ytd_principal_paid")
        conn.execute("DROP TABLE transaction_changes")
    kept = {t: stored_rows(older, t, "retiree") for t in ("users", "transactions", "liabilities")}
    postgres.ensure_schema(older)
    assert {t: stored_rows(older, t, "retiree") for t in kept} == kept
    columns = query(
        older,
        "SELECT table_name || '.' || column_name FROM information_schema.columns "
        "WHERE column_name IN ('pending_transaction_id', 'ytd_interest_paid', 'ytd_principal_paid') "
        "AND table_name IN ('transactions', 'liabilities')",
    )
    assert len(columns) == 3
    postgres.replace_partition(older, "retiree", frames["retiree"], as_of=AS_OF)
    for table in schema.TABLE_NAMES:
        assert stored_rows(older, table, "retiree") == len(frames["retiree"][table])


def test_unknown_persona_is_a_clear_error():
    with pytest.raises(PersonaError, match="unknown persona 'nobody'"):
        GenerationSettings().context("nobody", AS_OF)


def test_server_down_names_host_and_database_and_is_retried():
    """A run of its own against a closed port: each retry fails the same way."""
    url = "postgresql://synth:pw-never-shown@127.0.0.1:1/synth_down_test"
    result = materialize(
        ALL_ASSETS,
        partition_key="retiree",
        resources=resources_for(url),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    # The shard plan is the first step to reach for the server: retried, then failed.
    loader = [e for e in result.all_events if e.step_key == PLANNER]
    assert sum(e.event_type_value == "STEP_UP_FOR_RETRY" for e in loader) == 3
    failure = next(e for e in loader if e.is_step_failure)
    text = str(failure.event_specific_data.error)
    assert "cannot connect to PostgreSQL at 127.0.0.1:1 (database 'synth_down_test')" in text
    assert "pw-never-shown" not in "".join(str(e) for e in result.all_events)


SECRET_ROLE = worker_name("synth_secret_role")
SECRET_DATABASE = worker_name("synth_secret_test")


def _secret_url(shape: str, params: dict[str, str], password: str) -> str:
    """The target as ``SECRET_DATABASE`` on the test server, the password in ``shape``."""
    where = f"host={quote(params['host'], safe='')}&port={params.get('port', '5432')}"
    encoded = quote(password, safe="")
    return {
        "userinfo": f"postgresql://{SECRET_ROLE}:{encoded}@/{SECRET_DATABASE}?{where}",
        "query": f"postgresql://{SECRET_ROLE}@/{SECRET_DATABASE}?{where}&password={encoded}",
        "keywords": make_conninfo(
            "",
            host=params["host"],
            port=params.get("port", "5432"),
            dbname=SECRET_DATABASE,
            user=SECRET_ROLE,
            password=password,
        ),
        # An unencoded @ in the password: libpq would take its tail for the host name.
        "misparsed": f"postgresql://{SECRET_ROLE}:{password}@127.0.0.1:5432/{SECRET_DATABASE}",
    }[shape]


@pytest.fixture(scope="module")
def secret_role(database_url) -> tuple[str, str]:
    """A password-protected role owning ``SECRET_DATABASE``: (owner URL, password)."""
    token = os.urandom(6).hex()
    password = f"Head@{token}:/ -Tail"
    with target.connect(database_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (SECRET_ROLE,)
        ).fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                sql.Identifier(SECRET_ROLE), sql.Literal(password)
            )
        )
    owner_url = other_database(database_url, "synth_secret_test")
    with target.connect(owner_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("GRANT ALL ON SCHEMA public TO {}").format(sql.Identifier(SECRET_ROLE))
        )
        conn.execute(sql.SQL("ALTER SCHEMA public OWNER TO {}").format(sql.Identifier(SECRET_ROLE)))
        conn.execute(
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(
                sql.Identifier(SECRET_DATABASE), sql.Identifier(SECRET_ROLE)
            )
        )
    return owner_url, password


SHAPES = ["userinfo", "query", "keywords", "misparsed"]


def _fragments(password: str) -> list[str]:
    """The parts of the password a leak would show (it is cut at URL punctuation)."""
    return [part for part in re.split(r"[@:/ ]+", password) if len(part) >= 4]


@pytest.mark.parametrize("shape", SHAPES)
def test_each_password_shape_is_read_as_libpq_reads_it_and_never_shown(
    database_url, secret_role, monkeypatch, shape
):
    """SYNTH_DATABASE_URL as the loader reads it, the password in each place a URL can carry
    it: the URL reaches the role's database, and what the loader shows of it (the masked URL,
    the settings metadata) holds no part of the password; a URL libpq would mis-read is
    refused by the variable's name, showing none of it."""
    _, password = secret_role
    monkeypatch.setenv(
        "SYNTH_DATABASE_URL", _secret_url(shape, target.parameters(database_url), password)
    )
    database = SynthDatabase()
    resolved = database.resolved()
    if shape == "misparsed":
        with pytest.raises(target.TargetError) as refused:
            database.target(resolved)
        shown = [str(refused.value)]
        assert "SYNTH_DATABASE_URL" in shown[0]
    else:
        where = database.target(resolved)
        shown = [where.masked(), str(database.described(resolved, where))]
        with where.connect() as conn:
            assert target.current_database(conn) == SECRET_DATABASE
            assert conn.execute("SELECT current_user").fetchone()[0] == SECRET_ROLE
    for fragment in _fragments(password):
        assert all(fragment not in text for text in shown), (fragment, shown)


def test_a_url_libpq_would_misread_is_refused_at_once_and_never_shown(
    database_url, secret_role, tmp_path, monkeypatch
):
    """End to end: an unencoded @ in the password. The run fails at its first step, without
    retries, naming the variable; no part of the password is in its records or files."""
    _, password = secret_role
    instance, result, home = _run_as(
        "misparsed", database_url, password, tmp_path, monkeypatch, retries=NO_DELAY
    )
    assert not result.success
    planner = [e for e in result.all_events if e.step_key == PLANNER]
    assert not any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in planner)
    failure = next(e for e in planner if e.is_step_failure)
    assert "SYNTH_DATABASE_URL" in str(failure.event_specific_data.error)
    _assert_nothing_shows(password, instance, result.run_id, home)


def _run_as(shape: str, database_url: str, password: str, tmp_path: Path, monkeypatch, **resources):
    """``--select '*'`` of retiree as the password-protected role, the URL in ``shape`` from
    SYNTH_DATABASE_URL, on an instance of its own in ``tmp_path/home``: (instance, result,
    home)."""
    secret_url = _secret_url(shape, target.parameters(database_url), password)
    monkeypatch.setenv("SYNTH_DATABASE_URL", secret_url)
    monkeypatch.setenv("SYNTH_EXPORT_DIR", str(tmp_path / "exports"))
    home = tmp_path / "home"
    home.mkdir()
    instance = DagsterInstance.local_temp(str(home))
    result = materialize(
        ALL_ASSETS,
        partition_key="retiree",
        resources={**default_resources(), **resources},
        instance=instance,
        raise_on_error=False,
    )
    return instance, result, home


def _assert_nothing_shows(password: str, instance, run_id: str, home: Path) -> None:
    """No fragment of ``password`` in the run's event log, run config, tags, or any file
    under ``home`` (DAGSTER_HOME: compute logs included)."""
    run = instance.get_run_by_id(run_id)
    texts = [*map(str, instance.all_logs(run_id)), str(run.run_config), str(run.tags)]
    files = [path.read_bytes() for path in home.rglob("*") if path.is_file()]
    for fragment in _fragments(password):
        assert all(fragment not in text for text in texts), fragment
        assert all(fragment.encode() not in data for data in files), fragment


def test_password_never_reaches_logs_metadata_or_storage(
    database_url, secret_role, tmp_path, monkeypatch
):
    """One run end to end, as a password-protected role with the password in the URL's
    query (the shapes are judged one by one above): no part of it is in the run's event
    log, its metadata, its run config or tags, or any file under DAGSTER_HOME (compute logs
    included)."""
    owner_url, password = secret_role
    drop_tables(owner_url)
    instance, result, home = _run_as("query", database_url, password, tmp_path, monkeypatch)
    _assert_nothing_shows(password, instance, result.run_id, home)
    assert result.success
    assert stored_rows(owner_url, "users", "retiree") > 0
    loaded = metadata_of(result, "postgres_tables")
    assert SECRET_DATABASE in str(loaded["database"].value)
    assert loaded["database_settings"].value["url"]["source"] == "SYNTH_DATABASE_URL"


def test_dagster_storage_in_postgres_separate_from_the_data(database_url, tmp_path, monkeypatch):
    """configs/dagster.yaml (production form): runs and events in their own database via
    dagster-postgres (a +psycopg2 URL from DAGSTER_STORAGE_URL); the data goes elsewhere.
    A run of its own: the instance it is stored in is what is tested."""
    storage = (
        make_url(database_url)
        .set(database=worker_name("synth_dagster_storage"))
        .render_as_string(hide_password=False)
    )
    target.ensure_database(storage, allow_any=True)
    monkeypatch.setenv(
        "DAGSTER_STORAGE_URL",
        make_url(storage)
        .set(drivername="postgresql+psycopg2")
        .render_as_string(hide_password=False),
    )
    home = tmp_path / "prod_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "configs" / "dagster.yaml").read_text())
    instance = DagsterInstance.from_config(str(home))
    try:
        result = materialize(
            ALL_ASSETS,
            partition_key="retiree",
            resources=resources_for(database_url),
            instance=instance,
        )
        assert result.success
    finally:
        instance.dispose()
    runs = query(storage, "SELECT count(*) FROM runs WHERE run_id = %s", (result.run_id,))[0][0]
    events = query(storage, "SELECT count(*) FROM event_logs WHERE run_id = %s", (result.run_id,))[
        0
    ][0]
    assert runs == 1 and events > 10
    assert query(storage, "SELECT to_regclass('public.users') IS NULL")[0][0]
    assert stored_rows(database_url, "users", "retiree") > 0


def test_a_stopped_embedded_server_is_started_again():
    """Stopped under a running process (make db-stop, a crash), the embedded server is found
    again by the next connection attempt, as a retried load step makes it. (Its folder is
    not under pytest's temporary root, whose permissions another pytest session resets.)"""
    folder = Path(tempfile.mkdtemp(prefix="synth_restart_pg_"))
    directory = folder / "pgdata"
    first = embedded.embedded_url(directory, "synth_restart_test")
    try:
        assert embedded.stop(directory)
        with pytest.raises(target.DatabaseUnavailableError):
            target.connect(first)
        again = embedded.embedded_url(directory, "synth_restart_test")
        with target.connect(again) as conn:
            assert target.current_database(conn) == "synth_restart_test"
    finally:
        embedded.stop(directory)
        shutil.rmtree(folder, ignore_errors=True)
