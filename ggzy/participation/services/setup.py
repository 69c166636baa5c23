"""The article categories this app publishes into, and the audited view of a contact."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.participation import pii
from ggzy.participation.choices import CATEGORIES
from ggzy.participation.models import Comment, Question
from ggzy.participation.services import _common as c


def participation_categories_ensure(category_model: Any = None) -> None:
    """Idempotent: create the "qa" (留言咨询) and "interpretation" (政策解读) columns when missing.
    Takes the model class so migration 0002 can pass its historical model; an existing row (a
    renamed or deactivated column) is left as staff set it."""
    if category_model is None:
        from ggzy.publishing.models import Category

        category_model = Category
    for code, name, position in CATEGORIES:
        category_model.objects.get_or_create(code=code, defaults={"name": name, "position": position})


@transaction.atomic
def participation_contact_view(
    *, actor: User, item: Comment | Question, purpose: str = "", clock: Clock = system_clock
) -> str:
    """The contact a commenter or asker left, in full, for handling staff; each view writes an
    audit event (without the contact itself)."""
    c.require_moderator(actor)
    kind = "comment" if isinstance(item, Comment) else "question"
    model: Any = type(item)
    row = model.objects.get(pk=item.pk)
    value = pii.decrypt(kind, row.contact_encrypted)
    c.audit(row, actor=actor, action="participation.contact_view", clock=clock, purpose=purpose.strip()[:200])
    return value
