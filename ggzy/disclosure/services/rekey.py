"""Key rotation for applicants' personal data (ADR 0010): re-encrypt every token that is not under
the first key of ``GGZY_FIELD_KEYS``, in batches, so the old key can then be removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.core.fieldcrypt import FieldCipher, FieldCryptError
from ggzy.disclosure import pii
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.services import _common as c

COLUMNS: dict[str, str] = {name: f"{name}_encrypted" for name in pii.FIELDS}


@dataclass(frozen=True)
class RekeyResult:
    """What a run changed: counts only (no token, no plaintext, no request id)."""

    key_id: str  # the first key's id: every token is under it afterwards
    requests: int  # applications with at least one token re-encrypted
    tokens: dict[str, int] = field(default_factory=dict)  # per field
    batches: int = 0
    remaining: int = 0  # applications still holding a token under another key (0 after a run)

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "requests": self.requests,
            "tokens": self.total_tokens,
            "by_field": dict(self.tokens),
            "batches": self.batches,
            "remaining": self.remaining,
        }


def _under_current_key(prefix: str) -> Q:
    """Every non-empty token of the row names the current suite and key (``prefix``, e.g. ``gs1.<id>.``)."""
    condition = Q()
    for column in COLUMNS.values():
        condition &= Q(**{column: ""}) | Q(**{f"{column}__startswith": prefix})
    return condition


def _stale(prefix: str) -> Any:
    return DisclosureRequest.objects.exclude(_under_current_key(prefix))


def _require_admin(actor: User | None) -> None:
    """``None`` is the command line (``ggzy disclosure rekey``); a person must be the center's
    system administrator — keys are infrastructure, not case handling."""
    if actor is None:
        return
    if not (actor.is_active and actor.is_center_staff and actor.has_role(Role.SYSTEM_ADMIN)):
        raise PermissionDenied("只有本中心的系统管理员可以轮换个人信息加密密钥")


def _rotate(cipher: FieldCipher, name: str, token: str) -> str:
    try:
        return cipher.rotate(token, context=pii.context(name))
    except FieldCryptError as exc:
        raise ValidationFailed(
            "无法重新加密申请人个人信息：有密文所用的密钥不在 GGZY_FIELD_KEYS 中，或密文已损坏"
            f"（{exc}）。请把旧密钥放回 GGZY_FIELD_KEYS（放在新密钥之后）再执行",
            code="field_key_missing",
        ) from None


def disclosure_pii_rekey(
    *, actor: User | None = None, batch: int = 500, clock: Clock = system_clock
) -> RekeyResult:
    """Re-encrypt under the first key of ``GGZY_FIELD_KEYS`` every identity number, phone,
    e-mail and address token made under another key.

    Works in batches of ``batch`` applications, each in its own transaction: the rows are locked,
    their tokens re-read and rotated (``FieldCipher.rotate``), and one ``disclosure.pii_rekey``
    audit event records the counts. Only rows that still hold an old token are visited, so a
    second run changes nothing and writes no event; a run interrupted midway is simply run again.
    ``updated_at`` is left alone: the application did not change.
    """
    _require_admin(actor)
    if batch < 1:
        raise ValidationFailed("每批数量至少为1", fields={"batch": "至少为1"})
    cipher = pii.cipher()
    key_id = cipher.current_key_id
    prefix = cipher.current_prefix
    tokens = dict.fromkeys(COLUMNS, 0)
    requests = batches = 0
    last_pk = 0
    while True:
        pks = list(_stale(prefix).filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:batch])
        if not pks:
            break
        last_pk = pks[-1]
        with transaction.atomic():
            changed_rows = 0
            changed_tokens = dict.fromkeys(COLUMNS, 0)
            rows = (
                DisclosureRequest.objects.select_for_update()
                .filter(pk__in=pks)
                .order_by("pk")
                .values_list("pk", "id_doc_type", "id_digest", *COLUMNS.values())
            )
            for pk, doc_type, digest, *values in rows:
                changes: dict[str, str] = {}
                for (name, column), token in zip(COLUMNS.items(), values, strict=True):
                    if cipher.needs_rotation(token):
                        changes[column] = _rotate(cipher, name, token)
                        changed_tokens[name] += 1
                if "id_number_encrypted" in changes:  # a suite switch changes the blind index too
                    number = cipher.decrypt(changes["id_number_encrypted"], context=pii.context("id_number"))
                    if (new_digest := pii.identity_digest(doc_type, number)) != digest:
                        changes["id_digest"] = new_digest
                if changes:
                    DisclosureRequest.objects.filter(pk=pk).update(**changes)
                    changed_rows += 1
            if changed_rows:
                c.audit_event(
                    actor=actor,
                    action="disclosure.pii_rekey",
                    clock=clock,
                    key_id=key_id,
                    requests=changed_rows,
                    tokens=changed_tokens,
                )
        batches += 1
        requests += changed_rows
        for name, n in changed_tokens.items():
            tokens[name] += n
    return RekeyResult(
        key_id=key_id,
        requests=requests,
        tokens=tokens,
        batches=batches,
        remaining=_stale(prefix).count(),
    )
