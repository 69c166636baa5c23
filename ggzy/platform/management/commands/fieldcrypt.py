"""``ggzy fieldcrypt …``: encrypted personal data by suite and key, and re-encryption (ADR 0029).

    ggzy fieldcrypt status [--json]
    ggzy fieldcrypt reencrypt [--dry-run] [--batch N] [--progress] [--json]

``status`` counts the stored tokens of every encrypted column by ``<prefix>.<key id>`` (``gf1`` =
AES-256-GCM, ``gs1`` = SM4-GCM), names keys still in use but not configured and configured keys
no longer used (safe to remove). ``reencrypt`` moves every token to the current suite and key
(GGZY_FIELD_SUITE, first key of GGZY_FIELD_KEYS / GGZY_FIELD_SM4_KEYS) and the identity digests
to the current suite's MAC, in batches of one transaction each; run it again after an
interruption. ``--dry-run`` only counts what it would do.

Exit codes: 0 success; 1 ``status`` found tokens whose key is not configured; 2 bad arguments, a
bad key configuration, or a token that cannot be read with the configured keys.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.errors import GgzyError
from ggzy.core.fieldcrypt import ALGORITHMS, INDEX_ALGORITHMS
from ggzy.core.progress import ProgressBar
from ggzy.platform import fieldkeys

EXIT_MISSING_KEY = 1
EXIT_BAD_INPUT = 2


def _positive(value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{number}")
    return number


class Command(BaseCommand):
    help = (
        "个人信息字段加密：按算法和密钥统计密文，重新加密到当前算法和密钥 / "
        "field encryption status and re-encryption"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,reencrypt}")
        status = sub.add_parser(
            "status",
            help="各加密字段的密文按算法/密钥统计 / tokens by suite and key",
            description="有密文所用的密钥未配置时以1退出。",
        )
        status.add_argument("--json", action="store_true", help="以 JSON 输出")
        run = sub.add_parser(
            "reencrypt",
            help="把全部密文重新加密到当前算法和密钥 / move every token to the current suite and key",
            description=(
                "切换算法（GGZY_FIELD_SUITE=sm 或 intl）或轮换密钥（新密钥放在首位）并重启后执行；"
                "可重复执行，中断后再次执行即可继续。完成后可删除不再使用的旧密钥。"
            ),
        )
        run.add_argument("--dry-run", action="store_true", help="只统计需要重新加密的行数和密文数，不写入")
        run.add_argument("--batch", type=_positive, default=500, help="每批（一个事务）处理的行数，默认 500")
        run.add_argument("--progress", action="store_true", help="在标准错误输出显示进度条（终端下默认显示）")
        run.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "status":
                self._status(options)
            elif options["dry_run"]:
                self._dry_run(options)
            else:
                self._reencrypt(options)
        except GgzyError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None

    def _status(self, options: dict[str, Any]) -> None:
        status = fieldkeys.field_status()
        if options["json"]:
            self.stdout.write(json.dumps(status.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._describe(status)
        if status.missing_keys():
            raise CommandError(
                "以下密钥仍有密文在用但未配置，这些密文无法解密：" + "、".join(status.missing_keys()),
                returncode=EXIT_MISSING_KEY,
            )

    def _describe(self, status: fieldkeys.FieldStatus) -> None:
        w = self.stdout.write
        w(
            f"当前算法：{status.suite}（{ALGORITHMS[status.suite]}，索引 {INDEX_ALGORITHMS[status.suite]}），"
            f"当前密钥：{status.key_id}"
        )
        for table in status.tables:
            w(f"{table.label}：{table.rows} 行，待重新加密 {table.stale_rows} 行")
            for column, by_label in table.tokens.items():
                counts = "，".join(f"{label} {n}" for label, n in by_label.items()) or "无密文"
                w(f"  {column}：{counts}")
        if status.unused_keys():
            w("已无密文使用、可以删除的旧密钥：" + "、".join(status.unused_keys()))
        if status.missing_keys():
            w("仍有密文在用但未配置的密钥：" + "、".join(status.missing_keys()))

    def _dry_run(self, options: dict[str, Any]) -> None:
        status = fieldkeys.field_status()
        plan = {
            "dry_run": True,
            "suite": status.suite,
            "key_id": status.key_id,
            "rows": status.stale_rows,
            "tokens": status.stale_tokens,
            "digests": status.digests,
            "by_table": {t.label: t.stale_rows for t in status.tables},
            "missing_keys": status.missing_keys(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(plan, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"将重新加密到 {status.suite}（{ALGORITHMS[status.suite]}，密钥 {status.key_id}）："
            f"{status.stale_rows} 行，"
            f"{status.stale_tokens} 项密文，{status.digests} 个索引摘要（未写入任何数据）"
        )
        for table in status.tables:
            if table.stale_rows:
                self.stdout.write(f"  {table.label}：{table.stale_rows} 行")
        if status.missing_keys():
            self.stdout.write(
                "注意：以下密钥未配置，对应密文无法重新加密：" + "、".join(status.missing_keys())
            )

    def _reencrypt(self, options: dict[str, Any]) -> None:
        bar = ProgressBar(0, label="重新加密", enabled=True if options["progress"] else None)
        result = fieldkeys.field_reencrypt(batch=options["batch"], progress=bar.update)
        bar.finish()
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"已重新加密到 {result.suite}（{ALGORITHMS[result.suite]}，密钥 {result.key_id}）："
            f"{result.rows} 行，"
            f"{result.total_tokens} 项密文，{result.digests} 个索引摘要，{result.batches} 批"
        )
        if result.remaining == 0:
            unused = fieldkeys.field_status().unused_keys()
            self.stdout.write(
                "全部密文已在当前算法和密钥下。"
                + ("可以从配置中删除的旧密钥：" + "、".join(unused) if unused else "没有可删除的旧密钥。")
            )
        else:
            self.stdout.write(
                f"仍有 {result.remaining} 行含其他密钥的密文（运行期间有旧密文被写回），请再次执行"
            )
