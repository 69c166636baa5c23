"""``{% annual_report_deadline %}``: the statutory-deadline card (31 January, Art. 49) for the staff
dashboard. Shown to the report's staff only (officer, head, leader in charge)."""

from __future__ import annotations

from typing import Any

from django import template

from ggzy.annual_report import selectors, views
from ggzy.core.clock import local_date

register = template.Library()


@register.inclusion_tag("annual_report/_deadline.html", takes_context=True)
def annual_report_deadline(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or not user.is_center_staff
        or not user.has_role(*views.STAFF_ROLES)
    ):
        return {"deadline": None}
    return {"deadline": selectors.report_deadline(today=local_date(views.clock.now()))}
