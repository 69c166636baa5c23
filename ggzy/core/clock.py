"""The only place that reads the wall clock.

Services take ``clock: Clock`` (default :data:`system_clock`) so tests can move time without
patching. All datetimes are aware and in UTC; they are shown in Asia/Shanghai by templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(tz=dt.UTC)


@dataclass
class FixedClock:
    """A clock for tests and replays: returns ``at`` until moved."""

    at: dt.datetime = field(default_factory=lambda: dt.datetime(2021, 6, 1, 2, 0, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at = self.at + dt.timedelta(**kwargs)


system_clock: Clock = SystemClock()


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date in Shanghai of an aware datetime (what a person in the center would say)."""
    return moment.astimezone(SHANGHAI).date()
