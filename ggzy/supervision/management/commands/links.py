"""``ggzy links check``: crawl every published page and report broken links (错链).

    ggzy links check [--base-url URL] [--max-pages N] [--max-seconds S] [--external]
                     [--max-external N] [--timeout S] [--progress] [--json]

Without ``--base-url`` the weekly job's configured address is used (``settings.GGZY_LINKCHECK``).
Exit codes: 0 no broken links; 1 broken links found; 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.errors import GgzyError
from ggzy.core.progress import ProgressBar
from ggzy.supervision import selectors, services
from ggzy.supervision.services.links import link_check_settings

EXIT_BROKEN = 1
EXIT_BAD_INPUT = 2


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"应为正整数：{number}")
    return number


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正数：{value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"应为正数：{value}")
    return number


class Command(BaseCommand):
    help = "错链检查：抓取网站全部已发布页面，检查其中的链接和附件"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="运行一次错链检查")
        check.add_argument("--base-url", help="站点地址，如 http://127.0.0.1:8000")
        check.add_argument("--max-pages", type=positive_int, help="最多抓取的页面数")
        check.add_argument("--max-seconds", type=positive_float, help="最长运行秒数")
        check.add_argument("--external", action="store_true", help="同时检查外部链接（有数量上限、逐站限速）")
        check.add_argument("--max-external", type=positive_int, help="最多检查的外部链接数")
        check.add_argument("--timeout", type=positive_float, help="单个请求的超时秒数")
        check.add_argument("--progress", action="store_true", help="显示进度条")
        check.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **options: Any) -> None:
        conf = link_check_settings()
        bar = ProgressBar(0, label="错链检查", enabled=True if options["progress"] else None)
        try:
            run = services.link_check_run(
                actor=None,
                base_url=options["base_url"] or conf.base_url,
                max_pages=options["max_pages"] or conf.max_pages,
                max_seconds=options["max_seconds"] or conf.max_seconds,
                external=bool(options["external"] or conf.external),
                max_external=options["max_external"] or conf.max_external,
                timeout=options["timeout"] or conf.timeout,
                per_host_delay=conf.per_host_delay,
                progress=lambda done, total: bar.update(done, total),
            )
        except GgzyError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
        finally:
            bar.finish()
        broken = [link for link in selectors.broken_links() if link.last_run_id == run.pk]
        if options["json"]:
            payload = {
                "run": run.pk,
                "pages": run.pages,
                "links": run.links,
                "broken": run.broken,
                "bounded_by": run.bounded_by,
                "broken_links": [
                    {"url": b.url, "found_on": b.found_on, "status": b.status_code, "error": b.error}
                    for b in broken
                ],
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"抓取页面 {run.pages} 个，检查链接 {run.links} 个，错链 {run.broken} 个")
            if run.bounded_by:
                self.stdout.write(f"注意：{run.bounded_by}")
            for b in broken:
                self.stdout.write(f"  {b.problem}  {b.url}  （所在页面 {b.found_on}）")
        if run.broken:
            raise CommandError(f"发现 {run.broken} 个错链", returncode=EXIT_BROKEN)
