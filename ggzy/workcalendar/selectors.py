"""The calendar in force: package data plus this database's overrides."""

from __future__ import annotations

from ggzy.core.workdays import WorkCalendar
from ggzy.workcalendar.models import CalendarYear, DayOverride


def work_calendar() -> WorkCalendar:
    """Built per call: two small queries, so an override entered by staff applies at once."""
    overrides = dict(DayOverride.objects.values_list("date", "is_working_day"))
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return WorkCalendar(overrides=overrides, extra_years=years)
