"""Bad input to scoring: refused with a Chinese message naming the field. Pure: no database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods as m
from ggzy.evaluation import scoring as s
from ggzy.evaluation.sme import CONSORTIUM, SmeClaim

CONFIG = m.parse(
    {
        "method": "comprehensive_scoring",
        "category": "services",
        "price_points": "20",
        "criteria": [
            {"key": "tech", "name": "技术方案", "points": "60"},
            {"key": "record", "name": "业绩", "points": "20", "kind": "objective"},
        ],
    }
)


def bids() -> list[s.Bid]:
    return [
        s.Bid("A", D("100"), objective={"record": D(10)}),
        s.Bid("B", D("200"), objective={"record": D(20)}),
    ]


def scores(a: D = D(50), b: D = D(40)) -> dict[str, dict[str, dict[str, D]]]:
    return {"E1": {"A": {"tech": a}, "B": {"tech": b}}, "E2": {"A": {"tech": D(45)}, "B": {"tech": D(41)}}}


def refused(*args: object, **kwargs: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        s.evaluate(*args, **kwargs)  # type: ignore[arg-type]
    return exc.value


def test_a_score_outside_its_range_is_refused() -> None:
    error = refused(CONFIG, bids(), scores(a=D("60.5")))
    assert "超出范围（0–60）" in error.message and "scores.E1.A.tech" in error.fields
    assert "scores.E1.B.tech" in refused(CONFIG, bids(), scores(b=D(-1))).fields
    assert "须为数值" in refused(CONFIG, bids(), scores(a=D("NaN"))).message
    assert "须为数值" in refused(CONFIG, bids(), scores(a=50)).message  # type: ignore[arg-type]


def test_an_objective_score_outside_its_range_is_refused() -> None:
    bad = [s.Bid("A", D("100"), objective={"record": D(21)}), bids()[1]]
    assert "bids.A.objective.record" in refused(CONFIG, bad, scores()).fields


def test_missing_objective_score_names_the_bidder_not_the_bid_id() -> None:
    named = [s.Bid("A", D("100"), name="甲科技有限公司"), bids()[1]]
    error = refused(CONFIG, named, scores())
    assert error.message == "投标人“甲科技有限公司”的投标文件缺少客观分“业绩”。"
    assert "“A”" not in error.message and "bids.A.objective.record" in error.fields
    # without a name (the pure API used on its own) the bid id is all there is to name
    unnamed = [s.Bid("A", D("100")), bids()[1]]
    assert refused(CONFIG, unnamed, scores()).message == "投标文件“A”缺少客观分“业绩”。"


def test_missing_and_misplaced_scores() -> None:
    missing = scores()
    del missing["E2"]["B"]
    assert "尚未" in refused(CONFIG, bids(), missing).message
    no_objective = [s.Bid("A", D("100")), bids()[1]]
    assert "缺少客观分" in refused(CONFIG, no_objective, scores()).message
    experts_score_objective = scores()
    experts_score_objective["E1"]["A"]["record"] = D(5)
    assert "由系统计算" in refused(CONFIG, bids(), experts_score_objective).message
    unknown = scores()
    unknown["E1"]["A"]["beauty"] = D(1)
    assert "未知评分因素" in refused(CONFIG, bids(), unknown).message
    stranger = scores()
    stranger["E1"]["Z"] = {"tech": D(1)}
    assert "未知投标文件" in refused(CONFIG, bids(), stranger).message
    assert "没有专家评分" in refused(CONFIG, bids(), {}).message
    wrong_kind = [s.Bid("A", D("100"), objective={"tech": D(5), "record": D(1)}), bids()[1]]
    assert "须由专家评分" in refused(CONFIG, wrong_kind, scores()).message


def test_bad_bids() -> None:
    assert "重复" in refused(CONFIG, [*bids(), bids()[0]], scores()).message
    assert "bids.A.price" in refused(CONFIG, [s.Bid("A", D(0)), bids()[1]], scores()).fields
    assert "bids" in refused(CONFIG, [s.Bid("", D(1))], {}).fields
    assert "10^14" in refused(CONFIG, [s.Bid("A", D("1e30"))], {}).message
    assert "bids.A.price" in refused(CONFIG, [s.Bid("A", D("Infinity"))], {}).fields
    lowest = m.parse({"method": "lowest_reviewed_price", "category": "works"})
    assert "调整后的价格" in refused(lowest, [s.Bid("A", D(100), adjustment=D(-100))], {}).message
    assert "bids.A.adjustment" in refused(lowest, [s.Bid("A", D(100), adjustment=D("1e20"))], {}).fields
    assert "bids.A.sme" in refused(CONFIG, [s.Bid("A", D(1), sme=SmeClaim("big"))], {}).fields
    assert "bids.A.sme" in refused(CONFIG, [s.Bid("A", D(1), sme=SmeClaim(CONSORTIUM))], {}).fields
    assert "price_cap" in refused(CONFIG, bids(), scores(), price_cap=D(0)).fields
    assert "k" in refused(CONFIG, bids(), scores(), k=D("0.97")).fields


def test_rejected_bids_are_not_scored_or_ranked() -> None:
    # B rejected (否决): only A is valid; A's own price is the base → 20.00 price points;
    # tech (50 + 45) / 2 = 47.50; total 47.50 + 10 + 20.00 = 77.50. B's scores are ignored.
    rejected = [bids()[0], s.Bid("B", D("200"), compliant=False, rejection_reason="未按要求提供授权书")]
    result = s.evaluate(CONFIG, rejected, scores())
    assert result.rejected == (s.Rejection("B", "未按要求提供授权书"),)
    assert [(r.bid_id, r.price_score, r.criterion_scores["tech"], r.total) for r in result.results] == [
        ("A", D("20.00"), D("47.50"), D("77.50"))
    ]


def test_all_bids_rejected_gives_no_candidates() -> None:
    result = s.evaluate(CONFIG, [s.Bid("A", D(1), compliant=False)], {})
    assert result.results == () and result.candidates == () and result.base_price is None
    assert result.rejected == (s.Rejection("A", "未通过资格/符合性审查"),)


def test_abnormal_low_against_the_cap_needs_the_cap() -> None:
    config = m.parse({**m.dump(CONFIG), "abnormal_low": [{"reference": "cap", "percent": "45"}]})
    assert "price_cap" in refused(config, bids(), scores()).fields
    # cap 250: 45 % = 112.50 → A (100) is flagged, B (200) is not.
    result = s.evaluate(config, bids(), scores(), price_cap=D(250))
    assert [(f.bid_id, f.threshold) for f in result.abnormal_low] == [("A", D("112.50"))]


def test_failure_paths() -> None:
    everything_rejected = s.evaluate(CONFIG, [s.Bid("A", D(1), compliant=False)], {})
    failed = s.failure(CONFIG, everything_rejected)
    assert failed is not None and failed.code == "all_rejected" and failed.mandatory
    two = s.evaluate(CONFIG, bids(), scores())
    procurement = s.failure(CONFIG, two)
    assert procurement is not None and procurement.mandatory and "第三十六条" in procurement.message
    works = m.parse({"method": "lowest_reviewed_price", "category": "works"})
    works_two = s.evaluate(works, [s.Bid("A", D(100)), s.Bid("B", D(200))], {})
    advisory = s.failure(works, works_two)
    assert advisory is not None and not advisory.mandatory and "第二十七条" in advisory.message
    three = s.evaluate(works, [s.Bid("A", D(100)), s.Bid("B", D(200)), s.Bid("C", D(300))], {})
    assert s.failure(works, three) is None
    assert s.failure(works, works_two, m.LegalLimits(min_valid_bids=2)) is None


def test_next_candidate_when_the_winner_declines() -> None:
    works = m.parse({"method": "lowest_reviewed_price", "category": "works", "candidate_count": 2})
    result = s.evaluate(works, [s.Bid("A", D(100)), s.Bid("B", D(200)), s.Bid("C", D(300))], {})
    first = s.next_candidate(result, set())
    assert first is not None and first.bid_id == "A"
    second = s.next_candidate(result, {"A"})
    assert second is not None and second.bid_id == "B"
    assert s.next_candidate(result, {"A", "B"}) is None  # C is ranked but not a candidate
