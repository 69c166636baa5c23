"""After a failed evaluation (issue #8 §6): the tenderer decides to re-tender or to terminate, the
trading section follows (``trading.services.section_fail``), and the center's editor drafts the
termination notice (终止公告) for the release pipeline, as the award notice is drafted."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.evaluation import outcome_rules, workflow
from ggzy.evaluation.models import Evaluation, Termination
from ggzy.evaluation.services._common import audit, lock
from ggzy.evaluation.services.award import _require_tenderer_side
from ggzy.trading import services as trading


@transaction.atomic
def failure_decide(
    *, actor: User, evaluation: Evaluation, next_step: str, clock: Clock = system_clock
) -> Termination:
    """The tenderer's decision on a failed section: ``retender`` (重新招标: the section becomes
    failed, the new round is a new tender project) or ``terminate`` (终止招标). Once only."""
    evaluation = lock(evaluation)
    _require_tenderer_side(actor, evaluation)
    if evaluation.status != workflow.FAILED:
        raise InvalidTransition("只有评标失败的标段（包）才能决定重新招标或终止招标。")
    if Termination.objects.filter(evaluation=evaluation).exists():
        raise InvalidTransition("本标段（包）已决定后续处理。")
    problem = outcome_rules.check_next_step(next_step)
    if problem:
        raise ValidationFailed(problem, fields={"next_step": "无效"})
    project = evaluation.section.tender_project.project
    category = outcome_rules.failure_category(evaluation.failure_code, project.domain)
    reason = f"评标失败（{category.label}）：{evaluation.failure_reason or category.label}"
    trading.section_fail(
        actor=actor,
        section=evaluation.section,
        retender=next_step == outcome_rules.RETENDER,
        reason=reason,
        clock=clock,
    )
    row = Termination.objects.create(
        evaluation=evaluation,
        next_step=next_step,
        category=category.label,
        basis=category.basis,
        decided_by=actor,
        decided_at=clock.now(),
    )
    audit(
        row,
        actor=actor,
        action="evaluation.failure_decide",
        clock=clock,
        evaluation=evaluation.pk,
        next_step=next_step,
        category=category.label,
    )
    return row


@transaction.atomic
def termination_notice_create(
    *, actor: User, evaluation: Evaluation, clock: Clock = system_clock
) -> Termination:
    """Draft the termination notice (project, section, reason category and legal basis, what
    happens next) for the release pipeline; the center's editor does it (``notice_create``)."""
    evaluation = lock(evaluation)
    row = Termination.objects.select_for_update().filter(evaluation=evaluation).first()
    if row is None:
        raise InvalidTransition("招标人决定重新招标或终止招标后，才能起草终止公告。")
    if row.notice_id is not None:
        raise InvalidTransition("终止公告已起草。")
    row.notice = trading.termination_notice_draft(
        actor=actor,
        section=evaluation.section,
        next_step=row.next_step,
        code=evaluation.failure_code,
        outcome=f"评标结果为：{row.category}",
        reason=evaluation.failure_reason or row.category,
        basis=row.basis,
    )
    row.save(update_fields=["notice"])
    audit(
        row,
        actor=actor,
        action="evaluation.termination_notice_create",
        clock=clock,
        notice=row.notice.pk,
    )
    return row
