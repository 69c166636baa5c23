"""The clarification pages: the committee's and the bidder's, who sees what, Chinese messages
for bad input (never a 500), files up and down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ggzy.core.clock import SHANGHAI, FixedClock
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import services
from ggzy.evaluation.models import Clarification
from ggzy.evaluation.tests.conftest import seats, summaries
from ggzy.evaluation.tests.test_clarifications import ABNORMAL, PDF, _declare_and_elect
from ggzy.evaluation.views import pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def fixed(monkeypatch: Any, eclock: FixedClock) -> FixedClock:
    monkeypatch.setattr(pages, "clock", eclock)
    return eclock


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_committee_sends_and_sees_errors_in_chinese(world: Any, room: Any, fixed: FixedClock) -> None:
    _declare_and_elect(world, room, fixed)
    chair = as_user(world.experts[0])
    url = f"/manage/evaluation/{room.pk}/clarifications/"
    page = chair.get(url).content.decode()
    assert 'for="send-question"' in page and "乙设备有限公司" in page
    # the default deadline offered: now + GGZY_EVALUATION_CLARIFICATION_HOURS (2 h) in Beijing time
    assert f'value="{local(fixed.now() + dt.timedelta(hours=2))}"' in page
    bid = room.bids.get(bid_ref="B2")
    response = chair.post(
        url,
        {
            "bid": bid.pk,
            "kind": "question",
            "question": "请说明交货期。",
            "deadline": local(fixed.now() - dt.timedelta(hours=1)),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and "答复截止时间须晚于当前时间" in body
    assert 'aria-invalid="true"' in body and "请说明交货期。" in body  # the input is kept
    for data, message in (
        ({"bid": "x", "kind": "question", "question": "q"}, "请选择投标人"),
        ({"bid": bid.pk, "kind": "question", "question": "q", "deadline": "明天"}, "有效的日期时间"),
        ({"bid": bid.pk, "kind": "question", "question": ""}, "请填写澄清事项"),
    ):
        assert message in chair.post(url, data).content.decode()
    response = chair.post(
        url,
        {
            "bid": bid.pk,
            "kind": "question",
            "question": "请说明交货期。",
            "deadline": local(fixed.now() + dt.timedelta(hours=4)),
        },
    )
    assert response.status_code == 302
    row = Clarification.objects.get()
    assert row.deadline == fixed.now() + dt.timedelta(hours=4)
    # a member who is not the chair reads, but has no form
    member_page = as_user(world.experts[1]).get(url).content.decode()
    assert "请说明交货期。" in member_page and 'id="send-form"' not in member_page
    response = as_user(world.experts[1]).post(url, {"bid": bid.pk, "kind": "question", "question": "q"})
    assert "主任" in response.content.decode() and Clarification.objects.count() == 1


def test_strangers_and_garbage(
    world: Any, room: Any, fixed: FixedClock, make_user: Any, make_org: Any
) -> None:
    _declare_and_elect(world, room, fixed)
    row = services.clarification_send(
        actor=world.experts[0], bid=room.bids.get(bid_ref="B2"), kind="question", question="问题", clock=fixed
    )
    outsider = make_user("expert", org=make_org("expert", "别的专家库"), username="outsider-c")
    base = f"/manage/evaluation/{room.pk}/clarifications/"
    assert as_user(outsider).get(base).status_code == 403
    assert as_user(outsider).get(f"{base}{row.pk}/").status_code == 403
    assert as_user(world.bidders[1]).get(base).status_code == 403
    assert Client().get(base).status_code == 302
    chair = as_user(world.experts[0])
    assert chair.get(f"{base}999999/").status_code == 404
    assert chair.get(f"{base}{row.pk}/files/999999/").status_code == 404
    for data in ({}, {"action": "nonsense"}, {"action": "accept", "note": "x"}, {"action": "lapse"}):
        response = chair.post(f"{base}{row.pk}/", data)
        assert response.status_code == 200 and 'id="action-error"' in response.content.decode()
    # the bidder side
    assert as_user(world.experts[0]).get("/evaluation/clarifications/").status_code == 403
    assert as_user(world.bidders[0]).get(f"/evaluation/clarifications/{row.pk}/").status_code == 404
    assert (
        as_user(world.bidders[0])
        .post(f"/evaluation/clarifications/{row.pk}/", {"answer": "x", "confirm": "yes"})
        .status_code
        == 404
    )
    assert "问题" not in as_user(world.bidders[0]).get("/evaluation/clarifications/").content.decode()
    assert Client().get("/evaluation/clarifications/").status_code == 302


def test_bidder_answers_on_its_page(world: Any, make_section: Any, fixed: FixedClock) -> None:
    low = services.evaluation_start(
        actor=world.staff,
        section=make_section(params=ABNORMAL),
        opened=summaries(world, prices=("500000", "1000000", "950000")),
        committee=seats(world),
        clock=fixed,
    )
    _declare_and_elect(world, low, fixed)
    row = services.clarification_send(
        actor=world.experts[0], bid=low.bids.get(bid_ref="B1"), kind=cw.ABNORMAL_PRICE,
        question="请说明报价合理性。", clock=fixed,
    )  # fmt: skip
    bidder = as_user(world.bidders[0])
    listing = bidder.get("/evaluation/clarifications/").content.decode()
    assert "异常低价说明" in listing and "待答复" in listing
    url = f"/evaluation/clarifications/{row.pk}/"
    page = bidder.get(url).content.decode()
    assert cw.SUBSTANCE_NOTICE in page and 'name="viewport"' in page and 'for="answer-text"' in page
    response = bidder.post(url, {"answer": "成本构成见附件。"})
    assert response.status_code == 200 and "实质性内容" in response.content.decode()
    fake = SimpleUploadedFile("成本.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = bidder.post(url, {"answer": "成本构成见附件。", "confirm": "yes", "attachments": [fake]})
    assert "内容与扩展名" in response.content.decode()
    upload = SimpleUploadedFile("成本构成.pdf", PDF, content_type="application/pdf")
    response = bidder.post(url, {"answer": "成本构成见附件。", "confirm": "yes", "attachments": [upload]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == cw.ANSWERED
    f = row.files.get()
    for client, link in (
        (bidder, f"/evaluation/clarifications/{row.pk}/files/{f.pk}/"),
        (as_user(world.experts[3]), f"/manage/evaluation/{low.pk}/clarifications/{row.pk}/files/{f.pk}/"),
    ):
        response = client.get(link)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert (
        as_user(world.bidders[1]).get(f"/evaluation/clarifications/{row.pk}/files/{f.pk}/").status_code == 404
    )
    # the committee reads it and rejects; the bidder's page does not tell the decision
    committee_page = as_user(world.experts[2]).get(f"/manage/evaluation/{low.pk}/clarifications/{row.pk}/")
    assert "成本构成见附件。" in committee_page.content.decode()
    as_user(world.experts[0]).post(
        f"/manage/evaluation/{low.pk}/clarifications/{row.pk}/", {"action": "reject", "note": "依据不足"}
    )
    row.refresh_from_db()
    assert row.status == cw.REJECTED
    page = bidder.get(url).content.decode()
    assert "已答复" in page and "依据不足" not in page and cw.STATUS_LABELS[cw.REJECTED] not in page
