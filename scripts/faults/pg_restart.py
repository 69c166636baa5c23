#!/usr/bin/env python
"""Fault drill: PostgreSQL restarted in the middle of the application's transactions.

    .venv/bin/python scripts/faults/pg_restart.py [--rounds N] [--pg-mode private|system] [...]

Needs root (``runuser``/``pg_ctlcluster``). What it does (issue 9 §6):

1. PostgreSQL: by default a **private** PostgreSQL 15 server initialised in a temp folder on a free
   port (``initdb`` + ``pg_ctl`` as the ``postgres`` user), so that restarting it cannot disturb
   anyone else's database; ``--pg-mode system`` restarts the machine's cluster instead
   (``pg_ctlcluster 15 main restart``) — for a dedicated nightly host. The system cluster is always
   started again in ``finally`` (also on SIGTERM) and checked with ``pg_isready``.
2. A scratch database there, migrated; the real ``ggzy serve`` and ``ggzy worker`` on it; bidders
   uploading sealed bids through the resumable upload API and an officer regenerating the annual
   report (see kill_random.py for the workload).
3. ``--rounds`` restarts, alternating two kinds:
   * **mid-transaction, guaranteed**: the drill itself takes the audit chain head's row lock in its
     own transaction, waits until application transactions are blocked on it (they have already
     inserted their rows — a bid, its receipt number, the upload's new state — and wait to append
     their audit event), then restarts PostgreSQL (``-m fast``, or ``-m immediate``: a crash, with
     WAL recovery at start);
   * **at a random moment** under the same load.
4. Checks: every acknowledged bid present with its hash and a verifying receipt; no partial rows (a
   bid without its submit event or upload, a finalised upload without a bid), no duplicates; the
   audit chain verifies; no row points at a missing or partial file; every error the clients saw
   during the outages was a clear one (503 with a Chinese message — JSON for the API — never a bare
   500) and clients that retried succeeded; the web process and the worker work again after each
   restart without being restarted themselves.

Prints one JSON document; exit 0 only when every check passes. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Client, Instance, Report, cleanup_on_signal, free_port, pg_create, pg_drop
from _workload import Inflight, Reporter, Stats, Uploader

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Restart PostgreSQL in the middle of ggzy's transactions under load; check for "
        "partial rows, lost acknowledged records, the audit chain and clear errors. JSON on stdout.",
    )
    p.add_argument("--rounds", type=int, default=6, help="restarts (default 6; nightly 30)")
    p.add_argument(
        "--pg-mode",
        choices=["private", "system"],
        default="private",
        help="private: a throw-away PostgreSQL 15 server in a temp folder (default; disturbs no one); "
        "system: restart the machine's cluster (--cluster) — only on a host nobody else uses",
    )
    p.add_argument("--cluster", default="15/main", help="system mode: VERSION/NAME (default 15/main)")
    p.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/ggzy_fault_pg",
        help="system mode: the scratch database to create and drop (default %(default)s)",
    )
    p.add_argument("--uploaders", type=int, default=2, help="concurrent bidders uploading (default 2)")
    p.add_argument("--bid-kb", default="32-512", help="envelope size range in KiB (default 32-512)")
    p.add_argument("--gap", default="2-5", help="seconds of load between restarts (default 2-5)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--keep", action="store_true", help="keep the scratch folder and database")
    return p.parse_args(argv)


def run(argv: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=timeout)  # noqa: S603


def pg_ready(host: str, port: int) -> bool:
    return run([str(PG_BIN / "pg_isready"), "-h", host, "-p", str(port)], check=False).returncode == 0


def wait_ready(host: str, port: int, timeout: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if pg_ready(host, port):
            return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"PostgreSQL at {host}:{port} not ready after {timeout:.0f} s")


class PrivatePostgres:
    """A throw-away PostgreSQL server owned by the postgres user in a temp folder."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ggzy-fault-pg-"))
        self.data = self.root / "data"
        self.sock = self.root / "sock"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.started = False

    def as_postgres(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return run(["runuser", "-u", "postgres", "--", *argv], timeout=timeout)

    def start(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        self.sock.mkdir()
        shutil.chown(self.sock, "postgres", "postgres")
        self.as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        self.ctl("start")
        self.started = True

    def ctl(self, action: str, mode: str = "fast") -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c max_connections=60"
        argv = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
        if action in ("start", "restart"):
            argv += ["-o", opts]
        if action in ("stop", "restart"):
            argv += ["-m", mode]
        self.as_postgres(*argv, action)

    def restart(self, mode: str) -> None:
        self.ctl("restart", mode)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def cleanup(self, keep: bool) -> None:
        if self.started:
            with contextlib.suppress(Exception):
                self.ctl("stop", "immediate")
        if not keep:
            shutil.rmtree(self.root, ignore_errors=True)


class SystemPostgres:
    """The machine's cluster, restarted with pg_ctlcluster; always running again afterwards."""

    def __init__(self, cluster: str, url: str) -> None:
        self.version, _, self.name = cluster.partition("/")
        self.base_url = url
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5432

    def start(self) -> None:
        self.ensure_running()

    def restart(self, mode: str) -> None:
        run(["pg_ctlcluster", "-m", mode, self.version, self.name, "restart"], timeout=120)

    def url(self, name: str) -> str:
        return self.base_url

    def ensure_running(self) -> bool:
        if not pg_ready(self.host, self.port):
            run(["pg_ctlcluster", self.version, self.name, "start"], check=False, timeout=120)
            with contextlib.suppress(TimeoutError):
                wait_ready(self.host, self.port, 60)
        return pg_ready(self.host, self.port)

    def cleanup(self, keep: bool) -> None:
        self.ensure_running()


def hold_audit_head(url: str, *, wait_blocked: float = 15.0) -> tuple[object, int]:
    """Open a transaction that holds the audit chain head's row lock; return it once at least one
    application transaction waits on it (with how many do)."""
    import psycopg

    conn = psycopg.connect(url, autocommit=False)
    conn.execute("SELECT seq FROM audit_chainhead WHERE id = 1 FOR UPDATE")
    deadline = time.monotonic() + wait_blocked
    blocked = 0
    with psycopg.connect(url, autocommit=True) as probe:
        while time.monotonic() < deadline:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> %s",
                (conn.info.backend_pid,),
            ).fetchone()
            blocked = int(row[0]) if row else 0
            if blocked:
                time.sleep(0.3)  # let a few more pile up
                row = probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> %s",
                    (conn.info.backend_pid,),
                ).fetchone()
                blocked = int(row[0]) if row else blocked
                break
            time.sleep(0.05)
    return conn, blocked


def worker_ticks(log: Path, since: float) -> list[dict[str, object]]:
    ticks = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                tick = json.loads(line)
                at = tick.get("at", "")
                import datetime as dt

                if dt.datetime.fromisoformat(at).timestamp() >= since:
                    ticks.append(tick)
    return ticks


def failed_jobs(tick: dict[str, object]) -> list[str]:
    return [k for k, v in tick.items() if isinstance(v, str) and v.startswith("失败")]


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)  # noqa: S311 - drill timing
    report = Report("pg_restart", {**vars(args), "seed": seed})
    if os.geteuid() != 0:
        report.check("running_as_root", False, why="runuser / pg_ctlcluster need root")
        return report.finish()
    pg: PrivatePostgres | SystemPostgres = (
        PrivatePostgres() if args.pg_mode == "private" else SystemPostgres(args.cluster, args.database_url)
    )
    inst: Instance | None = None
    error = None
    with cleanup_on_signal():
        try:
            pg.start()
            url = pg.url("ggzy_fault_pg")
            inst = Instance(database_url=url)
            report.facts["postgres"] = {"mode": args.pg_mode, "url": url}
            pg_create(url)
            report.note(f"{args.pg_mode} PostgreSQL; migrating {url}")
            inst.migrate()
            world = inst.child("setup_world", {"uploaders": args.uploaders, "report_year": 2025})
            web, worker = inst.server(), inst.worker(interval=0.5)
            report.note(f"ggzy serve ready in {web.start():.1f} s")
            worker.start()
            stop = threading.Event()
            stats, inflight = Stats(), Inflight()
            lo, _, hi = args.bid_kb.partition("-")
            threads: list[threading.Thread] = [
                Uploader(
                    info,
                    Client(lambda: web.port, info["session"]),
                    stats,
                    inflight,
                    stop,
                    size_range=(int(lo) * 1024, int(hi or lo) * 1024),
                    chunk=128 * 1024,
                    seed=seed + i,
                )
                for i, info in enumerate(world["uploaders"])
            ]
            threads.append(
                Reporter(
                    world["officer_session"],
                    2025,
                    lambda: web.port,
                    stats,
                    inflight,
                    stop,
                    pause=(0.2, 1.0),
                    seed=seed,
                )
            )
            for t in threads:
                t.start()
            gap_lo, _, gap_hi = args.gap.partition("-")
            restarts: list[dict[str, object]] = []
            host = "127.0.0.1"
            port = pg.port
            for n in range(args.rounds):
                time.sleep(rng.uniform(float(gap_lo), float(gap_hi or gap_lo)))
                kind = "mid_transaction" if n % 2 == 0 else "random"
                mode = "immediate" if n % 4 in (2, 3) else "fast"
                holder, blocked = (None, 0)
                if kind == "mid_transaction":
                    holder, blocked = hold_audit_head(url)
                started = time.monotonic()
                pg.restart(mode)
                down = wait_ready(host, port)
                with contextlib.suppress(Exception):
                    holder.close()  # type: ignore[union-attr]
                restarts.append(
                    {
                        "round": n + 1,
                        "kind": kind,
                        "mode": mode,
                        "app_transactions_blocked": blocked,
                        "restart_s": round(time.monotonic() - started, 2),
                        "ready_after_s": round(down, 2),
                        "at": time.time(),
                    }
                )
                report.note(f"restart {n + 1}/{args.rounds} ({kind}, -m {mode}): {blocked} transactions cut")
            last_restart = time.time()
            time.sleep(6)  # the web and the worker must work again by themselves
            report.note("stopping the workload")
            stop.set()
            for t in threads:
                t.join(timeout=300)
            still = [t.name for t in threads if t.is_alive()]
            ticks = worker_ticks(worker.log_path, last_restart + 2)
            recovered_ticks = [t for t in ticks if not failed_jobs(t)]
            web_alive, worker_alive = web.alive, worker.alive
            web.stop()
            worker.stop()
            report.facts["restarts"] = restarts
            report.facts["workload"] = {
                "uploads_acknowledged": len(stats.acked_bids),
                "uploads_finalised_unacknowledged": len(stats.finalised_unacked),
                "report_generations_acknowledged": stats.acked_reports,
                "connections_lost": stats.connection_lost,
                "error_answers_seen": len(stats.server_errors),
                "error_statuses": sorted({e["status"] for e in stats.server_errors}),
            }
            report.facts["error_samples"] = stats.server_errors[:6]
            result = inst.child(
                "verify",
                {"acked_bids": stats.acked_bids, "acked_reports": stats.acked_reports, "report_year": 2025},
            )
            report.facts["instance"] = result.pop("facts")
            report.facts["temporary_writes_left"] = result.pop("temporary_writes_left")
            for name, check in result.items():
                report.check(name, check.pop("ok"), **check)
            ok, text = inst.audit_verify()
            report.check("audit_chain_intact", ok, output=text)
            report.check(
                "restarts_cut_application_transactions",
                any(r["app_transactions_blocked"] for r in restarts),
                blocked=[r["app_transactions_blocked"] for r in restarts],
            )
            bare = [e for e in stats.server_errors if not clear_outage_error(e)]
            report.check(
                "outage_errors_are_clear",
                not bare,
                errors=len(stats.server_errors),
                unclear=bare[:5],
            )
            report.check(
                "web_and_worker_recover_without_restart",
                web_alive
                and worker_alive
                and web.starts == 1
                and worker.starts == 1
                and bool(recovered_ticks)
                and not failed_jobs(ticks[-1] if ticks else {"x": "失败：no tick"}),
                worker_ticks_after_last_restart=len(ticks),
                healthy_ticks=len(recovered_ticks),
                last_tick_failures=failed_jobs(ticks[-1]) if ticks else ["no tick"],
            )
            report.check("workload_finished", not still, still_running=still)
            report.check(
                "workload_made_progress",
                len(stats.acked_bids) >= args.uploaders and stats.acked_reports > 0,
                acked_bids=len(stats.acked_bids),
                acked_reports=stats.acked_reports,
            )
            report.check(
                "no_refused_or_unexpected_answer",
                not stats.refused and not stats.unexpected,
                refused=stats.refused[:10],
                unexpected=stats.unexpected[:10],
            )
        except Exception as exc:  # noqa: BLE001 - the report says what broke
            error = f"{type(exc).__name__}: {exc}"
            report.facts["traceback"] = traceback.format_exc()[-3000:]
            if inst is not None:
                for p in inst.procs:
                    report.facts[f"{p.name}_log_tail"] = p.log_tail(3000)
        finally:
            if inst is not None:
                inst.stop_all()
            if isinstance(pg, SystemPostgres):
                if inst is not None and not args.keep:
                    pg_drop(inst.database_url)
                report.check("system_postgres_running_at_the_end", pg.ensure_running())
            else:
                pg.cleanup(args.keep)
            if inst is not None and not args.keep:
                shutil.rmtree(inst.root, ignore_errors=True)
    return report.finish(error)


def clear_outage_error(error: dict[str, object]) -> bool:
    """A 503 with a Chinese message (JSON for the API endpoints), not a bare 500 page."""
    body = str(error.get("body", ""))
    if error.get("status") != 503 or "Traceback" in body:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in body)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
