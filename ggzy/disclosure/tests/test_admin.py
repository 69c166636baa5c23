"""Admin: applications and their records are read-only and show personal data only masked; the
table-二 registries are added (and normative documents repealed) through the audited services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from ggzy.accounts.services import user_create
from ggzy.audit.models import Event
from ggzy.disclosure import services
from ggzy.disclosure.models import AdminFeeRecord, AdministrativeDecision, NormativeDocument, ReviewCase
from ggzy.disclosure.tests.conftest import ID_NUMBER, PHONE, at

pytestmark = pytest.mark.django_db
D = dt.date


def admin_client(center: Any, *roles: str, username: str = "root") -> Client:
    user = user_create(
        actor=None,
        username=username,
        password="x" * 12,
        organisation=center,
        is_superuser=True,
        roles=list(roles),
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin(center: Any) -> Client:
    return admin_client(center, "disclosure_officer")


@pytest.fixture
def closed(register: Callable[..., Any], officer: Any) -> Any:
    request = register(D(2026, 3, 2))
    services.disclosure_fee_notice_issue(
        actor=officer, request=request, standard="by_volume", pages=40, on=D(2026, 3, 3), clock=at(2026, 3, 3)
    )
    services.disclosure_fee_payment_record(
        actor=officer, request=request, amount=100, on=D(2026, 3, 4), clock=at(2026, 3, 4)
    )
    services.disclosure_reply(
        actor=officer,
        request=request,
        outcome="3.1",
        legal_basis="条例第三十六条第（二）项",
        replied_on=D(2026, 3, 10),
        clock=at(2026, 3, 10),
    )
    services.review_case_record(
        actor=officer,
        kind="administrative_review",
        filed_on=D(2026, 3, 20),
        request=request,
        clock=at(2026, 3, 20),
    )
    services.disclosure_sweep(clock=at(2026, 3, 20))
    return request


def test_admin_pages_render(admin: Client, closed: Any) -> None:
    case = ReviewCase.objects.get()
    for path in [
        "/admin/disclosure/",
        "/admin/disclosure/disclosurerequest/",
        f"/admin/disclosure/disclosurerequest/{closed.pk}/change/",
        "/admin/disclosure/clockevent/",
        "/admin/disclosure/reply/",
        "/admin/disclosure/feenotice/",
        "/admin/disclosure/reviewcase/",
        f"/admin/disclosure/reviewcase/{case.pk}/change/",
        "/admin/disclosure/reminder/",
        "/admin/disclosure/normativedocument/",
        "/admin/disclosure/normativedocument/add/",
        "/admin/disclosure/administrativedecision/",
        "/admin/disclosure/administrativedecision/add/",
        "/admin/disclosure/adminfeerecord/",
        "/admin/disclosure/adminfeerecord/add/",
    ]:
        assert admin.get(path).status_code == 200, path


def test_requests_show_only_masked_personal_data(admin: Client, closed: Any) -> None:
    for path in [
        "/admin/disclosure/disclosurerequest/",
        f"/admin/disclosure/disclosurerequest/{closed.pk}/change/",
    ]:
        html = admin.get(path).content.decode()
        assert closed.id_number_masked in html
        assert ID_NUMBER not in html and PHONE not in html
        assert "gf1." not in html  # no ciphertext
        assert closed.secret_hash not in html and closed.id_digest not in html


def test_workflow_records_cannot_be_added_changed_or_deleted(admin: Client, closed: Any) -> None:
    for model in ["disclosurerequest", "clockevent", "reply", "feenotice", "reviewcase", "reminder"]:
        assert admin.get(f"/admin/disclosure/{model}/add/").status_code == 403, model
    closed.refresh_from_db()
    before = closed.status
    assert before == "closed"
    response = admin.post(
        f"/admin/disclosure/disclosurerequest/{closed.pk}/change/", {"status": "processing"}
    )
    assert response.status_code == 403
    assert admin.get(f"/admin/disclosure/disclosurerequest/{closed.pk}/delete/").status_code == 403
    closed.refresh_from_db()
    assert closed.status == before


def test_normative_document_is_recorded_and_repealed_through_the_services(admin: Client) -> None:
    events = Event.objects.count()
    response = admin.post(
        "/admin/disclosure/normativedocument/add/",
        {
            "kind": "normative_document",
            "title": "示范市公共资源交易管理办法",
            "doc_number": "示政规〔2026〕1号",
            "issued_on": "2026-03-02",
        },
    )
    assert response.status_code == 302, response.content.decode()
    document = NormativeDocument.objects.get()
    assert document.title == "示范市公共资源交易管理办法"
    assert list(Event.objects.filter(pk__gt=0).order_by("-seq").values_list("action", flat=True)[:1]) == [
        "disclosure.normative_record"
    ]
    assert Event.objects.count() == events + 1  # the dry run left nothing behind

    response = admin.post(
        f"/admin/disclosure/normativedocument/{document.pk}/change/", {"repealed_on": "2026-06-01"}
    )
    assert response.status_code == 302, response.content.decode()
    document.refresh_from_db()
    assert document.repealed_on == D(2026, 6, 1)
    assert Event.objects.filter(action="disclosure.normative_repeal").count() == 1
    # Repealed: nothing is editable any more.
    page = admin.get(f"/admin/disclosure/normativedocument/{document.pk}/change/").content.decode()
    assert 'name="repealed_on"' not in page


def test_refusal_is_shown_on_the_form_and_nothing_is_written(admin: Client) -> None:
    events = Event.objects.count()
    response = admin.post(
        "/admin/disclosure/administrativedecision/add/",
        {"kind": "penalty", "decision_number": "示罚〔2035〕1号", "decided_on": "2035-03-01"},
    )
    assert response.status_code == 200
    assert "工作日历缺少 2035 年" in response.content.decode()
    assert AdministrativeDecision.objects.count() == 0
    assert Event.objects.count() == events


def test_registry_needs_a_disclosure_role(center: Any) -> None:
    client = admin_client(center, username="plain-root")
    response = client.post(
        "/admin/disclosure/adminfeerecord/add/",
        {"item": "场地使用费", "amount": "1500.00", "collected_on": "2026-03-02"},
    )
    assert response.status_code == 200
    assert "信息公开工作人员" in response.content.decode()
    assert AdminFeeRecord.objects.count() == 0


def test_admin_fee_and_decision_are_recorded(admin: Client) -> None:
    response = admin.post(
        "/admin/disclosure/adminfeerecord/add/",
        {"item": "场地使用费", "amount": "1500.00", "collected_on": "2026-03-02"},
    )
    assert response.status_code == 302, response.content.decode()
    response = admin.post(
        "/admin/disclosure/administrativedecision/add/",
        {
            "kind": "licence",
            "decision_number": "示许〔2026〕1号",
            "title": "某许可",
            "decided_on": "2026-03-02",
        },
    )
    assert response.status_code == 302, response.content.decode()
    record = AdminFeeRecord.objects.get()
    assert str(record.amount) == "1500.00"
    assert Event.objects.filter(action="disclosure.admin_fee_record").count() == 1
    assert Event.objects.filter(action="disclosure.decision_record").count() == 1
    # Recorded amounts are not edited in admin.
    assert admin.get(f"/admin/disclosure/adminfeerecord/{record.pk}/change/").status_code == 200  # view only
    response = admin.post(
        f"/admin/disclosure/adminfeerecord/{record.pk}/change/",
        {"item": "x", "amount": "1", "collected_on": "2026-03-02"},
    )
    assert response.status_code == 403
