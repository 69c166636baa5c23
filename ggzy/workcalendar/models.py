from __future__ import annotations

from django.db import models


class CalendarYear(models.Model):
    """A year entered by hand from the State Council's 节假日安排 notice.

    Once a year exists here, its weekdays count as working days except where a
    :class:`DayOverride` says otherwise. Years the ``chinesecalendar`` package covers need no row.
    """

    year = models.PositiveSmallIntegerField(unique=True)
    source = models.CharField("依据", max_length=300, help_text="如：国办发明电〔2026〕X号")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "手工录入年份"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return str(self.year)


class DayOverride(models.Model):
    """One date whose status differs from the default: a holiday, or a 调休 make-up working day."""

    date = models.DateField(unique=True)
    is_working_day = models.BooleanField("是否工作日")
    note = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日调整"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '休息'}"
