#!/usr/bin/env python
"""Load drill: the public portal under wrk on loopback, against the throughput recorded in
docs/performance.md.

    .venv/bin/python scripts/faults/portal_load.py [--fraction 0.5] [--duration 10] [...]

1. Reads the recorded figures from docs/performance.md: the table of ``--table`` (default the
   scale-1 SQLite table, or the scale-1 PostgreSQL table when ``--database-url`` is PostgreSQL) —
   cached requests/s of the home page, the notice list, an article page, a notice page and the
   search, the API list's (uncached) requests/s, and the static file's.
2. A database with the seed-2021 demo data at scale 1: by default a scratch SQLite file loaded
   with ``ggzy demo`` (≈ 15–30 s); ``--database-url`` uses that database (loaded if empty).
3. The production server exactly as ``ggzy bench`` runs it (``ggzy serve``: granian, WSGI, one
   process × 4 threads, ``config.settings.production`` over plain HTTP on 127.0.0.1), then wrk
   (``-t 2 -c 32`` for ``--duration`` seconds, browser User-Agent) against each target after 20
   warm-up requests. Without wrk a threaded Python client is used (and says so).
4. Passes when every target reaches ``--fraction`` of its recorded requests/s with no socket
   error and no non-2xx answer. The ratio to the static file measured in the same run is reported
   beside it: on a shared machine it moves less than the absolute figure.

Prints one JSON document; exit 0 only when every check passes. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Instance, Report, cleanup_on_signal, pg_create

# docs/performance.md row label → (bench target, path template, column: cached or uncached)
ROWS = {
    "static file": ("static", "/static/ggzy/site.css", "cached"),
    "home": ("home", "/", "cached"),
    "notice list": ("notice_list", "/notices/?domain=construction", "cached"),
    "article page": ("article_detail", "/articles/{article_id}/", "cached"),
    "notice page": ("notice_detail", "/notices/{notice_id}/", "cached"),
    "search": ("search", "/search/?q=%E7%9B%91%E7%90%86", "cached"),
    "API list": ("api_notices", "/api/v1/notices", "uncached"),
}
DEFAULT_TABLE = {
    "sqlite": "### Scale 1 — exactly the 2021 report",
    "postgresql": "### Scale 1, PostgreSQL 15",
}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="The portal under wrk at the throughput recorded in docs/performance.md; fail "
        "below a fraction of it. JSON on stdout.",
    )
    p.add_argument(
        "--fraction", type=float, default=0.5, help="pass at this share of the recorded req/s (0.5)"
    )
    p.add_argument(
        "--duration", type=float, default=10.0, help="seconds per target (default 10, as recorded)"
    )
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32, as recorded)")
    p.add_argument(
        "--targets",
        default="",
        help="only these (home,notice_list,article_detail,notice_detail,"
        "search,api_notices); static always runs",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="a database with scale-1 demo data, loaded if empty and kept; a postgres URL whose database "
        "name contains _fault is a scratch one (created, dropped). Default: a scratch SQLite file",
    )
    p.add_argument("--table", default="", help="heading of the table in docs/performance.md to compare with")
    p.add_argument("--performance-md", default=str(ROOT / "docs" / "performance.md"))
    p.add_argument("--keep", action="store_true")
    return p.parse_args(argv)


def _number(cell: str) -> float | None:
    cell = cell.strip().replace(",", "").replace("*", "")
    try:
        return float(cell)
    except ValueError:
        return None


def recorded_figures(md: str, heading: str) -> dict[str, float]:
    """``{target: recorded requests/s}`` from the table under ``heading``."""
    start = md.find(heading)
    if start < 0:
        raise SystemExit(f"docs/performance.md has no table headed {heading!r}")
    figures: dict[str, float] = {}
    for line in md[start:].splitlines()[1:]:
        if line.startswith("#"):
            break
        if not line.startswith("|") or line.startswith("|---") or "req/s" in line:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        label = cells[0]
        for prefix, (target, _, column) in ROWS.items():
            if label.startswith(prefix):
                value = _number(cells[1] if column == "cached" else cells[5]) if len(cells) > 5 else None
                if value is not None:
                    figures[target] = value
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    report = Report("portal_load", vars(args))
    inst: Instance | None = None
    error = None
    with cleanup_on_signal():
        try:
            from ggzy.platform import bench

            md = Path(args.performance_md).read_text(encoding="utf-8")
            pg = bool(args.database_url and args.database_url.startswith("postgres"))
            heading = args.table or DEFAULT_TABLE["postgresql" if pg else "sqlite"]
            recorded = recorded_figures(md, heading)
            report.facts["recorded"] = {"table": heading, "requests_per_s": recorded}
            wanted = [t for t in args.targets.split(",") if t]
            inst = Instance(database_url=args.database_url)
            if pg and "_fault" in args.database_url:
                pg_create(inst.database_url)
            report.note(f"migrating and loading scale-1 demo data into {inst.database_url.split('@')[-1]}")
            inst.migrate()
            out = inst.ggzy("demo", "--profile", "seed-2021", "--scale", "1", "--if-empty", timeout=3600)
            report.facts["demo"] = out.stdout.strip().splitlines()[:1]
            inst.ggzy("collectstatic", "--noinput", "-v", "0")
            ids = inst.child("portal_ids", None)
            report.facts["data"] = ids
            server = inst.server(
                threads=4,
                env={
                    "DJANGO_SETTINGS_MODULE": "config.settings.production",
                    "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                    "GGZY_SSL_REDIRECT": "0",
                },
            )
            report.note(f"ggzy serve (production settings) ready in {server.start():.1f} s")
            generator = "wrk" if bench.wrk_path() else "python"
            report.facts["load_generator"] = generator
            results: dict[str, Any] = {}
            for label, (target, template, _) in ROWS.items():
                if target not in recorded or (wanted and target not in wanted and target != "static"):
                    continue
                path = template.format(**ids)
                url = server.base + path
                for _ in range(20):
                    bench.http_get(url)
                if generator == "wrk":
                    figures = bench.run_wrk(
                        url, duration=args.duration, connections=args.connections, threads=2
                    )
                else:
                    figures = bench.run_python_load(url, duration=args.duration, connections=args.connections)
                results[target] = {"label": label, "path": path, **figures}
                report.note(f"{target}: {figures['requests_per_s']} req/s (recorded {recorded[target]})")
            server.stop()
            static = results.get("static", {}).get("requests_per_s")
            recorded_static = recorded.get("static")
            for target, r in results.items():
                got, want = r["requests_per_s"], recorded[target]
                r["recorded_requests_per_s"] = want
                r["share_of_recorded"] = round(got / want, 3) if want else None
                if static and recorded_static and target != "static":
                    r["ratio_to_static"] = round(got / static, 4)
                    r["recorded_ratio_to_static"] = round(want / recorded_static, 4)
                report.check(
                    f"{target}_throughput",
                    got >= args.fraction * want and not r["socket_errors"] and not r["non_2xx_3xx"],
                    requests_per_s=got,
                    recorded=want,
                    needed=round(args.fraction * want, 1),
                    p95_ms=r["p95_ms"],
                    errors=r["socket_errors"],
                    non_2xx=r["non_2xx_3xx"],
                )
            report.facts["targets"] = results
        except Exception as exc:  # noqa: BLE001 - the report says what broke
            error = f"{type(exc).__name__}: {exc}"
            report.facts["traceback"] = traceback.format_exc()[-3000:]
            if inst is not None:
                for p in inst.procs:
                    report.facts[f"{p.name}_log_tail"] = p.log_tail(3000)
        finally:
            if inst is not None:
                inst.stop_all()
                if args.database_url is None or "_fault" in (args.database_url or ""):
                    inst.cleanup(keep=args.keep)
                elif not args.keep:
                    import shutil

                    shutil.rmtree(inst.root, ignore_errors=True)
    return report.finish(error)


if __name__ == "__main__":
    sys.exit(main())
