"""The audit chain on the real database: appends link up, tampering of any kind is named."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from ggzy.audit import selectors, services
from ggzy.audit.models import ChainHead, Checkpoint, Event

pytestmark = pytest.mark.django_db(transaction=True)


def _append(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            services.audit_record(
                actor=None, action="test.event", target=("test.thing", str(i)), data={"i": i, "名": "值"}
            )


def _raw(sql: str, params: list[object]) -> None:
    """Change the table the way a database administrator could, bypassing the application."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_event DISABLE TRIGGER USER")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_event ENABLE TRIGGER USER")


def test_appends_link_and_verify() -> None:
    _append(5)
    events = list(Event.objects.order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    head = ChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (5, events[-1].hash)
    result = selectors.audit_verify()
    assert result.ok and result.checked == 5


def test_record_outside_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        services.audit_record(actor=None, action="x")


def test_changed_row_is_named() -> None:
    _append(4)
    _raw("UPDATE audit_event SET data = %s WHERE seq = 3", ['{"i": 99}'])
    result = selectors.audit_verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert "#3" in result.reason


def test_deleted_middle_row_is_named() -> None:
    _append(4)
    _raw("DELETE FROM audit_event WHERE seq = %s", [2])
    result = selectors.audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_deleted_last_row_is_detected_by_head() -> None:
    _append(3)
    _raw("DELETE FROM audit_event WHERE seq = %s", [3])
    result = selectors.audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_reordered_rows_are_detected() -> None:
    _append(3)
    # Swap the content of events 1 and 2 (keeping seq) — as a reordering would.
    a, b = Event.objects.get(seq=1), Event.objects.get(seq=2)
    _raw("UPDATE audit_event SET seq = -1 WHERE seq = 1", [])
    _raw("UPDATE audit_event SET seq = 1 WHERE seq = 2", [])
    _raw("UPDATE audit_event SET seq = 2 WHERE seq = -1", [])
    assert a.pk != b.pk
    result = selectors.audit_verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_checkpoint_is_signed_and_checked() -> None:
    _append(3)
    cp = services.checkpoint_create()
    assert cp is not None and cp.seq == 3
    assert services.checkpoint_create() is None  # nothing new to sign
    assert selectors.audit_verify().ok
    Checkpoint.objects.filter(pk=cp.pk).update(head_hash="f" * 64)
    result = selectors.audit_verify()
    assert not result.ok and result.first_bad_seq == 3


def test_checkpoint_if_due_waits_for_enough_events() -> None:
    _append(3)
    assert services.checkpoint_if_due(every=5) is None
    _append(2)
    assert services.checkpoint_if_due(every=5) is not None


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL only")
def test_postgres_trigger_refuses_update_and_delete() -> None:
    from django.db.utils import DatabaseError

    _append(1)
    for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)
    assert Event.objects.count() == 1


def test_hash_follows_the_documented_format() -> None:
    """An independent re-implementation of docs/formats/audit-chain.md, with only hashlib/json."""
    import hashlib
    import json

    _append(2)
    for event in Event.objects.order_by("seq"):
        body = {
            "seq": event.seq,
            "at": event.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": event.actor_id,
            "actor_label": event.actor_label,
            "actor_org_id": event.actor_org_id,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "ip": event.ip,
            "data": event.data,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        assert hashlib.sha256(event.prev_hash.encode() + b"\n" + canonical).hexdigest() == event.hash


def test_sm3_chain_verifies(settings: Any) -> None:
    settings.GGZY_AUDIT_HASH = "sm3"
    _append(2)
    assert set(Event.objects.values_list("algorithm", flat=True)) == {"sm3"}
    assert selectors.audit_verify().ok
