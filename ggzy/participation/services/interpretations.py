"""Policy interpretations (政策解读): an article in the "interpretation" category linked to the
published document it explains."""

from __future__ import annotations

from django.db import transaction

from ggzy.accounts.models import User
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import InvalidTransition, ValidationFailed
from ggzy.participation.choices import INTERPRETATION_CATEGORY
from ggzy.participation.models import Interpretation
from ggzy.participation.services import _common as c
from ggzy.publishing import services as publishing
from ggzy.publishing.models import Article
from ggzy.publishing.selectors import PUBLIC_PAGE_STATUSES


def _explained(explains_id: object) -> Article:
    document = c.published_article(explains_id, label="所解读的文件", field="explains")
    if document.category.code == INTERPRETATION_CATEGORY:
        raise ValidationFailed(
            "不能把解读关联到另一篇解读，请选择被解读的文件", fields={"explains": "不能是解读"}
        )
    return document


@transaction.atomic
def interpretation_create(
    *,
    actor: User,
    explains_id: object,
    title: str,
    body_html: str,
    summary: str = "",
    submit: bool = True,
    clock: Clock = system_clock,
) -> Interpretation:
    """Draft an interpretation of a published document and (by default) submit it for review.
    Nothing is stored when the document does not exist or is not published."""
    c.require_drafter(actor)
    document = _explained(explains_id)
    article = publishing.article_create(
        actor=actor,
        category=c.category(INTERPRETATION_CATEGORY),
        title=c.text(title, "title"),
        body_html=body_html,
        summary=summary,
    )
    link = Interpretation.objects.create(
        article=article, explains=document, linked_by=actor, linked_at=clock.now()
    )
    c.audit(
        link,
        actor=actor,
        action="participation.interpretation_link",
        clock=clock,
        article=article.pk,
        explains=document.pk,
    )
    if submit:
        link.article = publishing.release_submit(actor=actor, item=article, clock=clock)
    return link


@transaction.atomic
def interpretation_link(
    *, actor: User, article_id: object, explains_id: object, clock: Clock = system_clock
) -> Interpretation:
    """Link an interpretation article drafted in the ordinary back office to the document it
    explains (or change the link) — only before the interpretation is public, so a published page
    never changes without a new version."""
    c.require_drafter(actor)
    pk = c.parse_id(article_id, "解读", "article")
    article = Article.objects.select_for_update().filter(pk=pk).select_related("category").first()
    if article is None or article.organisation_id != actor.organisation_id:
        raise ValidationFailed("解读不存在", code="not_found", fields={"article": "不存在"})
    if article.category.code != INTERPRETATION_CATEGORY:
        raise ValidationFailed("只有“政策解读”栏目的信息可以关联被解读的文件", fields={"article": "栏目不符"})
    if article.is_public or article.status == "scheduled":
        raise InvalidTransition("该解读已发布，不能再修改关联；如需修改，请发起更正")
    document = _explained(explains_id)
    link = Interpretation.objects.select_for_update().filter(article__lineage_id=article.lineage_id).first()
    if (
        link is not None
        and Article.objects.filter(lineage_id=article.lineage_id, status__in=PUBLIC_PAGE_STATUSES).exists()
    ):
        # A correction draft of a public interpretation: its published version's link would
        # change without a new version.
        raise InvalidTransition("该解读已有公开版本，不能修改所解读的文件；如确需改变，请撤回后重新起草")
    before = link.explains_id if link else None
    if link is None:
        link = Interpretation.objects.create(
            article=article, explains=document, linked_by=actor, linked_at=clock.now()
        )
    else:
        link.explains, link.linked_by, link.linked_at = document, actor, clock.now()
        link.save(update_fields=["explains", "linked_by", "linked_at"])
    c.audit(
        link,
        actor=actor,
        action="participation.interpretation_link",
        clock=clock,
        article=article.pk,
        explains=document.pk,
        before=before,
    )
    return link
