"""Shared helpers of the evaluation services."""

from __future__ import annotations

from typing import Any

from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock
from ggzy.core.errors import PermissionDenied
from ggzy.evaluation import workflow
from ggzy.evaluation.models import Evaluation, Member


def lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().select_related("section").get(pk=evaluation.pk)


def transition(evaluation: Evaluation, name: str) -> None:
    workflow.ensure_allowed(name, evaluation.status)
    evaluation.status = workflow.target(name, evaluation.status)


def member_of(evaluation: Evaluation, actor: User, *, declared: bool = True) -> Member:
    member = Member.objects.select_for_update().filter(evaluation=evaluation, user=actor).first()
    if member is None:
        raise PermissionDenied("您不是本标段评标委员会成员。")
    if declared and member.declared_at is None:
        raise PermissionDenied("请先签署无利害关系声明。")
    return member


def audit(target: Any, *, actor: User, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=action, target=target, data=data, clock=clock)
