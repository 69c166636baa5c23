"""Working-day arithmetic with official holidays and 调休 make-up working days. Pure: no Django.

Day 0 is the start date itself; "N working days after" counts the working days strictly after it.
A date whose year the calendar does not cover raises :class:`CalendarDataMissing` — a statutory
deadline computed from a guess is worse than no deadline.

The calendar is a :class:`WorkCalendar`: the ``chinesecalendar`` package's official data, overlaid
by explicit overrides (the admin-editable table in ``ggzy.workcalendar``) and by whole years
entered by hand when the State Council publishes them before the package does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import chinese_calendar

from ggzy.core.errors import CalendarDataMissing

ONE_DAY = dt.timedelta(days=1)


def _package_years() -> frozenset[int]:
    years = {d.year for d in chinese_calendar.constants.holidays} | {
        d.year for d in chinese_calendar.constants.workdays
    }
    return frozenset(years)


PACKAGE_YEARS = _package_years()


@dataclass(frozen=True)
class WorkCalendar:
    """Answers "is this date a working day?" for the covered years.

    ``overrides`` maps a date to True (working day, e.g. 调休 Saturday) or False (holiday).
    ``extra_years`` are years fully entered by hand: weekdays work unless overridden.
    """

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    extra_years: frozenset[int] = frozenset()
    # Memo of answers: the package's lookup costs tens of µs per call and deadline lists ask the
    # same few hundred days again and again. Not part of equality or repr.
    _memo: dict[dt.date, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def years(self) -> frozenset[int]:
        return PACKAGE_YEARS | self.extra_years

    def covers(self, day: dt.date) -> bool:
        return day.year in self.years

    def is_working_day(self, day: dt.date) -> bool:
        answer = self._memo.get(day)
        if answer is None:
            answer = self._memo[day] = self._lookup(day)
        return answer

    def _lookup(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day))
        if day.year in self.extra_years:
            return day.weekday() < 5
        raise CalendarDataMissing(
            f"工作日历缺少 {day.year} 年的数据，请在“节假日调整”中录入国务院办公厅公布的当年放假安排后再试",
            fields={"date": day.isoformat()},
        )

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date that is ``days`` working days after ``start`` (day 0). ``days`` ≥ 0."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day, counted = start, 0
        if not self.covers(start):
            self.is_working_day(start)  # raises with the clear message
        while counted < days:
            day += ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]: how many have elapsed on ``end`` since day 0 ``start``.

        Negative when ``end`` is before ``start`` (days remaining, counted the other way).
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def working_days(self, start: dt.date, end: dt.date) -> Iterable[dt.date]:
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += ONE_DAY


DEFAULT_CALENDAR = WorkCalendar()
