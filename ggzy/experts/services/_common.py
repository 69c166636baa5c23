"""What every experts service shares: permissions, locking, the transition check, the audit call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, local_date
from ggzy.core.errors import InvalidTransition, PermissionDenied
from ggzy.experts import workflow
from ggzy.experts.config import expert_rules
from ggzy.experts.models import Draw, Expert
from ggzy.trading import access

POOL_ROLES: tuple[str, ...] = (Role.SYSTEM_ADMIN,)


def today(clock: Clock) -> dt.date:
    return local_date(clock.now())


def is_pool_staff(actor: User | None) -> bool:
    return bool(actor and actor.is_active and actor.is_center_staff and actor.has_role(*POOL_ROLES))


def require_pool_staff(actor: User | None) -> User:
    if actor is None or not is_pool_staff(actor):
        raise PermissionDenied("只有交易中心的专家库管理人员（系统管理员）可以管理评标专家库")
    return actor


def is_name_viewer(actor: User | None) -> bool:
    roles = expert_rules()["name_viewer_roles"]
    return bool(actor and actor.is_active and actor.is_center_staff and actor.has_role(*roles))


def may_request(actor: User | None, draw_or_section: Any, *, clock: Clock) -> bool:
    section = draw_or_section.section if isinstance(draw_or_section, Draw) else draw_or_section
    return access.may_manage(actor, section.project, today=today(clock))


def require_requester(actor: User | None, draw_or_section: Any, *, clock: Clock) -> User:
    if actor is None or not may_request(actor, draw_or_section, clock=clock):
        raise PermissionDenied(
            "只有本标段的招标人（采购人）、受委托的代理机构或交易中心系统管理员可以抽取专家"
        )
    return actor


def require_own_expert(actor: User | None, expert: Expert) -> User:
    if actor is None or not actor.is_active or expert.user_id is None or expert.user_id != actor.pk:
        raise PermissionDenied("只能维护本人的专家信息")
    return actor


def lock_draw(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().select_related("section__tender_project__project").get(pk=draw.pk)


def transition(name: str, draw: Draw) -> str:
    try:
        return workflow.target(name, draw.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def audit(target: Model, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=f"experts.{action}", target=target, data=data, clock=clock)


def iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()
