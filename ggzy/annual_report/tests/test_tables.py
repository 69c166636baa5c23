"""Tables 三 and 四 of the report from an application data set built through the real disclosure
services, cell by cell; the same cells in the HTML layout, the DOCX and the PDF; a broken data set
failing the named check."""

from __future__ import annotations

import io
from typing import Any

import docx
import pypdf
import pytest

from ggzy.annual_report import documents, selectors, services
from ggzy.annual_report.tests.conftest import D, at
from ggzy.disclosure.models import DisclosureRequest

pytestmark = pytest.mark.django_db

#                 自然人 商业 科研 公益 法律 其他 总计
EXPECTED_T3 = {
    "1": [3, 3, 1, 1, 2, 1, 11],
    "2": [1, 0, 0, 0, 0, 0, 1],
    "3.1": [2, 1, 0, 0, 0, 0, 3],
    "3.2": [1, 0, 0, 0, 0, 0, 1],
    "3.3.4": [0, 1, 0, 0, 0, 0, 1],
    "3.3.6": [0, 0, 0, 0, 1, 0, 1],
    "3.4.1": [1, 0, 0, 0, 0, 0, 1],
    "3.4.2": [0, 0, 0, 0, 0, 1, 1],
    "3.5.2": [0, 0, 1, 0, 0, 0, 1],
    "3.6.3": [0, 0, 0, 1, 0, 0, 1],
    "3.7": [4, 2, 1, 1, 1, 1, 10],
    "4": [0, 1, 0, 0, 1, 0, 2],
}
EXPECTED_T4 = {
    "review": {"upheld": 1, "corrected": 1, "other": 0, "pending": 1, "total": 3},
    "lawsuit_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
    "lawsuit_after_review": {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1},
}


def test_tables_cell_by_cell(applications: Any, people: Any, jan_2026: Any) -> None:
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    rows = {r["code"]: r["cells"] for r in report.data["table3"]["rows"]}
    assert len(rows) == 25
    for code, cells in rows.items():
        assert cells == EXPECTED_T3.get(code, [0] * 7), code
    assert report.data["table4"] == EXPECTED_T4
    # The text quotes the same numbers (placeholders) and every blocking check but 五 passes.
    general = documents.report_view(report)["general"]
    assert general[1].startswith(
        "（二）依申请公开。本年新收政府信息公开申请11件，上年结转1件；本年办结10件，其中予以公开3件、部分公开1件；"
        "结转下年度继续办理2件。本年因政府信息公开被申请行政复议3件、被提起行政诉讼2件"
    )
    result = selectors.report_checks(report)
    assert [c.code for c in result.failures] == ["sections"]

    # The layout: 25 body rows of 10 columns (3 label columns + 7 numbers), header merged as the format.
    view = documents.report_view(report)
    t3 = view["table3"]
    assert len(t3.body) == 25
    from ggzy.annual_report import layout

    for placed in layout.grid(t3):
        for _, c, cell in placed:  # type: ignore[misc]
            assert c + cell.colspan <= 10
    assert t3.head[0][0].colspan == 3 and t3.head[0][0].rowspan == 3
    assert [c.text for c in t3.head[2]] == layout.LEGAL_PERSON_COLUMNS
    numbers = {c.key: c.text for row in t3.body for c in row if c.number}
    assert numbers["table3.1.total"] == "11"
    assert numbers["table3.3.7.natural_person"] == "4"
    assert numbers["table3.4.legal_service"] == "1"
    t4 = view["table4"]
    assert [c.text for c in t4.body[0]] == [
        "1",
        "1",
        "0",
        "1",
        "3",
        "0",
        "0",
        "0",
        "1",
        "1",
        "0",
        "0",
        "1",
        "0",
        "1",
    ]

    # DOCX: the same rows, with the merged header cells of the format.
    d = docx.Document(io.BytesIO(documents.render_docx(view)))
    t3_docx = d.tables[4]
    assert len(t3_docx.rows) == 28 and len(t3_docx.columns) == 10
    assert t3_docx.cell(0, 0).text == layout.TABLE3_NOTE
    assert t3_docx.cell(2, 2).text == layout.TABLE3_NOTE  # merged 3 × 3
    assert t3_docx.cell(0, 3).text == t3_docx.cell(0, 9).text == "申请人情况"
    assert t3_docx.cell(1, 3).text == t3_docx.cell(2, 3).text == "自然人"
    first = [c.text for c in t3_docx.rows[3].cells]
    assert first == ["一、本年新收政府信息公开申请数量"] * 3 + ["3", "3", "1", "1", "2", "1", "11"]
    last = [c.text for c in t3_docx.rows[27].cells]
    assert last[3:] == ["0", "1", "0", "0", "1", "0", "2"]
    assert t3_docx.cell(5, 0).text == t3_docx.cell(26, 0).text == "三、本年度办理结果"
    t4_docx = d.tables[5]
    assert len(t4_docx.columns) == 15
    assert [c.text for c in t4_docx.rows[3].cells] == [c.text for c in t4.body[0]]
    assert t4_docx.cell(0, 0).text == t4_docx.cell(1, 4).text == "行政复议"
    assert t4_docx.cell(0, 5).text == t4_docx.cell(0, 14).text == "行政诉讼"

    # PDF: the row reads the same after text extraction.
    pdf_text = "".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(documents.render_pdf(view))).pages
    )
    assert "一、本年新收政府信息公开申请数量 3 3 1 1 2 1 11" in pdf_text
    assert "四、结转下年度继续办理 0 1 0 0 1 0 2" in pdf_text


def test_a_row_outside_the_six_columns_fails_the_named_check(
    applications: Any, people: Any, jan_2026: Any
) -> None:
    """A broken data set: an application whose applicant kind is none of the six columns (written
    past the services). The 总计 column still counts it, so the row check names the rows."""
    odd = DisclosureRequest.objects.filter(received_on__year=2025, outcome="3.1").first()
    assert odd is not None
    DisclosureRequest.objects.filter(pk=odd.pk).update(applicant_kind="alien")
    report = services.report_draft(actor=people["officer"], year=2025, clock=jan_2026)
    failures = selectors.report_checks(report).failures
    named = [c for c in failures if c.cell == "表三每一行"]
    assert len(named) == 1
    assert named[0].rule == "总计 = 自然人 + 五类法人或其他组织之和"
    assert "一、本年新收政府信息公开申请数量" in named[0].detail
    assert "（一）予以公开" in named[0].detail
    # And the column check on the 总计 column sees nothing wrong (it is the row rule that breaks).
    report.text_problems = "问题"
    report.save()
    services.report_submit(actor=people["officer"], report=report, clock=jan_2026)
    services.report_review(actor=people["head"], report=report, clock=jan_2026)
    from ggzy.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        services.report_sign_off(actor=people["leader"], report=report, clock=jan_2026)
    assert err.value.code == "checks_failed"
    assert "表三每一行：总计 = 自然人 + 五类法人或其他组织之和" in err.value.message
    report.refresh_from_db()
    assert report.status == "reviewed" and report.snapshot is None


def test_carry_over_must_match_last_years_published_report(applications: Any, people: Any) -> None:
    """Across years: this year's 二 must equal last year's *published* 四. An application
    registered late with a receipt date in 2024 changes the records but not the published 2024
    report, so the 2025 report fails the cross-year check on the named cell."""
    from ggzy.annual_report.tests.test_services import sign_and_publish

    officer = people["officer"]
    r2024 = services.report_draft(actor=officer, year=2024, clock=at(D(2025, 1, 13)))
    sign_and_publish(r2024, people, at(D(2025, 1, 13)))
    # Found later: a 2024 application nobody had registered (received 30 Dec 2024, still open).
    from ggzy.annual_report.tests.conftest import register

    register(officer, D(2024, 12, 30), "research")
    report = services.report_draft(actor=officer, year=2025, clock=at(D(2026, 1, 12)))
    failures = [c for c in selectors.report_checks(report).failures if c.code == "cross_year"]
    assert len(failures) == 2  # the 科研机构 column and 总计
    cells = {c.cell: c.detail for c in failures}
    assert cells["表三“二、上年结转政府信息公开申请数量”行“科研机构”列"] == "本年 1；2024年报告 0"
    assert cells["表三“二、上年结转政府信息公开申请数量”行“总计”列"] == "本年 2；2024年报告 1"
