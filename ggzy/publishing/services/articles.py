"""Drafting articles (政务信息)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO

from django.db import transaction

from ggzy.accounts.choices import Role
from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.publishing import workflow
from ggzy.publishing.models import Article, Attachment, Category, Notice
from ggzy.publishing.sanitize import clean_html
from ggzy.publishing.services.files import check_upload, stored_file_put

Upload = tuple[str, IO[bytes]]


def _check_fields(*, title: str, category: Category | None) -> None:
    errors = {}
    if not title.strip():
        errors["title"] = "请填写标题"
    elif len(title) > 300:
        errors["title"] = "标题不能超过300字"
    if category is None or not category.is_active:
        errors["category"] = "请选择有效的栏目"
    if errors:
        raise ValidationFailed("；".join(errors.values()), fields=errors)


def precheck_uploads(uploads: Sequence[Upload]) -> None:
    for name, content in uploads:
        content.seek(0)
        head = content.read(16)
        content.seek(0, 2)
        check_upload(name=name, head=head, size=content.tell())
        content.seek(0)


def attach_files(
    *, article: Article | None = None, notice: Notice | None = None, uploads: Sequence[Upload]
) -> None:
    owner: Article | Notice | None = article or notice
    assert owner is not None
    start = owner.attachments.count()
    for offset, (name, content) in enumerate(uploads):
        stored = stored_file_put(name=name, content=content)
        Attachment.objects.create(
            file=stored,
            article=article,
            notice=notice,
            name=name[:200],
            position=start + offset,
        )


@transaction.atomic
def article_create(
    *,
    actor: User,
    category: Category | None,
    title: str,
    body_html: str = "",
    summary: str = "",
    source: str = "",
    doc_number: str = "",
    publish_at: dt.datetime | None = None,
    uploads: Sequence[Upload] = (),
) -> Article:
    if not actor.has_role(Role.EDITOR) or actor.organisation is None:
        raise PermissionDenied("只有交易中心的信息编辑可以起草政务信息")
    _check_fields(title=title, category=category)
    precheck_uploads(uploads)  # a bad file is refused before any row is written
    assert category is not None  # checked above
    article = Article.objects.create(
        category=category,
        title=title.strip(),
        body_html=clean_html(body_html),
        summary=summary.strip()[:500],
        source=source.strip()[:100],
        doc_number=doc_number.strip()[:100],
        publish_at=publish_at,
        author=actor,
        organisation=actor.organisation,
    )
    article.lineage_id = article.pk
    article.save(update_fields=["lineage_id"])
    attach_files(article=article, uploads=uploads)
    audit_record(
        actor=actor,
        action="article.create",
        target=article,
        data={"title": article.title, "category": category.code if category else None},
    )
    return article


@transaction.atomic
def article_update(
    *,
    actor: User,
    article: Article,
    category: Category | None,
    title: str,
    body_html: str,
    summary: str = "",
    source: str = "",
    doc_number: str = "",
    publish_at: dt.datetime | None = None,
    uploads: Sequence[Upload] = (),
) -> Article:
    article = Article.objects.select_for_update().get(pk=article.pk)
    try:
        workflow.ensure_allowed("edit", article.status)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    if not (
        article.author_id == actor.pk
        or (actor.has_role(Role.EDITOR) and actor.organisation_id == article.organisation_id)
    ):
        raise PermissionDenied("只有起草人或本单位信息编辑可以修改")
    _check_fields(title=title, category=category)
    precheck_uploads(uploads)
    assert category is not None  # checked above
    article.category = category
    article.title = title.strip()
    article.body_html = clean_html(body_html)
    article.summary = summary.strip()[:500]
    article.source = source.strip()[:100]
    article.doc_number = doc_number.strip()[:100]
    article.publish_at = publish_at
    article.save(
        update_fields=[
            "category",
            "title",
            "body_html",
            "summary",
            "source",
            "doc_number",
            "publish_at",
            "updated_at",
        ]
    )
    attach_files(article=article, uploads=uploads)
    audit_record(actor=actor, action="article.update", target=article, data={"title": article.title})
    return article
