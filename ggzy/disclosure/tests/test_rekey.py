"""Key rotation (ADR 0010): data encrypted under an old key, the settings rotated to [new, old],
``disclosure_pii_rekey`` re-encrypts every token under the new key (in batches, audited with
counts only), the values decrypt unchanged, and a second run changes nothing."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.core.fieldcrypt import encode_key, key_id
from ggzy.disclosure import services
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.tests.conftest import ADDRESS, EMAIL, ID_NUMBER, PHONE, applicant, at, info

pytestmark = pytest.mark.django_db

OLD = os.urandom(32)
NEW = os.urandom(32)
TOKENS = ("id_number_encrypted", "phone_encrypted", "email_encrypted", "address_encrypted")


def _key_ids(pk: int) -> list[str]:
    row = DisclosureRequest.objects.filter(pk=pk).values_list(*TOKENS).get()
    return [token.split(".")[1] if token else "" for token in row]


@pytest.fixture
def old_data(settings: Any, officer: Any) -> list[Any]:
    """Three applications under the old key only (one without e-mail or address)."""
    settings.GGZY_FIELD_KEYS = [encode_key(OLD)]
    made = [
        services.disclosure_request_submit(applicant=applicant(), info=info(), clock=at(2026, 3, 2)).request
        for _ in range(2)
    ]
    made.append(
        services.disclosure_request_submit(
            applicant=applicant(email="", address="", id_doc_type="passport", id_number="E12345678"),
            info=info(delivery_method="collect"),
            clock=at(2026, 3, 2),
        ).request
    )
    for request in made:
        assert set(_key_ids(request.pk)) - {""} == {key_id(OLD)}
    return made


def test_rekey_moves_every_token_to_the_first_key(
    settings: Any, officer: Any, old_data: list[Any], django_assert_max_num_queries: Any
) -> None:
    raw_before = {r.pk: DisclosureRequest.objects.values_list(*TOKENS).get(pk=r.pk) for r in old_data}
    updated_before = {r.pk: DisclosureRequest.objects.get(pk=r.pk).updated_at for r in old_data}
    settings.GGZY_FIELD_KEYS = [encode_key(NEW), encode_key(OLD)]
    events_before = Event.objects.count()

    result = services.disclosure_pii_rekey(batch=2, clock=at(2026, 3, 3))

    assert result.key_id == key_id(NEW)
    assert result.requests == 3
    assert result.tokens == {"id_number": 3, "phone": 3, "email": 2, "address": 2}
    assert result.total_tokens == 10
    assert result.batches == 2  # 3 applications in batches of 2
    assert result.remaining == 0
    assert result.as_dict()["tokens"] == 10
    for request in old_data:
        ids = _key_ids(request.pk)
        assert set(ids) - {""} == {key_id(NEW)}
        raw = DisclosureRequest.objects.values_list(*TOKENS).get(pk=request.pk)
        assert all(a != b for a, b in zip(raw, raw_before[request.pk], strict=True) if a)
        assert DisclosureRequest.objects.get(pk=request.pk).updated_at == updated_before[request.pk]

    # The same values come back — now even with the old key removed.
    settings.GGZY_FIELD_KEYS = [encode_key(NEW)]
    shown = services.disclosure_pii_view(actor=officer, request=old_data[0], clock=at(2026, 3, 3))
    assert (shown.id_number, shown.phone, shown.email, shown.address) == (ID_NUMBER, PHONE, EMAIL, ADDRESS)
    third = services.disclosure_pii_view(actor=officer, request=old_data[2], clock=at(2026, 3, 3))
    assert (third.id_number, third.email, third.address) == ("E12345678", "", "")

    # Audited per batch, counts only: no token, value or request id in the data.
    events = list(Event.objects.filter(action="disclosure.pii_rekey").order_by("seq"))
    assert len(events) == 2 == Event.objects.count() - events_before - 2  # + the two pii_views
    assert [e.data["requests"] for e in events] == [2, 1]
    assert all(set(e.data) == {"key_id", "requests", "tokens"} for e in events)
    dumped = json.dumps([e.data for e in events], ensure_ascii=False)
    assert ID_NUMBER not in dumped and PHONE not in dumped and "gf1." not in dumped
    assert audit_verify().ok

    # Idempotent: nothing left to do, nothing written, a couple of queries.
    before = Event.objects.count()
    with django_assert_max_num_queries(3):
        again = services.disclosure_pii_rekey(clock=at(2026, 3, 4))
    assert (again.requests, again.total_tokens, again.batches, again.remaining) == (0, 0, 0, 0)
    assert Event.objects.count() == before


def test_rekey_without_the_old_key_refuses_and_changes_nothing(settings: Any, old_data: list[Any]) -> None:
    raw_before = list(DisclosureRequest.objects.order_by("pk").values_list(*TOKENS))
    settings.GGZY_FIELD_KEYS = [encode_key(NEW)]  # the old key removed too early
    with pytest.raises(ValidationFailed, match="GGZY_FIELD_KEYS") as exc:
        services.disclosure_pii_rekey(clock=at(2026, 3, 3))
    assert exc.value.code == "field_key_missing"
    assert list(DisclosureRequest.objects.order_by("pk").values_list(*TOKENS)) == raw_before


def test_rekey_by_a_person_needs_the_system_admin(
    settings: Any, officer: Any, make_user: Callable[..., Any], center: Any, old_data: list[Any]
) -> None:
    settings.GGZY_FIELD_KEYS = [encode_key(NEW), encode_key(OLD)]
    with pytest.raises(PermissionDenied):
        services.disclosure_pii_rekey(actor=officer, clock=at(2026, 3, 3))
    admin = make_user("system_admin", org=center, username="admin")
    result = services.disclosure_pii_rekey(actor=admin, clock=at(2026, 3, 3))
    assert result.requests == 3
    assert Event.objects.filter(action="disclosure.pii_rekey").get().actor_id == admin.pk


def test_bad_batch_size_is_refused(old_data: list[Any]) -> None:
    with pytest.raises(ValidationFailed, match="至少为1"):
        services.disclosure_pii_rekey(batch=0, clock=at(2026, 3, 3))


def test_cli_rekey(settings: Any, old_data: list[Any]) -> None:
    settings.GGZY_FIELD_KEYS = [encode_key(NEW), encode_key(OLD)]
    out = StringIO()
    call_command("disclosure", "rekey", "--batch", "2", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data == {
        "key_id": key_id(NEW),
        "requests": 3,
        "tokens": 10,
        "by_field": {"id_number": 3, "phone": 3, "email": 2, "address": 2},
        "batches": 2,
        "remaining": 0,
    }
    text = StringIO()
    call_command("disclosure", "rekey", stdout=text)
    assert "0 件申请，0 项密文" in text.getvalue()
    assert "可以从 GGZY_FIELD_KEYS 中删除旧密钥" in text.getvalue()
    settings.GGZY_FIELD_KEYS = [encode_key(os.urandom(32))]  # neither key: refused, exit 2
    with pytest.raises(CommandError, match="GGZY_FIELD_KEYS") as exc:
        call_command("disclosure", "rekey", stdout=StringIO())
    assert exc.value.returncode == 2
