"""``ggzy export ocds [--year 2021 | --since D --until D] [--domain X] [--out FILE] [--progress]``.

Writes one OCDS 1.1.5 release package (docs/adr/0013-open-data.md). The package is streamed: notices
are read 500 at a time and each release is written as soon as it is mapped, so memory stays flat
however large the export.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.api import ocds_data
from ggzy.api.ocds import package_chunks
from ggzy.core.clock import system_clock
from ggzy.core.progress import ProgressBar
from ggzy.publishing.choices import TradeDomain


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD，收到 {text!r}", returncode=2) from None


class Command(BaseCommand):
    help = "导出开放数据 / export open data. ocds：按 OCDS 1.1.5 发布包格式导出交易公告。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["ocds"], help="导出格式（目前只有 ocds）")
        parser.add_argument("--year", type=int, help="只导出该年度（北京时间）发布的公告，如 2021")
        parser.add_argument("--since", help="发布日期起（含），YYYY-MM-DD")
        parser.add_argument("--until", help="发布日期止（含），YYYY-MM-DD")
        parser.add_argument("--domain", choices=[d.value for d in TradeDomain], help="交易类别")
        parser.add_argument("--out", help="输出文件（默认标准输出）")
        parser.add_argument("--base-url", default="", help="公告链接的站点地址（默认 https://<站点域名>）")
        parser.add_argument(
            "--progress", action="store_true", help="在标准错误输出显示进度条（终端下默认显示）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        if options["year"] is not None:
            if not 2000 <= options["year"] <= 2100:
                raise CommandError("--year 应在 2000 到 2100 之间", returncode=2)
            if since or until:
                raise CommandError("--year 不能与 --since/--until 同时使用", returncode=2)
            since, until = dt.date(options["year"], 1, 1), dt.date(options["year"], 12, 31)
        if since and until and until < since:
            raise CommandError("--until 不能早于 --since", returncode=2)
        f = ocds_data.ExportFilter(since=since, until=until, domain=options["domain"])
        base_url = (options["base_url"] or ocds_data.site_base_url()).rstrip("/")
        total = ocds_data.export_notices(f).count()
        if total == 0:
            # OCDS requires at least one release in a package: say so rather than write an invalid file.
            raise CommandError("所选范围内没有可导出的公告", returncode=1)
        bar = ProgressBar(total, label="导出 OCDS", enabled=True if options["progress"] else None)
        uri = f"{base_url}/api/v1/ocds/releases" + (
            f"?since={since}&until={until}" if since and until else ""
        )
        header = ocds_data.package_header(uri=uri, now=system_clock.now())
        releases = ocds_data.iter_releases(f, base_url=base_url, progress=bar.update)
        out_path = options["out"]
        if out_path:
            tmp = Path(out_path + ".part")
            with tmp.open("w", encoding="utf-8") as fh:
                for chunk in package_chunks(header, releases):
                    fh.write(chunk)
            tmp.replace(out_path)  # a reader never sees half a file
        else:
            try:
                for chunk in package_chunks(header, releases):
                    self.stdout.write(chunk, ending="")
            except BrokenPipeError:  # `ggzy export ocds | head`: the reader has had enough
                sys.stderr.close()
                return
        bar.finish()
