"""``ggzy serve [--port N] [--host H] [--workers N] [--interface wsgi|asgi] [--dev]``.

Production: collect static files into STATIC_ROOT, then replace this process (``os.execvp``) with
granian serving ``config.wsgi:application`` over WSGI, with ``/static/`` served by granian itself
(Rust, no Python, no Django). ``--interface asgi`` serves ``config.asgi:application`` instead, for
long-lived streams (the opening hall's live feed). ``--dev`` runs Django's auto-reloading
``runserver`` instead. The port comes from ``--port``, else the PORT environment variable, else 8000.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def granian_binary() -> str:
    """The granian next to this Python (the venv's), else one on PATH."""
    candidate = Path(sys.executable).with_name("granian")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("granian")
    if not found:
        raise CommandError("找不到 granian：请在虚拟环境中安装（pip install granian）", returncode=1)
    return found


ASGI_CONNECTIONS = 4096  # concurrent requests per ASGI worker: long-lived event streams included


def granian_argv(
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    static_root: str,
    log_level: str = "info",
    interface: str = "wsgi",
) -> list[str]:
    """The granian command line for the production server. WSGI: ``threads`` Python threads per
    worker run Django; granian queues further requests in Rust (backpressure) instead of spawning
    hundreds of threads that would only fight over the GIL. ASGI: one event loop per worker; sync
    views run in asgiref's thread pool and long-lived streams (the opening hall's server-sent
    events) are coroutines, so thousands can stay connected (docs/adr/0019)."""
    if interface == "asgi":
        concurrency = ["--backpressure", str(ASGI_CONNECTIONS)]
        target = "config.asgi:application"
    else:
        concurrency = ["--blocking-threads", str(threads), "--backpressure", str(threads)]
        target = "config.wsgi:application"
    return [
        granian_binary(),
        "--interface",
        interface,
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        *concurrency,
        "--log-level",
        log_level,
        "--static-path-route",
        settings.STATIC_URL.rstrip("/") or "/static",
        "--static-path-mount",
        static_root,
        "--working-dir",
        str(settings.BASE_DIR),
        target,
    ]


def _port(value: str | int | None) -> int:
    try:
        port = int(value) if value is not None else 8000
    except ValueError:
        raise CommandError(f"端口应为整数：{value!r}", returncode=2) from None
    if not 1 <= port <= 65535:
        raise CommandError(f"端口应在 1–65535 之间：{port}", returncode=2)
    return port


class Command(BaseCommand):
    help = (
        "启动网站 / serve the site: 生产模式用 granian（WSGI，多进程，/static/ 由 granian 直接提供）；"
        "--dev 用 Django 自动重载的开发服务器"
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", default=None, help="监听端口（默认取环境变量 PORT，否则 8000）")
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务用 0.0.0.0）"
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="granian 工作进程数（默认 1，或 WEB_WORKERS）"
        )
        parser.add_argument(
            "--threads", type=int, default=None, help="每个进程运行 Django 的线程数（默认 4，或 WEB_THREADS）"
        )
        parser.add_argument(
            "--interface",
            default=None,
            choices=["wsgi", "asgi"],
            help="wsgi（默认，或 WEB_INTERFACE）或 asgi（开标大厅实时推送的大量长连接用 asgi）",
        )
        parser.add_argument("--dev", action="store_true", help="开发模式：Django runserver，代码改动自动重载")
        parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="不执行 collectstatic（静态文件已收集时加快启动）"
        )
        parser.add_argument(
            "--print-command", action="store_true", help="只打印将要执行的 granian 命令，不启动"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = _port(options["port"] if options["port"] is not None else os.environ.get("PORT"))
        host: str = options["host"]
        workers = (
            options["workers"] if options["workers"] is not None else int(os.environ.get("WEB_WORKERS", "1"))
        )
        if not 1 <= workers <= 256:
            raise CommandError(f"--workers 应在 1–256 之间：{workers}", returncode=2)
        threads = (
            options["threads"] if options["threads"] is not None else int(os.environ.get("WEB_THREADS", "4"))
        )
        if not 1 <= threads <= 256:
            raise CommandError(f"--threads 应在 1–256 之间：{threads}", returncode=2)
        if options["dev"]:
            if os.environ.get("RUN_MAIN") != "true":  # the auto-reloader's child says it again
                self.stdout.write(f"开发服务器：http://{host}:{port}/（代码改动自动重载）")
            call_command("runserver", f"{host}:{port}")
            return
        interface = options["interface"] or os.environ.get("WEB_INTERFACE", "wsgi")
        if interface not in ("wsgi", "asgi"):
            raise CommandError(f"--interface 应为 wsgi 或 asgi：{interface}", returncode=2)
        static_root = str(settings.STATIC_ROOT)
        argv = granian_argv(
            interface=interface,
            host=host,
            port=port,
            workers=workers,
            threads=threads,
            static_root=static_root,
            log_level=options["log_level"],
        )
        if options["print_command"]:
            self.stdout.write(" ".join(argv))
            return
        if not options["no_collectstatic"]:
            os.makedirs(static_root, exist_ok=True)
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(
            f"ggzy 生产服务器（granian {interface.upper()}，{workers} 个进程 × {threads} 线程）：http://{host}:{port}/"
        )
        self.stdout.flush()
        # granian imports config.wsgi, which needs the same settings module and environment.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        os.execvp(argv[0], argv)  # noqa: S606 - replaces this process with the server
