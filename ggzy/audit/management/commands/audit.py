"""``ggzy audit verify`` and ``ggzy audit checkpoint``.

``verify`` re-hashes the whole chain and checks every signed checkpoint. Exit 0 and
"审计链完整：N 条事件" when intact; exit 1 naming the first bad event otherwise.
``checkpoint`` signs the current chain head with the platform key.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.audit.selectors import audit_verify
from ggzy.audit.services import checkpoint_create

EXIT_BROKEN = 1


class _Progress:
    """``[#####.....] 45% 1234/2700`` on stderr. (The platform app has the shared bar; the audit app
    sits below it in the layers, so it keeps this tiny copy.)"""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label, self._last = stream, label, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        fraction = 1.0 if total <= 0 else min(done / total, 1.0)
        filled = int(fraction * 30)
        bar = "#" * filled + "." * (30 - filled)
        self.stream.write(f"\r{self.label} [{bar}] {int(fraction * 100):3d}% {done}/{total}")
        self.stream.flush()

    def end(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "审计日志：校验哈希链、签署检查点 / Audit log: verify the hash chain, sign a checkpoint"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,checkpoint}")
        verify = sub.add_parser(
            "verify",
            help="逐条重算哈希并校验检查点签名 / re-hash every event and check checkpoint signatures",
            description=(
                "完整时以0退出并输出“审计链完整：N 条事件”；"
                "发现被改动、删除或截断的事件时以1退出并指出第一条问题事件。"
            ),
        )
        verify.add_argument(
            "--progress", action="store_true", help="在标准错误输出显示进度条（终端下默认显示）"
        )
        verify.add_argument("--batch", type=int, default=5000, help="每次读取的事件数（默认 5000）")
        sub.add_parser(
            "checkpoint",
            help="用平台密钥签署当前链头 / sign the current chain head",
            description="对当前链头生成签名检查点；链为空或链头已有检查点时不重复生成。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(progress=options["progress"], batch=options["batch"])
        else:
            self._checkpoint()

    def _verify(self, *, progress: bool, batch: int) -> None:
        if batch < 1:
            raise CommandError("--batch 必须是正整数", returncode=2)
        stream: TextIO = sys.stderr
        bar = _Progress(stream, "校验审计链") if progress or stream.isatty() else None
        started = time.monotonic()
        result = audit_verify(progress=bar, batch=batch)
        if bar:
            bar.end()
        elapsed = time.monotonic() - started
        if result.ok:
            self.stdout.write(
                f"审计链完整：{result.checked} 条事件（链头 #{result.head_seq}，耗时 {elapsed:.2f} 秒）"
            )
            return
        self.stdout.write(
            f"审计链已损坏：第一条问题事件 #{result.first_bad_seq} — {result.reason}"
            f"（此前 {result.checked} 条事件校验通过）"
        )
        raise CommandError(
            f"审计链校验失败：事件 #{result.first_bad_seq}：{result.reason}", returncode=EXIT_BROKEN
        )

    def _checkpoint(self) -> None:
        checkpoint = checkpoint_create()
        if checkpoint is None:
            self.stdout.write("无需生成检查点：审计链为空，或当前链头已有检查点")
            return
        self.stdout.write(
            f"已生成检查点 #{checkpoint.seq}：链头哈希 {checkpoint.head_hash}，密钥 {checkpoint.key_id}，"
            f"时间 {checkpoint.at.isoformat()}"
        )
