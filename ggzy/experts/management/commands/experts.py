"""``ggzy experts …``: the expert pool and draws from the command line.

    ggzy experts import FILE.xlsx --user USERNAME     import experts (all or nothing; errors per row)
    ggzy experts verify-draw DRAW_ID [--json]         recompute a revealed draw from its published data
    ggzy experts sweep                                time out unanswered notices, call up reserves
    ggzy experts bench [--pool N] [--avoid N] [--json]

Exit codes: 0 success; 1 the verification does not match or the import was rejected; 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.accounts.models import User
from ggzy.core.errors import GgzyError


class Command(BaseCommand):
    help = "评标专家库与专家抽取：导入专家、验证抽取、超时处理、压测"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,verify-draw,sweep,bench}")
        p = sub.add_parser("import", help="从 .xlsx 导入专家（任一行有错则全部不导入）")
        p.add_argument("file")
        p.add_argument("--user", required=True, help="执行导入的专家库管理员用户名")
        v = sub.add_parser("verify-draw", help="用公开数据重算一次抽取并比对")
        v.add_argument("draw_id", type=int)
        v.add_argument("--json", action="store_true")
        sub.add_parser("sweep", help="处理超时未确认的通知并启用备选专家")
        b = sub.add_parser("bench", help="抽取压测")
        b.add_argument("--pool", type=int, default=100_000)
        b.add_argument("--avoid", type=int, default=5_000)
        b.add_argument("--repeat", type=int, default=20)
        b.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import":
                self._import(options)
            elif action == "verify-draw":
                self._verify(options)
            elif action == "sweep":
                from ggzy.experts.services import seats_sweep

                self.stdout.write(f"超时处理 {seats_sweep()} 条")
            elif action == "bench":
                from ggzy.experts.bench import bench_draw

                result = bench_draw(pool=options["pool"], avoid=options["avoid"], repeat=options["repeat"])
                if options["json"]:
                    self.stdout.write(json.dumps(result, ensure_ascii=False))
                else:
                    for k, val in result.items():
                        self.stdout.write(f"{k}: {val}")
        except GgzyError as exc:
            raise CommandError(exc.message, returncode=2) from None

    def _import(self, options: dict[str, Any]) -> None:
        from ggzy.experts import services, spreadsheet

        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户不存在：{options['user']}", returncode=2)
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        rows = spreadsheet.read_rows(path.read_bytes())
        try:
            created = services.experts_import(actor=user, rows=rows)
        except services.ImportRejected as exc:
            self.stderr.write(exc.message)
            for row in exc.rows:
                self.stderr.write(f"  第 {row.row} 行：{'；'.join(row.problems)}")
            raise CommandError("未导入任何专家", returncode=1) from None
        self.stdout.write(f"已导入 {len(created)} 名专家：{', '.join(e.code for e in created)}")

    def _verify(self, options: dict[str, Any]) -> None:
        from ggzy.experts import selectors

        draw = selectors.draw_get(pk=options["draw_id"])
        result = selectors.verify_draw(draw)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "draw": draw.pk,
                        "ok": result.ok,
                        "checks": [
                            {"name": c.name, "ok": c.ok, "expected": c.expected, "actual": c.actual}
                            for c in result.checks
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            for c in result.checks:
                self.stdout.write(f"{'✓' if c.ok else '✗'} {c.name}: {c.actual[:80]}")
            self.stdout.write(
                "验证通过：抽取结果与公开数据重算一致" if result.ok else "验证失败：结果与重算不一致"
            )
        if not result.ok:
            raise CommandError("验证失败", returncode=1)
