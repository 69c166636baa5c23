from typing import Any

from django.http import HttpRequest

from ggzy.accounts.choices import Role

REVIEW_ROLES = (Role.FIRST_REVIEWER, Role.REVIEWER, Role.SECOND_REVIEWER, Role.SIGNER)
DISCLOSURE_ROLES = (Role.DISCLOSURE_OFFICER, Role.DISCLOSURE_HEAD)


def back_office(request: HttpRequest) -> dict[str, Any]:
    """Which back-office entries this user has: the nav shows only what they can use."""
    if not request.path.startswith("/manage/") or not request.user.is_authenticated:
        return {}
    user: Any = request.user
    return {
        "can_draft": user.has_role(Role.EDITOR),
        "can_review": user.has_role(*REVIEW_ROLES),
        "can_disclose": user.has_role(*DISCLOSURE_ROLES),
    }
