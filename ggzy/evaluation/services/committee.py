"""The committee's work: start, declarations, chair, review, scores, signatures (issue #8 §2)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.evaluation import clarify_workflow, methods, scoring, selectors, sources
from ggzy.evaluation.models import DeviationReason, EvaluatedBid, Evaluation, Member, Score
from ggzy.evaluation.services._common import audit, lock, member_of, transition
from ggzy.trading.models import Section

REASON_MAX = 2000


def _text(value: str, label: str, field_name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(f"请填写{label}。", fields={field_name: "必填"})
    if len(value) > REASON_MAX:
        raise ValidationFailed(f"{label}不能超过 {REASON_MAX} 字。", fields={field_name: "过长"})
    return value


@transaction.atomic
def evaluation_start(
    *,
    actor: User,
    section: Section,
    opened: Sequence[sources.OpenedSummary] | None = None,
    committee: Sequence[sources.CommitteeSeat] | None = None,
    clock: Clock = system_clock,
) -> Evaluation:
    """Open the evaluation room of a section after its bid deadline: freeze the method, take the
    opened bids and the confirmed committee (from the opening and expert apps unless given)."""
    section = Section.objects.select_for_update().select_related("tender_project__project").get(pk=section.pk)
    project = section.tender_project.project
    if not actor.is_center_staff and actor.organisation_id not in {project.tenderer_id, project.agency_id}:
        raise PermissionDenied("只有交易中心、本项目招标人或代理机构可以组织评标。")
    if Evaluation.objects.filter(section=section).exists():
        raise InvalidTransition("本标段已开始评标。")
    now = clock.now()
    if section.bid_deadline is None or now < section.bid_deadline:
        raise InvalidTransition("投标截止前不能开始评标。")
    config = sources.section_method(section)
    opened = list(opened if opened is not None else sources.opened_bids(section))
    seats = list(committee if committee is not None else sources.committee(section))
    if not opened:
        raise ValidationFailed("本标段没有已解密的投标文件，不能评标。", fields={"bids": "无"})
    if len(seats) < 3 or len(seats) % 2 == 0:
        raise ValidationFailed("评标委员会须为 3 人以上单数。", fields={"committee": f"{len(seats)} 人"})
    reps = sum(1 for s in seats if s.role == sources.TENDERER_REP)
    problems = sources.composition_problems(experts=len(seats) - reps, representatives=reps)
    if problems:
        raise ValidationFailed("；".join(problems) + "。", fields={"committee": "组成不符合规定"})
    evaluation = Evaluation.objects.create(
        section=section,
        config=methods.dump(config),
        price_cap=section.price_cap,
        started_by=actor,
        started_at=now,
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=[s.user_id for s in seats])}
    for seat in seats:
        user = users.get(seat.user_id)
        if seat.role == sources.TENDERER_REP:
            # A representative sits for the tenderer: an active user of the tenderer itself.
            if user is None or not user.is_active or user.organisation_id != project.tenderer_id:
                raise ValidationFailed(
                    f"招标人代表“{seat.name}”不是本项目招标人（采购人）单位的有效账号。",
                    fields={"committee": seat.name},
                )
        elif user is None or not user.has_role("expert"):
            raise ValidationFailed(f"专家“{seat.name}”没有评标专家账号。", fields={"committee": seat.name})
        Member.objects.create(
            evaluation=evaluation,
            user=user,
            role=Member.ROLE_TENDERER_REP if seat.role == sources.TENDERER_REP else Member.ROLE_EXPERT,
            expert_code=seat.expert_code,
            name=seat.name,
        )
    for bid in opened:
        EvaluatedBid.objects.create(
            evaluation=evaluation,
            bid_ref=bid.bid_ref,
            bidder_name=bid.bidder_name,
            organisation_id=bid.organisation_id,
            price=bid.price,
            sme_kind=bid.sme_kind,
            sme_share=bid.sme_share,
            objective=dict(bid.objective),
            summary=dict(bid.summary),
        )
    if committee is None:  # the committee came from the draw: the experts app records the start
        sources.committee_started(section, clock=clock)
    audit(
        evaluation,
        actor=actor,
        action="evaluation.start",
        clock=clock,
        section=section.code,
        method=config.method,
        bids=len(opened),
        members=[s.name for s in seats],
        representatives=[s.name for s in seats if s.role == sources.TENDERER_REP],
    )
    return evaluation


@transaction.atomic
def member_declare(
    *, actor: User, evaluation: Evaluation, no_conflict: bool, clock: Clock = system_clock
) -> Member:
    """The member declares no conflict of interest with any bidder (required before seeing bids).
    A member who has a conflict must withdraw (回避) instead: refused here."""
    evaluation = lock(evaluation)
    transition(evaluation, "declare")
    member = member_of(evaluation, actor, declared=False)
    if not no_conflict:
        raise ValidationFailed(
            "存在利害关系的专家应当主动回避，不能参加本次评标。", fields={"no_conflict": "须确认"}
        )
    if member.declared_at is None:
        member.declared_at = clock.now()
        member.save(update_fields=["declared_at"])
        audit(member, actor=actor, action="evaluation.member_declare", clock=clock, evaluation=evaluation.pk)
    return member


@transaction.atomic
def chair_vote(
    *, actor: User, evaluation: Evaluation, candidate: Member, clock: Clock = system_clock
) -> Member | None:
    """Vote for the chair (评标委员会主任); a majority of the members elects. Returns the chair."""
    evaluation = lock(evaluation)
    transition(evaluation, "vote_chair")
    member = member_of(evaluation, actor)
    if candidate.evaluation_id != evaluation.pk:
        raise ValidationFailed("只能推选本评标委员会成员。", fields={"candidate": "无效"})
    if candidate.role == Member.ROLE_TENDERER_REP:
        problem = sources.representative_chair_problem(evaluation.section)
        if problem:
            raise ValidationFailed(problem + "。", fields={"candidate": "招标人代表"})
    if evaluation.members.filter(is_chair=True).exists():
        raise InvalidTransition("评标委员会主任已选出。")
    member.chair_vote = candidate
    member.save(update_fields=["chair_vote"])
    total = evaluation.members.count()
    votes = evaluation.members.filter(chair_vote=candidate).count()
    audit(member, actor=actor, action="evaluation.chair_vote", clock=clock, candidate=candidate.name)
    if votes * 2 > total:
        chair = Member.objects.select_for_update().get(pk=candidate.pk)
        chair.is_chair = True
        chair.save(update_fields=["is_chair"])
        audit(chair, actor=actor, action="evaluation.chair_elected", clock=clock, votes=votes, of=total)
        return chair
    return None


@transaction.atomic
def bid_review(
    *,
    actor: User,
    bid: EvaluatedBid,
    compliant: bool,
    reason: str = "",
    clock: Clock = system_clock,
) -> EvaluatedBid:
    """Record the committee's qualification and compliance review of one bid (entered by the
    chair); a rejection (否决) needs its reason."""
    evaluation = lock(bid.evaluation)
    transition(evaluation, "review_bid")
    member = member_of(evaluation, actor)
    if not member.is_chair:
        raise PermissionDenied("审查结论由评标委员会主任录入。")
    bid = EvaluatedBid.objects.select_for_update().get(pk=bid.pk, evaluation=evaluation)
    if (
        compliant
        and bid.clarifications.filter(
            kind=clarify_workflow.ABNORMAL_PRICE, status=clarify_workflow.REJECTED
        ).exists()
    ):
        raise InvalidTransition("该投标已因不能合理说明其报价被否决，不能改为通过。")
    return record_review(
        actor=actor,
        bid=bid,
        compliant=compliant,
        reason="" if compliant else _text(reason, "否决理由", "reason"),
        clock=clock,
    )


def record_review(
    *, actor: User, bid: EvaluatedBid, compliant: bool, reason: str, clock: Clock
) -> EvaluatedBid:
    """Write the committee's review conclusion on a locked bid with its audit event: the one
    rejection path, also taken when a price is found not justified (services.clarification).
    The caller holds the transaction and has checked the transition and the chair."""
    bid.compliant = bool(compliant)
    bid.rejection_reason = "" if compliant else reason
    bid.reviewed_by, bid.reviewed_at = actor, clock.now()
    bid.save(update_fields=["compliant", "rejection_reason", "reviewed_by", "reviewed_at"])
    audit(
        bid,
        actor=actor,
        action="evaluation.bid_review",
        clock=clock,
        compliant=bid.compliant,
        reason=bid.rejection_reason,
    )
    return bid


@transaction.atomic
def review_finish(*, actor: User, evaluation: Evaluation, clock: Clock = system_clock) -> Evaluation:
    """End the review: every member declared, a chair elected, every bid reviewed. With no compliant
    bid left the evaluation fails (all rejected)."""
    evaluation = lock(evaluation)
    member = member_of(evaluation, actor)
    if not member.is_chair:
        raise PermissionDenied("由评标委员会主任结束审查。")
    if evaluation.members.filter(declared_at__isnull=True).exists():
        raise InvalidTransition("尚有成员未签署无利害关系声明。")
    if evaluation.bids.filter(compliant__isnull=True).exists():
        raise InvalidTransition("尚有投标文件未完成审查。")
    if not evaluation.bids.filter(compliant=True).exists():
        transition(evaluation, "fail")
        evaluation.failure_code = "all_rejected"
        evaluation.failure_reason = "所有投标均被否决，本标段（包）须重新招标或终止。"
        evaluation.save(update_fields=["status", "failure_code", "failure_reason"])
        audit(evaluation, actor=actor, action="evaluation.fail", clock=clock, code=evaluation.failure_code)
        return evaluation
    transition(evaluation, "finish_review")
    evaluation.save(update_fields=["status"])
    audit(evaluation, actor=actor, action="evaluation.review_finish", clock=clock)
    return evaluation


def _score_value(raw: object) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"“{raw}”不是有效分数。", fields={"value": "无效"}) from None
    if not value.is_finite():
        raise ValidationFailed("分数须为有限数值。", fields={"value": "无效"})
    return value


@transaction.atomic
def score_set(
    *,
    actor: User,
    bid: EvaluatedBid,
    criterion: str,
    value: object,
    clock: Clock = system_clock,
) -> Score:
    """A member's score for one subjective criterion of one compliant bid, within 0…points;
    refused once the member has signed."""
    evaluation = lock(bid.evaluation)
    transition(evaluation, "score")
    member = member_of(evaluation, actor)
    if member.scores_signed_at is not None:
        raise InvalidTransition("您已签署评分，评分不能再修改。")
    config = selectors.config_of(evaluation)
    try:
        c = config.criterion(criterion)
    except KeyError:
        raise ValidationFailed(f"未知的评分因素“{criterion}”。", fields={"criterion": "无效"}) from None
    if c.kind != methods.SUBJECTIVE:
        raise ValidationFailed(f"“{c.name}”是客观分，由评标委员会主任录入。", fields={"criterion": "客观分"})
    bid = EvaluatedBid.objects.get(pk=bid.pk, evaluation=evaluation)
    if not bid.compliant:
        raise ValidationFailed("被否决的投标文件不参与评分。", fields={"bid": "已否决"})
    number = _score_value(value)
    if not Decimal(0) <= number <= c.points:
        raise ValidationFailed(
            f"“{c.name}”的评分 {number} 超出范围（0–{c.points}）。", fields={"value": "超出范围"}
        )
    if number != number.quantize(Decimal("0.01")):
        raise ValidationFailed("评分最多保留两位小数。", fields={"value": "小数位过多"})
    score, _ = Score.objects.update_or_create(
        member=member, bid=bid, criterion=c.key, defaults={"value": number, "at": clock.now()}
    )
    audit(
        score,
        actor=actor,
        action="evaluation.score_set",
        clock=clock,
        bid=bid.bid_ref,
        criterion=c.key,
        value=str(number),
    )
    return score


def flags_for(evaluation: Evaluation, member: Member) -> list[scoring.DeviationFlag]:
    """The member's scores the method flags as far from the others (needs every score present)."""
    config = selectors.config_of(evaluation)
    bids, scores = selectors.scoring_inputs(evaluation)
    result = scoring.evaluate(
        config,
        bids,
        scores,
        k=_k(evaluation, config),
        price_cap=evaluation.price_cap,
        lottery_seed=_seed(evaluation),
    )
    return [f for f in result.deviation_flags if f.expert_id == str(member.pk)]


def _k(evaluation: Evaluation, config: methods.MethodConfig) -> Decimal | None:
    if config.base_price is None or config.base_price.k is None:
        return None
    return methods.draw_k(config.base_price.k, _seed(evaluation))


def _seed(evaluation: Evaluation) -> bytes:
    # Public and reproducible: the section code and the evaluation start (recorded, audited).
    return f"{evaluation.section.code}|{evaluation.started_at.isoformat()}".encode()


def _missing(evaluation: Evaluation) -> list[str]:
    config = selectors.config_of(evaluation)
    subjective = [c.key for c in config.criteria if c.kind == methods.SUBJECTIVE]
    needed = evaluation.bids.filter(compliant=True).count() * len(subjective)
    out = []
    for member in evaluation.members.order_by("pk"):
        have = Score.objects.filter(member=member, bid__compliant=True, criterion__in=subjective).count()
        if have < needed:
            out.append(member.name)
    return out


@transaction.atomic
def deviation_justify(
    *,
    actor: User,
    bid: EvaluatedBid,
    criterion: str,
    reason: str,
    clock: Clock = system_clock,
) -> DeviationReason:
    evaluation = lock(bid.evaluation)
    transition(evaluation, "justify")
    member = member_of(evaluation, actor)
    if member.scores_signed_at is not None:
        raise InvalidTransition("您已签署评分。")
    text = _text(reason, "评分偏离理由", "reason")
    row, _ = DeviationReason.objects.update_or_create(
        member=member, bid=bid, criterion=criterion, defaults={"reason": text, "at": clock.now()}
    )
    audit(
        row,
        actor=actor,
        action="evaluation.deviation_justify",
        clock=clock,
        bid=bid.bid_ref,
        criterion=criterion,
    )
    return row


@transaction.atomic
def scores_sign(*, actor: User, evaluation: Evaluation, clock: Clock = system_clock) -> Member:
    """Sign one's scores (final). Needs every member's scores (the deviation check compares with
    the others) and a written reason for each of one's flagged scores."""
    evaluation = lock(evaluation)
    transition(evaluation, "sign_scores")
    member = member_of(evaluation, actor)
    if member.scores_signed_at is not None:
        raise InvalidTransition("您已签署评分。")
    missing = _missing(evaluation)
    if missing:
        raise InvalidTransition("以下成员尚未完成评分：" + "、".join(missing) + "。")
    flags = flags_for(evaluation, member)
    refs = {b.bid_ref: b.pk for b in evaluation.bids.all()}
    reasons = set(DeviationReason.objects.filter(member=member).values_list("bid_id", "criterion"))
    unexplained = [f for f in flags if (refs[f.bid_id], f.criterion) not in reasons]
    if unexplained:
        f = unexplained[0]
        raise ValidationFailed(
            f"您对投标文件“{f.bid_id}”“{f.criterion}”的评分 {f.score} 与其他专家平均分 "
            f"{f.others_mean:.2f} 偏离较大，请先填写书面理由。",
            fields={f"deviation.{f.bid_id}.{f.criterion}": "须说明理由"},
        )
    member.scores_signed_at = clock.now()
    member.save(update_fields=["scores_signed_at"])
    audit(member, actor=actor, action="evaluation.scores_sign", clock=clock, flags=len(flags))
    return member
