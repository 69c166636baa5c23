"""The termination notice of a failed section, drafted for the release pipeline. One drafting
path for both places a section fails — the opening (不予开标) and the evaluation — each of which
keeps the link to its notice on its own row and audits that in the same transaction."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.publishing.choices import NoticeKind
from ggzy.publishing.models import Notice
from ggzy.publishing.services import notices
from ggzy.trading import termination_notice
from ggzy.trading.models import Section


@transaction.atomic
def termination_notice_draft(
    *, actor: User, section: Section, next_step: str, code: str, outcome: str, reason: str, basis: str
) -> Notice:
    """A draft termination notice (kind ``termination``) of ``section``: title by next step and
    regime, body from :func:`termination_notice.body_html`. Drafting is the center editor's
    (``notice_create`` checks it and audits the draft); it is then submitted and reviewed like
    any notice, and reaches the portal once signed off."""
    return notices.notice_create(
        actor=actor,
        title=termination_notice.title(section, next_step),
        body_html=termination_notice.body_html(
            section, outcome=outcome, reason=reason, basis=basis, next_step=next_step, code=code
        ),
        **termination_notice.common_fields(section),
        kind=NoticeKind.TERMINATION,
    )
