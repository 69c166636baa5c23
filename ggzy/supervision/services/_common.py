"""What the supervision services share: role checks, transitions, and the roles themselves."""

from __future__ import annotations

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.core.errors import InvalidTransition, PermissionDenied
from ggzy.supervision import workflow

PATROLLER: str = Role.PATROLLER
# Center staff who may accept (close) or return a correction order and take a notice down.
ORDER_REVIEW_ROLES: tuple[str, ...] = (PATROLLER, Role.SIGNER, Role.SYSTEM_ADMIN)
TAKEDOWN_ROLES: tuple[str, ...] = (Role.SIGNER, Role.SYSTEM_ADMIN)


def transition(name: str, status: str) -> str:
    try:
        return workflow.ensure_allowed(name, status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def require_patroller(actor: User) -> None:
    if not (actor.is_center_staff and actor.has_role(PATROLLER)):
        raise PermissionDenied("只有交易中心的巡查员可以办理巡查")


def require_center(actor: User, roles: tuple[str, ...], message: str) -> None:
    if not (actor.is_center_staff and actor.has_role(*roles)):
        raise PermissionDenied(message)
