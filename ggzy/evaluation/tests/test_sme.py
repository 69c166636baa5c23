"""SME price deductions (财库〔2020〕46号 as amended by 财库〔2022〕19号). Pure: no database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import sme

POLICY = sme.SmePolicy(small_micro_percent=D(10), consortium_percent=D(4))


def test_small_micro_deduction() -> None:
    # 1,234,567.89 × (1 − 20 %) = 987,654.312 → 987,654.31
    result = sme.deduct(D("1234567.89"), sme.SmeClaim(sme.SMALL_MICRO), sme.SmePolicy(D(20), D(6)))
    assert result == sme.Deduction(D("1234567.89"), D(20), D("987654.31"))


def test_rounding_is_half_up_to_the_cent() -> None:
    # 100.05 × 0.9 = 90.045 → 90.05 (half up, not banker's 90.04)
    assert sme.deduct(D("100.05"), sme.SmeClaim(sme.SMALL_MICRO), POLICY).evaluated_price == D("90.05")


def test_consortium_share_threshold() -> None:
    at = sme.deduct(D(1000), sme.SmeClaim(sme.CONSORTIUM, D(30)), POLICY)
    below = sme.deduct(D(1000), sme.SmeClaim(sme.CONSORTIUM, D("29.99")), POLICY)
    assert (at.rate_percent, at.evaluated_price) == (D(4), D("960.00"))
    assert (below.rate_percent, below.evaluated_price) == (D(0), D("1000.00"))
    assert "不予扣除" in below.note


def test_no_claim_and_no_policy() -> None:
    assert sme.deduct(D(1000), sme.NO_CLAIM, POLICY).rate_percent == 0
    reserved = sme.deduct(D(1000), sme.SmeClaim(sme.SMALL_MICRO), None)
    assert reserved.evaluated_price == D("1000.00") and reserved.note == "本项目不适用价格扣除"


def test_bad_claims() -> None:
    with pytest.raises(ValidationFailed, match="未知的中小企业类型"):
        sme.deduct(D(1), sme.SmeClaim("medium"), POLICY)
    with pytest.raises(ValidationFailed, match="份额"):
        sme.deduct(D(1), sme.SmeClaim(sme.CONSORTIUM, D(101)), POLICY)


def test_policy_ranges_are_parameters() -> None:
    assert sme.policy_problems(POLICY, category="goods") == {}
    old_rules = sme.SmeRanges(small_micro={"goods": (D(6), D(10))}, consortium={"goods": (D(2), D(3))})
    found = sme.policy_problems(POLICY, category="goods", ranges=old_rules)
    assert set(found) == {"sme.consortium_percent"}  # 10 % is inside 6–10 %, 4 % is outside 2–3 %
    assert (
        "未配置类别"
        in sme.policy_problems(POLICY, category="works", ranges=old_rules)["sme.small_micro_percent"]
    )
    low_share = sme.SmePolicy(D(10), D(4), consortium_min_share_percent=D(20))
    assert "sme.consortium_min_share_percent" in sme.policy_problems(low_share, category="goods")


def test_rounding_mode_is_a_parameter() -> None:
    # 100.05 × 0.9 = 90.045 → ROUND_DOWN 90.04
    claim = sme.SmeClaim(sme.SMALL_MICRO)
    assert sme.deduct(D("100.05"), claim, POLICY, rounding="ROUND_DOWN").evaluated_price == D("90.04")
    assert sme.deduct(D("100.05"), claim, POLICY, places=0).evaluated_price == D("90")
