"""Candidate publicity, objections and the award (issue #8 §4–5)."""

from __future__ import annotations

import datetime as dt
import io

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.audit.platform_key import platform_signature_valid, platform_signing_key
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import notice_body, periods, report, selectors, workflow
from ggzy.evaluation.models import EvaluatedBid, Evaluation, ResultObjection
from ggzy.evaluation.services import notification
from ggzy.evaluation.services._common import audit, lock, transition
from ggzy.publishing.choices import NoticeKind
from ggzy.publishing.services import notices
from ggzy.publishing.services.files import stored_file_put
from ggzy.sealing import signing, suites

TEXT_MAX = 4000


def _require_tenderer_side(actor: User, evaluation: Evaluation) -> None:
    project = evaluation.section.tender_project.project
    orgs = {project.tenderer_id, project.agency_id}
    if actor.organisation_id not in orgs and not actor.is_center_staff:
        raise PermissionDenied("只有本项目的招标人或代理机构可以办理。")


@transaction.atomic
def publicity_start(
    *,
    actor: User,
    evaluation: Evaluation,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    clock: Clock = system_clock,
) -> Evaluation:
    """Set the candidate publicity (中标候选人公示): within 3 days of the report, ≥ 3 days long
    (:func:`periods.check_candidate_publicity`). The candidate notice is drafted from the report by
    the center's editor and goes through the normal release pipeline (``publishing``)."""
    evaluation = lock(evaluation)
    _require_tenderer_side(actor, evaluation)
    transition(evaluation, "start_publicity")
    assert evaluation.reported_at is not None
    periods.check_candidate_publicity(
        report_received_on=local_date(evaluation.reported_at), starts_at=starts_at, ends_at=ends_at
    )
    evaluation.publicity_starts_at, evaluation.publicity_ends_at = starts_at, ends_at
    evaluation.candidate_notice = notices.notice_create(
        actor=actor,
        title=f"{evaluation.section.tender_project.project.name}{evaluation.section.name}中标候选人公示",
        body_html=notice_body.candidate_html(evaluation),
        **notice_body.common_fields(evaluation),
        kind=NoticeKind.CANDIDATE,
        publicity_start=local_date(starts_at),
        publicity_end=local_date(ends_at),
    )
    evaluation.save(update_fields=["status", "publicity_starts_at", "publicity_ends_at", "candidate_notice"])
    audit(
        evaluation,
        actor=actor,
        action="evaluation.publicity_start",
        clock=clock,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
    )
    return evaluation


@transaction.atomic
def objection_file(
    *, actor: User, evaluation: Evaluation, text: str, clock: Clock = system_clock
) -> ResultObjection:
    """A bidder objects to the result during the publicity; the process pauses until answered."""
    evaluation = lock(evaluation)
    transition(evaluation, "file_objection")
    if actor.organisation is None or not actor.has_role("bidder"):
        raise PermissionDenied("只有投标人可以对评标结果提出异议。")
    if not evaluation.bids.filter(bidder_name=actor.organisation.name).exists():
        raise PermissionDenied("只有参加本标段投标的投标人可以提出异议。")
    assert evaluation.publicity_starts_at is not None
    assert evaluation.publicity_ends_at is not None
    now = clock.now()
    periods.check_objection_filed(
        filed_at=now, starts_at=evaluation.publicity_starts_at, ends_at=evaluation.publicity_ends_at
    )
    body = (text or "").strip()
    if not body or len(body) > TEXT_MAX:
        raise ValidationFailed(f"异议内容须填写，且不超过 {TEXT_MAX} 字。", fields={"text": "无效"})
    row = ResultObjection.objects.create(
        evaluation=evaluation,
        filed_by=actor,
        organisation_name=actor.organisation.name,
        text=body,
        filed_at=now,
    )
    audit(row, actor=actor, action="evaluation.objection_file", clock=clock, evaluation=evaluation.pk)
    return row


@transaction.atomic
def objection_answer(
    *, actor: User, objection: ResultObjection, answer: str, clock: Clock = system_clock
) -> ResultObjection:
    evaluation = lock(objection.evaluation)
    _require_tenderer_side(actor, evaluation)
    transition(evaluation, "answer_objection")
    row = ResultObjection.objects.select_for_update().get(pk=objection.pk)
    if row.answered_at is not None:
        raise InvalidTransition("该异议已答复。")
    body = (answer or "").strip()
    if not body or len(body) > TEXT_MAX:
        raise ValidationFailed(f"答复内容须填写，且不超过 {TEXT_MAX} 字。", fields={"answer": "无效"})
    row.answer, row.answered_by, row.answered_at = body, actor, clock.now()
    row.save(update_fields=["answer", "answered_by", "answered_at"])
    audit(
        row,
        actor=actor,
        action="evaluation.objection_answer",
        clock=clock,
        late=local_date(row.answered_at) > periods.objection_reply_due(local_date(row.filed_at)),
    )
    return row


def platform_key() -> signing.SigningKey | suites.SMSigningKey:
    """The deployment's platform key (GGZY_CRYPTO_SUITE: P-256 or SM2); each letter and notification
    keeps the id of the key that signed it, so letters signed before a switch still verify."""
    return platform_signing_key()


@transaction.atomic
def award_confirm(*, actor: User, evaluation: Evaluation, clock: Clock = system_clock) -> Evaluation:
    """The tenderer confirms the first candidate after the publicity with no open objection;
    the award letter (中标通知书) PDF is generated and signed with the platform key, and every other
    bidder gets its signed result notification (``services.notification``) in this transaction."""
    evaluation = lock(evaluation)
    _require_tenderer_side(actor, evaluation)
    transition(evaluation, "confirm_award")
    assert evaluation.publicity_ends_at is not None
    now = clock.now()
    periods.check_award_allowed(
        now=now,
        publicity_ends_at=evaluation.publicity_ends_at,
        open_objections=selectors.open_objections(evaluation),
    )
    first = next((r for r in (evaluation.result or {}).get("results", []) if r["candidate"]), None)
    if first is None:
        raise InvalidTransition("没有中标候选人。")
    evaluation.winner = EvaluatedBid.objects.get(evaluation=evaluation, bid_ref=first["bid_id"])
    evaluation.awarded_by, evaluation.awarded_at = actor, now
    _issue_letter(evaluation)
    evaluation.save()
    assert evaluation.award_letter_pdf is not None
    audit(
        evaluation,
        actor=actor,
        action="evaluation.award_confirm",
        clock=clock,
        winner=evaluation.winner.bidder_name,
        amount=str(evaluation.winner.price),
        letter_sha256=evaluation.award_letter_pdf.sha256,
    )
    notification.notifications_issue(actor=actor, evaluation=evaluation, clock=clock)
    return evaluation


@transaction.atomic
def winner_decline(
    *, actor: User, evaluation: Evaluation, reason: str, clock: Clock = system_clock
) -> Evaluation:
    """The winner declines (放弃中标 / 不按规定签订合同): the tenderer may award the next candidate
    in rank order (实施条例 Art. 55), who gets a new signed award letter (and the other bidders a new
    round of result notifications); with no candidate left the evaluation fails and the section
    must be re-tendered (``services.termination``)."""
    evaluation = lock(evaluation)
    _require_tenderer_side(actor, evaluation)
    transition(evaluation, "winner_declines")
    assert evaluation.winner is not None
    text = (reason or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise ValidationFailed("请填写中标人放弃中标的原因。", fields={"reason": "必填"})
    declined = [*evaluation.declined, {"bid_id": evaluation.winner.bid_ref, "reason": text}]
    evaluation.declined = declined
    gone = {d["bid_id"] for d in declined}
    following = next(
        (
            r
            for r in (evaluation.result or {}).get("results", [])
            if r["candidate"] and r["bid_id"] not in gone
        ),
        None,
    )
    previous = evaluation.winner.bidder_name
    if following is None:
        transition(evaluation, "candidates_exhausted")
        evaluation.winner = None
        evaluation.failure_code = "candidates_exhausted"
        evaluation.failure_reason = "中标候选人均放弃中标或不能中标，本标段（包）须重新招标。"
    else:
        evaluation.winner = EvaluatedBid.objects.get(evaluation=evaluation, bid_ref=following["bid_id"])
        evaluation.awarded_by, evaluation.awarded_at = actor, clock.now()
        _issue_letter(evaluation)
        evaluation.award_notice = None  # a new award notice names the new winner
    evaluation.save()
    audit(
        evaluation,
        actor=actor,
        action="evaluation.winner_decline",
        clock=clock,
        declined=previous,
        next=evaluation.winner.bidder_name if evaluation.winner else None,
    )
    if evaluation.winner is not None:
        notification.notifications_issue(actor=actor, evaluation=evaluation, clock=clock)
    return evaluation


def _issue_letter(evaluation: Evaluation) -> None:
    pdf = report.render_pdf(report.award_letter_document(evaluation))
    key = platform_key()
    evaluation.award_letter_pdf = stored_file_put(name="award.pdf", content=io.BytesIO(pdf))
    evaluation.award_letter_signature = key.sign(pdf)
    evaluation.award_letter_key_id = key.key_id


@transaction.atomic
def award_notice_create(*, actor: User, evaluation: Evaluation, clock: Clock = system_clock) -> Evaluation:
    """Draft the award notice (中标结果公告: winner, amount; for procurement the committee's names,
    87号令 Art. 69) for the release pipeline."""
    evaluation = lock(evaluation)
    if evaluation.status != workflow.AWARDED or evaluation.winner is None:
        raise InvalidTransition("确定中标人后才能发布中标结果公告。")
    if evaluation.award_notice_id is not None:
        raise InvalidTransition("中标结果公告已起草。")
    project = evaluation.section.tender_project.project
    evaluation.award_notice = notices.notice_create(
        actor=actor,
        title=f"{project.name}{evaluation.section.name}中标结果公告",
        body_html=notice_body.award_html(evaluation),
        **notice_body.common_fields(evaluation),
        kind=NoticeKind.AWARD,
        winner_name=evaluation.winner.bidder_name,
        award_amount=evaluation.winner.price,
    )
    evaluation.save(update_fields=["award_notice"])
    audit(
        evaluation,
        actor=actor,
        action="evaluation.award_notice_create",
        clock=clock,
        notice=evaluation.award_notice.pk,
    )
    return evaluation


def award_letter_verify(evaluation: Evaluation, pdf: bytes) -> bool:
    """True when ``pdf`` is the award letter signed by the platform key."""
    if not evaluation.award_letter_signature:
        return False
    return platform_signature_valid(
        message=pdf, signature=evaluation.award_letter_signature, key_id=evaluation.award_letter_key_id
    )
