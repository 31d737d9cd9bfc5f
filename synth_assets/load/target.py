"""Where the data goes: a PostgreSQL connection string read exactly as libpq reads it, shown
with every secret masked, and judged by the database a session is actually connected to.

libpq, not a URL library, decides where a connection goes: ``?dbname=`` overrides the path,
``PGDATABASE`` / ``PGSERVICE`` and service files fill in what the string leaves out, and an
unencoded ``@`` in a password silently becomes part of the host name. So the string is parsed
with libpq (``psycopg.conninfo``), a string libpq would mis-read is refused before anything
connects, and the safety guard asks the server for ``current_database()`` on every connection
the loader opens instead of trusting the string.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import pq, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SAFE_SUFFIXES = ("_demo", "_test")
ALLOW_ANY_ENV = "SYNTH_ALLOW_ANY_DATABASE"
CONNECT_TIMEOUT_S = 10
MAINTENANCE_DATABASE = "postgres"
MAX_NAME_BYTES = 63
# libpq marks the parameters it never displays with dispchar "*" (password, sslpassword,
# oauth_client_secret, ...); the fixed names cover a libpq too old to list some of them.
SECRET_PARAMETERS = frozenset(
    {"password", "sslpassword", "oauth_client_secret"}
    | {opt.keyword.decode() for opt in pq.Conninfo.get_defaults() if opt.dispchar == b"*"}
)
SCHEMES = ("postgresql://", "postgres://")
_DRIVER_SCHEME = re.compile(r"^(postgres(?:ql)?)\+[a-z0-9_]+://", re.IGNORECASE)
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_ENCODE_HINT = (
    "if the password (or user name) holds @ : / ? # [ ] % or a space, percent-encode it "
    "(@ as %40, : as %3A, / as %2F)"
)


class TargetError(ValueError):
    """The connection string itself is unusable; the message never quotes it."""


class UnsafeDatabaseError(RuntimeError):
    """The connected database does not look like a scratch database."""


class DatabaseUnavailableError(RuntimeError):
    """The server could not be reached; the message names host, port and database, never
    a secret. ``database`` is the name libpq resolved for the attempt."""

    def __init__(self, message: str, database: str = "") -> None:
        super().__init__(message)
        self.database = database


def _valid_host(host: str) -> bool:
    """A DNS name, an IP address or a Unix-socket directory: what libpq can mean by a host."""
    if host.startswith("/"):
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def _valid_port(port: str) -> bool:
    return port.isascii() and port.isdigit() and 0 < int(port) < 65536


def _ambiguous_uri(text: str) -> bool:
    """A URI whose raw text libpq would split differently from what its author meant: a
    second unencoded ``@`` (libpq ends the user info at the first ``/``, so the rest of a
    password becomes a host name that is looked up in DNS), raw whitespace before the
    query, or a ``/`` inside the database name."""
    rest = text.split("?", 1)[0].split("://", 1)[1]
    if any(character.isspace() for character in rest):
        return True
    if rest.count("@") > 1 or "/" in rest.rpartition("@")[0]:
        return True
    path = rest.rsplit("@", 1)[-1].partition("/")[2]
    return "/" in path


def parameters(url: str, source: str = "the database URL") -> dict[str, str]:
    """libpq's reading of ``url`` (a URI or ``key=value`` string; a SQLAlchemy ``+driver``
    scheme is accepted). Raises TargetError, naming ``source`` and quoting nothing of ``url``,
    for an empty string, one libpq cannot parse, or one it would read differently from what
    its author meant (a host that is no host name, a port that is no number)."""
    text = (url or "").strip()
    if not text:
        raise TargetError(f"{source} is empty; unset it to use the embedded server")
    text = _DRIVER_SCHEME.sub(lambda match: f"{match.group(1)}://", text)
    if "://" in text.split("?")[0] and not text.lower().startswith(SCHEMES):
        raise TargetError(f"{source} is not a PostgreSQL URL (it must start with postgresql://)")
    if text.lower().startswith(SCHEMES) and _ambiguous_uri(text):
        raise TargetError(
            f"{source} holds characters libpq would read as part of the host, port or "
            f"database name (it is not shown: it may hold a password); {_ENCODE_HINT}"
        )
    try:
        params = conninfo_to_dict(text)
    except psycopg.ProgrammingError:
        raise TargetError(
            f"{source} is not a valid PostgreSQL connection string (it is not shown: it may "
            f"hold a password); {_ENCODE_HINT}"
        ) from None
    for key in ("host", "hostaddr"):
        hosts = [h for h in str(params.get(key, "")).split(",") if h]
        if not all(_valid_host(h) for h in hosts):
            raise TargetError(
                f"{source}: its {key} is not a host name, an IP address or a socket directory, "
                f"so libpq would read part of it wrongly (it is not shown); {_ENCODE_HINT}"
            )
    if any(mark in str(params.get("dbname", "")) for mark in "@/"):
        raise TargetError(
            f"{source}: its database name holds @ or /, so libpq would read part of the URL "
            f"wrongly (it is not shown); {_ENCODE_HINT}"
        )
    ports = [p for p in str(params.get("port", "")).split(",") if p]
    if not all(_valid_port(p) for p in ports):
        raise TargetError(f"{source}: its port is not a number from 1 to 65535; {_ENCODE_HINT}")
    return {key: str(value) for key, value in params.items()}


def _render(params: dict[str, str], secrets: str | None) -> str:
    """A postgresql:// URL from libpq parameters; each secret shown as ``secrets``, or
    left out when ``secrets`` is None."""
    params = dict(params)
    user = params.pop("user", "")
    password = params.pop("password", None)
    host, port, dbname = (params.pop(key, "") for key in ("host", "port", "dbname"))
    auth = quote(user, safe="")
    if password and secrets is not None:
        auth += f":{secrets}"
    netloc = f"{auth}@" if auth else ""
    if host and not host.startswith("/") and "," not in host:
        netloc += f"[{host}]" if ":" in host else host
    elif host:
        params = {"host": host, **params}
    if port and "," not in port:
        netloc += f":{port}"
    elif port:
        params["port"] = port
    query = "&".join(
        f"{key}={secrets if key in SECRET_PARAMETERS else quote(value, safe='/,')}"
        for key, value in sorted(params.items())
        if key not in SECRET_PARAMETERS or secrets is not None
    )
    return f"postgresql://{netloc}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


def masked(url: str) -> str:
    """The connection string as libpq reads it, every secret-bearing parameter shown as ***:
    safe for logs, metadata and errors."""
    return _render(parameters(url), "***")


def without_secrets(url: str) -> str:
    """The connection string for psql and friends, with no secret in it (libpq takes the
    password from PGPASSWORD or ~/.pgpass, or asks)."""
    return _render(parameters(url), None)


def with_passfile(url: str, passfile: Path) -> str:
    """The connection string with no secret in it, libpq reading the password from
    ``passfile`` (the .pgpass format): a URL that can be shown, logged or printed by a
    failing test."""
    return _render({**parameters(url), "passfile": str(passfile)}, None)


def database_name(url: str) -> str:
    """The database the string names (libpq may still take it from the environment or a
    service file when the string names none; ``current_database()`` is the truth)."""
    return parameters(url).get("dbname", "")


def _scrub(text: str, params: dict[str, str]) -> str:
    """``text``, or a notice in its place when it quotes a secret (replacing the secret
    inside it would show where it was, and so what it is)."""
    if any(params.get(key) and params[key] in text for key in SECRET_PARAMETERS):
        return "the reason is not shown: it quotes a secret"
    return text


def _unavailable(exc: psycopg.OperationalError, params: dict[str, str]) -> DatabaseUnavailableError:
    """Where libpq tried to go (as it resolved host, port and database, environment and
    service files included) and its reason, with secrets scrubbed."""
    pgconn = exc.pgconn
    resolved = {
        "host": pgconn.host.decode() if pgconn and pgconn.host else params.get("host", ""),
        "port": pgconn.port.decode() if pgconn and pgconn.port else params.get("port", ""),
        "dbname": pgconn.db.decode() if pgconn and pgconn.db else params.get("dbname", ""),
    }
    host = resolved["host"] or "the local socket"
    where = f"{host}:{resolved['port']}" if resolved["port"] else host
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    reason = lines[0].rsplit(" failed: ", 1)[-1] if lines else type(exc).__name__
    return DatabaseUnavailableError(
        f"cannot connect to PostgreSQL at {_scrub(where, params)} "
        f"(database {_scrub(resolved['dbname'], params)!r}): {_scrub(reason, params)}",
        resolved["dbname"],
    )


def connect(url: str, **kwargs) -> psycopg.Connection:
    """A connection with no judgement of where it went (for reading and tests); the loader
    uses ``connect_checked``."""
    params = parameters(url)
    try:
        return psycopg.connect(_conninfo(params), **kwargs)
    except psycopg.OperationalError as exc:
        raise _unavailable(exc, params) from None
    except psycopg.ProgrammingError:  # a parameter libpq refuses (connect_timeout=abc, ...)
        raise TargetError(
            "the database URL has a parameter libpq refuses (it is not shown: it may hold a "
            "password)"
        ) from None


def is_safe_name(name: str) -> bool:
    return name.endswith(SAFE_SUFFIXES)


def refuse(name: str) -> UnsafeDatabaseError:
    return UnsafeDatabaseError(
        f"refusing to load into database {name!r}: its name does not end in "
        f"{' or '.join(SAFE_SUFFIXES)}. Set {ALLOW_ANY_ENV}=1 (or the resource's "
        "allow_any_database) if you really mean it."
    )


def current_database(conn: psycopg.Connection) -> str:
    # Qualified: an unqualified call could run a same-named function on the search_path.
    return conn.execute("SELECT pg_catalog.current_database()").fetchone()[0]


def _judge(name: str, allow_any: bool) -> None:
    if not (allow_any or is_safe_name(name)):
        raise refuse(name)


def connect_checked(url: str, allow_any: bool = False, **kwargs) -> psycopg.Connection:
    """A connection to a database the guard accepts: the server's ``current_database()`` is
    judged, whatever the string, the environment or a service file said."""
    conn = connect(url, **kwargs)
    try:
        _judge(current_database(conn), allow_any)
    except BaseException:
        conn.close()
        raise
    return conn


def _conninfo(params: dict[str, str], **overrides: str) -> str:
    return make_conninfo("", **{"connect_timeout": CONNECT_TIMEOUT_S, **params, **overrides})


def ensure_database(url: str, allow_any: bool = False) -> None:
    """Create the database ``url`` resolves to if it is missing. Its name is the one libpq
    resolved (string, environment and service files), judged by the guard before anything
    is created; it is created through the server's maintenance database."""
    try:
        connect_checked(url, allow_any).close()  # it exists, and the guard accepts it
        return
    except DatabaseUnavailableError as error:
        failure = error
    name = failure.database
    if not name:
        raise failure
    _judge(name, allow_any)
    if len(name.encode()) > MAX_NAME_BYTES:  # PostgreSQL would truncate it, suffix and all
        raise TargetError(f"database name {name!r} is longer than {MAX_NAME_BYTES} bytes")
    admin = _conninfo(parameters(url), dbname=MAINTENANCE_DATABASE)
    try:
        with connect(admin, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                raise failure  # it exists: the first attempt failed for another reason
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except DatabaseUnavailableError:
        raise failure from None


@dataclass(frozen=True)
class Target:
    """A database to load into and whether the guard lets any name through."""

    url: str
    allow_any: bool = False

    def connect(self, **kwargs) -> psycopg.Connection:
        return connect_checked(self.url, self.allow_any, **kwargs)

    def masked(self) -> str:
        return masked(self.url)


def as_target(target: Target | str) -> Target:
    return target if isinstance(target, Target) else Target(target)
