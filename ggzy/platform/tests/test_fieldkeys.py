"""Switching a deployment's field encryption between suites (ADR 0029) on a real database:
personal data saved under ``intl`` (AES-256-GCM, HMAC-SHA256 digests), the setting switched to
``sm``, ``ggzy fieldcrypt reencrypt`` run — every stored token becomes ``gs1.`` under the SM4 key,
every identity digest becomes HMAC-SM3, values read back unchanged, lookups by identity number
still find their rows (also before the command has run), the run is audited with counts only,
idempotent, resumable after a refusal, and the way back to ``intl`` restores the original digests."""

from __future__ import annotations

import datetime as dt
import json
import os
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from ggzy.audit.models import Event
from ggzy.audit.selectors import audit_verify
from ggzy.core import fieldcrypt as fc
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.disclosure import pii as disclosure_pii
from ggzy.disclosure import services as disclosure
from ggzy.disclosure.models import DisclosureRequest
from ggzy.disclosure.tests.conftest import ADDRESS, EMAIL, ID_NUMBER, PHONE, applicant, at, info
from ggzy.experts import pii as experts_pii
from ggzy.experts import services as experts
from ggzy.experts.models import Expert
from ggzy.participation import pii as participation_pii
from ggzy.participation import services as participation
from ggzy.participation.models import Comment, Question
from ggzy.participation.tests.conftest import NOW, publish_rest
from ggzy.platform import fieldkeys

pytestmark = pytest.mark.django_db

AES_1, AES_2, AES_X = os.urandom(32), os.urandom(32), os.urandom(32)
SM4_1 = os.urandom(16)
GF1 = f"gf1.{fc.key_id(AES_1)}."
GS1 = f"gs1.{fc.key_id(SM4_1)}."
T0 = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)
EXPERT_IDS = [experts_pii.make_id_number("640402", dt.date(1970, 1, n), n) for n in range(1, 4)]
DISCLOSURE_COLUMNS = ("id_number_encrypted", "phone_encrypted", "email_encrypted", "address_encrypted")


def configure(settings: Any, suite: str, aes: list[bytes], sm4: list[bytes]) -> None:
    settings.GGZY_FIELD_SUITE = suite
    settings.GGZY_FIELD_KEYS = [fc.encode_key(k) for k in aes]
    settings.GGZY_FIELD_SM4_KEYS = [fc.encode_key(k) for k in sm4]


def index_key() -> bytes:
    return disclosure_pii._index_key()


def all_tokens() -> list[str]:
    tokens = [t for row in DisclosureRequest.objects.values_list(*DISCLOSURE_COLUMNS) for t in row]
    tokens += [t for row in Expert.objects.values_list("id_number_encrypted", "phone_encrypted") for t in row]
    tokens += list(Comment.objects.values_list("contact_encrypted", flat=True))
    tokens += list(Question.objects.values_list("contact_encrypted", flat=True))
    return [t for t in tokens if t]


def new_expert(admin: Any, id_number: str, *, phone: str = "") -> Any:
    data = experts.ExpertInput(
        name="专家",
        id_number=id_number,
        title="高级工程师",
        title_level="deputy_senior",
        years=15,
        region="示范市",
        specialties=("A0801",),
        email="expert@example.com",
        phone=phone,
    )
    return experts.expert_create(actor=admin, data=data, clock=FixedClock(T0))


@pytest.fixture
def intl_data(settings: Any, staff: dict[str, Any]) -> dict[str, Any]:
    """Personal data of every kind, written under intl: three disclosure applications (two by the
    same applicant, one without e-mail or address), three experts, a comment and a question."""
    configure(settings, "intl", [AES_1], [SM4_1])
    requests = [
        disclosure.disclosure_request_submit(applicant=applicant(), info=info(), clock=at(2026, 3, 2)).request
        for _ in range(2)
    ]
    requests.append(
        disclosure.disclosure_request_submit(
            applicant=applicant(email="", address="", id_doc_type="passport", id_number="E12345678"),
            info=info(delivery_method="collect"),
            clock=at(2026, 3, 2),
        ).request
    )
    admin = staff["system_admin"]
    pool = [new_expert(admin, EXPERT_IDS[0], phone="13912345678")] + [
        new_expert(admin, n) for n in EXPERT_IDS[1:]
    ]
    consultation = participation.consultation_create(
        actor=staff["editor"],
        title="关于优化开标大厅预约服务的意见征集",
        body_html="<p>欢迎提出意见。</p>",
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=10),
        clock=FixedClock(NOW),
    )
    publish_rest(staff, consultation.article, FixedClock(NOW))
    comment = participation.comment_submit(
        consultation_id=consultation.pk, text="建议延长预约时间", contact="13900000000", clock=FixedClock(NOW)
    )
    question = participation.question_submit(
        asker_name="李四",
        subject="开标时间",
        text="几点开标？",
        contact="lisi@example.com",
        clock=FixedClock(NOW),
    ).question
    tokens = all_tokens()
    assert len(tokens) == 10 + 4 + 2 and all(t.startswith(GF1) for t in tokens)
    return {"requests": requests, "experts": pool, "comment": comment, "question": question, "admin": admin}


def read_back(data: dict[str, Any]) -> None:
    """Every value decrypts to what was entered, under the current settings."""
    for request in DisclosureRequest.objects.filter(pk__in=[r.pk for r in data["requests"][:2]]):
        values = [
            disclosure_pii.decrypt(f, getattr(request, f"{f}_encrypted")) for f in disclosure_pii.FIELDS
        ]
        assert values == [ID_NUMBER, PHONE, EMAIL, ADDRESS]
    third = DisclosureRequest.objects.get(pk=data["requests"][2].pk)
    assert disclosure_pii.decrypt("id_number", third.id_number_encrypted) == "E12345678"
    for expert, number in zip(Expert.objects.order_by("pk"), EXPERT_IDS, strict=True):
        assert experts_pii.decrypt("id_number", expert.id_number_encrypted) == number
    assert experts_pii.decrypt("phone", Expert.objects.order_by("pk")[0].phone_encrypted) == "13912345678"
    assert participation_pii.decrypt("comment", Comment.objects.get().contact_encrypted) == "13900000000"
    assert (
        participation_pii.decrypt("question", Question.objects.get().contact_encrypted) == "lisi@example.com"
    )


def digests(suite: str) -> dict[str, Any]:
    """What the identity digests must be in ``suite``, and what they are."""
    key = index_key()
    return {
        "expected_requests": [
            fc.blind_index(f"resident_id:{ID_NUMBER}", key=key, suite=suite),
            fc.blind_index(f"resident_id:{ID_NUMBER}", key=key, suite=suite),
            fc.blind_index("passport:E12345678", key=key, suite=suite),
        ],
        "requests": list(DisclosureRequest.objects.order_by("pk").values_list("id_digest", flat=True)),
        "expected_experts": [fc.blind_index(f"expert:{n}", key=key, suite=suite) for n in EXPERT_IDS],
        "experts": list(Expert.objects.order_by("pk").values_list("id_digest", flat=True)),
    }


def assert_digests(suite: str) -> None:
    d = digests(suite)
    assert d["requests"] == d["expected_requests"]
    assert d["experts"] == d["expected_experts"]


def run_json(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("fieldcrypt", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_switch_to_sm_then_back_to_intl(
    settings: Any, intl_data: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert_digests("intl")
    original_digests = digests("intl")

    # The deployment switches to sm (SM4 key configured, AES key kept for reading).
    configure(settings, "sm", [AES_1], [SM4_1])
    read_back(intl_data)  # old gf1 tokens still read

    # Before the command has run, a lookup by identity number still finds the old rows: an expert
    # already in the pool (gf1 token, HMAC-SHA256 digest) cannot be entered again.
    with pytest.raises(ValidationFailed, match="已在专家库中"):
        new_expert(intl_data["admin"], EXPERT_IDS[1])
    # New writes are gs1 with an HMAC-SM3 digest, and a mixed table reads fine.
    fourth = new_expert(intl_data["admin"], experts_pii.make_id_number("640402", dt.date(1980, 2, 2), 7))
    fourth.refresh_from_db()
    assert fourth.id_number_encrypted.startswith(GS1)
    assert fourth.id_digest == fc.blind_index(
        "expert:" + experts_pii.make_id_number("640402", dt.date(1980, 2, 2), 7), key=index_key(), suite="sm"
    )
    Expert.objects.filter(pk=fourth.pk).delete()

    # Dry run: counts only, nothing written.
    raw_before = all_tokens()
    events_before = Event.objects.count()
    plan = run_json("reencrypt", "--dry-run")
    assert plan == {
        "dry_run": True,
        "suite": "sm",
        "key_id": fc.key_id(SM4_1),
        "rows": 3 + 3 + 1 + 1,
        "tokens": 16,
        "digests": 6,
        "by_table": {
            "disclosure.DisclosureRequest": 3,
            "experts.Expert": 3,
            "experts.Draw": 0,
            "participation.Comment": 1,
            "participation.Question": 1,
        },
        "missing_keys": [],
    }
    assert all_tokens() == raw_before and Event.objects.count() == events_before

    # The run, in batches of two, with a progress bar (on the process's stderr).
    capsys.readouterr()
    out = StringIO()
    call_command("fieldcrypt", "reencrypt", "--batch", "2", "--progress", "--json", stdout=out)
    err = capsys.readouterr().err
    result = json.loads(out.getvalue())
    assert result == {
        "suite": "sm",
        "algorithm": "SM4-GCM",
        "key_id": fc.key_id(SM4_1),
        "rows": 8,
        "tokens": 16,
        "by_table": {
            "disclosure.DisclosureRequest": {
                "id_number_encrypted": 3,
                "phone_encrypted": 3,
                "email_encrypted": 2,
                "address_encrypted": 2,
            },
            "experts.Expert": {"id_number_encrypted": 3, "phone_encrypted": 1},
            "experts.Draw": {"secret_encrypted": 0},
            "participation.Comment": {"contact_encrypted": 1},
            "participation.Question": {"contact_encrypted": 1},
        },
        "digests": 6,
        "batches": 2 + 2 + 1 + 1,
        "remaining": 0,
    }
    assert "\r重新加密 [" in err and "100% 8/8\n" in err

    # Every stored token changed prefix (and value), every digest is HMAC-SM3, values read back —
    # now even without the AES key.
    after = all_tokens()
    assert all(t.startswith(GS1) for t in after) and not set(after) & set(raw_before)
    assert_digests("sm")
    configure(settings, "sm", [AES_2], [SM4_1])  # the old AES key removed
    read_back(intl_data)

    # Lookups by identity number work on the new digests.
    assert (
        DisclosureRequest.objects.filter(
            id_digest=disclosure_pii.identity_digest("resident_id", ID_NUMBER)
        ).count()
        == 2
    )
    with pytest.raises(ValidationFailed, match="已在专家库中"):
        new_expert(intl_data["admin"], EXPERT_IDS[2])

    # Audited per batch with counts only; the chain verifies.
    events = list(Event.objects.filter(action="platform.field_reencrypt").order_by("seq"))
    assert [e.data["table"] for e in events] == [
        "disclosure.DisclosureRequest",
        "disclosure.DisclosureRequest",
        "experts.Expert",
        "experts.Expert",
        "participation.Comment",
        "participation.Question",
    ]
    assert all(set(e.data) == {"table", "suite", "key_id", "rows", "tokens", "digests"} for e in events)
    dumped = json.dumps([e.data for e in events], ensure_ascii=False)
    assert (
        ID_NUMBER not in dumped
        and EXPERT_IDS[0] not in dumped
        and "gs1." not in dumped
        and "gf1." not in dumped
    )
    assert audit_verify().ok

    # Idempotent: a second run finds nothing and writes nothing.
    before = Event.objects.count()
    again = run_json("reencrypt")
    assert (again["rows"], again["tokens"], again["digests"], again["batches"], again["remaining"]) == (
        0,
        0,
        0,
        0,
        0,
    )
    assert Event.objects.count() == before and all_tokens() == after

    # Status: only the SM4 key in use.
    status = run_json("status")
    assert status["in_use"] == {GS1.rstrip("."): 16}
    assert status["unused_keys"] == [f"gf1.{fc.key_id(AES_2)}"] and status["missing_keys"] == []

    # And back to intl under a new AES key: the digests return to exactly their first values.
    configure(settings, "intl", [AES_2], [SM4_1])
    back = run_json("reencrypt")
    assert (back["rows"], back["tokens"], back["digests"], back["remaining"]) == (8, 16, 6, 0)
    assert all(t.startswith(f"gf1.{fc.key_id(AES_2)}.") for t in all_tokens())
    assert digests("intl")["requests"] == original_digests["requests"]
    assert digests("intl")["experts"] == original_digests["experts"]
    configure(settings, "intl", [AES_2], [])
    read_back(intl_data)


def test_a_refused_run_resumes_where_it_stopped(settings: Any, intl_data: dict[str, Any]) -> None:
    # A question written under a key that the sm configuration below forgets.
    configure(settings, "intl", [AES_X], [SM4_1])
    participation.question_submit(
        asker_name="王五", subject="保证金", text="何时退还？", contact="13700000000", clock=FixedClock(NOW)
    )
    configure(settings, "sm", [AES_1], [SM4_1])
    status = fieldkeys.field_status()
    assert status.missing_keys() == [f"gf1.{fc.key_id(AES_X)}"]
    with pytest.raises(CommandError, match="仍有密文在用但未配置") as exc:
        call_command("fieldcrypt", "status", stdout=StringIO())
    assert exc.value.returncode == 1

    with pytest.raises(CommandError, match=r"participation.Question.contact_encrypted") as exc:
        call_command("fieldcrypt", "reencrypt", "--batch", "1", stdout=StringIO(), stderr=StringIO())
    assert exc.value.returncode == 2
    # The batches before the refusal are committed (every table before it, and the first
    # question); the refused batch changed nothing.
    assert len([t for t in all_tokens() if t.startswith(GS1)]) == 16
    questions = list(Question.objects.order_by("pk").values_list("contact_encrypted", flat=True))
    assert questions[0].startswith(GS1) and questions[1].startswith(f"gf1.{fc.key_id(AES_X)}.")
    assert_digests("sm")

    # With the forgotten key back, the next run finishes only what is left.
    configure(settings, "sm", [AES_1, AES_X], [SM4_1])
    result = fieldkeys.field_reencrypt(batch=1)
    assert result.rows == 1 and result.remaining == 0
    assert all(t.startswith(GS1) for t in all_tokens())


def test_a_person_must_be_the_system_admin(
    settings: Any, intl_data: dict[str, Any], staff: dict[str, Any], make_user: Any, center: Any
) -> None:
    configure(settings, "sm", [AES_1], [SM4_1])
    with pytest.raises(PermissionDenied):
        fieldkeys.field_reencrypt(actor=staff["editor"])
    result = fieldkeys.field_reencrypt(actor=staff["system_admin"])
    assert result.rows == 8
    assert {e.actor_id for e in Event.objects.filter(action="platform.field_reencrypt")} == {
        staff["system_admin"].pk
    }
    with pytest.raises(ValidationFailed, match="至少为1"):
        fieldkeys.field_reencrypt(batch=0)


def test_bad_configuration_is_a_clear_error(settings: Any) -> None:
    configure(settings, "sm", [AES_1], [])
    with pytest.raises(CommandError, match="SM4-GCM field key is required") as exc:
        call_command("fieldcrypt", "reencrypt", "--dry-run", stdout=StringIO())
    assert exc.value.returncode == 2
    configure(settings, "rot13", [AES_1], [SM4_1])
    with pytest.raises(CommandError, match="unknown field encryption suite"):
        call_command("fieldcrypt", "status", stdout=StringIO())


def test_the_suite_follows_the_deployment_crypto_suite(settings: Any, staff: dict[str, Any]) -> None:
    configure(settings, "", [AES_1], [SM4_1])
    settings.GGZY_CRYPTO_SUITE = "sm"
    expert = new_expert(staff["system_admin"], EXPERT_IDS[0])
    assert expert.id_number_encrypted.startswith(GS1)
    settings.GGZY_FIELD_SUITE = "intl"  # the field setting wins
    assert new_expert(staff["system_admin"], EXPERT_IDS[1]).id_number_encrypted.startswith(GF1)


def test_disclosure_rekey_also_switches_suites(settings: Any, intl_data: dict[str, Any]) -> None:
    """The older, disclosure-only ``ggzy disclosure rekey`` moves tokens and digests too."""
    configure(settings, "sm", [AES_1], [SM4_1])
    result = disclosure.disclosure_pii_rekey(clock=at(2026, 3, 3))
    assert (result.requests, result.total_tokens, result.remaining) == (3, 10, 0)
    rows = DisclosureRequest.objects.values_list(*DISCLOSURE_COLUMNS)
    assert all(t.startswith(GS1) for row in rows for t in row if t)
    assert digests("sm")["requests"] == digests("sm")["expected_requests"]


def test_text_output(settings: Any, intl_data: dict[str, Any]) -> None:
    configure(settings, "sm", [AES_1], [SM4_1])
    out = StringIO()
    call_command("fieldcrypt", "status", stdout=out)
    assert "当前算法：sm（SM4-GCM，索引 HMAC-SM3）" in out.getvalue()
    assert f"  id_number_encrypted：{GF1.rstrip('.')} 3\n" in out.getvalue()
    out = StringIO()
    call_command("fieldcrypt", "reencrypt", "--dry-run", stdout=out)
    assert "8 行，16 项密文，6 个索引摘要（未写入任何数据）" in out.getvalue()
    out = StringIO()
    call_command("fieldcrypt", "reencrypt", stdout=out, stderr=StringIO())
    assert "已重新加密到 sm（SM4-GCM" in out.getvalue()
    assert f"可以从配置中删除的旧密钥：gf1.{fc.key_id(AES_1)}" in out.getvalue()


def test_the_registry_covers_every_encrypted_column() -> None:
    registered = {(t.model, c) for t in fieldkeys.encrypted_tables() for c in t.columns}
    found = {
        (model, f.attname)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if f.attname.endswith("_encrypted")
    }
    assert found == registered


def test_system_checks(settings: Any) -> None:
    from ggzy.disclosure.checks import field_suite_valid, sm4_field_keys_configured

    configure(settings, "sm", [AES_1], [SM4_1])
    settings.GGZY_FIELD_SM4_KEYS_FROM_ENV = False
    assert [m.id for m in sm4_field_keys_configured()] == ["disclosure.W002"]
    settings.GGZY_FIELD_SM4_KEYS_FROM_ENV = True
    assert sm4_field_keys_configured() == [] and field_suite_valid() == []
    settings.GGZY_FIELD_SUITE = "3des"
    assert [m.id for m in field_suite_valid()] == ["disclosure.E001"]
    assert sm4_field_keys_configured() == []


def test_a_duplicate_person_found_by_the_new_digest_stops_the_batch(
    settings: Any, staff: dict[str, Any]
) -> None:
    """Two experts who are the same person (entered before the duplicate check, say): under the
    new digest their index values collide — the batch is refused as a whole, nothing half-done."""
    configure(settings, "intl", [AES_1], [SM4_1])
    first = new_expert(staff["system_admin"], EXPERT_IDS[0])
    second = new_expert(staff["system_admin"], EXPERT_IDS[1])
    Expert.objects.filter(pk=second.pk).update(
        id_number_encrypted=experts_pii.encrypt("id_number", EXPERT_IDS[0])  # the same number as the first
    )
    configure(settings, "sm", [AES_1], [SM4_1])
    before = list(Expert.objects.order_by("pk").values_list("id_number_encrypted", "id_digest"))
    with pytest.raises(ValidationFailed, match="同一证件号码重复登记") as exc:
        fieldkeys.field_reencrypt()
    assert exc.value.code == "field_digest_duplicate"
    assert list(Expert.objects.order_by("pk").values_list("id_number_encrypted", "id_digest")) == before
    assert not Event.objects.filter(action="platform.field_reencrypt", data__table="experts.Expert").exists()
    assert Expert.objects.get(pk=first.pk).id_number_encrypted.startswith(GF1)
