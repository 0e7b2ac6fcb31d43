"""The broker connection over TLS with SASL/SCRAM, against a broker of the test's own; secrets stay
out of logs and `geowire settings`; the web endpoint listens on 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from streams.security import client_kwargs
from streams.settings import SettingsError, from_env

from .conftest import REPO, Worker, isolated_env
from .test_reliability_kafka import articles, produce_all, read_outputs
from .test_sink import database, postgres_server  # noqa: F401 - fixtures
from .test_sink_kafka import Sink, lag, rows, wait_until


def make_certificates(folder: Path) -> tuple[Path, Path]:
    """A throwaway CA and a broker certificate for 127.0.0.1 and localhost: (ca.pem, broker key+chain .pem)."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=geowire test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr", "-subj", "/CN=localhost")
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "broker.crt",
        "-days", "2", "-extfile", "san.ext")
    run("pkcs8", "-topk8", "-nocrypt", "-in", "broker.key", "-out", "broker.pk8")
    keystore = folder / "broker.pem"
    keystore.write_text((folder / "broker.pk8").read_text() + (folder / "broker.crt").read_text() + (folder / "ca.pem").read_text())
    return folder / "ca.pem", keystore


def test_sasl_without_credentials_fails_naming_the_variable() -> None:
    settings = from_env({"GEOWIRE_SECURITY_PROTOCOL": "SASL_SSL", "GEOWIRE_SASL_USERNAME": "geowire"})
    with pytest.raises(SettingsError, match="GEOWIRE_SASL_PASSWORD"):
        client_kwargs(settings)
    with pytest.raises(SettingsError, match="GEOWIRE_SECURITY_PROTOCOL"):
        from_env({"GEOWIRE_SECURITY_PROTOCOL": "TLS"})
    with pytest.raises(SettingsError, match="GEOWIRE_SSL_CAFILE"):
        client_kwargs(from_env({"GEOWIRE_SECURITY_PROTOCOL": "SSL", "GEOWIRE_SSL_CAFILE": "/nonexistent/ca.pem"}))


def test_the_password_is_in_no_repr_and_not_in_geowire_settings() -> None:
    password = "pw-" + secrets.token_hex(8)
    env = {**os.environ, "GEOWIRE_SASL_PASSWORD": password, "GEOWIRE_SSL_KEY_PASSWORD": password}
    settings = from_env(env)
    assert settings.sasl_password == password
    assert password not in repr(settings)
    shown = subprocess.run([sys.executable, "-m", "streams.cli", "settings"], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert "GEOWIRE_SASL_PASSWORD" in shown.stdout
    assert password not in shown.stdout + shown.stderr


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp* writes them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.slow
def test_worker_and_sink_over_tls_with_scram_on_their_own_broker(own_broker, database: str, tmp_path: Path) -> None:
    ca, keystore = make_certificates(tmp_path)
    password = "scram-" + secrets.token_hex(12)
    security = {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "geowire",
        "sasl_password": password, "ssl_cafile": str(ca),
    }
    broker = own_broker(extra={"ssl.keystore.type": "PEM", "ssl.keystore.location": str(keystore)},
                        scram_users={"geowire": password}, **security)
    env = isolated_env(broker, **security, log_level="debug", database_url=database)
    items = articles(50, "tls-" + uuid.uuid4().hex[:6])
    w = Worker(env, tmp_path / "worker.log").start()
    try:
        produce_all(w.settings, items)
        outputs = read_outputs(w.settings, {k.decode() for k, _ in items}, timeout=120, idle=0)
        assert outputs.seen() == {k.decode() for k, _ in items}, w.log()[-3000:]

        # The web endpoint listens on 127.0.0.1 only (GEOWIRE_WEB_HOST's default), not on every address.
        addresses = listening_addresses(w.settings.web_port)
        assert addresses == {"0100007F"}, addresses
    finally:
        code = w.stop()
    log = w.log()
    assert code == 0, log[-3000:]
    assert "SASL" in log or "sasl" in log  # the debug log does talk about the connection...
    assert password not in log  # ...but never shows the password

    # The sink reads the same secured broker: every enriched article becomes a row, and its
    # group's lag (read over TLS with SCRAM too) comes down to nothing.
    sink = Sink(env, tmp_path / "sink.log").start()
    try:
        wait_until(lambda: rows(database) == len(outputs.enriched) and lag(w.settings) == 0, 120, "the sink's rows", (sink,))
    finally:
        assert sink.stop() == 0, sink.log()[-3000:]
    assert password not in sink.log()

    # The broker refuses a wrong password and a client without TLS.
    async def try_connect(**kwargs) -> str:
        from aiokafka.admin import AIOKafkaAdminClient

        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap_servers, request_timeout_ms=5000, **kwargs)
        try:
            await asyncio.wait_for(admin.start(), 15)
            await asyncio.wait_for(admin.list_topics(), 15)
            return "connected"
        except Exception as exc:  # noqa: BLE001 - any failure will do, as long as it is one
            return type(exc).__name__
        finally:
            await admin.close()

    wrong = from_env({f"GEOWIRE_{k.upper()}": v for k, v in {**security, "sasl_password": "wrong"}.items()}
                     | {"GEOWIRE_BROKER": broker.broker})
    started = time.monotonic()
    assert asyncio.run(try_connect(**client_kwargs(wrong))) != "connected"
    assert asyncio.run(try_connect()) != "connected"
    assert asyncio.run(try_connect(**client_kwargs(broker))) == "connected"
    assert time.monotonic() - started < 90
