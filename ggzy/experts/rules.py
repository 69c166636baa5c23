"""The rules of a draw request as data and their checks: committee size, timing and avoidance.
Pure: no Django. The rule tables come from ``experts.config`` (defaults overridable through the
``GGZY_EXPERTS`` setting); the services pass them in.

* Committee size (招标投标法 Art. 37, 87号令 Art. 47, 财库〔2016〕198号): an ordered list of rules,
  the **first** whose conditions match the section applies — e.g. procurement with a budget of at
  least 10 million needs 7+, negotiation/consultation/inquiry 3+, everything else 5+; all odd.
  Tenderer representatives count towards the committee and may fill at most one third of it
  (technical and economic experts ≥ 2/3).
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


def committee_problems(
    *, rule: SizeRule, drawn: int, representatives: int, max_representative_share: Decimal = Decimal(1) / 3
) -> list[str]:
    """Why a committee of ``drawn`` experts plus ``representatives`` is not allowed (empty: fine)."""
    total = drawn + representatives
    problems = []
    if drawn < 1:
        problems.append("至少须抽取 1 名专家")
    if representatives < 0:
        problems.append("招标人代表人数不能为负数")
    if total < rule.minimum:
        problems.append(f"评标委员会不少于 {rule.minimum} 人（{rule.name}），当前 {total} 人")
    if rule.odd and total % 2 == 0:
        problems.append(f"评标委员会成员应为单数，当前 {total} 人")
    if total and Decimal(representatives) > Decimal(total) * max_representative_share:
        problems.append(
            "招标人代表不得超过评标委员会成员总数的三分之一（技术、经济等方面专家不少于三分之二）"
        )
    return problems


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
