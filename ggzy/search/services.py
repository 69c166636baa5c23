"""Every write to the search index. Called by the apps that own the content (publishing).

These functions take no ``actor`` and write no audit event on purpose: the index is derived data.
The state change a person made (publishing, correcting, withdrawing a notice) is audited by the
owning app's service, which calls these in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from django.db import connections, transaction

from . import tokenize
from .backends import get_backend
from .models import BODY_MAX_CHARS, TITLE_MAX_CHARS, SearchDocument
from .text import html_to_text, one_line, truncate

_UPDATE_FIELDS = ["title", "body_text", "url", "domain", "category", "published_at", "title_tokens", "tokens"]


PreparedText = tuple[str, str, str, str]


def search_prepare_text(title: str, body_html_or_text: str) -> PreparedText:
    """The costly part of indexing one object: ``(title, body_text, title_tokens, tokens)``.

    Pure (no database), so a bulk loader may run it in another process and pass the result to
    :func:`search_index_bulk` as ``"prepared"`` (``ggzy demo`` does, to use a second core).
    """
    title = truncate(one_line(html_to_text(title)), TITLE_MAX_CHARS)
    body = truncate(html_to_text(body_html_or_text or ""), BODY_MAX_CHARS)
    # The title is part of the body column too, so a title-only match still ranks (higher, via the
    # title column) and a body-only index (OpenSearch later) needs no special case. Both columns
    # come from one pass of the segmenter over the title.
    title_tokens, all_tokens = tokenize.joined_title_and_body(title, body)
    return title, body, title_tokens, all_tokens


def _prepared_fields(
    *,
    kind: str,
    object_id: int,
    title: str,
    body_html_or_text: str,
    url: str,
    domain: str,
    category: str,
    published_at: dt.datetime,
    prepared: PreparedText | None = None,
) -> dict[str, Any]:
    if not kind:
        raise ValueError("search document needs a kind")
    if published_at.tzinfo is None:
        raise ValueError("published_at must be an aware datetime")
    if prepared is None:
        prepared = search_prepare_text(title, body_html_or_text)
    title, body, title_tokens, all_tokens = prepared
    return {
        "kind": kind,
        "object_id": int(object_id),
        "title": title,
        "body_text": body,
        "url": url,
        "domain": domain or "",
        "category": category or "",
        "published_at": published_at,
        "title_tokens": title_tokens,
        "tokens": all_tokens,
    }


def search_index_document(
    *,
    kind: str,
    object_id: int,
    title: str,
    body_html_or_text: str,
    url: str,
    domain: str = "",
    category: str = "",
    published_at: dt.datetime,
) -> SearchDocument:
    """Create or replace the index entry of one object (``kind``, ``object_id``).

    HTML is reduced to text (scripts and styles dropped, entities decoded), the body is cut to
    ``BODY_MAX_CHARS``, and the full-text index is updated in the same transaction as the row.
    """
    fields = _prepared_fields(
        kind=kind,
        object_id=object_id,
        title=title,
        body_html_or_text=body_html_or_text,
        url=url,
        domain=domain,
        category=category,
        published_at=published_at,
    )
    with transaction.atomic():
        doc, _created = SearchDocument.objects.update_or_create(
            kind=fields.pop("kind"), object_id=fields.pop("object_id"), defaults=fields
        )
        get_backend().index(doc)
    return doc


def search_remove_document(*, kind: str, object_id: int) -> None:
    """Remove an object from the index (withdrawn, unpublished). Removing a missing one is fine."""
    backend = get_backend()
    with transaction.atomic():
        for doc in SearchDocument.objects.filter(kind=kind, object_id=object_id).select_for_update():
            backend.remove(doc)
            doc.delete()


def _chunks[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def search_index_bulk(docs: Iterable[Mapping[str, Any]], *, batch_size: int = 500) -> int:
    """Index many objects fast (demo data, re-indexing everything); returns how many were written.

    Each item has the keyword arguments of :func:`search_index_document`, and may carry ``"prepared"``:
    the result of :func:`search_prepare_text` for its title and body. Rows are upserted with one multi-
    row INSERT … ON CONFLICT per batch; the FTS5 triggers / generated column index them in the same
    statement. Each batch is its own transaction so a load of 870,000 documents neither holds SQLite's
    write lock for minutes nor builds one giant transaction on PostgreSQL; a failed batch leaves earlier
    batches indexed, and re-running the load is harmless (it is an upsert).
    """
    written = 0
    for chunk in _chunks(docs, batch_size):
        rows = [_prepared_fields(**{"domain": "", "category": "", **d}) for d in chunk]
        # Two items for the same object in one batch would make ON CONFLICT touch a row twice
        # (PostgreSQL refuses); the later one wins, as with repeated search_index_document calls.
        unique = list({(r["kind"], r["object_id"]): r for r in rows}.values())
        with transaction.atomic():
            _upsert(unique)
        written += len(unique)
    return written


_COLUMNS = ["kind", "object_id", *_UPDATE_FIELDS]
# Rows per INSERT statement: 10 parameters each, well inside SQLite's and PostgreSQL's limits.
_ROWS_PER_STATEMENT = 500


def _upsert(rows: list[dict[str, Any]]) -> None:
    """``bulk_create(update_conflicts=True)`` on (kind, object_id), written out by hand: the same
    statement, without building a model instance and compiling every field of every row (which
    was a third of the time of loading the demo data)."""
    connection = connections[SearchDocument.objects.db]
    if connection.vendor not in ("sqlite", "postgresql"):
        SearchDocument.objects.bulk_create(
            [SearchDocument(**r) for r in rows],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=_UPDATE_FIELDS,
        )
        return
    meta = SearchDocument._meta
    qn = connection.ops.quote_name
    fields = {f.name: f for f in meta.concrete_fields}
    columns = [qn(fields[name].column or name) for name in _COLUMNS]
    published_at = fields["published_at"]
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) VALUES "  # noqa: S608 - quoted names
    tail = f" ON CONFLICT ({columns[0]}, {columns[1]}) DO UPDATE SET " + ", ".join(
        f"{c} = EXCLUDED.{c}" for c in columns[2:]
    )
    with connection.cursor() as cursor:
        for part in _chunks(rows, _ROWS_PER_STATEMENT):
            params: list[Any] = []
            for r in part:
                params += (
                    r["kind"],
                    r["object_id"],
                    r["title"],
                    r["body_text"],
                    r["url"],
                    r["domain"],
                    r["category"],
                    published_at.get_db_prep_save(r["published_at"], connection),
                    r["title_tokens"],
                    r["tokens"],
                )
            cursor.execute(head + ", ".join([row_sql] * len(part)) + tail, params)


def search_rebuild_index(*, optimize: bool = True) -> None:
    """Rebuild the full-text index from the stored tokens (after a restore, or to compact it)."""
    backend = get_backend()
    with transaction.atomic():
        backend.rebuild()
        if optimize:
            backend.optimize()


def search_reindex_all() -> int:
    """Re-tokenize every stored document (after the tokenizer or user dictionary changed)."""
    written = 0
    # Ids first (a few MB even at national scale), so no read cursor stays open across the writes.
    ids = list(SearchDocument.objects.order_by("id").values_list("id", flat=True))
    for chunk in _chunks(ids, 500):
        with transaction.atomic():
            docs = list(SearchDocument.objects.filter(id__in=chunk))
            for doc in docs:
                doc.title_tokens, doc.tokens = tokenize.joined_title_and_body(doc.title, doc.body_text)
            SearchDocument.objects.bulk_update(docs, ["title_tokens", "tokens"])
            written += len(docs)
    return written
