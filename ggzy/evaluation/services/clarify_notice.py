"""Telling the bidder about a clarification request (ADR 0026, "Notices to the bidder").

When the committee sends a request, :func:`notify_after_commit` queues
``tasks.clarification_notify_task`` once the request's transaction has committed; the task calls
:func:`clarification_notify`, which sends an SMS (the platform's SMS gateway,
``GGZY_EXPERTS["channels"]["sms"]``) and an e-mail (Django's e-mail framework) to every active
bidder user of the organisation who has a phone number or e-mail address, and records each
attempt as a :class:`ClarificationDelivery` with one audit event. A failing channel is recorded,
never raised: the request stands whatever the gateways do.

:func:`clarification_reminders_due` (run by ``ggzy worker``) claims the requests still unanswered
``GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES`` before their deadline and queues the reminder.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from ggzy.audit.services import audit_record
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import selectors
from ggzy.evaluation.models import Clarification, ClarificationDelivery
from ggzy.experts.notify import channel as notify_channel

logger = logging.getLogger(__name__)


def remind_minutes() -> int:
    return int(getattr(settings, "GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES", 30))


def answer_link(clarification_id: int) -> str:
    """The absolute address of the bidder's answer page (a notice is read outside the site)."""
    base = str(getattr(settings, "GGZY_SITE_URL", "") or f"https://{settings.GGZY_SITE['domain']}").rstrip(
        "/"
    )
    return base + reverse("evaluation:bidder_clarification", kwargs={"cpk": clarification_id})


def notify_after_commit(*, clarification_id: int, purpose: str) -> None:
    """Queue the notice once the caller's transaction commits (never for a rolled-back request;
    ``robust``: a queue that fails is logged and does not reach the committee's page)."""
    from ggzy.evaluation.tasks import clarification_notify_task  # the task module imports services

    transaction.on_commit(
        partial(clarification_notify_task.enqueue, clarification_id=clarification_id, purpose=purpose),
        robust=True,
    )


def clarification_notify(
    *, clarification_id: int, purpose: str, clock: Clock = system_clock
) -> list[ClarificationDelivery]:
    """Send the notice of ``purpose`` (``request`` / ``reminder``) to the bidder's contacts and
    record every attempt. Nothing is sent for a request that is no longer waiting for the answer
    (answered or withdrawn before the task ran, or past its deadline) or that was already told
    (a repeated task)."""
    row = (
        Clarification.objects.select_related("evaluation__section", "organisation")
        .filter(pk=clarification_id)
        .first()
    )
    now = clock.now()
    if row is None or purpose not in cw.DELIVERY_PURPOSES:
        return []
    if row.status != cw.SENT or now > row.deadline or row.deliveries.filter(purpose=purpose).exists():
        return []
    section = row.evaluation.section
    subject, body = cw.notice_text(
        purpose=purpose,
        center=str(settings.GGZY_SITE["center_name"]),
        bidder=row.organisation.name,
        kind=row.kind,
        section=f"{section.code} {section.name}",
        deadline_local=row.deadline.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        link=answer_link(row.pk),
    )
    attempts: list[ClarificationDelivery] = []
    seen: set[tuple[str, str]] = set()
    # The network calls run outside any transaction: no row lock is held while a gateway waits.
    for user in selectors.clarification_contacts(row):
        for name, address in ((cw.SMS, user.phone.strip()), (cw.EMAIL, user.email.strip())):
            if not address or (name, address) in seen:
                continue
            seen.add((name, address))
            masked = cw.mask_address(name, address)
            try:
                reference = notify_channel(name).send(to=address, subject=subject, body=body)
            except Exception as exc:  # any gateway or SMTP failure is recorded, not raised
                logger.exception("clarification %s: %s notice to %s failed", row.pk, name, masked)
                ok, reference, error = False, "", f"{type(exc).__name__}: {exc}"
            else:
                # A channel that reports a failure instead of raising (the HTTP SMS gateway
                # returns an empty reference with an ``error``) is recorded as failed too.
                failure = str(getattr(reference, "error", "") or "")
                ok, error = (False, failure) if failure else (True, "")
            attempts.append(
                ClarificationDelivery(
                    clarification=row,
                    purpose=purpose,
                    channel=name,
                    recipient=user,
                    address=masked,
                    ok=ok,
                    reference=str(reference or "").replace(address, masked)[:200],
                    error=error[:300],
                    attempted_at=clock.now(),
                )
            )
    if not attempts:
        attempts.append(
            ClarificationDelivery(
                clarification=row, purpose=purpose, ok=False, error=cw.NO_CONTACT, attempted_at=now
            )
        )
    with transaction.atomic():
        for attempt in attempts:
            attempt.save()
        audit_record(
            actor=None,
            action="evaluation.clarification_notified",
            target=row,
            data={
                "purpose": purpose,
                "deliveries": [
                    {"channel": a.channel, "to": a.address, "ok": a.ok, "error": a.error} for a in attempts
                ],
            },
            clock=clock,
        )
    return attempts


def clarification_reminders_due(*, clock: Clock = system_clock) -> int:
    """Claim every request still waiting for its answer whose deadline is within the reminder
    window (and that was sent before the window opened: a request sent inside it has just been
    notified) and queue its reminder. Each claim is taken under the row lock, so any number of
    workers remind once. Returns the number of reminders queued. For ``ggzy worker``."""
    minutes = remind_minutes()
    if minutes <= 0:
        return 0
    now = clock.now()
    window = dt.timedelta(minutes=minutes)
    due = list(
        Clarification.objects.filter(
            status=cw.SENT,
            reminded_at__isnull=True,
            deadline__gt=now,
            deadline__lte=now + window,
            asked_at__lt=F("deadline") - window,
        )
        .order_by("deadline", "pk")
        .values_list("pk", flat=True)
    )
    queued = 0
    for pk in due:
        with transaction.atomic():
            row = (
                Clarification.objects.select_for_update()
                .filter(pk=pk, status=cw.SENT, reminded_at__isnull=True)
                .first()
            )
            if row is None:
                continue  # answered, withdrawn or claimed by another worker meanwhile
            row.reminded_at = now
            row.save(update_fields=["reminded_at"])
            notify_after_commit(clarification_id=row.pk, purpose=cw.REMINDER)
        queued += 1
    return queued
