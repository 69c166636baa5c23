#!/usr/bin/env python
"""Load drill: many bidders in one opening hall (issue 9 §6: 1,000).

    .venv/bin/python scripts/faults/hall_load.py [--clients 1000] [--events 20] [--p95-ms 2000]

A thin wrapper over the bench's ``opening_hall_fanout`` (ggzy/opening/bench.py): a throw-away
SQLite instance with a hall, the real ``granian --interface asgi`` server on loopback, ``--clients``
server-sent-event connections held by an asyncio client, ``--events`` host announcements committed
through the opening service; per client and event the delay from commit to arrival. Passes when
every client connected, every event reached every client, and the p95 delay is under ``--p95-ms``.

Prints one JSON document; exit 0 only when every check passes. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="N bidders (SSE clients) in one opening hall on the ASGI server; every event "
        "delivered to every client, p95 delay under a bound. JSON on stdout.",
    )
    p.add_argument("--clients", type=int, default=1000, help="SSE clients (default 1000)")
    p.add_argument("--events", type=int, default=20, help="announcements posted (default 20)")
    p.add_argument("--p95-ms", type=float, default=2000.0, help="p95 delivery delay bound (default 2000)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = Report("hall_load", vars(args))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    report.facts["nofile_limit"] = [soft, hard]
    error = None
    try:
        from ggzy.opening.bench import bench_hall_fanout

        report.note(f"{args.clients} SSE clients, {args.events} events (granian ASGI, 1 worker)")
        result = bench_hall_fanout(clients=args.clients, events=args.events)
        report.facts["fanout"] = result
        report.check(
            "all_clients_connected", result["connected"] == args.clients, connected=result["connected"]
        )
        report.check(
            "all_events_delivered",
            result["deliveries"] == result["deliveries_expected"],
            deliveries=result["deliveries"],
            expected=result["deliveries_expected"],
        )
        p95 = result["delivery_p95_ms"]
        report.check(
            "p95_delivery_under_bound",
            p95 is not None and p95 <= args.p95_ms,
            p95_ms=p95,
            bound_ms=args.p95_ms,
        )
    except Exception as exc:  # noqa: BLE001 - the report says what broke
        error = f"{type(exc).__name__}: {exc}"
        report.facts["traceback"] = traceback.format_exc()[-3000:]
    return report.finish(error)


if __name__ == "__main__":
    sys.exit(main())
