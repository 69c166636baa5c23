"""Worked examples computed by hand (the same numbers are in docs/formats/evaluation-methods.md).
Every intermediate figure is asserted. Pure: no database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods as m
from ggzy.evaluation import scoring as s
from ggzy.evaluation.sme import CONSORTIUM, SMALL_MICRO, SmeClaim

# ---------------------------------------------------------------- Example 1: 综合评分法 (goods)
#
# Price 30 points (goods minimum 30 %), 技术方案 40 (subjective), 售后服务 20 (subjective),
# 业绩 10 (objective): 30 + 40 + 20 + 10 = 100. Small/micro deduction 10 %.
#
# Bids:  A 980,000 (no SME)  B 1,000,000 (small enterprise)  C 1,050,000 (no SME)
# Evaluated prices: A 980,000.00; B 1,000,000 × (1 − 10 %) = 900,000.00; C 1,050,000.00
# Base (lowest compliant evaluated price) = 900,000.00 (B)
# Price scores = 900,000 / evaluated × 30:
#   A 900,000 / 980,000 × 30 = 27.5510… → 27.55
#   B 900,000 / 900,000 × 30 = 30.00
#   C 900,000 / 1,050,000 × 30 = 25.7142… → 25.71
# Experts E1..E5, 技术方案 (0–40):
#   A 32 35 30 34 33 = 164 / 5 = 32.80
#   B 28 30 29 27 31 = 145 / 5 = 29.00
#   C 36 38 37 35 20 = 166 / 5 = 33.20   (E5's 20 counts: nothing is dropped)
# 售后服务 (0–20):
#   A 15 16 14 15 17 = 77 / 5 = 15.40
#   B 14 15 13 14 15 = 71 / 5 = 14.20
#   C 18 17 18 19 18 = 90 / 5 = 18.00
# 业绩 (objective): A 8, B 6, C 10
# Non-price: A 32.80 + 15.40 + 8 = 56.20; B 29.00 + 14.20 + 6 = 49.20; C 33.20 + 18.00 + 10 = 61.20
# Totals: A 56.20 + 27.55 = 83.75; B 49.20 + 30.00 = 79.20; C 61.20 + 25.71 = 86.91
# Ranking: C 1, A 2, B 3 — all three are candidates (count 3).
# Deviation check (> 10 points or > 30 % from the others' mean):
#   C 技术方案 E5 = 20: others 36, 38, 37, 35 → mean 146 / 4 = 36.5; |20 − 36.5| = 16.5 > 10 → flagged
#   C 技术方案 E2 = 38: others 36, 37, 35, 20 → 128 / 4 = 32; 6 ≤ 10 and 6 / 32 = 18.75 % ≤ 30 → fine
#   (every other score is within 5 points and 20 % of its others' mean)
# Abnormal low (< 80 % of the mean of valid prices): mean = 3,030,000 / 3 = 1,010,000;
#   threshold 808,000.00 → nobody is flagged.

TECH = {"A": [32, 35, 30, 34, 33], "B": [28, 30, 29, 27, 31], "C": [36, 38, 37, 35, 20]}
SERVICE = {"A": [15, 16, 14, 15, 17], "B": [14, 15, 13, 14, 15], "C": [18, 17, 18, 19, 18]}


def example1_config(**overrides: object) -> m.MethodConfig:
    data: dict[str, object] = {
        "method": "comprehensive_scoring",
        "category": "goods",
        "price_points": "30",
        "criteria": [
            {"key": "tech", "name": "技术方案", "points": "40"},
            {"key": "service", "name": "售后服务", "points": "20"},
            {"key": "record", "name": "业绩", "points": "10", "kind": "objective"},
        ],
        "sme": {"small_micro_percent": "10", "consortium_percent": "4"},
        "deviation_check": {"points": "10", "percent": "30"},
        "abnormal_low": [{"reference": "mean", "percent": "80"}],
        "tie_break": ["lower_bid_price", "higher_technical"],
    }
    data.update(overrides)
    return m.parse(data)


def example1_bids() -> list[s.Bid]:
    return [
        s.Bid("A", D("980000"), objective={"record": D(8)}),
        s.Bid("B", D("1000000"), sme=SmeClaim(SMALL_MICRO), objective={"record": D(6)}),
        s.Bid("C", D("1050000"), objective={"record": D(10)}),
    ]


def example1_scores() -> dict[str, dict[str, dict[str, D]]]:
    return {
        f"E{i + 1}": {b: {"tech": D(TECH[b][i]), "service": D(SERVICE[b][i])} for b in TECH} for i in range(5)
    }


def test_example1_comprehensive_scoring_by_hand() -> None:
    result = s.evaluate(example1_config(), example1_bids(), example1_scores())
    by_id = {r.bid_id: r for r in result.results}

    assert result.base_price == D("900000.00")
    assert by_id["A"].evaluated_price == D("980000.00")
    assert by_id["B"].evaluated_price == D("900000.00")
    assert by_id["C"].evaluated_price == D("1050000.00")
    assert by_id["B"].sme_rate_percent == D(10)
    assert by_id["B"].contract_price == D("1000000")  # the deduction never touches the contract price

    assert [by_id[x].price_score for x in "ABC"] == [D("27.55"), D("30.00"), D("25.71")]
    assert by_id["A"].criterion_scores == {"tech": D("32.80"), "service": D("15.40"), "record": D("8.00")}
    assert by_id["B"].criterion_scores == {"tech": D("29.00"), "service": D("14.20"), "record": D("6.00")}
    assert by_id["C"].criterion_scores == {"tech": D("33.20"), "service": D("18.00"), "record": D("10.00")}
    assert [by_id[x].technical_score for x in "ABC"] == [D("56.20"), D("49.20"), D("61.20")]
    assert [by_id[x].total for x in "ABC"] == [D("83.75"), D("79.20"), D("86.91")]

    assert [(r.bid_id, r.rank) for r in result.results] == [("C", 1), ("A", 2), ("B", 3)]
    assert [r.bid_id for r in result.candidates] == ["C", "A", "B"]
    assert result.unresolved_ties == ()

    assert result.deviation_flags == (s.DeviationFlag("E5", "C", "tech", D(20), D("36.5"), D("16.5")),)
    assert result.abnormal_low == ()


def test_example1_with_two_candidates_only() -> None:
    result = s.evaluate(example1_config(candidate_count=2), example1_bids(), example1_scores())
    assert [r.bid_id for r in result.candidates] == ["C", "A"]
    assert [r.candidate for r in result.results] == [True, True, False]


def test_example1_without_sme_policy_b_is_not_deducted() -> None:
    # Reserved-for-SME lot: no deduction. Base = 980,000 (A); B 980,000 / 1,000,000 × 30 = 29.40;
    # C 980,000 / 1,050,000 × 30 = 28.00; A 30.00.
    result = s.evaluate(example1_config(sme=None), example1_bids(), example1_scores())
    by_id = {r.bid_id: r for r in result.results}
    assert result.base_price == D("980000.00")
    assert [by_id[x].price_score for x in "ABC"] == [D("30.00"), D("29.40"), D("28.00")]
    assert by_id["B"].sme_note == "本项目不适用价格扣除"


def test_example1_strict_deviation_flags_every_far_score() -> None:
    # Threshold 5 points, no percentage: E5's 20 on C (16.5 away) and, in the same column,
    # E2's 38 (others' mean 32, 6 away) are flagged; E3's 37 (others 129 / 4 = 32.25, 4.75) is not.
    config = example1_config(deviation_check={"points": "5"})
    flags = s.evaluate(config, example1_bids(), example1_scores()).deviation_flags
    assert {(f.expert_id, f.bid_id, f.criterion) for f in flags} == {("E5", "C", "tech"), ("E2", "C", "tech")}
    e2 = next(f for f in flags if f.expert_id == "E2")
    assert (e2.others_mean, e2.difference) == (D(32), D(6))


def test_example1_abnormal_low_against_the_mean_and_next_lowest() -> None:
    # Add D at 500,000: valid prices 500,000 + 980,000 + 1,000,000 + 1,050,000 = 3,530,000,
    # mean 882,500; 60 % of it = 529,500.00 > 500,000 → flagged. Next-lowest for D is A's
    # 980,000; 50 % = 490,000.00 < 500,000 → not flagged by that rule.
    config = example1_config(
        abnormal_low=[{"reference": "mean", "percent": "60"}, {"reference": "next_lowest", "percent": "50"}]
    )
    bids = [*example1_bids(), s.Bid("D", D("500000"), objective={"record": D(0)})]
    scores = example1_scores()
    for i, expert in enumerate(sorted(scores)):
        scores[expert]["D"] = {"tech": D(20 + i), "service": D(10)}
    result = s.evaluate(config, bids, scores)
    assert result.abnormal_low == (
        s.AbnormalLowFlag("D", "mean", D("882500"), D(60), D("529500.00"), D("500000")),
    )


# ---------------------------------------------------------------- Example 2: 综合评估法 (works)
#
# Price 50 points, 施工组织设计 30 (subjective), 信用 20 (objective). Base: mean of the valid
# prices, dropping 1 highest and 1 lowest when there are more than 5; K drawn from 0.95–1.00 (step
# 0.01) = 0.97. Slopes: 1 point per 1 % above B, 0.5 per 1 % below; rates and scores to 2 places,
# ROUND_HALF_UP.
#
# Prices: P1 9,200,000  P2 9,500,000  P3 9,800,000  P4 10,000,000  P5 10,100,000
#         P6 10,400,000  P7 11,000,000
# 7 > 5 → drop 11,000,000 (highest) and 9,200,000 (lowest).
# Mean = (9.5 + 9.8 + 10.0 + 10.1 + 10.4) M / 5 = 49,800,000 / 5 = 9,960,000
# B = 9,960,000 × 0.97 = 9,661,200.00
# Deviation = (Pi − B) / B × 100, score = 50 − |dev| × slope:
#   P1 −461,200 / 9,661,200 = −4.7737… % → −4.77; 50 − 4.77 × 0.5 = 47.615 → 47.62
#   P2 −161,200 / 9,661,200 = −1.6685… % → −1.67; 50 − 1.67 × 0.5 = 49.165 → 49.17
#   P3 +138,800 / 9,661,200 = 1.4366… % → 1.44; 50 − 1.44 = 48.56
#   P4 +338,800 / 9,661,200 = 3.5068… % → 3.51; 50 − 3.51 = 46.49
#   P5 +438,800 / 9,661,200 = 4.5418… % → 4.54; 50 − 4.54 = 45.46
#   P6 +738,800 / 9,661,200 = 7.6470… % → 7.65; 50 − 7.65 = 42.35
#   P7 +1,338,800 / 9,661,200 = 13.8574… % → 13.86; 50 − 13.86 = 36.14
# Same 施工组织设计 (25) and 信用 (20) for all: totals = 45 + price score; ranking
#   P2 94.17, P3 93.56, P1 92.62, P4 91.49, P5 90.46, P6 87.35, P7 81.14.
# Abnormal low (< 96 % of B): 9,661,200 × 0.96 = 9,274,752.00 → P1 (9,200,000) is flagged.

PRICES = [9_200_000, 9_500_000, 9_800_000, 10_000_000, 10_100_000, 10_400_000, 11_000_000]


def example2_config(**overrides: object) -> m.MethodConfig:
    data: dict[str, object] = {
        "method": "comprehensive_assessment",
        "category": "works",
        "price_points": "50",
        "criteria": [
            {"key": "plan", "name": "施工组织设计", "points": "30"},
            {"key": "credit", "name": "信用评价", "points": "20", "kind": "objective"},
        ],
        "base_price": {
            "kind": "trimmed_mean",
            "trim_when_more_than": 5,
            "trim_high": 1,
            "trim_low": 1,
            "k": {"low": "0.95", "high": "1.00", "step": "0.01"},
        },
        "slopes": {"above": "1", "below": "0.5"},
        "abnormal_low": [{"reference": "base", "percent": "96"}],
    }
    data.update(overrides)
    return m.parse(data)


def example2_bids(prices: list[int] = PRICES) -> list[s.Bid]:
    return [s.Bid(f"P{i + 1}", D(p), objective={"credit": D(20)}) for i, p in enumerate(prices)]


def example2_scores(n: int = 7) -> dict[str, dict[str, dict[str, D]]]:
    return {e: {f"P{i + 1}": {"plan": D(25)} for i in range(n)} for e in ("E1", "E2", "E3", "E4", "E5")}


def test_example2_construction_base_price_by_hand() -> None:
    result = s.evaluate(example2_config(), example2_bids(), example2_scores(), k=D("0.97"))
    assert result.base_prices_used == tuple(D(p) for p in PRICES[1:6])
    assert result.base_mean == D("9960000")
    assert result.k == D("0.97")
    assert result.base_price == D("9661200.00")
    by_id = {r.bid_id: r for r in result.results}
    assert [by_id[f"P{i}"].deviation_percent for i in range(1, 8)] == [
        D("-4.77"), D("-1.67"), D("1.44"), D("3.51"), D("4.54"), D("7.65"), D("13.86"),
    ]  # fmt: skip
    assert [by_id[f"P{i}"].price_score for i in range(1, 8)] == [
        D("47.62"), D("49.17"), D("48.56"), D("46.49"), D("45.46"), D("42.35"), D("36.14"),
    ]  # fmt: skip
    assert [(r.bid_id, r.total) for r in result.results] == [
        ("P2", D("94.17")), ("P3", D("93.56")), ("P1", D("92.62")), ("P4", D("91.49")),
        ("P5", D("90.46")), ("P6", D("87.35")), ("P7", D("81.14")),
    ]  # fmt: skip
    assert [r.bid_id for r in result.candidates] == ["P2", "P3", "P1"]
    assert result.abnormal_low == (
        s.AbnormalLowFlag("P1", "base", D("9661200.00"), D(96), D("9274752.00"), D("9200000")),
    )


def test_example2_no_trimming_with_five_bids_or_fewer() -> None:
    # 5 bids (P2..P6) is not more than 5: nothing dropped. Mean = 49,800,000 / 5 = 9,960,000,
    # K = 1.00 → B = 9,960,000.00. P2: −460,000 / 9,960,000 = −4.6184… % → −4.62;
    # 50 − 4.62 × 0.5 = 47.69.
    prices = PRICES[1:6]
    bids = example2_bids(prices)
    result = s.evaluate(example2_config(), bids, example2_scores(5), k=D("1.00"))
    assert result.base_price == D("9960000.00")
    assert len(result.base_prices_used) == 5
    p1 = next(r for r in result.results if r.bid_id == "P1")  # 9,500,000 is P1 here
    assert (p1.deviation_percent, p1.price_score) == (D("-4.62"), D("47.69"))


def test_example2_score_floors_at_zero() -> None:
    # Two bids without K (rule without k): B = (1,000,000 + 1,800,000) / 2 = 1,400,000.
    # 1,800,000: +400,000 / 1,400,000 = 28.5714… % → 28.57; slope 2 → 50 − 57.14 < 0 → 0.00.
    # 1,000,000: −28.57 %; slope 0.5 → 50 − 14.285 = 35.715 → 35.72.
    config = example2_config(
        base_price={"kind": "trimmed_mean", "trim_when_more_than": 5},
        slopes={"above": "2", "below": "0.5"},
        abnormal_low=[],
    )
    result = s.evaluate(config, example2_bids([1_000_000, 1_800_000]), example2_scores(2))
    by_id = {r.bid_id: r for r in result.results}
    assert result.base_price == D("1400000.00")
    assert (by_id["P2"].deviation_percent, by_id["P2"].price_score) == (D("28.57"), D("0.00"))
    assert (by_id["P1"].deviation_percent, by_id["P1"].price_score) == (D("-28.57"), D("35.72"))


def test_example2_k_must_be_one_of_the_published_values() -> None:
    with pytest.raises(ValidationFailed) as exc:
        s.evaluate(example2_config(), example2_bids(), example2_scores(), k=D("0.975"))
    assert "k" in exc.value.fields
    with pytest.raises(ValidationFailed, match="下浮系数 K"):
        s.evaluate(example2_config(), example2_bids(), example2_scores())


def test_example2_works_sme_deduction_and_price_cap() -> None:
    # Works, small enterprise 4 %: P1 9,200,000 × 0.96 = 8,832,000.00 evaluated; contract stays.
    # Cap 10,500,000 rejects P7 (11,000,000). Remaining 6 > 5 → drop 8,832,000 and 10,400,000:
    # mean (9.5 + 9.8 + 10.0 + 10.1) M / 4 = 9,850,000; × 0.97 = 9,554,500.00.
    config = example2_config(sme={"small_micro_percent": "4", "consortium_percent": "1.5"})
    bids = example2_bids()
    bids[0] = s.Bid("P1", D("9200000"), sme=SmeClaim(SMALL_MICRO), objective={"credit": D(20)})
    result = s.evaluate(config, bids, example2_scores(), k=D("0.97"), price_cap=D("10500000"))
    assert result.rejected == (s.Rejection("P7", "投标报价 11000000 超过最高投标限价 10500000"),)
    assert result.base_mean == D("9850000")
    assert result.base_price == D("9554500.00")
    p1 = next(r for r in result.results if r.bid_id == "P1")
    assert (p1.evaluated_price, p1.contract_price) == (D("8832000.00"), D("9200000"))


# ---------------------------------------------------------------- Example 3: the lowest-price methods


def test_example3_lowest_evaluated_price_with_sme() -> None:
    # 最低评标价法, services, small/micro 10 %, consortium 4 % with share ≥ 30 %:
    #   A 980,000 → 980,000.00; B 1,000,000 small → 900,000.00;
    #   C 950,000 consortium share 40 % → 950,000 × 0.96 = 912,000.00;
    #   D 930,000 consortium share 20 % (< 30 %) → no deduction, 930,000.00.
    # Ranking low → high: B 900,000, C 912,000, D 930,000, A 980,000.
    config = m.parse(
        {
            "method": "lowest_evaluated_price",
            "category": "services",
            "sme": {"small_micro_percent": "10", "consortium_percent": "4"},
            "candidate_count": 2,
        }
    )
    bids = [
        s.Bid("A", D("980000")),
        s.Bid("B", D("1000000"), sme=SmeClaim(SMALL_MICRO)),
        s.Bid("C", D("950000"), sme=SmeClaim(CONSORTIUM, D(40))),
        s.Bid("D", D("930000"), sme=SmeClaim(CONSORTIUM, D(20))),
    ]
    result = s.evaluate(config, bids, {})
    assert [(r.bid_id, r.evaluated_price, r.rank) for r in result.results] == [
        ("B", D("900000.00"), 1),
        ("C", D("912000.00"), 2),
        ("D", D("930000.00"), 3),
        ("A", D("980000.00"), 4),
    ]
    assert [r.contract_price for r in result.results] == [D("1000000"), D("950000"), D("930000"), D("980000")]
    assert all(r.price_score is None and r.total is None for r in result.results)
    assert [r.bid_id for r in result.candidates] == ["B", "C"]
    assert "低于 30%" in next(r for r in result.results if r.bid_id == "D").sme_note


def test_example3_lowest_price_equal_prices_are_tied() -> None:
    # 87号令 Art. 56: equal evaluated prices share a rank (并列) unless the method adds a rule.
    # B 1,000,000 small (−10 %) = 900,000.00 = A's 900,000: tie on evaluated price; with
    # "lower_bid_price" A (900,000 < 1,000,000) comes first.
    bids = [s.Bid("A", D("900000")), s.Bid("B", D("1000000"), sme=SmeClaim(SMALL_MICRO))]
    base = {
        "method": "lowest_evaluated_price",
        "category": "goods",
        "sme": {"small_micro_percent": "10", "consortium_percent": "4"},
    }
    tied = s.evaluate(m.parse({**base, "tie_break": []}), bids, {})
    assert [(r.bid_id, r.rank) for r in tied.results] == [("A", 1), ("B", 1)]
    assert tied.unresolved_ties == (("A", "B"),)
    broken = s.evaluate(m.parse({**base, "tie_break": ["lower_bid_price"]}), bids, {})
    assert [(r.bid_id, r.rank) for r in broken.results] == [("A", 1), ("B", 2)]
    assert broken.unresolved_ties == ()


def test_example3_lowest_reviewed_price_with_adjustments() -> None:
    # 经评审的最低投标价法: evaluated = price + commercial-deviation adjustment.
    #   X 5,000,000 + 300,000 = 5,300,000.00; Y 5,200,000 + 0 = 5,200,000.00 → Y first.
    config = m.parse({"method": "lowest_reviewed_price", "category": "works"})
    result = s.evaluate(
        config, [s.Bid("X", D("5000000"), adjustment=D("300000")), s.Bid("Y", D("5200000"))], {}
    )
    assert [(r.bid_id, r.evaluated_price, r.contract_price) for r in result.results] == [
        ("Y", D("5200000.00"), D("5200000")),
        ("X", D("5300000.00"), D("5000000")),
    ]


def test_procurement_refuses_price_adjustments() -> None:
    config = m.parse({"method": "lowest_evaluated_price", "category": "goods"})
    with pytest.raises(ValidationFailed, match="不得调整价格"):
        s.evaluate(config, [s.Bid("X", D("100"), adjustment=D("-5"))], {})


# ---------------------------------------------------------------- Ties under 综合评分法


def tie_config(tie_break: list[str]) -> m.MethodConfig:
    return m.parse(
        {
            "method": "comprehensive_scoring",
            "category": "services",
            "price_points": "30",
            "criteria": [{"key": "tech", "name": "技术", "points": "70"}],
            "tie_break": tie_break,
        }
    )


def test_equal_totals_go_to_the_lower_price() -> None:
    # X 100,000, Y 120,000: base 100,000; X 30.00, Y 100,000 / 120,000 × 30 = 25.00.
    # Tech (one expert): X 60, Y 65 → totals 90.00 and 90.00: X has the lower price → X first.
    bids = [s.Bid("Y", D("120000")), s.Bid("X", D("100000"))]
    scores = {"E1": {"X": {"tech": D(60)}, "Y": {"tech": D(65)}}}
    result = s.evaluate(tie_config(["lower_bid_price"]), bids, scores)
    assert [(r.bid_id, r.price_score, r.total, r.rank) for r in result.results] == [
        ("X", D("30.00"), D("90.00"), 1),
        ("Y", D("25.00"), D("90.00"), 2),
    ]


def test_equal_total_and_price_tie_unless_a_lottery_is_configured() -> None:
    bids = [s.Bid("X", D("100000")), s.Bid("Y", D("100000"))]
    scores = {"E1": {"X": {"tech": D(60)}, "Y": {"tech": D(60)}}}
    tied = s.evaluate(tie_config(["lower_bid_price", "higher_technical"]), bids, scores)
    assert [r.rank for r in tied.results] == [1, 1]
    assert tied.unresolved_ties == (("X", "Y"),)
    config = tie_config(["lower_bid_price", "lottery"])
    with pytest.raises(ValidationFailed, match="抽签种子"):
        s.evaluate(config, bids, scores)
    drawn = s.evaluate(config, bids, scores, lottery_seed=b"opening-entropy")
    again = s.evaluate(config, list(reversed(bids)), scores, lottery_seed=b"opening-entropy")
    assert [r.rank for r in drawn.results] == [1, 2]
    assert [r.bid_id for r in drawn.results] == [r.bid_id for r in again.results]
    assert drawn.unresolved_ties == ()
