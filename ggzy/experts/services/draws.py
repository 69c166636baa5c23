"""Writes of a draw: the request, manual avoidance, the commitment, entropy, the draw itself,
the experts' answers with top-up draws (补抽), failure and a new draw, the evaluation start and
the reveal. Every step writes an audit event; the draw math is ``experts.draw`` (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q

from ggzy.accounts import selectors as accounts_selectors
from ggzy.accounts.choices import CertificateStatus, Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.clock import SHANGHAI, Clock, local_date, system_clock
from ggzy.core.errors import NotFound, PermissionDenied, ValidationFailed
from ggzy.disclosure import pii as base_pii
from ggzy.experts import draw as drawmath
from ggzy.experts import rules
from ggzy.experts.adapters import section_bidder_ids
from ggzy.experts.choices import DrawStatus, EntropyRole, ExpertStatus, SeatStatus, SpecialtyStatus
from ggzy.experts.config import expert_rules
from ggzy.experts.models import (
    Draw,
    DrawDemand,
    DrawRepresentative,
    EmploymentPeriod,
    Entropy,
    Expert,
    ExpertSpecialty,
    LeavePeriod,
    ManualAvoidance,
    Seat,
    SpecialtyCode,
)
from ggzy.experts.notify import channel as notify_channel
from ggzy.experts.services._common import (
    audit,
    is_pool_staff,
    iso,
    lock_draw,
    require_pool_staff,
    require_requester,
    transition,
)
from ggzy.supervision import selectors as supervision_selectors
from ggzy.trading.choices import SectionStatus
from ggzy.trading.models import Section
from ggzy.workcalendar.selectors import work_calendar

SECRET_CONTEXT = b"experts.draw.secret"


@dataclass(frozen=True)
class DemandInput:
    specialty: str
    count: int
    reserves: int = 0


def _demands(draw: Draw) -> list[drawmath.Demand]:
    return [
        drawmath.Demand(d.specialty.code, d.count, d.reserves)
        for d in draw.demands.select_related("specialty").order_by("specialty__code")
    ]


def _section_facts(section: Section) -> tuple[str, str, Decimal | None]:
    project = section.project
    return project.domain, project.procedure, section.budget if section.budget is not None else project.budget


def check_request(
    *,
    domain: str,
    procedure: str,
    budget: Decimal | None,
    demands: Sequence[DemandInput],
    representatives: int,
) -> list[str]:
    """Problems of a request's committee (size rules from config) and demands."""
    problems = []
    codes = [d.specialty.strip().upper() for d in demands]
    if not demands:
        problems.append("至少填写一个专业及人数")
    if len(set(codes)) != len(codes):
        problems.append("同一专业不能重复填写")
    known = set(SpecialtyCode.objects.filter(code__in=codes, is_active=True).values_list("code", flat=True))
    for code in codes:
        if code not in known:
            problems.append(f"专业代码“{code}”不存在")
    for d in demands:
        if d.count < 1:
            problems.append(f"专业 {d.specialty} 的人数至少为 1")
        if d.reserves < 0 or d.reserves > 20:
            problems.append(f"专业 {d.specialty} 的备选人数应为 0–20")
    size_rules = rules.size_rules_from(expert_rules()["size_rules"])
    rule = rules.size_rule_for(size_rules, domain=domain, procedure=procedure, budget=budget)
    problems += rules.committee_problems(
        rule=rule,
        drawn=sum(max(d.count, 0) for d in demands),
        representatives=representatives,
        min_expert_share=rules.share_from(expert_rules()["min_expert_share"]),
    )
    return problems


# ---------------------------------------------------------------- tenderer representatives


def _identity_verified(organisation: Organisation | None, *, clock: Clock) -> bool:
    if not expert_rules()["representative_requires_certificate"]:
        return True
    if organisation is None:
        return False
    return any(
        row.status == CertificateStatus.USABLE
        for row in accounts_selectors.certificate_list(organisation=organisation, at=clock.now())
    )


def representative_problems(user: User, *, tenderer_id: int, clock: Clock) -> list[str]:
    """Why ``user`` may not be named the tenderer's representative (rules.representative_problems
    on the account's facts)."""
    org = user.organisation
    facts = rules.RepresentativeFacts(
        user_id=user.pk,
        name=(user.display_name or "").strip(),
        is_active=user.is_active,
        organisation_id=user.organisation_id,
        organisation_active=bool(org is not None and org.is_active),
        has_tenderer_role=user.has_role(Role.TENDERER),
        identity_verified=org is not None and org.pk == tenderer_id and _identity_verified(org, clock=clock),
    )
    return rules.representative_problems(facts, tenderer_id=tenderer_id)


def _check_representatives(draw: Draw, users: Sequence[User], *, clock: Clock) -> list[User]:
    users = list(users)
    problems = []
    if len({u.pk for u in users}) != len(users):
        problems.append("同一人不能重复指定为招标人代表")
    if len(users) != draw.representatives:
        problems.append(f"招标人代表人数为 {draw.representatives} 人，须指定 {draw.representatives} 人")
    for user in users:
        problems += representative_problems(user, tenderer_id=draw.tenderer_id, clock=clock)
    if problems:
        raise ValidationFailed("；".join(problems), fields={"representatives": "不符合要求"})
    return users


def _name_representatives(draw: Draw, users: Sequence[User], *, actor: User, clock: Clock) -> None:
    DrawRepresentative.objects.filter(draw=draw).delete()
    for user in users:
        DrawRepresentative.objects.create(
            draw=draw,
            user=user,
            name=(user.display_name or "").strip()[:50],
            named_by=actor,
            named_at=clock.now(),
        )
    audit(
        draw,
        actor=actor,
        action="representatives_named",
        clock=clock,
        users=[u.pk for u in users],
        names=[(u.display_name or "").strip() for u in users],
    )


@transaction.atomic
def draw_representatives_set(
    *, actor: User, draw: Draw, users: Sequence[User], clock: Clock = system_clock
) -> list[DrawRepresentative]:
    """Name (or rename) the tenderer representatives of a draw request, before the commitment:
    exactly ``draw.representatives`` verified users of the tenderer organisation."""
    draw = lock_draw(draw)
    require_requester(actor, draw, clock=clock)
    transition("edit", draw)
    users = _check_representatives(draw, users, clock=clock)
    _name_representatives(draw, users, actor=actor, clock=clock)
    return list(DrawRepresentative.objects.filter(draw=draw))


@transaction.atomic
def draw_request_create(
    *,
    actor: User,
    section: Section,
    demands: Sequence[DemandInput],
    representatives: int,
    region_scope: Sequence[str],
    evaluation_at: dt.datetime,
    evaluation_place: str,
    replaces: Draw | None = None,
    representative_users: Sequence[User] | None = None,
    clock: Clock = system_clock,
) -> Draw:
    """The tenderer's (or its agency's) request for a committee for its own section. The
    composition rule (size, odd number, experts' share) is checked on the drawn experts plus the
    ``representatives``; these may be named here (``representative_users``) or later, before the
    commitment (:func:`draw_representatives_set`)."""
    require_requester(actor, section, clock=clock)
    if section.status == SectionStatus.TERMINATED:
        raise ValidationFailed("该标段已终止，不能抽取专家")
    domain, procedure, budget = _section_facts(section)
    problems = check_request(
        domain=domain, procedure=procedure, budget=budget, demands=demands, representatives=representatives
    )
    if evaluation_at <= clock.now():
        problems.append("评标时间须晚于现在")
    if section.bid_deadline is not None and evaluation_at < section.bid_deadline:
        problems.append("评标时间不能早于投标截止时间")
    if not evaluation_place.strip():
        problems.append("须填写评标地点")
    if problems:
        raise ValidationFailed("；".join(problems))
    draw = Draw.objects.create(
        section=section,
        replaces=replaces,
        requested_by=actor,
        tenderer=section.project.tenderer,
        domain=domain,
        procedure=procedure,
        budget=budget,
        representatives=representatives,
        region_scope=sorted({r.strip() for r in region_scope if r.strip()}),
        evaluation_at=evaluation_at,
        evaluation_place=evaluation_place.strip()[:200],
        created_at=clock.now(),
    )
    specs = {
        s.code: s
        for s in SpecialtyCode.objects.filter(code__in=[d.specialty.strip().upper() for d in demands])
    }
    for d in demands:
        DrawDemand.objects.create(
            draw=draw, specialty=specs[d.specialty.strip().upper()], count=d.count, reserves=d.reserves
        )
    named = None
    if representative_users is not None:
        named = _check_representatives(draw, representative_users, clock=clock)
    audit(
        draw,
        actor=actor,
        action="draw_requested",
        clock=clock,
        section=section.code,
        demands=[d.as_dict() for d in _demands(draw)],
        representatives=representatives,
        region_scope=draw.region_scope,
        evaluation_at=iso(evaluation_at),
        replaces=replaces.pk if replaces else None,
    )
    if named:
        _name_representatives(draw, named, actor=actor, clock=clock)
    return draw


@transaction.atomic
def draw_avoid_add(
    *, actor: User, draw: Draw, expert_code: str, reason: str, clock: Clock = system_clock
) -> ManualAvoidance:
    """A manual addition to the avoidance list, with a reason (before the commitment)."""
    draw = lock_draw(draw)
    if not is_pool_staff(actor):
        require_requester(actor, draw, clock=clock)
    transition("edit", draw)
    expert = Expert.objects.filter(code=expert_code.strip().upper()).first()
    if expert is None:
        raise ValidationFailed(f"专家编号“{expert_code}”不存在", fields={"expert_code": "不存在"})
    if not reason.strip():
        raise ValidationFailed("须填写回避原因", fields={"reason": "必填"})
    if ManualAvoidance.objects.filter(draw=draw, expert=expert).exists():
        raise ValidationFailed("该专家已在手工回避名单中")
    item = ManualAvoidance.objects.create(
        draw=draw, expert=expert, reason=reason.strip()[:200], added_by=actor, added_at=clock.now()
    )
    audit(draw, actor=actor, action="avoidance_added", clock=clock, expert=expert.pk, reason=item.reason)
    return item


# ---------------------------------------------------------------- commitment


def _timing(draw: Draw, *, clock: Clock) -> None:
    timing_rules = rules.timing_rules_from(expert_rules()["timing_rules"])
    applies = any(r.matches(domain=draw.domain, procedure=draw.procedure) for r in timing_rules)
    problem = rules.timing_problem(
        rules=timing_rules,
        domain=draw.domain,
        procedure=draw.procedure,
        now=clock.now(),
        today=local_date(clock.now()),
        bid_deadline=draw.section.bid_deadline,
        evaluation_at=draw.evaluation_at,
        evaluation_day=local_date(draw.evaluation_at),
        calendar=work_calendar() if applies else None,
    )
    if problem:
        raise ValidationFailed(problem, code="too_early")


def pool_snapshot(draw: Draw) -> dict[str, list[int]]:
    """Specialty code → sorted ids of experts that may sit: not retired, holding the approved
    specialty, in the region scope, not on leave on the evaluation day."""
    day = local_date(draw.evaluation_at)
    codes = [d.specialty for d in _demands(draw)]
    on_leave = LeavePeriod.objects.filter(expert=OuterRef("expert_id"), start__lte=day, end__gte=day)
    qs = ExpertSpecialty.objects.filter(
        specialty__code__in=codes,
        status=SpecialtyStatus.APPROVED,
        expert__status__in=[ExpertStatus.ACTIVE, ExpertStatus.SUSPENDED],
    ).filter(~Exists(on_leave))
    if draw.region_scope:
        qs = qs.filter(expert__region__in=draw.region_scope)
    pool: dict[str, list[int]] = {code: [] for code in codes}
    for expert_id, code in qs.values_list("expert_id", "specialty__code").iterator(chunk_size=5000):
        pool[code].append(expert_id)
    return drawmath.normalise_pool(pool)


def avoidance_for(draw: Draw, *, bidder_ids: Sequence[int], pool_ids: set[int]) -> dict[int, list[str]]:
    """The automatic avoidance list plus the manual additions, restricted to the pool."""
    cfg = expert_rules()
    day = local_date(draw.evaluation_at)
    section = draw.section
    agency_id = section.project.agency_id
    orgs = {*bidder_ids, draw.tenderer_id, *([agency_id] if agency_id else [])}
    since = rules.years_before(day, int(cfg["lookback_years"]))
    employments = [
        rules.Employment(e, o, s, t)
        for e, o, s, t in EmploymentPeriod.objects.filter(organisation_id__in=orgs)
        .filter(Q(end__isnull=True) | Q(end__gte=since))
        .values_list("expert_id", "organisation_id", "start", "end")
    ]
    age_limit = rules.age_limit_for(cfg["age_rules"], domain=draw.domain)
    cond = Q(status=ExpertStatus.SUSPENDED) | Q(barred_until__gte=day)
    if age_limit is not None:
        cond |= Q(birth_date__lte=rules.years_before(day, age_limit))
    facts = [
        rules.StatusFact(i, s, b, d)
        for i, s, b, d in Expert.objects.filter(cond).values_list(
            "pk", "status", "barred_until", "birth_date"
        )
    ]
    # Violations on the exposure board (ggzy.supervision) refer to experts by code (expert_ref).
    refs = set(
        supervision_selectors.exposure_list(kind="expert")
        .filter(bars_draws_until__gte=day)
        .values_list("expert_ref", flat=True)
    )
    barred = Expert.objects.filter(code__in=refs).values_list("pk", flat=True) if refs else []
    manual = dict(ManualAvoidance.objects.filter(draw=draw).values_list("expert_id", "reason"))
    reasons = rules.build_avoidance(
        employments=employments,
        facts=facts,
        bidder_ids=bidder_ids,
        tenderer_id=draw.tenderer_id,
        agency_id=agency_id,
        evaluation_day=day,
        lookback_years=int(cfg["lookback_years"]),
        age_limit=age_limit,
        barred_ids=barred,
        manual=manual,
    )
    return {k: v for k, v in reasons.items() if k in pool_ids}


def shortfall_message(exc: drawmath.Shortfall, demands: Sequence[drawmath.Demand]) -> str:
    names = dict(SpecialtyCode.objects.filter(code__in=list(exc.missing)).values_list("code", "name"))
    parts = []
    for d in demands:
        if d.specialty in exc.missing:
            parts.append(
                f"{d.specialty} {names.get(d.specialty, '')}："
                f"需要 {d.count + d.reserves} 人（含备选 {d.reserves} 人），"
                f"符合条件的只有 {exc.available.get(d.specialty, 0)} 人，缺 {exc.missing[d.specialty]} 人"
            )
    if "*" in exc.missing:
        parts.append(f"各专业合计缺 {exc.missing['*']} 人（同一专家不能在多个专业重复入选）")
    return "符合条件的专家不足，无法抽取。" + "；".join(parts)


def _encrypt_secret(secret: bytes) -> str:
    return base_pii.cipher().encrypt(secret.hex(), context=SECRET_CONTEXT)


def _decrypt_secret(token: str) -> bytes:
    return bytes.fromhex(base_pii.cipher().decrypt(token, context=SECRET_CONTEXT))


@transaction.atomic
def draw_commit(*, actor: User, draw: Draw, clock: Clock = system_clock) -> Draw:
    """Freeze the pool and the avoidance list, pick the server secret and publish the commitment.
    Refused before the bid deadline, too early by the timing rules, or with too few experts."""
    draw = lock_draw(draw)
    require_requester(actor, draw, clock=clock)
    new_status = transition("commit", draw)
    _timing(draw, clock=clock)
    named = [
        r.user for r in DrawRepresentative.objects.filter(draw=draw).select_related("user__organisation")
    ]
    problem = rules.representatives_named_problem(named=len(named), declared=draw.representatives)
    if problem:
        raise ValidationFailed(problem, code="representatives", fields={"representatives": "未指定"})
    _check_representatives(draw, named, clock=clock)  # still eligible (an account may have changed)
    demands = _demands(draw)
    bidder_ids, source = section_bidder_ids(section=draw.section, actor=actor, clock=clock)
    pool = pool_snapshot(draw)
    pool_ids = {i for ids in pool.values() for i in ids}
    avoidance = avoidance_for(draw, bidder_ids=bidder_ids, pool_ids=pool_ids)
    try:
        drawmath.check_supply(pool=pool, avoid=avoidance, demands=demands)
    except drawmath.Shortfall as exc:
        raise ValidationFailed(
            shortfall_message(exc, demands),
            code="shortfall",
            fields={k: str(v) for k, v in exc.missing.items()},
        ) from None
    secret = drawmath.new_secret()
    draw.pool_snapshot = pool
    draw.avoidance = {str(k): v for k, v in avoidance.items()}
    draw.bidder_source = source
    draw.pool_hash = drawmath.pool_hash(pool)
    draw.avoidance_hash = drawmath.avoidance_hash(avoidance)
    draw.secret_hash = drawmath.secret_hash(secret)
    draw.secret_encrypted = _encrypt_secret(secret)
    draw.commitment = drawmath.commitment(
        draw_ref=draw.ref,
        section=draw.section.code,
        demands=demands,
        pool_hash=draw.pool_hash,
        avoidance_hash=draw.avoidance_hash,
        secret_hash=draw.secret_hash,
    )
    draw.committed_at = clock.now()
    draw.status = new_status
    draw.save()
    audit(
        draw,
        actor=actor,
        action="draw_committed",
        clock=clock,
        commitment=draw.commitment,
        pool_hash=draw.pool_hash,
        avoidance_hash=draw.avoidance_hash,
        secret_hash=draw.secret_hash,
        pool_size=len(pool_ids),
        avoided=len(avoidance),
        bidders=len(bidder_ids),
        bidder_source=source,
    )
    return draw


@transaction.atomic
def draw_entropy_add(
    *, actor: User, draw: Draw, role: str, value: str, clock: Clock = system_clock
) -> Entropy:
    """A random contribution typed at the terminal: the tenderer's (required) or a supervisor's
    (optional). One per role; a second is refused."""
    draw = lock_draw(draw)
    if role == EntropyRole.TENDERER:
        require_requester(actor, draw, clock=clock)
    elif role == EntropyRole.SUPERVISOR:
        if not (actor.is_active and actor.has_role(Role.SUPERVISOR)):
            raise PermissionDenied("只有监督人员可以提交监督随机数")
    else:
        raise ValidationFailed("提交方无效")
    transition("entropy", draw)
    problem = drawmath.entropy_problem(value)
    if problem:
        raise ValidationFailed(problem, fields={"value": problem})
    if Entropy.objects.filter(draw=draw, role=role).exists():
        raise ValidationFailed(f"{EntropyRole(role).label}已提交过随机数，不能重复提交", code="entropy_twice")
    try:
        with transaction.atomic():
            item = Entropy.objects.create(
                draw=draw,
                role=role,
                value=drawmath.normalise_entropy(value),
                contributed_by=actor,
                at=clock.now(),
            )
    except IntegrityError:  # pragma: no cover - the lock above serialises contributions
        raise ValidationFailed("随机数已提交，不能重复提交", code="entropy_twice") from None
    audit(draw, actor=actor, action="entropy_added", clock=clock, role=role, value=item.value)
    return item


def _contributions(draw: Draw) -> list[drawmath.Contribution]:
    return [drawmath.Contribution(e.role, e.value) for e in draw.entropies.order_by("at", "pk")]


def _notify(seat: Seat, *, clock: Clock) -> None:
    cfg = expert_rules()
    expert = seat.expert
    draw = seat.draw
    seat.notified_at = clock.now()
    seat.respond_by = clock.now() + dt.timedelta(minutes=int(cfg["confirm_minutes"]))
    seat.status = SeatStatus.NOTIFIED
    name = str(settings.GGZY_SITE["center_name"])
    when = draw.evaluation_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    deadline = seat.respond_by.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    body = (
        f"【{name}】{expert.name}专家您好：您被随机抽取为评标专家"
        f"（抽取编号 {draw.ref}，专业 {seat.specialty.code}）。"
        f"评标时间 {when}，地点 {draw.evaluation_place}。"
        f"请于 {deadline} 前登录专家服务页面确认参加或说明不能参加。"
    )
    to = expert.email
    channel = expert.preferred_channel
    if channel != "email" and expert.phone_encrypted:
        from ggzy.experts import pii

        to = pii.decrypt("phone", expert.phone_encrypted)
    elif not to:
        channel = "email"
    reference = (
        notify_channel(channel).send(to=to, subject=f"评标专家抽取通知 {draw.ref}", body=body) if to else ""
    )
    seat.channel = channel
    seat.save()
    audit(
        seat.draw,
        actor=None,
        action="expert_notified",
        clock=clock,
        seat=seat.pk,
        specialty=seat.specialty.code,
        position=seat.position,
        channel=channel,
        delivered=bool(reference),
        respond_by=iso(seat.respond_by),
    )


@transaction.atomic
def draw_execute(*, actor: User, draw: Draw, clock: Clock = system_clock) -> Draw:
    """Derive the seed, select the committee and its reserves, notify the selected experts."""
    draw = lock_draw(draw)
    require_requester(actor, draw, clock=clock)
    new_status = transition("execute", draw)
    _timing(draw, clock=clock)
    contributions = _contributions(draw)
    if not any(c.role == EntropyRole.TENDERER for c in contributions):
        raise ValidationFailed("招标人（采购人）须先在抽取终端输入随机数", code="entropy_missing")
    secret = _decrypt_secret(draw.secret_encrypted)
    seed = drawmath.derive_seed(commitment=draw.commitment, secret=secret, contributions=contributions)
    demands = _demands(draw)
    avoid = [int(k) for k in draw.avoidance]
    draw.seed = seed.hex()
    draw.drawn_at = clock.now()
    try:
        picks = drawmath.select(seed=seed, pool=draw.pool_snapshot, avoid=avoid, demands=demands)
    except drawmath.Shortfall as exc:
        draw.save(update_fields=["seed", "drawn_at"])
        return _fail(draw, actor=actor, reason=shortfall_message(exc, demands), clock=clock)
    draw.selection = [p.as_dict() for p in picks]
    draw.status = new_status
    draw.save()
    specs = {s.code: s for s in SpecialtyCode.objects.filter(code__in=[d.specialty for d in demands])}
    experts = Expert.objects.in_bulk([i for p in picks for i in [*p.principals, *p.reserves]])
    seats = []
    for p in picks:
        for position, expert_id in enumerate([*p.principals, *p.reserves]):
            principal = position < len(p.principals)
            seats.append(
                Seat.objects.create(
                    draw=draw,
                    expert=experts[expert_id],
                    specialty=specs[p.specialty],
                    position=position,
                    principal=principal,
                    status=SeatStatus.STANDBY,
                )
            )
    audit(
        draw,
        actor=actor,
        action="draw_executed",
        clock=clock,
        seed=draw.seed,
        entropy=[c.as_dict() for c in contributions],
        selection=draw.selection,
    )
    for seat in seats:
        if seat.principal:
            _notify(seat, clock=clock)
    return draw


# ---------------------------------------------------------------- answers, top-up, failure


def _fail(draw: Draw, *, actor: User | None, reason: str, clock: Clock) -> Draw:
    draw.status = transition("fail", draw)
    draw.failed_at = clock.now()
    draw.failure_reason = reason
    draw.save()
    audit(draw, actor=actor, action="draw_failed", clock=clock, reason=reason)
    return draw


def _top_up(draw: Draw, seat: Seat, *, actor: User | None, clock: Clock) -> Draw:
    """Call up the next reserve of the seat's specialty (补抽), or fail the draw."""
    reserve = (
        Seat.objects.select_for_update()
        .filter(draw=draw, specialty=seat.specialty, status=SeatStatus.STANDBY)
        .order_by("position")
        .first()
    )
    if reserve is None:
        return _fail(
            draw,
            actor=actor,
            reason=(
                f"专业 {seat.specialty.code} {seat.specialty.name} 的备选专家已用完，"
                "评标委员会无法组成，须重新抽取"
            ),
            clock=clock,
        )
    audit(
        draw,
        actor=actor,
        action="draw_topped_up",
        clock=clock,
        replaces_seat=seat.pk,
        seat=reserve.pk,
        specialty=seat.specialty.code,
        position=reserve.position,
    )
    _notify(reserve, clock=clock)
    return draw


def _maybe_complete(draw: Draw, *, clock: Clock) -> Draw:
    needed = sum(d.count for d in draw.demands.all())
    if Seat.objects.filter(draw=draw, status=SeatStatus.CONFIRMED).count() >= needed:
        draw.status = transition("complete", draw)
        draw.completed_at = clock.now()
        draw.save()
        audit(draw, actor=None, action="draw_completed", clock=clock)
    return draw


@transaction.atomic
def seat_respond(
    *, actor: User, draw_id: int, seat_id: int, accept: bool, reason: str = "", clock: Clock = system_clock
) -> Seat:
    """The expert's answer to a notice: confirm or decline (with a reason). A seat of another
    expert or of another draw is refused; a decline calls up the next reserve."""
    seat = Seat.objects.select_for_update().select_related("expert", "specialty").filter(pk=seat_id).first()
    if seat is None or seat.expert.user_id != actor.pk:
        raise NotFound("没有找到您的这条抽取通知")
    if seat.draw_id != draw_id:
        raise ValidationFailed("该通知不属于这次抽取，不能确认", code="wrong_draw")
    draw = lock_draw(seat.draw)
    transition("respond", draw)
    if seat.status != SeatStatus.NOTIFIED:
        raise ValidationFailed(f"该通知已处理（{seat.get_status_display()}）")
    if seat.respond_by is not None and clock.now() > seat.respond_by:
        raise ValidationFailed("已超过确认期限，系统将按超时处理并通知备选专家", code="too_late")
    if not accept and not reason.strip():
        raise ValidationFailed("不能参加时须说明原因", fields={"reason": "必填"})
    seat.status = SeatStatus.CONFIRMED if accept else SeatStatus.DECLINED
    seat.responded_at = clock.now()
    seat.decline_reason = "" if accept else reason.strip()[:200]
    seat.save()
    audit(
        draw,
        actor=actor,
        action="expert_confirmed" if accept else "expert_declined",
        clock=clock,
        seat=seat.pk,
        reason=seat.decline_reason,
    )
    if accept:
        _maybe_complete(draw, clock=clock)
    else:
        _top_up(draw, seat, actor=actor, clock=clock)
    seat.refresh_from_db()
    return seat


@transaction.atomic
def seats_sweep(*, clock: Clock = system_clock) -> int:
    """Time out notices not answered in time and call up reserves. For the worker/cron."""
    done = 0
    due = Seat.objects.filter(
        status=SeatStatus.NOTIFIED, respond_by__lt=clock.now(), draw__status=DrawStatus.DRAWN
    )
    for seat in due.select_related("specialty").order_by("respond_by", "pk"):
        draw = lock_draw(seat.draw)
        seat = Seat.objects.select_for_update().select_related("specialty").get(pk=seat.pk)
        if draw.status != DrawStatus.DRAWN or seat.status != SeatStatus.NOTIFIED:
            continue
        seat.status, seat.responded_at = SeatStatus.TIMED_OUT, clock.now()
        seat.save()
        audit(draw, actor=None, action="expert_timed_out", clock=clock, seat=seat.pk)
        _top_up(draw, seat, actor=None, clock=clock)
        done += 1
    return done


@transaction.atomic
def draw_redo(
    *, actor: User, draw: Draw, evaluation_at: dt.datetime | None = None, clock: Clock = system_clock
) -> Draw:
    """A new draw after a failed one, with the same request and manual avoidances."""
    draw = lock_draw(draw)
    require_requester(actor, draw, clock=clock)
    if draw.status != DrawStatus.FAILED:
        raise ValidationFailed("只有抽取失败后才能重新抽取")
    # Named representatives carry over (checked again); with none named they are named later.
    named = [
        r.user for r in DrawRepresentative.objects.filter(draw=draw).select_related("user__organisation")
    ]
    new = draw_request_create(
        actor=actor,
        section=draw.section,
        demands=[DemandInput(d.specialty, d.count, d.reserves) for d in _demands(draw)],
        representatives=draw.representatives,
        region_scope=draw.region_scope,
        evaluation_at=evaluation_at or draw.evaluation_at,
        evaluation_place=draw.evaluation_place,
        replaces=draw,
        representative_users=named or None,
        clock=clock,
    )
    for m in ManualAvoidance.objects.filter(draw=draw):
        ManualAvoidance.objects.create(
            draw=new, expert=m.expert, reason=m.reason, added_by=actor, added_at=clock.now()
        )
    return new


@transaction.atomic
def draw_cancel(*, actor: User, draw: Draw, reason: str, clock: Clock = system_clock) -> Draw:
    draw = lock_draw(draw)
    require_requester(actor, draw, clock=clock)
    draw.status = transition("cancel", draw)
    if not reason.strip():
        raise ValidationFailed("须填写取消原因")
    draw.failure_reason = reason.strip()
    draw.save()
    audit(draw, actor=actor, action="draw_cancelled", clock=clock, reason=reason.strip())
    return draw


# ---------------------------------------------------------------- evaluation and reveal


@transaction.atomic
def evaluation_start(*, actor: User | None, draw: Draw, clock: Clock = system_clock) -> Draw:
    """Center staff record that the evaluation has started: the names stop being secret.
    ``actor`` None: the evaluation app, when it opens the committee's room from this draw (it
    has checked who started the evaluation and audits that itself)."""
    if actor is not None:
        require_pool_staff(actor)
    draw = lock_draw(draw)
    draw.status = transition("start_evaluation", draw)
    draw.evaluation_started_at = clock.now()
    draw.save()
    audit(draw, actor=actor, action="evaluation_started", clock=clock, via="staff" if actor else "evaluation")
    return draw


@transaction.atomic
def draw_reveal(*, actor: User, draw: Draw, clock: Clock = system_clock) -> Draw:
    """After the evaluation: publish the server secret; anyone can now recompute the draw."""
    require_pool_staff(actor)
    draw = lock_draw(draw)
    draw.status = transition("reveal", draw)
    secret = _decrypt_secret(draw.secret_encrypted)
    if drawmath.secret_hash(secret) != draw.secret_hash:  # pragma: no cover - key mix-up
        raise ValidationFailed("服务器密钥与承诺值不符，不能公开")
    draw.secret_revealed = secret.hex()
    draw.revealed_at = clock.now()
    draw.save()
    audit(draw, actor=actor, action="draw_revealed", clock=clock, secret=draw.secret_revealed)
    return draw
