"""Every read of the experts app: draws a user may see, the counts the tenderer sees (never
names), the seat rows (names only through ``services.committee_view``), the published record of a
revealed draw and its verification, the expert's own notices, the staff's queues."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, local_date, system_clock
from ggzy.core.errors import NotFound
from ggzy.experts import draw as drawmath
from ggzy.experts import rules
from ggzy.experts.choices import DrawStatus, SeatStatus, SpecialtyStatus
from ggzy.experts.models import Draw, DrawRepresentative, Expert, ExpertSpecialty, Seat, SpecialtyCode
from ggzy.trading import access


def specialty_choices() -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} {s.name}") for s in SpecialtyCode.objects.filter(is_active=True)]


def expert_for_user(user: User) -> Expert | None:
    if not user.is_authenticated:
        return None
    return Expert.objects.filter(user=user).first()


def expert_list(*, q: str = "", limit: int = 200) -> list[Expert]:
    qs = Expert.objects.select_related("employer").order_by("code")
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(region__icontains=q))
    return list(qs[:limit])


def expert_specialties(expert: Expert) -> QuerySet[ExpertSpecialty]:
    return (
        ExpertSpecialty.objects.filter(expert=expert).select_related("specialty").order_by("specialty__code")
    )


def pending_specialties() -> QuerySet[ExpertSpecialty]:
    return (
        ExpertSpecialty.objects.filter(status=SpecialtyStatus.PENDING)
        .select_related("expert", "specialty")
        .order_by("requested_at", "pk")
    )


def specialty_item_get(*, pk: int) -> ExpertSpecialty:
    item = ExpertSpecialty.objects.select_related("expert", "specialty").filter(pk=pk).first()
    if item is None:
        raise NotFound("专业申请不存在")
    return item


def draws_visible(*, actor: User, clock: Clock = system_clock) -> list[Draw]:
    """Draws of sections ``actor`` manages; all draws for center staff with the pool role."""
    from ggzy.accounts.choices import Role
    from ggzy.experts.services._common import is_name_viewer, is_pool_staff

    qs = Draw.objects.select_related("section__tender_project__project").order_by("-created_at", "-pk")
    if is_pool_staff(actor) or is_name_viewer(actor) or actor.has_role(Role.SUPERVISOR):
        return list(qs[:300])
    today = local_date(clock.now())
    return [d for d in qs[:1000] if access.may_manage(actor, d.section.project, today=today)]


def draw_get(*, pk: int) -> Draw:
    draw = Draw.objects.select_related("section__tender_project__project", "replaces").filter(pk=pk).first()
    if draw is None:
        raise NotFound("抽取记录不存在")
    return draw


def draw_get_for(*, actor: User, pk: int, clock: Clock = system_clock) -> Draw:
    """A draw its requester side, designated staff or a supervisor may open."""
    from ggzy.accounts.choices import Role
    from ggzy.experts.services._common import is_name_viewer, is_pool_staff, may_request

    draw = draw_get(pk=pk)
    if not (
        is_pool_staff(actor)
        or is_name_viewer(actor)
        or actor.has_role(Role.SUPERVISOR)
        or may_request(actor, draw, clock=clock)
    ):
        raise NotFound("抽取记录不存在，或您无权查看")
    return draw


@dataclass(frozen=True)
class DemandCount:
    specialty: str
    name: str
    count: int
    reserves: int
    confirmed: int
    waiting: int
    declined: int
    timed_out: int
    reserves_left: int


def draw_counts(draw: Draw) -> list[DemandCount]:
    """What the tenderer sees before the evaluation: counts and confirmation status, no names."""
    seats = list(Seat.objects.filter(draw=draw).values_list("specialty__code", "status"))
    out = []
    for d in draw.demands.select_related("specialty").order_by("specialty__code"):
        mine = [s for c, s in seats if c == d.specialty.code]
        out.append(
            DemandCount(
                specialty=d.specialty.code,
                name=d.specialty.name,
                count=d.count,
                reserves=d.reserves,
                confirmed=mine.count(SeatStatus.CONFIRMED),
                waiting=mine.count(SeatStatus.NOTIFIED),
                declined=mine.count(SeatStatus.DECLINED),
                timed_out=mine.count(SeatStatus.TIMED_OUT),
                reserves_left=mine.count(SeatStatus.STANDBY),
            )
        )
    return out


@dataclass(frozen=True)
class SeatRow:
    seat_id: int
    specialty: str
    position: int
    principal: bool
    status: str
    status_label: str
    expert_id: int
    expert_code: str
    name: str
    title: str
    employer: str
    responded_at: Any
    decline_reason: str


def seat_rows(draw: Draw, *, with_names: bool) -> list[SeatRow]:
    rows = []
    for s in (
        Seat.objects.filter(draw=draw)
        .select_related("expert__employer", "specialty")
        .order_by("specialty__code", "position")
    ):
        rows.append(
            SeatRow(
                seat_id=s.pk,
                specialty=s.specialty.code,
                position=s.position,
                principal=s.principal,
                status=s.status,
                status_label=s.get_status_display(),
                expert_id=s.expert_id,
                expert_code=s.expert.code if with_names else "",
                name=s.expert.name if with_names else "",
                title=s.expert.title if with_names else "",
                employer=str(s.expert.employer) if with_names and s.expert.employer else "",
                responded_at=s.responded_at,
                decline_reason=s.decline_reason if with_names else "",
            )
        )
    return rows


def avoidance_summary(draw: Draw) -> dict[str, int]:
    """How many experts each reason avoided (the tenderer sees counts, not who)."""
    counts: dict[str, int] = {}
    for reasons in (draw.avoidance or {}).values():
        for r in reasons:
            counts[rules.REASON_LABELS.get(r, r)] = counts.get(rules.REASON_LABELS.get(r, r), 0) + 1
    return counts


def my_notices(expert: Expert) -> QuerySet[Seat]:
    return (
        Seat.objects.filter(expert=expert)
        .exclude(status=SeatStatus.STANDBY)
        .select_related("draw", "specialty")
        .order_by("-notified_at", "-pk")
    )


# ---------------------------------------------------------------- the public record


def revealed_draws(*, limit: int = 100) -> QuerySet[Draw]:
    return (
        Draw.objects.filter(status=DrawStatus.REVEALED)
        .select_related("section")
        .order_by("-revealed_at")[:limit]
    )


def commitment_public(draw: Draw) -> dict[str, Any] | None:
    """What is public once committed (before the draw): the hashes and the commitment."""
    if not draw.commitment:
        return None
    return {
        "draw": draw.ref,
        "section": draw.section.code,
        "demands": [
            {"specialty": d.specialty.code, "count": d.count, "reserves": d.reserves}
            for d in draw.demands.select_related("specialty").order_by("specialty__code")
        ],
        "pool_hash": draw.pool_hash,
        "avoidance_hash": draw.avoidance_hash,
        "secret_hash": draw.secret_hash,
        "commitment": draw.commitment,
        "committed_at": draw.committed_at,
    }


def published_record(draw: Draw) -> dict[str, Any]:
    """The full published record of a revealed draw (docs/formats/expert-draw.md)."""
    if draw.status != DrawStatus.REVEALED:
        raise NotFound("该抽取的评标尚未结束，验证数据尚未公开")
    head = commitment_public(draw)
    assert head is not None
    return head | {
        "format": "ggzy-expert-draw/1",
        "pool": draw.pool_snapshot,
        "avoid": sorted(int(k) for k in draw.avoidance),
        "secret": draw.secret_revealed,
        "entropy": [{"role": e.role, "value": e.value} for e in draw.entropies.order_by("at", "pk")],
        "seed": draw.seed,
        "selection": draw.selection,
        "drawn_at": draw.drawn_at,
        "revealed_at": draw.revealed_at,
    }


def json_ready(record: dict[str, Any]) -> dict[str, Any]:
    import json

    from ggzy.core.canonical import canonical_json

    result: dict[str, Any] = json.loads(canonical_json(record))
    return result


def verify_draw(draw: Draw) -> drawmath.Verification:
    """Recompute a revealed draw from its published record only."""
    return drawmath.verify(json_ready(published_record(draw)))


def committee_for_result(*, section_id: int) -> list[str]:
    """The names of the confirmed committee of a section, for a result announcement where the
    law requires them (政府采购 87号令 Art. 69): only once the evaluation has started, from the
    latest draw that formed a committee. Empty before that."""
    draw = (
        Draw.objects.filter(section_id=section_id, status__in=[DrawStatus.EVALUATING, DrawStatus.REVEALED])
        .order_by("-evaluation_started_at", "-pk")
        .first()
    )
    if draw is None:
        return []
    seats = Seat.objects.filter(draw=draw, status=SeatStatus.CONFIRMED).select_related("expert")
    return [s.expert.name for s in seats.order_by("specialty__code", "position")]


def representative_candidates(draw: Draw) -> QuerySet[User]:
    """Users who may be offered as the draw's tenderer representatives: active users of the
    tenderer organisation holding the tenderer role (the service checks the rest)."""
    return User.objects.filter(
        organisation_id=draw.tenderer_id, is_active=True, role_grants__role=Role.TENDERER
    ).order_by("display_name", "username")


def representatives_named(draw: Draw) -> list[DrawRepresentative]:
    return list(DrawRepresentative.objects.filter(draw=draw).select_related("user"))
