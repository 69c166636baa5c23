"""What every trading service shares: the transition check, locking and the audit call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model

from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, local_date
from ggzy.core.errors import InvalidTransition
from ggzy.trading import workflow
from ggzy.trading.models import Section


def today(clock: Clock) -> dt.date:
    return local_date(clock.now())


def transition(name: str, section: Section) -> str:
    """The status after ``name``; raises the Chinese reason when the status does not allow it."""
    try:
        workflow.ensure_allowed(name, section.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    return workflow.target(name, section.status)


def lock_section(section: Section) -> Section:
    return Section.objects.select_for_update().select_related("tender_project__project").get(pk=section.pk)


def audit(target: Model, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=action, target=target, data=data, clock=clock)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
