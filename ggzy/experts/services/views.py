"""Reading the committee's names is a recorded act: who saw which draw's names, when."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import PermissionDenied
from ggzy.experts import selectors
from ggzy.experts.choices import DrawStatus
from ggzy.experts.models import Draw
from ggzy.experts.services._common import audit, is_name_viewer, may_request


@transaction.atomic
def committee_view(*, actor: User, draw: Draw, clock: Clock = system_clock) -> list[selectors.SeatRow]:
    """The names of the selected experts. Designated center staff may always look; the tenderer
    and its agency only once the evaluation has started. Every look writes an audit event."""
    draw = Draw.objects.select_related("section__tender_project__project").get(pk=draw.pk)
    open_now = draw.status in (DrawStatus.EVALUATING, DrawStatus.REVEALED)
    if not (is_name_viewer(actor) or (open_now and may_request(actor, draw, clock=clock))):
        raise PermissionDenied("评标委员会成员名单在评标开始前保密，只有指定的交易中心工作人员可以查看")
    rows = selectors.seat_rows(draw, with_names=True)
    audit(draw, actor=actor, action="committee_viewed", clock=clock, seats=len(rows))
    return rows
