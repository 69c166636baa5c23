"""The committee's work through the services on a real database: declarations, chair, review,
scores, the deviation reason, signatures, the ranking and the report, then the publicity,
an objection and the award with a signed, verifiable award letter."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import selectors, services, workflow
from ggzy.evaluation.models import Score
from ggzy.evaluation.tests.conftest import ready_for_scoring, score_all

pytestmark = pytest.mark.django_db


def _read(stored: Any) -> bytes:
    with default_storage.open(stored.path, "rb") as f:
        return f.read()


def sign_everyone(world: Any, evaluation: Any, clock: FixedClock) -> None:
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=evaluation, clock=clock)


def test_expert_sees_bids_only_after_declaring_and_only_own_committee(
    world: Any, room: Any, make_section: Any, eclock: FixedClock
) -> None:
    member = selectors.member_for(room, world.experts[0])
    with pytest.raises(PermissionDenied, match="无利害关系声明"):
        selectors.bids_for_member(member)
    services.member_declare(actor=world.experts[0], evaluation=room, no_conflict=True, clock=eclock)
    member.refresh_from_db()
    assert [b.bid_ref for b in selectors.bids_for_member(member)] == ["B1", "B2", "B3"]
    assert selectors.evaluations_for_expert(world.experts[0]) == [room]
    with pytest.raises(PermissionDenied):
        selectors.member_for(room, world.bidders[0])
    with pytest.raises(ValidationFailed, match="回避"):
        services.member_declare(actor=world.experts[1], evaluation=room, no_conflict=False, clock=eclock)


def test_chair_by_majority_and_only_chair_reviews(world: Any, room: Any, eclock: FixedClock) -> None:
    for user in world.experts:
        services.member_declare(actor=user, evaluation=room, no_conflict=True, clock=eclock)
    candidate = room.members.get(user=world.experts[1])
    assert (
        services.chair_vote(actor=world.experts[0], evaluation=room, candidate=candidate, clock=eclock)
        is None
    )
    assert (
        services.chair_vote(actor=world.experts[2], evaluation=room, candidate=candidate, clock=eclock)
        is None
    )
    chair = services.chair_vote(actor=world.experts[3], evaluation=room, candidate=candidate, clock=eclock)
    assert chair is not None and chair.is_chair
    bid = room.bids.get(bid_ref="B1")
    with pytest.raises(PermissionDenied, match="主任"):
        services.bid_review(actor=world.experts[0], bid=bid, compliant=True, clock=eclock)
    with pytest.raises(ValidationFailed, match="否决理由"):
        services.bid_review(actor=world.experts[1], bid=bid, compliant=False, reason="  ", clock=eclock)
    with pytest.raises(InvalidTransition, match="未完成审查"):
        services.review_finish(actor=world.experts[1], evaluation=room, clock=eclock)


def test_scores_range_signing_deviation_and_final(world: Any, room: Any, eclock: FixedClock) -> None:
    ready_for_scoring(world, room, eclock)
    room.refresh_from_db()
    assert room.status == workflow.SCORING
    b1 = room.bids.get(bid_ref="B1")
    with pytest.raises(ValidationFailed, match="超出范围"):
        services.score_set(actor=world.experts[0], bid=b1, criterion="tech", value="40.5", clock=eclock)
    with pytest.raises(ValidationFailed, match="超出范围"):
        services.score_set(actor=world.experts[0], bid=b1, criterion="tech", value="-1", clock=eclock)
    with pytest.raises(ValidationFailed, match="不是有效分数"):
        services.score_set(actor=world.experts[0], bid=b1, criterion="tech", value="abc", clock=eclock)
    with pytest.raises(ValidationFailed, match="客观分"):
        services.score_set(actor=world.experts[0], bid=b1, criterion="record", value="5", clock=eclock)
    with pytest.raises(InvalidTransition, match="尚未完成评分"):
        services.scores_sign(actor=world.experts[0], evaluation=room, clock=eclock)
    score_all(world, room, eclock)
    # Expert 5 gave B2 tech 5 while the others gave 30: flagged, reason required before signing.
    with pytest.raises(ValidationFailed, match="书面理由"):
        services.scores_sign(actor=world.experts[4], evaluation=room, clock=eclock)
    b2 = room.bids.get(bid_ref="B2")
    services.deviation_justify(
        actor=world.experts[4], bid=b2, criterion="tech", reason="技术方案未响应第3.2条要求", clock=eclock
    )
    sign_everyone(world, room, eclock)
    with pytest.raises(InvalidTransition, match="已签署评分"):
        services.score_set(actor=world.experts[0], bid=b1, criterion="tech", value="20", clock=eclock)
    assert Score.objects.get(member__user=world.experts[0], bid=b1, criterion="tech").value == Decimal("32")


def test_result_report_signatures_publicity_objection_award(
    world: Any, room: Any, eclock: FixedClock, publish: Any, client: Any
) -> None:
    ready_for_scoring(world, room, eclock)
    score_all(world, room, eclock)
    services.deviation_justify(
        actor=world.experts[4], bid=room.bids.get(bid_ref="B2"), criterion="tech", reason="理由", clock=eclock
    )
    sign_everyone(world, room, eclock)
    with pytest.raises(PermissionDenied):
        services.result_compute(actor=world.experts[1], evaluation=room, clock=eclock)
    room = services.result_compute(actor=world.experts[0], evaluation=room, clock=eclock)
    assert room.status == workflow.RESULT
    rows = selectors.result_rows(room)
    # By hand: base = 900000 (lowest). B1: tech 32 + service 16 + record 8 + price 30 = 86.
    # B2: tech (30×4+5)/5 = 25, service 15, record 8, price 900000/1000000×30 = 27 → 75.
    # B3: 28 + 14 + 8 + 900000/950000×30 = 28.42 → 78.42.
    assert [(r["bid_id"], r["total"], r["rank"]) for r in rows] == [
        ("B1", "86.00", 1),
        ("B3", "78.42", 2),
        ("B2", "75.00", 3),
    ]
    assert [r["candidate"] for r in rows] == [True, True, True]
    pdf = _read(room.report_pdf)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == room.report_sha256
    assert _read(room.report_docx).startswith(b"PK")

    with pytest.raises(ValidationFailed, match="不一致"):
        services.report_sign(actor=world.experts[0], evaluation=room, report_sha256="0" * 64, clock=eclock)
    signed = room.report_sha256
    for i, user in enumerate(world.experts):
        services.report_sign(
            actor=user,
            evaluation=room,
            report_sha256=signed,
            dissent="对乙设备技术评分持保留意见" if i == 4 else "",
            clock=eclock,
        )
    room.refresh_from_db()
    assert room.status == workflow.REPORTED and room.report_sha256 != signed  # final carries signatures
    import io

    from docx import Document

    text = "\n".join(
        c.text
        for t in Document(io.BytesIO(_read(room.report_docx))).tables
        for row in t.rows
        for c in row.cells
    )
    assert "对乙设备技术评分持保留意见" in text and "未按要求" not in text and "专家5" in text

    # Publicity shorter than 3 days refused; then a 3-day publicity.
    start = eclock.now()
    with pytest.raises(ValidationFailed, match="不得少于 3 日"):
        services.publicity_start(
            actor=world.staff,
            evaluation=room,
            starts_at=start,
            ends_at=start + dt.timedelta(days=2),
            clock=eclock,
        )
    with pytest.raises(PermissionDenied):
        services.publicity_start(
            actor=world.bidders[0],
            evaluation=room,
            starts_at=start,
            ends_at=start + dt.timedelta(days=3),
            clock=eclock,
        )
    room = services.publicity_start(
        actor=world.staff,
        evaluation=room,
        starts_at=start,
        ends_at=start + dt.timedelta(days=3),
        clock=eclock,
    )
    assert room.candidate_notice is not None and room.candidate_notice.kind == "candidate"
    publish(room.candidate_notice)
    page = client.get(room.candidate_notice.get_absolute_url()).content.decode()
    assert "中标候选人公示" in page and "甲科技有限公司" in page and "86.00" in page
    eclock.advance(days=1)
    objection = services.objection_file(
        actor=world.bidders[1], evaluation=room, text="对技术评分有异议", clock=eclock
    )
    eclock.advance(days=3)
    with pytest.raises(InvalidTransition, match="尚未答复的异议"):
        services.award_confirm(actor=world.tenderer, evaluation=room, clock=eclock)
    services.objection_answer(
        actor=world.tenderer, objection=objection, answer="经复核，评分无误。", clock=eclock
    )
    with pytest.raises(InvalidTransition, match="已答复"):
        services.objection_answer(actor=world.tenderer, objection=objection, answer="再答", clock=eclock)
    room = services.award_confirm(actor=world.tenderer, evaluation=room, clock=eclock)
    assert room.status == workflow.AWARDED and room.winner is not None and room.winner.bid_ref == "B1"
    letter = _read(room.award_letter_pdf)
    assert services.award_letter_verify(room, letter)
    assert not services.award_letter_verify(room, letter + b" ")
    with pytest.raises(InvalidTransition):
        services.award_confirm(actor=world.tenderer, evaluation=room, clock=eclock)
    room = services.award_notice_create(actor=world.staff, evaluation=room, clock=eclock)
    notice = room.award_notice
    assert (
        notice is not None
        and notice.winner_name == "甲科技有限公司"
        and notice.award_amount == Decimal("900000")
    )
    publish(notice)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "专家1" in page  # procurement: the experts' names (87号令 Art. 69)
    actions = set(Event.objects.values_list("action", flat=True))
    assert {"evaluation.scores_sign", "evaluation.report_complete", "evaluation.award_confirm"} <= actions


def test_objection_outside_publicity_and_by_non_bidder_refused(
    world: Any, room: Any, eclock: FixedClock
) -> None:
    with pytest.raises(InvalidTransition):
        services.objection_file(actor=world.bidders[0], evaluation=room, text="异议", clock=eclock)


def test_award_before_publicity_ends_refused(world: Any, room: Any, eclock: FixedClock) -> None:
    with pytest.raises(InvalidTransition):
        services.award_confirm(actor=world.tenderer, evaluation=room, clock=eclock)


def test_all_rejected_fails(world: Any, room: Any, eclock: FixedClock) -> None:
    for user in world.experts:
        services.member_declare(actor=user, evaluation=room, no_conflict=True, clock=eclock)
    chair = room.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=room, candidate=chair, clock=eclock)
    for bid in room.bids.all():
        services.bid_review(
            actor=world.experts[0], bid=bid, compliant=False, reason="报价超过最高限价", clock=eclock
        )
    room = services.review_finish(actor=world.experts[0], evaluation=room, clock=eclock)
    assert room.status == workflow.FAILED and room.failure_code == "all_rejected"


def test_procurement_with_two_valid_bids_fails_after_scoring(
    world: Any, room: Any, eclock: FixedClock
) -> None:
    ready_for_scoring(world, room, eclock, reject="B2")
    score_all(world, room, eclock, outlier=None)
    sign_everyone(world, room, eclock)
    room = services.result_compute(actor=world.experts[0], evaluation=room, clock=eclock)
    assert room.status == workflow.FAILED and room.failure_code == "too_few_valid"
    assert room.report_pdf is not None  # the report records the failure too


def test_start_refused_before_deadline_and_without_method(
    world: Any, make_section: Any, eclock: FixedClock
) -> None:
    from ggzy.evaluation.tests.conftest import seats, summaries

    early = make_section(deadline=eclock.now() + dt.timedelta(hours=1))
    with pytest.raises(InvalidTransition, match="投标截止前"):
        services.evaluation_start(
            actor=world.staff, section=early, opened=summaries(world), committee=seats(world), clock=eclock
        )
    bad = make_section(
        params={"method": "comprehensive_scoring", "category": "goods", "criteria": [], "price_points": "20"}
    )
    with pytest.raises(ValidationFailed):
        services.evaluation_start(
            actor=world.staff, section=bad, opened=summaries(world), committee=seats(world), clock=eclock
        )
    ok = make_section()
    with pytest.raises(ValidationFailed, match="单数"):
        services.evaluation_start(
            actor=world.staff, section=ok, opened=summaries(world), committee=seats(world)[:4], clock=eclock
        )
    with pytest.raises(PermissionDenied):
        services.evaluation_start(
            actor=world.bidders[0], section=ok, opened=summaries(world), committee=seats(world), clock=eclock
        )


def test_report_lists_abnormally_low_prices(world: Any, make_section: Any, eclock: FixedClock) -> None:
    import io

    from docx import Document

    from ggzy.evaluation.tests.conftest import PARAMS, seats, summaries

    params = dict(PARAMS, abnormal_low=[{"reference": "mean", "percent": "80"}])
    evaluation = services.evaluation_start(
        actor=world.staff,
        section=make_section(params=params),
        opened=summaries(world, prices=("500000", "1000000", "950000")),
        committee=seats(world),
        clock=eclock,
    )
    ready_for_scoring(world, evaluation, eclock)
    score_all(world, evaluation, eclock, outlier=None)
    sign_everyone(world, evaluation, eclock)
    # A flagged price needs an accepted written justification before the result (ADR 0026).
    with pytest.raises(InvalidTransition, match="异常低价"):
        services.result_compute(actor=world.experts[0], evaluation=evaluation, clock=eclock)
    request = services.clarification_send(
        actor=world.experts[0],
        bid=evaluation.bids.get(bid_ref="B1"),
        kind="abnormal_price",
        question="请说明报价的合理性。",
        clock=eclock,
    )
    services.clarification_answer(
        actor=world.bidders[0],
        clarification=request,
        answer="库存设备，成本可控。",
        confirm_notice=True,
        clock=eclock,
    )
    services.abnormal_price_accept(
        actor=world.experts[0], clarification=request, note="说明合理", clock=eclock
    )
    evaluation = services.result_compute(actor=world.experts[0], evaluation=evaluation, clock=eclock)
    # mean = (500000 + 1000000 + 950000) / 3 = 816666.67; 80 % = 653333.33 > 500000: flagged.
    assert [(a["bid_id"], a["threshold"]) for a in evaluation.result["abnormal_low"]] == [("B1", "653333.33")]
    doc = Document(io.BytesIO(_read(evaluation.report_docx)))
    assert any("异常低价" in p.text for p in doc.paragraphs)


def test_winner_declines_next_candidate_then_exhausted(world: Any, room: Any, eclock: FixedClock) -> None:
    ready_for_scoring(world, room, eclock)
    score_all(world, room, eclock, outlier=None)
    sign_everyone(world, room, eclock)
    room = services.result_compute(actor=world.experts[0], evaluation=room, clock=eclock)
    for user in world.experts:
        services.report_sign(actor=user, evaluation=room, report_sha256=room.report_sha256, clock=eclock)
    start = eclock.now()
    services.publicity_start(
        actor=world.staff,
        evaluation=room,
        starts_at=start,
        ends_at=start + dt.timedelta(days=3),
        clock=eclock,
    )
    eclock.advance(days=3)
    room = services.award_confirm(actor=world.tenderer, evaluation=room, clock=eclock)
    first_letter = room.award_letter_pdf
    with pytest.raises(ValidationFailed, match="原因"):
        services.winner_decline(actor=world.tenderer, evaluation=room, reason=" ", clock=eclock)
    room = services.winner_decline(actor=world.tenderer, evaluation=room, reason="放弃中标", clock=eclock)
    # Without the outlier B2 = 30 + 15 + 8 + 27 = 80 ranks above B3 = 78.42.
    assert room.winner is not None and room.winner.bid_ref == "B2"
    assert room.award_letter_pdf != first_letter
    assert services.award_letter_verify(room, _read(room.award_letter_pdf))
    room = services.winner_decline(
        actor=world.tenderer, evaluation=room, reason="未按期签订合同", clock=eclock
    )
    assert room.winner is not None and room.winner.bid_ref == "B3"
    room = services.winner_decline(actor=world.tenderer, evaluation=room, reason="放弃", clock=eclock)
    assert (
        room.status == workflow.FAILED and room.failure_code == "candidates_exhausted" and room.winner is None
    )
    assert [d["bid_id"] for d in room.declined] == ["B1", "B2", "B3"]
