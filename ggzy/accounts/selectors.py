"""Reads about users and organisations, with the permission questions asked of them."""

from __future__ import annotations

from django.db.models import QuerySet

from ggzy.accounts.choices import OrganisationKind
from ggzy.accounts.models import Organisation, User

# The demo's shared password, printed on the demo login page; never used outside `ggzy demo`.
DEMO_PASSWORD = "ggzy-demo-2021"  # noqa: S105


def organisation_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(is_active=True)
    return qs.filter(kind=kind) if kind else qs


def center_organisation() -> Organisation | None:
    return Organisation.objects.filter(kind=OrganisationKind.CENTER).order_by("pk").first()


def demo_user_list() -> list[dict[str, str]]:
    """Demo accounts for the login page of the demo (shown only when GGZY_SHOW_DEMO_USERS)."""
    users = User.objects.filter(username__startswith="demo-").select_related("organisation")
    result = []
    for user in users.prefetch_related("role_grants"):
        roles = "、".join(g.get_role_display() for g in user.role_grants.all())
        result.append(
            {
                "username": user.username,
                "name": str(user),
                "organisation": str(user.organisation or ""),
                "roles": roles or ("系统管理员" if user.is_superuser else ""),
                "password": DEMO_PASSWORD,
            }
        )
    return result


def user_needs_second_factor(*, user: User, required_for_staff: bool) -> bool:
    """True when this login must pass a TOTP check: the user enrolled one, or policy requires it."""
    device = getattr(user, "totp_device", None) if hasattr(user, "totp_device") else None
    if device is not None and device.is_confirmed:
        return True
    return required_for_staff and (user.is_center_staff or user.is_superuser)
