"""Publicity and reply periods after evaluation, as pure checks. Pure: no Django.

Sources (trading-rules.md §4–5; numbers are :class:`PeriodRules` parameters, never constants):

* 《招标投标法实施条例》 Art. 54: the 中标候选人公示 starts within **3 days** of receiving the
  evaluation report and lasts **≥ 3 days**; objections to the result are raised during the
  publicity, answered within **3 days** of receipt, and the process is paused until answered.
* 87号令 Art. 68 [verify]: the report reaches the purchaser within 2 working days; the purchaser
  confirms the winner within 5 working days of receiving it.
* 87号令 Art. 69 / 政府采购法实施条例 Art. 43: the procurement result announcement is published
  within **2 working days** of the winner being determined and shown for **1 working day**.
* 《公共资源交易平台管理暂行办法》 Art. 11–12 (per §5): exchanged to the public media within
  **12 hours**.
* 招标投标法 Art. 46 / 87号令 Art. 71: the contract within 30 days of the award letter.

Day counting follows 民法典 Art. 201: the day of the event is day 0, "within N days" ends at the end
of day N. Working days use :class:`ggzy.core.workdays.WorkCalendar` (passed in).
Publicity lengths compare datetimes: "≥ 3 days" means ``ends_at − starts_at ≥ 3 × 24 h``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ggzy.core.clock import local_date
from ggzy.core.errors import InvalidTransition, ValidationFailed


class Calendar(Protocol):
    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...


@dataclass(frozen=True)
class PeriodRules:
    candidate_notice_within_days: int = 3
    candidate_publicity_min_days: int = 3
    objection_reply_days: int = 3
    report_to_purchaser_working_days: int = 2  # [verify] 87号令 Art. 68
    purchaser_confirm_working_days: int = 5  # [verify] 87号令 Art. 68
    result_announcement_within_working_days: int = 2
    result_announcement_min_working_days: int = 1
    media_exchange_hours: int = 12
    contract_within_days: int = 30


DEFAULT_PERIODS = PeriodRules()


def _fail(message: str, field_name: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: message})


def candidate_notice_due(report_received_on: dt.date, rules: PeriodRules = DEFAULT_PERIODS) -> dt.date:
    """The last day the candidate publicity may start."""
    return report_received_on + dt.timedelta(days=rules.candidate_notice_within_days)


def check_candidate_publicity(
    *,
    report_received_on: dt.date,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    rules: PeriodRules = DEFAULT_PERIODS,
) -> None:
    """Refuse a candidate notice that starts late or is public for less than the minimum. Days are
    Beijing calendar days: a notice at 07:00 Beijing time is 23:00 UTC of the day before."""
    starts_on = local_date(starts_at)
    if starts_on < report_received_on:
        raise _fail("中标候选人公示不能早于收到评标报告之日。", "starts_at")
    due = candidate_notice_due(report_received_on, rules)
    if starts_on > due:
        raise _fail(
            f"中标候选人公示须在收到评标报告之日起 {rules.candidate_notice_within_days} 日内发布"
            f"（最迟 {due:%Y-%m-%d}）。",
            "starts_at",
        )
    minimum = dt.timedelta(days=rules.candidate_publicity_min_days)
    if ends_at - starts_at < minimum:
        raise _fail(f"中标候选人公示期不得少于 {rules.candidate_publicity_min_days} 日。", "ends_at")


def publicity_min_end(starts_at: dt.datetime, rules: PeriodRules = DEFAULT_PERIODS) -> dt.datetime:
    return starts_at + dt.timedelta(days=rules.candidate_publicity_min_days)


def check_objection_filed(*, filed_at: dt.datetime, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    """Objections to the evaluation result are raised during the publicity (实施条例 Art. 54)."""
    if not starts_at <= filed_at <= ends_at:
        raise _fail("对评标结果的异议须在中标候选人公示期间提出。", "filed_at")


def objection_reply_due(received_on: dt.date, rules: PeriodRules = DEFAULT_PERIODS) -> dt.date:
    return received_on + dt.timedelta(days=rules.objection_reply_days)


def is_paused(open_objections: int) -> bool:
    """An unanswered objection pauses the tendering process (实施条例 Art. 54)."""
    return open_objections > 0


def check_award_allowed(*, now: dt.datetime, publicity_ends_at: dt.datetime, open_objections: int) -> None:
    """The tenderer confirms the winner only after the publicity, with no objection unanswered."""
    if is_paused(open_objections):
        raise InvalidTransition("存在尚未答复的异议，招标投标活动暂停，不能确定中标人。")
    if now < publicity_ends_at:
        raise InvalidTransition(
            f"中标候选人公示期至 {publicity_ends_at:%Y-%m-%d %H:%M} 结束，公示期内不能确定中标人。"
        )


def report_to_purchaser_due(
    evaluation_ended_on: dt.date, calendar: Calendar, rules: PeriodRules = DEFAULT_PERIODS
) -> dt.date:
    return calendar.add_working_days(evaluation_ended_on, rules.report_to_purchaser_working_days)


def purchaser_confirm_due(
    report_received_on: dt.date, calendar: Calendar, rules: PeriodRules = DEFAULT_PERIODS
) -> dt.date:
    return calendar.add_working_days(report_received_on, rules.purchaser_confirm_working_days)


def result_announcement_due(
    winner_determined_on: dt.date, calendar: Calendar, rules: PeriodRules = DEFAULT_PERIODS
) -> dt.date:
    return calendar.add_working_days(winner_determined_on, rules.result_announcement_within_working_days)


def check_result_announcement(
    *,
    winner_determined_on: dt.date,
    published_on: dt.date,
    ends_on: dt.date,
    calendar: Calendar,
    rules: PeriodRules = DEFAULT_PERIODS,
) -> None:
    """Procurement result announcement: on time, and shown for at least the minimum working days
    (the announcement shown through ``ends_on``; day 0 is the publication day)."""
    due = result_announcement_due(winner_determined_on, calendar, rules)
    if published_on < winner_determined_on:
        raise _fail("中标（成交）结果公告不能早于确定中标人之日。", "published_on")
    if published_on > due:
        raise _fail(
            f"中标（成交）结果须在确定之日起 {rules.result_announcement_within_working_days} 个工作日内公告"
            f"（最迟 {due:%Y-%m-%d}）。",
            "published_on",
        )
    minimum_end = calendar.add_working_days(published_on, rules.result_announcement_min_working_days)
    if ends_on < minimum_end:
        raise _fail(
            f"中标（成交）结果公告期限不得少于 {rules.result_announcement_min_working_days} 个工作日"
            f"（至少至 {minimum_end:%Y-%m-%d}）。",
            "ends_on",
        )


def media_exchange_due(published_at: dt.datetime, rules: PeriodRules = DEFAULT_PERIODS) -> dt.datetime:
    return published_at + dt.timedelta(hours=rules.media_exchange_hours)


def contract_due(award_letter_on: dt.date, rules: PeriodRules = DEFAULT_PERIODS) -> dt.date:
    return award_letter_on + dt.timedelta(days=rules.contract_within_days)
