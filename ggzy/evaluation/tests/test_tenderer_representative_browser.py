"""A tenderer representative (招标人代表) in the evaluation room, in a real browser: the committee
comes from a real opening and a draw with one named representative (``realkit``). The
representative finds the room in the room list, sees no bid before declaring, declares, then
sees the opened bids; in government procurement the chair ballot does not offer the
representative (财库〔2012〕69号), and the representative's vote counts like an expert's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.evaluation import services
from ggzy.evaluation.tests.realkit import PASSWORD
from ggzy.evaluation.tests.test_tenderer_representatives import _with_representative
from ggzy.evaluation.views import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


def test_representative_declares_sees_bids_and_votes(
    page: Any, live_server: Any, staff: dict[str, Any], monkeypatch: Any
) -> None:
    base = live_server.url
    real, rep = _with_representative(staff)
    monkeypatch.setattr(pages, "clock", real.clock)
    evaluation = services.evaluation_start(actor=real.host, section=real.section, clock=real.clock)
    members = list(evaluation.members.order_by("pk").select_related("user"))
    experts = [m for m in members if m.role == "expert"]

    login(page, base, rep.username)
    page.goto(f"{base}/manage/evaluation/")
    page.locator(f"#room-{evaluation.pk}").click()
    expect(page.locator("#btn-declare")).to_be_visible()
    assert page.locator("#bid-table").count() == 0
    page.get_by_label(re.compile("不存在利害关系")).check()
    page.locator("#btn-declare").click()
    expect(page.locator("#bid-table tbody tr")).to_have_count(3)
    options = page.locator("#candidate option")
    expect(options).to_have_count(4)
    assert "王代表" not in page.locator("#candidate").inner_text()
    assert options.first.inner_text() == experts[0].name
    page.locator("#btn-vote").click()
    expect(page.get_by_text(f"已投票：{experts[0].name}")).to_be_visible()
    expect(page.locator("#chair-name")).to_have_text("尚未推选")

    # two experts join the representative's vote: 3 of 5, the first expert is elected chair
    for m, chair_after in ((experts[1], "尚未推选"), (experts[2], experts[0].name)):
        login(page, base, m.user.username)
        page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
        page.get_by_label(re.compile("不存在利害关系")).check()
        page.locator("#btn-declare").click()
        expect(page.locator("#btn-vote")).to_be_visible()
        page.locator("#btn-vote").click()
        expect(page.locator("#chair-name")).to_have_text(chair_after)
        if chair_after == "尚未推选":
            expect(page.get_by_text(f"已投票：{experts[0].name}")).to_be_visible()
    assert evaluation.members.get(is_chair=True).pk == experts[0].pk
