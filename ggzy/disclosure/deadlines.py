"""The reply clock of one application, kept as an event log and folded into a due date.
Pure: no Django. The working-day calendar is passed in (``ggzy.core.workdays.WorkCalendar``).

Rules (条例 2019):
- Art. 31: the receipt date is day 0; the period counts working days strictly after it.
- Art. 33 ¶1: reply within ``reply_days`` (20) working days of receipt.
- Art. 30: a 补正 notice (once, within ``amendment_window_days`` = 7 working days of receipt) stops
  the clock; the period starts again from the day the 补正 is received (that day is the new day 0).
- Art. 33 ¶3 (with Arts. 32, 34): time consulting a third party or another agency is not counted.
  A consultation started on day S and ended on day E excludes the working days in (S, E].
- Art. 33 ¶2: an extension adds at most ``max_extension_days`` (20) working days.
- Art. 35: a later reasonable deadline replaces the due date when it is later.
- Fee notice → payment: excluded like a consultation when ``fee_pauses_clock`` **[verify]** (the
  办法's Arts. 6 ff. were not retrievable; see docs/adr/0010-disclosure-clock.md).

While a pause is open or a 补正 is awaited the due date is unknown (``None``): it is not running.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

ONE_DAY = dt.timedelta(days=1)

RECEIVED = "received"
AMENDMENT_REQUESTED = "amendment_requested"
AMENDMENT_RECEIVED = "amendment_received"
CONSULTATION_STARTED = "consultation_started"
CONSULTATION_ENDED = "consultation_ended"
EXTENSION = "extension"
LATER_DEADLINE = "later_deadline"
FEE_NOTICE = "fee_notice"
FEE_PAID = "fee_paid"

EVENT_KINDS = (
    RECEIVED,
    AMENDMENT_REQUESTED,
    AMENDMENT_RECEIVED,
    CONSULTATION_STARTED,
    CONSULTATION_ENDED,
    EXTENSION,
    LATER_DEADLINE,
    FEE_NOTICE,
    FEE_PAID,
)


class Calendar(Protocol):
    def is_working_day(self, day: dt.date) -> bool: ...

    def add_working_days(self, start: dt.date, days: int) -> dt.date: ...

    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


@dataclass(frozen=True)
class Rules:
    """The statutory numbers, configurable (``ggzy.disclosure.config``) and shown in the 指南."""

    reply_days: int = 20
    max_extension_days: int = 20
    amendment_window_days: int = 7
    consultation_days: int = 15
    fee_pauses_clock: bool = True  # [verify] 国办函〔2020〕109号 Arts. 6 ff.
    fee_payment_days: int = 20  # [verify] working days after the fee notice
    reminder_days: tuple[int, ...] = (5, 1)


DEFAULT_RULES = Rules()


@dataclass(frozen=True)
class Event:
    kind: str
    on: dt.date
    days: int = 0
    until: dt.date | None = None


@dataclass(frozen=True)
class ClockState:
    start: dt.date | None = None  # the current day 0
    due: dt.date | None = None
    awaiting_amendment: bool = False
    amendment_requested: bool = False
    amendment_deadline: dt.date | None = None
    paused_since: dt.date | None = None
    extension_days: int = 0
    later_deadline: dt.date | None = None
    pauses: tuple[tuple[dt.date, dt.date | None], ...] = field(default_factory=tuple)

    @property
    def running(self) -> bool:
        return self.due is not None


def _pause_kind(kind: str, rules: Rules) -> str | None:
    if kind in (CONSULTATION_STARTED, CONSULTATION_ENDED):
        return "consultation"
    if kind in (FEE_NOTICE, FEE_PAID) and rules.fee_pauses_clock:
        return "fee"
    return None


def fold(events: Iterable[Event], calendar: Calendar, rules: Rules = DEFAULT_RULES) -> ClockState:
    """The clock's state after ``events`` (in the order they happened)."""
    start: dt.date | None = None
    awaiting = requested = False
    amendment_deadline: dt.date | None = None
    extension = 0
    later: dt.date | None = None
    closed_pauses: list[tuple[dt.date, dt.date]] = []
    open_pauses: dict[str, dt.date] = {}
    for event in events:
        kind = event.kind
        if kind == RECEIVED:
            start = event.on
        elif kind == AMENDMENT_REQUESTED:
            requested = awaiting = True
            amendment_deadline = event.until
        elif kind == AMENDMENT_RECEIVED:
            # Art. 30: the period runs afresh from the day the 补正 is received.
            awaiting = False
            start = event.on
            closed_pauses.clear()
            later = None
        elif kind == EXTENSION:
            extension += event.days
        elif kind == LATER_DEADLINE:
            later = event.until
        else:
            pause = _pause_kind(kind, rules)
            if pause is None:
                continue
            if kind in (CONSULTATION_STARTED, FEE_NOTICE):
                open_pauses.setdefault(pause, event.on)
            elif pause in open_pauses:
                closed_pauses.append((open_pauses.pop(pause), event.on))
    paused_since = min(open_pauses.values()) if open_pauses else None
    due: dt.date | None = None
    if start is not None and not awaiting and paused_since is None:
        due = due_date(start, rules.reply_days + extension, calendar, pauses=closed_pauses)
        if later is not None and later > due:
            due = later
    pauses = tuple(closed_pauses) + tuple((s, None) for s in open_pauses.values())
    return ClockState(
        start=start,
        due=due,
        awaiting_amendment=awaiting,
        amendment_requested=requested,
        amendment_deadline=amendment_deadline,
        paused_since=paused_since,
        extension_days=extension,
        later_deadline=later,
        pauses=pauses,
    )


def due_date(
    start: dt.date,
    days: int,
    calendar: Calendar,
    *,
    pauses: Iterable[tuple[dt.date, dt.date]] = (),
) -> dt.date:
    """``days`` counted working days after day 0 ``start``, skipping working days in each pause
    (S, E]."""
    spans = [(s, e) for s, e in pauses if e > s]
    if not spans:
        return calendar.add_working_days(start, days)
    day, counted = start, 0
    while counted < days:
        day += ONE_DAY
        if calendar.is_working_day(day) and not any(s < day <= e for s, e in spans):
            counted += 1
    return day


def working_days_left(due: dt.date, today: dt.date, calendar: Calendar) -> int:
    """Working days from ``today`` to ``due``: 0 on the due date, negative once overdue."""
    return calendar.working_days_between(today, due)


def amendment_window_end(received: dt.date, calendar: Calendar, rules: Rules = DEFAULT_RULES) -> dt.date:
    """The last day a 补正 notice may be given (Art. 30: within 7 working days of receipt)."""
    return calendar.add_working_days(received, rules.amendment_window_days)


def consultation_answer_deadline(sent: dt.date, calendar: Calendar, rules: Rules = DEFAULT_RULES) -> dt.date:
    """Arts. 32/34: the consulted party answers within 15 working days."""
    return calendar.add_working_days(sent, rules.consultation_days)


def fee_payment_deadline(issued: dt.date, calendar: Calendar, rules: Rules = DEFAULT_RULES) -> dt.date:
    return calendar.add_working_days(issued, rules.fee_payment_days)
