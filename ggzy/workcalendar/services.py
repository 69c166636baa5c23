"""Writes to the calendar tables. Every edit is audited: it moves statutory deadlines."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.errors import ValidationFailed
from ggzy.workcalendar.models import CalendarYear, DayOverride


@transaction.atomic
def calendar_year_enter(
    *, actor: User | None, year: int, source: str, holidays: list[dt.date], makeup_days: list[dt.date]
) -> CalendarYear:
    """Enter a whole year from the official notice: its holidays and its 调休 working days."""
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年份超出范围（2000–2100）", fields={"year": str(year)})
    if not source.strip():
        raise ValidationFailed(
            "请填写依据文件（国务院办公厅关于节假日安排的通知文号）", fields={"source": ""}
        )
    stray = [d for d in [*holidays, *makeup_days] if d.year != year]
    if stray:
        raise ValidationFailed(f"日期不属于 {year} 年：{stray[0].isoformat()}")
    both = set(holidays) & set(makeup_days)
    if both:
        raise ValidationFailed(f"同一天不能既放假又上班：{min(both).isoformat()}")
    entry, _ = CalendarYear.objects.update_or_create(year=year, defaults={"source": source.strip()})
    for day in holidays:
        DayOverride.objects.update_or_create(
            date=day, defaults={"is_working_day": False, "note": "法定节假日"}
        )
    for day in makeup_days:
        DayOverride.objects.update_or_create(date=day, defaults={"is_working_day": True, "note": "调休上班"})
    audit_record(
        actor=actor,
        action="calendar.year_enter",
        target=entry,
        data={
            "year": year,
            "source": source.strip(),
            "holidays": sorted(d.isoformat() for d in holidays),
            "makeup_days": sorted(d.isoformat() for d in makeup_days),
        },
    )
    return entry


@transaction.atomic
def day_override_set(
    *, actor: User | None, date: dt.date, is_working_day: bool, note: str = ""
) -> DayOverride:
    """Declare one date a working day or a holiday, overriding the package data."""
    before = DayOverride.objects.filter(date=date).values("is_working_day", "note").first()
    override, _ = DayOverride.objects.update_or_create(
        date=date, defaults={"is_working_day": is_working_day, "note": note[:100]}
    )
    audit_record(
        actor=actor,
        action="calendar.day_override",
        target=override,
        data={
            "date": date.isoformat(),
            "before": before,
            "after": {"is_working_day": is_working_day, "note": note},
        },
    )
    return override
