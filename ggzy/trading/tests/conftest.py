"""Fixtures of the trading tests: the parties (tenderer, agency, bidders, center admin), a
published tender notice, a fixed clock in 2026 and a helper building a section up to any status."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from ggzy.core.clock import FixedClock

PROJECT_CODE = "2026-640400-48-01-000123"
PDF = b"%PDF-1.4\n% tender file\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
T0 = dt.datetime(2026, 6, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing time


def pdf(text: str = "tender") -> io.BytesIO:
    return io.BytesIO(PDF + text.encode())


@dataclass
class Parties:
    tenderer_org: Any
    tenderer: Any
    other_tenderer: Any
    agency_org: Any
    agency: Any
    bidder_org: Any
    bidder: Any
    bidder2: Any
    admin: Any
    center_editor: Any


@pytest.fixture
def tclock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def parties(make_org: Callable[..., Any], make_user: Callable[..., Any], staff: dict[str, Any]) -> Parties:
    tenderer_org = make_org("tenderer", "示范市第一中学")
    agency_org = make_org("agency", "示范招标代理有限公司")
    bidder_org = make_org("bidder", "示范建设工程有限公司")
    bidder2_org = make_org("bidder", "另一建设有限公司")
    return Parties(
        tenderer_org=tenderer_org,
        tenderer=make_user("tenderer", org=tenderer_org, username="t-user"),
        other_tenderer=make_user("tenderer", org=make_org("tenderer", "别的招标人"), username="t-other"),
        agency_org=agency_org,
        agency=make_user("agency_publisher", org=agency_org, username="a-user"),
        bidder_org=bidder_org,
        bidder=make_user("bidder", org=bidder_org, username="b-user"),
        bidder2=make_user("bidder", org=bidder2_org, username="b-user2"),
        admin=staff["system_admin"],
        center_editor=staff["editor"],
    )


@pytest.fixture
def tender_notice(staff: dict[str, Any], publish: Callable[..., Any]) -> Any:
    from ggzy.publishing import services

    notice = services.notice_create(
        actor=staff["editor"],
        title="示范市第一中学教学楼新建工程施工招标公告",
        kind="tender",
        domain="construction",
        project_code=PROJECT_CODE,
        project_name="示范市第一中学教学楼新建工程",
        bid_deadline=dt.datetime(2026, 12, 31, 1, 30, tzinfo=dt.UTC),
    )
    return publish(notice)


@pytest.fixture
def build(parties: Parties, tender_notice: Any, tclock: FixedClock) -> Callable[..., Any]:
    """A section of the tenderer's project, taken to ``status`` (draft, ready, published)."""
    from ggzy.trading import services

    def make(status: str = "published", *, deadline_days: float = 20) -> Any:
        project = services.project_create(
            actor=parties.tenderer,
            tenderer=parties.tenderer_org,
            name="示范市第一中学教学楼新建工程",
            domain="construction",
            procedure="open_tendering",
            code=PROJECT_CODE,
            clock=tclock,
        )
        tp = services.tender_project_create(
            actor=parties.tenderer, project=project, name="施工招标", clock=tclock
        )
        section = services.section_create(
            actor=parties.tenderer, tender_project=tp, name="施工一标段", price_cap=None, clock=tclock
        )
        if status == "draft":
            return section
        deadline = tclock.now() + dt.timedelta(days=deadline_days)
        section = services.section_update(
            actor=parties.tenderer,
            section=section,
            name="施工一标段",
            bid_deadline=deadline,
            opening_at=deadline,
            summary_keys=["price", "duration"],
            clock=tclock,
        )
        services.tender_file_upload(
            actor=parties.tenderer, section=section, name="招标文件.pdf", content=pdf(), clock=tclock
        )
        section = services.section_link_tender_notice(
            actor=parties.tenderer, section=section, notice=tender_notice, clock=tclock
        )
        if status == "ready":
            return section
        return services.section_publish(actor=parties.tenderer, section=section, clock=tclock)

    return make
