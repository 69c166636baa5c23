"""``ggzy report annual --year YYYY``: create the year's annual-report draft from the records (or
regenerate the current unpublished version) and print its 勾稽关系 checks.

    ggzy report annual --year 2025 [--reset-texts] [--json] [--docx FILE] [--pdf FILE]
    ggzy report verify-counts --year 2025 [--repair]

``verify-counts`` compares the per-day publication counts the database keeps (ADR 0031) with the
year's article and notice rows grouped afresh (slow on a large year: it reads every row); exit 1
when they differ, and with ``--repair`` rebuilds the year's counts from the rows (audited).

Exit codes: 0 the draft is ready and every blocking check passes; 1 a check fails (the draft is
saved, sign-off is blocked until the records are fixed and it is regenerated); 2 bad input (a
year not yet ended, a published year — correct it on the staff page).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.annual_report import documents, selectors, services
from ggzy.core.errors import GgzyError
from ggzy.publishing import selectors as publishing_selectors
from ggzy.publishing import services as publishing_services

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


def parse_year(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度应为四位数字：{value!r}") from None


class Command(BaseCommand):
    help = "政府信息公开工作年度报告：生成草稿并校验 / annual disclosure report: draft and check"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="kind", required=True, metavar="{annual,verify-counts}")
        verify = sub.add_parser(
            "verify-counts", help="核对按日发布量与公告/信息记录是否一致 / check the publication counts"
        )
        verify.add_argument("--year", type=parse_year, required=True, help="年度，如 2021")
        verify.add_argument("--repair", action="store_true", help="不一致时按记录重建该年度的按日发布量")
        annual = sub.add_parser("annual", help="生成（或重新生成）年度报告草稿 / draft the annual report")
        annual.add_argument("--year", type=parse_year, required=True, help="报告年度，如 2025")
        annual.add_argument(
            "--reset-texts", action="store_true", help="按模板重新生成导语、总体情况和第六部分"
        )
        annual.add_argument("--json", action="store_true", help="以 JSON 输出")
        annual.add_argument("--docx", type=Path, help="同时把草稿写为 DOCX 文件")
        annual.add_argument("--pdf", type=Path, help="同时把草稿写为 PDF 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "verify-counts":
            self._verify_counts(options["year"], repair=options["repair"])
            return
        try:
            report = services.report_draft(actor=None, year=options["year"])
            if options["reset_texts"]:
                report = services.report_regenerate(actor=None, report=report, reset_texts=True)
        except GgzyError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
        result = selectors.report_checks(report)
        view = documents.report_view(report)
        if options["docx"]:
            options["docx"].write_bytes(documents.render_docx(view))
        if options["pdf"]:
            options["pdf"].write_bytes(documents.render_pdf(view))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "year": report.year,
                        "version": report.version,
                        "status": report.status,
                        "figures": report.data["figures"],
                        "general": view["general"],
                        "checks": [c.as_dict() for c in result.checks],
                        "passed": result.passed,
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            self.stdout.write(f"{report}：{report.get_status_display()}（报告编号 {report.pk}）")
            self.stdout.write("")
            self.stdout.write("一、总体情况")
            for p in view["general"]:
                self.stdout.write(f"  {p}")
            self.stdout.write("")
            self.stdout.write("勾稽关系校验")
            for c in result.checks:
                mark = "通过" if c.passed else ("不通过" if c.blocking else "提醒")
                self.stdout.write(f"[{mark}] {c.cell}：{c.rule}（{c.detail}）")
        if not result.passed:
            raise CommandError(
                f"{len(result.failures)}项勾稽关系校验未通过，不能签发", returncode=EXIT_CHECK_FAILED
            )

    def _verify_counts(self, year: int, *, repair: bool) -> None:
        kept = publishing_selectors.publication_counts_kept(year=year)
        live = publishing_selectors.publication_counts_live(year=year)
        differ = sorted(k for k in kept.keys() | live.keys() if kept.get(k, 0) != live.get(k, 0))
        for key in differ:
            self.stdout.write(
                f"不一致 {'/'.join(map(str, key))}：按日计数 {kept.get(key, 0)}，记录 {live.get(key, 0)}"
            )
        if not differ:
            self.stdout.write(f"{year}年按日发布量与记录一致（{sum(live.values())}条）")
            return
        if not repair:
            raise CommandError(f"{len(differ)}项不一致（可加 --repair 重建）", returncode=EXIT_CHECK_FAILED)
        written = publishing_services.publication_counts_rebuild(actor=None, year=year)
        self.stdout.write(f"已按记录重建{year}年按日发布量（{written}行）")
