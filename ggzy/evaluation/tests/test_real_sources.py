"""The evaluation reads what the other apps really produced (``evaluation/sources.py``), end to end
through their services: a section published with its method, bids sealed with ggzy.sealing and
submitted (one replaced, one withdrawn before the deadline), the opening run to its close (one
bid fails to decrypt and is marked 视为撤销), the expert draw with a decline and its reserve and
an expert avoided as a bidder's employee — and then the evaluation started from the section sees
exactly the opened bids (current version, price, bidder, SME declaration) and the confirmed
committee, nothing else; the draw moves to 评标中."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import scoring, selectors, services, sources
from ggzy.evaluation.models import EvaluatedBid, Evaluation, Member
from ggzy.evaluation.tests import realkit
from ggzy.evaluation.tests.realkit import BidPlan
from ggzy.experts import selectors as experts_selectors
from ggzy.opening import services as opening
from ggzy.opening.models import DecryptionFailure
from ggzy.opening.tests.hallkit import T0

pytestmark = pytest.mark.django_db

# 最低评标价法 with the SME price deductions of 财库〔2020〕46号 as amended (goods: 10 %, consortium 4 %).
LOWEST = {
    "method": "lowest_evaluated_price",
    "category": "goods",
    "sme": {"small_micro_percent": "10", "consortium_percent": "4", "consortium_min_share_percent": "30"},
    "tie_break": ["lower_bid_price"],
    "candidate_count": 3,
}
PLANS = [
    BidPlan("甲科技有限公司", "900000.00", sme_kind="small_micro"),
    BidPlan("乙设备有限公司", "1100000.00", replace_price="980000.00"),
    BidPlan("丙贸易有限公司", "950000.00", sme_kind="consortium", sme_share="40"),
    BidPlan("丁仪器有限公司", "800000.00", withdraw=True),
    BidPlan("戊实业有限公司", "850000.00", decrypt="fail"),
]


def _start(real: realkit.Real) -> Evaluation:
    return services.evaluation_start(actor=real.host, section=real.section, clock=real.clock)


def test_evaluation_starts_from_the_real_opening_and_draw(staff: dict[str, Any]) -> None:
    clock = FixedClock(T0)
    real = realkit.build_section(clock, staff, domain="procurement", params=LOWEST, plans=PLANS)
    assert real.section.evaluation_method == "lowest_evaluated_price"

    # Before the opening: no opened bid yet, nothing to evaluate.
    with pytest.raises(ValidationFailed, match="没有已解密的投标文件"):
        _start(real)
    realkit.run_opening(real)
    assert DecryptionFailure.objects.get(bid=real.bid_of("戊实业有限公司")).outcome == "revoked_art31"

    # The opening is closed, but no committee has been drawn yet; then drawn but not all answered.
    with pytest.raises(ValidationFailed, match="3 人以上单数"):
        _start(real)
    realkit.draw_committee(real, specialty="B0202", avoid_bidder="甲科技有限公司", answer=False)
    with pytest.raises(ValidationFailed, match="评标委员会尚未组成"):
        _start(real)
    assert not Evaluation.objects.filter(section=real.section).exists()
    realkit.answer_notices(real, declines=1)
    assert real.draw.status == "complete"
    assert len(real.confirmed) == 5 and len(real.declined) == 1

    evaluation = _start(real)

    # -- exactly the opened bids: current versions, prices and SME declarations as sealed
    bids = {b.bidder_name: b for b in evaluation.bids.all()}
    assert sorted(bids) == real.opened_names() == ["丙贸易有限公司", "乙设备有限公司", "甲科技有限公司"]
    assert {n: b.price for n, b in bids.items()} == {
        "甲科技有限公司": Decimal("900000.00"),
        "乙设备有限公司": Decimal("980000.00"),  # the replacement, not the first version
        "丙贸易有限公司": Decimal("950000.00"),
    }
    for name, b in bids.items():
        assert b.bid_ref == str(real.bid_of(name).pk)
        assert b.organisation_id == real.bidders[name].org.pk
        assert b.summary == real.plans[name].summary(str(b.price))
    assert bids["乙设备有限公司"].bid_ref != str(real.first_versions["乙设备有限公司"].pk)
    assert (bids["甲科技有限公司"].sme_kind, bids["甲科技有限公司"].sme_share) == ("small_micro", None)
    assert (bids["丙贸易有限公司"].sme_kind, bids["丙贸易有限公司"].sme_share) == (
        "consortium",
        Decimal("40"),
    )
    assert (bids["乙设备有限公司"].sme_kind, bids["乙设备有限公司"].sme_share) == ("none", None)
    # the withdrawn bid and the one that failed to decrypt are nowhere in the evaluation
    absent = {real.bid_of("丁仪器有限公司").pk, real.bid_of("戊实业有限公司").pk}
    absent |= {real.first_versions["乙设备有限公司"].pk}
    assert not EvaluatedBid.objects.filter(bid_ref__in=[str(pk) for pk in absent]).exists()
    assert not EvaluatedBid.objects.filter(bidder_name__in=["丁仪器有限公司", "戊实业有限公司"]).exists()

    # -- exactly the confirmed committee: not the expert who declined, not the avoided one
    members = list(evaluation.members.order_by("pk"))
    assert sorted(m.name for m in members) == sorted(e.name for e in real.confirmed)
    assert {m.user_id for m in members} == {e.user_id for e in real.confirmed}
    assert {m.expert_code for m in members} == {e.code for e in real.confirmed}
    assert not Member.objects.filter(user__in=[e.user for e in real.declined + real.avoided]).exists()
    assert real.avoided[0].pk not in {p for s in real.draw.selection for p in s["principals"] + s["reserves"]}
    # the experts app knows the evaluation started: names are no longer secret, the draw can be revealed
    real.draw.refresh_from_db()
    assert real.draw.status == "evaluating"
    assert sorted(experts_selectors.committee_for_result(section_id=real.section.pk)) == sorted(
        e.name for e in real.confirmed
    )
    started = Event.objects.filter(action="evaluation.start").get()
    assert started.data["bids"] == 3 and started.data["method"] == "lowest_evaluated_price"
    assert Event.objects.filter(action="experts.evaluation_started", data__via="evaluation").count() == 1

    # -- the committee reviews; the SME declarations change the evaluated price, not the price
    users = [m.user for m in members]
    for user in users:
        services.member_declare(actor=user, evaluation=evaluation, no_conflict=True, clock=clock)
    chair = members[0]
    for user in users[:3]:
        services.chair_vote(actor=user, evaluation=evaluation, candidate=chair, clock=clock)
    for b in evaluation.bids.all():
        services.bid_review(actor=chair.user, bid=b, compliant=True, clock=clock)
    config = selectors.config_of(evaluation)
    outcome = scoring.evaluate(config, *selectors.scoring_inputs(evaluation))
    ref = {b.bid_ref: b.bidder_name for b in evaluation.bids.all()}
    ranked = [(ref[r.bid_id], r.contract_price, r.evaluated_price) for r in outcome.results]
    assert ranked == [
        ("甲科技有限公司", Decimal("900000.00"), Decimal("810000.00")),  # − 10 % small/micro
        ("丙贸易有限公司", Decimal("950000.00"), Decimal("912000.00")),  # − 4 % consortium share 40 %
        ("乙设备有限公司", Decimal("980000.00"), Decimal("980000.00")),
    ]


def test_evaluation_waits_for_the_opening_and_refuses_an_unknown_sme_declaration(
    staff: dict[str, Any],
) -> None:
    clock = FixedClock(T0)
    plans = [
        BidPlan("甲科技有限公司", "900000.00", sme_kind="小微企业"),  # the Chinese label is understood
        BidPlan("乙设备有限公司", "1,000,000.00"),
        BidPlan("丙贸易有限公司", "950000.00", sme_kind="大型企业"),  # not a declaration the law knows
    ]
    real = realkit.build_section(clock, staff, domain="procurement", params=LOWEST, plans=plans)
    session = opening.opening_session_open(actor=None, section=real.section, clock=clock)
    for b in real.bidders.values():
        opening.opening_check_in(actor=b.user, session=session, clock=clock)
    opening.opening_decryption_start(actor=real.host, session=session, clock=clock)
    b = real.bidders["甲科技有限公司"]
    opening.content_key_submit(actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=clock)
    # decryption still running: one bid open, the others not yet — the evaluation must not start
    with pytest.raises(ValidationFailed, match="开标尚未结束（当前：解密中）"):
        sources.opened_bids(real.section)
    # the rest of the opening (every bid opened by its bidder), then a committee
    for name in ("乙设备有限公司", "丙贸易有限公司"):
        b = real.bidders[name]
        opening.content_key_submit(actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=clock)
    session = opening.opening_window_end(actor=real.host, session=session, clock=clock)
    session = opening.opening_readout_start(actor=real.host, session=session, clock=clock)
    session = opening.opening_objections_open(actor=real.host, session=session, clock=clock)
    clock.advance(minutes=60)
    opening.opening_close(actor=real.host, session=session, clock=clock)
    realkit.draw_committee(real, specialty="B0202", declines=0)
    with pytest.raises(ValidationFailed, match="丙贸易有限公司”的中小企业声明“大型企业”无法识别") as info:
        _start(real)
    assert info.value.fields == {"sme_kind": "无效"}
    assert not Evaluation.objects.filter(section=real.section).exists()
    real.draw.refresh_from_db()
    assert real.draw.status == "complete"  # nothing changed in the experts app either


def test_sources_read_labels_and_formatted_prices(staff: dict[str, Any]) -> None:
    clock = FixedClock(T0)
    plans = [
        BidPlan("甲科技有限公司", "900000.00", sme_kind="小微企业"),
        BidPlan("乙设备有限公司", "1,000,000.00"),
        BidPlan("丙贸易有限公司", "950000", sme_kind="consortium", sme_share="30.5"),
    ]
    real = realkit.build_section(clock, staff, domain="procurement", params=LOWEST, plans=plans)
    realkit.run_opening(real)
    opened = {o.bidder_name: o for o in sources.opened_bids(real.section)}
    assert [o.bidder_name for o in sources.opened_bids(real.section)] == sorted(opened)
    assert (opened["甲科技有限公司"].sme_kind, opened["甲科技有限公司"].price) == (
        "small_micro",
        Decimal("900000.00"),
    )
    assert opened["乙设备有限公司"].price == Decimal("1000000.00")
    assert (opened["丙贸易有限公司"].sme_kind, opened["丙贸易有限公司"].sme_share) == (
        "consortium",
        Decimal("30.5"),
    )


# ---------------------------------------------------------------- the method the section names


def test_method_from_the_section_key_must_match_params_and_domain(world: Any, make_section: Any) -> None:
    from ggzy.evaluation.tests.conftest import PARAMS

    section = make_section()
    assert sources.section_method(section).method == "comprehensive_scoring"
    section.evaluation_method = "lowest_evaluated_price"  # the parameters name another method
    with pytest.raises(ValidationFailed, match="与本标段的评标办法（最低评标价法）不一致"):
        sources.section_method(section)
    works = dict(
        PARAMS,
        method="comprehensive_assessment",
        category="works",
        base_price={"kind": "trimmed_mean"},
        slopes={"above": "1", "below": "0.5"},
    )
    section = make_section(params=works)  # a procurement section with a construction method
    with pytest.raises(ValidationFailed, match="政府采购项目不能采用“综合评估法”评标"):
        sources.section_method(section)
    section = make_section(params=works, domain="construction")
    assert sources.section_method(section).method == "comprehensive_assessment"


def test_construction_opening_that_did_not_take_place(staff: dict[str, Any]) -> None:
    """Fewer than three bids for construction: the hall records 不予开标 and nothing is evaluated."""
    works = {
        "method": "lowest_reviewed_price",
        "category": "works",
        "tie_break": ["lower_bid_price"],
        "candidate_count": 1,
    }
    clock = FixedClock(T0)
    plans = [BidPlan("甲建设有限公司", "9000000.00"), BidPlan("乙建设有限公司", "9500000.00")]
    real = realkit.build_section(clock, staff, domain="construction", params=works, plans=plans)
    session = opening.opening_session_open(actor=None, section=real.section, clock=clock)
    opening.opening_too_few_record(
        actor=real.host, session=session, note="投标人仅两家，不予开标", clock=clock
    )
    with pytest.raises(ValidationFailed, match="不予开标"):
        _start(real)
    assert sources.section_method(real.section).method == "lowest_reviewed_price"
    assert real.section.get_evaluation_method_display() == "经评审的最低投标价法"


def test_demo_section_method_is_one_the_evaluation_accepts(world: Any, make_section: Any) -> None:
    from ggzy.platform.demo_control import DEMO_WORKS_METHOD

    section = make_section(params=DEMO_WORKS_METHOD, domain="construction")
    config = sources.section_method(section)
    assert (config.method, config.price_points) == ("comprehensive_assessment", Decimal("50"))
