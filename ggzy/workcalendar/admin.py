from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.workcalendar import services
from ggzy.workcalendar.models import CalendarYear, DayOverride


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin[CalendarYear]):
    list_display = ["year", "source", "created_at"]


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin[DayOverride]):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"

    def save_model(self, request: HttpRequest, obj: DayOverride, form: Any, change: bool) -> None:
        # Through the service, so the edit lands in the audit chain like every other change.
        services.day_override_set(
            actor=request.user,  # type: ignore[arg-type]
            date=obj.date,
            is_working_day=obj.is_working_day,
            note=obj.note,
        )
