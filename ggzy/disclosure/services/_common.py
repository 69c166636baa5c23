"""What every disclosure service shares: permission, locking, the transition check, date checks,
the clock fold and the audit call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, local_date
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.core.workdays import WorkCalendar
from ggzy.disclosure import deadlines, workflow
from ggzy.disclosure.config import disclosure_rules
from ggzy.disclosure.models import ClockEvent, DisclosureRequest
from ggzy.workcalendar.selectors import work_calendar

HANDLING_ROLES: tuple[str, ...] = (Role.DISCLOSURE_OFFICER, Role.DISCLOSURE_HEAD)


def require_handler(actor: User | None) -> User:
    if (
        actor is None
        or not actor.is_active
        or not actor.has_role(*HANDLING_ROLES)
        or not actor.is_center_staff
    ):
        raise PermissionDenied("只有本中心的信息公开工作人员（经办人或负责人）可以办理政府信息公开申请")
    return actor


def lock(request: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.select_for_update().get(pk=request.pk)


def transition(name: str, request: DisclosureRequest) -> str:
    """The status after ``name``; raises with the legal reason when the status does not allow it."""
    try:
        workflow.ensure_allowed(name, request.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    return workflow.target(name, request.status)


def today(clock: Clock) -> dt.date:
    return local_date(clock.now())


def check_day(
    day: dt.date,
    *,
    calendar: WorkCalendar,
    clock: Clock,
    label: str,
    field: str,
    not_before: dt.date | None = None,
    not_before_label: str = "",
) -> dt.date:
    """A date staff typed: inside the calendar, not in the future, not before ``not_before``."""
    calendar.is_working_day(day)  # a year nobody entered fails loudly (CalendarDataMissing)
    if day > today(clock):
        raise ValidationFailed(f"{label}（{day.isoformat()}）不能晚于今天", fields={field: "不能晚于今天"})
    if not_before is not None and day < not_before:
        raise ValidationFailed(
            f"{label}（{day.isoformat()}）不能早于{not_before_label}（{not_before.isoformat()}）",
            fields={field: f"不能早于{not_before_label}"},
        )
    return day


def events_of(request: DisclosureRequest) -> list[deadlines.Event]:
    rows = (
        ClockEvent.objects.filter(request=request).order_by("pk").values_list("kind", "on", "days", "until")
    )
    return [deadlines.Event(kind=k, on=on, days=days, until=until) for k, on, days, until in rows]


def refresh_due(request: DisclosureRequest, calendar: WorkCalendar) -> deadlines.ClockState:
    """Fold the clock events into ``request.due_date`` (the caller saves)."""
    state = deadlines.fold(events_of(request), calendar, disclosure_rules())
    request.due_date = state.due
    return state


def add_event(
    request: DisclosureRequest, *, kind: str, on: dt.date, actor: User | None, **fields: Any
) -> ClockEvent:
    return ClockEvent.objects.create(request=request, kind=kind, on=on, recorded_by=actor, **fields)


def audit(target: Model, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=action, target=target, data=data, clock=clock)


def audit_event(*, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    """An audit event about no single row (e.g. a key rotation batch)."""
    audit_record(actor=actor, action=action, target=None, data=data, clock=clock)


def calendar() -> WorkCalendar:
    return work_calendar()
