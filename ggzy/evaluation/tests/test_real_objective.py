"""From a real opening to a ranking with an objective criterion: the opened bids carry no 客观分
(the opening knows none), the committee's chair records them through the service, and the result
uses exactly those values (issue #8 §2)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import services, workflow
from ggzy.evaluation.tests import realkit
from ggzy.evaluation.tests.conftest import PARAMS
from ggzy.evaluation.tests.realkit import BidPlan
from ggzy.opening.tests.hallkit import T0

pytestmark = pytest.mark.django_db

PLANS = [
    BidPlan("甲科技有限公司", "900000.00"),
    BidPlan("乙设备有限公司", "1000000.00"),
    BidPlan("丙贸易有限公司", "950000.00"),
]
# committee's agreed 业绩 (0–10) per bidder, and every expert's (tech 0–40, service 0–20)
OBJECTIVE = {"甲科技有限公司": "6", "乙设备有限公司": "10", "丙贸易有限公司": "8.5"}
SUBJECTIVE = {"甲科技有限公司": ("30", "15"), "乙设备有限公司": ("32", "16"), "丙贸易有限公司": ("31", "15")}


def test_real_opening_objective_scores_recorded_then_ranked(staff: dict[str, Any]) -> None:
    clock = FixedClock(T0)
    real = realkit.build_section(clock, staff, domain="procurement", params=PARAMS, plans=PLANS)
    realkit.run_opening(real)
    realkit.draw_committee(real, specialty="B0202", declines=0)
    evaluation = services.evaluation_start(actor=real.host, section=real.section, clock=clock)
    bids = {b.bidder_name: b for b in evaluation.bids.all()}
    assert sorted(bids) == sorted(OBJECTIVE)
    assert all(b.objective == {} for b in bids.values())  # nothing objective comes from the opening

    members = list(evaluation.members.order_by("pk"))
    for m in members:
        services.member_declare(actor=m.user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = members[0]
    for m in members[:3]:
        services.chair_vote(actor=m.user, evaluation=evaluation, candidate=chair, clock=clock)
    for b in bids.values():
        services.bid_review(actor=chair.user, bid=b, compliant=True, clock=clock)
    services.review_finish(actor=chair.user, evaluation=evaluation, clock=clock)
    for m in members:
        for name, b in bids.items():
            tech, service = SUBJECTIVE[name]
            services.score_set(actor=m.user, bid=b, criterion="tech", value=tech, clock=clock)
            services.score_set(actor=m.user, bid=b, criterion="service", value=service, clock=clock)

    # without the objective scores nothing can be signed or ranked: the message names the bidder
    # (organisation name, as staff see it) and the criterion, not the bid's id
    with pytest.raises(ValidationFailed, match="缺少客观分“业绩”") as info:
        services.scores_sign(actor=chair.user, evaluation=evaluation, clock=clock)
    assert any(f"投标人“{b.bidder_name}”" in info.value.message for b in bids.values())
    assert not any(f"“{b.bid_ref}”" in info.value.message for b in bids.values())

    for name, b in bids.items():
        services.objective_scores_record(
            actor=chair.user, evaluation=evaluation, bid=b, values={"record": OBJECTIVE[name]}, clock=clock
        )
    assert Event.objects.filter(action="evaluation.objective_record").count() == 3
    for m in members:
        services.scores_sign(actor=m.user, evaluation=evaluation, clock=clock)
    evaluation = services.result_compute(actor=chair.user, evaluation=evaluation, clock=clock)
    assert evaluation.status == workflow.RESULT

    by_ref = {b.bid_ref: name for name, b in bids.items()}
    rows = {by_ref[r["bid_id"]]: r for r in evaluation.result["results"]}
    assert {n: Decimal(r["criterion_scores"]["record"]) for n, r in rows.items()} == {
        n: Decimal(v) for n, v in OBJECTIVE.items()
    }
    # price score (30 points): lowest price 900000 is the base; totals = tech + service + 业绩 + price
    assert Decimal(rows["甲科技有限公司"]["price_score"]) == Decimal("30.00")
    assert Decimal(rows["乙设备有限公司"]["price_score"]) == Decimal("27.00")
    for name, r in rows.items():
        tech, service = SUBJECTIVE[name]
        expected = Decimal(tech) + Decimal(service) + Decimal(OBJECTIVE[name]) + Decimal(r["price_score"])
        assert Decimal(r["total"]) == expected
    # 乙: 32 + 16 + 10 + 27 = 85; 丙: 31 + 15 + 8.5 + 28.42 = 82.92; 甲: 30 + 15 + 6 + 30 = 81
    assert [by_ref[r["bid_id"]] for r in evaluation.result["results"]] == [
        "乙设备有限公司",
        "丙贸易有限公司",
        "甲科技有限公司",
    ]
