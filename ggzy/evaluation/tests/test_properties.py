"""Properties of scoring and ranking, with hypothesis. Pure: no database."""

from __future__ import annotations

import random
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.evaluation import methods as m
from ggzy.evaluation import scoring as s
from ggzy.evaluation.sme import CONSORTIUM, NONE, SMALL_MICRO, SmeClaim, SmePolicy, deduct

PROCUREMENT = m.parse(
    {
        "method": "comprehensive_scoring",
        "category": "goods",
        "price_points": "40",
        "criteria": [
            {"key": "tech", "name": "技术", "points": "45"},
            {"key": "record", "name": "业绩", "points": "15", "kind": "objective"},
        ],
        "sme": {"small_micro_percent": "15", "consortium_percent": "5"},
        "tie_break": ["lower_bid_price", "higher_technical"],
        "deviation_check": {"points": "8", "percent": "25"},
        "abnormal_low": [{"reference": "mean", "percent": "70"}],
    }
)
CONSTRUCTION = m.parse(
    {
        "method": "comprehensive_assessment",
        "category": "works",
        "price_points": "60",
        "criteria": [
            {"key": "tech", "name": "施工组织设计", "points": "25"},
            {"key": "record", "name": "信用", "points": "15", "kind": "objective"},
        ],
        "base_price": {"trim_when_more_than": 3, "k": {"low": "0.95", "high": "1.00", "step": "0.01"}},
        "slopes": {"above": "2", "below": "0.8"},
        "sme": {"small_micro_percent": "4", "consortium_percent": "1"},
        "abnormal_low": [{"reference": "base", "percent": "85"}],
    }
)

Scores = dict[str, dict[str, dict[str, D]]]
Section = tuple[list[s.Bid], Scores]

prices = st.decimals(min_value=D("1000"), max_value=D("99999999.99"), places=2)
claims = st.one_of(
    st.just(SmeClaim(NONE)),
    st.just(SmeClaim(SMALL_MICRO)),
    st.builds(SmeClaim, st.just(CONSORTIUM), st.decimals(min_value=0, max_value=100, places=1)),
)


@st.composite
def sections(draw: st.DrawFn, config: m.MethodConfig) -> Section:
    n = draw(st.integers(min_value=1, max_value=9))
    experts = draw(st.integers(min_value=1, max_value=7))
    tech = config.criterion("tech").points
    record = config.criterion("record").points
    bids = [
        s.Bid(
            f"B{i}",
            draw(prices),
            compliant=draw(st.booleans()) or i == 0,
            sme=draw(claims),
            objective={"record": draw(st.decimals(min_value=0, max_value=record, places=1))},
        )
        for i in range(n)
    ]
    scores = {
        f"E{e}": {b.id: {"tech": draw(st.decimals(min_value=0, max_value=tech, places=1))} for b in bids}
        for e in range(experts)
    }
    return bids, scores


def _run(config: m.MethodConfig, bids: list[s.Bid], scores: Scores) -> s.Evaluation:
    k = D("0.97") if config.base_price is not None else None
    return s.evaluate(config, bids, scores, k=k)


@settings(max_examples=150, deadline=None)
@given(sections(PROCUREMENT), st.randoms(use_true_random=False))
def test_procurement_properties(section: Section, rnd: random.Random) -> None:
    bids, scores = section
    result = _run(PROCUREMENT, bids, scores)
    assert result.base_price is not None
    points = PROCUREMENT.price_points
    for r in result.results:
        assert r.price_score is not None and r.total is not None
        assert D(0) <= r.price_score <= points
        assert r.total >= 0
        if r.evaluated_price == result.base_price:
            assert r.price_score == points  # the base bid gets the full price points
        assert r.contract_price == next(b.price for b in bids if b.id == r.bid_id)
    # Ranking is invariant to the order of the input (bids and experts).
    shuffled = list(bids)
    rnd.shuffle(shuffled)
    experts = list(scores.items())
    rnd.shuffle(experts)
    again = _run(PROCUREMENT, shuffled, dict(experts))
    assert [(r.bid_id, r.rank, r.total) for r in again.results] == [
        (r.bid_id, r.rank, r.total) for r in result.results
    ]
    assert again.deviation_flags == result.deviation_flags
    assert again.abnormal_low == result.abnormal_low
    # Ranks are non-decreasing and higher totals never rank below lower ones.
    ranked = result.results
    for a, b in zip(ranked, ranked[1:], strict=False):
        assert a.rank <= b.rank
        assert a.total is not None and b.total is not None and a.total >= b.total


@settings(max_examples=150, deadline=None)
@given(sections(CONSTRUCTION), st.randoms(use_true_random=False))
def test_construction_properties(section: Section, rnd: random.Random) -> None:
    bids, scores = section
    result = _run(CONSTRUCTION, bids, scores)
    assert result.base_price is not None
    for r in result.results:
        assert r.price_score is not None and D(0) <= r.price_score <= CONSTRUCTION.price_points
        if r.evaluated_price == result.base_price:
            assert r.price_score == CONSTRUCTION.price_points
    shuffled = list(bids)
    rnd.shuffle(shuffled)
    again = _run(CONSTRUCTION, shuffled, scores)
    assert again.base_price == result.base_price
    assert [(r.bid_id, r.rank) for r in again.results] == [(r.bid_id, r.rank) for r in result.results]


@settings(max_examples=300, deadline=None)
@given(prices, claims, st.decimals(min_value=3, max_value=20, places=2))
def test_sme_deduction_never_changes_the_contract_price(price: D, claim: SmeClaim, rate: D) -> None:
    policy = SmePolicy(small_micro_percent=rate, consortium_percent=rate / 2)
    result = deduct(price, claim, policy)
    assert result.contract_price == price
    assert D(0) < result.evaluated_price <= price


@settings(max_examples=100, deadline=None)
@given(st.lists(prices, min_size=1, max_size=30))
def test_lowest_price_ranking_is_sorted_by_evaluated_price(values: list[D]) -> None:
    config = m.parse({"method": "lowest_evaluated_price", "category": "goods"})
    bids = [s.Bid(f"B{i}", p) for i, p in enumerate(values)]
    result = s.evaluate(config, bids, {})
    evaluated = [r.evaluated_price for r in result.results]
    assert evaluated == sorted(evaluated)
    assert result.results[0].rank == 1
    assert all(r.candidate == (r.rank <= 3) for r in result.results)
