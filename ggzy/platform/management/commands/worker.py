"""``ggzy worker [--once] [--interval S]``: the periodic jobs and the background task queue.

Each tick runs, in order and each isolated from the others' failures:

* ``release_publish_due`` — publish scheduled articles and notices whose time has come;
* ``checkpoint_if_due`` — sign an audit checkpoint every GGZY_AUDIT_CHECKPOINT_EVERY events;
* ``visit_flush`` — write this process's buffered page-view counts (web processes flush their own);
* the django-tasks database queue, drained in batch mode (at most ``--max-tasks`` per tick);
* ``disclosure_sweep`` — statutory deadlines of disclosure applications;
* ``sections_close_due`` — close bidding on sections whose deadline passed (server clock);
* ``opening_sessions_start_due`` / ``opening_windows_end_due`` — open halls at the opening time,
  end decryption windows when their time is up;
* ``bid_uploads_expire`` — bid uploads still open at their section's deadline are abandoned;
* ``seats_sweep`` — drawn experts who did not answer in time: call up reserves (补抽);
* ``clarification_reminders_due`` — remind bidders by SMS / e-mail of an evaluation clarification
  still unanswered shortly before its deadline (``GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES``);
* ``patrol_rounds_create_due`` — the day's patrol rounds (default 3) of agency notices;
* ``violation_effects_apply_due`` — a published violation flags its agency in the compliance gate;
* ``backup_drill_if_due`` — the weekly backup + restore drill (``GGZY_BACKUP_DRILL_EVERY_DAYS``);
* ``link_check_if_due`` — the weekly broken-link crawl (bounded; off when
  ``GGZY_LINKCHECK_IN_WORKER`` is false, e.g. when a separate process runs ``ggzy links check``).

One log line per tick. SIGTERM/SIGINT end the loop after the current tick (exit 0); a second
signal during a tick exits at once. Any number of workers may run: every job is safe to run
concurrently (row locks / atomic upserts).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.tasks import task_backends
from django.utils import timezone
from django.utils.crypto import get_random_string

from ggzy.audit.services import checkpoint_if_due
from ggzy.disclosure.services import disclosure_sweep
from ggzy.evaluation.services import clarification_reminders_due
from ggzy.experts.services import seats_sweep
from ggzy.opening.services import opening_sessions_start_due, opening_windows_end_due
from ggzy.platform.backup import backup_drill_if_due
from ggzy.publishing.services import release_publish_due, visit_flush
from ggzy.supervision.services import (
    link_check_if_due,
    patrol_rounds_create_due,
    violation_effects_apply_due,
)
from ggzy.trading.services import bid_uploads_expire, sections_close_due

logger = logging.getLogger("ggzy.worker")


def run_task_queue(*, max_tasks: int) -> int | str:
    """Drain the database task queue (django-tasks-db) in batch mode; returns tasks run, or a
    string saying why the queue was not polled (another backend runs its own worker)."""
    backend = task_backends["default"]
    try:
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.management.commands.db_worker import Worker
    except ImportError:  # pragma: no cover - dependency missing
        return "django-tasks-db 未安装"
    if not isinstance(backend, DatabaseBackend):
        return f"跳过（任务后端为 {type(backend).__name__}）"
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=f"ggzy-{get_random_string(12)}",
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


def _job(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> None:
    try:
        results[name] = fn()
    except Exception as exc:
        logger.exception("worker job %s failed", name)
        results[name] = f"失败：{type(exc).__name__}: {exc}"


def run_tick(*, max_tasks: int = 100) -> dict[str, Any]:
    """One round of every periodic job. Never raises: a failing job is logged and reported."""
    results: dict[str, Any] = {}
    _job(results, "published", release_publish_due)

    def checkpoint() -> int | None:
        cp = checkpoint_if_due()
        return cp.seq if cp is not None else None

    _job(results, "checkpoint", checkpoint)
    _job(results, "visits_flushed", visit_flush)
    _job(results, "tasks", lambda: run_task_queue(max_tasks=max_tasks))
    _job(results, "disclosure", lambda: disclosure_sweep().as_dict())
    _job(results, "sections_closed", sections_close_due)
    _job(results, "bid_uploads_expired", bid_uploads_expire)
    _job(results, "openings_started", opening_sessions_start_due)
    _job(results, "opening_windows_ended", opening_windows_end_due)
    _job(results, "experts_timed_out", seats_sweep)
    _job(results, "clarification_reminders", clarification_reminders_due)
    _job(results, "patrol_rounds", lambda: len(patrol_rounds_create_due()))
    _job(results, "violation_effects", violation_effects_apply_due)

    def backup_drill() -> str | None:
        drill = backup_drill_if_due()
        return None if drill is None else f"#{drill.pk} {'通过' if drill.ok else '失败'}"

    _job(results, "backup_drill", backup_drill)
    if getattr(settings, "GGZY_LINKCHECK_IN_WORKER", True):

        def link_check() -> str | None:
            run = link_check_if_due()
            return None if run is None else f"#{run.pk}"

        _job(results, "link_check", link_check)
    return results


def describe(results: dict[str, Any]) -> str:
    cp = results.get("checkpoint")
    checkpoint = f"#{cp}" if isinstance(cp, int) else (cp or "无")
    return (
        f"定时发布 {results.get('published')} 条 · 审计检查点 {checkpoint}"
        f" · 访问计数写入 {results.get('visits_flushed')} 行 · 后台任务 {results.get('tasks')}"
        f" · 依申请公开 {results.get('disclosure')}"
        f" · 截止标段 {results.get('sections_closed')} · 新巡查轮次 {results.get('patrol_rounds')}"
        f" · 违规处理生效 {results.get('violation_effects')}"
        f" · 错链检查 {results.get('link_check') or '未到期'}"
        f" · 备份恢复演练 {results.get('backup_drill') or '未到期'}"
    )


class Command(BaseCommand):
    help = (
        "后台工作进程：定时发布、审计检查点、访问计数写入、后台任务队列 / "
        "background worker: scheduled publication, audit checkpoints, visit flush, task queue"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只执行一轮后退出（用于测试和 cron）")
        parser.add_argument("--interval", type=float, default=10.0, help="两轮之间的间隔秒数（默认 10）")
        parser.add_argument("--max-tasks", type=int, default=100, help="每轮最多执行的后台任务数（默认 100）")
        parser.add_argument("--json", action="store_true", help="每轮结果以一行 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if not 0 < interval <= 3600:
            raise CommandError(f"--interval 应在 0 到 3600 秒之间，收到 {interval}", returncode=2)
        if options["max_tasks"] < 1:
            raise CommandError("--max-tasks 必须是正整数", returncode=2)
        self.stop = threading.Event()
        self.in_tick = False
        if not options["once"]:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)
            self.stdout.write(
                f"ggzy worker 已启动：每 {interval:g} 秒一轮，"
                f"数据库 {settings.DATABASES['default']['ENGINE']}"
                "（SIGTERM/Ctrl+C 在本轮结束后退出）"
            )
        tick = 0
        while True:
            tick += 1
            started = time.monotonic()
            self.in_tick = True
            results = run_tick(max_tasks=options["max_tasks"])
            self.in_tick = False
            elapsed = time.monotonic() - started
            if options["json"]:
                record = {
                    "tick": tick,
                    "at": timezone.now().isoformat(),
                    "seconds": round(elapsed, 3),
                    **results,
                }
                self.stdout.write(json.dumps(record, ensure_ascii=False, default=str))
            else:
                stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
                self.stdout.write(f"[{stamp}] 第 {tick} 轮：{describe(results)}（{elapsed:.2f} 秒）")
            if options["once"] or self.stop.wait(interval):
                break
        if not options["once"]:
            self.stdout.write("ggzy worker 已停止")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set() and self.in_tick:
            raise SystemExit(1)  # second signal during a tick: stop now
        self.stop.set()
        self.stderr.write(f"收到 {signal.strsignal(signum)}，本轮结束后退出")
