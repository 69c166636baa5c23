"""Clarification requests and abnormal-price justifications through the services on a real
database (ADR 0026): who may do what, deadlines, files stored before rows, audit in the same
transaction, the rejection path, the result refused while a decision is missing, the report."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import services, workflow
from ggzy.evaluation.models import Clarification, ClarificationFile
from ggzy.evaluation.services.clarification import price_flags_for
from ggzy.evaluation.tests.conftest import PARAMS, ready_for_scoring, score_all, seats, summaries

pytestmark = pytest.mark.django_db

ABNORMAL = dict(PARAMS, abnormal_low=[{"reference": "mean", "percent": "80"}])
PDF = b"%PDF-1.4\n% cost breakdown\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _read(stored: Any) -> bytes:
    with default_storage.open(stored.path, "rb") as f:
        return bytes(f.read())


def _actions(target: Any) -> list[str]:
    return list(
        Event.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.fixture
def low(world: Any, make_section: Any, eclock: FixedClock) -> Any:
    """An evaluation whose B1 (甲, 500000) is abnormally low (< 80 % of the mean)."""
    return services.evaluation_start(
        actor=world.staff,
        section=make_section(params=ABNORMAL),
        opened=summaries(world, prices=("500000", "1000000", "950000")),
        committee=seats(world),
        clock=eclock,
    )


def _declare_and_elect(world: Any, evaluation: Any, clock: FixedClock) -> None:
    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair, clock=clock)


def _ask(world: Any, evaluation: Any, clock: FixedClock, ref: str = "B2", **kw: Any) -> Clarification:
    args: dict[str, Any] = {"kind": cw.QUESTION, "question": "请说明第 3.2 条的交货期。"} | kw
    return services.clarification_send(
        actor=world.experts[0], bid=evaluation.bids.get(bid_ref=ref), clock=clock, **args
    )


def test_chair_sends_with_the_configured_default_deadline(
    world: Any, room: Any, eclock: FixedClock, settings: Any
) -> None:
    settings.GGZY_EVALUATION_CLARIFICATION_HOURS = 3
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock)
    assert row.status == cw.SENT and row.organisation == world.bidder_orgs[1]
    assert row.deadline == eclock.now() + dt.timedelta(hours=3)
    assert row.flag is None
    assert _actions(row) == ["evaluation.clarification_send"]
    explicit = _ask(world, room, eclock, deadline=eclock.now() + dt.timedelta(hours=30))
    assert explicit.deadline == eclock.now() + dt.timedelta(hours=30)


def test_who_may_send(world: Any, room: Any, eclock: FixedClock, make_user: Any, make_org: Any) -> None:
    bid = room.bids.get(bid_ref="B2")
    outsider = make_user("expert", org=make_org("expert", "另一专家库"), username="expert-outsider")
    for user, error in (
        (outsider, PermissionDenied),  # an expert not on this committee: 403
        (world.bidders[0], PermissionDenied),
        (world.experts[0], PermissionDenied),  # not declared yet
    ):
        with pytest.raises(error) as info:
            services.clarification_send(actor=user, bid=bid, kind=cw.QUESTION, question="问题", clock=eclock)
        assert info.value.http_status == 403
    _declare_and_elect(world, room, eclock)
    with pytest.raises(PermissionDenied, match="主任"):
        services.clarification_send(
            actor=world.experts[1], bid=bid, kind=cw.QUESTION, question="问题", clock=eclock
        )
    assert not Clarification.objects.exists()


def test_bad_requests_are_refused(world: Any, room: Any, eclock: FixedClock) -> None:
    _declare_and_elect(world, room, eclock)
    now = eclock.now()
    for kwargs, match in (
        ({"deadline": now - dt.timedelta(hours=1)}, "晚于当前时间"),
        ({"deadline": now + dt.timedelta(hours=100)}, "72 小时"),
        ({"question": "   "}, "澄清事项"),
        ({"question": "问" * 4001}, "4000"),
        ({"kind": "price_change"}, "类型"),
    ):
        with pytest.raises(ValidationFailed, match=match):
            _ask(world, room, eclock, **kwargs)
    services.bid_review(actor=world.experts[0], bid=room.bids.get(bid_ref="B3"), compliant=False,
                        reason="资格不符", clock=eclock)  # fmt: skip
    with pytest.raises(InvalidTransition, match="已被否决"):
        _ask(world, room, eclock, ref="B3")
    assert not Clarification.objects.exists()


def test_bidder_answers_with_a_file_and_the_committee_reads_it(
    world: Any, room: Any, eclock: FixedClock
) -> None:
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock)
    eclock.advance(minutes=30)
    answered = services.clarification_answer(
        actor=world.bidders[1],
        clarification=row,
        answer="交货期为合同签订后 30 日。",
        confirm_notice=True,
        uploads=[("交货计划.pdf", io.BytesIO(PDF))],
        clock=eclock,
    )
    assert answered.status == cw.ANSWERED and answered.answered_at == eclock.now()
    assert answered.confirmed_notice == cw.SUBSTANCE_NOTICE
    (attached,) = ClarificationFile.objects.filter(clarification=row)
    assert attached.name == "交货计划.pdf" and _read(attached.file) == PDF
    assert attached.file.sha256 == hashlib.sha256(PDF).hexdigest()
    event = Event.objects.get(action="evaluation.clarification_answer")
    assert event.actor_id == world.bidders[1].pk
    assert event.data["files"] == [{"name": "交货计划.pdf", "sha256": attached.file.sha256}]
    assert event.data["confirmed_notice"] == cw.SUBSTANCE_NOTICE
    with pytest.raises(InvalidTransition, match="已答复"):  # answering twice
        services.clarification_answer(
            actor=world.bidders[1], clarification=row, answer="再答", confirm_notice=True, clock=eclock
        )
    with pytest.raises(InvalidTransition, match="已答复"):  # too late to withdraw
        services.clarification_withdraw(actor=world.experts[0], clarification=row, reason="x", clock=eclock)


def test_someone_elses_request_is_not_found(
    world: Any, room: Any, eclock: FixedClock, make_user: Any
) -> None:
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock)  # to 乙 (bidders[1])
    colleague = make_user("bidder", org=world.bidder_orgs[1], username="bidder2b")
    for user in (world.bidders[0], world.experts[0], world.tenderer):
        with pytest.raises(NotFound) as info:
            services.clarification_answer(
                actor=user, clarification=row, answer="答复", confirm_notice=True, clock=eclock
            )
        assert info.value.http_status == 404
    # any user of the addressed organisation may answer
    services.clarification_answer(
        actor=colleague, clarification=row, answer="答复", confirm_notice=True, clock=eclock
    )


def test_bad_answers_leave_nothing_behind(world: Any, room: Any, eclock: FixedClock) -> None:
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock)
    before = Event.objects.count()
    for kwargs, match in (
        ({"answer": " "}, "答复内容"),
        ({"confirm_notice": False}, "实质性内容"),
        ({"uploads": [("成本.pdf", io.BytesIO(b"MZ\x90\x00 not a pdf"))]}, "内容与扩展名"),
        ({"uploads": [("run.exe", io.BytesIO(b"MZ\x90\x00"))]}, "类型不允许"),
        ({"uploads": [("空.pdf", io.BytesIO(b""))]}, "空文件"),
        ({"uploads": [(f"{i}.pdf", io.BytesIO(PDF)) for i in range(cw.ATTACHMENTS_MAX + 1)]}, "最多"),
    ):
        args: dict[str, Any] = {"answer": "答复", "confirm_notice": True} | kwargs
        with pytest.raises(ValidationFailed, match=match):
            services.clarification_answer(actor=world.bidders[1], clarification=row, clock=eclock, **args)
    row.refresh_from_db()
    assert row.status == cw.SENT and row.answer == "" and not row.files.exists()
    assert Event.objects.count() == before


def test_file_size_limit(world: Any, room: Any, eclock: FixedClock, settings: Any) -> None:
    settings.GGZY_UPLOAD_MAX_BYTES = 1024
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock)
    big = io.BytesIO(PDF + b"0" * 2048)
    with pytest.raises(ValidationFailed, match="超过上限"):
        services.clarification_answer(
            actor=world.bidders[1], clarification=row, answer="答复", confirm_notice=True,
            uploads=[("大.pdf", big)], clock=eclock,
        )  # fmt: skip


def test_late_answer_is_refused_and_withdrawn_request_cannot_be_answered(
    world: Any, room: Any, eclock: FixedClock
) -> None:
    _declare_and_elect(world, room, eclock)
    row = _ask(world, room, eclock, deadline=eclock.now() + dt.timedelta(hours=1))
    eclock.advance(hours=1, seconds=1)
    with pytest.raises(InvalidTransition, match="截止时间"):
        services.clarification_answer(
            actor=world.bidders[1], clarification=row, answer="迟到的答复", confirm_notice=True, clock=eclock
        )
    with pytest.raises(ValidationFailed, match="撤回原因"):
        services.clarification_withdraw(actor=world.experts[0], clarification=row, reason="", clock=eclock)
    with pytest.raises(PermissionDenied):
        services.clarification_withdraw(
            actor=world.experts[1], clarification=row, reason="不需要", clock=eclock
        )
    row = services.clarification_withdraw(
        actor=world.experts[0], clarification=row, reason="问题已在开标记录中明确", clock=eclock
    )
    assert row.status == cw.WITHDRAWN and _actions(row)[-1] == "evaluation.clarification_withdraw"
    other = _ask(world, room, eclock)
    services.clarification_withdraw(actor=world.experts[0], clarification=other, reason="重复", clock=eclock)
    with pytest.raises(InvalidTransition, match="已撤回"):
        services.clarification_answer(
            actor=world.bidders[1], clarification=other, answer="答复", confirm_notice=True, clock=eclock
        )


def test_abnormal_price_flag_request_and_acceptance(world: Any, low: Any, eclock: FixedClock) -> None:
    _declare_and_elect(world, low, eclock)
    # The flag is visible during the review (bids not yet reviewed count as valid).
    assert list(price_flags_for(low)) == ["B1"]
    row = _ask(
        world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE, question="请说明报价合理性并提供成本构成。"
    )
    assert row.flag is not None and row.flag["threshold"] == "653333.33" and row.flag["price"] == "500000.00"
    with pytest.raises(InvalidTransition, match="尚未认定"):
        _ask(world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE)
    with pytest.raises(InvalidTransition, match="不能认定"):  # nothing answered: cannot judge yet
        services.abnormal_price_accept(actor=world.experts[0], clarification=row, note="合理", clock=eclock)
    services.clarification_answer(
        actor=world.bidders[0], clarification=row, answer="本公司为生产厂家，附成本构成表。",
        confirm_notice=True, uploads=[("成本构成.pdf", io.BytesIO(PDF))], clock=eclock,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.abnormal_price_accept(actor=world.experts[2], clarification=row, note="合理", clock=eclock)
    with pytest.raises(ValidationFailed, match="认定理由"):
        services.abnormal_price_accept(actor=world.experts[0], clarification=row, note=" ", clock=eclock)
    row = services.abnormal_price_accept(
        actor=world.experts[0], clarification=row, note="成本构成完整，原材料自产。", clock=eclock
    )
    assert row.status == cw.ACCEPTED and row.decided_by == world.experts[0]
    assert _actions(row)[-1] == "evaluation.abnormal_price_accept"
    for decide in (services.abnormal_price_accept, services.abnormal_price_reject):  # deciding twice
        with pytest.raises(InvalidTransition):
            decide(actor=world.experts[0], clarification=row, note="再次认定", clock=eclock)
    with pytest.raises(InvalidTransition, match="已认定"):
        _ask(world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE)
    assert low.bids.get(bid_ref="B1").compliant is None  # acceptance does not review the bid
    # an ordinary question is never "decided"
    question = _ask(world, low, eclock)
    services.clarification_answer(
        actor=world.bidders[1], clarification=question, answer="答复", confirm_notice=True, clock=eclock
    )
    with pytest.raises(InvalidTransition, match="澄清不能"):
        services.abnormal_price_accept(actor=world.experts[0], clarification=question, note="x", clock=eclock)


def test_rejection_goes_through_the_review_rejection_path(world: Any, low: Any, eclock: FixedClock) -> None:
    _declare_and_elect(world, low, eclock)
    row = _ask(world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE)
    services.clarification_answer(
        actor=world.bidders[0], clarification=row, answer="价格是促销价。", confirm_notice=True, clock=eclock
    )
    row = services.abnormal_price_reject(
        actor=world.experts[0], clarification=row, note="未提供成本依据，促销不是合理理由。", clock=eclock
    )
    bid = low.bids.get(bid_ref="B1")
    assert row.status == cw.REJECTED
    assert bid.compliant is False and bid.rejection_reason == "不能合理说明其报价"
    assert bid.reviewed_by == world.experts[0]
    assert _actions(bid) == ["evaluation.bid_review"]
    assert Event.objects.filter(action="evaluation.bid_review", data__reason="不能合理说明其报价").exists()
    with pytest.raises(InvalidTransition, match="不能改为通过"):
        services.bid_review(actor=world.experts[0], bid=bid, compliant=True, clock=eclock)
    with pytest.raises(InvalidTransition):
        services.abnormal_price_reject(actor=world.experts[0], clarification=row, note="再次", clock=eclock)


def test_unanswered_at_the_deadline_is_decided_by_the_committee(
    world: Any, low: Any, eclock: FixedClock
) -> None:
    ready_for_scoring(world, low, eclock)  # in the scoring stage now
    row = _ask(
        world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE, deadline=eclock.now() + dt.timedelta(hours=1)
    )
    with pytest.raises(InvalidTransition, match="截止时间未到"):
        services.abnormal_price_lapse(actor=world.experts[0], clarification=row, clock=eclock)
    eclock.advance(hours=2)
    row.refresh_from_db()
    assert row.status == cw.SENT  # nothing changes by itself
    with pytest.raises(InvalidTransition, match="截止时间"):
        services.clarification_answer(
            actor=world.bidders[0], clarification=row, answer="迟到", confirm_notice=True, clock=eclock
        )
    row = services.abnormal_price_lapse(actor=world.experts[0], clarification=row, clock=eclock)
    assert row.status == cw.REJECTED and row.decision_note == cw.LAPSE_NOTE
    bid = low.bids.get(bid_ref="B1")
    assert bid.compliant is False and bid.rejection_reason == "不能合理说明其报价"
    low.refresh_from_db()
    assert low.status == workflow.SCORING


def test_result_refused_until_every_abnormal_price_is_decided(
    world: Any, low: Any, eclock: FixedClock
) -> None:
    ready_for_scoring(world, low, eclock)
    score_all(world, low, eclock, outlier=None)
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=low, clock=eclock)
    chair = world.experts[0]
    # flagged, never asked
    with pytest.raises(InvalidTransition, match="须先要求其书面说明"):
        services.result_compute(actor=chair, evaluation=low, clock=eclock)
    row = _ask(world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE)
    with pytest.raises(InvalidTransition, match="尚未认定：甲科技有限公司"):  # asked, not answered
        services.result_compute(actor=chair, evaluation=low, clock=eclock)
    services.clarification_answer(
        actor=world.bidders[0], clarification=row, answer="说明", confirm_notice=True, clock=eclock
    )
    with pytest.raises(InvalidTransition, match="尚未认定"):  # answered, not decided
        services.result_compute(actor=chair, evaluation=low, clock=eclock)
    # an ordinary question still inside its answer period also holds the result
    question = _ask(world, low, eclock, deadline=eclock.now() + dt.timedelta(hours=1))
    services.abnormal_price_accept(actor=chair, clarification=row, note="说明合理", clock=eclock)
    with pytest.raises(InvalidTransition, match=r"答复期内.*乙设备有限公司"):
        services.result_compute(actor=chair, evaluation=low, clock=eclock)
    low.refresh_from_db()
    assert low.status == workflow.SCORING and low.result is None
    eclock.advance(hours=2)  # the question lapsed unanswered: the committee may go on
    low = services.result_compute(actor=chair, evaluation=low, clock=eclock)
    assert low.status == workflow.RESULT
    assert [a["bid_id"] for a in low.result["abnormal_low"]] == ["B1"]
    with pytest.raises(InvalidTransition, match="不能发出或处理澄清"):  # closed once the result is in
        services.clarification_withdraw(actor=chair, clarification=question, reason="x", clock=eclock)


def test_report_has_the_clarification_section(world: Any, low: Any, eclock: FixedClock) -> None:
    from docx import Document
    from pypdf import PdfReader

    ready_for_scoring(world, low, eclock)
    score_all(world, low, eclock, outlier=None)
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=low, clock=eclock)
    row = _ask(world, low, eclock, ref="B1", kind=cw.ABNORMAL_PRICE, question="请说明报价合理性。")
    services.clarification_answer(
        actor=world.bidders[0], clarification=row, answer="自有工厂生产，附成本表。", confirm_notice=True,
        uploads=[("成本表.pdf", io.BytesIO(PDF))], clock=eclock,
    )  # fmt: skip
    services.abnormal_price_accept(
        actor=world.experts[0], clarification=row, note="成本依据充分", clock=eclock
    )
    withdrawn = _ask(world, low, eclock, ref="B3", question="请确认质保期。")
    services.clarification_withdraw(
        actor=world.experts[0], clarification=withdrawn, reason="无需澄清", clock=eclock
    )
    low = services.result_compute(actor=world.experts[0], evaluation=low, clock=eclock)

    doc = Document(io.BytesIO(_read(low.report_docx)))
    headings = [p.text for p in doc.paragraphs if "、" in p.text[:3]]
    assert "七、澄清、说明与异常低价认定" in headings and headings[-1] == "八、签字"
    cells = [c.text for table in doc.tables for r in table.rows for c in r.cells]
    assert any("请说明报价合理性。" in c and "653333.33" in c for c in cells)
    assert any("自有工厂生产，附成本表。" in c and "成本表.pdf" in c for c in cells)
    assert "说明合理（已接受）：成本依据充分" in cells
    assert "已撤回：无需澄清" in cells
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_read(low.report_pdf))).pages)
    compact = "".join(pdf_text.split())
    assert "澄清、说明与异常低价认定" in compact and "成本依据充分" in compact


def test_report_says_when_there_was_no_clarification(world: Any, room: Any, eclock: FixedClock) -> None:
    from docx import Document

    ready_for_scoring(world, room, eclock)
    score_all(world, room, eclock, outlier=None)
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=room, clock=eclock)
    room = services.result_compute(actor=world.experts[0], evaluation=room, clock=eclock)
    text = [p.text for p in Document(io.BytesIO(_read(room.report_docx))).paragraphs]
    assert "评标过程中未向投标人发出澄清或说明要求。" in text
    assert "八、签字" in text  # no deviation section here: the numbering stays continuous
