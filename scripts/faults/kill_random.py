#!/usr/bin/env python
"""Fault drill: ``kill -9`` of the web and worker processes at random moments under a realistic
workload, then restart — zero lost or duplicated records, audit chain intact, nothing half-written.

    .venv/bin/python scripts/faults/kill_random.py [--rounds N] [--database-url URL] [...]

What it does (issue 9 §6):

1. A scratch instance (SQLite file in a temp folder, or a scratch PostgreSQL database created from
   ``--database-url`` and dropped afterwards), migrated; the world built through the real services
   and the test data builders: a section open for bids with ``--uploaders`` bidders (certificates
   bound, envelope keys registered), a section in its opening's decryption window with
   ``--open-bids`` sealed bids of ``--open-bid-mb`` MiB, a disclosure officer for the annual report.
2. The real ``ggzy serve`` (granian) and ``ggzy worker`` on it, each in its own process group.
3. The workload over HTTP: each uploader seals new bids with the kit and uploads them through the
   resumable upload API (resuming from the server's offset after a lost connection); one client
   posts the bidders' content keys to the hall (server-side decryption of MiB-sized bids); one
   officer regenerates the annual report and downloads its DOCX and PDF. The worker signs audit
   checkpoints every 25 events and runs its sweeps.
4. ``--rounds`` times: wait, then SIGKILL the web or the worker process group (alternately) — the
   web kills at a random moment or (60 %) aimed at the middle of a request (a finalise, a
   decryption or a report in flight, after a random 0–150 ms) — and restart it after 0–1 s.
5. Stop the workload (each client finishes what it started), stop the processes, and check: every
   bid whose receipt the client saw exists with the same envelope hash and a verifying receipt;
   every decryption the client saw is recorded with the bidder's plaintext hash; no duplicates
   (envelope, receipt number, upload, current version, submit/decrypt events); one annual report
   draft; ``ggzy audit verify`` passes; no row points at a missing or partial file, no partial or
   unreferenced blob in the store, no stray upload part; no HTTP 5xx seen by any client.

Prints one JSON document; exit 0 only when every check passes. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Client, Instance, Report, cleanup_on_signal, pg_create
from _workload import Decryptor, Inflight, Reporter, Stats, Uploader


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="kill -9 of ggzy serve / ggzy worker at random moments under load; then check "
        "for lost or duplicated records, the audit chain and half-written files. JSON on stdout.",
    )
    p.add_argument("--rounds", type=int, default=10, help="how many kills (default 10; nightly 50)")
    p.add_argument(
        "--database-url",
        default=None,
        help="scratch database: default a SQLite file in a temp folder; a postgres:// URL names a "
        "database that is CREATED (dropped first if it exists) and dropped at the end",
    )
    p.add_argument("--targets", default="web,worker", help="processes to kill (default web,worker)")
    p.add_argument("--uploaders", type=int, default=2, help="concurrent bidders uploading (default 2)")
    p.add_argument("--bid-kb", default="64-2048", help="envelope size range in KiB (default 64-2048)")
    p.add_argument("--chunk-kb", type=int, default=256, help="upload chunk size in KiB (default 256)")
    p.add_argument("--open-bids", type=int, default=0, help="bids to decrypt (default: rounds, ≥ 3)")
    p.add_argument("--open-bid-mb", type=int, default=8, help="size of each bid to decrypt (MiB, default 8)")
    p.add_argument("--report-year", type=int, default=2025, help="annual report year (default 2025)")
    p.add_argument("--gap", default="1.5-5", help="seconds between kills (range, default 1.5-5)")
    p.add_argument("--seed", type=int, default=None, help="random seed (printed; default random)")
    p.add_argument("--keep", action="store_true", help="keep the scratch folder and database")
    return p.parse_args(argv)


def _range(text: str, cast: type = float) -> tuple:
    lo, _, hi = text.partition("-")
    return cast(lo), cast(hi or lo)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    rng = random.Random(seed)  # noqa: S311 - drill timing, not secrets
    open_bids = args.open_bids or max(3, args.rounds)
    options = {**vars(args), "seed": seed, "open_bids": open_bids}
    report = Report("kill_random", options)
    targets = [t for t in args.targets.split(",") if t]
    if not targets or set(targets) - {"web", "worker"}:
        sys.stderr.write("--targets: web and/or worker\n")
        return 2
    inst = Instance(database_url=args.database_url)
    report.facts["scratch"] = str(inst.root)
    error = None
    with cleanup_on_signal():
        try:
            if inst.is_postgres:
                pg_create(inst.database_url)
            report.note(f"scratch instance {inst.root} on {inst.database_url.split('@')[-1]}; migrating")
            inst.migrate()
            report.note("building the world (sections, bidders, sealed bids, sessions)")
            world = inst.child(
                "setup_world",
                {
                    "uploaders": args.uploaders,
                    "open_bids": open_bids,
                    "open_bid_mb": args.open_bid_mb,
                    "report_year": args.report_year,
                },
            )
            web = inst.server()
            worker = inst.worker()
            report.note(f"ggzy serve ready in {web.start():.1f} s on {web.base}")
            worker.start()
            stop = threading.Event()
            stats, inflight = Stats(), Inflight()
            lo, hi = _range(args.bid_kb, int)
            threads: list[threading.Thread] = [
                Uploader(
                    info,
                    Client(lambda: web.port, info["session"]),
                    stats,
                    inflight,
                    stop,
                    size_range=(lo * 1024, hi * 1024),
                    chunk=args.chunk_kb * 1024,
                    seed=seed + i,
                )
                for i, info in enumerate(world["uploaders"])
            ]
            threads.append(
                Decryptor(
                    world["opening"], lambda: web.port, stats, inflight, stop, pause=(0.5, 3.0), seed=seed
                )
            )
            threads.append(
                Reporter(
                    world["officer_session"],
                    args.report_year,
                    lambda: web.port,
                    stats,
                    inflight,
                    stop,
                    pause=(0.2, 1.5),
                    seed=seed,
                )
            )
            for t in threads:
                t.start()
            kills: list[dict[str, object]] = []
            gap = _range(args.gap)
            for n in range(args.rounds):
                target = targets[n % len(targets)]  # alternate, so both are killed
                proc = web if target == "web" else worker
                aimed = None
                time.sleep(rng.uniform(*gap))
                if target == "web" and rng.random() < 0.6:
                    aimed = inflight.wait_for(["finalise", "decrypt", "report"], timeout=10)
                    if aimed:
                        time.sleep(rng.uniform(0, 0.15))
                proc.kill9()
                down = rng.uniform(0, 1.0)
                time.sleep(down)
                ready = proc.start()
                kills.append(
                    {"round": n + 1, "target": target, "aimed_at": aimed, "down_s": round(down + ready, 2)}
                )
                report.note(f"kill {n + 1}/{args.rounds}: {target}" + (f" during {aimed}" if aimed else ""))
            report.note("stopping the workload (each client finishes what it started)")
            stop.set()
            for t in threads:
                t.join(timeout=300)
            still = [t.name for t in threads if t.is_alive()]
            web.stop()
            worker.stop()
            report.facts["kills"] = kills
            report.facts["workload"] = {
                "uploads_acknowledged": len(stats.acked_bids),
                "uploads_finalised_unacknowledged": len(stats.finalised_unacked),
                "decryptions_acknowledged": len(stats.acked_opened),
                "decryptions_planned": open_bids,
                "key_reposts": next((t.repeats for t in threads if isinstance(t, Decryptor)), 0),
                "report_generations_acknowledged": stats.acked_reports,
                "report_files_downloaded": stats.report_files,
                "connections_lost": stats.connection_lost,
                "requests_aimed_at": dict(inflight.seen),
                "web_starts": web.starts,
                "worker_starts": worker.starts,
            }
            report.note("checking the instance")
            result = inst.child(
                "verify",
                {
                    "acked_bids": stats.acked_bids,
                    "acked_opened": stats.acked_opened,
                    "opening": world["opening"],
                    "acked_reports": stats.acked_reports,
                    "report_year": args.report_year,
                },
            )
            report.facts["instance"] = result.pop("facts")
            # a kill during a decryption leaves its temporary plaintext file (NamedTemporaryFile
            # in TMPDIR): the OS temp cleaner removes it; counted here, not a failure
            report.facts["decryption_temp_files_left"] = len(list(inst.tmp.glob("opening-*")))
            # kill -9 during a file write leaves the atomic storage's temporary file (never a partial
            # file under a real name): counted, not a failure (docs/operations.md: cleanup)
            report.facts["temporary_writes_left"] = result.pop("temporary_writes_left")
            for name, check in result.items():
                report.check(name, check.pop("ok"), **check)
            ok, text = inst.audit_verify()
            report.check("audit_chain_intact", ok, output=text)
            report.check("workload_finished", not still, still_running=still)
            report.check("every_kill_done", len(kills) == args.rounds, kills=len(kills), rounds=args.rounds)
            report.check(
                "workload_made_progress",
                len(stats.acked_bids) >= args.uploaders
                and len(stats.acked_opened) == open_bids
                and stats.acked_reports > 0,
                acked_bids=len(stats.acked_bids),
                acked_opened=len(stats.acked_opened),
                acked_reports=stats.acked_reports,
            )
            report.check(
                "no_server_error_seen_by_clients", not stats.server_errors, errors=stats.server_errors[:20]
            )
            report.check(
                "no_refused_or_unexpected_answer",
                not stats.refused and not stats.unexpected,
                refused=stats.refused[:20],
                unexpected=stats.unexpected[:20],
            )
        except Exception as exc:  # noqa: BLE001 - the report says what broke
            error = f"{type(exc).__name__}: {exc}"
            report.facts["traceback"] = traceback.format_exc()[-3000:]
            for p in inst.procs:
                report.facts[f"{p.name}_log_tail"] = p.log_tail(2000)
        finally:
            inst.cleanup(keep=args.keep)
    return report.finish(error)


if __name__ == "__main__":
    sys.exit(main())
