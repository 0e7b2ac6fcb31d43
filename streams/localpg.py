"""A local PostgreSQL instance (Debian's `postgresql` package) for the sink, the demo, the tests and CI.

`geowire postgres start` creates a cluster once (`initdb`) in a folder of its own
(`GEOWIRE_POSTGRES_HOME`), starts `postgres` bound to 127.0.0.1 on `GEOWIRE_POSTGRES_PORT` with
its unix socket in that folder, waits until it accepts connections, and creates the `geowire`
database. It reuses an instance already answering on the port. `geowire postgres stop` stops it
by the PID in its `postmaster.pid`.

PostgreSQL refuses to run as root: as root, `initdb` and `postgres` run as
`GEOWIRE_POSTGRES_OS_USER` (the `postgres` user Debian's package creates) through `setpriv`, and
the instance's folder belongs to that user; its default is then /var/lib/geowire/postgres, since
that user cannot enter /root.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from . import localkafka
from .settings import Settings

if TYPE_CHECKING:
    import psycopg

DATABASE = "geowire"
ROLE = "geowire"
HOST = "127.0.0.1"
ROOT_HOME = Path("/var/lib/geowire/postgres")


class LocalPostgresError(RuntimeError):
    """The local instance could not be created, started or stopped; the message says what to do."""


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def socket_dir(self) -> Path:
        return self.home / "socket"

    @property
    def log(self) -> Path:
        return self.home / "postgres.log"

    @property
    def password(self) -> Path:
        return self.home / "password"

    @property
    def postmaster_pid(self) -> Path:
        return self.data / "postmaster.pid"


def paths(settings: Settings) -> Paths:
    if settings.postgres_home:
        return Paths(Path(settings.postgres_home).expanduser())
    if os.geteuid() == 0:
        return Paths(ROOT_HOME)
    return Paths(Path(settings.kafka_home).expanduser() / "postgres")


def say(message: str) -> None:
    print(f"geowire postgres: {message}", file=sys.stderr, flush=True)


def port_open(port: int) -> bool:
    return localkafka.port_open(HOST, port)


def bin_dir(settings: Settings) -> Path:
    """The folder holding initdb and postgres."""
    if settings.postgres_bin:
        folder = Path(settings.postgres_bin)
        if not (folder / "initdb").exists():
            raise LocalPostgresError(f"GEOWIRE_POSTGRES_BIN={folder} holds no initdb")
        return folder
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise LocalPostgresError("PostgreSQL is not installed: apt-get install postgresql (or set GEOWIRE_POSTGRES_BIN)")


def url(settings: Settings, database: str = DATABASE) -> str:
    """The connection URL of the local instance (its password is kept in the instance's folder)."""
    p = paths(settings)
    try:
        password = p.password.read_text().strip()
    except OSError:
        raise LocalPostgresError(f"no local PostgreSQL instance in {p.home}: start one with `geowire postgres start`") from None
    return f"postgresql://{ROLE}:{quote(password, safe='')}@{HOST}:{settings.postgres_port}/{database}"


# ---------------------------------------------------------------- running as another user


def _service_user(settings: Settings) -> pwd.struct_passwd | None:
    """The user the server runs as when we are root; None when we run it as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(settings.postgres_os_user)
    except KeyError:
        raise LocalPostgresError(
            f"PostgreSQL cannot run as root and there is no user {settings.postgres_os_user!r} to run it as: "
            "install Debian's postgresql package (it creates `postgres`) or set GEOWIRE_POSTGRES_OS_USER"
        ) from None


def _as_service_user(settings: Settings, cmd: list[str]) -> list[str]:
    user = _service_user(settings)
    if user is None:
        return cmd
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--", *cmd]


def _service_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    user = _service_user(settings)
    if user is not None:
        env.update(HOME=user.pw_dir, USER=user.pw_name, LOGNAME=user.pw_name)
    env["LC_ALL"] = "C.UTF-8"
    return env


def _prepare_home(settings: Settings) -> Paths:
    """Create the instance's folder, owned by the user that runs the server, and check it can enter it."""
    p = paths(settings)
    p.home.mkdir(parents=True, exist_ok=True)
    p.socket_dir.mkdir(exist_ok=True)
    user = _service_user(settings)
    if user is not None:
        for folder in (p.home, p.socket_dir):
            os.chown(folder, user.pw_uid, user.pw_gid)
        probe = subprocess.run(_as_service_user(settings, ["test", "-w", str(p.socket_dir)]), env=_service_env(settings))
        if probe.returncode != 0:
            raise LocalPostgresError(
                f"user {user.pw_name!r} cannot enter {p.home} (a parent folder is closed to it); "
                f"choose a GEOWIRE_POSTGRES_HOME it can reach, such as {ROOT_HOME}"
            )
    os.chmod(p.home, 0o700)
    return p


# ---------------------------------------------------------------- life cycle


def initdb(settings: Settings) -> bool:
    """Create the cluster once, with a random password for the `geowire` role. True if created now."""
    p = _prepare_home(settings)
    if (p.data / "PG_VERSION").exists():
        return False
    password = secrets.token_urlsafe(24)
    pwfile = p.home / "initdb.pw"
    pwfile.write_text(password + "\n")
    user = _service_user(settings)
    if user is not None:
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    os.chmod(pwfile, 0o600)
    cmd = [
        str(bin_dir(settings) / "initdb"), "-D", str(p.data), "-U", ROLE, f"--pwfile={pwfile}",
        "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
    ]
    try:
        result = subprocess.run(_as_service_user(settings, cmd), capture_output=True, text=True, env=_service_env(settings))
    finally:
        pwfile.unlink(missing_ok=True)
    if result.returncode != 0:
        raise LocalPostgresError(f"initdb failed in {p.data}:\n{result.stdout}{result.stderr}")
    p.password.write_text(password + "\n")
    os.chmod(p.password, 0o600)
    say(f"created a PostgreSQL cluster in {p.data}")
    return True


def running_pid(settings: Settings) -> int | None:
    """The postmaster's PID from its postmaster.pid, if that process is alive and is a postgres."""
    try:
        pid = int(paths(settings).postmaster_pid.read_text().split("\n", 1)[0].strip())
        os.kill(pid, 0)
        # A server killed with its machine leaves the file behind, and its PID may now be another program's.
        if Path(f"/proc/{pid}/comm").read_text().strip() not in ("postgres", "postmaster"):
            return None
    except (OSError, ValueError):  # no file, no number, or no such process (root may signal anyone)
        return None
    return pid


def _connect(settings: Settings, database: str = DATABASE, timeout: float = 3.0) -> "psycopg.Connection":
    import psycopg

    return psycopg.connect(url(settings, database), connect_timeout=max(1, int(timeout)), autocommit=True)


def wait_ready(settings: Settings, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until the server accepts a connection to its `postgres` database."""
    import psycopg

    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise LocalPostgresError(f"postgres exited during start-up (status {proc.returncode}); see {paths(settings).log}:\n{_log_tail(settings)}")
        try:
            with _connect(settings, "postgres", timeout=2):
                return
        except psycopg.OperationalError as exc:
            last = str(exc).strip()
        time.sleep(0.2)
    raise LocalPostgresError(f"PostgreSQL did not accept connections on {HOST}:{settings.postgres_port} within {timeout:.0f} s ({last}); see {paths(settings).log}")


def _log_tail(settings: Settings, lines: int = 15) -> str:
    try:
        return "\n".join(paths(settings).log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def ensure_database(settings: Settings) -> None:
    """Create the `geowire` database unless it exists."""
    with _connect(settings, "postgres") as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
            say(f"created database {DATABASE}")


def start(settings: Settings, timeout: float = 60.0) -> int | None:
    """Start the instance unless it already answers; return the PID started (None when reused)."""
    import psycopg

    port = settings.postgres_port
    if port_open(port):
        try:
            wait_ready(settings, timeout)
        except (LocalPostgresError, psycopg.Error) as exc:
            raise LocalPostgresError(
                f"something else listens on {HOST}:{port} and does not accept geowire's local credentials ({exc}); "
                "set GEOWIRE_POSTGRES_PORT to a free port, or GEOWIRE_DATABASE_URL to use that server"
            ) from None
        ensure_database(settings)
        say(f"a PostgreSQL instance is already running on {HOST}:{port}; reusing it")
        return None
    initdb(settings)
    p = paths(settings)
    if running_pid(settings) is None:
        p.postmaster_pid.unlink(missing_ok=True)  # stale: postgres would refuse to start while another process has its PID
    cmd = [
        str(bin_dir(settings) / "postgres"), "-D", str(p.data), "-k", str(p.socket_dir),
        "-h", HOST, "-p", str(port), "-c", "logging_collector=off",
    ]
    with open(p.log, "ab") as out:
        proc = subprocess.Popen(
            _as_service_user(settings, cmd), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=_service_env(settings), start_new_session=True,
        )
    say(f"started PostgreSQL (pid {proc.pid}) on {HOST}:{port}; waiting until it accepts connections ...")
    t0 = time.monotonic()
    wait_ready(settings, timeout, proc)
    ensure_database(settings)
    say(f"PostgreSQL ready in {time.monotonic() - t0:.1f} s (data: {p.data}, log: {p.log})")
    return proc.pid


def stop(settings: Settings, timeout: float = 30.0) -> bool:
    """Stop the instance (fast shutdown: SIGINT; SIGKILL after `timeout`). True if one was stopped."""
    pid = running_pid(settings)
    if pid is None:
        say("no local PostgreSQL instance started by geowire is running")
        return False
    os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(settings) is None and not port_open(settings.postgres_port):
            break
        time.sleep(0.1)
    else:
        say(f"PostgreSQL (pid {pid}) did not stop within {timeout:.0f} s; killing it")
        os.kill(pid, signal.SIGKILL)
    say(f"stopped PostgreSQL (pid {pid})")
    return True


def status(settings: Settings) -> str:
    port = settings.postgres_port
    pid = running_pid(settings)
    listening = port_open(port)
    if pid and listening:
        return f"running (pid {pid}) on {HOST}:{port}, data in {paths(settings).data}"
    if listening:
        return f"a server not started from {paths(settings).home} is listening on {HOST}:{port}"
    if pid:
        return f"starting or stuck (pid {pid}), not listening on {HOST}:{port}"
    return f"not running ({HOST}:{port} closed)"
