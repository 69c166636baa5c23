"""The pure parts: placeholders, the default texts, 雷同, the workflow table, the bench shape."""

from __future__ import annotations

from typing import Any

import pytest

from ggzy.annual_report import text, workflow


def fmt(name: str, value: Any) -> str:
    return str(value)


def test_placeholders_render_from_the_data_and_unknown_ones_are_reported() -> None:
    r = text.render(
        "共{{figure:items.total}}条，{{ figure:visits.wan }}万人次，{{figure:nope}}",
        {"items.total": 5, "visits.wan": "1.20"},
        fmt,
    )
    assert r.text == "共5条，1.20万人次，【未知数字：nope】"
    assert r.unknown == ["nope"]
    assert text.placeholders("a{{figure:x.y}}b{{figure:z}}") == ["x.y", "z"]


def test_literal_counts_are_found_outside_placeholders() -> None:
    assert text.literal_counts("共{{figure:items.total}}条，另有3件、12家，2021年") == ["3件", "12家"]


def test_default_general_leaves_out_what_did_not_happen() -> None:
    zero = dict.fromkeys(
        ["items.total", "articles.total", "notices.tender", "notices.award", "visits.wan"], 0
    )
    general = text.default_general(zero, year=2025)
    assert "没有依申请公开办理事项" in general
    assert "行政复议" not in general and "承诺书" not in general and "曝光" not in general
    some = zero | {
        "applications.received": 2,
        "reviews.total": 1,
        "pledges.signed": 3,
        "violations.agency": 1,
    }
    general = text.default_general(some, year=2025)
    for name in (
        "applications.received",
        "reviews.total",
        "lawsuits.total",
        "pledges.signed",
        "violations.expert",
    ):
        assert text.ph(name) in general
    assert len(text.paragraphs(general)) == 5
    assert "巡查" in general and text.ph("patrol.rounds") not in general  # not registered yet
    assert text.ph("patrol.rounds") in text.default_general(some | {"patrol.rounds": 1000}, year=2025)


def test_copied_paragraphs_ignore_short_headings_and_whitespace() -> None:
    this = [
        "（四）平台建设",
        "一是加强对法律法规的宣传，组织开展政府开放日活动，营造良好氛围。",
        "新的一段内容，与去年完全不同，写了今年的工作。",
    ]
    last = ["（四）平台建设", "一是加强对法律法规的宣传， 组织开展政府开放日活动，营造良好氛围。"]
    assert text.copied_paragraphs(this, last) == [this[1]]


def test_workflow_roles_and_refusals() -> None:
    assert workflow.roles_for("sign_off") == ("second_reviewer",)
    assert workflow.roles_for("review") == ("disclosure_head",)
    names = {t.name for t in workflow.available("reviewed", {"second_reviewer"})}
    assert names == {"sign_off", "return"}
    with pytest.raises(workflow.TransitionNotAllowed) as err:
        workflow.ensure_allowed("publish", "published")
    assert "不能重复公布" in str(err.value)
    with pytest.raises(workflow.TransitionNotAllowed):
        workflow.ensure_allowed("edit", "signed")
    assert set(workflow.STATUS_LABELS) == {t.target for t in workflow.TRANSITIONS.values()} | {"draft"}


@pytest.mark.django_db
def test_bench_reports_each_part(people: Any) -> None:
    from ggzy.annual_report.bench import bench_annual_report

    result = bench_annual_report(2025, repeat=1)
    assert set(result) >= {"tables_s", "checks_s", "docx_s", "pdf_s", "tables_queries", "live_grouping_s"}
    assert result["items"] == 0 and result["checks_failed"] == 0
    assert result["pdf_bytes"] > 10000 and result["docx_bytes"] > 10000


@pytest.mark.django_db
def test_bench_counts_table_queries_when_the_debug_log_is_full(people: Any) -> None:
    """``ggzy bench`` runs many benchmarks in one process; once the connection's capped query log
    is full, the tables part must still report how many queries it ran (it once read 0)."""
    from django.db import connection

    from ggzy.annual_report.bench import bench_annual_report

    connection.queries_log.extend({"sql": "", "time": "0"} for _ in range(connection.queries_limit))
    try:
        result = bench_annual_report(2025, repeat=1)
    finally:
        connection.queries_log.clear()
    assert result["tables_queries"] > 0
