"""Writing the audit log. Every service that changes state calls :func:`audit_record` inside its
own transaction: the change and its event commit together or not at all."""

from __future__ import annotations

import json
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, models, transaction

from ggzy.audit import chain
from ggzy.audit.context import current_ip
from ggzy.audit.models import GENESIS_HASH, ChainHead, Checkpoint, Event
from ggzy.audit.platform_key import platform_signature_algorithm, platform_signing_key
from ggzy.core.canonical import canonical_json
from ggzy.core.clock import Clock, system_clock


class ActorLike(Protocol):
    pk: Any


def _actor_fields(actor: Any) -> tuple[int | None, str, int | None]:
    if actor is None or getattr(actor, "pk", None) is None:
        return None, "system", None
    label = getattr(actor, "username", "") or str(actor)
    display = getattr(actor, "display_name", "")
    if display and display != label:
        label = f"{label}（{display}）"
    return int(actor.pk), label[:200], getattr(actor, "organisation_id", None)


def _target_fields(target: models.Model | tuple[str, str] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return target[0], str(target[1])
    return target._meta.label_lower, str(target.pk)


def _lock_head() -> ChainHead:
    # Lock the head row before reading it. On PostgreSQL select_for_update serialises appenders;
    # SQLite runs IMMEDIATE transactions (settings) so the write lock is already held.
    head = ChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head = ChainHead.objects.create(pk=1, seq=0, hash=GENESIS_HASH)
    return head


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | tuple[str, str] | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
    clock: Clock = system_clock,
) -> Event:
    """Append one event to the chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    algorithm = settings.GGZY_AUDIT_HASH
    actor_id, actor_label, actor_org_id = _actor_fields(actor)
    target_type, target_id = _target_fields(target)
    # Round-trip through canonical JSON so what is stored is exactly what was hashed.
    clean_data = json.loads(canonical_json(data or {}))
    head = _lock_head()
    seq = head.seq + 1
    at = clock.now()
    body = chain.event_body(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        actor_org_id=actor_org_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=current_ip.get() if ip is None else ip,
        data=clean_data,
    )
    digest = chain.event_hash(algorithm, head.hash, body)
    event = Event.objects.create(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        actor_org_id=actor_org_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=body["ip"],
        data=clean_data,
        algorithm=algorithm,
        prev_hash=head.hash,
        hash=digest,
    )
    head.seq, head.hash = seq, digest
    head.save(update_fields=["seq", "hash"])
    return event


@transaction.atomic
def checkpoint_create(*, clock: Clock = system_clock) -> Checkpoint | None:
    """Sign the current head. None when the chain is empty or the head is already checkpointed."""
    head = _lock_head()
    if head.seq == 0 or Checkpoint.objects.filter(seq=head.seq).exists():
        return None
    # The deployment's suite picks the key: ECDSA P-256, or SM2 under GGZY_CRYPTO_SUITE=sm.
    key = platform_signing_key()
    at = clock.now()
    return Checkpoint.objects.create(
        seq=head.seq,
        head_hash=head.hash,
        at=at,
        key_id=key.key_id,
        public_key_pem=key.public_pem().decode("ascii"),
        signature=key.sign(chain.checkpoint_message(head.seq, head.hash, at)),
        algorithm=platform_signature_algorithm(),
    )


def checkpoint_if_due(*, every: int | None = None, clock: Clock = system_clock) -> Checkpoint | None:
    """Called by the worker: checkpoint when enough events have accumulated since the last one."""
    every = every or settings.GGZY_AUDIT_CHECKPOINT_EVERY
    last = Checkpoint.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    head_seq = ChainHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    if head_seq - last >= every:
        return checkpoint_create(clock=clock)
    return None
