"""``ggzy restore BACKUP_DIR [--yes] [--public-key PEM]``: restore a backup into an EMPTY instance.

Checks the manifest signature and every part's SHA-256 before touching anything; refuses an
instance that already holds data; then restores the database and the files and checks row counts,
file hashes and the audit chain (exit 0 only when everything matches).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.platform import backup as ops
from ggzy.platform import backupcrypt
from ggzy.platform.management.commands.backup import StageProgress

EXIT_FAILED = 1


class Command(BaseCommand):
    help = "把备份恢复到空实例，并校验行数、文件哈希和审计链 / restore a backup into an empty instance"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_dir", type=Path, help="ggzy backup 生成的备份目录")
        parser.add_argument("--yes", action="store_true", help="不再询问确认")
        parser.add_argument(
            "--public-key", type=Path, help="用于校验清单签名的平台公钥（PEM；默认本实例平台密钥）"
        )
        parser.add_argument("--progress", action="store_true", help="在标准错误输出显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["backup_dir"]
        progress = StageProgress(options["progress"] or sys.stderr.isatty())
        try:
            public_pem = options["public_key"].read_bytes() if options["public_key"] else None
            manifest = ops.backup_verify(path, public_pem=public_pem)
            self.stdout.write(
                f"备份校验通过：{manifest['created_at']}，{manifest['database']['vendor']}，"
                f"{manifest['database']['rows']} 行，{len(manifest['files'])} 个文件，"
                f"审计链头 #{manifest['audit_head']['seq']}"
            )
            ops.storage_preflight("恢复未开始（本实例没有改动）")
            problems = ops.instance_problems()
            if problems:
                raise ops.BackupFailed("只能恢复到空实例：" + "；".join(problems))
            if not options["yes"]:
                if not sys.stdin.isatty():
                    raise CommandError("非交互运行时请加 --yes 确认恢复", returncode=2)
                if input("确认把这份备份恢复到本实例？输入 yes 继续：").strip() != "yes":
                    raise CommandError("已取消", returncode=2)
            report = ops.restore(path, public_pem=public_pem, progress=progress)
            progress.end()
        except (ops.BackupFailed, backupcrypt.BackupCryptoError) as exc:
            progress.end()
            raise CommandError(str(exc), returncode=EXIT_FAILED) from exc
        except OSError as exc:
            progress.end()
            raise CommandError(f"读取备份失败：{exc}", returncode=EXIT_FAILED) from exc
        except ops.STORAGE_FAILURES as exc:  # the file store failing outside a named step: one line
            progress.end()
            raise CommandError(f"恢复失败：{ops.failure_reason(exc)}", returncode=EXIT_FAILED) from exc
        if not report.ok:
            for problem in report.problems:
                self.stdout.write(f"  不一致：{problem}")
            raise CommandError("恢复后的校验未通过", returncode=EXIT_FAILED)
        self.stdout.write(
            f"恢复完成并校验通过：{report.tables} 张表 {report.rows} 行、{report.files} 个文件、"
            f"审计链头 #{report.audit_head_seq}，审计链完整"
        )
