"""The rules of a draw request as data and their checks: committee size, timing and avoidance.
Pure: no Django. The rule tables come from ``experts.config`` (defaults overridable through the
``GGZY_EXPERTS`` setting); the services pass them in.

* Committee size (招标投标法 Art. 37, 87号令 Art. 47, 财库〔2016〕198号): an ordered list of rules,
  the **first** whose conditions match the section applies — e.g. procurement with a budget of at
  least 10 million needs 7+, negotiation/consultation/inquiry 3+, everything else 5+; all odd.
  Tenderer representatives (招标人代表) count towards the committee; the experts must be at least
  a configured share of it (≥ 2/3 by law), compared exactly.
* Tenderer representatives: who may be named (a verified user of the tenderer itself), that all
  are named before the draw, and whether one may chair the committee (configurable per domain:
  government procurement forbids it, 财库〔2012〕69号).
* Timing: the draw may not start before the bid deadline (the bidders — and so the avoidance
  list — are known only then), and per rule not earlier than N working days before the review.
* Avoidance (实施条例 Art. 46, 暂行规定 Art. 12, 财库〔2016〕198号): an expert is avoided when an
  employer, current or within the last 3 years, is a bidder; when employed by the tenderer or
  the agency; when suspended or barred on the evaluation day; when at or over the age limit (for
  procurement: must be under 70); plus manual additions with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

# Reason codes of the avoidance list (stored with each entry; labels for pages and the record).
BIDDER_EMPLOYER = "bidder_employer"
TENDERER_STAFF = "tenderer_staff"
AGENCY_STAFF = "agency_staff"
SUSPENDED = "suspended"
BARRED = "barred"
AGE = "age"
MANUAL = "manual"
REASON_LABELS = {
    BIDDER_EMPLOYER: "现在或近三年内在投标人处任职",
    TENDERER_STAFF: "招标人（采购人）的工作人员",
    AGENCY_STAFF: "代理机构的工作人员",
    SUSPENDED: "专家资格暂停",
    BARRED: "因违规被暂停抽取",
    AGE: "超过年龄上限",
    MANUAL: "手工回避",
}


# ---------------------------------------------------------------- committee size


@dataclass(frozen=True)
class SizeRule:
    name: str
    minimum: int
    odd: bool = True
    domains: frozenset[str] = frozenset()  # empty: any
    procedures: frozenset[str] = frozenset()  # empty: any
    budget_at_least: Decimal | None = None

    def matches(self, *, domain: str, procedure: str, budget: Decimal | None) -> bool:
        if self.domains and domain not in self.domains:
            return False
        if self.procedures and procedure not in self.procedures:
            return False
        return not (self.budget_at_least is not None and (budget is None or budget < self.budget_at_least))


def size_rules_from(data: Sequence[Mapping[str, Any]]) -> list[SizeRule]:
    return [
        SizeRule(
            name=str(r["name"]),
            minimum=int(r["minimum"]),
            odd=bool(r.get("odd", True)),
            domains=frozenset(r.get("domains", ())),
            procedures=frozenset(r.get("procedures", ())),
            budget_at_least=None if r.get("budget_at_least") is None else Decimal(str(r["budget_at_least"])),
        )
        for r in data
    ]


def size_rule_for(
    rules: Sequence[SizeRule], *, domain: str, procedure: str, budget: Decimal | None
) -> SizeRule:
    for rule in rules:
        if rule.matches(domain=domain, procedure=procedure, budget=budget):
            return rule
    return SizeRule("默认", 5)


CN_DIGITS = "零一二三四五六七八九十"


def share_from(value: object) -> Fraction:
    """A configured share ("2/3", "0.6", 2/3 as a Fraction) as an exact fraction in (0, 1]."""
    try:
        share = Fraction(str(value).strip()) if not isinstance(value, Fraction) else value
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a share: {value!r}") from None
    if not Fraction(0) < share <= Fraction(1):
        raise ValueError(f"a share must be in (0, 1]: {value!r}")
    return share


def share_label(share: Fraction) -> str:
    """2/3 → "三分之二" (the way the law writes it); other shares as digits."""
    if share.denominator <= 10 and share.numerator <= 10:
        if share == 1:
            return "全部"
        return f"{CN_DIGITS[share.denominator]}分之{CN_DIGITS[share.numerator]}"
    return f"{share.numerator}/{share.denominator}"


def composition_problems(
    *,
    experts: int,
    representatives: int,
    minimum: int,
    odd: bool = True,
    min_expert_share: Fraction = Fraction(2, 3),
    rule_name: str = "",
) -> list[str]:
    """Why a committee of ``experts`` drawn experts plus ``representatives`` tenderer
    representatives (招标人代表) is not allowed (empty: fine). 招标投标法 Art. 37 / 87号令 Art. 47:
    ``minimum`` or more members, an odd number when ``odd``, and the experts at least
    ``min_expert_share`` of all members — compared exactly (fractions), so 2 experts of 3 pass."""
    total = experts + representatives
    problems = []
    if experts < 1:
        problems.append("至少须抽取 1 名专家")
    if representatives < 0:
        problems.append("招标人代表人数不能为负数")
    if total < minimum:
        where = f"（{rule_name}）" if rule_name else ""
        problems.append(f"评标委员会不少于 {minimum} 人{where}，当前 {total} 人")
    if odd and total % 2 == 0:
        problems.append(f"评标委员会成员应为单数，当前 {total} 人")
    if total > 0 and representatives > 0 and Fraction(experts, total) < min_expert_share:
        label = share_label(min_expert_share)
        problems.append(
            f"技术、经济等方面的专家不得少于评标委员会成员总数的{label}："
            f"当前专家 {experts} 人、招标人代表 {representatives} 人，共 {total} 人"
        )
    return problems


def committee_problems(
    *,
    rule: SizeRule,
    drawn: int,
    representatives: int,
    min_expert_share: Fraction = Fraction(2, 3),
) -> list[str]:
    """Why a draw request of ``drawn`` experts plus ``representatives`` is not allowed under the
    size rule that applies to the section (empty: fine)."""
    return composition_problems(
        experts=drawn,
        representatives=representatives,
        minimum=rule.minimum,
        odd=rule.odd,
        min_expert_share=min_expert_share,
        rule_name=rule.name,
    )


# ---------------------------------------------------------------- tenderer representatives


@dataclass(frozen=True)
class RepresentativeFacts:
    """What the rules need to know about a user named as a tenderer representative."""

    user_id: int
    name: str  # the real name on the account (display name); empty: none
    is_active: bool
    organisation_id: int | None
    organisation_active: bool
    has_tenderer_role: bool
    identity_verified: bool  # the organisation holds a usable (bound, trusted, valid) certificate


def representative_problems(facts: RepresentativeFacts, *, tenderer_id: int) -> list[str]:
    """Why this user may not sit as the tenderer's representative (empty: may). Only an active
    user of the tenderer organisation itself, holding the tenderer role, with a real name on the
    account (it is printed in the report) and an organisation whose identity is verified by a
    usable certificate — an agency's staff are not the tenderer's representatives."""
    who = facts.name or f"用户 {facts.user_id}"
    problems = []
    if not facts.is_active:
        problems.append(f"“{who}”的账号已停用")
    if facts.organisation_id != tenderer_id:
        problems.append(f"“{who}”不是本项目招标人（采购人）单位的人员")
        return problems
    if not facts.organisation_active:
        problems.append(f"“{who}”所在单位已停用")
    if not facts.has_tenderer_role:
        problems.append(f"“{who}”没有招标人（采购人）角色")
    if not facts.name.strip():
        problems.append(f"“{who}”的账号未登记真实姓名")
    if not facts.identity_verified:
        problems.append(f"“{who}”所在单位尚未绑定有效的数字证书，身份未经核验")
    return problems


def representatives_named_problem(*, named: int, declared: int) -> str | None:
    """The draw may start only when every declared representative has been named."""
    if named != declared:
        return f"招标人代表人数为 {declared} 人，已指定 {named} 人：须指定全部招标人代表后方可抽取"
    return None


@dataclass(frozen=True)
class ChairRule:
    """Whether a tenderer representative may be elected chair (评标委员会主任/组长)."""

    allowed: bool
    basis: str = ""
    domains: frozenset[str] = frozenset()  # empty: any


def chair_rules_from(data: Sequence[Mapping[str, Any]]) -> list[ChairRule]:
    return [
        ChairRule(
            allowed=bool(r["allowed"]),
            basis=str(r.get("basis", "")),
            domains=frozenset(r.get("domains", ())),
        )
        for r in data
    ]


def representative_chair_problem(rules: Sequence[ChairRule], *, domain: str) -> str | None:
    """Why a representative may not be chair in this domain (None: may). First match wins; no
    matching rule allows it."""
    for rule in rules:
        if rule.domains and domain not in rule.domains:
            continue
        if rule.allowed:
            return None
        basis = f"（{rule.basis}）" if rule.basis else ""
        return f"招标人代表不得担任评标委员会主任{basis}，请从评标专家中推选"
    return None


# ---------------------------------------------------------------- timing


class Calendar(Protocol):
    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


@dataclass(frozen=True)
class TimingRule:
    name: str
    earliest_working_days_before: int
    domains: frozenset[str] = frozenset()
    except_procedures: frozenset[str] = frozenset()

    def matches(self, *, domain: str, procedure: str) -> bool:
        if self.domains and domain not in self.domains:
            return False
        return procedure not in self.except_procedures


def timing_rules_from(data: Sequence[Mapping[str, Any]]) -> list[TimingRule]:
    return [
        TimingRule(
            name=str(r["name"]),
            earliest_working_days_before=int(r["earliest_working_days_before"]),
            domains=frozenset(r.get("domains", ())),
            except_procedures=frozenset(r.get("except_procedures", ())),
        )
        for r in data
    ]


def timing_problem(
    *,
    rules: Sequence[TimingRule],
    domain: str,
    procedure: str,
    now: dt.datetime,
    today: dt.date,
    bid_deadline: dt.datetime | None,
    evaluation_at: dt.datetime,
    evaluation_day: dt.date,
    calendar: Calendar | None,
) -> str | None:
    """Why the draw may not start now (None: it may)."""
    if bid_deadline is None or now < bid_deadline:
        return "投标截止时间前不能抽取专家：投标人尚未确定，无法生成回避名单"
    if evaluation_at <= now:
        return "评标时间已过，不能再抽取专家"
    for rule in rules:
        if not rule.matches(domain=domain, procedure=procedure):
            continue
        if calendar is None:  # pragma: no cover - services always pass one when a rule applies
            raise ValueError("a timing rule needs a working-day calendar")
        before = calendar.working_days_between(today, evaluation_day)
        if before > rule.earliest_working_days_before:
            return (
                f"抽取时间过早：{rule.name}规定评审前 "
                f"{rule.earliest_working_days_before} 个工作日内方可抽取，"
                f"距评审还有 {before} 个工作日"
            )
    return None


# ---------------------------------------------------------------- avoidance


@dataclass(frozen=True)
class Employment:
    expert_id: int
    organisation_id: int
    start: dt.date | None
    end: dt.date | None  # None: still employed


@dataclass(frozen=True)
class StatusFact:
    expert_id: int
    status: str  # the Expert.status value
    barred_until: dt.date | None = None
    birth_date: dt.date | None = None


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def build_avoidance(
    *,
    employments: Iterable[Employment],
    facts: Iterable[StatusFact],
    bidder_ids: Iterable[int],
    tenderer_id: int | None,
    agency_id: int | None,
    evaluation_day: dt.date,
    lookback_years: int = 3,
    age_limit: int | None = None,
    barred_ids: Iterable[int] = (),
    manual: Mapping[int, str] | None = None,
) -> dict[int, list[str]]:
    """expert id → sorted reason codes. Only experts with a reason appear.

    ``employments`` may be all rows or only those of the bidders, tenderer and agency; ``facts``
    all experts or only those suspended, barred or old enough — the answer is the same."""
    reasons: dict[int, set[str]] = {}

    def add(expert_id: int, reason: str) -> None:
        reasons.setdefault(int(expert_id), set()).add(reason)

    bidders = set(bidder_ids)
    since = years_before(evaluation_day, lookback_years)
    for e in employments:
        current = (e.start is None or e.start <= evaluation_day) and (
            e.end is None or e.end >= evaluation_day
        )
        recent = (e.end is None or e.end >= since) and (e.start is None or e.start <= evaluation_day)
        if e.organisation_id in bidders and recent:
            add(e.expert_id, BIDDER_EMPLOYER)
        if tenderer_id is not None and e.organisation_id == tenderer_id and current:
            add(e.expert_id, TENDERER_STAFF)
        if agency_id is not None and e.organisation_id == agency_id and current:
            add(e.expert_id, AGENCY_STAFF)
    for f in facts:
        if f.status == "suspended":
            add(f.expert_id, SUSPENDED)
        if f.barred_until is not None and f.barred_until >= evaluation_day:
            add(f.expert_id, BARRED)
        if (
            age_limit is not None
            and f.birth_date is not None
            and age_on(f.birth_date, evaluation_day) >= age_limit
        ):
            add(f.expert_id, AGE)
    for expert_id in barred_ids:
        add(expert_id, BARRED)
    for expert_id in manual or {}:
        add(expert_id, MANUAL)
    return {k: sorted(v) for k, v in sorted(reasons.items())}


def age_limit_for(rules: Sequence[Mapping[str, Any]], *, domain: str) -> int | None:
    for r in rules:
        if not r.get("domains") or domain in r["domains"]:
            return int(r["under"])
    return None
