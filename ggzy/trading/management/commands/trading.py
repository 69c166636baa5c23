"""``manage.py trading …``: the scheduled close of bidding and the benchmark.

    trading close-due [--json]                 close every published section whose deadline passed
    trading bench [--n N] [--pages N] [--json]  download-record writes and section page renders

``close-due`` is idempotent (a closed section is not closed again) and runs on the server clock;
run it every minute from the worker (a section's downloads become visible to the tenderer at the
deadline by the clock anyway — closing only moves the status).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ggzy.trading import services
from ggzy.trading.bench import bench_trading


class Command(BaseCommand):
    help = "电子交易：到期截止投标（close-due）、基准测试（bench）"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{close-due,bench}")
        close = sub.add_parser("close-due", help="截止所有已到投标截止时间的标段")
        close.add_argument("--json", action="store_true")
        bench = sub.add_parser("bench", help="下载记录写入与标段页面渲染")
        bench.add_argument("--n", type=int, default=2000)
        bench.add_argument("--pages", type=int, default=50)
        bench.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "close-due":
            closed = services.sections_close_due()
            if options["json"]:
                self.stdout.write(json.dumps({"closed": closed}))
            else:
                self.stdout.write(f"已截止投标的标段：{closed} 个")
            return
        result = bench_trading(n=options["n"], pages=options["pages"])
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=None if options["json"] else 2))
