"""Method configurations: validation with Chinese messages naming the field, JSON round trip,
the K draw. Pure: no database."""

from __future__ import annotations

import json
from decimal import Decimal as D
from typing import Any

import pytest

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods as m


def scoring(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "method": "comprehensive_scoring",
        "category": "goods",
        "price_points": "30",
        "criteria": [
            {"key": "tech", "name": "技术", "points": "50"},
            {"key": "record", "name": "业绩", "points": "20", "kind": "objective"},
        ],
    }
    data.update(overrides)
    return data


def assessment(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "method": "comprehensive_assessment",
        "category": "works",
        "price_points": "60",
        "criteria": [{"key": "plan", "name": "施工组织设计", "points": "40"}],
        "base_price": {"k": {"low": "0.95", "high": "1.00", "step": "0.01"}},
        "slopes": {"above": "1", "below": "0.5"},
    }
    data.update(overrides)
    return data


def refused(data: Any, limits: m.LegalLimits = m.DEFAULT_LIMITS) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        m.parse(data, limits)
    return exc.value


def test_valid_configs_parse() -> None:
    config = m.parse(scoring())
    assert config.label == "综合评分法" and config.is_scoring and config.is_procurement
    assert config.price_points == D(30)
    construction = m.parse(assessment())
    assert construction.base_price is not None and construction.base_price.trim_when_more_than == 5
    assert m.parse({"method": "lowest_reviewed_price", "category": "works"}).label == "经评审的最低投标价法"


@pytest.mark.parametrize(
    "data", [scoring(), assessment(), {"method": "lowest_evaluated_price", "category": "services"}]
)
def test_json_round_trip(data: dict[str, Any]) -> None:
    config = m.parse(data)
    text = json.dumps(m.dump(config), ensure_ascii=False)
    assert m.parse(json.loads(text)) == config
    assert m.dump(m.parse(json.loads(text))) == m.dump(config)


def test_round_trip_keeps_every_parameter() -> None:
    config = m.parse(
        scoring(
            sme={
                "small_micro_percent": "15",
                "consortium_percent": "5",
                "consortium_min_share_percent": "40",
            },
            rounding={"score_places": 3, "price_places": 0, "rate_places": None, "mode": "ROUND_DOWN"},
            tie_break=["lower_evaluated_price", "higher_technical", "lottery"],
            candidate_count=1,
            deviation_check={"percent": "25"},
            abnormal_low=[{"reference": "cap", "percent": "45"}],
        )
    )
    again = m.parse(json.loads(json.dumps(m.dump(config))))
    assert again == config
    assert again.rounding.rate_places is None and again.rounding.mode == "ROUND_DOWN"
    assert again.sme is not None and again.sme.consortium_min_share_percent == D(40)


def test_weights_not_summing_to_100() -> None:
    error = refused(scoring(price_points="35"))
    assert "criteria" in error.fields
    assert "之和须为 100" in error.fields["criteria"] and "105" in error.fields["criteria"]


def test_price_weight_below_the_legal_minimum_goods_and_services() -> None:
    goods = refused(scoring(price_points="25", criteria=[{"key": "tech", "name": "技术", "points": "75"}]))
    assert set(goods.fields) == {"price_points"}
    assert "不得低于 30%" in goods.fields["price_points"] and "87号令" in goods.fields["price_points"]
    services = scoring(
        category="services", price_points="10", criteria=[{"key": "tech", "name": "技术", "points": "90"}]
    )
    assert m.parse(services).price_points == D(10)  # services: 10 % is enough
    low = refused(
        {**services, "price_points": "9", "criteria": [{"key": "tech", "name": "技术", "points": "91"}]}
    )
    assert "不得低于 10%" in low.fields["price_points"]


def test_legal_minimum_is_a_parameter() -> None:
    limits = m.LegalLimits(min_price_weight={"goods": D(40), "services": D(10), "works": D(0)})
    error = refused(scoring(), limits)
    assert "不得低于 40%" in error.fields["price_points"]


def test_unknown_method_and_wrong_category() -> None:
    assert "未知的评标办法" in refused(scoring(method="best_value")).fields["method"]
    assert "只适用于工程" in refused(assessment(category="goods")).fields["category"]
    assert "category" in refused(scoring(category="works")).fields


def test_bad_slopes() -> None:
    error = refused(assessment(slopes={"above": "0", "below": "-1"}))
    assert set(error.fields) == {"slopes.above", "slopes.below"}
    assert "斜率" in error.fields["slopes.above"]
    assert "slopes" in refused(assessment(slopes=None)).fields
    assert "slopes" in refused(scoring(slopes={"above": "1", "below": "1"})).fields


def test_bad_base_price_rules() -> None:
    assert "base_price" in refused(assessment(base_price=None)).fields
    assert "不可另行配置" in refused(scoring(base_price={"kind": "trimmed_mean"})).fields["base_price"]
    assert "base_price.kind" in refused(assessment(base_price={"kind": "median"})).fields
    assert (
        "base_price.trim_when_more_than"
        in refused(assessment(base_price={"trim_when_more_than": 1, "trim_high": 1, "trim_low": 1})).fields
    )
    assert (
        "base_price.k"
        in refused(assessment(base_price={"k": {"low": "0.99", "high": "1.05", "step": "0.01"}})).fields
    )
    assert (
        "base_price.k.step"
        in refused(assessment(base_price={"k": {"low": "0.95", "high": "1", "step": "0.03"}})).fields
    )
    assert (
        "base_price.k.step"
        in refused(assessment(base_price={"k": {"low": "0.95", "high": "1", "step": "0"}})).fields
    )
    tiny = refused(assessment(base_price={"k": {"low": "0.5", "high": "1", "step": "1e-30"}}))
    assert "过多" in tiny.fields["base_price.k.step"]


def test_bad_criteria() -> None:
    error = refused(
        scoring(
            criteria=[
                {"key": "price", "name": "价格", "points": "10"},
                {"key": "tech", "name": "", "points": "0"},
                {"key": "tech", "name": "技术2", "points": "60", "kind": "opinion"},
            ]
        )
    )
    assert "保留给价格分" in error.fields["criteria.0.key"]
    assert "criteria.1.name" in error.fields and "criteria.1.points" in error.fields
    assert "重复" in error.fields["criteria.2.key"]
    assert "criteria.2.kind" in error.fields
    assert (
        "不设评分因素"
        in refused(
            {
                "method": "lowest_evaluated_price",
                "category": "goods",
                "criteria": [{"key": "a", "name": "a", "points": "1"}],
            }
        ).fields["criteria"]
    )
    assert (
        "price_points"
        in refused({"method": "lowest_reviewed_price", "category": "works", "price_points": "10"}).fields
    )


def test_tie_break_rules() -> None:
    assert "87号令第五十七条" in refused(scoring(tie_break=["higher_technical"])).fields["tie_break"]
    assert "tie_break" in refused(scoring(tie_break=[])).fields
    assert "tie_break.1" in refused(scoring(tie_break=["lower_bid_price", "coin"])).fields
    assert (
        "最后一条"
        in refused(scoring(tie_break=["lower_bid_price", "lottery", "higher_technical"])).fields["tie_break"]
    )
    assert (
        "tie_break.0"
        in refused(
            {"method": "lowest_evaluated_price", "category": "goods", "tie_break": ["higher_technical"]}
        ).fields
    )


def test_candidates_deviation_abnormal_rounding_sme() -> None:
    assert "1–3" in refused(scoring(candidate_count=4)).fields["candidate_count"]
    assert "candidate_count" in refused(scoring(candidate_count=0)).fields
    assert "deviation_check" in refused(scoring(deviation_check={})).fields
    assert "deviation_check.points" in refused(scoring(deviation_check={"points": "-1"})).fields
    assert (
        "abnormal_low.0.reference"
        in refused(scoring(abnormal_low=[{"reference": "median", "percent": "50"}])).fields
    )
    assert (
        "abnormal_low.0.percent"
        in refused(scoring(abnormal_low=[{"reference": "mean", "percent": "100"}])).fields
    )
    assert (
        "abnormal_low.0.reference"
        in refused(
            {
                "method": "lowest_evaluated_price",
                "category": "goods",
                "abnormal_low": [{"reference": "base", "percent": "50"}],
            }
        ).fields
    )
    assert "rounding.mode" in refused(scoring(rounding={"mode": "ROUND_CEILING"})).fields
    assert "rounding.score_places" in refused(scoring(rounding={"score_places": 9})).fields
    sme = refused(scoring(sme={"small_micro_percent": "8", "consortium_percent": "7"})).fields
    assert (
        "10%–20%" in sme["sme.small_micro_percent"] and "财库〔2022〕19号" in sme["sme.small_micro_percent"]
    )
    assert "4%–6%" in sme["sme.consortium_percent"]
    works = refused(assessment(sme={"small_micro_percent": "10", "consortium_percent": "1"})).fields
    assert "3%–5%" in works["sme.small_micro_percent"] and "sme.consortium_percent" not in works


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "综合评分法",
        [],
        {"method": "comprehensive_scoring", "category": "goods", "price_points": "三十"},
        {"method": "comprehensive_scoring", "category": "goods", "price_points": "NaN"},
        {"method": "comprehensive_scoring", "category": "goods", "price_points": True},
        {"method": 3, "category": "goods"},
        {"method": "comprehensive_scoring", "category": "goods", "criteria": "tech"},
        {"method": "comprehensive_scoring", "category": "goods", "criteria": [5]},
        {"method": "comprehensive_assessment", "category": "works", "base_price": {"trim_high": "1"}},
        {"method": "comprehensive_scoring", "category": "goods", "candidate_count": 2.5},
        {"v": 99, "method": "comprehensive_scoring"},
    ],
)
def test_garbage_json_is_refused_in_chinese(garbage: Any) -> None:
    error = refused(garbage)
    assert error.message and error.fields
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)


def test_k_choices_and_draw() -> None:
    k_range = m.KRange(low=D("0.95"), high=D("1.00"), step=D("0.01"))
    assert k_range.choices() == tuple(D(x) for x in ("0.95", "0.96", "0.97", "0.98", "0.99", "1.00"))
    # The reference's 0.25–1.5 % 下浮率 in 0.25 % steps, as coefficients: 6 values.
    rate_range = m.KRange(low=D("0.985"), high=D("0.9975"), step=D("0.0025"))
    assert rate_range.choices()[0] == D("0.985") and rate_range.choices()[-1] == D("0.9975")
    drawn = m.draw_k(k_range, b"seed-1")
    assert drawn in k_range.choices()
    assert m.draw_k(k_range, b"seed-1") == drawn  # recomputable by anyone from the public seed
    seen = {m.draw_k(k_range, f"seed-{i}".encode()) for i in range(200)}
    assert seen == set(k_range.choices())  # every published value can come out
