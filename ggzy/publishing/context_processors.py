from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from ggzy.accounts.choices import CENTER_ROLES, Role
from ggzy.compliance.services import can_view as compliance_can_view

REVIEW_ROLES = (Role.FIRST_REVIEWER, Role.REVIEWER, Role.SECOND_REVIEWER, Role.SIGNER)
DISCLOSURE_ROLES = (Role.DISCLOSURE_OFFICER, Role.DISCLOSURE_HEAD)
# Who handles 互动交流 (must match ggzy.participation.services.MODERATOR_ROLES; publishing sits
# below participation and cannot import it).
PARTICIPATION_ROLES = (Role.EDITOR, Role.FIRST_REVIEWER, Role.REVIEWER)


def back_office(request: HttpRequest) -> dict[str, Any]:
    """Which back-office entries this user has: the nav shows only what they can use."""
    if not request.path.startswith(("/manage/", "/accounts/agency/")) or not request.user.is_authenticated:
        return {}
    user: Any = request.user
    return {
        "can_draft": user.has_role(Role.EDITOR),
        "can_review": user.has_role(*REVIEW_ROLES),
        "can_disclose": user.has_role(*DISCLOSURE_ROLES),
        # The annual disclosure report (ggzy.annual_report.views.STAFF_ROLES): drafted by the
        # disclosure office, signed off by the leader in charge (复审/分管领导).
        "can_annual_report": user.is_center_staff
        and user.has_role(Role.DISCLOSURE_OFFICER, Role.DISCLOSURE_HEAD, Role.SECOND_REVIEWER),
        "can_participate": user.is_center_staff and user.has_role(*PARTICIPATION_ROLES),
        "can_compliance": compliance_can_view(user),
        "can_agency_publish": user.has_role(Role.AGENCY_PUBLISHER),
        "can_agency_certs": user.has_role(Role.AGENCY_PUBLISHER),
        "can_mandate": user.has_role(Role.TENDERER),
        # Projects and sections (ggzy.trading.access: tenderers, agencies, the center's admins).
        "can_trade": user.has_role(Role.TENDERER, Role.AGENCY_PUBLISHER)
        or (user.is_center_staff and user.has_role(Role.SYSTEM_ADMIN)),
        # The hall's big screen announcements (ggzy.portal.services.may_manage_screen).
        "can_manage_screen": user.is_center_staff and user.has_role(Role.EDITOR),
        # Patrol, correction orders, broken links, violations (ggzy.supervision; any center staff
        # may look, the services check the role of each action).
        "can_supervise": user.is_center_staff
        and user.has_role(Role.PATROLLER, Role.SIGNER, Role.SYSTEM_ADMIN, Role.EDITOR),
        "can_answer_orders": user.has_role(Role.AGENCY_PUBLISHER),
        # Expert draws (ggzy.experts): tenderers/agencies request, supervisors add entropy, the
        # center's system administrators keep the pool; experts see their own page.
        "can_draw_experts": user.has_role(Role.TENDERER, Role.AGENCY_PUBLISHER, Role.SUPERVISOR)
        or (user.is_center_staff and user.has_role(Role.SYSTEM_ADMIN)),
        "can_manage_expert_pool": user.is_center_staff and user.has_role(Role.SYSTEM_ADMIN),
        "is_expert": user.has_role(Role.EXPERT),
        # The evaluation room (ggzy.evaluation): experts see their committees' sections. Resolved
        # here so the nav works before ggzy.evaluation.urls is included in config/urls.py.
        "evaluation_url": _evaluation_url() if user.has_role(Role.EXPERT) else "",
        # The committee's clarification requests to the bidder's organisation (ggzy.evaluation).
        "clarifications_url": _evaluation_url("evaluation:bidder_clarifications")
        if user.has_role(Role.BIDDER)
        else "",
        # The losing bidders' result notifications and the trading statistics (ggzy.evaluation).
        "result_notifications_url": _evaluation_url("evaluation:notifications")
        if user.has_role(Role.BIDDER)
        else "",
        "trading_stats_url": _evaluation_url("evaluation:stats")
        if (user.is_center_staff and user.has_role(*CENTER_ROLES)) or user.has_role(Role.SUPERVISOR)
        else "",
    }


def _evaluation_url(name: str = "evaluation:room_list") -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""
