"""``ggzy disclosure …``: the periodic sweep, the annual report's tables 三/四 and key rotation.

    ggzy disclosure sweep [--json] [--date 2026-11-20]   reminders + automatic closures (idempotent)
    ggzy disclosure stats --year 2026 [--json]           table 三, table 四 and the 勾稽关系 checks
    ggzy disclosure rekey [--batch N] [--json]           re-encrypt applicants' data under the first key
    ggzy disclosure bench [--due-dates N] [--stats-n N] [--year Y] [--database-url URL] [--json]

Exit codes: 0 success; 1 a cross-check of ``stats`` fails; 2 bad arguments, a date in a year the
working-day calendar does not cover, or a step the installed domain core does not provide.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ggzy.core.clock import SHANGHAI, Clock, FixedClock, local_date, system_clock
from ggzy.core.errors import GgzyError
from ggzy.disclosure import selectors, services
from ggzy.disclosure.selectors import DisclosureStats

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
MIN_YEAR, MAX_YEAR = 2000, 2100
PII_FIELD_LABELS = {
    "id_number": "身份证明号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "address": "通信地址",
}
TABLE4_TITLES = {
    "review": "行政复议",
    "lawsuit_direct": "行政诉讼（未经复议直接起诉）",
    "lawsuit_after_review": "行政诉讼（复议后起诉）",
}
TABLE4_CELLS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"日期格式不正确：{value!r}，应为 YYYY-MM-DD，如 2026-11-20"
        ) from None


def parse_year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年度应为四位数字：{value!r}") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise argparse.ArgumentTypeError(f"年度应在 {MIN_YEAR} 到 {MAX_YEAR} 之间：{year}")
    return year


def parse_positive(value: str) -> int:
    number = parse_non_negative(value)
    if number == 0:
        raise argparse.ArgumentTypeError("应为正整数：0")
    return number


def parse_non_negative(value: str) -> int:
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数：{value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"不能为负数：{number}")
    return number


def clock_for(day: dt.date | None) -> Clock:
    """The real clock, or 09:00 Shanghai time on ``day`` (to replay a sweep on a fixed date)."""
    if day is None:
        return system_clock
    return FixedClock(dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI).astimezone(dt.UTC))


def stats_text(stats: DisclosureStats) -> list[str]:
    columns = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    lines = [f"{stats.year}年 表三 收到和处理政府信息公开申请情况", "\t".join(["项目", *columns])]
    lines += ["\t".join([row.full_label, *(str(c) for c in row.cells)]) for row in stats.table3]
    lines += ["", f"{stats.year}年 表四 政府信息公开行政复议、行政诉讼情况"]
    for group, title in TABLE4_TITLES.items():
        values = stats.table4[group]
        lines.append(
            f"{title}：" + "，".join(f"{label} {values[key]}" for key, label in TABLE4_CELLS.items())
        )
    lines += ["", "勾稽关系校验"]
    lines += [f"[{'通过' if c.passed else '不通过'}] {c.rule}（{c.detail}）" for c in stats.checks]
    return lines


class Command(BaseCommand):
    help = (
        "依申请公开：期限提醒与自动办结、年度报告表三/表四统计、个人信息密钥轮换 / "
        "disclosure on application: sweep, annual report statistics, key rotation"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{sweep,stats,rekey,bench}")
        sweep = sub.add_parser(
            "sweep",
            help="发送答复期限提醒，办结逾期未补正、逾期未缴费的申请 / reminders and automatic closures",
            description="可重复执行：同一天再次执行不会重复提醒或重复办结。ggzy worker 也定时执行本步骤。",
        )
        sweep.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        sweep.add_argument(
            "--date", type=parse_date, default=None, help="按指定日期执行（YYYY-MM-DD，用于测试或补跑）"
        )
        stats = sub.add_parser(
            "stats",
            help="年度报告表三、表四及勾稽关系 / tables 三 and 四 with the cross-checks",
            description="勾稽关系全部通过时以0退出；任一项不通过时以1退出。",
        )
        stats.add_argument("--year", type=parse_year, required=True, help="统计年度，如 2026")
        stats.add_argument(
            "--json", action="store_true", help="以 JSON 输出（与 /api/v1/disclosure/stats 相同）"
        )
        rekey = sub.add_parser(
            "rekey",
            help="用 GGZY_FIELD_KEYS 的第一个密钥重新加密申请人个人信息 / re-encrypt PII under the first key",
            description="轮换密钥：把新密钥放在 GGZY_FIELD_KEYS 首位，执行本命令，确认后再删除旧密钥。",
        )
        rekey.add_argument("--json", action="store_true", help="以 JSON 输出结果")
        rekey.add_argument(
            "--batch", type=parse_positive, default=500, help="每批（一个事务）处理的申请数，默认 500"
        )
        bench = sub.add_parser(
            "bench",
            help="性能基准：答复期限计算、年度统计查询 / benchmarks: due dates, table 三/四 stats",
            description="压测数据以 BENCH- 开头，运行前后自动删除。",
        )
        bench.add_argument("--due-dates", type=parse_positive, default=10_000, help="答复期限计算的申请数")
        bench.add_argument(
            "--stats-n", type=parse_non_negative, default=100_000, help="统计年度的申请数（0 跳过）"
        )
        bench.add_argument("--year", type=parse_year, default=2025, help="统计年度（默认 2025）")
        bench.add_argument("--repeat", type=parse_positive, default=5, help="统计查询重复次数")
        bench.add_argument("--database-url", default=None, help="在该数据库中测统计查询（默认当前数据库）")
        bench.add_argument("--json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "sweep":
                self.sweep(day=options["date"], as_json=options["json"])
            elif action == "stats":
                self.stats(year=options["year"], as_json=options["json"])
            elif action == "rekey":
                self.rekey(as_json=options["json"], batch=options["batch"])
            elif action == "bench":
                self.bench(options)
        except GgzyError as exc:
            raise CommandError(exc.message, returncode=EXIT_BAD_INPUT) from None

    def sweep(self, *, day: dt.date | None, as_json: bool) -> None:
        clock = clock_for(day)
        # A day the calendar does not cover fails in the service, before any closure is made.
        result = services.disclosure_sweep(clock=clock)
        data = result.as_dict()
        on = local_date(clock.now()).isoformat()
        if as_json:
            self.stdout.write(json.dumps({"date": on, **data}, ensure_ascii=False))
            return

        def codes(items: list[str]) -> str:
            return f"（{'、'.join(items)}）" if items else ""

        self.stdout.write(
            f"依申请公开清扫（{on}）：逾期未补正办结 {len(data['closed_amendment'])} 件"
            f"{codes(data['closed_amendment'])}，逾期未缴费办结 {len(data['closed_fee'])} 件"
            f"{codes(data['closed_fee'])}，发送期限提醒 {len(data['reminders'])} 条{codes(data['reminders'])}"
        )

    def stats(self, *, year: int, as_json: bool) -> None:
        stats = selectors.disclosure_stats(year=year)
        if as_json:
            self.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write("\n".join(stats_text(stats)))
        failed = [c for c in stats.checks if not c.passed]
        if failed:
            raise CommandError(
                f"{year}年统计有 {len(failed)} 项勾稽关系不通过：" + "；".join(c.rule for c in failed),
                returncode=EXIT_CHECK_FAILED,
            )

    def rekey(self, *, as_json: bool, batch: int) -> None:
        result = services.disclosure_pii_rekey(batch=batch, clock=system_clock)
        data = result.as_dict()
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        by_field = "，".join(
            f"{PII_FIELD_LABELS.get(name, name)} {n}" for name, n in data["by_field"].items()
        )
        self.stdout.write(
            f"已用 GGZY_FIELD_KEYS 的第一个密钥（{data['key_id']}）重新加密申请人个人信息："
            f"{data['requests']} 件申请，{data['tokens']} 项密文（{by_field}）；"
            f"仍有旧密钥密文的申请 {data['remaining']} 件"
            + ("。可以从 GGZY_FIELD_KEYS 中删除旧密钥。" if data["remaining"] == 0 else "。")
        )

    def bench(self, options: dict[str, Any]) -> None:
        from ggzy.disclosure.bench import bench_due_dates, bench_stats

        report: dict[str, Any] = {"due_dates": bench_due_dates(options["due_dates"])}
        if options["stats_n"]:
            report["stats"] = bench_stats(
                options["stats_n"],
                database_url=options["database_url"],
                year=options["year"],
                repeat=options["repeat"],
            )
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        due = report["due_dates"]
        self.stdout.write(
            f"答复期限计算：{due['applications']} 件，平均每件 {due['us_per_application']} 微秒"
            f"（仅收到事件 {due['us_per_application_received_only']} 微秒）"
        )
        if "stats" in report:
            st = report["stats"]
            self.stdout.write(
                f"{st['year']}年统计（{st['database_vendor']}，本年 {st['applications_in_year']} 件，"
                f"表中共 {st['applications_in_table']} 件）：{st['queries']} 次查询，"
                f"中位数 {st['median_ms']} 毫秒（最快 {st['min_ms']}，最慢 {st['max_ms']}），"
                f"勾稽关系{'全部通过' if st['checks_passed'] else '有不通过项'}"
            )
