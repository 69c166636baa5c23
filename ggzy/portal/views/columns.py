"""政府信息公开 (指南 · 目录 · 制度 · 法定主动公开内容 · 依申请公开 · 年报 · 政策解读), 互动交流,
信用信息 and 服务指南: columns built from the article categories and honest explanatory text."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from ggzy.disclosure.selectors import guide_facts
from ggzy.portal import selectors
from ggzy.portal.views.common import cached_page, counted

# The column's sections, in the order of the national disclosure page template.
GK_SECTIONS: list[tuple[str, str]] = [
    ("portal:gk_guide", "政府信息公开指南"),
    ("portal:gk_catalogue", "政府信息公开目录"),
    ("portal:gk_rules", "政府信息公开制度"),
    ("portal:gk_statutory", "法定主动公开内容"),
    ("portal:gk_apply", "依申请公开"),
    ("portal:gk_reports", "政府信息公开年报"),
    ("portal:gk_interpretations", "政策解读"),
]


def _gk(request: HttpRequest, template: str, current: str, **extra: Any) -> HttpResponse:
    return render(request, template, {"gk_sections": GK_SECTIONS, "gk_current": current, **extra})


@require_safe
@counted()
@cached_page()
def gk_index(request: HttpRequest) -> HttpResponse:
    return _gk(request, "portal/gk/index.html", "")


@require_safe
@counted()
@cached_page()
def gk_guide(request: HttpRequest) -> HttpResponse:
    # The time limits, fees, channels and remedies come from the rules the workflow enforces.
    return _gk(request, "portal/gk/guide.html", "portal:gk_guide", facts=guide_facts())


@require_safe
@counted()
@cached_page()
def gk_catalogue(request: HttpRequest) -> HttpResponse:
    return _gk(
        request,
        "portal/gk/catalogue.html",
        "portal:gk_catalogue",
        categories=selectors.article_counts_by_category(),
        notice_kinds=selectors.notice_counts_by_kind(),
        notice_domains=selectors.notice_counts_by_domain(),
    )


@require_safe
@counted()
@cached_page()
def gk_rules(request: HttpRequest) -> HttpResponse:
    return _gk(
        request,
        "portal/gk/rules.html",
        "portal:gk_rules",
        articles=selectors.article_latest(category_code="key_document", limit=30),
    )


@require_safe
@counted()
@cached_page()
def gk_statutory(request: HttpRequest) -> HttpResponse:
    return _gk(
        request,
        "portal/gk/statutory.html",
        "portal:gk_statutory",
        categories=selectors.article_counts_by_category(),
    )


@require_safe
@counted()
@cached_page()
def gk_apply(request: HttpRequest) -> HttpResponse:
    return _gk(request, "portal/gk/apply.html", "portal:gk_apply", facts=guide_facts())


@require_safe
@counted()
def gk_reports(request: HttpRequest) -> HttpResponse:
    # Not page-cached: publishing a report saves no article or notice, so the content version
    # (ADR 0009) would not retire a cached list. One small query.
    from ggzy.annual_report.selectors import report_list_public

    reports = [
        {
            "url": reverse("annual_report:public_detail", args=[r.year]),
            "title": f"{r.year}年政府信息公开工作年度报告",
            "year": r.year,
            "version": r.version,
            "published_at": r.published_at,
            "correction_note": r.correction_note,
        }
        for r in report_list_public()
    ]
    return _gk(request, "portal/gk/reports.html", "portal:gk_reports", reports=reports)


@require_safe
@counted()
@cached_page()
def gk_interpretations(request: HttpRequest) -> HttpResponse:
    # Each interpretation is public only once both it and the document it explains are
    # published; publication changes the content version, so the cached page follows.
    from ggzy.participation.selectors import interpretation_list_public

    return _gk(
        request,
        "portal/gk/interpretations.html",
        "portal:gk_interpretations",
        interpretations=interpretation_list_public(),
    )


def _column(request: HttpRequest, template: str, code: str, **extra: Any) -> HttpResponse:
    return render(
        request,
        template,
        {"articles": selectors.article_latest(category_code=code, limit=20), "code": code, **extra},
    )


@require_safe
@counted()
@cached_page()
def interaction(request: HttpRequest) -> HttpResponse:
    return _column(request, "portal/interaction.html", "consultation")


@require_safe
@counted()
@cached_page()
def credit(request: HttpRequest) -> HttpResponse:
    return _column(request, "portal/credit.html", "exposure")


@require_safe
@counted()
@cached_page()
def service_guide(request: HttpRequest) -> HttpResponse:
    return _column(request, "portal/service_guide.html", "service_guide")
