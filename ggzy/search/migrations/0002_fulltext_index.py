"""The database-specific full-text index, kept out of the model so the model stays vendor-neutral.

SQLite: an FTS5 *external-content* table ``search_fts`` over ``search_searchdocument`` (the token
text is stored once, in the model table) with rowid = SearchDocument.id, kept in step by triggers
so every write path (save, bulk_create, upsert, queryset.update/delete, cascades) updates the
index in the same statement and transaction.

PostgreSQL: a STORED generated ``search_vector`` column (title tokens weight A, title+body tokens
weight B) and a GIN index on it.

Future migrations that alter ``search_searchdocument``: on SQLite Django may "remake" the table
(copy, drop, rename), which drops these triggers — re-run ``create_sqlite`` afterwards; on PostgreSQL
``title_tokens``/``tokens`` cannot change type while the generated column uses them — drop and re-add
it around the change. ``test_fulltext_objects_exist`` fails if either is forgotten.
"""

from django.db import migrations

TABLE = "search_searchdocument"

SQLITE_FORWARD = [
    f"""CREATE VIRTUAL TABLE search_fts USING fts5(
        title_tokens, tokens,
        content='{TABLE}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0'
    )""",
    f"""CREATE TRIGGER search_fts_ai AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    # External content: FTS5 removes a row by re-tokenizing the *old* values, so the delete must
    # carry exactly what was indexed — which only a trigger (seeing old.*) can guarantee.
    f"""CREATE TRIGGER search_fts_ad AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
    END""",
    f"""CREATE TRIGGER search_fts_au AFTER UPDATE OF title_tokens, tokens ON {TABLE} BEGIN
        INSERT INTO search_fts(search_fts, rowid, title_tokens, tokens)
        VALUES ('delete', old.id, old.title_tokens, old.tokens);
        INSERT INTO search_fts(rowid, title_tokens, tokens) VALUES (new.id, new.title_tokens, new.tokens);
    END""",
    # Rows that existed before this migration.
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_fts_au",
    "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai",
    "DROP TABLE IF EXISTS search_fts",
]

POSTGRES_FORWARD = [
    # to_tsvector with an explicit configuration is IMMUTABLE, which a generated column requires.
    # 'simple' only lower-cases: segmentation already happened in Python (ggzy.search.tokenize).
    f"""ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_tokens), 'A')
        || setweight(to_tsvector('simple'::regconfig, tokens), 'B')
    ) STORED""",
    f"CREATE INDEX search_document_vector_gin ON {TABLE} USING gin (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_vector_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_sqlite(schema_editor):
    try:
        _run(schema_editor, SQLITE_FORWARD)
    except Exception as exc:
        if "fts5" in str(exc).lower():
            raise RuntimeError(
                "This SQLite library has no FTS5 module; ggzy search needs SQLite built with FTS5 "
                "(every CPython build from python.org and every Debian/Ubuntu package has it)."
            ) from exc
        raise


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        create_sqlite(schema_editor)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
