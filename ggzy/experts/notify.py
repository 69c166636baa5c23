"""Notification channels for selected experts. Pluggable: ``GGZY_EXPERTS["channels"]`` maps a
channel name (email / sms / voice) to a dotted class path; a channel is any class with
``send(*, to: str, subject: str, body: str) -> str`` returning a delivery reference (empty when
nothing was delivered; a reference with an ``error`` attribute, like :class:`ggzy.experts.sms.SmsResult`,
says why).

* :class:`EmailChannel` sends through Django's e-mail backend (SMTP in production, the locmem or
  console backend in tests/development).
* An SMS/voice provider adapter (短信/语音平台) implements :class:`Channel`:
  :class:`ggzy.experts.sms.HttpSmsGateway` posts signed requests to the center's SMS endpoint
  (``GGZY_SMS_URL``; docs/formats/sms-gateway.md) and is the SMS channel whenever that is set;
  :class:`ConsoleGateway` is the development one: it writes the message to the
  ``ggzy.experts.notify`` logger and keeps it in :data:`ConsoleGateway.outbox`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.core.mail import send_mail
from django.utils.module_loading import import_string

from ggzy.experts.config import expert_rules

logger = logging.getLogger(__name__)


class Channel(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> str: ...


class EmailChannel:
    def send(self, *, to: str, subject: str, body: str) -> str:
        send_mail(subject, body, None, [to], fail_silently=False)
        return f"email:{to}"


class ConsoleGateway:
    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, subject: str, body: str) -> str:
        ConsoleGateway.outbox.append((to, body))
        logger.info("expert notice to %s: %s", to, body)
        return f"console:{len(ConsoleGateway.outbox)}"


def channel(name: str) -> Channel:
    path = expert_rules()["channels"].get(name) or expert_rules()["channels"]["email"]
    cls = import_string(path)
    instance: Channel = cls()
    return instance
