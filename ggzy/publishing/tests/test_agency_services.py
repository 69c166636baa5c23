"""Agency notices on a real database with real certificates: mandates, drafting, the gate, the
signed submission in both publication modes, and every bad input of issue 3 that is ours — each
refused with a clear message and nothing stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from typing import Any

import pytest
from django.test import override_settings

from ggzy.accounts import services as accounts_services
from ggzy.audit.models import Event
from ggzy.compliance import selectors as compliance_selectors
from ggzy.compliance import services as compliance_services
from ggzy.compliance.models import ComplianceCheck
from ggzy.core.clock import FixedClock
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import notice_canonical, selectors, services
from ggzy.publishing.models import AgencyMandate, Notice, NoticeSignature, ReviewRecord
from ggzy.publishing.services.agency import agency_notice_findings
from ggzy.publishing.tests.agency_support import NOW, PROJECT, Agency, make_agency, tender_fields
from ggzy.sealing import certs
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 200


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def ag(make_org: Any, make_user: Any, clock: FixedClock) -> Agency:
    return make_agency(make_org, make_user, clock)


def draft(ag: Agency, clock: FixedClock, **overrides: Any) -> Notice:
    return services.agency_notice_create(actor=ag.publisher, clock=clock, **tender_fields(**overrides))


def submit(ag: Agency, notice: Notice, clock: FixedClock, **kwargs: Any) -> Notice:
    kwargs.setdefault("certificate_der", ag.cert_der)
    kwargs.setdefault("signature", ag.sign(notice))
    return services.agency_notice_submit(actor=ag.publisher, notice=notice, clock=clock, **kwargs)


def counts() -> tuple[int, int, int, int]:
    return (
        NoticeSignature.objects.count(),
        ComplianceCheck.objects.count(),
        Event.objects.count(),
        Notice.objects.filter(status="published").count(),
    )


def refused(ag: Agency, notice: Notice, clock: FixedClock, **kwargs: Any) -> ValidationFailed:
    """Submit, expect a refusal, and check nothing was stored and the draft is unchanged."""
    before = counts()
    with pytest.raises((ValidationFailed, PermissionDenied)) as info:
        submit(ag, notice, clock, **kwargs)
    assert counts() == before
    notice.refresh_from_db()
    assert notice.status == "draft"
    assert info.value.message
    return info.value  # type: ignore[return-value]


# ---------------------------------------------------------------- canonical form


def test_canonical_bytes_are_the_documented_object(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    data = selectors.notice_canonical_bytes(notice)
    assert data.startswith(b'{"agency":{"credit_code":"')
    assert b" " not in data.replace("示范".encode(), b"")[:40]  # no insignificant white space
    value = json.loads(data)
    assert value["format"] == "ggzy-notice/1"
    assert value["notice_id"] == notice.pk
    assert value["agency"] == {"credit_code": ag.agency.credit_code, "name": ag.agency.name}
    assert value["notice"]["budget"] == "12000000.00"
    assert value["notice"]["bid_deadline"] == "2026-03-24T01:00:00.000000Z"
    assert value["notice"]["agency_name"] == ag.agency.name
    assert value["notice"]["tenderer_name"] == ag.tenderer.name  # filled from the mandate
    assert set(value["notice"]) == set(notice_canonical.SIGNED_FIELDS)


def test_canonical_bytes_change_with_an_attachment(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    before = selectors.notice_canonical_bytes(notice)
    services.agency_notice_update(
        actor=ag.publisher,
        notice=notice,
        clock=clock,
        uploads=[("招标文件.pdf", io.BytesIO(PDF))],
        **tender_fields(),
    )
    after = selectors.notice_canonical_bytes(notice)
    assert after != before
    assert hashlib.sha256(PDF).hexdigest().encode() in after


def test_money_typed_without_decimals_signs_the_same_bytes() -> None:
    common: dict[str, Any] = {
        "notice_id": 1,
        "version": 1,
        "changes_id": None,
        "attachments": [],
        "agency_credit_code": "X",
        "agency_name": "A",
    }
    a = notice_canonical.notice_bytes(fields={"budget": "1200"}, **common)
    b = notice_canonical.notice_bytes(fields={"budget": "1200.00"}, **common)
    assert a == b


# ---------------------------------------------------------------- submission


def test_signed_notice_is_published_at_once_and_enters_patrol(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    result = submit(ag, notice, clock)
    assert result.status == "published"
    assert result.published_at == clock.now()
    signature = selectors.notice_signature(result)
    assert signature is not None
    assert bytes(signature.canonical) == selectors.notice_canonical_bytes(result)
    assert signature.serial_hex == certs.serial_hex(ag.cert)
    assert signature.signer_organisation == ag.agency
    certs.verify_signature(ag.cert, bytes(signature.canonical), bytes(signature.signature))
    assert compliance_selectors.compliance_latest(subject=f"notice:{notice.pk}") is not None
    assert list(
        selectors.agency_notices_published_between(start=clock.now(), end=clock.now() + dt.timedelta(hours=1))
    ) == [result]
    actions = list(Event.objects.filter(target_id=str(notice.pk)).values_list("action", flat=True))
    assert "agency_notice.sign" in actions
    assert "notice.publish" in actions


def test_rsa_certificates_work_too(make_org: Any, make_user: Any, clock: FixedClock) -> None:
    ag = make_agency(make_org, make_user, clock, key_type="rsa")
    assert submit(ag, draft(ag, clock), clock).status == "published"


def test_approve_first_goes_into_the_center_review_queue(
    ag: Agency, clock: FixedClock, staff: dict[str, Any]
) -> None:
    compliance_services.publication_policy_set(
        actor=ag.admin, kind="tender", domain="construction", mode="approve_first", clock=clock
    )
    notice = submit(ag, draft(ag, clock), clock)
    assert notice.status == "in_review"
    queue = [e.item.pk for e in selectors.review_queue(user=staff["first_reviewer"])]
    assert notice.pk in queue
    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        notice = services.release_approve(actor=staff[role], item=notice, clock=clock)
    assert notice.status == "published"
    assert ReviewRecord.objects.filter(object_id=notice.pk, decision="submit").count() == 1


def test_returned_notice_is_fixed_signed_again_and_resubmitted(
    ag: Agency, clock: FixedClock, staff: dict[str, Any]
) -> None:
    compliance_services.publication_policy_set(
        actor=ag.admin, kind="tender", domain="construction", mode="approve_first", clock=clock
    )
    notice = submit(ag, draft(ag, clock), clock)
    notice = services.release_return(
        actor=staff["first_reviewer"], item=notice, comment="标段名称有误", clock=clock
    )
    old_signature = ag.sign(notice)
    services.agency_notice_update(
        actor=ag.publisher, notice=notice, clock=clock, **tender_fields(section_name="一标段")
    )
    # the signature over the old content no longer fits
    refusal = refused_status(ag, notice, clock, "returned", signature=old_signature)
    assert refusal.code == "signature_invalid"
    notice = submit(ag, notice, clock)
    assert notice.status == "in_review"
    assert notice.signatures.count() == 2
    assert b"\xe4\xb8\x80\xe6\xa0\x87\xe6\xae\xb5" in bytes(
        selectors.notice_signature(notice).canonical
    )  # 一标段


def refused_status(
    ag: Agency, notice: Notice, clock: FixedClock, status: str, **kwargs: Any
) -> ValidationFailed:
    before = counts()
    with pytest.raises(ValidationFailed) as info:
        submit(ag, notice, clock, **kwargs)
    assert counts() == before
    notice.refresh_from_db()
    assert notice.status == status
    return info.value


def test_compliance_errors_block_and_are_listed_with_legal_basis(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock, bid_deadline=tender_fields()["file_issue_start"] + dt.timedelta(days=10))
    result = agency_notice_findings(notice=notice, clock=clock)
    assert [f.rule_code for f in result.errors] == ["tender_period"]
    error = refused(ag, notice, clock)
    assert error.code == "compliance_errors"
    assert "招标投标法" in error.message  # the legal basis is in the refusal


def test_warnings_need_confirmation(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock, body_html="<p>投标人须提供原厂授权书。</p>")
    error = refused(ag, notice, clock)
    assert error.code == "warnings_unconfirmed"
    published = submit(ag, notice, clock, confirm_warnings=True)
    assert published.status == "published"
    assert selectors.notice_signature(published).warnings_confirmed is True


def test_check_records_what_the_agency_saw(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock, body_html="<p>须本地注册的企业方可投标。</p>")
    result = services.agency_notice_check(actor=ag.publisher, notice=notice, clock=clock)
    assert result.has_errors
    latest = compliance_selectors.compliance_latest(subject=f"notice:{notice.pk}")
    assert latest is not None and latest.error_count == len(result.errors)


# ---------------------------------------------------------------- bad input (issue 3)


def test_signature_over_different_bytes_is_refused(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    other = certs.sign_bytes(ag.key_pem, selectors.notice_canonical_bytes(notice) + b" ")
    error = refused(ag, notice, clock, signature=other)
    assert error.code == "signature_invalid"
    assert "签名验证失败" in error.message


def test_garbage_signature_and_certificate_are_refused(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    assert refused(ag, notice, clock, signature=b"\x00garbage").code == "signature_invalid"
    assert refused(ag, notice, clock, certificate_der=b"not a certificate").code == "unreadable"
    assert "请提供签名值" in refused(ag, notice, clock, signature=b"").message


def test_certificate_of_another_organisation_is_refused(
    ag: Agency, clock: FixedClock, make_org: Any, make_user: Any
) -> None:
    other = make_org("agency", "另一家代理公司")
    other_user = make_user("agency_publisher", org=other)
    cert, key = pki.make_leaf(ag.ca_cert, ag.ca_key, org_name=other.name, credit_code=other.credit_code)
    accounts_services.certificate_bind(
        actor=other_user, organisation=other, data=pki.cert_pem(cert), clock=clock
    )
    notice = draft(ag, clock)
    signature = certs.sign_bytes(pki.key_pem(key), selectors.notice_canonical_bytes(notice))
    error = refused(ag, notice, clock, certificate_der=pki.cert_der(cert), signature=signature)
    assert "另一家代理公司" in error.message


def test_unbound_certificate_is_refused(ag: Agency, clock: FixedClock) -> None:
    cert, key = pki.make_leaf(
        ag.ca_cert, ag.ca_key, org_name=ag.agency.name, credit_code=ag.agency.credit_code
    )
    notice = draft(ag, clock)
    signature = certs.sign_bytes(pki.key_pem(key), selectors.notice_canonical_bytes(notice))
    error = refused(ag, notice, clock, certificate_der=pki.cert_der(cert), signature=signature)
    assert "未绑定" in error.message


def test_expired_certificate_is_refused(ag: Agency, clock: FixedClock) -> None:
    cert, key = pki.make_leaf(
        ag.ca_cert,
        ag.ca_key,
        org_name=ag.agency.name,
        credit_code=ag.agency.credit_code,
        not_after=NOW + dt.timedelta(days=1),
    )
    accounts_services.certificate_bind(
        actor=ag.publisher, organisation=ag.agency, data=pki.cert_pem(cert), clock=clock
    )
    clock.advance(days=2)
    notice = draft(ag, clock)
    signature = certs.sign_bytes(pki.key_pem(key), selectors.notice_canonical_bytes(notice))
    error = refused(ag, notice, clock, certificate_der=pki.cert_der(cert), signature=signature)
    assert error.code == "expired"
    assert "已过期" in error.message


def test_revoked_certificate_is_refused(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    crl = pki.make_crl(ag.ca_cert, ag.ca_key, [ag.cert.serial_number])
    accounts_services.revocation_list_upload(actor=ag.admin, data=pki.crl_der(crl), clock=clock)
    error = refused(ag, notice, clock)
    assert error.code == "revoked"
    assert "吊销" in error.message


def test_project_the_agency_does_not_represent_is_refused(ag: Agency, clock: FixedClock) -> None:
    before = (Notice.objects.count(), Event.objects.count())
    with pytest.raises(PermissionDenied) as info:
        draft(ag, clock, project_code="E6404999999")
    assert "没有项目 E6404999999 的有效代理委托" in info.value.message
    assert (Notice.objects.count(), Event.objects.count()) == before


def test_revoked_mandate_stops_submission(ag: Agency, clock: FixedClock) -> None:
    notice = draft(ag, clock)
    services.agency_mandate_revoke(actor=ag.tenderer_user, mandate=ag.mandate, reason="解除委托", clock=clock)
    error = refused(ag, notice, clock)
    assert "没有项目" in error.message


def test_change_notice_pointing_at_nothing_is_refused(ag: Agency, clock: FixedClock) -> None:
    before = (Notice.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as info:
        draft(ag, clock, kind="change", changes=None, title="变更公告")
    assert "必须指明所变更的原公告" in info.value.message
    assert (Notice.objects.count(), Event.objects.count()) == before


def test_change_notice_must_point_at_the_same_project(ag: Agency, clock: FixedClock, make_org: Any) -> None:
    published = submit(ag, draft(ag, clock), clock)
    services.agency_mandate_grant(
        actor=ag.tenderer_user,
        tenderer=ag.tenderer,
        agency=ag.agency,
        project_code="E6404000002",
        project_name="另一个项目",
        valid_from=dt.date(2026, 1, 1),
        clock=clock,
    )
    with pytest.raises(ValidationFailed) as info:
        draft(ag, clock, kind="change", changes=published, project_code="E6404000002", title="变更")
    assert "同一项目" in info.value.message
    change = draft(
        ag, clock, kind="change", changes=published, title="关于滨河路改造工程的变更公告", procedure=""
    )
    assert submit(ag, change, clock).status == "published"


@override_settings(GGZY_UPLOAD_MAX_BYTES=1024)
def test_oversized_attachment_is_refused(ag: Agency, clock: FixedClock) -> None:
    before = (Notice.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as info:
        services.agency_notice_create(
            actor=ag.publisher,
            clock=clock,
            uploads=[("招标文件.pdf", io.BytesIO(PDF + b"0" * 2048))],
            **tender_fields(),
        )
    assert "超过上限" in info.value.message
    assert (Notice.objects.count(), Event.objects.count()) == before


def test_only_agency_publishers_draft(ag: Agency, clock: FixedClock) -> None:
    with pytest.raises(PermissionDenied):
        services.agency_notice_create(actor=ag.tenderer_user, clock=clock, **tender_fields())


def test_another_agency_cannot_submit_our_notice(
    ag: Agency, clock: FixedClock, make_org: Any, make_user: Any
) -> None:
    notice = draft(ag, clock)
    intruder = make_user("agency_publisher", org=make_org("agency", "冒名代理"))
    with pytest.raises(Exception) as info:
        services.agency_notice_submit(
            actor=intruder, notice=notice, certificate_der=ag.cert_der, signature=ag.sign(notice), clock=clock
        )
    assert "无权" in str(info.value) or "不存在" in str(info.value)
    notice.refresh_from_db()
    assert notice.status == "draft"


def test_published_notice_cannot_be_submitted_again(ag: Agency, clock: FixedClock) -> None:
    notice = submit(ag, draft(ag, clock), clock)
    with pytest.raises(InvalidTransition):
        submit(ag, notice, clock)


# ---------------------------------------------------------------- mandates


def test_mandate_rules(ag: Agency, clock: FixedClock, make_org: Any, make_user: Any) -> None:
    other_tenderer = make_org("tenderer", "另一招标人")
    other_user = make_user("tenderer", org=other_tenderer)
    # the project is someone else's mandate for this agency
    with pytest.raises(ValidationFailed, match="其他招标人"):
        services.agency_mandate_grant(
            actor=other_user,
            tenderer=other_tenderer,
            agency=ag.agency,
            project_code=PROJECT,
            project_name="x",
            valid_from=dt.date(2026, 1, 1),
            clock=clock,
        )
    # a tenderer cannot grant in another tenderer's name
    with pytest.raises(PermissionDenied):
        services.agency_mandate_grant(
            actor=other_user,
            tenderer=ag.tenderer,
            agency=ag.agency,
            project_code="P2",
            project_name="x",
            valid_from=dt.date(2026, 1, 1),
            clock=clock,
        )
    # only agencies can be mandated
    with pytest.raises(ValidationFailed, match="代理机构"):
        services.agency_mandate_grant(
            actor=other_user,
            tenderer=other_tenderer,
            agency=other_tenderer,
            project_code="P3",
            project_name="x",
            valid_from=dt.date(2026, 1, 1),
            clock=clock,
        )
    # an expired mandate does not count
    services.agency_mandate_grant(
        actor=other_user,
        tenderer=other_tenderer,
        agency=ag.agency,
        project_code="P4",
        project_name="旧项目",
        valid_from=dt.date(2025, 1, 1),
        valid_until=dt.date(2025, 12, 31),
        clock=clock,
    )
    assert selectors.agency_mandate_active(agency=ag.agency, project_code="P4", on=NOW.date()) is None
    assert AgencyMandate.objects.filter(agency=ag.agency).count() == 2


def test_notice_signed_as_stored(ag: Agency, clock: FixedClock, staff: dict[str, Any]) -> None:
    compliance_services.publication_policy_set(
        actor=ag.admin, kind="tender", domain="construction", mode="approve_first", clock=clock
    )
    notice = draft(ag, clock)
    assert not selectors.notice_signed_as_stored(notice)
    notice = submit(ag, notice, clock)
    assert selectors.notice_signed_as_stored(notice)
    notice = services.release_return(actor=staff["first_reviewer"], item=notice, comment="改", clock=clock)
    notice = services.agency_notice_update(
        actor=ag.publisher, notice=notice, clock=clock, **tender_fields(section_name="改后")
    )
    assert not selectors.notice_signed_as_stored(notice)


# ---------------------------------------------------------------- the center's generic routes


def test_unsigned_agency_notice_cannot_enter_review_through_the_generic_submit(
    ag: Agency, clock: FixedClock
) -> None:
    notice = draft(ag, clock)
    with pytest.raises(PermissionDenied, match="签名后提交"):
        services.release_submit(actor=ag.publisher, item=notice, clock=clock)
    notice.refresh_from_db()
    assert notice.status == "draft"
    assert not Event.objects.filter(action="notice.submit", target_id=str(notice.pk)).exists()


def test_center_signer_takes_an_agency_notice_down_but_another_agency_cannot(
    ag: Agency, clock: FixedClock, make_org: Any, make_user: Any
) -> None:
    notice = submit(ag, draft(ag, clock), clock)
    assert notice.status == "published"
    other_agency_signer = make_user("agency_publisher", org=make_org("agency"))
    with pytest.raises(PermissionDenied):
        services.release_withdraw(actor=other_agency_signer, item=notice, reason="不该成功", clock=clock)
    center_signer = make_user("signer", org=ag.center)
    taken = services.release_withdraw(
        actor=center_signer, item=notice, reason="违反公平竞争原则", clock=clock
    )
    assert taken.status == "withdrawn"
    assert taken.withdrawal_reason == "违反公平竞争原则"
