"""In a real browser: a system administrator tightens a rule on the tuning page, a bad params
value is refused with the reason, and 规则试算 shows the findings of the tuned rule — then the
same notice passes once the dates are fixed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.compliance.models import ComplianceRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "e2e-password-123"


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def test_tune_rule_and_trial(page: Any, live_server: Any, make_user: Any, center: Any) -> None:
    make_user("system_admin", org=center, username="cmp-admin", password=PASSWORD)
    base = live_server.url
    login(page, base, "cmp-admin")
    page.locator("#nav-compliance").click()
    page.wait_for_url(re.compile(r"/manage/compliance/$"))
    page.locator("#edit-candidate_publicity").click()

    params = page.get_by_label("参数（JSON）")
    params.fill('{"min_days": "five"}')
    page.locator("#btn-rule-save").click()
    assert "应为整数" in page.locator("#form-error").inner_text()

    page.get_by_label("参数（JSON）").fill('{"min_days": 5}')
    page.get_by_label("严重程度").select_option("warning")
    page.get_by_label("提示文字").fill("中标候选人公示期不得少于5日（本市规定）")
    page.locator("#btn-rule-save").click()
    page.wait_for_url(re.compile(r"/manage/compliance/$"))
    row = page.locator("#rule-candidate_publicity")
    assert "警告" in row.locator(".rule-severity").inner_text()
    assert '"min_days": 5' in row.locator(".rule-params").inner_text()
    rule = ComplianceRule.objects.get(code="candidate_publicity")
    assert rule.params == {"min_days": 5} and rule.severity == "warning"

    page.locator("#tab-trial").click()
    page.get_by_label("公告类型").select_option("candidate")
    page.get_by_label("交易领域").select_option("construction")
    page.get_by_label("公告标题").fill("教学楼施工中标候选人公示")
    page.locator("#id_project_code").fill("P-2026-001")
    page.locator("#id_project_name").fill("教学楼施工")
    page.get_by_label("公示开始日期").fill("2026-05-11")
    page.get_by_label("公示截止日期").fill("2026-05-14")
    page.get_by_label("公告正文").fill("第一中标候选人：甲建设有限公司；投标人可在公示期内提出异议。")
    page.locator("#btn-trial").click()
    finding = page.locator("tr.finding[data-rule='candidate_publicity']")
    assert "仅3日，不得少于5日" in finding.inner_text()
    assert "本市规定" in finding.inner_text()
    assert page.locator("#trial-summary").inner_text() == "0 个错误，1 个警告"

    page.get_by_label("公示截止日期").fill("2026-05-16")
    page.locator("#btn-trial").click()
    expect(page.locator("#no-findings")).to_be_visible()
    assert page.locator("#trial-summary").inner_text() == "0 个错误，0 个警告"


def test_policy_grid_in_browser_on_phone_width(
    page: Any, live_server: Any, make_user: Any, center: Any
) -> None:
    from ggzy.compliance import selectors

    make_user("system_admin", org=center, username="cmp-admin2", password=PASSWORD)
    page.set_viewport_size({"width": 390, "height": 800})
    login(page, live_server.url, "cmp-admin2")
    page.goto(f"{live_server.url}/manage/compliance/policy/")
    page.get_by_label("招标/采购公告 · 政府采购").select_option("approve_first")
    page.locator("#btn-policy-save").click()
    page.wait_for_url(re.compile(r"/policy/$"))
    assert "修改1项" in page.locator(".messages").inner_text()
    assert selectors.publication_mode(kind="tender", domain="procurement") == "approve_first"
