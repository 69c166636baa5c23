"""Index backends behind one interface: SQLite FTS5 (embedded default) and PostgreSQL tsvector.

Both database backends receive already-segmented tokens (see :mod:`ggzy.search.tokenize`) and keep
their index inside the database, updated by the database itself in the same statement as the
``SearchDocument`` row (FTS5 triggers / a generated column, created by migration 0002). That is why
their ``index``/``remove`` do nothing: there is no second copy that could drift. An external engine
(OpenSearch with the IK analyzer, planned for national scale) would implement them for real and
should send its writes from ``transaction.on_commit`` so a rolled-back publication never shows up.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from .models import SearchDocument


@dataclass(frozen=True)
class SearchFilters:
    """Exact-match filters applied together with the text query. ``None`` means "any"."""

    kind: str | None = None
    domain: str | None = None
    category: str | None = None
    published_from: dt.datetime | None = None  # inclusive, aware
    published_before: dt.datetime | None = None  # exclusive, aware


@dataclass(frozen=True)
class RankedPage:
    """One page of matching document ids, best first, and the number of matches overall."""

    total: int
    ranked: list[tuple[int, float]]  # (SearchDocument.id, score — higher is better)


class SearchBackend(abc.ABC):
    """What the services and selectors need from a full-text engine."""

    name: str

    @abc.abstractmethod
    def index(self, doc: SearchDocument) -> None:
        """Make ``doc`` (already saved) findable with its current content."""

    @abc.abstractmethod
    def remove(self, doc: SearchDocument) -> None:
        """Make ``doc`` unfindable (called before its row is deleted)."""

    @abc.abstractmethod
    def query(self, *, tokens: Sequence[str], filters: SearchFilters, offset: int, limit: int) -> RankedPage:
        """Documents containing every token (AND), best first; ties broken by newest."""

    @abc.abstractmethod
    def rebuild(self) -> None:
        """Rebuild the whole index from the ``SearchDocument`` rows."""

    def optimize(self) -> None:  # noqa: B027 - optional hook, nothing to do by default
        """Compact the index after a large load (optional)."""


class _SQLBackend(SearchBackend):
    """Shared SQL for the two database backends: the filters and the page/count statements."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.table = connection.ops.quote_name(SearchDocument._meta.db_table)

    def index(self, doc: SearchDocument) -> None:
        # The database updated the index while saving the row (trigger / generated column).
        return None

    def remove(self, doc: SearchDocument) -> None:
        # Deleting the row removes it from the index (trigger / generated column).
        return None

    def _filter_sql(self, filters: SearchFilters) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        # Column names are fixed here, never taken from input; values always go in as parameters.
        exact = (("kind", filters.kind), ("domain", filters.domain), ("category", filters.category))
        for column, value in exact:
            if value is not None:
                where.append(f"d.{column} = %s")
                params.append(value)
        ops = self.connection.ops
        if filters.published_from is not None:
            where.append("d.published_at >= %s")
            params.append(ops.adapt_datetimefield_value(filters.published_from))
        if filters.published_before is not None:
            where.append("d.published_at < %s")
            params.append(ops.adapt_datetimefield_value(filters.published_before))
        return where, params

    def _run(
        self,
        *,
        from_sql: str,
        match_sql: str,
        match_params: list[Any],
        rank_sql: str,
        rank_order: str,
        filters: SearchFilters,
        offset: int,
        limit: int,
    ) -> RankedPage:
        where, params = self._filter_sql(filters)
        where_sql = " AND ".join([match_sql, *where])
        # S608: every identifier and SQL fragment here is a constant of this module; user values
        # (tokens, filters, dates, paging) only ever travel as parameters.
        count_sql = f"SELECT COUNT(*) FROM {from_sql} WHERE {where_sql}"  # noqa: S608
        page_sql = (
            f"SELECT d.id, {rank_sql} AS score FROM {from_sql} WHERE {where_sql} "  # noqa: S608
            f"ORDER BY score {rank_order}, d.published_at DESC, d.id DESC LIMIT %s OFFSET %s"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(count_sql, [*match_params, *params])
            row = cursor.fetchone()
            total = int(row[0]) if row else 0
            if total == 0 or offset >= total:
                return RankedPage(total=total, ranked=[])
            cursor.execute(page_sql, [*match_params, *params, limit, offset])
            rows = cursor.fetchall()
        return RankedPage(total=total, ranked=[(int(i), float(s)) for i, s in rows])


def fts5_match_expression(tokens: Sequence[str]) -> str:
    """An FTS5 MATCH string requiring every token, each as a quoted literal.

    Quoting makes operators and syntax in user input (AND, OR, NOT, NEAR, *, ^, parentheses, column
    filters) plain strings; a double quote inside a token is doubled, FTS5's only escape.
    """
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


class SQLiteFTS5Backend(_SQLBackend):
    """FTS5 external-content table ``search_fts(title_tokens, tokens)``, rowid = SearchDocument.id."""

    name = "sqlite-fts5"
    # bm25 column weights: a token in the title counts this many times one in the body.
    TITLE_WEIGHT = 8.0
    BODY_WEIGHT = 1.0

    def query(self, *, tokens: Sequence[str], filters: SearchFilters, offset: int, limit: int) -> RankedPage:
        if not tokens:
            return RankedPage(total=0, ranked=[])
        return self._run(
            from_sql=f"search_fts JOIN {self.table} AS d ON d.id = search_fts.rowid",
            match_sql="search_fts MATCH %s",
            match_params=[fts5_match_expression(tokens)],
            # bm25() is "lower is better"; negated so every backend reports "higher is better".
            rank_sql=f"-bm25(search_fts, {self.TITLE_WEIGHT}, {self.BODY_WEIGHT})",
            rank_order="DESC",
            filters=filters,
            offset=offset,
            limit=limit,
        )

    def rebuild(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")

    def optimize(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


class PostgresBackend(_SQLBackend):
    """Generated column ``search_vector`` (title weight A, title+body weight B) with a GIN index."""

    name = "postgresql-tsvector"

    def query(self, *, tokens: Sequence[str], filters: SearchFilters, offset: int, limit: int) -> RankedPage:
        if not tokens:
            return RankedPage(total=0, ranked=[])
        # plainto_tsquery ignores every operator character and ANDs the lexemes it finds, and the
        # 'simple' parser splits the joined tokens exactly as it split the stored ones.
        return self._run(
            from_sql=f"{self.table} AS d, plainto_tsquery('simple', %s) AS q(query)",
            match_sql="d.search_vector @@ q.query",
            # Bound to the %s in from_sql: match parameters always come first, before the filters'.
            match_params=[" ".join(tokens)],
            # Default weights: A (title) 1.0, B (body) 0.4.
            rank_sql="ts_rank(d.search_vector, q.query)",
            rank_order="DESC",
            filters=filters,
            offset=offset,
            limit=limit,
        )

    def rebuild(self) -> None:
        # A generated column is recomputed on every write; nothing can be stale.
        return None


def get_backend(using: str = DEFAULT_DB_ALIAS) -> SearchBackend:
    """The backend for the database ``using`` points at."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return PostgresBackend(connection)
    if connection.vendor == "sqlite":
        return SQLiteFTS5Backend(connection)
    raise NotImplementedError(f"no search backend for database vendor {connection.vendor!r}")
