"""Fixtures of the experts tests: a tenderer's section past its bid deadline (made directly in
the database: the draw needs only the section's facts), a pool of experts made through the real
service, and a fixed clock in June 2026."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from ggzy.core.clock import FixedClock

T0 = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)  # Wednesday 10:00 Beijing time
EVAL_AT = dt.datetime(2026, 6, 11, 1, 30, tzinfo=dt.UTC)  # Thursday 09:30
_serial = iter(range(1, 10**6))


@dataclass
class World:
    tenderer_org: Any
    tenderer: Any
    agency_org: Any
    admin: Any
    supervisor: Any
    bidder_org: Any
    other_tenderer: Any


@pytest.fixture
def eclock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def world(make_org: Callable[..., Any], make_user: Callable[..., Any], staff: dict[str, Any]) -> World:
    tenderer_org = make_org("tenderer", "示范市第一中学")
    sup_org = make_org("supervisor", "示范市财政局")
    return World(
        tenderer_org=tenderer_org,
        tenderer=make_user("tenderer", org=tenderer_org, username="x-tenderer"),
        agency_org=make_org("agency", "示范招标代理有限公司"),
        admin=staff["system_admin"],
        supervisor=make_user("supervisor", org=sup_org, username="x-supervisor"),
        bidder_org=make_org("bidder", "示范建设工程有限公司"),
        other_tenderer=make_user("tenderer", org=make_org("tenderer"), username="x-other"),
    )


@pytest.fixture
def make_section(world: World) -> Callable[..., Any]:
    from ggzy.trading.models import Project, Section, TenderProject

    def make(
        *,
        domain: str = "construction",
        procedure: str = "open_tendering",
        budget: Decimal | None = Decimal("5000000"),
        deadline: dt.datetime = T0 - dt.timedelta(days=1),
        agency: Any = None,
    ) -> Any:
        n = next(_serial)
        project = Project.objects.create(
            code=f"2026-640400-48-01-{n:06d}",
            name="示范市第一中学教学楼新建工程",
            tenderer=world.tenderer_org,
            agency=agency if agency is not None else world.agency_org,
            domain=domain,
            procedure=procedure,
            budget=budget,
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )
        tp = TenderProject.objects.create(
            project=project,
            code=f"{project.code}001",
            name="施工招标",
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )
        return Section.objects.create(
            tender_project=tp,
            code=f"{tp.code}001",
            name="施工一标段",
            bid_deadline=deadline,
            budget=budget,
            created_by=world.tenderer,
            created_at=T0 - dt.timedelta(days=30),
        )

    return make


@pytest.fixture
def make_expert(world: World) -> Callable[..., Any]:
    from ggzy.experts import pii, services

    def make(
        specialties: tuple[str, ...] = ("A0801",),
        *,
        name: str | None = None,
        birth: dt.date = dt.date(1975, 5, 1),
        region: str = "示范市",
        employer: Any = None,
        user: Any = None,
        email: str | None = None,
    ) -> Any:
        n = next(_serial)
        data = services.ExpertInput(
            name=name or f"专家{n}",
            id_number=pii.make_id_number("640402", birth, n),
            title="高级工程师",
            title_level="deputy_senior",
            years=15,
            region=region,
            specialties=specialties,
            employer_credit_code=employer.credit_code if employer is not None else "",
            email=email or f"expert{n}@example.com",
        )
        return services.expert_create(actor=world.admin, data=data, user=user, clock=FixedClock(T0))

    return make


@pytest.fixture
def pool(make_expert: Callable[..., Any]) -> list[Any]:
    return [make_expert(("A0801",)) for _ in range(9)] + [make_expert(("A1101",)) for _ in range(4)]


@pytest.fixture
def expert_login(make_org: Callable[..., Any]) -> Callable[..., Any]:
    """Give an expert a login (a user of an expert organisation with the expert role)."""
    from ggzy.accounts import services as accounts

    org = make_org("expert", "示范市评标专家库")

    def make(expert: Any, *, password: str = "pw-1234567890") -> Any:
        if expert.user_id is None:
            expert.user = accounts.user_create(
                actor=None,
                username=f"ex{expert.pk}",
                password=password,
                organisation=org,
                display_name=expert.name,
                roles=["expert"],
            )
            expert.save(update_fields=["user"])
        return expert.user

    return make
