"""``ggzy calendar …``: working-day arithmetic with the official calendar, and entering a new year.

    ggzy calendar add-working-days 2026-09-28 20     → 2026-10-30
    ggzy calendar between 2026-09-30 2026-10-12      → 4
    ggzy calendar is-working-day 2026-10-10          → 是（工作日）
    ggzy calendar enter-year 2027 --source "国办发明电〔2026〕X号" --holidays 2027-01-01,… --makeup 2027-…

Exit codes: 0 success; 2 bad arguments or a date in a year without calendar data (never guessed).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.errors import CalendarDataMissing, ValidationFailed
from ggzy.workcalendar.selectors import work_calendar
from ggzy.workcalendar.services import calendar_year_enter

EXIT_BAD_INPUT = 2


def parse_date(value: str) -> dt.date:
    """argparse type: an ISO date, with a Chinese message when it is not one."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式不正确：{value!r}，应为 YYYY-MM-DD，如 2026-09-28"
        ) from None


def parse_date_list(value: str) -> list[dt.date]:
    """argparse type: comma-separated ISO dates (empty string → no dates)."""
    return [parse_date(part) for part in value.split(",") if part.strip()]


def parse_non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"工作日数应为整数：{value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"工作日数不能为负数：{number}")
    return number


class Command(BaseCommand):
    help = "工作日历：按国务院节假日安排（含调休）计算工作日 / Working-day calendar with official holidays"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{add-working-days,between,is-working-day,enter-year}"
        )
        add = sub.add_parser(
            "add-working-days",
            help="起算日之后第 N 个工作日的日期 / the date N working days after START",
            description="打印起算日（第0日）之后第 N 个工作日的日期（ISO 格式）。",
        )
        add.add_argument("start", type=parse_date, help="起算日 YYYY-MM-DD（第0日）")
        add.add_argument("days", type=parse_non_negative, help="工作日数 N（≥0）")

        between = sub.add_parser(
            "between",
            help="两个日期之间的工作日数 (A, B] / working days in (A, B]",
            description="打印 (A, B] 区间内的工作日数；B 早于 A 时为负数。",
        )
        between.add_argument("start", type=parse_date, help="日期 A（YYYY-MM-DD）")
        between.add_argument("end", type=parse_date, help="日期 B（YYYY-MM-DD）")

        is_wd = sub.add_parser(
            "is-working-day",
            help="某日是否为工作日 / is DATE a working day",
            description="工作日输出“是”并以0退出；休息日输出“否”并以1退出（便于脚本判断）。",
        )
        is_wd.add_argument("date", type=parse_date, help="日期 YYYY-MM-DD")

        enter = sub.add_parser(
            "enter-year",
            help="录入一个年度的放假安排 / enter a year's official holiday arrangement",
            description="按国务院办公厅关于节假日安排的通知，录入某年的法定节假日和调休上班日（写入审计日志）。",
        )
        enter.add_argument("year", type=int, help="年份，如 2027")
        enter.add_argument("--source", required=True, help="依据文件文号，如 国办发明电〔2026〕X号")
        enter.add_argument(
            "--holidays", type=parse_date_list, default=[], help="放假日期，逗号分隔：2027-01-01,2027-02-10,…"
        )
        enter.add_argument(
            "--makeup", type=parse_date_list, default=[], help="调休上班日期（周末上班），逗号分隔"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add-working-days":
                result = work_calendar().add_working_days(options["start"], options["days"])
                self.stdout.write(result.isoformat())
            elif action == "between":
                self.stdout.write(str(work_calendar().working_days_between(options["start"], options["end"])))
            elif action == "is-working-day":
                day: dt.date = options["date"]
                if work_calendar().is_working_day(day):
                    self.stdout.write(f"是：{day.isoformat()} 是工作日")
                else:
                    self.stdout.write(f"否：{day.isoformat()} 是休息日")
                    raise CommandError(f"{day.isoformat()} 不是工作日", returncode=1)
            elif action == "enter-year":
                entry = calendar_year_enter(
                    actor=None,
                    year=options["year"],
                    source=options["source"],
                    holidays=options["holidays"],
                    makeup_days=options["makeup"],
                )
                holidays, makeup = len(options["holidays"]), len(options["makeup"])
                self.stdout.write(
                    f"已录入 {entry.year} 年：放假 {holidays} 天，调休上班 {makeup} 天"
                    f"（依据：{entry.source}）"
                )
        except CalendarDataMissing as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
        except ValidationFailed as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None
