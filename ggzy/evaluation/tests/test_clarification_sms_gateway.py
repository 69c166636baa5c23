"""A clarification request's SMS through the real HTTP SMS gateway (ggzy.experts.sms) to a provider
shim on loopback (ggzy/experts/tests/sms_shim.py): the notice arrives signed, once, and the
delivery row records the provider's message id; a gateway that keeps failing is recorded as a
failed delivery with its reason, and the request stands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ggzy.core.clock import FixedClock
from ggzy.evaluation import clarify_workflow as cw
from ggzy.evaluation import tasks
from ggzy.evaluation.models import ClarificationDelivery
from ggzy.evaluation.tests.test_clarifications import _ask, _declare_and_elect
from ggzy.experts.tests.sms_shim import Shim, configure, running_shim

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def shim(settings: Any) -> Iterator[Shim]:
    with running_shim() as server:
        configure(settings, server)
        settings.GGZY_SITE_URL = "https://ggzy.example.gov.cn"
        yield server


@pytest.fixture
def timed(monkeypatch: Any, eclock: FixedClock) -> FixedClock:
    monkeypatch.setattr(tasks, "clock", eclock)
    return eclock


@pytest.fixture
def contact(world: Any) -> Any:
    user = world.bidders[1]
    user.phone, user.email = PHONE, ""
    user.save(update_fields=["phone", "email"])
    return user


def test_the_request_notice_goes_through_the_gateway_and_its_id_is_recorded(
    shim: Shim,
    world: Any,
    room: Any,
    timed: FixedClock,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _declare_and_elect(world, room, timed)
    shim.script = ["stall"]  # the first answer comes too late: retried, sent once
    with django_capture_on_commit_callbacks(execute=True):
        row = _ask(world, room, timed)
    assert len(shim.sent) == 1 and len(shim.requests) == 2
    message = shim.sent[0]
    assert message["to"] == PHONE
    assert f"https://ggzy.example.gov.cn/evaluation/clarifications/{row.pk}/" in message["text"]
    delivery = ClarificationDelivery.objects.get(clarification=row, channel=cw.SMS)
    assert delivery.ok is True and delivery.reference == "sms:MSG00001" and delivery.error == ""
    assert delivery.address == "139****5678"


def test_a_failing_gateway_is_recorded_with_its_reason(
    shim: Shim,
    world: Any,
    room: Any,
    timed: FixedClock,
    contact: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _declare_and_elect(world, room, timed)
    shim.script = ["500"] * 3
    with django_capture_on_commit_callbacks(execute=True):
        row = _ask(world, room, timed)
    row.refresh_from_db()
    assert row.status == cw.SENT and shim.sent == [] and len(shim.requests) == 3
    delivery = ClarificationDelivery.objects.get(clarification=row, channel=cw.SMS)
    assert delivery.ok is False and delivery.reference == ""
    assert "短信发送失败" in delivery.error and "HTTP 500" in delivery.error
