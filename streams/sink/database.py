"""Which PostgreSQL the sink talks to, and opening connections to it."""

from __future__ import annotations

import os
import re
import uuid
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg

from ..settings import Settings


class DatabaseNotConfigured(RuntimeError):
    """No database URL is set and no local instance exists."""


def database_url(settings: Settings) -> str:
    """GEOWIRE_DATABASE_URL, else DATABASE_URL, else the local instance of `geowire postgres start`."""
    if settings.database_url:
        return settings.database_url
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from .. import localpg

    try:
        return localpg.url(settings)
    except localpg.LocalPostgresError as exc:
        raise DatabaseNotConfigured(f"{exc}, or set GEOWIRE_DATABASE_URL") from None


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str, timeout: float = 5.0) -> psycopg.Connection:
    """A connection whose transactions are exactly its `with conn.transaction()` blocks (autocommit outside them).

    `application_name` shows geowire in pg_stat_activity.
    """
    return psycopg.connect(url, connect_timeout=max(1, int(timeout)), application_name="geowire", autocommit=True)


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@contextmanager
def scratch_database(url: str, prefix: str = "geowire_scratch") -> Iterator[str]:
    """A new empty database on the server of `url`, dropped afterwards; yields its URL (tests, benchmarks)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a plain database name")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
