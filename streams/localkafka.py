"""A local single-node Apache Kafka broker (KRaft, broker+controller) for the demo, the tests and CI.

`geowire kafka start` fetches the broker's jars from Maven Central with `mvn` (kafka/pom.xml) into
`GEOWIRE_KAFKA_HOME`, formats KRaft storage once, starts the JVM bound to 127.0.0.1, and waits until
the broker answers a metadata request. It reuses a broker already listening on the port.
`geowire kafka stop` stops the one it started, by the PID it recorded.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .settings import Settings

POM = Path(__file__).resolve().parent.parent / "kafka" / "pom.xml"

LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = {level}
logger.state.name = state.change.logger
logger.state.level = warn
"""


class LocalKafkaError(RuntimeError):
    """The local broker could not be fetched, formatted or started; the message says what to do."""


@dataclass(frozen=True)
class Paths:
    home: Path
    version: str

    @property
    def libs(self) -> Path:
        return self.home / f"kafka-{self.version}" / "libs"

    @property
    def run(self) -> Path:
        return self.home / "broker"

    @property
    def data(self) -> Path:
        return self.run / "data"

    @property
    def config(self) -> Path:
        return self.run / "server.properties"

    @property
    def log4j(self) -> Path:
        return self.run / "log4j2.properties"

    @property
    def log(self) -> Path:
        return self.run / "broker.log"

    @property
    def stdout(self) -> Path:
        return self.run / "broker.out"

    @property
    def pid(self) -> Path:
        return self.run / "broker.pid"


def paths(settings: Settings) -> Paths:
    return Paths(Path(settings.kafka_home).expanduser(), settings.kafka_version)


def say(message: str) -> None:
    print(f"geowire kafka: {message}", file=sys.stderr, flush=True)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def fetch_jars(settings: Settings) -> Path:
    """Download the broker's jars with Maven unless they are already in the cache."""
    p = paths(settings)
    marker = p.libs / ".complete"
    if marker.exists():
        return p.libs
    mvn = shutil.which("mvn")
    java = shutil.which("java")
    if not mvn or not java:
        raise LocalKafkaError("the local broker needs `java` (17+) and `mvn` on PATH (Debian: openjdk-17-jre-headless maven)")
    say(f"fetching Apache Kafka {settings.kafka_version} jars from Maven Central into {p.libs} ...")
    p.libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn, "-q", "-B", "-f", str(POM), f"-Dkafka.version={settings.kafka_version}",
        "dependency:copy-dependencies", f"-DoutputDirectory={p.libs}", "-DincludeScope=runtime",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise LocalKafkaError(f"mvn could not fetch the Kafka jars:\n{tail}")
    marker.write_text(settings.kafka_version)
    say(f"{len(list(p.libs.glob('*.jar')))} jars ready")
    return p.libs


def server_properties(settings: Settings, extra: dict[str, str] | None = None) -> str:
    """The broker's configuration. With GEOWIRE_SECURITY_PROTOCOL other than PLAINTEXT, clients' port
    speaks that protocol (SCRAM users come from `format_storage`; TLS files from `extra`, e.g.
    `ssl.keystore.location`), and brokers talk to each other on a plain listener at the controller
    port + 1, bound to the same host."""
    host, port = settings.broker_host_port
    ctrl = settings.kafka_controller_port
    p = paths(settings)
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        listeners = [
            f"listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{ctrl}",
            f"advertised.listeners=PLAINTEXT://{host}:{port}",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        ]
    else:
        listeners = [
            f"listeners=CLIENTS://{host}:{port},INTERNAL://{host}:{ctrl + 1},CONTROLLER://{host}:{ctrl}",
            f"advertised.listeners=CLIENTS://{host}:{port},INTERNAL://{host}:{ctrl + 1}",
            "inter.broker.listener.name=INTERNAL",
            f"listener.security.protocol.map=CLIENTS:{protocol},INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
        ]
        if protocol.startswith("SASL"):
            module = "scram.ScramLoginModule" if settings.sasl_mechanism.startswith("SCRAM") else "plain.PlainLoginModule"
            listeners += [
                f"listener.name.clients.sasl.enabled.mechanisms={settings.sasl_mechanism}",
                f"listener.name.clients.{settings.sasl_mechanism.lower()}.sasl.jaas.config="
                f"org.apache.kafka.common.security.{module} required;",
            ]
    return "\n".join([
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@{host}:{ctrl}",
        *listeners,
        "controller.listener.names=CONTROLLER",
        f"log.dirs={p.data}",
        "num.partitions=1",
        # One node: internal topics must have replication factor 1, or transactions never start.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
        "message.max.bytes=26214400",
        "log.retention.hours=168",
        "log.segment.bytes=104857600",
        *(f"{k}={v}" for k, v in (extra or {}).items()),
        "",
    ])


def format_storage(settings: Settings, libs: Path, scram_users: dict[str, str] | None = None) -> None:
    """Format KRaft storage once; `scram_users` (name: password) become SCRAM credentials of GEOWIRE_SASL_MECHANISM."""
    p = paths(settings)
    if (p.data / "meta.properties").exists():
        return
    p.data.mkdir(parents=True, exist_ok=True)
    # The same form as `kafka-storage random-uuid`, without a second JVM start.
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    cmd = [
        "java", "-cp", f"{libs}/*", f"-Dlog4j2.configurationFile={p.log4j}",
        "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(p.config),
    ]
    for name, password in (scram_users or {}).items():
        cmd += ["--add-scram", f"{settings.sasl_mechanism}=[name={name},password={password}]"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise LocalKafkaError(f"formatting KRaft storage failed:\n{result.stdout}{result.stderr}")
    say(f"formatted KRaft storage in {p.data}")


def running_pid(settings: Settings) -> int | None:
    """The PID recorded by `start`, if that process is still alive."""
    p = paths(settings)
    try:
        pid = int(p.pid.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    if _exited(pid):
        return None
    return pid


def _exited(pid: int) -> bool:
    """True for a process that has exited but is not reaped yet (a zombie child of this process)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state != "Z":
        return False
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is ours
    except ChildProcessError:
        pass
    return True


def wait_ready(settings: Settings, timeout: float, pid: int | None = None) -> None:
    """Wait until the broker answers a metadata request (not just accepts TCP)."""
    host, port = settings.broker_host_port
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and running_pid(settings) is None:
            raise LocalKafkaError(f"the broker exited during start-up; see {paths(settings).log} and {paths(settings).stdout}")
        if port_open(host, port) and _answers_metadata(settings):
            return
        time.sleep(0.5)
    raise LocalKafkaError(f"the broker did not answer on {host}:{port} within {timeout:.0f} s; see {paths(settings).log}")


def _answers_metadata(settings: Settings) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> bool:
        from .security import client_kwargs

        admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=3000, **client_kwargs(settings))
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            await admin.close()

    return asyncio.run(probe())


def start(
    settings: Settings,
    timeout: float = 90.0,
    extra: dict[str, str] | None = None,
    scram_users: dict[str, str] | None = None,
    jars_from: Path | None = None,
) -> int | None:
    """Start the broker unless one is listening; return the PID started (None when reused).

    Several instances run side by side with their own GEOWIRE_BROKER port, GEOWIRE_KAFKA_CONTROLLER_PORT
    and GEOWIRE_KAFKA_HOME; `jars_from` (another home's libs folder) saves fetching the jars again.
    `extra` adds broker properties; `scram_users` are created when the storage is formatted."""
    host, port = settings.broker_host_port
    if port_open(host, port):
        say(f"a broker is already listening on {host}:{port}; reusing it")
        wait_ready(settings, timeout)
        return None
    p = paths(settings)
    if jars_from is not None and not p.libs.exists():
        p.libs.parent.mkdir(parents=True, exist_ok=True)
        p.libs.symlink_to(Path(jars_from).resolve(), target_is_directory=True)
    libs = fetch_jars(settings)
    p.run.mkdir(parents=True, exist_ok=True)
    p.config.write_text(server_properties(settings, extra))
    p.log4j.write_text(LOG4J2.format(log=p.log, level="INFO"))
    format_storage(settings, libs, scram_users)
    cmd = [
        "java", *settings.kafka_heap.split(), "-XX:+UseG1GC", "-Djava.awt.headless=true",
        f"-Dlog4j2.configurationFile={p.log4j}", "-cp", f"{libs}/*", "kafka.Kafka", str(p.config),
    ]
    with open(p.stdout, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    p.pid.write_text(str(proc.pid))
    say(f"started broker (pid {proc.pid}) on {host}:{port}; waiting until it answers ...")
    t0 = time.monotonic()
    wait_ready(settings, timeout, pid=proc.pid)
    say(f"broker ready in {time.monotonic() - t0:.1f} s (log: {p.log})")
    return proc.pid


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Stop the broker started by `start` (SIGTERM, then SIGKILL after `timeout`). True if one was stopped."""
    pid = running_pid(settings)
    p = paths(settings)
    if pid is None:
        p.pid.unlink(missing_ok=True)
        say("no local broker started by geowire is running")
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if running_pid(settings) is None:
            break
        time.sleep(0.3)
    else:
        say(f"broker (pid {pid}) did not stop within {timeout:.0f} s; killing it")
        os.kill(pid, signal.SIGKILL)
    p.pid.unlink(missing_ok=True)
    say(f"stopped broker (pid {pid})")
    return True


def status(settings: Settings) -> str:
    host, port = settings.broker_host_port
    pid = running_pid(settings)
    listening = port_open(host, port)
    if pid and listening:
        return f"running (pid {pid}) on {host}:{port}"
    if listening:
        return f"a broker not started by geowire is listening on {host}:{port}"
    if pid:
        return f"starting or stuck (pid {pid}), not listening on {host}:{port}"
    return f"not running ({host}:{port} closed)"
