"""Shared machinery of the fault and load drills (scripts/faults/*.py): a scratch instance (a
database — SQLite file or a scratch PostgreSQL database — a file store, keys and a var folder), the
real ``ggzy serve`` and ``ggzy worker`` processes started on it in their own process groups (so that
``kill -9`` takes the whole group, as a host crash would), a small HTTP client with the session and
CSRF cookies, a child Python process with Django set up on the scratch instance (for building the
world and for checking it afterwards), and the JSON report with its exit status.

Not part of ``make test``: these drills take minutes, start servers, and some need root.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PYTHON = sys.executable
GGZY = str(Path(sys.executable).with_name("ggzy"))


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {"nproc": os.cpu_count(), "loadavg_1_5_15": [round(x, 2) for x in load]}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ------------------------------------------------------------------------------------ report


@dataclass
class Report:
    """The drill's JSON summary: options, timings, events and named checks. Exit 0 only when every
    check passed."""

    drill: str
    options: dict[str, Any]
    started: str = field(default_factory=now_iso)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)
    _t0: float = field(default_factory=time.monotonic)

    def check(self, name: str, ok: bool, **detail: Any) -> bool:
        self.checks[name] = {"ok": bool(ok), **detail}
        return bool(ok)

    def note(self, message: str) -> None:
        line = f"[{time.monotonic() - self._t0:7.1f}s] {message}"
        self.log.append(line)
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c["ok"] for c in self.checks.values())

    def finish(self, error: str | None = None) -> int:
        if error:
            self.check("drill_ran_to_the_end", False, error=error)
        out = {
            "drill": self.drill,
            "passed": self.passed,
            "started": self.started,
            "finished": now_iso(),
            "seconds": round(time.monotonic() - self._t0, 1),
            "machine": machine(),
            "options": self.options,
            "checks": self.checks,
            "facts": self.facts,
            "log_tail": self.log[-40:],
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str) + "\n")
        sys.stdout.flush()
        return 0 if self.passed else 1


# ------------------------------------------------------------------------------------ databases


def pg_admin_url(url: str, dbname: str = "postgres") -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def pg_dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def pg_execute(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def pg_create(url: str) -> None:
    """Create the scratch database named in ``url`` (dropped first if a previous drill left it)."""
    name = pg_dbname(url)
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"scratch database name must be letters, digits and _: {name!r}")
    admin = pg_admin_url(url)
    pg_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def pg_drop(url: str) -> None:
    name = pg_dbname(url)
    with contextlib.suppress(Exception):
        pg_execute(pg_admin_url(url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------------------------ instance


class Instance:
    """A scratch ggzy instance: its own var folder, file store, platform key and database."""

    def __init__(
        self,
        *,
        database_url: str | None,
        root: Path | None = None,
        media_root: Path | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="ggzy-fault-"))
        self.root.mkdir(parents=True, exist_ok=True)
        self.var = self.root / "var"
        self.var.mkdir(exist_ok=True)
        (self.var / "static").mkdir(exist_ok=True)
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.media_root = media_root or (self.var / "files")
        self.is_postgres = bool(database_url and database_url.startswith(("postgres:", "postgresql:")))
        self.database_url = database_url or f"sqlite:///{self.var / 'drill.sqlite3'}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GGZY_", "DATABASE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "0",  # a server error is a bare 500 page, as in production
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": self.database_url,
            "GGZY_VAR_DIR": str(self.var),
            "GGZY_MEDIA_ROOT": str(self.media_root),
            "GGZY_PLATFORM_KEY_PATH": str(self.var / "keys" / "platform-key.pem"),
            "GGZY_LINKCHECK_IN_WORKER": "0",  # no crawl of 127.0.0.1:8000 from the worker
            "GGZY_BACKUP_DRILL_EVERY_DAYS": "0",
            "GGZY_AUDIT_CHECKPOINT_EVERY": "25",  # the worker signs checkpoints during the drill
            "GGZY_VISIT_FLUSH_SECONDS": "1",
            "GGZY_LOG_LEVEL": "WARNING",
            "TMPDIR": str(self.tmp),  # the opening's decryption temp files land here
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
            **(extra_env or {}),
        }
        self.procs: list[Server | Worker] = []

    # ---- commands and child processes
    def ggzy(self, *args: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own ggzy command
            [GGZY, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
        )

    def migrate(self) -> None:
        self.ggzy("migrate", "--noinput", "-v", "0", timeout=900)

    def child(self, call: str, payload: Any = None, *, timeout: float = 1800) -> Any:
        """Run ``_world.<call>(payload)`` in a child with Django set up on this instance; its JSON."""
        script = (
            "import django, json, sys; django.setup(); import _world; "
            "payload = json.loads(sys.stdin.read() or 'null'); "
            f"result = _world.{call}(payload); "
            "sys.stdout.write('\\nRESULT ' + json.dumps(result, default=str) + '\\n')"
        )
        proc = subprocess.run(  # noqa: S603 - our own interpreter and module
            [PYTHON, "-c", script],
            env=self.env,
            cwd=ROOT,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"_world.{call} failed ({proc.returncode}): {proc.stderr[-3000:]}")
        return json.loads(line.removeprefix("RESULT "))

    def audit_verify(self) -> tuple[bool, str]:
        out = self.ggzy("audit", "verify", timeout=600, check=False)
        return out.returncode == 0, (out.stdout + out.stderr).strip()[-500:]

    # ---- servers
    def server(self, **kw: Any) -> Server:
        s = Server(self, **kw)
        self.procs.append(s)
        return s

    def worker(self, **kw: Any) -> Worker:
        w = Worker(self, **kw)
        self.procs.append(w)
        return w

    def stop_all(self) -> None:
        for p in self.procs:
            with contextlib.suppress(Exception):
                p.stop()

    def cleanup(self, *, keep: bool) -> None:
        self.stop_all()
        if self.is_postgres and not keep:
            pg_drop(self.database_url)
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)


class _Proc:
    """One process group we started (never anything else is signalled)."""

    name = "proc"

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0
        self.log_path = instance.root / f"{self.name}.log"

    env_overrides: dict[str, str] | None = None

    def _spawn(self, argv: list[str]) -> None:
        log = self.log_path.open("ab")
        log.write(f"\n==== start {self.starts + 1} at {now_iso()}: {' '.join(argv)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(  # noqa: S603 - our own ggzy command
            argv,
            env={**self.instance.env, **(self.env_overrides or {})},
            cwd=ROOT,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        """SIGKILL to the whole process group (granian's workers included): a crash, no cleanup."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=15)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            # the group may still hold children of a dead leader
            if self.proc is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""


class Server(_Proc):
    name = "web"

    def __init__(
        self,
        instance: Instance,
        *,
        interface: str = "wsgi",
        threads: int = 4,
        workers: int = 1,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(instance)
        self.env_overrides = env
        self.port = free_port()
        self.interface = interface
        self.threads = threads
        self.workers = workers

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 90) -> float:
        argv = [GGZY, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-collectstatic"]
        argv += [
            "--interface",
            self.interface,
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
        ]
        argv += ["--log-level", "warning"]
        started = time.monotonic()
        self._spawn(argv)
        while time.monotonic() - started < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"ggzy serve exited ({self.proc.returncode}): {self.log_tail()}")
            status = http_status(self.base + "/healthz")
            if status == 200:
                return time.monotonic() - started
            time.sleep(0.1)
        raise TimeoutError(f"ggzy serve not ready after {timeout:.0f} s: {self.log_tail()}")


class Worker(_Proc):
    name = "worker"

    def __init__(self, instance: Instance, *, interval: float = 1.0) -> None:
        super().__init__(instance)
        self.interval = interval

    def start(self) -> float:
        self._spawn([GGZY, "worker", "--interval", str(self.interval), "--json"])
        return 0.0


# ------------------------------------------------------------------------------------ HTTP


def http_status(url: str, timeout: float = 2.0) -> int:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/")
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except OSError:
        return 0
    finally:
        conn.close()


class ConnectionLost(Exception):
    """The request's outcome is unknown: the server went away (killed) before answering."""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """A logged-in user's browser, minus the browser: the session cookie made by the world
    builder and a CSRF secret of our own in the cookie and the header (Django compares them)."""

    def __init__(self, port_of: Any, session_key: str | None = None, timeout: float = 120) -> None:
        self.port_of = port_of  # a callable: the server's port may change across restarts
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.cookies = {"csrftoken": self.csrf}
        if session_key:
            self.cookies["sessionid"] = session_key
        self.timeout = timeout
        self.lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port_of(), timeout=timeout or self.timeout)
        h = {
            "Host": "127.0.0.1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "X-CSRFToken": self.csrf,
            "User-Agent": "ggzy-fault-drill/1",
            **(headers or {}),
        }
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionLost(f"{method} {path}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        return Response(resp.status, data, {k.lower(): v for k, v in resp.getheaders()})

    def json(self, method: str, path: str, data: Any = None, **kw: Any) -> Response:
        body = None if data is None else json.dumps(data).encode()
        return self.request(method, path, body, {"Content-Type": "application/json", **kw})

    def form(self, path: str, fields: dict[str, str]) -> Response:
        from urllib.parse import urlencode

        return self.request(
            "POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )


def retrying(
    fn: Any, *, stop: threading.Event | None = None, give_up_after: float = 180.0, pause: float = 0.3
) -> Any:
    """Call ``fn`` until it returns without ConnectionLost (the server is restarting)."""
    deadline = time.monotonic() + give_up_after
    while True:
        try:
            return fn()
        except ConnectionLost:
            if time.monotonic() > deadline:
                raise
            time.sleep(pause)


def is_server_error(resp: Response) -> bool:
    return resp.status >= 500


def looks_like_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text or "<title>Server Error" in text


@contextlib.contextmanager
def cleanup_on_signal() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit so that ``finally`` blocks (unmount, restart
    PostgreSQL, stop servers) run when the drill itself is stopped."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
