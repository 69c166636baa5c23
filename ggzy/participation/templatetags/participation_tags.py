"""``{% participation_links article %}`` — what a public article page adds about participation:
the interpretations of this document, the document this interpretation explains, and the
consultation page of a 调查征集 text. For ``portal/article_detail.html``."""

from __future__ import annotations

from typing import Any

from django import template

from ggzy.participation import selectors
from ggzy.publishing.models import Article

register = template.Library()


@register.inclusion_tag("participation/_article_links.html")
def participation_links(article: Article) -> dict[str, Any]:
    return {"links": selectors.article_participation(article=article)}
