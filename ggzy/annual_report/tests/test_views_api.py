"""The staff page, the public page and the 年报 column, and /api/v1/reports/annual/{year}."""

from __future__ import annotations

import io
from typing import Any

import docx
import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from ggzy.annual_report import services, views
from ggzy.annual_report.models import AnnualReport
from ggzy.annual_report.tests.conftest import D, at
from ggzy.annual_report.tests.test_services import PROBLEMS, sign_and_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _january(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "clock", at(D(2026, 1, 12)))


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_staff_flow_through_the_pages(applications: Any, people: Any) -> None:
    officer = _client(people["officer"])
    page = officer.get(reverse("annual_report:manage_index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025年政府信息公开工作年度报告" in html and "尚未起草" in html and "距法定期限还有" in html
    # A future year: a message, no report.
    response = officer.post(reverse("annual_report:manage_draft"), {"year": "2026"}, follow=True)
    assert "尚未结束" in response.content.decode()
    assert not AnnualReport.objects.exists()
    response = officer.post(reverse("annual_report:manage_draft"), {"year": "2025"})
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "annual_report:manage_detail", args=[report.pk]
    )
    detail = officer.get(response["Location"]).content.decode()
    assert 'id="checks-failed"' in detail and "五、存在的主要问题及改进情况" in detail
    assert 'id="comparison-table"' in detail and 'id="table3"' in detail
    assert '<th colspan="3" rowspan="3">' in detail
    assert '<th rowspan="22" scope="rowgroup">三、本年度办理结果</th>' in detail
    # A hand edit of a computed cell, posted with the text form: refused by name, nothing saved.
    url = reverse("annual_report:manage_act", args=[report.pk, "edit"])
    refused = officer.post(url, {"problems": PROBLEMS, "table3.1.total": "99"}, follow=True).content.decode()
    assert "表三“一、本年新收政府信息公开申请数量”行“总计”列由平台根据原始记录计算，不能手工修改" in refused
    report.refresh_from_db()
    assert report.text_problems == ""
    officer.post(
        url,
        {
            "intro": report.text_intro,
            "general": report.text_general,
            "problems": PROBLEMS,
            "other": report.text_other,
        },
    )
    officer.post(reverse("annual_report:manage_act", args=[report.pk, "submit"]))
    # The officer cannot review; the head can.
    response = officer.post(reverse("annual_report:manage_act", args=[report.pk, "review"]), follow=True)
    assert "只有本中心的信息公开办公室负责人可以审核通过年度报告" in response.content.decode()
    _client(people["head"]).post(reverse("annual_report:manage_act", args=[report.pk, "review"]))
    _client(people["leader"]).post(reverse("annual_report:manage_act", args=[report.pk, "sign_off"]))
    officer.post(reverse("annual_report:manage_act", args=[report.pk, "publish"]))
    report.refresh_from_db()
    assert report.status == "published"
    again = officer.post(reverse("annual_report:manage_act", args=[report.pk, "publish"]), follow=True)
    assert "不能重复公布" in again.content.decode()
    # Downloads of the staff page.
    assert (
        officer.get(reverse("annual_report:manage_download", args=[report.pk, "docx"])).content[:2] == b"PK"
    )
    assert officer.get(reverse("annual_report:manage_download", args=[report.pk, "xls"])).status_code == 404


def test_other_staff_are_kept_out(people: Any) -> None:
    response = _client(people["editor"]).get(reverse("annual_report:manage_index"))
    assert response.status_code == 403
    assert Client().get(reverse("annual_report:manage_index")).status_code == 302


def test_workbench_shows_the_deadline_card(people: Any) -> None:
    html = _client(people["officer"]).get(reverse("publishing:workbench")).content.decode()
    assert 'id="annual-report-deadline"' in html and "2026年1月31日" in html
    assert 'id="nav-annual-report"' in html
    html = _client(people["editor"]).get(reverse("publishing:workbench")).content.decode()
    assert 'id="annual-report-deadline"' not in html


def test_public_page_column_and_api(applications: Any, people: Any) -> None:
    anon = Client()
    assert anon.get(reverse("annual_report:public_detail", args=[2025])).status_code == 404
    assert anon.get("/api/v1/reports/annual/2025").status_code == 404
    assert anon.get("/api/v1/reports/annual/2025").json()["error"]["code"] == "report_not_published"
    future = anon.get("/api/v1/reports/annual/2030")
    assert future.status_code == 400 and future.json()["error"]["code"] == "year_not_ended"
    clock = at(D(2026, 1, 12))
    v1 = sign_and_publish(
        services.report_draft(actor=people["officer"], year=2025, clock=clock), people, clock
    )
    column = anon.get(reverse("portal:gk_reports")).content.decode()
    assert 'href="/gk/reports/2025/"' in column and "2025年政府信息公开工作年度报告" in column
    page = anon.get(reverse("annual_report:public_detail", args=[2025])).content.decode()
    assert "草稿" not in page.split('id="annual-report"')[1].split("</article>")[0]
    assert v1.snapshot_sha256 in page
    assert '<td data-cell="table3.1.total">11</td>' in page

    data = anon.get("/api/v1/reports/annual/2025").json()
    assert data["snapshot_sha256"] == v1.snapshot_sha256
    assert [s["title"] for s in data["sections"]] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    rows = {r["code"]: r["cells"] for r in data["sections"][2]["table3"]["rows"]}
    assert rows["1"] == [3, 3, 1, 1, 2, 1, 11]
    assert data["sections"][3]["table4"]["review"]["total"] == 3
    assert data["checks_passed"] is True and any(c["code"] == "text_table" for c in data["checks"])
    assert data["format"] == "国办公开办函〔2021〕30号"

    docx_response = anon.get("/api/v1/reports/annual/2025.docx")
    assert docx_response["Content-Type"].startswith("application/vnd.openxmlformats")
    d = docx.Document(io.BytesIO(docx_response.content))
    assert any(p.text == "2025年政府信息公开工作年度报告" for p in d.paragraphs)
    pdf = anon.get("/api/v1/reports/annual/2025.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert "政府信息公开工作年度报告" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    html = anon.get("/api/v1/reports/annual/2025.html")
    assert (
        html["Content-Type"].startswith("text/html")
        and '<table class="ar-table" id="table3">' in html.content.decode()
    )
    assert anon.get("/api/v1/reports/annual/2025?version=x").status_code == 400
    assert anon.get("/api/v1/reports/annual/2025?version=7").status_code == 404

    # A correction: the column and the API show version 2 with its note; version 1 stays readable.
    v2 = services.report_correct(actor=people["officer"], report=v1, note="更正表三数字", clock=clock)
    sign_and_publish(v2, people, clock)
    assert anon.get("/api/v1/reports/annual/2025").json()["version"] == 2
    assert anon.get("/api/v1/reports/annual/2025?version=1").json()["status"] == "corrected"
    column = anon.get(reverse("portal:gk_reports")).content.decode()
    assert "第2版（已更正）" in column and "更正表三数字" in column
    page = anon.get(reverse("annual_report:public_detail", args=[2025])).content.decode()
    assert 'id="correction-note"' in page and "更正表三数字" in page
    old = anon.get(reverse("annual_report:public_detail", args=[2025]) + "?version=1").content.decode()
    assert "本版本已被更正" in old


def test_openapi_lists_the_report_endpoints(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for suffix in ("", ".docx", ".pdf", ".html"):
        assert f"/api/v1/reports/annual/{{year}}{suffix}" in paths


def test_the_column_without_reports_and_unknown_public_years(db: None) -> None:
    anon = Client()
    html = anon.get(reverse("portal:gk_reports")).content.decode()
    assert "本平台尚未发布年度报告" in html
    assert anon.get("/gk/reports/2019/").status_code == 404
    assert anon.get("/gk/reports/2019.pdf").status_code == 404
