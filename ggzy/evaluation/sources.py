"""Every read the evaluation makes of other apps, in one place (trading, opening, experts), and
the one thing it tells another app: that the committee drawn for a section has started work.

* The method: ``trading.Section.evaluation_method`` holds the glossary's key (the same keys as
  :mod:`ggzy.evaluation.methods`; trading allows per domain), ``evaluation_params`` the method's
  JSON (``methods.dump``); a method named inside the parameters must be the same.
* The opened bids: those the opening decrypted and verified (``opening.OpenedBid``), read only
  once the opening is closed — a bid withdrawn before the deadline, replaced by a later version,
  or that failed to decrypt (Art. 31) is not among them. Price and the SME declaration come from
  the bid summary sealed in the envelope (``price``, ``sme_kind``, ``sme_share``).
* The committee: the confirmed members of the section's latest draw, once it is complete; an
  expert who declined or timed out is not a member (his reserve is). The tenderer
  representatives named with the draw sit beside them (role tenderer_rep).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ggzy.core.clock import Clock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods
from ggzy.trading import bid_summary
from ggzy.trading.models import Section

DOMAIN_METHODS = {
    "procurement": methods.PROCUREMENT_METHODS,
    "construction": methods.CONSTRUCTION_METHODS,
}
DOMAIN_LABELS = {"procurement": "政府采购", "construction": "工程建设"}


@dataclass(frozen=True)
class OpenedSummary:
    """One opened bid as the evaluation needs it (from ``opening.OpenedBid`` + ``trading.Bid``)."""

    bid_ref: str
    bidder_name: str
    price: Decimal
    sme_kind: str = "none"
    sme_share: Decimal | None = None
    objective: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    organisation_id: int | None = None  # the bidding organisation (answers clarifications)


EXPERT = "expert"
TENDERER_REP = "tenderer_rep"


@dataclass(frozen=True)
class CommitteeSeat:
    """A member of the section's committee (from ``experts``): a confirmed expert, or
    (``role`` tenderer_rep, no expert code) a tenderer representative named with the draw."""

    user_id: int
    expert_code: str
    name: str
    role: str = EXPERT


def section_get(section_id: int) -> Section:
    return Section.objects.select_related("tender_project__project").get(pk=section_id)


def section_domain(section: Section) -> str:
    return section.tender_project.project.domain


def section_method(section: Section) -> methods.MethodConfig:
    """The section's validated method: the key trading holds (or, for a section written without
    it, the one its parameters name), allowed for the section's domain, with its parameters."""
    params = dict(section.evaluation_params or {})
    chosen = section.evaluation_method or ""
    named = params.get("method") or ""
    if chosen and named and named != chosen:
        raise ValidationFailed(
            f"评标办法参数中的办法（{methods.METHOD_LABELS.get(str(named), named)}）与本标段的评标办法"
            f"（{methods.METHOD_LABELS.get(chosen, chosen)}）不一致，不能开始评标。",
            fields={"evaluation_params": "办法不一致"},
        )
    method = chosen or str(named)
    if not method:
        raise ValidationFailed(
            "本标段尚未设置评标办法，不能开始评标。", fields={"evaluation_method": "未设置"}
        )
    domain = section_domain(section)
    allowed = DOMAIN_METHODS.get(domain, frozenset())
    if method not in allowed:
        label = methods.METHOD_LABELS.get(method, method)
        raise ValidationFailed(
            f"{DOMAIN_LABELS.get(domain, '本交易类别')}项目不能采用“{label}”评标，不能开始评标。",
            fields={"evaluation_method": "与交易类别不符"},
        )
    params["method"] = method
    return methods.parse(params)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def _sme(summary: dict[str, Any], bidder: str) -> tuple[str, Decimal | None]:
    """The SME declaration sealed in the bid summary (schema and check: trading's
    :mod:`~ggzy.trading.bid_summary`, the same rules the browser bid page applies before it
    seals): ``sme_kind`` (a key or its Chinese label; absent = none) and ``sme_share`` (percent,
    required for a consortium)."""
    try:
        return bid_summary.read_sme(summary)
    except bid_summary.SmeDeclarationInvalid as exc:
        raise ValidationFailed(f"投标人“{bidder}”的{exc.message}", fields={exc.key: "无效"}) from None


def opened_bids(section: Section) -> list[OpenedSummary]:
    """The bids the opening decrypted and verified, in readout order (bidder name), with the
    price read out at opening and the SME declaration. Empty when the section had no opening;
    refused while the opening is still running or when it did not take place."""
    from ggzy.opening import workflow as opening_workflow
    from ggzy.opening.models import OpenedBid, OpeningSession
    from ggzy.trading.choices import BidStatus

    session = OpeningSession.objects.filter(section=section).first()
    if session is None:
        return []
    if session.state == opening_workflow.FAILED:
        raise ValidationFailed(
            "本标段开标未进行（投标人少于三个，不予开标），不能评标。", fields={"opening": session.state}
        )
    if session.state in opening_workflow.FAILED_STATES:
        label = opening_workflow.STATE_LABELS[session.state]
        raise ValidationFailed(f"本标段开标失败（{label}），不能评标。", fields={"opening": session.state})
    if session.state != opening_workflow.CLOSED:
        label = opening_workflow.STATE_LABELS.get(session.state, session.state)
        raise ValidationFailed(
            f"开标尚未结束（当前：{label}），不能开始评标。", fields={"opening": session.state}
        )
    rows = (
        OpenedBid.objects.filter(session=session, bid__is_current=True, bid__status=BidStatus.DECRYPTED)
        .select_related("bid__organisation")
        .order_by("bid__organisation__name", "pk")
    )
    out = []
    for row in rows:
        bidder = row.bid.organisation.name
        summary = row.summary if isinstance(row.summary, dict) else {}
        price = _decimal(summary.get("price"))
        if price is None or price <= 0:
            raise ValidationFailed(
                f"投标人“{bidder}”的唱标报价“{summary.get('price')}”无法识别。", fields={"price": "无效"}
            )
        kind, share = _sme(summary, bidder)
        out.append(
            OpenedSummary(
                bid_ref=str(row.bid_id),
                bidder_name=bidder,
                price=price,
                sme_kind=kind,
                sme_share=share,
                summary=summary,
                organisation_id=row.bid.organisation_id,
            )
        )
    return out


def _committee_draw(section: Section) -> Any:
    """The section's latest draw that has not failed or been cancelled (None without one)."""
    from ggzy.experts.choices import DrawStatus
    from ggzy.experts.models import Draw

    return (
        Draw.objects.filter(section=section)
        .exclude(status__in=[DrawStatus.FAILED, DrawStatus.CANCELLED])
        .order_by("-pk")
        .first()
    )


def committee(section: Section) -> list[CommitteeSeat]:
    """The confirmed members of the section's latest draw, once it formed the committee. Empty
    when no draw was made; refused while the draw still waits for answers or a member has no
    login to the evaluation room."""
    from ggzy.experts.choices import DrawStatus, SeatStatus
    from ggzy.experts.models import Seat

    draw = _committee_draw(section)
    if draw is None:
        return []
    if draw.status not in (DrawStatus.COMPLETE, DrawStatus.EVALUATING, DrawStatus.REVEALED):
        raise ValidationFailed(
            f"评标委员会尚未组成（专家抽取 {draw.ref}：{draw.get_status_display()}），不能开始评标。",
            fields={"committee": draw.status},
        )
    seats = list(
        Seat.objects.filter(draw=draw, status=SeatStatus.CONFIRMED)
        .select_related("expert")
        .order_by("specialty__code", "position", "pk")
    )
    missing = [s.expert.name for s in seats if s.expert.user_id is None]
    if missing:
        raise ValidationFailed(
            f"评标委员会成员{'、'.join(missing)}没有评标专家账号，不能进入评标室。",
            fields={"committee": "无账号"},
        )
    experts = [
        CommitteeSeat(user_id=s.expert.user_id, expert_code=s.expert.code, name=s.expert.name)
        for s in seats
        if s.expert.user_id is not None
    ]
    return experts + _representatives(draw, expert_users={s.user_id for s in experts})


def _representatives(draw: Any, *, expert_users: set[int]) -> list[CommitteeSeat]:
    """The tenderer representatives named with the draw (招标人代表), after the experts."""
    from ggzy.experts.models import DrawRepresentative

    reps = list(DrawRepresentative.objects.filter(draw=draw).order_by("named_at", "pk"))
    if len(reps) != draw.representatives:
        raise ValidationFailed(
            f"专家抽取 {draw.ref} 的招标人代表应为 {draw.representatives} 人，已指定 {len(reps)} 人，"
            "不能开始评标。",
            fields={"committee": "招标人代表未指定"},
        )
    twice = [r.name for r in reps if r.user_id in expert_users]
    if twice:
        raise ValidationFailed(
            f"{'、'.join(twice)}既是抽取的专家又是招标人代表，不能开始评标。",
            fields={"committee": "重复"},
        )
    return [CommitteeSeat(user_id=r.user_id, expert_code="", name=r.name, role=TENDERER_REP) for r in reps]


def composition_problems(*, experts: int, representatives: int) -> list[str]:
    """The committee-composition rule of the experts app (odd, 3 or more, the experts' configured
    share) applied to the committee that actually sits."""
    from ggzy.experts import rules
    from ggzy.experts.config import expert_rules

    return rules.composition_problems(
        experts=experts,
        representatives=representatives,
        minimum=3,
        min_expert_share=rules.share_from(expert_rules()["min_expert_share"]),
    )


def representative_chair_problem(section: Section) -> str | None:
    """Why a tenderer representative may not chair this section's committee (None: may)."""
    from ggzy.experts import rules
    from ggzy.experts.config import expert_rules

    chair_rules = rules.chair_rules_from(expert_rules()["representative_chair_rules"])
    return rules.representative_chair_problem(chair_rules, domain=section_domain(section))


def committee_started(section: Section, *, clock: Clock) -> None:
    """The committee taken from the draw has started: the experts app records it (the draw
    becomes ``evaluating``; the names stop being secret and the draw can later be revealed)."""
    from ggzy.experts import services as experts_services
    from ggzy.experts.choices import DrawStatus

    draw = _committee_draw(section)
    if draw is not None and draw.status == DrawStatus.COMPLETE:
        experts_services.evaluation_start(actor=None, draw=draw, clock=clock)
