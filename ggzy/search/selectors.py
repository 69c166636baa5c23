"""Every read of the search index."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from ggzy.core.clock import SHANGHAI

from . import tokenize
from .backends import SearchFilters, get_backend
from .highlight import highlight, match_pattern, snippet
from .models import SearchDocument

MAX_LIMIT = 100
# Deeper pages cost a full ranking pass each and nobody reads page 500; the UI should refine instead.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class Hit:
    """One search result, ready for a template: ``title_html``/``snippet_html`` are escaped and marked."""

    kind: str
    object_id: int
    title: str
    url: str
    published_at: dt.datetime
    domain: str
    category: str
    snippet_html: SafeString
    title_html: SafeString
    score: float = 0.0


@dataclass(frozen=True)
class SearchResults:
    """A page of hits and the number of matches overall. ``tokens`` is what was searched for."""

    total: int
    hits: list[Hit] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def _start_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def search_query(
    *,
    q: str,
    kind: str | None = None,
    domain: str | None = None,
    category: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchResults:
    """Documents containing every word of ``q``, best first (title matches above body matches),
    then newest first.

    Never raises on user input: a query with no searchable characters, or one made of search
    syntax (AND, NEAR, quotes, *), gives an empty result or matches those words literally.
    Empty strings in the filters mean "any", so GET parameters can be passed straight through.
    ``date_from``/``date_to`` are calendar days in Asia/Shanghai, both inclusive.
    """
    tokens = tokenize.query_tokens(q or "")
    if not tokens:
        return SearchResults(total=0, tokens=[])
    offset = min(max(0, offset), MAX_OFFSET)
    limit = min(max(1, limit), MAX_LIMIT)
    filters = SearchFilters(
        kind=kind or None,
        domain=domain or None,
        category=category or None,
        published_from=_start_of_day(date_from) if date_from else None,
        published_before=_start_of_day(date_to + dt.timedelta(days=1)) if date_to else None,
    )
    page = get_backend().query(tokens=tokens, filters=filters, offset=offset, limit=limit)
    if not page.ranked:
        return SearchResults(total=page.total, tokens=tokens)
    # The token columns are large and only the database needs them.
    docs = SearchDocument.objects.defer("title_tokens", "tokens").in_bulk([i for i, _ in page.ranked])
    pattern = match_pattern(tokens)
    hits = [
        Hit(
            kind=doc.kind,
            object_id=doc.object_id,
            title=doc.title,
            url=doc.url,
            published_at=doc.published_at,
            domain=doc.domain,
            category=doc.category,
            snippet_html=snippet(doc.body_text, pattern),
            title_html=highlight(doc.title, pattern),
            score=score,
        )
        for doc_id, score in page.ranked
        if (doc := docs.get(doc_id)) is not None  # deleted between the two reads
    ]
    return SearchResults(total=page.total, hits=hits, tokens=tokens)


def search_document_count(*, kind: str | None = None) -> int:
    """How many documents are indexed (of one kind, or all)."""
    qs = SearchDocument.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return qs.count()
