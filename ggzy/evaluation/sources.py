"""Every read the evaluation makes of other apps, in one place (trading, opening, experts).

Mapping of method keys: ``trading.choices.EvaluationMethod`` holds placeholder keys that differ
from the glossary keys of :mod:`ggzy.evaluation.methods`; :data:`TRADING_METHOD_MAP` translates
them (``comprehensive`` depends on the domain: procurement → 综合评分法, construction → 综合评估法).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods
from ggzy.trading.models import Section

# trading key → (procurement method, construction method)
TRADING_METHOD_MAP: dict[str, tuple[str, str]] = {
    "lowest_evaluated_price": (methods.LOWEST_EVALUATED_PRICE, methods.LOWEST_REVIEWED_PRICE),
    "lowest_price": (methods.LOWEST_EVALUATED_PRICE, methods.LOWEST_EVALUATED_PRICE),
    "comprehensive": (methods.COMPREHENSIVE_SCORING, methods.COMPREHENSIVE_ASSESSMENT),
}


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


@dataclass(frozen=True)
class CommitteeSeat:
    """A confirmed member of the section's committee (from ``experts``)."""

    user_id: int
    expert_code: str
    name: str


def section_get(section_id: int) -> Section:
    return Section.objects.select_related("tender_project__project").get(pk=section_id)


def section_domain(section: Section) -> str:
    return section.tender_project.project.domain


def section_method(section: Section) -> methods.MethodConfig:
    """The section's validated method. ``evaluation_params`` holds the method JSON (``methods.dump``);
    when it lacks ``method`` the trading key is translated."""
    params = dict(section.evaluation_params or {})
    if "method" not in params and section.evaluation_method in TRADING_METHOD_MAP:
        procurement, construction = TRADING_METHOD_MAP[section.evaluation_method]
        params["method"] = construction if section_domain(section) == "construction" else procurement
    if not params.get("method"):
        raise ValidationFailed(
            "本标段尚未设置评标办法，不能开始评标。", fields={"evaluation_method": "未设置"}
        )
    return methods.parse(params)


def _decimal(value: Any) -> Decimal | None:
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return result if result.is_finite() else None


def opened_bids(section: Section) -> list[OpenedSummary]:
    """The opened (decrypted, verified) bids of the section with the price read out at opening.
    Reads ``opening.OpenedBid.summary["price"]``; not exercised by this app's tests yet (building
    an opened bid needs the whole sealing chain) — tests pass summaries to the service instead."""
    from ggzy.opening.models import OpenedBid

    rows = OpenedBid.objects.filter(bid__section=section).select_related("bid__organisation")
    out = []
    for row in rows:
        summary = row.summary if isinstance(row.summary, dict) else {}
        price = _decimal(summary.get("price"))
        if price is None:
            raise ValidationFailed(f"投标文件 {row.bid_id} 的唱标报价无法识别。", fields={"price": "无效"})
        out.append(
            OpenedSummary(
                bid_ref=str(row.bid_id),
                bidder_name=row.bid.organisation.name,
                price=price,
                sme_kind=str(summary.get("sme_kind") or "none"),
                sme_share=_decimal(summary.get("sme_share")) if summary.get("sme_share") else None,
                summary=summary,
            )
        )
    return out


def committee(section: Section) -> list[CommitteeSeat]:
    """The confirmed members of the section's latest committee-forming draw who have a login."""
    from ggzy.experts.choices import DrawStatus, SeatStatus
    from ggzy.experts.models import Draw, Seat

    draw = (
        Draw.objects.filter(
            section=section, status__in=[DrawStatus.COMPLETE, DrawStatus.EVALUATING, DrawStatus.REVEALED]
        )
        .order_by("-pk")
        .first()
    )
    if draw is None:
        return []
    seats = Seat.objects.filter(draw=draw, status=SeatStatus.CONFIRMED).select_related("expert")
    return [
        CommitteeSeat(user_id=s.expert.user_id, expert_code=s.expert.code, name=s.expert.name)
        for s in seats.order_by("pk")
        if s.expert.user_id is not None
    ]
