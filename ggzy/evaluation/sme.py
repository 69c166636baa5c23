"""SME price deductions (价格扣除) for evaluation. Pure: no Django.

Legal source: 《政府采购促进中小企业发展管理办法》 (财库〔2020〕46号) Art. 9, rates as amended by
财库〔2022〕19号 from 2022-07-01 (goods/services small/micro 10–20 %, consortium or subcontract with a
small/micro share ≥ 30 %: 4–6 %; works 3–5 %, consortium 1–2 %). The ranges are platform
parameters (:class:`SmeRanges`), the rate a tender file picks inside them is a section parameter
(:class:`SmePolicy`).

The deduction only changes the **evaluated price** (评审价 = P × (1 − d)); the contract price stays
P. A lot reserved for SMEs applies no deduction: the section's method then has no policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ggzy.core.errors import ValidationFailed

# The declaration's kinds are the sealed bid summary's schema, shared with the browser bid page
# (re-exported: the evaluation's names for them).
from ggzy.trading.bid_summary import CONSORTIUM as CONSORTIUM
from ggzy.trading.bid_summary import NONE as NONE
from ggzy.trading.bid_summary import SMALL_MICRO as SMALL_MICRO
from ggzy.trading.bid_summary import SME_KIND_LABELS as SME_KIND_LABELS
from ggzy.trading.bid_summary import SME_KINDS as SME_KINDS

HUNDRED = Decimal(100)
THIRTY = Decimal(30)  # 财库〔2022〕19号: consortium small/micro share threshold

Range = tuple[Decimal, Decimal]


def _d(value: str) -> Decimal:
    return Decimal(value)


def _default_small_micro() -> dict[str, Range]:
    return {
        "goods": (_d("10"), _d("20")),
        "services": (_d("10"), _d("20")),
        "works": (_d("3"), _d("5")),
    }


def _default_consortium() -> dict[str, Range]:
    return {
        "goods": (_d("4"), _d("6")),
        "services": (_d("4"), _d("6")),
        "works": (_d("1"), _d("2")),
    }


@dataclass(frozen=True)
class SmeRanges:
    """The legal ranges (percent) per category: platform configuration, not constants in code."""

    small_micro: Mapping[str, Range] = field(default_factory=_default_small_micro)
    consortium: Mapping[str, Range] = field(default_factory=_default_consortium)
    min_consortium_share: Decimal = THIRTY


DEFAULT_SME_RANGES = SmeRanges()


@dataclass(frozen=True)
class SmePolicy:
    """The rates (percent) a section's tender file announces, inside :class:`SmeRanges`."""

    small_micro_percent: Decimal
    consortium_percent: Decimal
    consortium_min_share_percent: Decimal = THIRTY

    def as_dict(self) -> dict[str, str]:
        return {
            "small_micro_percent": str(self.small_micro_percent),
            "consortium_percent": str(self.consortium_percent),
            "consortium_min_share_percent": str(self.consortium_min_share_percent),
        }


@dataclass(frozen=True)
class SmeClaim:
    """What a bidder declared (中小企业声明函): its kind and, for a consortium, the small/micro share."""

    kind: str = NONE
    share_percent: Decimal | None = None


NO_CLAIM = SmeClaim()


@dataclass(frozen=True)
class Deduction:
    """The outcome for one bid. ``contract_price`` is always the bid price, untouched."""

    contract_price: Decimal
    rate_percent: Decimal
    evaluated_price: Decimal
    note: str = ""


def policy_problems(
    policy: SmePolicy, *, category: str, ranges: SmeRanges = DEFAULT_SME_RANGES, prefix: str = "sme"
) -> dict[str, str]:
    """Field → Chinese message for every rate outside its legal range (empty when valid)."""
    problems: dict[str, str] = {}
    checks = (
        ("small_micro_percent", policy.small_micro_percent, ranges.small_micro, "小微企业价格扣除比例"),
        ("consortium_percent", policy.consortium_percent, ranges.consortium, "联合体/分包价格扣除比例"),
    )
    for name, value, table, label in checks:
        bounds = table.get(category)
        if bounds is None:
            problems[f"{prefix}.{name}"] = f"{label}：未配置类别“{category}”的法定区间。"
            continue
        low, high = bounds
        if not low <= value <= high:
            problems[f"{prefix}.{name}"] = (
                f"{label}须在 {low}%–{high}% 之间（财库〔2022〕19号），当前为 {value}%。"
            )
    share = policy.consortium_min_share_percent
    if not ranges.min_consortium_share <= share <= HUNDRED:
        problems[f"{prefix}.consortium_min_share_percent"] = (
            f"联合体小微企业份额门槛须在 {ranges.min_consortium_share}%–100% 之间，当前为 {share}%。"
        )
    return problems


def check_claim(claim: SmeClaim, *, field_name: str = "sme") -> None:
    if claim.kind not in SME_KINDS:
        raise ValidationFailed(
            f"未知的中小企业类型“{claim.kind}”。", fields={field_name: "中小企业类型不正确。"}
        )
    if claim.kind == CONSORTIUM:
        share = claim.share_percent
        if share is None or not share.is_finite() or not Decimal(0) <= share <= HUNDRED:
            raise ValidationFailed(
                "联合体须填写 0–100 之间的小微企业合同份额（%）。",
                fields={field_name: "小微企业份额须在 0–100 之间。"},
            )


def deduct(
    price: Decimal,
    claim: SmeClaim,
    policy: SmePolicy | None,
    *,
    places: int = 2,
    rounding: str = ROUND_HALF_UP,
) -> Deduction:
    """评审价 = P × (1 − d/100), rounded to ``places`` (money: 2; half-up unless the method says
    otherwise). P itself never changes."""
    check_claim(claim)
    rate = Decimal(0)
    note = ""
    if policy is None:
        note = "本项目不适用价格扣除" if claim.kind != NONE else ""
    elif claim.kind == SMALL_MICRO:
        rate = policy.small_micro_percent
    elif claim.kind == CONSORTIUM:
        assert claim.share_percent is not None  # check_claim
        if claim.share_percent >= policy.consortium_min_share_percent:
            rate = policy.consortium_percent
        else:
            note = (
                f"小微企业份额 {claim.share_percent}% 低于 {policy.consortium_min_share_percent}%，不予扣除"
            )
    with localcontext(prec=28):
        evaluated = (price * (HUNDRED - rate) / HUNDRED).quantize(
            Decimal(1).scaleb(-places), rounding=rounding
        )
    return Deduction(contract_price=price, rate_percent=rate, evaluated_price=evaluated, note=note)
