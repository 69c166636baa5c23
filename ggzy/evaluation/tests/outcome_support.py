"""Helpers of the outcome tests (ADR 0027): a section taken through the real trading services up to
the close of bidding (project, tender project, section with its method, tender file, published
tender notice, publication, deadline), and an evaluation taken through the real evaluation
services from the opened bids to the confirmed award."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from ggzy.core.clock import FixedClock
from ggzy.evaluation import services
from ggzy.evaluation.sources import OpenedSummary
from ggzy.evaluation.tests.conftest import PARAMS, ready_for_scoring, score_all, seats

_codes = iter(range(500, 10**6))
TENDER_PDF = b"%PDF-1.4\n% tender file\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def build_section(
    world: Any,
    staff: dict[str, Any],
    publish: Any,
    clock: FixedClock,
    *,
    deadline: dt.datetime,
    budget: Decimal | None = Decimal("1000000"),
    domain: str = "procurement",
    method: str = "comprehensive_scoring",
    params: dict[str, Any] | None = None,
    name: str = "实验室设备",
) -> Any:
    """A published section whose bid deadline is ``deadline`` (in the clock's future)."""
    from ggzy.publishing import services as publishing
    from ggzy.trading import services as trading

    code = f"2026-640400-48-02-{next(_codes):06d}"
    project_name = (
        "示范市第一中学实验室设备采购" if domain == "procurement" else "示范市第一中学教学楼新建工程"
    )
    notice = publishing.notice_create(
        actor=staff["editor"],
        title=f"{project_name}招标公告",
        kind="tender",
        domain=domain,
        project_code=code,
        project_name=project_name,
        bid_deadline=deadline,
    )
    notice = publish(notice, clock)
    project = trading.project_create(
        actor=world.tenderer,
        tenderer=world.tenderer_org,
        name=project_name,
        domain=domain,
        procedure="open_tendering",
        code=code,
        clock=clock,
    )
    tp = trading.tender_project_create(actor=world.tenderer, project=project, name="招标", clock=clock)
    section = trading.section_create(
        actor=world.tenderer, tender_project=tp, name=name, price_cap=None, clock=clock
    )
    section = trading.section_update(
        actor=world.tenderer,
        section=section,
        name=name,
        budget=budget,
        bid_deadline=deadline,
        opening_at=deadline,
        summary_keys=["price"],
        evaluation_method=method,
        evaluation_params=dict(params if params is not None else PARAMS),
        clock=clock,
    )
    trading.tender_file_upload(
        actor=world.tenderer,
        section=section,
        name="招标文件.pdf",
        content=io.BytesIO(TENDER_PDF),
        clock=clock,
    )
    section = trading.section_link_tender_notice(
        actor=world.tenderer, section=section, notice=notice, clock=clock
    )
    return trading.section_publish(actor=world.tenderer, section=section, clock=clock)


def close(section: Any, clock: FixedClock) -> Any:
    from ggzy.trading import services as trading

    return trading.section_close_bidding(actor=None, section=section, clock=clock)


def opened(world: Any, prices: tuple[str, ...], *, extra: list[Any] | None = None) -> list[OpenedSummary]:
    """The opened bids as the opening hands them over: B1… for the world's bidders (and ``extra``
    organisations after them), the first one with its organisation, the others recognised by name."""
    orgs = [*world.bidder_orgs, *(extra or [])]
    return [
        OpenedSummary(
            bid_ref=f"B{i}",
            bidder_name=org.name,
            price=Decimal(price),
            objective={"record": "8"},
            summary={"price": price},
            organisation_id=org.pk if i == 1 else None,
        )
        for i, (org, price) in enumerate(zip(orgs, prices, strict=False), 1)
    ]


def start(world: Any, section: Any, clock: FixedClock, prices: tuple[str, ...], **kwargs: Any) -> Any:
    return services.evaluation_start(
        actor=world.staff,
        section=section,
        opened=opened(world, prices, **kwargs),
        committee=seats(world),
        clock=clock,
    )


def to_award(world: Any, evaluation: Any, clock: FixedClock, *, reject: str | None = None) -> Any:
    """Review (rejecting ``reject``), scores, signatures, report, a 3-day publicity, the award."""
    evaluation = to_publicity_end(world, evaluation, clock, reject=reject)
    return services.award_confirm(actor=world.tenderer, evaluation=evaluation, clock=clock)


def to_publicity_end(world: Any, evaluation: Any, clock: FixedClock, *, reject: str | None = None) -> Any:
    """Everything before the award; the clock ends at the end of the publicity."""
    ready_for_scoring(world, evaluation, clock, reject=reject)
    score_all(world, evaluation, clock, outlier=None)
    for user in world.experts:
        services.scores_sign(actor=user, evaluation=evaluation, clock=clock)
    evaluation = services.result_compute(actor=world.experts[0], evaluation=evaluation, clock=clock)
    for user in world.experts:
        services.report_sign(
            actor=user, evaluation=evaluation, report_sha256=evaluation.report_sha256, clock=clock
        )
    begin = clock.now()
    services.publicity_start(
        actor=world.staff,
        evaluation=evaluation,
        starts_at=begin,
        ends_at=begin + dt.timedelta(days=3),
        clock=clock,
    )
    clock.advance(days=3)
    evaluation.refresh_from_db()
    return evaluation


def reject_all(world: Any, evaluation: Any, clock: FixedClock) -> Any:
    """Everyone declares, 专家1 is chair, every bid is rejected: the evaluation fails."""
    for user in world.experts:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = evaluation.members.get(user=world.experts[0])
    for user in world.experts[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair, clock=clock)
    for bid in evaluation.bids.all():
        services.bid_review(
            actor=world.experts[0], bid=bid, compliant=False, reason="报价超过采购预算", clock=clock
        )
    return services.review_finish(actor=world.experts[0], evaluation=evaluation, clock=clock)
