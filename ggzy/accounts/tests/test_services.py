from __future__ import annotations

import datetime as dt
from typing import Any

import pyotp
import pytest

from ggzy.accounts import services
from ggzy.accounts.models import Organisation, RoleGrant, User
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.codes import make_credit_code
from ggzy.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_organisation_with_valid_code_is_audited() -> None:
    org = services.organisation_create(
        actor=None, kind="agency", name="宁夏某工程咨询有限公司", credit_code="91110000802100433b"
    )
    assert org.credit_code == "91110000802100433B"
    assert Event.objects.filter(action="organisation.create", target_id=str(org.pk)).exists()


@pytest.mark.parametrize("code", ["91110000802100433A", "123", "91110000802100433O"])
def test_bad_credit_code_changes_nothing(code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.organisation_create(actor=None, kind="agency", name="某公司", credit_code=code)
    assert "credit_code" in exc.value.fields
    assert Organisation.objects.count() == 0


def test_duplicate_credit_code_is_refused() -> None:
    code = make_credit_code("91640400MA0000001")
    services.organisation_create(actor=None, kind="bidder", name="甲公司", credit_code=code)
    with pytest.raises(ValidationFailed, match="已被登记"):
        services.organisation_create(actor=None, kind="bidder", name="乙公司", credit_code=code)
    assert Organisation.objects.count() == 1


def test_role_must_fit_organisation_kind(make_org: Any) -> None:
    agency = make_org("agency")
    with pytest.raises(ValidationFailed, match="交易中心"):
        services.user_create(
            actor=None, username="a1", password="x" * 12, organisation=agency, roles=["signer"]
        )
    assert not User.objects.filter(username="a1").exists()
    user = services.user_create(
        actor=None, username="a2", password="x" * 12, organisation=agency, roles=["agency_publisher"]
    )
    assert user.has_role("agency_publisher") and not user.has_role("signer")
    assert RoleGrant.objects.filter(user=user).count() == 1


def test_totp_enrol_verify_and_no_replay(make_user: Any) -> None:
    user = make_user("editor")
    device = services.totp_begin_enrolment(user=user)
    clock = FixedClock(dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))
    code = pyotp.TOTP(device.secret).at(clock.now())
    with pytest.raises(ValidationFailed):
        services.totp_confirm(user=user, code="000000" if code != "000000" else "111111", clock=clock)
    services.totp_confirm(user=user, code=code, clock=clock)
    with pytest.raises(ValidationFailed, match="已使用"):
        services.totp_verify(user=user, code=code, clock=clock)  # same step replayed
    clock.advance(seconds=30)
    services.totp_verify(user=user, code=pyotp.TOTP(device.secret).at(clock.now()), clock=clock)
    assert Event.objects.filter(action="login.totp_ok").count() == 1
    assert Event.objects.filter(action="login.totp_failed").count() == 1
