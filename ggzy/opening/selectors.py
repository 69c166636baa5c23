"""Reads of the opening hall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ggzy.accounts.models import User
from ggzy.core.errors import NotFound
from ggzy.opening import services, workflow
from ggzy.opening.models import OpeningEvent, OpeningSession
from ggzy.trading.models import Bid, Section


def section_by_code(code: str) -> Section:
    section = (
        Section.objects.select_related("tender_project__project")
        .filter(code=code)
        .exclude(status="draft")
        .first()
    )
    if section is None:
        raise NotFound("标段不存在")
    return section


@dataclass
class HallView:
    section: Section
    session: OpeningSession
    role: str  # "host" | "bidder" | "public"
    my_bid: Bid | None
    rows: list[dict[str, Any]]
    events: list[OpeningEvent]
    last_seq: int
    state_label: str
    unopened: list[Bid]
    objections: list[Any]
    checked_in: bool
    confirmed: bool


def hall_role(user: Any, section: Section) -> tuple[str, Bid | None]:
    if not isinstance(user, User) or not user.is_authenticated:
        return "public", None
    if services.is_host(user):
        return "host", None
    if user.organisation_id is not None:
        bid = Bid.objects.filter(
            section=section, organisation_id=user.organisation_id, is_current=True
        ).first()
        if bid is not None:
            return "bidder", bid
    return "public", None


def session_peek(section: Section) -> OpeningSession:
    """The section's session, or an unsaved scheduled one: reading a page never writes."""
    return OpeningSession.objects.filter(section=section).first() or OpeningSession(section=section)


def hall_view(*, user: Any, section: Section) -> HallView:
    """What the hall page shows this user: the public sees names and prices only after
    decryption (the public part of each event)."""
    session = session_peek(section)
    if session.pk is None:
        role, my_bid = hall_role(user, section)
        return HallView(
            section=section,
            session=session,
            role=role,
            my_bid=my_bid,
            rows=[],
            events=[],
            last_seq=0,
            state_label=workflow.STATE_LABELS[workflow.SCHEDULED],
            unopened=[],
            objections=[],
            checked_in=False,
            confirmed=False,
        )
    role, my_bid = hall_role(user, section)
    public = role == "public"
    events = list(OpeningEvent.objects.filter(session=session).order_by("seq"))
    if public:
        events = [e for e in events if e.public is not None]
    rows = []
    for opened in session.opened_bids.select_related("bid__organisation").order_by("bid__organisation__name"):
        rows.append(
            {
                "bidder": opened.bid.organisation.name,
                "items": services._summary_public(section, opened.summary),
                "method": opened.get_method_display(),
                "mine": my_bid is not None and opened.bid_id == my_bid.pk,
                "confirmed": hasattr(opened.bid, "opening_confirmation"),
            }
        )
    return HallView(
        section=section,
        session=session,
        role=role,
        my_bid=my_bid,
        rows=rows,
        events=events,
        last_seq=session.last_seq,
        state_label=workflow.STATE_LABELS.get(session.state, session.state),
        unopened=services.unopened_bids(session) if role == "host" else [],
        objections=list(session.objections.select_related("organisation")),
        checked_in=my_bid is not None
        and session.check_ins.filter(organisation_id=my_bid.organisation_id).exists(),
        confirmed=my_bid is not None and hasattr(my_bid, "opening_confirmation"),
    )
