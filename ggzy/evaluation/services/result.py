"""Result, report and its signatures (issue #8 §3), failure paths (§6)."""

from __future__ import annotations

import hashlib
import io

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import report, scoring, selectors
from ggzy.evaluation.models import Evaluation, Member
from ggzy.evaluation.services import clarification
from ggzy.evaluation.services._common import audit, lock, member_of, transition
from ggzy.evaluation.services.committee import _k, _seed
from ggzy.publishing.services.files import stored_file_put

DISSENT_MAX = 2000


@transaction.atomic
def result_compute(*, actor: User, evaluation: Evaluation, clock: Clock = system_clock) -> Evaluation:
    """After every member signed the scores: rank with :func:`scoring.evaluate`, store the result,
    generate the report (DOCX + PDF, files stored before the row points at them). A mandatory
    failure (all rejected; procurement with fewer than 3 valid) ends the evaluation as failed."""
    evaluation = lock(evaluation)
    member = member_of(evaluation, actor)
    if not member.is_chair:
        raise PermissionDenied("由评标委员会主任汇总评标结果。")
    workflow_check = evaluation.members.filter(scores_signed_at__isnull=True)
    if workflow_check.exists():
        names = "、".join(workflow_check.values_list("name", flat=True))
        raise InvalidTransition(f"以下成员尚未签署评分：{names}。")
    now = clock.now()
    clarification.ensure_settled(evaluation, now=now)
    config = selectors.config_of(evaluation)
    bids, scores = selectors.scoring_inputs(evaluation)
    outcome = scoring.evaluate(
        config,
        bids,
        scores,
        k=_k(evaluation, config),
        price_cap=evaluation.price_cap,
        lottery_seed=_seed(evaluation),
    )
    # Every price the result flags as abnormally low needs an accepted written justification.
    clarification.ensure_settled(evaluation, now=now, flagged=[f.bid_id for f in outcome.abnormal_low])
    evaluation.result = report.result_json(outcome)
    evaluation.result_at = now
    failed = scoring.failure(config, outcome)
    if failed is not None and failed.mandatory:
        transition(evaluation, "fail")
        evaluation.failure_code, evaluation.failure_reason = failed.code, failed.message
    else:
        transition(evaluation, "compute_result")
        if failed is not None:  # the committee's call: recorded in the report, not a failure
            evaluation.failure_reason = failed.message
    _store_report(evaluation)
    evaluation.save()
    audit(
        evaluation,
        actor=actor,
        action="evaluation.result_compute",
        clock=clock,
        candidates=[r.bid_id for r in outcome.candidates],
        status=evaluation.status,
        report_sha256=evaluation.report_sha256,
    )
    return evaluation


def _store_report(evaluation: Evaluation) -> None:
    document = report.report_document(evaluation, with_signatures=False)
    pdf = report.render_pdf(document)
    docx = report.render_docx(document)
    evaluation.report_pdf = stored_file_put(name="report.pdf", content=io.BytesIO(pdf))
    evaluation.report_docx = stored_file_put(name="report.docx", content=io.BytesIO(docx))
    evaluation.report_sha256 = hashlib.sha256(pdf).hexdigest()


@transaction.atomic
def report_sign(
    *,
    actor: User,
    evaluation: Evaluation,
    report_sha256: str,
    dissent: str = "",
    clock: Clock = system_clock,
) -> Member:
    """A member signs the report they saw (its hash must match the stored PDF), optionally with a
    dissenting opinion. When every member has signed, the final report (with the signature
    table) is generated and the evaluation is reported."""
    evaluation = lock(evaluation)
    transition(evaluation, "sign_report")
    member = member_of(evaluation, actor)
    if member.report_signed_at is not None:
        raise InvalidTransition("您已签署评标报告。")
    if report_sha256 != evaluation.report_sha256:
        raise ValidationFailed(
            "所签报告与当前评标报告不一致，请重新打开报告后签署。", fields={"report_sha256": "不一致"}
        )
    dissent = (dissent or "").strip()
    if len(dissent) > DISSENT_MAX:
        raise ValidationFailed(f"不同意见不能超过 {DISSENT_MAX} 字。", fields={"dissent": "过长"})
    member.report_signed_at = clock.now()
    member.report_signed_sha256 = report_sha256
    member.dissent = dissent
    member.save(update_fields=["report_signed_at", "report_signed_sha256", "dissent"])
    audit(
        member,
        actor=actor,
        action="evaluation.report_sign",
        clock=clock,
        sha256=report_sha256,
        dissent=bool(dissent),
    )
    if not evaluation.members.filter(report_signed_at__isnull=True).exists():
        transition(evaluation, "complete_report")
        evaluation.reported_at = clock.now()
        signed_sha = evaluation.report_sha256
        document = report.report_document(evaluation, with_signatures=True)
        pdf = report.render_pdf(document)
        evaluation.report_pdf = stored_file_put(name="report.pdf", content=io.BytesIO(pdf))
        evaluation.report_docx = stored_file_put(
            name="report.docx", content=io.BytesIO(report.render_docx(document))
        )
        evaluation.report_sha256 = hashlib.sha256(pdf).hexdigest()
        evaluation.save()
        audit(
            evaluation,
            actor=actor,
            action="evaluation.report_complete",
            clock=clock,
            signed_sha256=signed_sha,
            final_sha256=evaluation.report_sha256,
        )
    return member
