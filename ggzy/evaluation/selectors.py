"""Reads of the evaluation app (pages, reports and services build on these)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.errors import NotFound, PermissionDenied
from ggzy.evaluation import methods, scoring
from ggzy.evaluation.models import (
    Clarification,
    ClarificationDelivery,
    ClarificationFile,
    EvaluatedBid,
    Evaluation,
    Member,
    ResultNotification,
    ResultObjection,
    Termination,
)
from ggzy.evaluation.sme import SmeClaim


def config_of(evaluation: Evaluation) -> methods.MethodConfig:
    return methods.parse(evaluation.config)


def evaluations_for_expert(user: User) -> list[Evaluation]:
    """Only the evaluations whose committee the user sits on."""
    ids = Member.objects.filter(user=user).values_list("evaluation_id", flat=True)
    return list(Evaluation.objects.filter(pk__in=ids).select_related("section").order_by("-started_at"))


def evaluation_get(*, pk: int) -> Evaluation:
    try:
        return Evaluation.objects.select_related("section").get(pk=pk)
    except (Evaluation.DoesNotExist, ValueError):
        raise NotFound("未找到该评标。") from None


def member_for(evaluation: Evaluation, user: User) -> Member:
    """The user's seat on this committee; anyone else is refused."""
    member = Member.objects.filter(evaluation=evaluation, user=user).first()
    if member is None:
        raise PermissionDenied("您不是本标段评标委员会成员。")
    return member


def bids_for_member(member: Member) -> list[EvaluatedBid]:
    """The bids, only after the member declared no conflict of interest."""
    if member.declared_at is None:
        raise PermissionDenied("请先签署无利害关系声明，再查看投标文件。")
    return list(member.evaluation.bids.order_by("pk"))


def scoring_inputs(
    evaluation: Evaluation,
) -> tuple[list[scoring.Bid], dict[str, dict[str, dict[str, Decimal]]]]:
    """What :func:`scoring.evaluate` needs, from the database: bids with the committee's review,
    and every member's scores keyed by member id (as text) → bid ref → criterion."""
    bids = list(evaluation.bids.order_by("pk"))
    by_pk = {b.pk: b.bid_ref for b in bids}
    rows = [
        scoring.Bid(
            id=b.bid_ref,
            price=b.price,
            compliant=bool(b.compliant),
            rejection_reason=b.rejection_reason,
            sme=SmeClaim(b.sme_kind, b.sme_share),
            objective={k: Decimal(str(v)) for k, v in (b.objective or {}).items()},
            name=b.bidder_name,
        )
        for b in bids
    ]
    scores: dict[str, dict[str, dict[str, Decimal]]] = {}
    for member in evaluation.members.order_by("pk"):
        scores[str(member.pk)] = {}
    from ggzy.evaluation.models import Score

    rows_q = Score.objects.filter(member__evaluation=evaluation).order_by("pk")
    for member_id, bid_id, criterion, value in rows_q.values_list(
        "member_id", "bid_id", "criterion", "value"
    ):
        scores[str(member_id)].setdefault(by_pk[bid_id], {})[criterion] = value
    return rows, scores


def objective_sheet(evaluation: Evaluation) -> list[dict[str, Any]]:
    """Per bid not rejected (in order): its objective scores per objective criterion (``None``
    where not yet recorded) and the names of the criteria still missing. Empty when the method
    has no objective criterion."""
    criteria = [c for c in config_of(evaluation).criteria if c.kind == methods.OBJECTIVE]
    if not criteria:
        return []
    out = []
    for bid in evaluation.bids.exclude(compliant=False).order_by("pk"):
        have = bid.objective or {}
        cells = [(c, have.get(c.key)) for c in criteria]
        out.append({"bid": bid, "cells": cells, "missing": [c.name for c, value in cells if value is None]})
    return out


def open_objections(evaluation: Evaluation) -> int:
    return ResultObjection.objects.filter(evaluation=evaluation, answered_at__isnull=True).count()


def result_rows(evaluation: Evaluation) -> list[dict[str, Any]]:
    """The stored ranking with bidder names (for pages and the report)."""
    if not evaluation.result:
        return []
    names = dict(evaluation.bids.values_list("bid_ref", "bidder_name"))
    return [dict(r, bidder_name=names.get(r["bid_id"], "")) for r in evaluation.result["results"]]


def clarifications_of(evaluation: Evaluation) -> list[Clarification]:
    """Every clarification request of the evaluation, oldest first, with its bid and files."""
    return list(
        evaluation.clarifications.select_related("bid", "asked_by", "answered_by")
        .prefetch_related("files__file", "deliveries")
        .order_by("asked_at", "pk")
    )


def clarification_in(evaluation: Evaluation, pk: object) -> Clarification:
    try:
        return evaluation.clarifications.select_related("bid").get(pk=int(str(pk)))
    except (ValueError, Clarification.DoesNotExist):
        raise NotFound("未找到该澄清要求。") from None


def clarification_contacts(clarification: Clarification) -> list[User]:
    """Who is told about a request: the active users of the bidder's organisation who may answer
    it (bidder role), each with the phone and e-mail on the account."""
    return list(
        User.objects.filter(
            organisation_id=clarification.organisation_id,
            is_active=True,
            role_grants__role=Role.BIDDER,
        )
        .distinct()
        .order_by("pk")
    )


def clarification_deliveries(clarification: Clarification) -> list[ClarificationDelivery]:
    """Every notice attempt of the request, oldest first (for the committee's page)."""
    return list(clarification.deliveries.select_related("recipient").order_by("attempted_at", "pk"))


def clarifications_for_bidder(user: User) -> list[Clarification]:
    """The requests addressed to the user's organisation (none for anyone else)."""
    if user.organisation_id is None:
        return []
    return list(
        Clarification.objects.filter(organisation_id=user.organisation_id)
        .select_related("evaluation__section", "bid")
        .order_by("-asked_at", "-pk")
    )


def clarification_for_bidder(user: User, pk: object) -> Clarification:
    """One request addressed to the user's organisation; any other is "not found" (no hint that
    it exists)."""
    try:
        return (
            Clarification.objects.select_related("evaluation__section", "bid")
            .prefetch_related("files__file")
            .get(pk=int(str(pk)), organisation_id=user.organisation_id or -1)
        )
    except (ValueError, Clarification.DoesNotExist):
        raise NotFound("未找到该澄清要求。") from None


def clarification_file(clarification: Clarification, pk: object) -> ClarificationFile:
    try:
        return clarification.files.select_related("file").get(pk=int(str(pk)))
    except (ValueError, ClarificationFile.DoesNotExist):
        raise NotFound("未找到该附件。") from None


def notifications_for_bidder(user: User) -> list[ResultNotification]:
    """The result notifications addressed to the user's organisation, newest first (none for a
    user without one)."""
    if user.organisation_id is None:
        return []
    return list(
        ResultNotification.objects.filter(organisation_id=user.organisation_id)
        .select_related("evaluation__section")
        .order_by("-issued_at", "-pk")
    )


def notification_for_bidder(user: User, pk: object) -> ResultNotification:
    """One notification addressed to the user's organisation; any other is "not found" (no hint
    that it exists)."""
    try:
        return ResultNotification.objects.select_related("evaluation__section", "pdf").get(
            pk=int(str(pk)), organisation_id=user.organisation_id or -1
        )
    except (ValueError, ResultNotification.DoesNotExist):
        raise NotFound("未找到该中标结果通知书。") from None


def notifications_of(evaluation: Evaluation) -> list[ResultNotification]:
    """Every notification of the evaluation with its delivery (for the tenderer and the center)."""
    return list(evaluation.notifications.select_related("pdf").order_by("award_round", "bid_id"))


def termination_of(evaluation: Evaluation) -> Termination | None:
    return Termination.objects.select_related("notice").filter(evaluation=evaluation).first()
