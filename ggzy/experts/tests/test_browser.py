"""Issue #7's "done when", in a real browser: a tenderer requests a committee, publishes the
commitment, contributes entropy at the terminal and draws; it sees counts but not names; experts
answer — one declines and the next reserve is drawn and confirms; center staff record the
evaluation start and end; the public verification page recomputes the draw and shows that it
matches; ``ggzy experts verify-draw`` does the same from the command line.

The browser drives real time: the section's bid deadline is yesterday and the evaluation is
tomorrow (construction: no working-day timing rule applies, so the test does not depend on the
calendar year it runs in)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from ggzy.core.clock import SHANGHAI, system_clock
from ggzy.experts import services
from ggzy.experts.models import Draw, Seat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "e2e-password-123"


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/manage/|/accounts/"))


def test_request_draw_confirm_decline_reserve_verify(
    page: Any,
    live_server: Any,
    world: Any,
    make_section: Any,
    make_expert: Any,
    expert_login: Any,
    make_user: Any,
) -> None:
    base = live_server.url
    now = system_clock.now()
    section = make_section(deadline=now - dt.timedelta(days=1))
    experts = [make_expert(("A0801",), name=f"张工{i}") for i in range(8)]
    for e in experts:
        expert_login(e, password=PASSWORD)
    tenderer = make_user("tenderer", org=world.tenderer_org, username="e2e-tenderer", password=PASSWORD)
    admin = make_user("system_admin", org=world.admin.organisation, username="e2e-admin", password=PASSWORD)

    # -- the tenderer requests a committee for its section
    login(page, base, tenderer.username)
    page.goto(f"{base}/manage/experts/draws/")
    page.locator(f"#new-draw-{section.pk}").click()
    page.locator("select[name='specialty_1']").select_option("A0801")
    page.get_by_label("专业 1 抽取人数").fill("5")
    page.get_by_label("专业 1 备选人数").fill("2")
    when = (now + dt.timedelta(days=1)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("评标时间").fill(when)
    page.get_by_label("评标地点").fill("交易中心第三评标室")
    page.locator("#btn-request").click()
    page.wait_for_url(re.compile(r"/manage/experts/draws/\d+/$"))
    draw = Draw.objects.get(section=section)
    assert page.locator("#draw-status").inner_text() == "待提交"

    # -- commitment, entropy at the terminal, draw
    page.locator("#btn-commit").click()
    page.wait_for_load_state()
    commitment = page.locator("#commitment-value").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", commitment)
    page.locator("#btn-generate").click()
    assert re.fullmatch(r"\d{12}", page.get_by_label("随机数（在抽取终端输入或点击生成）").input_value())
    page.locator("#btn-entropy").click()
    page.wait_for_load_state()
    page.locator("#btn-execute").click()
    expect(page.locator("#draw-status")).to_have_text("已抽取，待专家确认")
    assert page.locator("#count-A0801 .waiting").inner_text() == "5"
    assert page.locator("#names-hidden").is_visible()
    body = page.locator("body").inner_text()
    assert not any(e.name in body for e in experts)  # counts, never names

    # -- experts answer: the first declines, a reserve is called up and confirms
    seats = list(
        Seat.objects.filter(draw=draw, principal=True).select_related("expert__user").order_by("position")
    )
    decliner = seats[0]
    login(page, base, decliner.expert.user.username)
    page.goto(f"{base}/manage/experts/me/")
    page.locator(f"#accept-no-{decliner.pk}").check()
    page.locator(f"#reason-{decliner.pk}").fill("当天另有评审任务")
    page.locator(f"#btn-respond-{decliner.pk}").click()
    page.wait_for_load_state()
    assert page.locator(f"#notice-{decliner.pk} .seat-status").inner_text() == "已拒绝"
    reserve = Seat.objects.select_related("expert__user").get(draw=draw, position=5)
    assert reserve.status == "notified"
    login(page, base, reserve.expert.user.username)
    page.goto(f"{base}/manage/experts/me/")
    page.locator(f"#accept-yes-{reserve.pk}").check()
    page.locator(f"#btn-respond-{reserve.pk}").click()
    page.wait_for_load_state()
    assert page.locator(f"#notice-{reserve.pk} .seat-status").inner_text() == "已确认参加"
    for seat in seats[1:]:  # the other four confirm (through the same service the page calls)
        services.seat_respond(actor=seat.expert.user, draw_id=draw.pk, seat_id=seat.pk, accept=True)

    # -- the tenderer sees the committee complete, still without names
    login(page, base, tenderer.username)
    page.goto(f"{base}/manage/experts/draws/{draw.pk}/")
    assert page.locator("#draw-status").inner_text() == "评标委员会已组成"
    assert page.locator("#count-A0801 .confirmed").inner_text() == "5"
    assert page.locator("#count-A0801 .declined").inner_text() == "1"
    assert not any(e.name in page.locator("body").inner_text() for e in experts)

    # -- center staff: evaluation starts, ends; the data are revealed
    login(page, base, admin.username)
    page.goto(f"{base}/manage/experts/draws/{draw.pk}/")
    page.locator("#btn-start").click()
    page.wait_for_load_state()
    page.locator("#btn-reveal").click()
    page.wait_for_load_state()
    page.locator("#link-verify").click()

    # -- the public verification page (no login needed)
    page.context.clear_cookies()
    page.goto(f"{base}/experts/verify/{draw.pk}/")
    assert "验证通过" in page.locator("#verify-result").inner_text()
    assert page.locator("#check-table tbody tr").count() == 7

    out = io.StringIO()
    call_command("experts", "verify-draw", str(draw.pk), stdout=out)
    assert "验证通过" in out.getvalue()
