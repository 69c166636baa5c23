"""Clarifications in a real browser (ADR 0026). Preconditions through services (the section with
an abnormal-low rule, the opened bids, the committee declared with its chair). Then on the pages:
the chair sends a clarification to 乙 and an abnormal-price request to 甲 (flagged); 乙 answers
on its bidder page on a phone-sized screen; 甲 sends a written justification with a cost
breakdown file; a member reads both; the chair rejects 甲's justification and the room shows
the bid rejected with "不能合理说明其报价"; a late answer is refused on the page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from ggzy.core.clock import FixedClock
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import services, tasks
from ggzy.evaluation.models import Clarification
from ggzy.evaluation.tests.browser_support import NOW, login
from ggzy.evaluation.tests.conftest import seats, summaries
from ggzy.evaluation.tests.test_clarifications import ABNORMAL, PDF
from ggzy.evaluation.views import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clarification_and_abnormal_price_flow(
    page: Any, live_server: Any, world: Any, make_section: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    base = live_server.url
    clock = FixedClock(NOW)
    monkeypatch.setattr(pages, "clock", clock)
    monkeypatch.setattr(tasks, "clock", clock)
    world.bidders[1].phone = "13912345678"  # 乙 gets an SMS; 甲 has no contact on file
    world.bidders[1].save(update_fields=["phone"])
    evaluation = services.evaluation_start(
        actor=world.staff,
        section=make_section(params=ABNORMAL, deadline=NOW - dt.timedelta(days=1)),
        opened=summaries(world, prices=("500000", "1000000", "950000")),
        committee=seats(world),
        clock=clock,
    )
    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair_seat = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair_seat, clock=clock)
    chair = world.experts[0]

    # -- the chair: from the room to the clarification page; 甲's price is flagged
    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    page.locator("#link-clarifications").click()
    page.wait_for_url(re.compile(r"/clarifications/$"))
    assert "甲科技有限公司" in page.locator("#flag-table").inner_text()
    # a deadline in the past is refused with the reason
    page.get_by_label("投标人", exact=True).select_option(str(evaluation.bids.get(bid_ref="B2").pk))
    page.get_by_label("澄清事项").fill("请说明投标文件第 3.2 条所列交货期是否含安装调试时间。")
    page.get_by_label("答复截止时间（北京时间）").fill("2026-11-26T09:00")
    page.locator("#btn-send").click()
    assert "答复截止时间须晚于当前时间" in page.locator("#action-error").inner_text()
    page.get_by_label("答复截止时间（北京时间）").fill("2026-11-26T12:00")  # two hours from now
    page.locator("#btn-send").click()
    page.wait_for_load_state()
    page.get_by_label("投标人", exact=True).select_option(
        label="甲科技有限公司（报价 500000.00 元，异常低价）"
    )
    page.get_by_label("异常低价说明").check()
    page.get_by_label("澄清事项").fill("贵单位报价明显低于其他投标人报价，请书面说明其合理性并提供成本构成。")
    page.locator("#btn-send").click()  # the default deadline: two hours from now
    page.wait_for_load_state()
    rows = page.locator("#clarification-table tbody tr")
    assert rows.count() == 2 and rows.nth(0).locator(".clarification-status").inner_text() == "待答复"
    expect(rows.nth(0).locator(".clarification-notice")).to_have_text("已通知 11-26 10:00")
    expect(rows.nth(1).locator(".clarification-notice")).to_have_text("通知失败")
    question = Clarification.objects.get(kind=cw.QUESTION)
    abnormal = Clarification.objects.get(kind=cw.ABNORMAL_PRICE)
    assert abnormal.deadline == NOW + dt.timedelta(hours=2)

    # -- 乙 answers on its phone
    login(page, base, world.bidders[1].username)
    page.goto(f"{base}/manage/")
    page.locator("#nav-clarifications").click()  # the back office lists the bidder's requests
    page.set_viewport_size({"width": 375, "height": 760})
    page.locator(f"#open-bidder-clarification-{question.pk}").click()
    assert cw.SUBSTANCE_NOTICE in page.locator("#substance-notice").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("答复内容").fill("交货期 30 日含安装调试时间。")
    page.locator("#btn-answer").click()
    assert "实质性内容" in page.locator("#action-error").inner_text()  # the notice must be confirmed
    page.get_by_label(re.compile("本单位确认")).check()
    page.locator("#btn-answer").click()
    page.wait_for_load_state()
    assert page.locator("#clarification-status").inner_text() == "已答复"
    assert page.locator("#clarification-answer").inner_text() == "交货期 30 日含安装调试时间。"
    # 乙 cannot open 甲's request
    page.goto(f"{base}/evaluation/clarifications/{abnormal.pk}/")
    assert page.locator("#error-message").inner_text() == "未找到该澄清要求。"

    # -- 甲 justifies its price with a cost breakdown
    clock.advance(minutes=40)
    cost = tmp_path / "成本构成表.pdf"
    cost.write_bytes(PDF)
    login(page, base, world.bidders[0].username)
    page.goto(f"{base}/evaluation/clarifications/{abnormal.pk}/")
    assert page.locator("#abnormal-hint").is_visible()
    page.get_by_label("答复内容").fill("本公司为生产厂家，原材料自产，详见成本构成表。")
    page.get_by_label(re.compile("附件")).set_input_files(str(cost))
    page.get_by_label(re.compile("本单位确认")).check()
    page.locator("#btn-answer").click()
    page.wait_for_load_state()
    assert page.locator("#answer-files").inner_text().startswith("成本构成表.pdf")
    page.set_viewport_size({"width": 1280, "height": 900})

    # -- a member reads both answers (and has no decision form); the chair rejects 甲's
    login(page, base, world.experts[3].username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/clarifications/{question.pk}/")
    assert page.locator("#clarification-answer").inner_text() == "交货期 30 日含安装调试时间。"
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/clarifications/{abnormal.pk}/")
    assert "原材料自产" in page.locator("#clarification-answer").inner_text()
    assert page.locator("#decide-form").count() == 0
    with page.expect_download() as info:
        page.get_by_role("link", name="成本构成表.pdf").click()
    assert Path(info.value.path()).read_bytes() == PDF

    login(page, base, chair.username)
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/clarifications/{abnormal.pk}/")
    page.locator("#btn-reject").click()
    assert "认定理由" in page.locator("#action-error").inner_text()
    page.get_by_label("认定理由").fill("成本构成表未列明人工与运输费用，不能证明报价不低于成本。")
    page.locator("#btn-reject").click()
    page.wait_for_load_state()
    assert page.locator("#clarification-status").inner_text() == cw.STATUS_LABELS[cw.REJECTED]
    page.goto(f"{base}/manage/evaluation/{evaluation.pk}/")
    assert "否决：不能合理说明其报价" in page.locator("#bid-B1").inner_text()

    # -- a late answer is refused on the bidder's page
    late = services.clarification_send(
        actor=chair, bid=evaluation.bids.get(bid_ref="B3"), kind=cw.QUESTION, question="请确认质保期。",
        deadline=clock.now() + dt.timedelta(hours=1), clock=clock,
    )  # fmt: skip
    login(page, base, world.bidders[2].username)
    page.goto(f"{base}/evaluation/clarifications/{late.pk}/")
    page.get_by_label("答复内容").fill("质保期三年。")
    page.get_by_label(re.compile("本单位确认")).check()
    clock.advance(hours=2)
    page.locator("#btn-answer").click()
    assert "已超过答复截止时间" in page.locator("#action-error").inner_text()
    page.goto(f"{base}/evaluation/clarifications/{late.pk}/")
    assert page.locator("#answer-closed").is_visible() and page.locator("#answer-form").count() == 0
