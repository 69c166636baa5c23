"""Every read of the annual report: the year's computed data (figures, tables 二/三/四, fees, the
chart), the 勾稽关系 checks, the report versions, the public list, the year comparison and the
statutory deadline.

The numbers come from the owner apps' selectors (``figures.Sources``); tables 三 and 四 and their
checks are ``ggzy.disclosure.selectors.disclosure_stats`` (not recomputed here). The one query
of this module is the chart's: items first published per month and kind, grouped in the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from ggzy.annual_report import figures, text, workflow
from ggzy.annual_report.models import AnnualReport
from ggzy.core.canonical import canonical_json
from ggzy.core.clock import SHANGHAI, Clock, local_date, system_clock
from ggzy.core.errors import NotFound, ValidationFailed
from ggzy.disclosure import outcomes
from ggzy.disclosure.choices import APPLICANT_COLUMNS, ApplicantKind
from ggzy.publishing import selectors as publishing

FIRST_YEAR = 2008  # 《政府信息公开条例》 took effect on 1 May 2008
COLUMNS = [*ApplicantKind.labels, "总计"]
COLUMN_KEYS = [*APPLICANT_COLUMNS, "total"]
TABLE4_GROUP_LABELS = {
    "review": "行政复议",
    "lawsuit_direct": "行政诉讼：未经复议直接起诉",
    "lawsuit_after_review": "行政诉讼：复议后起诉",
}
TABLE4_CELL_LABELS = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
CHART_SERIES = [
    ("articles", "政务信息"),
    ("tender", "招标公告"),
    ("change", "变更公告"),
    ("award", "中标公示"),
    ("other", "其他交易公告"),
]


def validate_year(year: int, *, clock: Clock = system_clock) -> int:
    """A report year: not before the 条例, and a year that has ended — the report covers a whole
    year, so this year's report can be drafted only from 1 January next year."""
    current = local_date(clock.now()).year
    if year < FIRST_YEAR:
        raise ValidationFailed(
            f"年度 {year} 早于《政府信息公开条例》施行（2008年），没有年度报告", fields={"year": "年度过早"}
        )
    if year >= current:
        raise ValidationFailed(
            f"{year}年尚未结束，不能生成该年度报告（最早可在{year + 1}年1月1日生成）",
            code="year_not_ended",
            fields={"year": "年度尚未结束"},
        )
    return year


# ---------------------------------------------------------------- the computed data


def _month_starts(year: int) -> list[dt.datetime]:
    return [dt.datetime(year + (m // 12), m % 12 + 1, 1, tzinfo=SHANGHAI) for m in range(13)]


def chart_data(year: int) -> dict[str, Any]:
    """Items first published in the year, per month and kind, summed in the database over the
    per-day publication counts (ADR 0031): a few thousand rows whatever the year's size."""
    series = {key: [0] * 12 for key, _ in CHART_SERIES}
    for kind, values in publishing.publication_counts_by_month(year=year).items():
        key = "articles" if kind == "article" else kind if kind in ("tender", "change", "award") else "other"
        series[key] = [a + b for a, b in zip(series[key], values, strict=True)]
    return {
        "months": list(range(1, 13)),
        "series": [{"key": key, "label": label, "values": series[key]} for key, label in CHART_SERIES],
    }


def _split_rule(rule: str) -> tuple[str, str]:
    """disclosure's check names read "cell：rule"; the report shows them apart."""
    cell, sep, name = rule.partition("：")
    return (cell, name) if sep else ("", rule)


def report_data(year: int) -> dict[str, Any]:
    """Everything the report prints that is a number, for ``year``, as canonical-JSON-ready data."""
    sources = figures.Sources(year)
    stats = sources.disclosure
    t2 = sources.table2
    fees = sources.fees
    checks = []
    for c in stats.checks:
        cell, rule = _split_rule(c.rule)
        checks.append({"rule": rule, "cell": cell, "passed": c.passed, "detail": c.detail})
    return {
        "format": text.FORMAT_NAME,
        "year": year,
        "center_name": str(settings.GGZY_SITE["center_name"]),
        "figures": figures.compute_all(sources),
        "table2": {
            "rules": t2.rules,
            "normative_documents": t2.normative_documents,
            "licence": t2.licence,
            "penalty": t2.penalty,
            "enforcement": t2.enforcement,
            "admin_fee_yuan": str(t2.admin_fee_yuan),
            "admin_fee_wan": str(t2.admin_fee_wan),
        },
        "table3": {
            "columns": COLUMNS,
            "rows": [
                {
                    "code": r.code,
                    "label": outcomes.ROW_BY_CODE[r.code].label,
                    "group": outcomes.ROW_BY_CODE[r.code].group,
                    "section": outcomes.ROW_BY_CODE[r.code].section,
                    "cells": list(r.cells),
                }
                for r in stats.table3
            ],
        },
        "table4": stats.table4,
        "fees": {
            "notices": fees.notices,
            "amount_due": str(fees.amount_due),
            "amount_paid": str(fees.amount_paid),
        },
        "chart": chart_data(year),
        "disclosure_checks": checks,
    }


def data_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


# ---------------------------------------------------------------- rendering the texts


def render_texts(report: AnnualReport, data: dict[str, Any]) -> dict[str, Any]:
    """The texts with every placeholder replaced from ``data`` (and the unknown placeholders)."""
    values = data.get("figures", {})
    out: dict[str, Any] = {"unknown": []}
    for key in ("intro", "general", "problems", "other"):
        rendered = text.render(getattr(report, f"text_{key}"), values, figures.format_value)
        out[key] = rendered.text
        out["unknown"] += rendered.unknown
    return out


# ---------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One 勾稽关系 rule applied to one cell (or row, column, section): what it compares and the
    numbers. ``blocking`` checks must all pass before sign-off; warnings are shown only."""

    code: str
    rule: str
    cell: str
    passed: bool
    detail: str
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckResult:
    checks: list[Check] = field(default_factory=list)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.blocking and not c.passed]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if not c.blocking and not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failures


def _cells(data: dict[str, Any]) -> dict[str, list[int]]:
    return {r["code"]: r["cells"] for r in data["table3"]["rows"]}


def previous_published(year: int) -> AnnualReport | None:
    return AnnualReport.objects.filter(year=year - 1, status=workflow.PUBLISHED).order_by("-version").first()


def report_checks(report: AnnualReport, data: dict[str, Any] | None = None) -> CheckResult:
    """Every rule of the format's 勾稽关系 (reference §2.6) on ``data`` (default: the report's
    stored data) and the report's texts."""
    data = report.data if data is None else data
    result = CheckResult()
    add = result.checks.append
    # 1–4 and the live cross-year rule: disclosure_stats' own checks, named by rule and cell.
    for c in data.get("disclosure_checks", []):
        add(Check("table", c["rule"], c["cell"] or "表三/表四", c["passed"], c["detail"]))
    cells = _cells(data)
    # 6: against last year's *published* report (a report, once published, does not change).
    previous = previous_published(report.year)
    if previous is not None and previous.snapshot:
        last = _cells(previous.snapshot["data"])[outcomes.CARRIED_OUT]
        this = cells[outcomes.CARRIED_IN]
        for i, col in enumerate(COLUMNS):
            add(
                Check(
                    "cross_year",
                    f"本年“二、上年结转” = {report.year - 1}年已公布报告“四、结转下年度继续办理”",
                    f"表三“二、上年结转政府信息公开申请数量”行“{col}”列",
                    this[i] == last[i],
                    f"本年 {this[i]}；{report.year - 1}年报告 {last[i]}",
                )
            )
    # 5: the figures quoted in the text equal the tables.
    values = data.get("figures", {})
    for name, (table, key) in figures.TABLE_LINKS.items():
        if table == "table3":
            expected = cells[key][-1]
            where = f"表三“{outcomes.ROW_BY_CODE[key].label}”行“总计”列"
        else:
            groups = key.split("+")
            expected = sum(data["table4"][g]["total"] for g in groups)
            where = "表四“" + "”+“".join(TABLE4_GROUP_LABELS[g] for g in groups) + "”总计"
        add(
            Check(
                "text_table",
                f"正文数字“{figures.FIGURES[name].label}”= 表格数字",
                where,
                values.get(name) == expected,
                f"正文 {values.get(name)}；表格 {expected}",
            )
        )
    rendered = render_texts(report, data)
    for name in sorted(set(rendered["unknown"])):
        add(
            Check(
                "text_placeholder",
                "正文引用的数字必须来自统计数据",
                f"正文占位符 {name}",
                False,
                "没有该数字",
            )
        )
    general = report.text_general
    required = [
        ("applications.received", "applications.received", "一、总体情况（二）依申请公开"),
        ("reviews.total", "reviews.total", "一、总体情况（二）依申请公开"),
        ("lawsuits.total", "lawsuits.total", "一、总体情况（二）依申请公开"),
    ]
    for name, placeholder, where in required:
        if values.get(name, 0) and placeholder not in text.placeholders(general):
            add(
                Check(
                    "text_table",
                    f"表格中“{figures.FIGURES[name].label}”不为零，正文必须引用该数字",
                    where,
                    False,
                    f"表格 {values.get(name)}；正文未引用 {text.ph(placeholder)}",
                )
            )
    received, carried = values.get("applications.received", 0), values.get("applications.carried_in", 0)
    if (received or carried) and "没有依申请公开" in general:
        add(
            Check(
                "text_table",
                "正文称没有依申请公开事项，但表三有申请",
                "一、总体情况（二）依申请公开",
                False,
                f"表三新收 {received}，上年结转 {carried}",
            )
        )
    paid = str(values.get("fees.collected_yuan", "0"))
    if paid not in ("0", "0.00") and "fees.collected_yuan" not in text.placeholders(report.text_other):
        add(
            Check(
                "text_table",
                "收取了信息处理费，第六部分必须引用收费金额",
                "六、其他需要报告的事项",
                False,
                f"收取 {paid} 元；正文未引用 {text.ph('fees.collected_yuan')}",
            )
        )
    # The chart counts the same items as the text (each from its own query).
    totals = {s["key"]: sum(s["values"]) for s in data["chart"]["series"]}
    for label, chart_total, figure in (
        ("政务信息", totals["articles"], values.get("articles.total")),
        ("招标公告（含变更公告）", totals["tender"] + totals["change"], values.get("notices.tender")),
        ("中标公示", totals["award"], values.get("notices.award")),
        ("各类信息", sum(totals.values()), values.get("items.total")),
    ):
        add(
            Check(
                "chart",
                "图1各月数量之和 = 正文数字",
                f"图1“{label}”",
                chart_total == figure,
                f"图1 {chart_total}；正文 {figure}",
            )
        )
    # 7: the 2021 format and cell hygiene.
    add(
        Check(
            "format",
            "使用2021年版格式（" + text.FORMAT_NAME + "）",
            "报告格式",
            data.get("format") == text.FORMAT_NAME,
            str(data.get("format")),
        )
    )
    labels_ok = [r["label"] for r in data["table3"]["rows"]] == [r.label for r in outcomes.ROWS]
    widths_ok = (
        all(len(r["cells"]) == 7 for r in data["table3"]["rows"]) and data["table3"]["columns"] == COLUMNS
    )
    add(
        Check(
            "format",
            "表三为25行×7列，行列名称与格式一致（无小计列、无小计行）",
            "表三",
            labels_ok and widths_ok and len(data["table3"]["rows"]) == 25,
            f"{len(data['table3']['rows'])}行",
        )
    )
    # Key sets, not key order: the stored JSON (canonical, jsonb) does not keep the order.
    t4_ok = set(data["table4"]) == set(TABLE4_GROUP_LABELS) and all(
        set(v) == set(TABLE4_CELL_LABELS) for v in data["table4"].values()
    )
    add(
        Check(
            "format",
            "表四为三组×五列共15格",
            "表四",
            t4_ok,
            f"{sum(len(v) for v in data['table4'].values())}格",
        )
    )
    bad = [
        f"表三“{r['label']}”"
        for r in data["table3"]["rows"]
        if any(not isinstance(c, int) or isinstance(c, bool) or c < 0 for c in r["cells"])
    ]
    bad += [
        f"表四“{TABLE4_GROUP_LABELS[g]}”"
        for g, v in data["table4"].items()
        if any(not isinstance(c, int) or c < 0 for c in v.values())
    ]
    add(
        Check(
            "hygiene",
            "所有单元格为非负整数（空白填0）",
            "表三/表四",
            not bad,
            "；".join(bad) or "全部为非负整数",
        )
    )
    t2 = data["table2"]
    wan_ok = Decimal(str(t2["admin_fee_wan"])) == (Decimal(str(t2["admin_fee_yuan"])) / 10000).quantize(
        Decimal("0.0001")
    )
    add(
        Check(
            "hygiene",
            "表二第二十条第（八）项以万元为单位",
            "表二“行政事业性收费”",
            wan_ok,
            f"{t2['admin_fee_yuan']} 元 = {t2['admin_fee_wan']} 万元",
        )
    )
    add(
        Check(
            "sections",
            "“五、存在的主要问题及改进情况”不能为空",
            "五、存在的主要问题及改进情况",
            bool(report.text_problems.strip()),
            "已填写" if report.text_problems.strip() else "未填写",
        )
    )
    for literal in text.literal_counts(general):
        add(
            Check(
                "literal",
                "正文中手工输入的数字不受勾稽校验，建议改用数字引用",
                "一、总体情况",
                False,
                literal,
                blocking=False,
            )
        )
    for paragraph in copied_from_last_year(report, rendered):
        add(
            Check(
                "copied",
                "与上年报告段落完全相同（格式要求不得雷同）",
                "正文段落",
                False,
                paragraph[:60] + ("……" if len(paragraph) > 60 else ""),
                blocking=False,
            )
        )
    return result


def copied_from_last_year(report: AnnualReport, rendered: dict[str, Any]) -> list[str]:
    previous = previous_published(report.year)
    if previous is None or not previous.snapshot:
        return []
    last = previous.snapshot["texts"]
    this_paragraphs = [
        p for key in ("intro", "general", "problems", "other") for p in text.paragraphs(rendered[key])
    ]
    last_paragraphs = [
        p for key in ("intro", "general", "problems", "other") for p in text.paragraphs(last[key])
    ]
    return text.copied_paragraphs(this_paragraphs, last_paragraphs)


# ---------------------------------------------------------------- versions and lists


def report_versions(*, year: int) -> list[AnnualReport]:
    return list(AnnualReport.objects.filter(year=year).order_by("-version"))


def report_current(*, year: int) -> AnnualReport | None:
    """The newest version of the year's report (draft or not)."""
    return AnnualReport.objects.filter(year=year).order_by("-version").first()


def report_get_staff(*, pk: int) -> AnnualReport:
    report = AnnualReport.objects.filter(pk=pk).select_related("corrects").first()
    if report is None:
        raise NotFound("年度报告不存在")
    return report


def report_list_staff() -> QuerySet[AnnualReport]:
    return AnnualReport.objects.select_related("drafted_by", "signed_by").order_by("-year", "-version")


def report_list_public() -> list[AnnualReport]:
    """The newest published version of every year, newest year first (the 年报 column)."""
    rows = AnnualReport.objects.filter(status=workflow.PUBLISHED).order_by("-year", "-version")
    seen: set[int] = set()
    out = []
    for r in rows.only("pk", "year", "version", "published_at", "correction_note", "snapshot_sha256"):
        if r.year not in seen:
            seen.add(r.year)
            out.append(r)
    return out


def report_get_public(*, year: int) -> AnnualReport:
    report = AnnualReport.objects.filter(year=year, status=workflow.PUBLISHED).order_by("-version").first()
    if report is None:
        raise NotFound(f"{year}年政府信息公开工作年度报告尚未公布", code="report_not_published")
    return report


def report_history_public(*, year: int) -> list[AnnualReport]:
    return list(
        AnnualReport.objects.filter(year=year, status__in=[workflow.PUBLISHED, workflow.CORRECTED])
        .only("pk", "year", "version", "status", "published_at", "correction_note", "snapshot_sha256")
        .order_by("version")
    )


# ---------------------------------------------------------------- comparison and deadline


@dataclass(frozen=True)
class FigureChange:
    name: str
    label: str
    unit: str
    this_year: Any
    last_year: Any
    change: str  # "+12", "-3", "持平", "—"


def report_comparison(report: AnnualReport, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """This year's figures beside last year's (the published report's, else computed now) and the
    paragraphs copied word for word from last year's published report."""
    data = report.data if data is None else data
    previous = previous_published(report.year)
    if previous is not None and previous.snapshot:
        last_values = previous.snapshot["data"]["figures"]
        source = f"{report.year - 1}年已公布报告（第{previous.version}版）"
    else:
        last_values = figures.compute_all(figures.Sources(report.year - 1))
        source = f"{report.year - 1}年数据（按当前记录计算，该年度报告未在本平台公布）"
    rows = []
    for name, figure in figures.FIGURES.items():
        this, last = data["figures"].get(name), last_values.get(name)
        if this is None or last is None:
            change = "—"
        else:
            diff = float(this) - float(last)
            if diff == 0:
                change = "持平"
            else:
                change = f"{diff:+.{figure.decimals}f}" if figure.decimals else f"{int(diff):+d}"
        rows.append(FigureChange(name, figure.label, figure.unit, this, last, change))
    rendered = render_texts(report, data)
    return {"source": source, "rows": rows, "copied": copied_from_last_year(report, rendered)}


@dataclass(frozen=True)
class Deadline:
    year: int  # the report year
    due: dt.date
    days_left: int
    report: AnnualReport | None

    @property
    def published(self) -> bool:
        return self.report is not None and self.report.status == workflow.PUBLISHED

    @property
    def overdue(self) -> bool:
        return not self.published and self.days_left < 0

    @property
    def status_label(self) -> str:
        if self.report is None:
            return "尚未起草"
        return self.report.get_status_display()


def report_deadline(*, today: dt.date) -> Deadline:
    """Art. 49: last year's report is published by 31 January. The report due next (or overdue)."""
    year = today.year - 1
    due = dt.date(today.year, 1, 31)
    report = report_current(year=year)
    return Deadline(year=year, due=due, days_left=(due - today).days, report=report)
