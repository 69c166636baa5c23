"""Evaluation methods as data: one frozen :class:`MethodConfig` per section, validated, and
serialised to the JSON that ``trading.Section.evaluation_params`` holds. Pure: no Django.

Methods (names from the glossary):

* ``comprehensive_scoring`` 综合评分法 — procurement (87号令 Art. 55): criteria with points summing
  to 100 together with the price points; price weight ≥ 30 % goods / ≥ 10 % services
  (:class:`LegalLimits`); 价格分 = 评标基准价 / 评审价 × 价格分值, base = the lowest compliant
  evaluated price; the highest and lowest are never dropped.
* ``lowest_evaluated_price`` 最低评标价法 — procurement (87号令 Art. 54, 56): ranked by evaluated
  price; no adjustment except arithmetic correction (done before) and policy deductions.
* ``comprehensive_assessment`` 综合评估法 — construction (《评标委员会和评标方法暂行规定》
  Art. 34 ff.): criteria plus a price score from the deviation to a base price whose rule is data
  (:class:`BasePriceRule`: trimmed mean, optional coefficient K drawn at opening).
* ``lowest_reviewed_price`` 经评审的最低投标价法 — construction (same 规定 Art. 29 ff.): the
  price plus commercial-deviation adjustments (标价比较表), ranked low to high.

Everything is :class:`~decimal.Decimal`; rounding is a parameter (:class:`Rounding`). Bad
configurations raise :class:`~ggzy.core.errors.ValidationFailed` with a Chinese message and one
entry per faulty field in ``fields``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
    InvalidOperation,
)
from typing import Any

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation.sme import DEFAULT_SME_RANGES, SmePolicy, SmeRanges, policy_problems

VERSION = 1
HUNDRED = Decimal(100)
ZERO = Decimal(0)

# Method keys (glossary) and their domains.
COMPREHENSIVE_SCORING = "comprehensive_scoring"
LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"
COMPREHENSIVE_ASSESSMENT = "comprehensive_assessment"
LOWEST_REVIEWED_PRICE = "lowest_reviewed_price"
METHOD_LABELS = {
    COMPREHENSIVE_SCORING: "综合评分法",
    LOWEST_EVALUATED_PRICE: "最低评标价法",
    COMPREHENSIVE_ASSESSMENT: "综合评估法",
    LOWEST_REVIEWED_PRICE: "经评审的最低投标价法",
}
PROCUREMENT_METHODS = frozenset({COMPREHENSIVE_SCORING, LOWEST_EVALUATED_PRICE})
CONSTRUCTION_METHODS = frozenset({COMPREHENSIVE_ASSESSMENT, LOWEST_REVIEWED_PRICE})
SCORING_METHODS = frozenset({COMPREHENSIVE_SCORING, COMPREHENSIVE_ASSESSMENT})

CATEGORY_LABELS = {"goods": "货物", "services": "服务", "works": "工程"}
METHOD_CATEGORIES = {
    COMPREHENSIVE_SCORING: ("goods", "services"),
    LOWEST_EVALUATED_PRICE: ("goods", "services"),
    COMPREHENSIVE_ASSESSMENT: ("works",),
    LOWEST_REVIEWED_PRICE: ("works",),
}

SUBJECTIVE = "subjective"
OBJECTIVE = "objective"
CRITERION_KINDS = {SUBJECTIVE: "主观分（专家独立评分）", OBJECTIVE: "客观分（评标委员会共同认定）"}
PRICE_KEY = "price"  # reserved: the price score's column

TRIMMED_MEAN = "trimmed_mean"
LOWEST_VALID = "lowest_valid"
BASE_KINDS = {TRIMMED_MEAN: "有效报价算术平均（去高去低）", LOWEST_VALID: "最低有效报价"}

LOWER_BID_PRICE = "lower_bid_price"
LOWER_EVALUATED_PRICE = "lower_evaluated_price"
HIGHER_TECHNICAL = "higher_technical"
LOTTERY = "lottery"
TIE_BREAK_LABELS = {
    LOWER_BID_PRICE: "投标报价低者优先",
    LOWER_EVALUATED_PRICE: "评审价低者优先",
    HIGHER_TECHNICAL: "技术（非价格）得分高者优先",
    LOTTERY: "公开随机抽签",
}
PRICE_TIE_BREAKS = frozenset({LOWER_BID_PRICE, LOWER_EVALUATED_PRICE})

ABNORMAL_REFERENCES = {
    "mean": "有效投标报价算术平均值",
    "base": "评标基准价",
    "next_lowest": "次低有效投标报价",
    "cap": "最高投标限价",
}

ROUNDING_MODES = {
    "ROUND_HALF_UP": ROUND_HALF_UP,
    "ROUND_HALF_EVEN": ROUND_HALF_EVEN,
    "ROUND_DOWN": ROUND_DOWN,
    "ROUND_UP": ROUND_UP,
}


# ---------------------------------------------------------------- legal limits (platform config)


def _default_min_price_weight() -> dict[str, Decimal]:
    # 87号令 Art. 55: goods ≥ 30 %, services ≥ 10 %. Works: no statutory floor [U] — 0.
    return {"goods": Decimal(30), "services": Decimal(10), "works": Decimal(0)}


@dataclass(frozen=True)
class LegalLimits:
    """The statutory numbers methods are checked against. Platform configuration, not constants:
    a change of law is a settings change, and a section's frozen JSON keeps the values it used."""

    min_price_weight: Mapping[str, Decimal] = field(default_factory=_default_min_price_weight)
    max_candidates: int = 3  # 《评标委员会和评标方法暂行规定》 Art. 45: 1–3 candidates
    # 政府采购法 Art. 36 (procurement: fewer → 废标, mandatory); 《评标委员会和评标方法暂行规定》
    # Art. 27 (works: fewer valid bids "明显缺乏竞争" → the committee may reject all).
    min_valid_bids: int = 3
    sme_ranges: SmeRanges = DEFAULT_SME_RANGES


DEFAULT_LIMITS = LegalLimits()


# ---------------------------------------------------------------- the configuration


@dataclass(frozen=True)
class Rounding:
    """How published figures are rounded. Scores and deviation rates are rounded once each, and
    totals are the sum of the rounded parts, so the report's table adds up."""

    score_places: int = 2
    price_places: int = 2
    rate_places: int | None = 2  # 偏差率 in percent; None = not rounded before scoring
    mode: str = "ROUND_HALF_UP"

    def score(self, value: Decimal) -> Decimal:
        return quantize(value, self.score_places, self.mode)

    def price(self, value: Decimal) -> Decimal:
        return quantize(value, self.price_places, self.mode)

    def rate(self, value: Decimal) -> Decimal:
        return value if self.rate_places is None else quantize(value, self.rate_places, self.mode)


def quantize(value: Decimal, places: int, mode: str = "ROUND_HALF_UP") -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUNDING_MODES[mode])


@dataclass(frozen=True)
class Criterion:
    """One scored factor. ``points`` is its maximum and its weight on the 100-point scale
    (87号令 ``总分 = Σ Fi × Ai``: Ai = points / 100, Fi = score / points × 100)."""

    key: str
    name: str
    points: Decimal
    kind: str = SUBJECTIVE


@dataclass(frozen=True)
class KRange:
    """The published range of the downward coefficient K (下浮系数), drawn at opening:
    B = mean × K with K ∈ {low, low + step, …, high}. A 0.25–1.5 % 下浮率 is K 0.985–0.9975."""

    low: Decimal
    high: Decimal
    step: Decimal

    def choices(self) -> tuple[Decimal, ...]:
        values = []
        value = self.low
        while value <= self.high:
            values.append(value)
            value += self.step
        return tuple(values)


@dataclass(frozen=True)
class BasePriceRule:
    """评标基准价 for construction: the mean of the valid evaluated prices; with more than
    ``trim_when_more_than`` of them the ``trim_high`` highest and ``trim_low`` lowest are dropped
    first; then × K when ``k`` is published. ``lowest_valid`` takes the lowest instead."""

    kind: str = TRIMMED_MEAN
    trim_when_more_than: int = 5
    trim_high: int = 1
    trim_low: int = 1
    k: KRange | None = None


@dataclass(frozen=True)
class Slopes:
    """Points deducted per 1 % of deviation from the base, above and below it (floor 0)."""

    above: Decimal
    below: Decimal


@dataclass(frozen=True)
class DeviationCheck:
    """An expert's score is flagged (written reason required) when it differs from the mean of
    the other experts' scores by more than ``points``, or by more than ``percent`` % of that mean."""

    points: Decimal | None = None
    percent: Decimal | None = None


@dataclass(frozen=True)
class AbnormalLowRule:
    """A bid price below ``percent`` % of the reference is flagged: the bidder must justify it
    (87号令 Art. 60; 《评标委员会和评标方法暂行规定》 Art. 21)."""

    reference: str
    percent: Decimal


@dataclass(frozen=True)
class MethodConfig:
    """A section's evaluation method with all its parameters. Build it with :func:`parse` (or
    construct and call :func:`validate`); store :func:`dump`'s JSON."""

    method: str
    category: str
    criteria: tuple[Criterion, ...] = ()
    price_points: Decimal = ZERO
    base_price: BasePriceRule | None = None
    slopes: Slopes | None = None
    rounding: Rounding = field(default_factory=Rounding)
    sme: SmePolicy | None = None
    tie_break: tuple[str, ...] = (LOWER_BID_PRICE,)
    candidate_count: int = 3
    deviation_check: DeviationCheck | None = None
    abnormal_low: tuple[AbnormalLowRule, ...] = ()

    @property
    def is_scoring(self) -> bool:
        return self.method in SCORING_METHODS

    @property
    def is_procurement(self) -> bool:
        return self.method in PROCUREMENT_METHODS

    @property
    def label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    def criterion(self, key: str) -> Criterion:
        for c in self.criteria:
            if c.key == key:
                return c
        raise KeyError(key)


# ---------------------------------------------------------------- validation


def problems(config: MethodConfig, limits: LegalLimits = DEFAULT_LIMITS) -> dict[str, str]:
    """Field path → Chinese message for everything wrong with ``config`` (empty when valid)."""
    out: dict[str, str] = {}
    if config.method not in METHOD_LABELS:
        out["method"] = f"未知的评标办法“{config.method}”。"
        return out
    label = METHOD_LABELS[config.method]
    if config.category not in METHOD_CATEGORIES[config.method]:
        allowed = "、".join(CATEGORY_LABELS[c] for c in METHOD_CATEGORIES[config.method])
        out["category"] = f"{label}只适用于{allowed}项目，不适用于“{config.category}”。"
        return out

    if config.is_scoring:
        _criteria_problems(config, out)
        total = sum((c.points for c in config.criteria), ZERO) + config.price_points
        if total != HUNDRED and "criteria" not in out:
            out["criteria"] = f"各评分因素分值与价格分值之和须为 100，当前为 {total}。"
        minimum = limits.min_price_weight.get(config.category, ZERO)
        if config.price_points <= ZERO:
            out["price_points"] = "价格分值须大于 0。"
        elif config.price_points < minimum:
            out["price_points"] = (
                f"{CATEGORY_LABELS[config.category]}项目价格分值不得低于 {minimum}%（87号令第五十五条），"
                f"当前为 {config.price_points}%。"
            )
    else:
        if config.criteria:
            out["criteria"] = f"{label}不设评分因素。"
        if config.price_points != ZERO:
            out["price_points"] = f"{label}不计算价格分。"

    if config.method == COMPREHENSIVE_SCORING:
        if config.base_price is not None:
            out["base_price"] = "综合评分法的评标基准价为最低的有效评审价（87号令第五十五条），不可另行配置。"
        if config.slopes is not None:
            out["slopes"] = "综合评分法的价格分按“基准价/评审价×价格分值”计算，不设偏差扣分斜率。"
    elif config.method == COMPREHENSIVE_ASSESSMENT:
        if config.base_price is None:
            out["base_price"] = "综合评估法须配置评标基准价计算方法。"
        else:
            _base_problems(config.base_price, out)
        if config.slopes is None:
            out["slopes"] = "综合评估法须配置高于/低于基准价的偏差扣分斜率。"
        else:
            for side, value in (("above", config.slopes.above), ("below", config.slopes.below)):
                if not ZERO < value <= HUNDRED:
                    out[f"slopes.{side}"] = (
                        f"偏差扣分斜率须大于 0 且不超过 100（每 1% 扣分），当前为 {value}。"
                    )
    else:
        if config.base_price is not None:
            out["base_price"] = f"{label}不设评标基准价。"
        if config.slopes is not None:
            out["slopes"] = f"{label}不设偏差扣分斜率。"

    _rounding_problems(config.rounding, out)
    if config.sme is not None:
        out.update(policy_problems(config.sme, category=config.category, ranges=limits.sme_ranges))
    _tie_break_problems(config, out)
    if not 1 <= config.candidate_count <= limits.max_candidates:
        out["candidate_count"] = (
            f"中标候选人数量须为 1–{limits.max_candidates} 名，当前为 {config.candidate_count}。"
        )
    if config.deviation_check is not None:
        dc = config.deviation_check
        if dc.points is None and dc.percent is None:
            out["deviation_check"] = "评分偏离检查须至少设置分差或百分比之一。"
        if dc.points is not None and dc.points <= ZERO:
            out["deviation_check.points"] = "评分偏离分差阈值须大于 0。"
        if dc.percent is not None and dc.percent <= ZERO:
            out["deviation_check.percent"] = "评分偏离百分比阈值须大于 0。"
    for i, rule in enumerate(config.abnormal_low):
        if rule.reference not in ABNORMAL_REFERENCES:
            out[f"abnormal_low.{i}.reference"] = f"未知的异常低价参照“{rule.reference}”。"
        elif rule.reference == "base" and config.method not in SCORING_METHODS:
            out[f"abnormal_low.{i}.reference"] = f"{label}不计算评标基准价，不能以其为异常低价参照。"
        if not ZERO < rule.percent < HUNDRED:
            out[f"abnormal_low.{i}.percent"] = (
                f"异常低价比例须在 0–100% 之间（不含端点），当前为 {rule.percent}。"
            )
    return out


def _criteria_problems(config: MethodConfig, out: dict[str, str]) -> None:
    seen: set[str] = set()
    for i, c in enumerate(config.criteria):
        where = f"criteria.{i}"
        if not c.key or not c.key.replace("_", "").isalnum() or not c.key.isascii():
            out[f"{where}.key"] = "评分因素标识须为非空的字母、数字或下划线。"
        elif c.key == PRICE_KEY:
            out[f"{where}.key"] = "“price”保留给价格分，不能用作评分因素标识。"
        elif c.key in seen:
            out[f"{where}.key"] = f"评分因素标识“{c.key}”重复。"
        seen.add(c.key)
        if not c.name.strip():
            out[f"{where}.name"] = "评分因素须有名称。"
        if c.points <= ZERO:
            out[f"{where}.points"] = f"评分因素“{c.name or c.key}”的分值须大于 0。"
        if c.kind not in CRITERION_KINDS:
            out[f"{where}.kind"] = f"评分因素类型须为主观分或客观分，不能为“{c.kind}”。"


def _base_problems(rule: BasePriceRule, out: dict[str, str]) -> None:
    if rule.kind not in BASE_KINDS:
        out["base_price.kind"] = f"未知的评标基准价计算方法“{rule.kind}”。"
    if rule.trim_high < 0 or rule.trim_low < 0:
        out["base_price.trim"] = "去掉的最高/最低报价个数不能为负数。"
    elif rule.trim_when_more_than < rule.trim_high + rule.trim_low:
        out["base_price.trim_when_more_than"] = (
            "去高去低的启用家数须不少于去掉的报价个数之和，否则可能无报价可平均。"
        )
    if rule.k is not None:
        k = rule.k
        if not (ZERO < k.low <= k.high <= Decimal(1)):
            out["base_price.k"] = f"下浮系数 K 的范围须满足 0 < 下限 ≤ 上限 ≤ 1，当前为 {k.low}–{k.high}。"
        elif k.step <= ZERO:
            out["base_price.k.step"] = "下浮系数 K 的步长须大于 0。"
        elif (k.high - k.low) / k.step > 1000:
            out["base_price.k.step"] = "下浮系数 K 的可选值过多（超过 1000 个）。"
        elif (k.high - k.low) % k.step != ZERO:
            out["base_price.k.step"] = "下浮系数 K 的范围须为步长的整数倍。"


def _rounding_problems(r: Rounding, out: dict[str, str]) -> None:
    if r.mode not in ROUNDING_MODES:
        out["rounding.mode"] = f"未知的舍入方式“{r.mode}”。"
    for name, places in (("score_places", r.score_places), ("price_places", r.price_places)):
        if not 0 <= places <= 6:
            out[f"rounding.{name}"] = f"保留小数位数须在 0–6 之间，当前为 {places}。"
    if r.rate_places is not None and not 0 <= r.rate_places <= 6:
        out["rounding.rate_places"] = f"偏差率保留小数位数须在 0–6 之间，当前为 {r.rate_places}。"


def _tie_break_problems(config: MethodConfig, out: dict[str, str]) -> None:
    rules = config.tie_break
    for i, rule in enumerate(rules):
        if rule not in TIE_BREAK_LABELS:
            out[f"tie_break.{i}"] = f"未知的同分排序规则“{rule}”。"
        elif rule == HIGHER_TECHNICAL and not config.is_scoring:
            out[f"tie_break.{i}"] = f"{config.label}没有技术得分，不能按技术得分排序。"
    if len(set(rules)) != len(rules):
        out["tie_break"] = "同分排序规则不能重复。"
    if LOTTERY in rules and rules[-1] != LOTTERY:
        out["tie_break"] = "随机抽签只能作为最后一条同分排序规则。"
    if config.method == COMPREHENSIVE_SCORING and (not rules or rules[0] not in PRICE_TIE_BREAKS):
        # 87号令 Art. 57: 得分相同的，按投标报价由低到高顺序排列.
        out["tie_break"] = "综合评分法得分相同的，须首先按投标报价由低到高排序（87号令第五十七条）。"


def validate(config: MethodConfig, limits: LegalLimits = DEFAULT_LIMITS) -> MethodConfig:
    found = problems(config, limits)
    if found:
        raise ValidationFailed("评标办法参数有误：" + "；".join(found.values()), fields=found)
    return config


# ---------------------------------------------------------------- K drawn at opening


def draw_k(k_range: KRange, seed: bytes) -> Decimal:
    """Draw K from the published choices: index = HMAC-SHA256(seed, "evaluation:k") mod n.
    The seed is the opening's public entropy, so anyone can recompute the draw."""
    choices = k_range.choices()
    if not choices:
        raise ValidationFailed("下浮系数 K 没有可选值。", fields={"base_price.k": "没有可选值。"})
    digest = hmac.new(seed, b"evaluation:k", hashlib.sha256).digest()
    return choices[int.from_bytes(digest, "big") % len(choices)]


# ---------------------------------------------------------------- JSON


def dump(config: MethodConfig) -> dict[str, Any]:
    """JSON-ready dict (Decimals as strings, so nothing is lost to floats)."""
    base = config.base_price
    return {
        "v": VERSION,
        "method": config.method,
        "category": config.category,
        "criteria": [
            {"key": c.key, "name": c.name, "points": str(c.points), "kind": c.kind} for c in config.criteria
        ],
        "price_points": str(config.price_points),
        "base_price": None
        if base is None
        else {
            "kind": base.kind,
            "trim_when_more_than": base.trim_when_more_than,
            "trim_high": base.trim_high,
            "trim_low": base.trim_low,
            "k": None
            if base.k is None
            else {"low": str(base.k.low), "high": str(base.k.high), "step": str(base.k.step)},
        },
        "slopes": None
        if config.slopes is None
        else {"above": str(config.slopes.above), "below": str(config.slopes.below)},
        "rounding": {
            "score_places": config.rounding.score_places,
            "price_places": config.rounding.price_places,
            "rate_places": config.rounding.rate_places,
            "mode": config.rounding.mode,
        },
        "sme": None if config.sme is None else config.sme.as_dict(),
        "tie_break": list(config.tie_break),
        "candidate_count": config.candidate_count,
        "deviation_check": None
        if config.deviation_check is None
        else {
            "points": _opt_str(config.deviation_check.points),
            "percent": _opt_str(config.deviation_check.percent),
        },
        "abnormal_low": [{"reference": r.reference, "percent": str(r.percent)} for r in config.abnormal_low],
    }


def _opt_str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class _Reader:
    """Reads untrusted JSON, collecting a Chinese message per bad field instead of crashing."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def mapping(self, value: Any, where: str, *, optional: bool = False) -> Mapping[str, Any] | None:
        if value is None and optional:
            return None
        if not isinstance(value, Mapping):
            self.errors[where] = "须为对象。"
            return None
        return value

    def decimal(self, value: Any, where: str, default: Decimal | None = None) -> Decimal:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.errors[where] = "须为数值。"
            return ZERO
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            self.errors[where] = f"“{value}”不是数值。"
            return ZERO
        if not result.is_finite():
            self.errors[where] = "须为有限数值。"
            return ZERO
        return result

    def opt_decimal(self, value: Any, where: str) -> Decimal | None:
        return None if value is None else self.decimal(value, where)

    def integer(self, value: Any, where: str, default: int | None = None) -> int:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[where] = "须为整数。"
            return 0
        return value

    def text(self, value: Any, where: str, default: str | None = None) -> str:
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            self.errors[where] = "须为文字。"
            return ""
        return value

    def seq(self, value: Any, where: str) -> Sequence[Any]:
        if value is None:
            return ()
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            self.errors[where] = "须为列表。"
            return ()
        return value


def parse(data: Any, limits: LegalLimits = DEFAULT_LIMITS) -> MethodConfig:
    """The validated :class:`MethodConfig` from JSON (``dump``'s output or a form's)."""
    r = _Reader()
    top = r.mapping(data, "method")
    if top is None:
        raise ValidationFailed("评标办法参数须为 JSON 对象。", fields=r.errors)
    version = top.get("v", VERSION)
    if version != VERSION:
        raise ValidationFailed(f"不支持的评标办法参数版本“{version}”。", fields={"v": "版本不受支持。"})
    criteria = []
    for i, raw in enumerate(r.seq(top.get("criteria"), "criteria")):
        item = r.mapping(raw, f"criteria.{i}")
        if item is None:
            continue
        criteria.append(
            Criterion(
                key=r.text(item.get("key"), f"criteria.{i}.key"),
                name=r.text(item.get("name"), f"criteria.{i}.name"),
                points=r.decimal(item.get("points"), f"criteria.{i}.points"),
                kind=r.text(item.get("kind"), f"criteria.{i}.kind", SUBJECTIVE),
            )
        )
    base = None
    raw_base = r.mapping(top.get("base_price"), "base_price", optional=True)
    if raw_base is not None:
        k = None
        raw_k = r.mapping(raw_base.get("k"), "base_price.k", optional=True)
        if raw_k is not None:
            k = KRange(
                low=r.decimal(raw_k.get("low"), "base_price.k.low"),
                high=r.decimal(raw_k.get("high"), "base_price.k.high"),
                step=r.decimal(raw_k.get("step"), "base_price.k.step"),
            )
        base = BasePriceRule(
            kind=r.text(raw_base.get("kind"), "base_price.kind", TRIMMED_MEAN),
            trim_when_more_than=r.integer(
                raw_base.get("trim_when_more_than"), "base_price.trim_when_more_than", 5
            ),
            trim_high=r.integer(raw_base.get("trim_high"), "base_price.trim_high", 1),
            trim_low=r.integer(raw_base.get("trim_low"), "base_price.trim_low", 1),
            k=k,
        )
    slopes = None
    raw_slopes = r.mapping(top.get("slopes"), "slopes", optional=True)
    if raw_slopes is not None:
        slopes = Slopes(
            above=r.decimal(raw_slopes.get("above"), "slopes.above"),
            below=r.decimal(raw_slopes.get("below"), "slopes.below"),
        )
    rounding = Rounding()
    raw_round = r.mapping(top.get("rounding"), "rounding", optional=True)
    if raw_round is not None:
        rate_places = raw_round.get("rate_places", 2)
        rounding = Rounding(
            score_places=r.integer(raw_round.get("score_places"), "rounding.score_places", 2),
            price_places=r.integer(raw_round.get("price_places"), "rounding.price_places", 2),
            rate_places=None if rate_places is None else r.integer(rate_places, "rounding.rate_places"),
            mode=r.text(raw_round.get("mode"), "rounding.mode", "ROUND_HALF_UP"),
        )
    sme = None
    raw_sme = r.mapping(top.get("sme"), "sme", optional=True)
    if raw_sme is not None:
        sme = SmePolicy(
            small_micro_percent=r.decimal(raw_sme.get("small_micro_percent"), "sme.small_micro_percent"),
            consortium_percent=r.decimal(raw_sme.get("consortium_percent"), "sme.consortium_percent"),
            consortium_min_share_percent=r.decimal(
                raw_sme.get("consortium_min_share_percent"), "sme.consortium_min_share_percent", Decimal(30)
            ),
        )
    deviation = None
    raw_dev = r.mapping(top.get("deviation_check"), "deviation_check", optional=True)
    if raw_dev is not None:
        deviation = DeviationCheck(
            points=r.opt_decimal(raw_dev.get("points"), "deviation_check.points"),
            percent=r.opt_decimal(raw_dev.get("percent"), "deviation_check.percent"),
        )
    abnormal = []
    for i, raw in enumerate(r.seq(top.get("abnormal_low"), "abnormal_low")):
        item = r.mapping(raw, f"abnormal_low.{i}")
        if item is not None:
            abnormal.append(
                AbnormalLowRule(
                    reference=r.text(item.get("reference"), f"abnormal_low.{i}.reference"),
                    percent=r.decimal(item.get("percent"), f"abnormal_low.{i}.percent"),
                )
            )
    tie_break = tuple(
        r.text(v, f"tie_break.{i}")
        for i, v in enumerate(r.seq(top.get("tie_break", [LOWER_BID_PRICE]), "tie_break"))
    )
    config = MethodConfig(
        method=r.text(top.get("method"), "method"),
        category=r.text(top.get("category"), "category"),
        criteria=tuple(criteria),
        price_points=r.decimal(top.get("price_points"), "price_points", ZERO),
        base_price=base,
        slopes=slopes,
        rounding=rounding,
        sme=sme,
        tie_break=tie_break,
        candidate_count=r.integer(top.get("candidate_count"), "candidate_count", 3),
        deviation_check=deviation,
        abnormal_low=tuple(abnormal),
    )
    if r.errors:
        raise ValidationFailed(
            "评标办法参数格式有误：" + "；".join(f"{k} {v}" for k, v in r.errors.items()), fields=r.errors
        )
    return validate(config, limits)
