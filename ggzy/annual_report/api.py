"""/api/v1/reports/annual/{year}: the published annual report as structured JSON (every section
and table, the checks and their results, the snapshot's hash) and its renderings
(``.docx``, ``.pdf``, ``.html``). Only published reports are public; a correction is served as the
newest version, older versions with ``?version=N``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from ninja import Router

from ggzy.annual_report import documents, selectors, views
from ggzy.annual_report.models import AnnualReport
from ggzy.core.errors import NotFound, ValidationFailed

router = Router(tags=["政府信息公开年报"])


def _report(year: int, version: int | None) -> AnnualReport:
    selectors.validate_year(year, clock=views.clock)
    report = selectors.report_get_public(year=year)
    if version is not None:
        match = [r for r in selectors.report_history_public(year=year) if r.version == version]
        if not match:
            raise NotFound(f"{year}年报告没有第{version}版", code="version_not_found")
        report = match[0]
    return report


def report_json(report: AnnualReport) -> dict[str, Any]:
    assert report.snapshot is not None
    view = documents.as_json(documents.report_view(report))
    snap = report.snapshot
    return {
        "year": report.year,
        "version": report.version,
        "status": report.status,
        "title": view["title"],
        "center_name": view["center_name"],
        "format": snap["format"],
        "published_at": report.published_at,
        "snapshot_sha256": report.snapshot_sha256,
        "correction_note": report.correction_note,
        "corrects_version": view["corrects_version"],
        "sections": [
            {"title": snap["sections"][0], "paragraphs": view["intro"] + view["general"]},
            {"title": snap["sections"][1], "table2": snap["data"]["table2"]},
            {"title": snap["sections"][2], "table3": snap["data"]["table3"]},
            {"title": snap["sections"][3], "table4": snap["data"]["table4"]},
            {"title": snap["sections"][4], "paragraphs": view["problems"]},
            {"title": snap["sections"][5], "paragraphs": view["other"], "fees": snap["data"]["fees"]},
        ],
        "figures": snap["data"]["figures"],
        "chart": snap["data"]["chart"],
        "checks": snap["checks"],
        "checks_passed": all(c["passed"] for c in snap["checks"] if c["blocking"]),
        "layout": {"table2": view["table2"], "table3": view["table3"], "table4": view["table4"]},
    }


def _parse_version(request: HttpRequest) -> int | None:
    raw = request.GET.get("version")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) < 1000:
        raise ValidationFailed("version 应为正整数", fields={"version": "应为正整数"})
    return int(raw)


@router.get("/annual/{int:year}", summary="政府信息公开工作年度报告（结构化：各部分、各表、勾稽校验）")
def annual_report(request: HttpRequest, year: int) -> dict[str, Any]:
    return report_json(_report(year, _parse_version(request)))


@router.get("/annual/{int:year}.docx", summary="年度报告 DOCX")
def annual_report_docx(request: HttpRequest, year: int) -> HttpResponse:
    return views.download(documents.report_view(_report(year, _parse_version(request))), "docx")


@router.get("/annual/{int:year}.pdf", summary="年度报告 PDF（嵌入中文字体）")
def annual_report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    return views.download(documents.report_view(_report(year, _parse_version(request))), "pdf")


@router.get("/annual/{int:year}.html", summary="年度报告 HTML（表格为可访问的合并表头表格）")
def annual_report_html(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(year, _parse_version(request))
    view = documents.report_view(report)
    body = render_to_string(
        "annual_report/public/standalone.html",
        {"view": view, "report": report, "chart_rows": views.chart_rows(view)},
        request=request,
    )
    return HttpResponse(body, content_type="text/html; charset=utf-8")
