"""Scoring and ranking of one section's bids under its :class:`~ggzy.evaluation.methods.MethodConfig`.
Pure: no Django. The committee pages and the report call :func:`evaluate` with what the database
holds (opened bids, compliance decisions, the experts' signed scores) and store its result.

Steps (formulas and sources: docs/formats/evaluation-methods.md):

1. Rejections: bids marked non-compliant (否决) and bids above the price cap (实施条例 Art. 51(5)).
2. Evaluated price (评审价) = (P + adjustment) × (1 − SME rate); the contract price stays P.
3. Base price: procurement 综合评分法 — the lowest compliant evaluated price; construction
   综合评估法 — the configured :class:`~ggzy.evaluation.methods.BasePriceRule` (× K).
4. Price score: procurement ``base / evaluated × price points``; construction
   ``price points − |deviation %| × slope`` (slope above / below), floor 0.
5. Criterion scores: the mean of **every** expert's score (nothing dropped); objective criteria
   come with the bid. Totals = sum of the rounded parts.
6. Ranking: total high → low (or evaluated price low → high for the lowest-price methods), then the
   method's tie-break rules; bids still equal share a rank (并列). Candidates: rank ≤ count.
7. Flags: expert scores far from the others' mean; abnormally low prices.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

from ggzy.core.errors import ValidationFailed
from ggzy.evaluation import methods as m
from ggzy.evaluation.sme import NO_CLAIM, SmeClaim, check_claim, deduct

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Money stays far inside the decimal context's 28 digits (Section amounts: 16 digits, 2 places).
MAX_AMOUNT = Decimal(10) ** 14
# Every computation runs in this context, whatever the caller's thread context says.
CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

# expert id → bid id → criterion key → score
ExpertScores = Mapping[str, Mapping[str, Mapping[str, Decimal]]]


@dataclass(frozen=True)
class Bid:
    """One opened bid as the evaluation sees it. ``price`` is the (arithmetically corrected) bid
    price, which is also the contract price; ``adjustment`` is the commercial-deviation amount of
    经评审的最低投标价法 (标价比较表), zero elsewhere."""

    id: str
    price: Decimal
    compliant: bool = True
    rejection_reason: str = ""
    sme: SmeClaim = NO_CLAIM
    objective: Mapping[str, Decimal] = field(default_factory=dict)
    adjustment: Decimal = ZERO
    # The bidder (organisation name) as staff see it, for messages; ``id`` when not given.
    name: str = ""

    @property
    def label(self) -> str:
        """How a message names the bid: by its bidder when known (staff never see bid ids)."""
        return f"投标人“{self.name}”的投标文件" if self.name else f"投标文件“{self.id}”"


@dataclass(frozen=True)
class Rejection:
    bid_id: str
    reason: str


@dataclass(frozen=True)
class DeviationFlag:
    """An expert's score that needs a written reason."""

    expert_id: str
    bid_id: str
    criterion: str
    score: Decimal
    others_mean: Decimal
    difference: Decimal


@dataclass(frozen=True)
class AbnormalLowFlag:
    """A price the bidder must justify in writing (87号令 Art. 60)."""

    bid_id: str
    reference: str
    reference_value: Decimal
    percent: Decimal
    threshold: Decimal
    price: Decimal


@dataclass(frozen=True)
class BidResult:
    bid_id: str
    contract_price: Decimal
    sme_rate_percent: Decimal
    evaluated_price: Decimal
    deviation_percent: Decimal | None  # construction: (Pi − B) / B × 100, rounded
    price_score: Decimal | None  # None for the lowest-price methods
    criterion_scores: Mapping[str, Decimal]  # key → mean of the experts / objective score
    technical_score: Decimal
    total: Decimal | None
    rank: int
    candidate: bool
    sme_note: str = ""


@dataclass(frozen=True)
class Evaluation:
    method: str
    base_price: Decimal | None
    base_mean: Decimal | None  # construction: the (trimmed) mean before K
    base_prices_used: tuple[Decimal, ...]
    k: Decimal | None
    results: tuple[BidResult, ...]  # in rank order, ties by bid id
    rejected: tuple[Rejection, ...]
    deviation_flags: tuple[DeviationFlag, ...]
    abnormal_low: tuple[AbnormalLowFlag, ...]
    unresolved_ties: tuple[tuple[str, ...], ...]

    @property
    def candidates(self) -> tuple[BidResult, ...]:
        return tuple(r for r in self.results if r.candidate)


def _bad(message: str, field_name: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: message})


def _check_inputs(config: m.MethodConfig, bids: Sequence[Bid], scores: ExpertScores) -> None:
    seen: set[str] = set()
    for bid in bids:
        if not bid.id:
            raise _bad("投标文件标识不能为空。", "bids")
        if bid.id in seen:
            raise _bad(f"投标文件“{bid.id}”重复。", "bids")
        seen.add(bid.id)
        if not bid.price.is_finite() or not ZERO < bid.price < MAX_AMOUNT:
            raise _bad(f"投标文件“{bid.id}”的报价须为正数且小于 10^14 元。", f"bids.{bid.id}.price")
        if not bid.adjustment.is_finite() or not -MAX_AMOUNT < bid.adjustment < MAX_AMOUNT:
            raise _bad(
                f"投标文件“{bid.id}”的偏差调整须为小于 10^14 元的有限数值。", f"bids.{bid.id}.adjustment"
            )
        if bid.price + bid.adjustment <= ZERO:
            raise _bad(f"投标文件“{bid.id}”调整后的价格须为正数。", f"bids.{bid.id}.adjustment")
        if bid.adjustment != ZERO and config.method != m.LOWEST_REVIEWED_PRICE:
            raise _bad(
                f"{config.label}除算术修正和政策性价格扣除外不得调整价格（投标文件“{bid.id}”）。",
                f"bids.{bid.id}.adjustment",
            )
        check_claim(bid.sme, field_name=f"bids.{bid.id}.sme")
        check_objective(config, bid.id, bid.objective)
    for expert, per_bid in scores.items():
        for bid_id, per_criterion in per_bid.items():
            if bid_id not in seen:
                raise _bad(f"专家“{expert}”评分中有未知投标文件“{bid_id}”。", f"scores.{expert}")
            for key, value in per_criterion.items():
                try:
                    criterion = config.criterion(key)
                except KeyError:
                    raise _bad(
                        f"专家“{expert}”评分中有未知评分因素“{key}”。", f"scores.{expert}.{bid_id}"
                    ) from None
                if criterion.kind != m.SUBJECTIVE:
                    raise _bad(
                        f"“{criterion.name}”是客观分，由系统计算，专家不评分。",
                        f"scores.{expert}.{bid_id}.{key}",
                    )
                _check_range(value, criterion, f"scores.{expert}.{bid_id}.{key}", who=f"专家“{expert}”")


def check_objective(config: m.MethodConfig, bid_id: str, values: Mapping[str, Decimal]) -> None:
    """The objective scores (客观分) of one bid: known objective criteria, each within 0…points."""
    for key, value in values.items():
        try:
            criterion = config.criterion(key)
        except KeyError:
            raise _bad(
                f"投标文件“{bid_id}”的客观分含未知评分因素“{key}”。", f"bids.{bid_id}.objective"
            ) from None
        if criterion.kind != m.OBJECTIVE:
            raise _bad(f"“{criterion.name}”是主观分，须由专家评分。", f"bids.{bid_id}.objective.{key}")
        _check_range(value, criterion, f"bids.{bid_id}.objective.{key}", who=f"投标文件“{bid_id}”")


def objective_input(config: m.MethodConfig, bid_id: str, raw: Mapping[str, str]) -> dict[str, Decimal | None]:
    """The committee's objective scores of one bid as typed (criterion key → text), checked:
    a blank value clears the criterion (``None``); anything else must be a number with at most two
    decimals, within the criterion's range (:func:`check_objective`)."""
    parsed: dict[str, Decimal | None] = {}
    for key, text in raw.items():
        text = (text or "").strip()
        if not text:
            parsed[key] = None
            continue
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            names = {c.key: c.name for c in config.criteria}
            raise _bad(
                f"投标文件“{bid_id}”的客观分“{names.get(key, key)}”须为数值（“{text}”无效）。",
                f"bids.{bid_id}.objective.{key}",
            )
        parsed[key] = value
    given = {k: v for k, v in parsed.items() if v is not None}
    check_objective(config, bid_id, given)
    for key, value in given.items():
        if value != value.quantize(Decimal("0.01"), context=CONTEXT):
            name = config.criterion(key).name
            raise _bad(
                f"投标文件“{bid_id}”的客观分“{name}”最多保留两位小数。", f"bids.{bid_id}.objective.{key}"
            )
    return parsed


def _check_range(value: Decimal, criterion: m.Criterion, where: str, *, who: str) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _bad(f"{who}对“{criterion.name}”的评分须为数值。", where)
    if not ZERO <= value <= criterion.points:
        raise _bad(
            f"{who}对“{criterion.name}”的评分 {value} 超出范围（0–{criterion.points}）。",
            where,
        )


def base_price_of(
    rule: m.BasePriceRule, prices: Sequence[Decimal], k: Decimal | None, rounding: m.Rounding
) -> tuple[Decimal, Decimal, tuple[Decimal, ...]]:
    """(B, mean before K, the prices averaged). Prices are the valid evaluated prices."""
    ordered = sorted(prices)
    if not ordered:
        raise _bad("没有有效投标，无法计算评标基准价。", "bids")
    if rule.kind == m.LOWEST_VALID:
        used: tuple[Decimal, ...] = (ordered[0],)
        mean = ordered[0]
    else:
        if len(ordered) > rule.trim_when_more_than:
            ordered = ordered[rule.trim_low : len(ordered) - rule.trim_high]
        used = tuple(ordered)
        mean = sum(used, ZERO) / len(used)
    base = rounding.price(mean * k if k is not None else mean)
    return base, mean, used


def _check_k(config: m.MethodConfig, k: Decimal | None) -> Decimal | None:
    rule = config.base_price
    if rule is None or rule.k is None:
        if k is not None:
            raise _bad(f"{config.label}未公布下浮系数 K，不能使用 K。", "k")
        return None
    if k is None:
        raise _bad("本标段须使用开标时抽取的下浮系数 K。", "k")
    if k not in rule.k.choices():
        raise _bad(f"下浮系数 K = {k} 不在公布的可选值内。", "k")
    return k


def _lottery_key(seed: bytes, bid_id: str) -> str:
    return hmac.new(seed, b"evaluation:tie:" + bid_id.encode("utf-8"), hashlib.sha256).hexdigest()


def evaluate(
    config: m.MethodConfig,
    bids: Sequence[Bid],
    scores: ExpertScores,
    *,
    k: Decimal | None = None,
    price_cap: Decimal | None = None,
    lottery_seed: bytes | None = None,
) -> Evaluation:
    """Score and rank ``bids``. ``scores`` must hold every expert's score for every subjective
    criterion of every compliant bid; scores of rejected bids are ignored."""
    with localcontext(CONTEXT):
        return _evaluate(config, bids, scores, k=k, price_cap=price_cap, lottery_seed=lottery_seed)


def _evaluate(
    config: m.MethodConfig,
    bids: Sequence[Bid],
    scores: ExpertScores,
    *,
    k: Decimal | None,
    price_cap: Decimal | None,
    lottery_seed: bytes | None,
) -> Evaluation:
    m.validate(config)
    _check_inputs(config, bids, scores)
    k = _check_k(config, k)
    if m.LOTTERY in config.tie_break and lottery_seed is None:
        raise _bad("同分排序含随机抽签，须提供公开的抽签种子。", "lottery_seed")
    if price_cap is not None and (not price_cap.is_finite() or not ZERO < price_cap < MAX_AMOUNT):
        raise _bad("最高投标限价须为正数。", "price_cap")
    rounding = config.rounding

    rejected: list[Rejection] = []
    valid: list[Bid] = []
    for bid in sorted(bids, key=lambda b: b.id):
        if not bid.compliant:
            rejected.append(Rejection(bid.id, bid.rejection_reason or "未通过资格/符合性审查"))
        elif price_cap is not None and bid.price > price_cap:
            rejected.append(Rejection(bid.id, f"投标报价 {bid.price} 超过最高投标限价 {price_cap}"))
        else:
            valid.append(bid)

    deductions = {
        b.id: deduct(
            b.price + b.adjustment,
            b.sme,
            config.sme,
            places=rounding.price_places,
            rounding=m.ROUNDING_MODES[rounding.mode],
        )
        for b in valid
    }
    evaluated = {bid_id: d.evaluated_price for bid_id, d in deductions.items()}

    base: Decimal | None = None
    base_mean: Decimal | None = None
    used: tuple[Decimal, ...] = ()
    if valid and config.method == m.COMPREHENSIVE_SCORING:
        base = min(evaluated.values())
        used = (base,)
    elif valid and config.method == m.COMPREHENSIVE_ASSESSMENT:
        assert config.base_price is not None  # validated
        base, base_mean, used = base_price_of(config.base_price, list(evaluated.values()), k, rounding)

    subjective = [c for c in config.criteria if c.kind == m.SUBJECTIVE]
    objective = [c for c in config.criteria if c.kind == m.OBJECTIVE]
    experts = sorted(scores)
    if subjective and valid and not experts:
        raise _bad("没有专家评分。", "scores")

    deviation_flags: list[DeviationFlag] = []
    rows: list[dict[str, Any]] = []
    for bid in valid:
        criterion_scores: dict[str, Decimal] = {}
        for c in subjective:
            given = []
            for expert in experts:
                value = scores[expert].get(bid.id, {}).get(c.key)
                if value is None:
                    raise _bad(
                        f"专家“{expert}”尚未对投标文件“{bid.id}”的“{c.name}”评分。",
                        f"scores.{expert}.{bid.id}.{c.key}",
                    )
                given.append((expert, value))
            criterion_scores[c.key] = rounding.score(sum((v for _, v in given), ZERO) / len(given))
            deviation_flags.extend(_deviations(config.deviation_check, bid.id, c.key, given))
        for c in objective:
            value = bid.objective.get(c.key)
            if value is None:
                raise _bad(f"{bid.label}缺少客观分“{c.name}”。", f"bids.{bid.id}.objective.{c.key}")
            criterion_scores[c.key] = rounding.score(value)
        technical = sum(criterion_scores.values(), ZERO)

        price_score: Decimal | None = None
        deviation: Decimal | None = None
        ev = evaluated[bid.id]
        if config.method == m.COMPREHENSIVE_SCORING:
            assert base is not None
            price_score = rounding.score(base / ev * config.price_points)
        elif config.method == m.COMPREHENSIVE_ASSESSMENT:
            assert base is not None
            assert config.slopes is not None
            deviation = rounding.rate((ev - base) / base * HUNDRED)
            slope = config.slopes.above if deviation > ZERO else config.slopes.below
            price_score = rounding.score(max(ZERO, config.price_points - abs(deviation) * slope))
        total = technical + price_score if price_score is not None else None
        rows.append(
            {
                "bid": bid,
                "criterion_scores": criterion_scores,
                "technical": technical,
                "price_score": price_score,
                "deviation": deviation,
                "total": total,
            }
        )

    results, ties = _rank(config, rows, evaluated, lottery_seed)
    final = tuple(
        BidResult(
            bid_id=row["bid"].id,
            contract_price=row["bid"].price,
            sme_rate_percent=deductions[row["bid"].id].rate_percent,
            evaluated_price=evaluated[row["bid"].id],
            deviation_percent=row["deviation"],
            price_score=row["price_score"],
            criterion_scores=row["criterion_scores"],
            technical_score=row["technical"],
            total=row["total"],
            rank=rank,
            candidate=rank <= config.candidate_count,
            sme_note=deductions[row["bid"].id].note,
        )
        for row, rank in results
    )
    return Evaluation(
        method=config.method,
        base_price=base,
        base_mean=base_mean,
        base_prices_used=used,
        k=k,
        results=final,
        rejected=tuple(rejected),
        deviation_flags=tuple(deviation_flags),
        abnormal_low=tuple(_abnormal_low(config, valid, base, price_cap)),
        unresolved_ties=ties,
    )


def _deviations(
    check: m.DeviationCheck | None, bid_id: str, key: str, given: list[tuple[str, Decimal]]
) -> list[DeviationFlag]:
    if check is None or len(given) < 2:
        return []
    total = sum((v for _, v in given), ZERO)
    flags = []
    for expert, value in given:
        others_mean = (total - value) / (len(given) - 1)
        diff = abs(value - others_mean)
        too_far = check.points is not None and diff > check.points
        if check.percent is not None and diff > ZERO:
            too_far = too_far or others_mean == ZERO or diff / others_mean * HUNDRED > check.percent
        if too_far:
            flags.append(DeviationFlag(expert, bid_id, key, value, others_mean, diff))
    return flags


def _rank(
    config: m.MethodConfig,
    rows: list[dict[str, Any]],
    evaluated: Mapping[str, Decimal],
    seed: bytes | None,
) -> tuple[list[tuple[dict[str, Any], int]], tuple[tuple[str, ...], ...]]:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        bid: Bid = row["bid"]
        parts: list[Any] = [-row["total"] if config.is_scoring else evaluated[bid.id]]
        for rule in config.tie_break:
            if rule == m.LOWER_BID_PRICE:
                parts.append(bid.price)
            elif rule == m.LOWER_EVALUATED_PRICE:
                parts.append(evaluated[bid.id])
            elif rule == m.HIGHER_TECHNICAL:
                parts.append(-row["technical"])
            elif rule == m.LOTTERY:
                assert seed is not None
                parts.append(_lottery_key(seed, bid.id))
        return tuple(parts)

    keyed = sorted(((key(row), row["bid"].id, row) for row in rows), key=lambda t: (t[0], t[1]))
    ranked: list[tuple[dict[str, Any], int]] = []
    ties: list[tuple[str, ...]] = []
    previous: tuple[Any, ...] | None = None
    rank = 0
    group: list[str] = []
    for position, (k, bid_id, row) in enumerate(keyed, start=1):
        if k != previous:
            if len(group) > 1:
                ties.append(tuple(group))
            rank, previous, group = position, k, []
        group.append(bid_id)
        ranked.append((row, rank))
    if len(group) > 1:
        ties.append(tuple(group))
    return ranked, tuple(ties)


def _abnormal_low(
    config: m.MethodConfig, valid: Sequence[Bid], base: Decimal | None, cap: Decimal | None
) -> list[AbnormalLowFlag]:
    if not config.abnormal_low or not valid:
        return []
    prices = sorted(b.price for b in valid)
    mean = sum(prices, ZERO) / len(prices)
    flags = []
    for bid in valid:
        for rule in config.abnormal_low:
            reference: Decimal | None
            if rule.reference == "mean":
                reference = mean
            elif rule.reference == "base":
                reference = base
            elif rule.reference == "cap":
                if cap is None:
                    raise _bad("异常低价规则以最高投标限价为参照，须提供最高投标限价。", "price_cap")
                reference = cap
            else:  # next_lowest: the lowest price among the other valid bids
                others = [b.price for b in valid if b.id != bid.id]
                reference = min(others) if others else None
            if reference is None:
                continue
            threshold = config.rounding.price(reference * rule.percent / HUNDRED)
            if bid.price < threshold:
                flags.append(
                    AbnormalLowFlag(bid.id, rule.reference, reference, rule.percent, threshold, bid.price)
                )
    flags.sort(key=lambda f: (f.bid_id, f.reference))
    return flags


@dataclass(frozen=True)
class Failure:
    """Why a section cannot proceed to an award from this evaluation. ``mandatory`` failures end
    the section (废标/重新招标); the others are the committee's call, recorded in the report."""

    code: str
    message: str
    mandatory: bool


def failure(
    config: m.MethodConfig, evaluation: Evaluation, limits: m.LegalLimits = m.DEFAULT_LIMITS
) -> Failure | None:
    """None when the ranking can go to candidate publicity."""
    valid = len(evaluation.results)
    if valid == 0:
        return Failure("all_rejected", "所有投标均被否决，本标段（包）须重新招标或终止。", True)
    if valid < limits.min_valid_bids:
        if config.is_procurement:
            return Failure(
                "too_few_valid",
                f"对招标文件作实质响应的供应商不足 {limits.min_valid_bids} 家"
                "（政府采购法第三十六条），应予废标。",
                True,
            )
        return Failure(
            "too_few_valid",
            f"有效投标不足 {limits.min_valid_bids} 个，评标委员会可以认定明显缺乏竞争并否决全部投标"
            "（《评标委员会和评标方法暂行规定》第二十七条）。",
            False,
        )
    return None


def next_candidate(evaluation: Evaluation, unavailable: set[str] | frozenset[str]) -> BidResult | None:
    """The best-ranked candidate not in ``unavailable`` (a winner who declined, failed to sign or
    was disqualified — 实施条例 Art. 55); None when the candidates are exhausted (re-tender)."""
    for result in evaluation.candidates:
        if result.bid_id not in unavailable:
            return result
    return None
