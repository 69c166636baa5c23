"""Fixtures of the evaluation tests: a goods section past its bid deadline with a 综合评分法
configuration (made directly in the database: the evaluation needs only the section's facts),
five expert logins, three bidders, a tenderer — and ``room``, an evaluation started through the
real service with the opened bids given as summaries (see ``sources.opened_bids``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from ggzy.core.clock import FixedClock

T0 = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 Beijing time
_serial = iter(range(1, 10**6))

PARAMS = {
    "method": "comprehensive_scoring",
    "category": "goods",
    "criteria": [
        {"key": "tech", "name": "技术方案", "points": "40", "kind": "subjective"},
        {"key": "service", "name": "售后服务", "points": "20", "kind": "subjective"},
        {"key": "record", "name": "业绩", "points": "10", "kind": "objective"},
    ],
    "price_points": "30",
    "tie_break": ["lower_bid_price"],
    "candidate_count": 3,
    "deviation_check": {"points": "10"},
}


@dataclass
class World:
    tenderer_org: Any
    tenderer: Any
    experts: list[Any]
    bidders: list[Any]
    bidder_orgs: list[Any]
    staff: Any
    sections: list[Any] = field(default_factory=list)


@pytest.fixture
def eclock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def world(make_org: Callable[..., Any], make_user: Callable[..., Any], staff: dict[str, Any]) -> World:
    tenderer_org = make_org("tenderer", "示范市第一中学")
    expert_org = make_org("expert", "示范市评标专家库")
    orgs = [make_org("bidder", name) for name in ("甲科技有限公司", "乙设备有限公司", "丙贸易有限公司")]
    return World(
        tenderer_org=tenderer_org,
        tenderer=make_user("tenderer", org=tenderer_org, username=f"t-{next(_serial)}"),
        experts=[make_user("expert", org=expert_org, username=f"expert{i}") for i in range(1, 6)],
        bidders=[make_user("bidder", org=o, username=f"bidder{i}") for i, o in enumerate(orgs, 1)],
        bidder_orgs=orgs,
        staff=staff["editor"],
    )


@pytest.fixture
def make_section(world: World) -> Callable[..., Any]:
    from ggzy.trading.models import Project, Section, TenderProject

    def make(
        *,
        params: dict[str, Any] | None = None,
        deadline: dt.datetime = T0 - dt.timedelta(days=1),
        domain: str = "procurement",
    ) -> Any:
        n = next(_serial)
        params = dict(params if params is not None else PARAMS)
        project = Project.objects.create(
            code=f"2026-640400-48-02-{n:06d}",
            name="示范市第一中学实验室设备采购",
            tenderer=world.tenderer_org,
            domain=domain,
            procedure="open_tendering",
            budget=Decimal("1000000"),
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )
        tp = TenderProject.objects.create(
            project=project,
            code=f"{project.code}001",
            name="设备采购",
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )
        section = Section.objects.create(
            tender_project=tp,
            code=f"{tp.code}001",
            name="实验室设备",
            bid_deadline=deadline,
            budget=Decimal("1000000"),
            evaluation_method=str(params.get("method", "")),
            evaluation_params=params,
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )
        world.sections.append(section)
        return section

    return make


def summaries(
    world: World, prices: tuple[str, ...] = ("900000", "1000000", "950000"), objective: bool = True
) -> list[Any]:
    from ggzy.evaluation.sources import OpenedSummary

    return [
        OpenedSummary(
            bid_ref=f"B{i}",
            bidder_name=org.name,
            price=Decimal(price),
            objective={"record": "8"} if objective else {},
            summary={"price": price},
            organisation_id=org.pk,
        )
        for i, (org, price) in enumerate(zip(world.bidder_orgs, prices, strict=False), 1)
    ]


def seats(world: World) -> list[Any]:
    from ggzy.evaluation.sources import CommitteeSeat

    return [
        CommitteeSeat(user_id=u.pk, expert_code=f"E{u.pk:04d}", name=f"专家{i}")
        for i, u in enumerate(world.experts, 1)
    ]


@pytest.fixture
def room(world: World, make_section: Callable[..., Any], eclock: FixedClock) -> Any:
    from ggzy.evaluation import services

    return services.evaluation_start(
        actor=world.staff,
        section=make_section(),
        opened=summaries(world),
        committee=seats(world),
        clock=eclock,
    )


def ready_for_scoring(world: World, evaluation: Any, clock: FixedClock, *, reject: str | None = None) -> Any:
    """Everyone declares, expert1 is elected chair, the chair passes every bid (or rejects ``reject``)."""
    from ggzy.evaluation import services

    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair, clock=clock)
    for bid in evaluation.bids.order_by("pk"):
        if bid.bid_ref == reject:
            services.bid_review(
                actor=world.experts[0],
                bid=bid,
                compliant=False,
                reason="未按要求提供资格证明文件",
                clock=clock,
            )
        else:
            services.bid_review(actor=world.experts[0], bid=bid, compliant=True, clock=clock)
    return services.review_finish(actor=world.experts[0], evaluation=evaluation, clock=clock)


def score_all(world: World, evaluation: Any, clock: FixedClock, *, outlier: str | None = "5") -> None:
    """Every expert scores every compliant bid; expert 5 gives B2's tech ``outlier`` (others ~30)."""
    from ggzy.evaluation import services

    base = {"B1": ("32", "16"), "B2": ("30", "15"), "B3": ("28", "14")}
    for i, user in enumerate(world.experts, 1):
        for bid in evaluation.bids.filter(compliant=True).order_by("pk"):
            tech, service = base[bid.bid_ref]
            if i == 5 and bid.bid_ref == "B2" and outlier is not None:
                tech = outlier
            services.score_set(actor=user, bid=bid, criterion="tech", value=tech, clock=clock)
            services.score_set(actor=user, bid=bid, criterion="service", value=service, clock=clock)
