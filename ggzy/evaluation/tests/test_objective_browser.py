"""The chair enters the committee's objective scores (客观分) in the room in a real browser: the room
lists the bids still missing them, a value out of range is refused with the reason, a saved value
is shown to another member read only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.evaluation import services
from ggzy.evaluation.tests.conftest import T0, seats, summaries
from ggzy.evaluation.tests.realkit import PASSWORD
from ggzy.evaluation.views import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


def test_chair_enters_objective_scores(
    page: Any, live_server: Any, world: Any, make_section: Any, monkeypatch: Any
) -> None:
    base = live_server.url
    clock = FixedClock(T0)
    monkeypatch.setattr(pages, "clock", clock)
    evaluation = services.evaluation_start(
        actor=world.staff,
        section=make_section(),
        opened=summaries(world, objective=False),
        committee=seats(world),
        clock=clock,
    )
    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair_seat = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair_seat, clock=clock)

    login(page, base, world.experts[0].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    assert "乙设备有限公司：业绩" in page.locator("#objective-missing").inner_text()
    field = page.get_by_label("乙设备有限公司 业绩（客观分，0–10）")
    field.fill("12")
    page.locator("#btn-objective-B2").click()
    page.wait_for_load_state()
    assert "超出范围（0–10）" in page.locator("#action-error").inner_text()
    page.get_by_label("乙设备有限公司 业绩（客观分，0–10）").fill("9.5")
    page.locator("#btn-objective-B2").click()
    page.wait_for_url(re.compile(rf"/manage/evaluation/{evaluation.pk}/$"))
    assert page.locator("#action-error").count() == 0
    assert page.get_by_label("乙设备有限公司 业绩（客观分，0–10）").input_value() == "9.5"
    assert "乙设备有限公司" not in page.locator("#objective-missing").inner_text()
    assert evaluation.bids.get(bid_ref="B2").objective == {"record": "9.5"}

    login(page, base, world.experts[1].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    shown = page.get_by_label("乙设备有限公司 业绩（客观分，0–10）")
    assert shown.input_value() == "9.5" and shown.is_disabled()
    assert page.locator("#btn-objective-B2").count() == 0
