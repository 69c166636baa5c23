"""Benchmarks of the supervision app for ``ggzy bench``; JSON-ready dicts.

* :func:`bench_link_crawl` — the broken-link crawler's throughput in pages/s over real HTTP.
  With ``base_url`` it crawls that site (e.g. ``ggzy serve`` with the demo data: the issue's
  "link crawl of the demo site"); without, it starts a local threaded HTTP server with ``pages``
  demo-like pages (each linking ``links_per_page`` other pages and two attachments, 2 % of them
  broken) so the number measures the crawler itself. Nothing is written to the database.
* :func:`bench_patrol_fill` — creating and filling one patrol round with ``n`` agency notices
  (the agency-notice selector, the compliance snapshot per notice, one bulk insert), in items/s.
  Runs in a transaction that is rolled back: no rows are left behind.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ggzy.supervision import linkcheck


def _demo_server(pages: int, links_per_page: int, seed: int) -> ThreadingHTTPServer:
    rng = random.Random(seed)  # noqa: S311 — reproducible demo pages, not a secret
    bodies: dict[str, bytes] = {}
    for n in range(pages):
        targets = [f"/notices/{rng.randrange(pages)}/" for _ in range(links_per_page)]
        targets += [f"/files/{n}/附件.pdf", f"/files/{n}/清单.xlsx"]
        if rng.random() < 0.02:
            targets.append(f"/notices/missing-{n}/")
        links = "".join(f'<li><a href="{t}">链接</a></li>' for t in targets)
        bodies[f"/notices/{n}/"] = (
            f"<!doctype html><html><head><title>公告{n}</title></head><body><h1>公告 {n}</h1>"
            f"<p>{'正文' * 400}</p><ul>{links}</ul></body></html>"
        ).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, with_body: bool) -> None:
            body = bodies.get(self.path)
            if body is None and self.path.startswith("/files/"):
                body, ctype = b"%PDF-1.4", "application/pdf"
            else:
                ctype = "text/html; charset=utf-8"
            status = 200 if body is not None else 404
            body = body or b"not found"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:
            self._reply(True)

        def do_HEAD(self) -> None:
            self._reply(False)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


def bench_link_crawl(
    *,
    base_url: str | None = None,
    start_paths: list[str] | None = None,
    pages: int = 500,
    links_per_page: int = 20,
    max_pages: int = 5000,
    max_seconds: float = 300.0,
    seed: int = 7,
) -> dict[str, Any]:
    """Pages crawled per second (and links checked per second) against a local server."""
    server = None
    if base_url is None:
        server = _demo_server(pages, links_per_page, seed)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        start_paths = ["/notices/0/"]
    elif start_paths is None:
        start_paths = ["/"]
    try:
        limits = linkcheck.Limits(max_pages=max_pages, max_seconds=max_seconds, per_host_delay=0)
        started = time.perf_counter()
        report = linkcheck.Crawler(base_url, limits).run(start_paths)
        seconds = time.perf_counter() - started
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    return {
        "name": "link_crawl",
        "target": "synthetic demo pages" if server is not None else base_url,
        "pages": report.pages,
        "links": report.links,
        "broken": len(report.broken),
        "bounded_by": report.bounded_by,
        "seconds": round(seconds, 3),
        "pages_per_s": round(report.pages / seconds, 1) if seconds else None,
        "links_per_s": round(report.links / seconds, 1) if seconds else None,
    }


class _Rollback(Exception):
    pass


def bench_patrol_fill(n: int = 2000) -> dict[str, Any]:
    """One patrol round over ``n`` agency notices: creation + fill time and items/s."""
    from django.db import transaction

    from ggzy.accounts import services as accounts
    from ggzy.core.clock import SHANGHAI, FixedClock
    from ggzy.core.codes import make_credit_code
    from ggzy.publishing.models import Notice
    from ggzy.supervision import services
    from ggzy.supervision.models import PatrolRound

    result: dict[str, Any] = {}
    try:
        with transaction.atomic():
            PatrolRound.objects.all().delete()  # inside the rolled-back transaction only
            suffix = f"{random.randrange(10**6):06d}"  # noqa: S311 — a label, not a secret
            org = accounts.organisation_create(
                actor=None,
                kind="agency",
                name="BENCH 代理机构",
                credit_code=make_credit_code(f"91640400MB{suffix}0"),
            )
            center = accounts.organisation_create(
                actor=None,
                kind="center",
                name="BENCH 中心",
                credit_code=make_credit_code(f"91640400MC{suffix}0"),
            )
            author = accounts.user_create(
                actor=None,
                username=f"bench-agency-{suffix}",
                password=f"bench-{suffix}-pw-0",
                organisation=org,
                roles=[],
            )
            accounts.user_create(
                actor=None,
                username=f"bench-patrol-{suffix}",
                password=f"bench-{suffix}-pw-1",
                organisation=center,
                roles=["patroller"],
            )
            planned = dt.datetime(2026, 6, 10, 9, 0, tzinfo=SHANGHAI)
            start = planned - dt.timedelta(hours=15, minutes=30)
            step = (planned - start) / (n + 1)
            Notice.objects.bulk_create(
                Notice(
                    title=f"BENCH 公告 {i}",
                    kind="tender",
                    domain="construction",
                    status="published",
                    author=author,
                    organisation=org,
                    published_at=start + step * (i + 1),
                )
                for i in range(n)
            )
            clock = FixedClock(planned + dt.timedelta(minutes=5))
            began = time.perf_counter()
            created = services.patrol_rounds_create_due(clock=clock)
            seconds = time.perf_counter() - began
            items = sum(r.items.count() for r in created)
            result = {
                "name": "patrol_fill",
                "notices": n,
                "items": items,
                "seconds": round(seconds, 4),
                "items_per_s": round(items / seconds, 1) if seconds else None,
            }
            raise _Rollback
    except _Rollback:
        pass
    return result
