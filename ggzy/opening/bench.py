"""Benchmarks of the opening hall for ``ggzy bench``; JSON-ready dicts.

Both run in a child process against a throw-away SQLite database and media directory (migrated
there), never against the configured database:

* :func:`bench_open_throughput` — the server-side opening of one bid of ``size_mb`` MiB through
  ``opening.services.content_key_submit`` (read the stored envelope, decrypt and verify every
  chunk tag, the file hash and the bidder's signature into a temporary file, store the plaintext
  content-addressed, record the opened bid, mark the trading bid): MiB/s beside raw AES-256-GCM
  (``AESGCM.decrypt_into`` over the same number of bytes in the same chunk size, same process,
  same run) as a ratio, with the Python heap peak (tracemalloc) during the open and the child's
  peak RSS. Issue 6 asks for 1 GB: ``bench_open_throughput(size_mb=1024)``.
* :func:`bench_hall_fanout` — a real ``granian --interface asgi`` server on loopback, ``clients``
  SSE connections held by an asyncio load generator, ``events`` host announcements posted through
  the service; per client and event: receive time − commit time. Reports p50/p95/max delivery
  delay and how many deliveries arrived.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MIB = 1 << 20
ROOT = Path(__file__).resolve().parents[2]


def _child(*args: str, timeout: int = 3600) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    out = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-m", "ggzy.opening.bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench child failed: {out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_open_throughput(size_mb: int = 64) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-opening-") as tmp:
        return _child("open", tmp, str(size_mb))


def bench_hall_fanout(clients: int = 1000, events: int = 20) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-hall-") as tmp:
        return _child("fanout", tmp, str(clients), str(events))


# ---------------------------------------------------------------- child side


def _setup(state_dir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{state_dir / 'db.sqlite3'}"
    os.environ["GGZY_MEDIA_ROOT"] = str(state_dir / "files")
    os.environ["GGZY_PLATFORM_KEY_PATH"] = str(state_dir / "platform-key.pem")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.GGZY_OPENING_TMP_DIR = str(state_dir)
    call_command("migrate", verbosity=0)


def _raw_aesgcm_mb_s(total: int, chunk_size: int) -> float:
    import time

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(AESGCM.generate_key(bit_length=256))
    plain = os.urandom(chunk_size)
    nonce = bytes(12)
    ct = aead.encrypt(nonce, plain, b"a" * 32)
    out = bytearray(chunk_size)
    n = max(1, total // chunk_size)
    start = time.perf_counter()
    for _ in range(n):
        aead.decrypt_into(nonce, ct, b"a" * 32, out)
    return n * chunk_size / MIB / (time.perf_counter() - start)


def _open_child(state_dir: Path, size_mb: int) -> dict[str, Any]:
    import resource
    import time
    import tracemalloc

    _setup(state_dir)
    from ggzy.core.clock import FixedClock
    from ggzy.opening import services
    from ggzy.opening.tests.hallkit import T0, build_hall

    clock = FixedClock(T0)
    hall = build_hall(clock, bids=3, big_bid_path=state_dir / "big.env", big_size=size_mb * MIB)
    (state_dir / "big.env").unlink()
    session = services.opening_session_open(actor=None, section=hall.section, clock=clock)
    services.opening_decryption_start(actor=hall.host, session=session, clock=clock)
    big = hall.bidders[0]
    key = big.content_key(big.bid)
    tracemalloc.start()
    start = time.perf_counter()
    opened = services.content_key_submit(actor=big.user, bid=big.bid, content_key=key, clock=clock)
    open_s = time.perf_counter() - start
    _, heap = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    raw = _raw_aesgcm_mb_s(size_mb * MIB, MIB)
    mb_s = size_mb / open_s
    return {
        "size_mb": size_mb,
        "chunk_size": MIB,
        "server_open_and_verify_s": round(open_s, 3),
        "server_open_and_verify_mb_s": round(mb_s, 1),
        "raw_aes_256_gcm_mb_s": round(raw, 1),
        "open_vs_raw_ratio": round(mb_s / raw, 3),
        "open_peak_python_heap_bytes": heap,
        "process_peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "opened_file_sha256": opened.file_sha256,
        "note": "includes storing the plaintext content-addressed and the database records; "
        "tracemalloc is on during the open",
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fanout_child(state_dir: Path, clients: int, n_events: int) -> dict[str, Any]:
    import asyncio
    import resource
    import socket
    import time

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, clients * 2 + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    _setup(state_dir)
    from asgiref.sync import sync_to_async

    from ggzy.core.clock import FixedClock, SystemClock
    from ggzy.opening import services
    from ggzy.opening.tests.hallkit import T0, build_hall

    clock = FixedClock(T0)
    hall = build_hall(clock, bids=3)
    session = services.opening_session_open(actor=None, section=hall.section, clock=clock)
    port = _free_port()
    granian = str(Path(sys.executable).with_name("granian"))
    server = subprocess.Popen(  # noqa: S603 - the venv's granian
        [
            granian,
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backpressure",
            str(clients + 512),
            "--log-level",
            "warning",
            "--working-dir",
            str(ROOT),
            "config.asgi:application",
        ],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a pipe nobody reads would block the server once full
        start_new_session=True,  # its own process group: the cleanup below stops granian's workers too
    )
    path = f"/opening/{hall.section.code}/events/?public=1"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        received: list[dict[int, float]] = [{} for _ in range(clients)]
        connected = 0
        commit: dict[int, float] = {}
        base_seq = session.last_seq

        async def client(i: int, ready: asyncio.Event, done: asyncio.Event) -> None:
            nonlocal connected
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                f"Last-Event-ID: {base_seq}\r\n\r\n"
            )
            writer.write(request.encode())
            await writer.drain()
            counted = False
            try:
                while not done.is_set():
                    line = await reader.readline()
                    if not line:
                        return
                    if line.startswith(b"retry:") and not counted:
                        counted = True
                        connected += 1
                        if connected == clients:
                            ready.set()
                    elif line.startswith(b"id: "):
                        received[i][int(line[4:])] = time.time()
            finally:
                writer.close()

        async def main() -> None:
            ready, done = asyncio.Event(), asyncio.Event()
            tasks = []
            for i in range(clients):
                tasks.append(asyncio.create_task(client(i, ready, done)))
                if i % 100 == 99:
                    await asyncio.sleep(0.05)
            await asyncio.wait_for(ready.wait(), 120)
            announce = sync_to_async(services.opening_announce, thread_sensitive=False)
            for n in range(n_events):
                event = await announce(
                    actor=hall.host, session=session, text=f"压测公告 {n + 1}", clock=SystemClock()
                )
                commit[event.seq] = time.time()
                await asyncio.sleep(0.25)
            end = time.monotonic() + 10
            while time.monotonic() < end and sum(len(r) for r in received) < clients * n_events:
                await asyncio.sleep(0.1)
            done.set()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        start = time.perf_counter()
        asyncio.run(main())
        wall = time.perf_counter() - start
    finally:
        # The whole group: killing only granian's main process can orphan its worker (seen by
        # scripts/faults/hall_load.py on a loaded machine: a 900 MB worker left running).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    delays = sorted(r[seq] - t for r in received for seq, t in commit.items() if seq in r)
    expected = clients * n_events

    def pct(p: float) -> float | None:
        return round(delays[min(len(delays) - 1, int(p * len(delays)))] * 1000, 1) if delays else None

    return {
        "clients": clients,
        "connected": connected,
        "events": n_events,
        "deliveries": len(delays),
        "deliveries_expected": expected,
        "delivery_p50_ms": pct(0.50),
        "delivery_p95_ms": pct(0.95),
        "delivery_max_ms": round(delays[-1] * 1000, 1) if delays else None,
        "poll_interval_ms": 200,
        "wall_s": round(wall, 2),
        "server": "granian --interface asgi, 1 worker",
    }


if __name__ == "__main__":
    kind, state = sys.argv[1], Path(sys.argv[2])
    if kind == "open":
        result = _open_child(state, int(sys.argv[3]))
    else:
        result = _fanout_child(state, int(sys.argv[3]), int(sys.argv[4]))
    sys.stdout.write(json.dumps(result) + "\n")
