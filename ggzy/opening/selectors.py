"""Reads of the opening hall."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from ggzy.accounts.models import User
from ggzy.core.errors import NotFound
from ggzy.opening import services, workflow
from ggzy.opening.models import OpeningEvent, OpeningSession
from ggzy.trading import termination_rules
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
    # the host's view while decryption is over: the failure code when too few bids were decrypted
    # (the hall offers "record the failure" instead of the readout)
    shortfall: str = ""
    shortfall_label: str = ""
    # a failed opening: why, with its counts (everyone sees it)
    outcome_label: str = ""
    outcome_reason: str = ""
    # what a failed opening's notice is called: 流标公告 (tendering law) / 废标公告 (procurement)
    notice_word: str = "流标公告"


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
    domain = section.project.domain
    shortfall = services.decryption_shortfall(session) if role == "host" else ""
    outcome_label = outcome_reason = ""
    if session.failed and session.failure_code:
        outcome_label = termination_rules.failure_category(session.failure_code, domain).label
        outcome_reason = services.failure_reason(session)
    return HallView(
        shortfall=shortfall,
        shortfall_label=termination_rules.failure_category(shortfall, domain).label if shortfall else "",
        outcome_label=outcome_label,
        outcome_reason=outcome_reason,
        notice_word=termination_rules.notice_word(domain, termination_rules.RETENDER),
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


def record_signature_problem(session: OpeningSession) -> str:
    """Why the session's opening record does not verify, in Chinese; "" when it does: the stored
    PDF must still have the recorded SHA-256, and the signature must be the platform key's of the
    algorithm the record names (ECDSA P-256 or SM2 — each with its own key, so records made
    before the deployment switched crypto suite keep verifying)."""
    from django.core.files.storage import default_storage

    from ggzy.audit.platform_key import platform_signature_valid
    from ggzy.opening.record import signed_message

    if session.record_pdf is None or not session.record_signature:
        return "开标记录尚未生成"
    with default_storage.open(session.record_pdf.path, "rb") as fh:
        pdf = fh.read()
    if hashlib.sha256(pdf).hexdigest() != session.record_sha256:
        return "开标记录 PDF 与记录的 SHA-256 不符（文件被改动）"
    if not platform_signature_valid(
        message=signed_message(session.record_algorithm, pdf),
        signature=session.record_signature,
        algorithm=session.record_algorithm,
        key_id=session.record_key_id or None,
    ):
        return f"开标记录的平台签名（{session.record_algorithm_label}）无效"
    return ""
