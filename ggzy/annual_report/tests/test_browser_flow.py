"""The staff flow in a real browser: the officer drafts last year's report (the deadline card
shows it), sees the failing check (五 not written), writes 五, submits; the head reviews; the
leader in charge signs off (snapshot hash shown); the officer publishes; the public finds it in
the 年报 column with its accessible tables and downloads the PDF, whose text and first page are
checked (page 1 rendered to PNG by typst from the same source, not blank)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from ggzy.annual_report import documents
from ggzy.annual_report.models import AnnualReport
from ggzy.annual_report.tests.pngcheck import ink_ratio
from ggzy.core.clock import local_date, system_clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"


@pytest.fixture
def staff_users(make_user: Any, center: Any) -> dict[str, Any]:
    return {
        "officer": make_user("disclosure_officer", org=center, username="ar-e2e-officer", password=PASSWORD),
        "head": make_user("disclosure_head", org=center, username="ar-e2e-head", password=PASSWORD),
        "leader": make_user("second_reviewer", org=center, username="ar-e2e-leader", password=PASSWORD),
    }


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def test_draft_check_sign_off_publish(page: Any, live_server: Any, staff_users: Any, tmp_path: Path) -> None:
    base = live_server.url
    year = local_date(system_clock.now()).year - 1

    login(page, base, "ar-e2e-officer")
    page.goto(f"{base}/manage/")
    card = page.locator("#annual-report-deadline")
    assert f"{year}年政府信息公开工作年度报告" in card.inner_text()
    assert page.locator("#ar-deadline-status").inner_text() == "尚未起草"
    page.locator("#nav-annual-report").click()
    page.get_by_label("报告年度").fill(str(year))
    page.locator("#btn-draft").click()
    page.wait_for_url(re.compile(r"/manage/annual-report/\d+/$"))
    assert page.locator("#report-status").inner_text() == "草稿"
    failing = page.locator("#checks .fail")
    assert failing.count() == 1 and "五、存在的主要问题及改进情况" in failing.inner_text()
    assert page.locator("#table3 tbody tr").count() == 25

    page.get_by_label("五、存在的主要问题及改进情况").fill(
        "一是公众参与度有待提高。二是代理机构发布信息需加强事前审核。"
    )
    page.locator("#btn-save-text").click()
    page.wait_for_load_state()
    assert page.locator("#checks-ok").count() == 1
    page.locator("#btn-submit").click()
    page.wait_for_load_state()
    assert page.locator("#report-status").inner_text() == "待审核"
    report_url = page.url

    login(page, base, "ar-e2e-head")
    page.goto(report_url)
    page.locator("#btn-review").click()
    page.wait_for_load_state()
    assert page.locator("#report-status").inner_text() == "待签发"

    login(page, base, "ar-e2e-leader")
    page.goto(report_url)
    assert page.locator("#btn-publish").count() == 0
    page.locator("#btn-sign-off").click()
    page.wait_for_load_state()
    assert page.locator("#report-status").inner_text() == "已签发待公布"
    sha = page.locator("#snapshot-sha").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)

    login(page, base, "ar-e2e-officer")
    page.goto(report_url)
    page.locator("#btn-publish").click()
    page.wait_for_load_state()
    assert page.locator("#report-status").inner_text() == "已公布"

    # The public side.
    page.context.clear_cookies()
    page.goto(f"{base}/gk/reports/")
    page.get_by_role("link", name=f"{year}年政府信息公开工作年度报告").click()
    page.wait_for_url(re.compile(rf"/gk/reports/{year}/$"))
    assert page.locator("#ar-title").inner_text().endswith(f"{year}年政府信息公开工作年度报告")
    header = page.locator("#table3 thead th").first
    assert header.get_attribute("colspan") == "3" and header.get_attribute("rowspan") == "3"
    assert page.locator("#table4 thead th", has_text="行政诉讼").first.get_attribute("colspan") == "10"
    assert page.locator("#chart svg[role='img']").count() == 1
    assert sha in page.content()
    # Phone width: the tables scroll inside their box, the page does not overflow sideways.
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as info:
        page.locator("#dl-pdf").click()
    pdf_path = tmp_path / "report.pdf"
    info.value.save_as(pdf_path)
    reader = pypdf.PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))
    assert f"{year}年政府信息公开工作年度报告" in text
    assert "一、总体情况" in text and "六、其他需要报告的事项" in text
    report = AnnualReport.objects.get(year=year)
    assert ink_ratio(documents.render_page_png(documents.report_view(report), page=1)) > 0.01
