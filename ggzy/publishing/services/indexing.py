"""Keeping the search index in step with what is public. Called by the release services inside
their transaction, so the index never shows a withdrawn item or misses a published one."""

from __future__ import annotations

from ggzy.publishing.models import Article, Notice, Release
from ggzy.search import services as search_services


def document_fields(item: Release) -> dict[str, object]:
    if isinstance(item, Article):
        return {
            "kind": "article",
            "object_id": item.pk,
            "title": item.title,
            "body_html_or_text": f"{item.summary}\n{item.doc_number}\n{item.body_html}",
            "url": item.get_absolute_url(),
            "domain": "",
            "category": item.category.code,
            "published_at": item.published_at,
        }
    assert isinstance(item, Notice)
    extra = " ".join(
        x
        for x in (
            item.project_code,
            item.project_name,
            item.section_code,
            item.tenderer_name,
            item.agency_name,
        )
        if x
    )
    return {
        "kind": "notice",
        "object_id": item.pk,
        "title": item.title,
        "body_html_or_text": f"{extra}\n{item.body_html}",
        "url": item.get_absolute_url(),
        "domain": item.domain,
        "category": item.kind,
        "published_at": item.published_at,
    }


def index(item: Release) -> None:
    search_services.search_index_document(**document_fields(item))  # type: ignore[arg-type]


def unindex(item: Release) -> None:
    search_services.search_remove_document(
        kind="article" if isinstance(item, Article) else "notice", object_id=item.pk
    )
