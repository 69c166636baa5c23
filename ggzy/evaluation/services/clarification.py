"""Clarification requests to bidders (澄清) and abnormally-low-price justifications (异常低价说明):
one service per transition of :mod:`ggzy.evaluation.clarify_workflow` (issue #8 §2, ADR 0026).

The chair enters what the committee decided (as with the review); the bidder's users answer;
every change writes its audit event in the same transaction; answer files are stored (checked
by type and size) before the rows that point at them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import IO

from django.conf import settings
from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import scoring, selectors
from ggzy.evaluation.models import Clarification, ClarificationFile, EvaluatedBid, Evaluation, Member
from ggzy.evaluation.services._common import audit, lock, member_of, transition
from ggzy.evaluation.services.clarify_notice import notify_after_commit
from ggzy.evaluation.services.committee import _k, _seed, record_review
from ggzy.publishing.services.files import check_upload, stored_file_put
from ggzy.trading import access

Upload = tuple[str, IO[bytes]]


def default_hours() -> float:
    return float(settings.GGZY_EVALUATION_CLARIFICATION_HOURS)


def max_hours() -> float:
    return float(settings.GGZY_EVALUATION_CLARIFICATION_MAX_HOURS)


def default_deadline(*, now: dt.datetime) -> dt.datetime:
    """What the send form offers: now + ``GGZY_EVALUATION_CLARIFICATION_HOURS``, to the minute."""
    return (now + dt.timedelta(hours=default_hours())).replace(second=0, microsecond=0)


def price_flags_for(evaluation: Evaluation) -> dict[str, list[scoring.AbnormalLowFlag]]:
    """bid ref → the abnormal-low flags of its price now, computed like the result will compute
    them (bids not yet reviewed count as valid; rejected ones do not). Empty when the method has
    no abnormal-low rule or the bids cannot be evaluated yet."""
    config = selectors.config_of(evaluation)
    if not config.abnormal_low:
        return {}
    rows = list(evaluation.bids.order_by("pk"))
    bids, _ = selectors.scoring_inputs(evaluation)
    valid = {b.bid_ref: b.compliant is not False for b in rows}
    bids = [replace(b, compliant=valid[b.id]) for b in bids]
    try:
        flags = cw.price_flags(
            config,
            bids,
            k=_k(evaluation, config),
            price_cap=evaluation.price_cap,
            lottery_seed=_seed(evaluation),
        )
    except ValidationFailed:
        return {}
    out: dict[str, list[scoring.AbnormalLowFlag]] = {}
    for f in flags:
        out.setdefault(f.bid_id, []).append(f)
    return out


def _flag_json(flag: scoring.AbnormalLowFlag) -> dict[str, str]:
    return {k: str(v) for k, v in asdict(flag).items()}


def _chair(evaluation: Evaluation, actor: User, what: str) -> Member:
    member = member_of(evaluation, actor)
    if not member.is_chair:
        raise PermissionDenied(f"{what}由评标委员会主任录入（评标委员会集体决定）。")
    return member


def _locked(clarification: Clarification, evaluation: Evaluation) -> Clarification:
    try:
        return Clarification.objects.select_for_update().get(pk=clarification.pk, evaluation=evaluation)
    except Clarification.DoesNotExist:
        raise NotFound("未找到该澄清要求。") from None


@transaction.atomic
def clarification_send(
    *,
    actor: User,
    bid: EvaluatedBid,
    kind: str,
    question: str,
    deadline: dt.datetime | None = None,
    clock: Clock = system_clock,
) -> Clarification:
    """The committee (its chair) asks the bidder of ``bid`` to clarify (``question``) or to justify
    its price in writing (``abnormal_price``), by ``deadline`` (default: now + the configured
    hours; in the future, at most ``GGZY_EVALUATION_CLARIFICATION_MAX_HOURS`` ahead)."""
    evaluation = lock(bid.evaluation)
    transition(evaluation, "clarify")
    _chair(evaluation, actor, "澄清要求")
    if kind not in cw.KIND_LABELS:
        raise ValidationFailed("请选择澄清类型。", fields={"kind": "无效"})
    try:
        bid = EvaluatedBid.objects.select_for_update().get(pk=bid.pk, evaluation=evaluation)
    except EvaluatedBid.DoesNotExist:
        raise NotFound("未找到该投标文件。") from None
    if bid.compliant is False:
        raise InvalidTransition("该投标文件已被否决，不再要求澄清。")
    if bid.organisation_id is None:
        raise ValidationFailed(
            "该投标文件未关联投标人单位，不能通过平台发出澄清。", fields={"bid": "无投标人单位"}
        )
    text = cw.check_text(question, label="澄清事项", field_name="question")
    now = clock.now()
    when = cw.check_deadline(deadline or default_deadline(now=now), now=now, max_hours=max_hours())
    flag: dict[str, str] | None = None
    if kind == cw.ABNORMAL_PRICE:
        mine = bid.clarifications.filter(kind=cw.ABNORMAL_PRICE)
        if mine.filter(status__in=cw.UNDECIDED).exists():
            raise InvalidTransition("该投标已有尚未认定的异常低价说明要求。")
        if mine.filter(status=cw.ACCEPTED).exists():
            raise InvalidTransition("评标委员会已认定该投标的报价说明合理。")
        flags = price_flags_for(evaluation).get(bid.bid_ref, [])
        flag = _flag_json(flags[0]) if flags else None
    row = Clarification.objects.create(
        evaluation=evaluation,
        bid=bid,
        organisation_id=bid.organisation_id,
        kind=kind,
        question=text,
        flag=flag,
        deadline=when,
        asked_by=actor,
        asked_at=now,
    )
    audit(
        row,
        actor=actor,
        action="evaluation.clarification_send",
        clock=clock,
        evaluation=evaluation.pk,
        kind=kind,
        bid=bid.bid_ref,
        deadline=when.isoformat(),
        flag=flag,
    )
    # SMS and e-mail go out after the commit: a failing gateway cannot undo or delay the request.
    notify_after_commit(clarification_id=row.pk, purpose=cw.REQUEST)
    return row


def _check_uploads(uploads: Sequence[Upload]) -> None:
    if len(uploads) > cw.ATTACHMENTS_MAX:
        raise ValidationFailed(f"附件最多 {cw.ATTACHMENTS_MAX} 个。", fields={"attachments": "过多"})
    for name, content in uploads:
        content.seek(0)
        head = content.read(16)
        content.seek(0, 2)
        check_upload(name=name, head=head, size=content.tell())
        content.seek(0)


@transaction.atomic
def clarification_answer(
    *,
    actor: User,
    clarification: Clarification,
    answer: str,
    confirm_notice: bool,
    uploads: Sequence[Upload] = (),
    clock: Clock = system_clock,
) -> Clarification:
    """A user of the bidding organisation answers before the deadline, confirming that the
    answer does not change the substance of the bid; a late answer is refused. Anyone else is
    told the request does not exist."""
    try:
        owner = Clarification.objects.values_list("organisation_id", "evaluation_id").get(pk=clarification.pk)
    except Clarification.DoesNotExist:
        raise NotFound("未找到该澄清要求。") from None
    if not access.is_bidder(actor) or actor.organisation_id != owner[0]:
        raise NotFound("未找到该澄清要求。")
    evaluation = lock(Evaluation(pk=owner[1]))
    transition(evaluation, "answer_clarification")
    row = _locked(clarification, evaluation)
    now = clock.now()
    cw.ensure_allowed("answer", kind=row.kind, status=row.status, now=now, deadline=row.deadline)
    text = cw.check_text(answer, label="答复内容", field_name="answer")
    if not confirm_notice:
        raise ValidationFailed(
            "请确认本答复不超出投标文件的范围、不改变投标文件的实质性内容。", fields={"confirm": "须确认"}
        )
    _check_uploads(uploads)  # a bad file is refused before anything is written
    stored = [(name, stored_file_put(name=name, content=content)) for name, content in uploads]
    for position, (name, blob) in enumerate(stored):
        ClarificationFile.objects.create(clarification=row, file=blob, name=name[:200], position=position)
    row.status = cw.TRANSITIONS["answer"].target
    row.answer = text
    row.confirmed_notice = cw.SUBSTANCE_NOTICE
    row.answered_by, row.answered_at = actor, now
    row.save(update_fields=["status", "answer", "confirmed_notice", "answered_by", "answered_at"])
    audit(
        row,
        actor=actor,
        action="evaluation.clarification_answer",
        clock=clock,
        evaluation=evaluation.pk,
        kind=row.kind,
        confirmed_notice=cw.SUBSTANCE_NOTICE,
        files=[{"name": name, "sha256": blob.sha256} for name, blob in stored],
    )
    return row


@transaction.atomic
def clarification_withdraw(
    *, actor: User, clarification: Clarification, reason: str, clock: Clock = system_clock
) -> Clarification:
    """The committee withdraws a request that is still waiting for the answer."""
    evaluation = lock(clarification.evaluation)
    transition(evaluation, "clarify")
    _chair(evaluation, actor, "撤回澄清")
    row = _locked(clarification, evaluation)
    now = clock.now()
    cw.ensure_allowed("withdraw", kind=row.kind, status=row.status, now=now, deadline=row.deadline)
    row.status = cw.TRANSITIONS["withdraw"].target
    row.withdraw_reason = cw.check_text(reason, label="撤回原因", field_name="reason")
    row.withdrawn_by, row.withdrawn_at = actor, now
    row.save(update_fields=["status", "withdraw_reason", "withdrawn_by", "withdrawn_at"])
    audit(
        row,
        actor=actor,
        action="evaluation.clarification_withdraw",
        clock=clock,
        evaluation=evaluation.pk,
        reason=row.withdraw_reason,
    )
    return row


def _decide(
    *, name: str, actor: User, clarification: Clarification, note: str, default_note: str, clock: Clock
) -> Clarification:
    evaluation = lock(clarification.evaluation)
    transition(evaluation, "clarify")
    _chair(evaluation, actor, "异常低价说明的认定")
    row = _locked(clarification, evaluation)
    now = clock.now()
    cw.ensure_allowed(name, kind=row.kind, status=row.status, now=now, deadline=row.deadline)
    text = (note or "").strip() or default_note
    row.decision_note = cw.check_text(text, label="认定理由", field_name="note")
    row.status = cw.TRANSITIONS[name].target
    row.decided_by, row.decided_at = actor, now
    row.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    audit(
        row,
        actor=actor,
        action=f"evaluation.abnormal_price_{name}",
        clock=clock,
        evaluation=evaluation.pk,
        bid=row.bid.bid_ref,
        note=row.decision_note,
    )
    if row.status == cw.REJECTED:
        bid = EvaluatedBid.objects.select_for_update().get(pk=row.bid_id)
        reason = cw.REJECTION_REASON
        if (
            bid.compliant is False
            and bid.rejection_reason
            and cw.REJECTION_REASON not in bid.rejection_reason
        ):
            reason = f"{bid.rejection_reason}；{cw.REJECTION_REASON}"  # already rejected: keep both
        record_review(actor=actor, bid=bid, compliant=False, reason=reason, clock=clock)
    return row


@transaction.atomic
def abnormal_price_accept(
    *, actor: User, clarification: Clarification, note: str, clock: Clock = system_clock
) -> Clarification:
    """The committee finds the bidder's written justification reasonable (reason required)."""
    return _decide(
        name="accept", actor=actor, clarification=clarification, note=note, default_note="", clock=clock
    )


@transaction.atomic
def abnormal_price_reject(
    *, actor: User, clarification: Clarification, note: str, clock: Clock = system_clock
) -> Clarification:
    """The committee finds the justification unconvincing: the bid is rejected (否决) with the
    reason "不能合理说明其报价" through the review's rejection path (reason required)."""
    return _decide(
        name="reject", actor=actor, clarification=clarification, note=note, default_note="", clock=clock
    )


@transaction.atomic
def abnormal_price_lapse(
    *, actor: User, clarification: Clarification, note: str = "", clock: Clock = system_clock
) -> Clarification:
    """After the deadline without an answer the committee records that the bidder could not
    justify its price; the bid is rejected like :func:`abnormal_price_reject`."""
    return _decide(
        name="lapse",
        actor=actor,
        clarification=clarification,
        note=note,
        default_note=cw.LAPSE_NOTE,
        clock=clock,
    )


def ensure_settled(evaluation: Evaluation, *, now: dt.datetime, flagged: Sequence[str] = ()) -> None:
    """Refuse the result while the committee still waits for a clarification or a decision:
    an abnormal-price request of a bid still in the running not yet decided; an ordinary request
    still inside its answer period; a bid in ``flagged`` (refs the result flags as abnormally
    low) whose justification the committee has not accepted."""
    rows = list(evaluation.clarifications.select_related("bid").order_by("pk"))
    undecided = sorted(
        {
            r.bid.bidder_name
            for r in rows
            if cw.needs_decision(kind=r.kind, status=r.status) and r.bid.compliant is not False
        }
    )
    if undecided:
        raise InvalidTransition("以下投标人的异常低价说明尚未认定：" + "、".join(undecided) + "。")
    waiting = sorted(
        {
            r.bid.bidder_name
            for r in rows
            if r.kind == cw.QUESTION and r.status == cw.SENT and now <= r.deadline
        }
    )
    if waiting:
        raise InvalidTransition(
            "以下投标人的澄清尚在答复期内，请等待答复或撤回：" + "、".join(waiting) + "。"
        )
    accepted = {r.bid.bid_ref for r in rows if r.kind == cw.ABNORMAL_PRICE and r.status == cw.ACCEPTED}
    names = dict(evaluation.bids.values_list("bid_ref", "bidder_name"))
    missing = sorted({names.get(ref, ref) for ref in flagged if ref not in accepted})
    if missing:
        raise InvalidTransition(
            "以下投标人的报价低于异常低价标准，须先要求其书面说明并由评标委员会作出认定："
            + "、".join(missing)
            + "。"
        )
