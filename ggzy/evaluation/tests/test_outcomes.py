"""Outcomes through the real services (ADR 0027): the result notifications issued with the award
(signed, verifiable, audited in the award's transaction, a new round when the winner declines,
first reading recorded, nobody else's to read), and the failed section: the tenderer re-tenders or
terminates (trading's section follows), the termination notice is drafted, released and shown on
the portal."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from pypdf import PdfReader

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.evaluation import selectors, services, workflow
from ggzy.evaluation.models import ResultNotification, Termination
from ggzy.evaluation.tests.conftest import T0, seats, summaries
from ggzy.evaluation.tests.outcome_support import (
    build_section,
    close,
    reject_all,
    start,
    to_award,
    to_publicity_end,
)

pytestmark = pytest.mark.django_db

DEADLINE = T0 + dt.timedelta(days=20)


def _read(stored: Any) -> bytes:
    with default_storage.open(stored.path, "rb") as f:
        return f.read()


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace(" ", "")


@pytest.fixture
def fourth(make_org: Any, make_user: Any, world: Any) -> Any:
    org = make_org("bidder", "丁工程有限公司")
    make_user("bidder", org=org, username="bidder4")
    return org


@pytest.fixture
def awarded(world: Any, staff: Any, publish: Any, eclock: FixedClock, fourth: Any) -> Any:
    """Four bids on a procurement section; 丁 (B4) rejected; 甲 (B1) wins at 900000."""
    section = build_section(world, staff, publish, eclock, deadline=DEADLINE)
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    close(section, eclock)
    evaluation = start(world, section, eclock, ("900000", "1000000", "950000", "880000"), extra=[fourth])
    return to_award(world, evaluation, eclock, reject="B4")


def test_award_notifies_every_other_bidder_with_own_outcome(awarded: Any, world: Any, fourth: Any) -> None:
    rows = {n.bid.bid_ref: n for n in ResultNotification.objects.filter(evaluation=awarded)}
    assert set(rows) == {"B2", "B3", "B4"}  # not the winner
    # Without an outlier, by hand: B1 86.00, B2 30+15+8+27 = 80.00, B3 28+14+8+28.42 = 78.42.
    b2, b3, b4 = rows["B2"], rows["B3"], rows["B4"]
    assert (b2.rank, b2.total, b3.rank, b3.total) == (2, "80.00", 3, "78.42")
    assert "评审得分 80.00 分，排名第 2 名" in b2.outcome
    assert b4.rank is None and b4.rejection_reason == "未按要求提供资格证明文件"
    assert "被否决" in b4.outcome and "未按要求提供资格证明文件" in b4.outcome
    assert {n.winner_name for n in rows.values()} == {"甲科技有限公司"}
    assert {n.winning_price for n in rows.values()} == {Decimal("900000")}
    # Addressed: by name for summaries without an organisation; procurement: 质疑 route.
    assert b2.organisation == world.bidder_orgs[1] and b4.organisation == fourth
    assert "7 个工作日" in b2.complaint_route and "第五十二条" in b2.complaint_route
    assert all(n.issued_at == awarded.awarded_at and n.first_read_at is None for n in rows.values())
    pdf = _read(b2.pdf)
    assert pdf.startswith(b"%PDF") and services.notification_verify(b2, pdf)
    assert not services.notification_verify(b2, pdf + b" ")
    assert not services.notification_verify(b3, pdf)  # B3's signature is over B3's PDF
    text = _text(pdf)
    assert "中标结果通知书" in text and "甲科技有限公司" in text and "80.00" in text and "质疑" in text
    actions = list(
        Event.objects.filter(action__in=["evaluation.award_confirm", "evaluation.notification_issue"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["evaluation.award_confirm"] + ["evaluation.notification_issue"] * 3


def test_award_and_notifications_are_one_transaction(
    world: Any, staff: Any, publish: Any, eclock: FixedClock
) -> None:
    """A notification that cannot be written (here: a row already holding its place) undoes the
    award: no winner, no letter, no audit event."""
    section = build_section(world, staff, publish, eclock, deadline=DEADLINE)
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    close(section, eclock)
    evaluation = start(world, section, eclock, ("900000", "1000000", "950000"))
    evaluation = to_publicity_end(world, evaluation, eclock)
    squat = ResultNotification.objects.create(
        evaluation=evaluation,
        bid=evaluation.bids.get(bid_ref="B3"),
        bidder_name="占位",
        winner_name="占位",
        winning_price=Decimal(1),
        outcome="占位",
        complaint_route="占位",
        pdf=evaluation.report_pdf,
        signature="x",
        key_id="x",
        issued_at=eclock.now(),
    )
    events = Event.objects.count()
    with pytest.raises(IntegrityError):
        services.award_confirm(actor=world.tenderer, evaluation=evaluation, clock=eclock)
    evaluation.refresh_from_db()
    assert evaluation.status == workflow.PUBLICITY and evaluation.winner is None
    assert evaluation.award_letter_pdf is None and Event.objects.count() == events
    assert list(ResultNotification.objects.filter(evaluation=evaluation)) == [squat]


def test_declining_winner_brings_a_new_round(awarded: Any, world: Any, eclock: FixedClock) -> None:
    evaluation = services.winner_decline(
        actor=world.tenderer, evaluation=awarded, reason="放弃中标", clock=eclock
    )
    assert evaluation.winner is not None and evaluation.winner.bid_ref == "B2"
    second = {
        n.bid.bid_ref: n for n in ResultNotification.objects.filter(evaluation=evaluation, award_round=2)
    }
    assert set(second) == {"B1", "B3", "B4"}
    assert "已放弃中标（放弃中标）" in second["B1"].outcome and "排名第 1 名" in second["B1"].outcome
    assert {n.winner_name for n in second.values()} == {"乙设备有限公司"}
    assert ResultNotification.objects.filter(evaluation=evaluation, award_round=1).count() == 3


def test_letters_and_notifications_follow_the_deployment_suite(
    awarded: Any, world: Any, eclock: FixedClock, settings: Any
) -> None:
    """Signed under intl, then the deployment switches to sm: the new round is signed with the SM2
    platform key and the earlier letters still verify with the key that signed them."""
    first = {n.bid.bid_ref: n for n in ResultNotification.objects.filter(evaluation=awarded)}
    intl_key_id = awarded.award_letter_key_id
    settings.GGZY_CRYPTO_SUITE = "sm"
    evaluation = services.winner_decline(
        actor=world.tenderer, evaluation=awarded, reason="放弃中标", clock=eclock
    )
    assert evaluation.award_letter_key_id and evaluation.award_letter_key_id != intl_key_id
    letter = _read(evaluation.award_letter_pdf)
    assert services.award_letter_verify(evaluation, letter)
    assert not services.award_letter_verify(evaluation, letter + b" ")
    second = ResultNotification.objects.get(evaluation=evaluation, award_round=2, bid__bid_ref="B1")
    assert second.key_id == evaluation.award_letter_key_id
    assert services.notification_verify(second, _read(second.pdf))
    old = first["B2"]
    assert old.key_id == intl_key_id and services.notification_verify(old, _read(old.pdf))
    assert not services.notification_verify(old, _read(second.pdf))


def test_reading_is_recorded_once_and_only_the_addressee_reads(
    awarded: Any, world: Any, eclock: FixedClock, make_user: Any
) -> None:
    mine = ResultNotification.objects.get(evaluation=awarded, bid__bid_ref="B2")
    other = world.bidders[2]  # 丙, addressed B3
    with pytest.raises(NotFound):
        services.notification_read(actor=other, notification=mine, clock=eclock)
    with pytest.raises(NotFound):
        selectors.notification_for_bidder(other, mine.pk)
    with pytest.raises(NotFound):
        selectors.notification_for_bidder(world.bidders[1], "abc")
    assert [n.pk for n in selectors.notifications_for_bidder(other)] == [
        ResultNotification.objects.get(evaluation=awarded, bid__bid_ref="B3").pk
    ]
    assert selectors.notifications_for_bidder(world.bidders[0]) == []  # the winner gets the letter
    assert selectors.notifications_for_bidder(make_user("editor", org=None)) == []
    first = eclock.now()
    read = services.notification_read(actor=world.bidders[1], notification=mine, clock=eclock)
    assert read.first_read_at == first and read.first_read_by == world.bidders[1]
    eclock.advance(hours=2)
    again = services.notification_read(actor=world.bidders[1], notification=mine, clock=eclock)
    assert again.first_read_at == first
    assert Event.objects.filter(action="evaluation.notification_read").count() == 1


# ---------------------------------------------------------------- failed sections


@pytest.fixture
def failed(world: Any, staff: Any, publish: Any, eclock: FixedClock) -> Any:
    section = build_section(world, staff, publish, eclock, deadline=DEADLINE)
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    close(section, eclock)
    evaluation = reject_all(world, start(world, section, eclock, ("900000", "1000000", "950000")), eclock)
    assert evaluation.status == workflow.FAILED and evaluation.failure_code == "all_rejected"
    return evaluation


def test_retender_fails_the_section_and_the_notice_reaches_the_portal(
    failed: Any, world: Any, staff: Any, publish: Any, eclock: FixedClock, client: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.failure_decide(actor=world.bidders[0], evaluation=failed, next_step="retender", clock=eclock)
    with pytest.raises(ValidationFailed, match="重新招标或终止招标"):
        services.failure_decide(actor=world.tenderer, evaluation=failed, next_step="later", clock=eclock)
    with pytest.raises(InvalidTransition, match="决定重新招标或终止"):
        services.termination_notice_create(actor=staff["editor"], evaluation=failed, clock=eclock)
    row = services.failure_decide(actor=world.tenderer, evaluation=failed, next_step="retender", clock=eclock)
    failed.section.refresh_from_db()
    assert failed.section.status == "failed" and "所有投标均未通过" in failed.section.termination_reason
    assert row.category == "所有投标均未通过资格审查或者符合性审查" and "第三十六条" in row.basis
    with pytest.raises(InvalidTransition, match="已决定"):
        services.failure_decide(actor=world.tenderer, evaluation=failed, next_step="terminate", clock=eclock)
    with pytest.raises(PermissionDenied):  # drafting a notice is the center editor's
        services.termination_notice_create(actor=world.tenderer, evaluation=failed, clock=eclock)
    row = services.termination_notice_create(actor=staff["editor"], evaluation=failed, clock=eclock)
    notice = row.notice
    assert notice is not None and notice.kind == "termination" and notice.title.endswith("废标公告")
    assert (notice.project_code, notice.section_code) == (
        failed.section.tender_project.project.code,
        failed.section.code,
    )
    with pytest.raises(InvalidTransition, match="已起草"):
        services.termination_notice_create(actor=staff["editor"], evaluation=failed, clock=eclock)
    assert client.get(notice.get_absolute_url()).status_code == 404  # not public before release
    publish(notice, eclock)
    page = client.get(notice.get_absolute_url()).content.decode()
    for text in (
        "废标公告",
        "所有投标均未通过资格审查或者符合性审查",
        "第三十六条",
        "重新组织招标",
        failed.section.code,
    ):
        assert text in page, text
    actions = set(Event.objects.values_list("action", flat=True))
    assert {
        "evaluation.failure_decide",
        "trading.section_fail",
        "evaluation.termination_notice_create",
    } <= actions


def test_terminate_after_exhausted_candidates_construction(
    world: Any, staff: Any, publish: Any, eclock: FixedClock
) -> None:
    params = {
        "method": "comprehensive_assessment",
        "category": "works",
        "criteria": [
            {"key": "tech", "name": "施工组织设计", "points": "40", "kind": "subjective"},
            {"key": "service", "name": "项目管理机构", "points": "20", "kind": "subjective"},
            {"key": "record", "name": "业绩", "points": "10", "kind": "objective"},
        ],
        "price_points": "30",
        "base_price": {"kind": "trimmed_mean"},
        "slopes": {"above": "1", "below": "0.5"},
        "tie_break": ["lower_bid_price"],
        "candidate_count": 1,
    }
    section = build_section(
        world,
        staff,
        publish,
        eclock,
        deadline=DEADLINE,
        domain="construction",
        method="comprehensive_assessment",
        params=params,
        name="施工一标段",
    )
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    close(section, eclock)
    evaluation = to_award(world, start(world, section, eclock, ("9000000", "10000000", "9500000")), eclock)
    assert ResultNotification.objects.filter(evaluation=evaluation).count() == 2
    b2 = ResultNotification.objects.get(evaluation=evaluation, bid__bid_ref="B2")
    assert "10 日内" in b2.complaint_route and "第六十条" in b2.complaint_route  # tendering law
    evaluation = services.winner_decline(
        actor=world.tenderer, evaluation=evaluation, reason="放弃", clock=eclock
    )
    assert evaluation.status == workflow.FAILED and evaluation.failure_code == "candidates_exhausted"
    row = services.failure_decide(
        actor=world.tenderer, evaluation=evaluation, next_step="terminate", clock=eclock
    )
    section.refresh_from_db()
    assert section.status == "terminated" and section.terminated_at == eclock.now()
    assert "第五十五条" in row.basis
    row = services.termination_notice_create(actor=staff["editor"], evaluation=evaluation, clock=eclock)
    assert row.notice is not None and row.notice.title == "示范市第一中学教学楼新建工程施工一标段终止公告"
    assert "第三十一条" in row.notice.body_html and "投标保证金" in row.notice.body_html


def test_decide_refused_unless_failed(world: Any, room: Any, eclock: FixedClock) -> None:
    with pytest.raises(InvalidTransition, match="评标失败"):
        services.failure_decide(actor=world.tenderer, evaluation=room, next_step="retender", clock=eclock)
    assert not Termination.objects.exists()


def test_section_not_closed_cannot_fail(world: Any, make_section: Any, eclock: FixedClock) -> None:
    """A section still a draft in trading (made directly) is refused by trading's own workflow."""
    evaluation = services.evaluation_start(
        actor=world.staff,
        section=make_section(),
        opened=summaries(world),
        committee=seats(world),
        clock=eclock,
    )
    evaluation = reject_all(world, evaluation, eclock)
    with pytest.raises(InvalidTransition, match="不能认定流标"):
        services.failure_decide(
            actor=world.tenderer, evaluation=evaluation, next_step="retender", clock=eclock
        )
    assert not Termination.objects.exists()


def test_trading_section_fail_checks_its_own_rules(
    world: Any, staff: Any, publish: Any, eclock: FixedClock, make_org: Any, make_user: Any
) -> None:
    from ggzy.trading import services as trading

    section = build_section(world, staff, publish, eclock, deadline=DEADLINE)
    with pytest.raises(InvalidTransition, match="投标中"):  # bidding still open
        trading.section_fail(
            actor=world.tenderer, section=section, retender=True, reason="流标", clock=eclock
        )
    eclock.at = DEADLINE + dt.timedelta(minutes=5)
    close(section, eclock)
    stranger = make_user("tenderer", org=make_org("tenderer", "别的招标人"))
    with pytest.raises(PermissionDenied):
        trading.section_fail(actor=stranger, section=section, retender=True, reason="流标", clock=eclock)
    with pytest.raises(ValidationFailed, match="原因"):
        trading.section_fail(actor=world.tenderer, section=section, retender=True, reason=" ", clock=eclock)
    section = trading.section_fail(
        actor=world.tenderer, section=section, retender=True, reason="流标", clock=eclock
    )
    assert (section.status, section.termination_reason) == ("failed", "流标")
    with pytest.raises(InvalidTransition):
        trading.section_fail(
            actor=world.tenderer, section=section, retender=False, reason="终止", clock=eclock
        )
