"""``ggzy bench [--scale N] [--database-url URL] [--duration S] [--connections C] [--skip-load]``.

Prints one JSON document. Steps, each bounded in time and on the loopback interface only:

1. a database with the seed-2021 demo data at ``--scale`` (var/bench-<scale>.sqlite3, or the given
   URL); loaded with ``ggzy demo`` when it has no content yet (unless ``--skip-load``);
2. in-database micro-benchmarks in a child process on that database: ``search_query`` latency and
   ``audit_record`` appends per second;
3. the production server (``ggzy serve``: granian, WSGI, production settings) on a free loopback
   port, then wrk (or, without wrk, a threaded Python client) against a static file served by granian
   (the ceiling), the home page, a notice list, an article page, a notice page, a search and the API.
   The public pages are measured twice: as readers get them (from the public page cache after the
   first view) and ``_uncached``, with a unique query string on every request so each is rendered.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.progress import ProgressBar
from ggzy.platform import bench

TARGETS: list[tuple[str, str]] = [
    ("static", "/static/ggzy/site.css"),
    ("home", "/"),
    ("home_uncached", "/"),
    ("notice_list", "/notices/?domain=construction"),
    ("notice_list_uncached", "/notices/?domain=construction"),
    ("article_detail", "/articles/{article_id}/"),
    ("article_detail_uncached", "/articles/{article_id}/"),
    ("notice_detail", "/notices/{notice_id}/"),
    ("notice_detail_uncached", "/notices/{notice_id}/"),
    ("search", "/search/?q=%E7%9B%91%E7%90%86"),  # 监理
    ("search_uncached", "/search/?q=%E7%9B%91%E7%90%86"),
    ("api_notices", "/api/v1/notices"),
]
UNCACHED_SUFFIX = "_uncached"


def _ggzy() -> str:
    candidate = Path(sys.executable).with_name("ggzy")
    return str(candidate) if candidate.exists() else "ggzy"


class Command(BaseCommand):
    help = (
        "性能基准 / benchmark: 载入 N 倍演示数据，启动生产服务器（granian），"
        "用 wrk 压测静态文件、首页、列表、详情、检索和 API，并测量检索与审计写入；"
        "输出 JSON。只使用本机回环地址。"
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=int, default=1, help="演示数据倍数（默认 1 = 2021 年报规模）")
        parser.add_argument(
            "--database-url",
            default=None,
            help=(
                "压测数据库（默认 var/bench-<scale>.sqlite3；"
                "PostgreSQL 如 postgres://postgres@127.0.0.1:5432/ggzy_bench）"
            ),
        )
        parser.add_argument("--duration", type=float, default=10.0, help="每个目标的压测秒数（默认 10）")
        parser.add_argument("--connections", type=int, default=32, help="并发连接数（默认 32）")
        parser.add_argument("--workers", type=int, default=1, help="granian 工作进程数（默认 1）")
        parser.add_argument("--threads", type=int, default=4, help="每个进程的 Django 线程数（默认 4）")
        parser.add_argument("--skip-load", action="store_true", help="不检查/不导入演示数据（数据库已就绪）")
        parser.add_argument(
            "--load-generator",
            choices=["auto", "wrk", "python"],
            default="auto",
            help="压测客户端：auto（有 wrk 用 wrk，否则用 Python 线程客户端）",
        )
        parser.add_argument("--targets", default="", help="只压测这些目标（逗号分隔：static,home,…）")
        parser.add_argument("--output", default="", help="同时把 JSON 写入此文件")
        parser.add_argument(
            "--no-http", action="store_true", help="只做数据库内微基准和各功能基准，不启动服务器压测"
        )
        parser.add_argument(
            "--capabilities",
            default="",
            help="只运行这些功能基准（逗号分隔，如 compliance_gate,sealed_envelope）",
        )
        parser.add_argument(
            "--progress", action="store_true", help="在标准错误输出显示进度（终端下默认显示）"
        )
        parser.add_argument("--phase", default="", help=argparse.SUPPRESS)  # internal: child process

    def handle(self, *args: Any, **options: Any) -> None:
        if options["phase"] == "python":
            self.stdout.write(json.dumps(bench.python_phase(), ensure_ascii=False))
            return
        if options["phase"]:
            raise CommandError(f"未知阶段：{options['phase']}", returncode=2)
        scale: int = options["scale"]
        duration: float = options["duration"]
        connections: int = options["connections"]
        if not 0 <= scale <= 1000:
            raise CommandError(f"--scale 应在 0–1000 之间：{scale}", returncode=2)
        if not 0.5 <= duration <= 600:
            raise CommandError(f"--duration 应在 0.5–600 秒之间：{duration}", returncode=2)
        if not 1 <= connections <= 1024:
            raise CommandError(f"--connections 应在 1–1024 之间：{connections}", returncode=2)
        wanted = [t for t in options["targets"].split(",") if t]
        unknown = set(wanted) - {name for name, _ in TARGETS}
        if unknown:
            raise CommandError(f"未知目标：{', '.join(sorted(unknown))}", returncode=2)
        generator = options["load_generator"]
        if generator == "wrk" and bench.wrk_path() is None:
            raise CommandError(
                "找不到 wrk：请安装（apt-get install wrk）或使用 --load-generator python", returncode=2
            )
        if generator == "auto":
            generator = "wrk" if bench.wrk_path() else "python"

        url = options["database_url"] or f"sqlite:///{Path(settings.VAR_DIR) / f'bench-{scale}.sqlite3'}"
        if not url.startswith(("sqlite:", "postgres:", "postgresql:")):
            raise CommandError(f"不支持的数据库地址：{bench.redact_url(url)}", returncode=2)
        show = options["progress"] or sys.stderr.isatty()
        env = {**os.environ, "DATABASE_URL": url}
        if options["capabilities"]:
            known = {key for key, _, _ in bench.CAPABILITIES}
            unknown_caps = set(options["capabilities"].split(",")) - known
            if unknown_caps:
                raise CommandError(f"未知功能基准：{', '.join(sorted(unknown_caps))}", returncode=2)
            env["GGZY_BENCH_ONLY"] = options["capabilities"]
        report: dict[str, Any] = {
            "ggzy_bench": 1,
            "date": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
            "machine": bench.machine_info(),
            "scale": scale,
            "database_url": bench.redact_url(url),
            "load_generator": generator,
            "duration_s": duration,
            "connections": connections,
        }
        report["load"] = self._ensure_data(env, scale, skip=options["skip_load"], show=show)
        self._note("数据库内微基准（search_query、audit_record）…", show)
        python = self._child_json([_ggzy(), "bench", "--phase", "python"], env, timeout=1800)
        report["database_vendor"] = python.pop("database_vendor", None)
        report["python"] = python
        server = {"workers": options["workers"], "threads": options["threads"]}
        if not options["no_http"]:
            report.update(self._http(env, python, wanted, generator, duration, connections, server, show))
        text = json.dumps(report, ensure_ascii=False, indent=2)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        self.stdout.write(text)

    # ------------------------------------------------------------------------------------------
    def _note(self, message: str, show: bool) -> None:
        if show:
            self.stderr.write(message)

    def _run(self, argv: list[str], env: dict[str, str], *, timeout: float, show: bool) -> str:
        proc = subprocess.run(  # noqa: S603 - our own ggzy command
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=None if show else subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise CommandError(
                f"命令失败（{proc.returncode}）：{' '.join(argv[1:])}\n{(proc.stderr or '')[-2000:]}",
                returncode=1,
            )
        return proc.stdout

    def _child_json(self, argv: list[str], env: dict[str, str], *, timeout: float) -> dict[str, Any]:
        out = self._run(argv, env, timeout=timeout, show=False)
        try:
            result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise CommandError(f"子进程输出不是 JSON：{out[-500:]}", returncode=1) from None
        return result

    def _ensure_data(self, env: dict[str, str], scale: int, *, skip: bool, show: bool) -> dict[str, Any]:
        if skip:
            return {"skipped": True}
        started = time.monotonic()
        self._note("迁移数据库…", show)
        self._run([_ggzy(), "migrate", "--noinput", "-v", "0"], env, timeout=600, show=show)
        self._note(f"检查/导入 {scale} 倍演示数据…", show)
        argv = [_ggzy(), "demo", "--profile", "seed-2021", "--scale", str(scale), "--if-empty"]
        out = self._run([*argv, "--progress"] if show else argv, env, timeout=3 * 3600, show=show)
        return {
            "loaded": "跳过" not in out,
            "seconds": round(time.monotonic() - started, 1),
            "message": out.strip().splitlines()[0] if out.strip() else "",
        }

    def _http(
        self,
        env: dict[str, str],
        python: dict[str, Any],
        wanted: list[str],
        generator: str,
        duration: float,
        connections: int,
        server_opts: dict[str, int],
        show: bool,
    ) -> dict[str, Any]:
        workers, threads = server_opts["workers"], server_opts["threads"]
        port = bench.free_port()
        base = f"http://127.0.0.1:{port}"
        server_env = {
            **env,
            # The production settings, made to run over plain HTTP on loopback.
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "GGZY_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
        argv = [_ggzy(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        argv += ["--threads", str(threads), "--log-level", "warning"]
        self._note(f"启动 granian（{workers} 个进程）于 {base} …", show)
        # The server's log (one JSON line per request in production) goes to a file: a pipe that
        # nobody reads fills up after 64 KiB and then blocks every request of the server.
        server_log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        server = subprocess.Popen(  # noqa: S603 - our own ggzy command
            argv, env=server_env, stdout=subprocess.DEVNULL, stderr=server_log, start_new_session=True
        )
        try:
            try:
                ready = bench.wait_ready(f"{base}/static/ggzy/site.css", timeout=90, process=server)
            except (TimeoutError, RuntimeError) as exc:
                server_log.seek(0)
                err = server_log.read().decode(errors="replace")[-2000:]
                raise CommandError(f"服务器启动失败：{exc}\n{err}", returncode=1) from None
            ids = {"article_id": python.get("article_id"), "notice_id": python.get("notice_id")}
            targets = [(n, p) for n, p in TARGETS if not wanted or n in wanted or n == "static"]
            bar = ProgressBar(len(targets), label="压测", enabled=show)
            results: list[dict[str, Any]] = []
            wrk_threads = max(1, min(connections, os.cpu_count() or 1))
            for name, template in targets:
                if "{" in template and None in ids.values():
                    results.append({"name": name, "path": template, "skipped": "数据库中没有可用的信息"})
                    continue
                path = template.format(**ids)
                unique = name.endswith(UNCACHED_SUFFIX)
                probe = bench.unique_path(path, "probe") if unique else path
                # Generous timeout: the previous target's queued requests may still be draining.
                status, size = bench.http_get(base + probe, timeout=120)
                for i in range(20):  # warm caches and code paths
                    bench.http_get(base + (bench.unique_path(path, f"warm-{i}") if unique else path))
                if generator == "wrk":
                    figures = bench.run_wrk(
                        base + path,
                        duration=duration,
                        connections=connections,
                        threads=wrk_threads,
                        unique=unique,
                    )
                else:
                    figures = bench.run_python_load(
                        base + path, duration=duration, connections=connections, unique=unique
                    )
                shown = bench.unique_path(path, "<n>") if unique else path
                results.append({"name": name, "path": shown, "status": status, "bytes": size, **figures})
                bar.advance()
            bar.finish()
        finally:
            self._stop(server)
            server_log.close()
        static_rps = next((r.get("requests_per_s") for r in results if r["name"] == "static"), None)
        for r in results:
            if static_rps and r.get("requests_per_s") is not None:
                r["ratio_to_static"] = round(r["requests_per_s"] / static_rps, 4)
        return {
            "server": {
                "impl": "granian",
                "interface": "wsgi",
                "workers": workers,
                "threads_per_worker": threads,
                "settings": "config.settings.production",
                "page_cache": "redis" if env.get("REDIS_URL") else "locmem (per process)",
                "ready_after_s": round(ready, 2),
            },
            "targets": results,
        }

    def _stop(self, server: subprocess.Popen[bytes]) -> None:
        if server.poll() is not None:
            return
        try:
            os.killpg(server.pid, signal.SIGTERM)  # the server we started and its granian workers
            server.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=5)
