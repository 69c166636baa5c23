"""Background tasks of the evaluation app (``django.tasks``): take IDs, call one service.
Queued with ``transaction.on_commit`` by the services; run by ``ggzy worker`` (the database
queue) or at once under the immediate backend (tests).

``clock`` is read at call time, so tests that move time move it for the tasks too."""

from __future__ import annotations

from django.tasks import task

from ggzy.core.clock import Clock, system_clock

clock: Clock = system_clock


@task
def clarification_notify_task(*, clarification_id: int, purpose: str) -> int:
    """Send a clarification request's SMS / e-mail notice (or its reminder); returns how many
    delivery attempts were recorded."""
    from ggzy.evaluation.services.clarify_notice import clarification_notify

    return len(clarification_notify(clarification_id=clarification_id, purpose=purpose, clock=clock))
