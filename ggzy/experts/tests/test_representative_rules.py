"""The pure rules of tenderer representatives (招标人代表): the committee composition (size, odd
number, the experts' share — every case computed by hand below), who may be named, that all are
named before the draw, and whether one may chair. No database."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ggzy.experts import rules
from ggzy.experts.config import DEFAULTS

TWO_THIRDS = Fraction(2, 3)


def problems(experts: int, reps: int, *, minimum: int = 5, **kw: object) -> list[str]:
    return rules.composition_problems(
        experts=experts,
        representatives=reps,
        minimum=minimum,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("experts", "reps", "minimum"),
    [
        (5, 0, 5),  # 5 of 5 experts
        (4, 1, 5),  # 4/5 = 0.8 ≥ 0.667
        (5, 2, 7),  # 5/7 ≈ 0.714 ≥ 0.667
        (2, 1, 3),  # 2/3 exactly: allowed (a Decimal 1/3 × 3 = 0.999… wrongly refused this)
        (6, 3, 9),  # 6/9 = 2/3 exactly
    ],
)
def test_composition_allowed(experts: int, reps: int, minimum: int) -> None:
    assert problems(experts, reps, minimum=minimum) == []


def test_composition_experts_below_two_thirds() -> None:
    # 3 experts + 2 representatives = 5: odd and large enough, but 3/5 = 0.6 < 2/3.
    found = problems(3, 2)
    assert found == [
        "技术、经济等方面的专家不得少于评标委员会成员总数的三分之二：当前专家 3 人、招标人代表 2 人，共 5 人"
    ]
    # 4 + 3 = 7: 4/7 ≈ 0.571 < 0.667.
    assert len(problems(4, 3, minimum=7)) == 1


def test_composition_even_and_too_small() -> None:
    # 4 + 2 = 6: 4/6 = 2/3 is fine, 6 is even.
    assert problems(4, 2) == ["评标委员会成员应为单数，当前 6 人"]
    # 2 + 1 = 3 under a 5-member rule: too small (3 is odd, 2/3 exactly is fine).
    assert problems(2, 1, rule_name="招标投标法第三十七条") == [
        "评标委员会不少于 5 人（招标投标法第三十七条），当前 3 人"
    ]
    # odd=False (a configured rule that does not require an odd number): 6 members pass.
    assert problems(4, 2, odd=False) == []
    # no expert at all
    assert "至少须抽取 1 名专家" in problems(0, 5)


def test_composition_share_is_configurable() -> None:
    three_quarters = Fraction(3, 4)
    # 4 + 1 = 5: 4/5 = 0.8 ≥ 0.75.
    assert problems(4, 1, min_expert_share=three_quarters) == []
    # 5 + 2 = 7: 5/7 ≈ 0.714 < 0.75 — but fine under the legal 2/3.
    assert problems(5, 2, minimum=7) == []
    assert problems(5, 2, minimum=7, min_expert_share=three_quarters) == [
        "技术、经济等方面的专家不得少于评标委员会成员总数的四分之三：当前专家 5 人、招标人代表 2 人，共 7 人"
    ]


def test_committee_problems_uses_the_size_rule() -> None:
    size = rules.size_rules_from(DEFAULTS["size_rules"])
    five = rules.size_rule_for(size, domain="procurement", procedure="open_tendering", budget=None)
    assert five.minimum == 5
    assert rules.committee_problems(rule=five, drawn=4, representatives=1) == []
    assert rules.committee_problems(rule=five, drawn=3, representatives=2) != []


@pytest.mark.parametrize(
    ("text", "share"),
    [("2/3", TWO_THIRDS), ("0.6", Fraction(3, 5)), ("1", Fraction(1)), (" 3/4 ", Fraction(3, 4))],
)
def test_share_from(text: str, share: Fraction) -> None:
    assert rules.share_from(text) == share


@pytest.mark.parametrize("bad", ["0", "1.5", "-1/3", "x", "1/0", ""])
def test_share_from_refuses(bad: str) -> None:
    with pytest.raises(ValueError, match="share"):
        rules.share_from(bad)


def test_share_label() -> None:
    assert rules.share_label(TWO_THIRDS) == "三分之二"
    assert rules.share_label(Fraction(3, 4)) == "四分之三"
    assert rules.share_label(Fraction(7, 11)) == "7/11"
    assert rules.share_from(DEFAULTS["min_expert_share"]) == TWO_THIRDS


def facts(**kw: object) -> rules.RepresentativeFacts:
    base: dict[str, object] = {
        "user_id": 7,
        "name": "王代表",
        "is_active": True,
        "organisation_id": 100,
        "organisation_active": True,
        "has_tenderer_role": True,
        "identity_verified": True,
    }
    base.update(kw)
    return rules.RepresentativeFacts(**base)  # type: ignore[arg-type]


def test_representative_eligibility() -> None:
    assert rules.representative_problems(facts(), tenderer_id=100) == []
    # another organisation (e.g. the agency's staff): only that reason
    assert rules.representative_problems(facts(organisation_id=200), tenderer_id=100) == [
        "“王代表”不是本项目招标人（采购人）单位的人员"
    ]
    assert rules.representative_problems(facts(is_active=False), tenderer_id=100) == ["“王代表”的账号已停用"]
    assert rules.representative_problems(facts(has_tenderer_role=False), tenderer_id=100) == [
        "“王代表”没有招标人（采购人）角色"
    ]
    assert rules.representative_problems(facts(name=""), tenderer_id=100) == ["“用户 7”的账号未登记真实姓名"]
    assert rules.representative_problems(facts(identity_verified=False), tenderer_id=100) == [
        "“王代表”所在单位尚未绑定有效的数字证书，身份未经核验"
    ]
    assert rules.representative_problems(facts(organisation_active=False), tenderer_id=100) == [
        "“王代表”所在单位已停用"
    ]


def test_all_representatives_named_before_the_draw() -> None:
    assert rules.representatives_named_problem(named=1, declared=1) is None
    assert rules.representatives_named_problem(named=0, declared=0) is None
    assert rules.representatives_named_problem(named=0, declared=1) == (
        "招标人代表人数为 1 人，已指定 0 人：须指定全部招标人代表后方可抽取"
    )


def test_representative_chair_rules() -> None:
    default = rules.chair_rules_from(DEFAULTS["representative_chair_rules"])
    problem = rules.representative_chair_problem(default, domain="procurement")
    assert problem == "招标人代表不得担任评标委员会主任（财库〔2012〕69号），请从评标专家中推选"
    assert rules.representative_chair_problem(default, domain="construction") is None
    assert rules.representative_chair_problem([], domain="procurement") is None
    local = rules.chair_rules_from([{"domains": ["construction"], "allowed": False}, {"allowed": True}])
    assert rules.representative_chair_problem(local, domain="construction") == (
        "招标人代表不得担任评标委员会主任，请从评标专家中推选"
    )
    assert rules.representative_chair_problem(local, domain="procurement") is None
