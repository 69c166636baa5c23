"""Who may do what in the trading app. Shared by services (which enforce) and selectors/views
(which hide what a user cannot use).

* Managing a project and its sections: a tenderer user of the project's tenderer; a user of an
  agency holding an active ``publishing.AgencyMandate`` from that tenderer for the project code;
  or center staff with the system administrator role.
* Downloading tender files: a user with the bidder role in a bidder organisation; no sign-up
  (报名) precondition.
* Seeing who downloaded: only after the bid deadline, and then only the managers above, center
  staff and supervisors.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from ggzy.accounts.choices import OrganisationKind, Role
from ggzy.accounts.models import Organisation, User
from ggzy.core.errors import PermissionDenied
from ggzy.publishing.models import AgencyMandate
from ggzy.trading.models import Project

MANAGER_ROLES: tuple[str, ...] = (Role.TENDERER, Role.AGENCY_PUBLISHER, Role.SYSTEM_ADMIN)


def mandate_active(
    *, agency: Organisation, tenderer: Organisation, project_code: str, today: dt.date
) -> bool:
    return (
        AgencyMandate.objects.filter(
            agency=agency,
            tenderer=tenderer,
            project_code=project_code,
            revoked_at__isnull=True,
            valid_from__lte=today,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exists()
    )


def is_center_admin(actor: User) -> bool:
    return actor.is_center_staff and actor.has_role(Role.SYSTEM_ADMIN)


def may_manage_for(actor: User | None, *, tenderer: Organisation, project_code: str, today: dt.date) -> bool:
    if actor is None or not actor.is_active or actor.organisation_id is None:
        return False
    if actor.has_role(Role.TENDERER) and actor.organisation_id == tenderer.pk:
        return True
    org = actor.organisation
    if (
        actor.has_role(Role.AGENCY_PUBLISHER)
        and org is not None
        and org.kind == OrganisationKind.AGENCY
        and mandate_active(agency=org, tenderer=tenderer, project_code=project_code, today=today)
    ):
        return True
    return is_center_admin(actor)


def may_manage(actor: User | None, project: Project, *, today: dt.date) -> bool:
    return may_manage_for(actor, tenderer=project.tenderer, project_code=project.code, today=today)


def require_manager(actor: User | None, project: Project, *, today: dt.date) -> User:
    if actor is None or not may_manage(actor, project, today=today):
        raise PermissionDenied(
            "只有本项目的招标人、持有该项目有效委托的代理机构或交易中心系统管理员可以管理该项目"
        )
    return actor


def is_bidder(actor: User | None) -> bool:
    return (
        actor is not None
        and actor.is_active
        and actor.has_role(Role.BIDDER)
        and actor.organisation is not None
        and actor.organisation.kind == OrganisationKind.BIDDER
    )


def require_bidder(actor: User | None) -> User:
    if actor is None or not is_bidder(actor):
        raise PermissionDenied("只有以投标人身份登录的用户可以下载招标文件")
    return actor


def may_see_downloads(actor: User | None, project: Project, *, today: dt.date) -> bool:
    """Who may see the download list once the deadline has passed."""
    if actor is None or not actor.is_active:
        return False
    if actor.is_center_staff or actor.has_role(Role.SUPERVISOR):
        return True
    return may_manage(actor, project, today=today)
