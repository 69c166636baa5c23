"""``ggzy backup [--out DIR] [--progress]`` and ``ggzy backup drill [--scratch DIR]``.

``backup`` writes an encrypted, signed backup folder (database + file store; see
ggzy.platform.backup) and prints its path. ``backup drill`` backs up, restores into a scratch
database and folder, compares row counts, file hashes and the audit chain head, and records the
drill (exit 0 when it passed, 1 when it failed — the failure is recorded too).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.progress import ProgressBar
from ggzy.platform import backup as ops

EXIT_FAILED = 1


class StageProgress:
    """One bar per stage (数据库, 文件) on stderr."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: ProgressBar | None = None
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.end()
            self.stage = stage
            self.bar = ProgressBar(total, label=f"备份/恢复 {stage}", enabled=self.enabled)
        assert self.bar is not None
        self.bar.update(done, total if total > 0 else max(done, 1))

    def end(self) -> None:
        if self.bar is not None:
            self.bar.finish()
            self.bar = None


def key_notice(stderr: Any) -> None:
    key = ops.backup_key()
    if key.source != "env":
        verb = "已生成" if key.created else "正在使用"
        stderr.write(
            "!" * 72 + f"\n警告：未设置 GGZY_BACKUP_KEY，{verb}开发用备份密钥 {key.source}\n"
            "没有这把密钥就无法恢复备份。生产环境必须通过 GGZY_BACKUP_KEY 提供密钥并离线保存。\n" + "!" * 72
        )


class Command(BaseCommand):
    help = "备份数据库和文件存储（加密、签名、可校验）；drill：恢复演练 / encrypted backup; restore drill"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["drill"], help="drill：备份并恢复到临时位置做比对")
        parser.add_argument("--out", type=Path, help="备份目录的上级目录（默认 GGZY_BACKUP_DIR）")
        parser.add_argument("--scratch", type=Path, help="演练用的临时目录（默认系统临时目录）")
        parser.add_argument("--progress", action="store_true", help="在标准错误输出显示进度条")
        parser.add_argument("--actor", help="演练记录的执行人用户名（默认 system）")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = StageProgress(options["progress"] or sys.stderr.isatty())
        try:
            if options["action"] == "drill":
                # A key problem fails the drill, and a failed drill is recorded like a passed one.
                with contextlib.suppress(ops.BackupFailed):
                    key_notice(self.stderr)
                self._drill(options, progress)
            else:
                key_notice(self.stderr)
                result = ops.backup_create(out_dir=options["out"], progress=progress)
                progress.end()
                m = result.manifest
                self.stdout.write(
                    f"备份完成：{result.path}\n"
                    f"  数据库 {m['database']['vendor']}：{m['database']['table_count']} 张表 "
                    f"{m['database']['rows']} 行；文件 {len(m['files'])} 个；"
                    f"审计链头 #{m['audit_head']['seq']}\n"
                    f"  大小 {result.bytes / 1048576:.1f} MB，耗时 {result.seconds:.2f} 秒"
                )
        except ops.STORAGE_FAILURES as exc:  # BackupFailed, and a store or disk failing: one line
            progress.end()
            raise CommandError(ops.failure_reason(exc), returncode=EXIT_FAILED) from exc

    def _drill(self, options: dict[str, Any], progress: StageProgress) -> None:
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"没有用户 {options['actor']}", returncode=2)
        drill = ops.backup_drill(actor=actor, scratch_dir=options["scratch"], progress=progress)
        progress.end()
        self.stdout.write(f"恢复演练 #{drill.pk}（{drill.duration_seconds:.2f} 秒）：{drill.result}")
        if not drill.ok:
            raise CommandError("恢复演练失败，已记录", returncode=EXIT_FAILED)
