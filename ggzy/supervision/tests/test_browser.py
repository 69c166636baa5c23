"""Issue #3's patrol "done when", in a real browser: a patroller opens a round, marks a problem and
issues a correction order; the agency answers it; center staff close it; and the exposure board
shows a published violation. The pages' clock is fixed in 2026 (inside the working-day calendar)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.publishing import services as publishing
from ggzy.supervision import services
from ggzy.supervision.models import CorrectionOrder
from ggzy.supervision.tests.conftest import PASSWORD, sh
from ggzy.supervision.views import common

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/"))


def test_patrol_order_answer_close_and_exposure_board(
    page: Any,
    live_server: Any,
    clock: FixedClock,
    patroller: Any,
    agency: Any,
    agency_user: Any,
    agency_notice: Any,
    staff: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(common, "clock", clock)
    base = live_server.url
    notice = agency_notice(sh(2026, 6, 10, 8, 0), title="某学校食堂改造工程招标公告")
    round_ = services.patrol_rounds_create_due(clock=clock)[0]
    item = round_.items.get()

    # -- the patroller opens the round from the dashboard and marks a problem
    login(page, base, "patroller-a")
    page.locator("#nav-supervision").click()
    page.locator(f"#round-link-{round_.pk}").click()
    page.wait_for_url(re.compile(rf"/rounds/{round_.pk}/"))
    assert notice.title in page.locator(f"#item-{item.pk}").inner_text()
    form = page.locator(f"#form-verdict-{item.pk}")
    form.get_by_label("有问题").check()
    form.get_by_label("巡查意见").fill("投标截止时间距文件发售不足20日")
    page.locator(f"#btn-verdict-{item.pk}").click()
    page.wait_for_load_state()
    assert page.locator(f"#verdict-{item.pk}").inner_text() == "有问题"

    # -- and issues a correction order
    page.locator(f"#panel-order-{item.pk} > summary").click()
    order_form = page.locator(f"#form-order-{item.pk}")
    order_form.get_by_label("整改要求").fill("发布变更公告，顺延投标截止时间")
    order_form.get_by_label("整改期限（工作日）").fill("5")
    page.locator(f"#btn-order-{item.pk}").click()
    page.wait_for_url(re.compile(r"/orders/\d+/"))
    order = CorrectionOrder.objects.get()
    assert page.locator("#order-status").inner_text() == "待整改"
    assert page.locator("#order-deadline").inner_text() == "2026-06-17"

    # -- the agency answers
    login(page, base, "agency-a")
    page.locator("#nav-orders").click()
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("textbox", name="整改情况").fill("已发布变更公告，投标截止时间顺延至7月6日")
    page.locator("#btn-answer").click()
    page.wait_for_load_state()
    assert page.locator("#order-status").inner_text() == "已回复"

    # -- center staff close it
    login(page, base, "patroller-a")
    page.goto(f"{base}/manage/supervision/orders/{order.pk}/")
    page.get_by_label("验收/退回意见").fill("整改到位")
    page.locator("#btn-close").click()
    page.wait_for_load_state()
    assert page.locator("#order-status").inner_text() == "已办结"

    # -- the round is completed and counts on the dashboard
    page.goto(f"{base}/manage/supervision/rounds/{round_.pk}/")
    page.locator("#btn-complete").click()
    page.wait_for_load_state()
    assert page.locator("#round-status").inner_text() == "已完成"

    # -- the exposure board shows a published violation
    violation = services.violation_create(
        actor=staff["editor"],
        subject_kind="agency",
        organisation=agency,
        facts="在招标公告中设置不合理的投标截止时间",
        authority="示范市公共资源交易监督管理局",
        decision_number="示公管罚〔2026〕7号",
        penalty="通报批评",
        decided_on=dt.date(2026, 6, 9),
        clock=clock,
    )
    article = violation.article
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=staff[role], item=article, clock=clock)
    page.goto(f"{base}/credit/")
    page.locator("#link-exposure-board").click()
    page.wait_for_url(re.compile(r"/credit/exposure/"))
    entry = page.locator(f"#violation-{violation.pk}")
    assert agency.name in entry.inner_text() and "示公管罚〔2026〕7号" in entry.inner_text()
    page.locator("#f-kind").select_option("expert")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    assert page.locator(f"#violation-{violation.pk}").count() == 0
    # Phone width: the board still reads without horizontal scrolling.
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base}/credit/exposure/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
