"""The world the access matrix runs in: objects owned by one set of organisations (an agency with a
mandate and a draft notice, a tenderer with a trading project) and users of *other* organisations
holding every role, made through the real services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ggzy.accounts.choices import CENTER_ROLES, ROLE_ORGANISATION_KIND, Role
from ggzy.core.clock import FixedClock
from ggzy.publishing.tests.agency_support import make_agency, tender_fields


@dataclass
class World:
    owner: Any  # publishing.tests.agency_support.Agency
    notice: Any
    project: Any
    section: Any
    certificate: Any
    users: dict[str, Any] = field(default_factory=dict)  # label -> user of ANOTHER organisation


def build_world(make_org: Callable[..., Any], make_user: Callable[..., Any], clock: FixedClock) -> World:
    from ggzy.accounts.models import Certificate
    from ggzy.publishing.services import agency as agency_services
    from ggzy.trading import services as trading

    owner = make_agency(make_org, make_user, clock)
    notice = agency_services.agency_notice_create(actor=owner.publisher, clock=clock, **tender_fields())
    project = trading.project_create(
        actor=owner.tenderer_user,
        tenderer=owner.tenderer,
        name="示范市第一中学教学楼新建工程",
        domain="construction",
        procedure="open_tendering",
        code="2026-640400-48-01-000999",
        clock=clock,
    )
    tp = trading.tender_project_create(
        actor=owner.tenderer_user, project=project, name="施工招标", clock=clock
    )
    section = trading.section_create(
        actor=owner.tenderer_user, tender_project=tp, name="施工一标段", price_cap=None, clock=clock
    )
    certificate = Certificate.objects.get(organisation=owner.agency)
    world = World(owner=owner, notice=notice, project=project, section=section, certificate=certificate)
    # Users of organisations that own nothing above; center roles share the (single) center.
    other_orgs: dict[str, Any] = {}
    for role in Role.values:
        kind = ROLE_ORGANISATION_KIND[role]
        if role not in CENTER_ROLES and kind not in other_orgs:
            other_orgs[kind] = make_org(kind)
        org = owner.center if role in CENTER_ROLES else other_orgs[kind]
        world.users[role] = make_user(role, org=org, username=f"mx-{role}")
    world.users["center_no_role"] = make_user(org=owner.center, username="mx-none")
    return world
