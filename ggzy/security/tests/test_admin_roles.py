"""三员分立: system, security and audit administrators are three people; none does the others' work."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from ggzy.accounts import services
from ggzy.accounts.choices import CENTER_ROLES, Role
from ggzy.accounts.models import RoleGrant, TOTPDevice
from ggzy.audit.models import Event
from ggzy.core.clock import FixedClock
from ggzy.core.errors import PermissionDenied, ValidationFailed
from ggzy.sealing import testing as pki

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _separated(settings: Any) -> None:
    settings.GGZY_SEPARATE_ADMIN_ROLES = True


@pytest.fixture
def admins(make_user: Any, center: Any) -> dict[str, Any]:
    return {
        "system": make_user(Role.SYSTEM_ADMIN, org=center, username="sys"),
        "security": make_user(Role.SECURITY_ADMIN, org=center, username="sec"),
        "audit": make_user(Role.AUDIT_ADMIN, org=center, username="aud"),
    }


def test_new_roles_are_center_roles() -> None:
    assert Role.SECURITY_ADMIN in CENTER_ROLES and Role.AUDIT_ADMIN in CENTER_ROLES
    assert Role("security_admin").label == "安全管理员"
    assert Role("audit_admin").label == "审计管理员"


@pytest.mark.parametrize("second", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_one_person_holds_at_most_one_admin_role(admins: dict[str, Any], second: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.role_grant(actor=None, user=admins["system"], role=second)
    assert exc.value.code == "role_conflict"
    with pytest.raises(ValidationFailed):
        services.role_grant(actor=admins["security"], user=admins["audit"], role=Role.SYSTEM_ADMIN)
    assert not RoleGrant.objects.filter(user=admins["system"], role=second).exists()


def test_user_create_with_two_admin_roles_is_refused(make_user: Any, center: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_user(Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, org=center, username="both")
    assert not RoleGrant.objects.filter(user__username="both").exists()  # nothing half-made


def test_system_admin_cannot_grant_itself_or_anyone_admin_roles(
    admins: dict[str, Any], make_user: Any, center: Any
) -> None:
    sysadmin = admins["system"]
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            services.role_grant(actor=sysadmin, user=sysadmin, role=role)
    newcomer = make_user(org=center)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sysadmin, user=newcomer, role=Role.AUDIT_ADMIN)
    # Ordinary roles remain the system administrator's work.
    services.role_grant(actor=sysadmin, user=newcomer, role=Role.EDITOR)
    assert newcomer.has_role(Role.EDITOR)


def test_security_admin_grants_admin_roles_but_not_to_itself(
    admins: dict[str, Any], make_user: Any, center: Any
) -> None:
    sec = admins["security"]
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=sec, user=sec, role=Role.SECURITY_ADMIN)
    newcomer = make_user(org=center)
    services.role_grant(actor=sec, user=newcomer, role=Role.AUDIT_ADMIN)
    assert Event.objects.filter(action="role.grant", data__role="audit_admin").exists()
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=admins["system"], user=newcomer, role=Role.AUDIT_ADMIN)
    services.role_revoke(actor=sec, user=newcomer, role=Role.AUDIT_ADMIN)


def test_audit_admin_changes_nothing(
    admins: dict[str, Any], make_user: Any, center: Any, make_org: Any
) -> None:
    aud = admins["audit"]
    other = make_user(org=center)
    ca_cert, _ = pki.make_ca("测试根CA")
    attempts = [
        lambda: services.role_grant(actor=aud, user=other, role=Role.EDITOR),
        lambda: services.role_revoke(actor=aud, user=admins["system"], role=Role.SYSTEM_ADMIN),
        lambda: services.trusted_root_import(actor=aud, data=pki.cert_pem(ca_cert), clock=FixedClock()),
        lambda: services.totp_reset(actor=aud, user=other),
        lambda: services.organisation_set_active(actor=aud, organisation=make_org("agency"), active=False),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()


def test_trust_store_is_the_security_admins_work(admins: dict[str, Any]) -> None:
    ca_cert, _ = pki.make_ca("测试根CA")
    with pytest.raises(PermissionDenied):
        services.trusted_root_import(actor=admins["system"], data=pki.cert_pem(ca_cert), clock=FixedClock())
    root = services.trusted_root_import(
        actor=admins["security"], data=pki.cert_pem(ca_cert), clock=FixedClock()
    )
    with pytest.raises(PermissionDenied):
        services.trusted_root_set_active(actor=admins["system"], root=root, active=False)
    services.trusted_root_set_active(actor=admins["security"], root=root, active=False)


def test_without_separation_the_system_admin_keeps_the_trust_store(
    admins: dict[str, Any], settings: Any
) -> None:
    settings.GGZY_SEPARATE_ADMIN_ROLES = False
    ca_cert, _ = pki.make_ca("测试根CA")
    services.trusted_root_import(actor=admins["system"], data=pki.cert_pem(ca_cert), clock=FixedClock())


def test_security_admin_resets_totp(admins: dict[str, Any], make_user: Any, center: Any) -> None:
    user = make_user(Role.EDITOR, org=center)
    device = services.totp_begin_enrolment(user=user)
    services.totp_confirm(user=user, code=pyotp.TOTP(device.secret).now())
    with pytest.raises(PermissionDenied):
        services.totp_reset(actor=admins["system"], user=user)
    with pytest.raises(PermissionDenied):
        services.totp_reset(actor=admins["security"], user=admins["security"])
    services.totp_reset(actor=admins["security"], user=user)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert Event.objects.filter(action="totp.reset", actor_id=admins["security"].pk).exists()


def test_audit_admin_reads_the_audit_log_in_admin_but_cannot_change_it(
    admins: dict[str, Any], make_user: Any, center: Any
) -> None:
    from django.test import Client

    services.role_grant(actor=None, user=make_user(org=center), role=Role.EDITOR)  # something logged
    event = Event.objects.order_by("-seq").first()
    assert event is not None
    client = Client()
    client.force_login(admins["audit"])
    assert client.get("/admin/audit/event/").status_code == 200
    assert client.get(f"/admin/audit/event/{event.pk}/change/").status_code == 200  # read-only view
    response = client.post(f"/admin/audit/event/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/accounts/user/").status_code == 403
    # Revoking the role closes the admin again.
    services.role_revoke(actor=admins["security"], user=admins["audit"], role=Role.AUDIT_ADMIN)
    admins["audit"].refresh_from_db()
    assert not admins["audit"].is_staff
    assert client.get("/admin/audit/event/").status_code == 302
