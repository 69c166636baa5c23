"""Publicity and reply periods after evaluation. Pure: no database; the official calendar (2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.core.workdays import WorkCalendar
from ggzy.evaluation import periods

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def test_candidate_publicity_on_time_and_long_enough() -> None:
    # Report received 2026-11-20: publicity must start by 11-23 and last ≥ 3 × 24 h.
    assert periods.candidate_notice_due(dt.date(2026, 11, 20)) == dt.date(2026, 11, 23)
    periods.check_candidate_publicity(
        report_received_on=dt.date(2026, 11, 20), starts_at=at(23), ends_at=at(26)
    )
    assert periods.publicity_min_end(at(23)) == at(26)


def test_publicity_shorter_than_three_days_is_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        periods.check_candidate_publicity(
            report_received_on=dt.date(2026, 11, 20), starts_at=at(23), ends_at=at(26, hour=8)
        )
    assert "不得少于 3 日" in exc.value.message and "ends_at" in exc.value.fields


def test_publicity_starting_late_or_early_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="3 日内发布"):
        periods.check_candidate_publicity(
            report_received_on=dt.date(2026, 11, 20), starts_at=at(24), ends_at=at(28)
        )
    with pytest.raises(ValidationFailed, match="不能早于"):
        periods.check_candidate_publicity(
            report_received_on=dt.date(2026, 11, 20), starts_at=at(19), ends_at=at(23)
        )


def test_days_are_beijing_days_whatever_the_timezone_of_the_moment() -> None:
    # 07:00 Beijing on the day the report arrives is 23:00 UTC the day before: same day, allowed.
    early_utc = at(20, hour=7).astimezone(dt.UTC)
    assert early_utc.date() == dt.date(2026, 11, 19)
    periods.check_candidate_publicity(
        report_received_on=dt.date(2026, 11, 20),
        starts_at=early_utc,
        ends_at=early_utc + dt.timedelta(days=3),
    )
    # 01:00 Beijing on 24 November (17:00 UTC on the 23rd) is a day late.
    late_utc = at(24, hour=1).astimezone(dt.UTC)
    with pytest.raises(ValidationFailed, match="3 日内发布"):
        periods.check_candidate_publicity(
            report_received_on=dt.date(2026, 11, 20),
            starts_at=late_utc,
            ends_at=late_utc + dt.timedelta(days=4),
        )


def test_period_lengths_are_parameters() -> None:
    five = periods.PeriodRules(candidate_publicity_min_days=5)
    with pytest.raises(ValidationFailed, match="不得少于 5 日"):
        periods.check_candidate_publicity(
            report_received_on=dt.date(2026, 11, 20), starts_at=at(23), ends_at=at(26), rules=five
        )


def test_objections_during_publicity_reply_and_pause() -> None:
    periods.check_objection_filed(filed_at=at(24), starts_at=at(23), ends_at=at(26))
    with pytest.raises(ValidationFailed, match="公示期间"):
        periods.check_objection_filed(filed_at=at(26, hour=10), starts_at=at(23), ends_at=at(26))
    assert periods.objection_reply_due(dt.date(2026, 11, 24)) == dt.date(2026, 11, 27)
    assert periods.is_paused(1) and not periods.is_paused(0)


def test_award_only_after_publicity_and_without_open_objection() -> None:
    with pytest.raises(InvalidTransition, match="异议"):
        periods.check_award_allowed(now=at(27), publicity_ends_at=at(26), open_objections=1)
    with pytest.raises(InvalidTransition, match="公示期内"):
        periods.check_award_allowed(now=at(25), publicity_ends_at=at(26), open_objections=0)
    periods.check_award_allowed(now=at(26), publicity_ends_at=at(26), open_objections=0)


def test_procurement_result_announcement_in_working_days() -> None:
    # Winner determined Tue 2026-09-29. Working days after it: Wed 09-30 (1), then the National Day
    # holiday 10-01..10-07, Thu 10-08 (2) → due 10-08. Published 10-08, it must run to 10-09.
    cal = WorkCalendar()
    assert periods.result_announcement_due(dt.date(2026, 9, 29), cal) == dt.date(2026, 10, 8)
    periods.check_result_announcement(
        winner_determined_on=dt.date(2026, 9, 29),
        published_on=dt.date(2026, 10, 8),
        ends_on=dt.date(2026, 10, 9),
        calendar=cal,
    )
    with pytest.raises(ValidationFailed, match="2 个工作日内"):
        periods.check_result_announcement(
            winner_determined_on=dt.date(2026, 9, 29),
            published_on=dt.date(2026, 10, 9),
            ends_on=dt.date(2026, 10, 12),
            calendar=cal,
        )
    with pytest.raises(ValidationFailed, match="不得少于 1 个工作日"):
        periods.check_result_announcement(
            winner_determined_on=dt.date(2026, 9, 29),
            published_on=dt.date(2026, 9, 30),
            ends_on=dt.date(2026, 9, 30),
            calendar=cal,
        )
    with pytest.raises(ValidationFailed, match="不能早于"):
        periods.check_result_announcement(
            winner_determined_on=dt.date(2026, 9, 29),
            published_on=dt.date(2026, 9, 28),
            ends_on=dt.date(2026, 10, 9),
            calendar=cal,
        )


def test_other_periods() -> None:
    cal = WorkCalendar()
    # Evaluation ends Fri 2026-11-27: +2 working days = Tue 12-01; confirm +5 = Fri 12-04 from 11-27.
    assert periods.report_to_purchaser_due(dt.date(2026, 11, 27), cal) == dt.date(2026, 12, 1)
    assert periods.purchaser_confirm_due(dt.date(2026, 11, 27), cal) == dt.date(2026, 12, 4)
    assert periods.media_exchange_due(at(23, hour=20)) == at(24, hour=8)
    assert periods.contract_due(dt.date(2026, 11, 1)) == dt.date(2026, 12, 1)
