"""Run real Celery workers, a private Redis server and the web server as subprocesses,
against the test database, for the integration and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """Return a URL of the database this test runs on (the test database)."""
    s = connection.settings_dict
    assert connection.vendor == "postgresql", "integration tests need PostgreSQL"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def service_env(broker_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url,
        "DB_CONN_MAX_AGE": "0", "PORTAL_VAR_DIR": str(tmp / "var"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp / "mail"), "CELERY_VISIBILITY_TIMEOUT": "5",
        "PYTHONUNBUFFERED": "1", "OUTBOX_GRACE_SECONDS": "2",
    })
    env.update(extra)
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def start_worker(env: dict[str, str], log: Path, *, beat: bool = False) -> subprocess.Popen:
    args = [str(BIN / "celery"), "-A", "portal", "worker", "--loglevel=INFO",
            "--concurrency=1", "--without-gossip", "--without-mingle", "-n",
            f"test-{os.getpid()}-{time.monotonic_ns()}@%h"]
    if beat:
        args += ["--beat", "--schedule", str(Path(env["PORTAL_VAR_DIR"]) / "beat-schedule")]
    return start(args, env, log)


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process and everything it started, then reap it."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    kill(process, signal.SIGTERM)


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    tails = "\n".join(f"--- {p}\n{Path(p).read_text(errors='replace')[-3000:]}" for p in logs)
    raise AssertionError(f"timed out waiting for {what}\n{tails}")


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


@contextmanager
def private_redis(port: int, tmp: Path):
    """A Redis server of our own that the test may stop and start again."""
    process = None

    def up():
        nonlocal process
        process = start(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                        dict(os.environ), tmp / "redis.log")
        wait_for(lambda: port_open(port), 20, "redis to start")

    def down():
        if process is not None:
            kill(process)

    up()
    try:
        yield up, down
    finally:
        down()
