"""Result notifications to the bidders who did not win (中标结果通知书, issue #8 §5).

Issued by :func:`notifications_issue` inside the award's transaction (``award_confirm``, and
``winner_decline`` when the next candidate is awarded): one signed PDF per bid but the winner's,
each with its own audit event. The bidder's first reading is recorded by :func:`notification_read`.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.db import transaction

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation, User
from ggzy.audit.platform_key import platform_signature_valid
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import NotFound
from ggzy.evaluation import outcome_rules, report
from ggzy.evaluation.models import EvaluatedBid, Evaluation, ResultNotification
from ggzy.evaluation.services._common import audit
from ggzy.publishing.services.files import stored_file_put
from ggzy.sealing import signing, suites


def _platform_key() -> signing.SigningKey | suites.SMSigningKey:
    """The award letter's key: notifications are signed and verified exactly as the letter is.
    (Imported here: ``services.award`` imports this module to issue the notifications.)"""
    from ggzy.evaluation.services.award import platform_key

    return platform_key()


def _organisation_of(bid: EvaluatedBid) -> Organisation | None:
    """The bidder organisation the notification is addressed to: the bid's organisation (from the
    opening), else the one bidder organisation bearing the bid's name (bids entered as summaries,
    the way ``objection_file`` recognises a bidder); None when that is ambiguous."""
    if bid.organisation_id is not None:
        return bid.organisation
    matches = list(Organisation.objects.filter(kind=OrganisationKind.BIDDER, name=bid.bidder_name)[:2])
    return matches[0] if len(matches) == 1 else None


def notifications_issue(
    *, actor: User, evaluation: Evaluation, clock: Clock = system_clock
) -> list[ResultNotification]:
    """Issue the round's notifications. The caller holds the transaction and the lock of the
    evaluation, whose winner and award time are set."""
    assert evaluation.winner is not None
    assert evaluation.awarded_at is not None
    section = evaluation.section
    project = section.tender_project.project
    result = evaluation.result or {}
    ranked = {r["bid_id"]: r for r in result.get("results", [])}
    rejected = {r["bid_id"]: r["reason"] for r in result.get("rejected", [])}
    declined = {d["bid_id"]: d["reason"] for d in evaluation.declined}
    award_round = len(evaluation.declined) + 1
    route = outcome_rules.complaint_route(project.domain)
    key = _platform_key()
    winner = evaluation.winner
    issued: list[ResultNotification] = []
    for bid in evaluation.bids.exclude(pk=winner.pk).select_related("organisation").order_by("pk"):
        row = ranked.get(bid.bid_ref)
        reason: str | None = None
        if bid.compliant is False:
            reason = bid.rejection_reason
        elif bid.bid_ref in rejected:
            reason = rejected[bid.bid_ref]
        rank = row["rank"] if row is not None and reason is None else None
        total = row.get("total") if row is not None and reason is None else None
        outcome = outcome_rules.own_outcome(
            rejected_reason=reason,
            rank=rank,
            total=total,
            evaluated_price=row.get("evaluated_price") if row is not None else None,
            declined_reason=declined.get(bid.bid_ref),
        )
        document = notification_document(
            evaluation=evaluation, bid=bid, outcome=outcome, route=route, award_round=award_round
        )
        pdf = report.render_pdf(document)
        stored = stored_file_put(name="notification.pdf", content=io.BytesIO(pdf))
        notification = ResultNotification.objects.create(
            evaluation=evaluation,
            bid=bid,
            organisation=_organisation_of(bid),
            award_round=award_round,
            bidder_name=bid.bidder_name,
            winner_name=winner.bidder_name,
            winning_price=winner.price,
            rank=rank,
            total=total or "",
            rejection_reason=reason or "",
            outcome=outcome,
            complaint_route=route,
            pdf=stored,
            signature=key.sign(pdf),
            key_id=key.key_id,
            issued_at=evaluation.awarded_at,
        )
        audit(
            notification,
            actor=actor,
            action="evaluation.notification_issue",
            clock=clock,
            evaluation=evaluation.pk,
            bidder=bid.bidder_name,
            award_round=award_round,
            sha256=stored.sha256,
        )
        issued.append(notification)
    return issued


def notification_document(
    *, evaluation: Evaluation, bid: EvaluatedBid, outcome: str, route: str, award_round: int
) -> report.Document:
    """The notification as a document (rendered to the signed PDF; the page shows the same text)."""
    assert evaluation.winner is not None
    assert evaluation.awarded_at is not None
    section = evaluation.section
    project = section.tender_project.project
    winner = evaluation.winner
    blocks = [
        {"kind": "para", "text": f"{bid.bidder_name}："},
        {
            "kind": "para",
            "text": (
                f"你方参加的“{project.name}”{section.name}（标段编号 {section.code}）的投标，"
                f"评标结束、中标候选人公示期满，招标人已确定中标人。"
                + outcome_rules.notification_basis(project.domain)
            ),
        },
        {"kind": "para", "text": f"中标人：{winner.bidder_name}；中标价：人民币 {_price(winner.price)} 元。"},
        {"kind": "para", "text": outcome},
        {"kind": "para", "text": route},
        {"kind": "para", "text": "本通知书由平台电子签名，可在平台“中标结果通知书”页面查阅、下载和核验。"},
    ]
    return report.Document(
        center_name=report._center(),
        title="中标结果通知书",
        subtitle=f"编号：JG-{section.code}-{bid.pk}-{award_round}",
        blocks=blocks,
        seal=str(project.tenderer.name),
        date=report._cn_date(evaluation.awarded_at),
    )


def _price(value: Decimal) -> str:
    return f"{value:.2f}"


@transaction.atomic
def notification_read(
    *, actor: User, notification: ResultNotification, clock: Clock = system_clock
) -> ResultNotification:
    """A user of the addressed bidder opens the notification: the first reading is recorded
    (delivery). Anyone else is told it does not exist."""
    row = ResultNotification.objects.select_for_update().get(pk=notification.pk)
    if actor.organisation_id is None or row.organisation_id != actor.organisation_id:
        raise NotFound("未找到该中标结果通知书。")
    if row.first_read_at is None:
        row.first_read_at, row.first_read_by = clock.now(), actor
        row.save(update_fields=["first_read_at", "first_read_by"])
        audit(row, actor=actor, action="evaluation.notification_read", clock=clock)
    return row


def notification_verify(notification: ResultNotification, pdf: bytes) -> bool:
    """True when ``pdf`` is the notification signed by the platform key."""
    return bool(notification.signature) and platform_signature_valid(
        message=pdf, signature=notification.signature, key_id=notification.key_id
    )
