"""Per-day publication counts kept by the database (ADR 0031).

Triggers on publishing_article and publishing_notice add one to the day's row when a version-1 item
gets a ``published_at`` and subtract one when it loses it (or its kind, domain, category or day
changes, or the row is deleted). The day is the calendar day in Beijing time (UTC+8; China has had
no daylight saving time since 1991). The migration fills the table from the rows already there.

The SQL is written out here (not imported) so the migration stays what it was when it ran.
"""

from django.db import migrations, models

# (table, model label, kind expression, domain expression, category expression) for OLD/NEW rows.
TABLES = [
    ("publishing_article", "article", "''", "''", "{row}.category_id"),
    ("publishing_notice", "notice", "{row}.kind", "{row}.domain", "0"),
]
COUNTS = "publishing_publicationdaycount"
KEY = "(day, model, kind, domain, category_id)"


def _key(row: str, model: str, kind: str, domain: str, category: str, day: str) -> str:
    return ", ".join(
        [day.format(row=row), f"'{model}'", kind.format(row=row), domain.format(row=row), category.format(row=row)]
    )


def _sqlite(table: str, model: str, kind: str, domain: str, category: str) -> list[str]:
    # substr(…, 1, 19): SQLite's date() rounds fractional seconds to milliseconds, which would move
    # 23:59:59.9996 to the next day; truncating to whole seconds keeps the day right.
    day = "date(substr({row}.published_at, 1, 19), '+8 hours')"

    def qualifies(row: str) -> str:
        return f"{row}.version = 1 AND {row}.published_at IS NOT NULL"

    def add(row: str) -> str:
        return (
            f"INSERT INTO {COUNTS} {KEY[:-1]}, count) SELECT {_key(row, model, kind, domain, category, day)}, 1 "
            f"WHERE {qualifies(row)} ON CONFLICT {KEY} DO UPDATE SET count = count + 1;"
        )

    def sub(row: str) -> str:
        k = _key(row, model, kind, domain, category, day)
        return (
            f"UPDATE {COUNTS} SET count = count - 1 WHERE {qualifies(row)} AND {KEY} = ({k});"
        )

    changed = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}"
        for c in ("version", "published_at", *(["category_id"] if model == "article" else ["kind", "domain"]))
    )
    return [
        f"CREATE TRIGGER {table}_count_ins AFTER INSERT ON {table} BEGIN {add('NEW')} END;",
        f"CREATE TRIGGER {table}_count_del AFTER DELETE ON {table} BEGIN {sub('OLD')} END;",
        f"CREATE TRIGGER {table}_count_upd AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {sub('OLD')} {add('NEW')} END;",
    ]


def _postgresql(table: str, model: str, kind: str, domain: str, category: str) -> list[str]:
    day = "({row}.published_at AT TIME ZONE 'Asia/Shanghai')::date"
    fn = f"{table}_count"
    changed = " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}"
        for c in ("version", "published_at", *(["category_id"] if model == "article" else ["kind", "domain"]))
    )
    old = _key("OLD", model, kind, domain, category, day)
    new = _key("NEW", model, kind, domain, category, day)
    return [
        f"""CREATE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.version = 1 AND OLD.published_at IS NOT NULL THEN
    UPDATE {COUNTS} SET count = count - 1 WHERE {KEY} = ({old});
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.version = 1 AND NEW.published_at IS NOT NULL THEN
    INSERT INTO {COUNTS} {KEY[:-1]}, count) VALUES ({new}, 1)
    ON CONFLICT {KEY} DO UPDATE SET count = {COUNTS}.count + 1;
  END IF;
  RETURN NULL;
END $$;""",
        f"CREATE TRIGGER {table}_count_ins_del AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {fn}();",
        f"CREATE TRIGGER {table}_count_upd AFTER UPDATE ON {table} FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION {fn}();",
    ]


def _backfill(vendor: str, table: str, model: str, kind: str, domain: str, category: str) -> str:
    day = (
        "date(substr(t.published_at, 1, 19), '+8 hours')"
        if vendor == "sqlite"
        else "(t.published_at AT TIME ZONE 'Asia/Shanghai')::date"
    )
    k = _key("t", model, kind, domain, category, day)
    return (
        f"INSERT INTO {COUNTS} {KEY[:-1]}, count) SELECT {k}, COUNT(*) FROM {table} t "
        f"WHERE t.version = 1 AND t.published_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5"
    )


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    make = {"sqlite": _sqlite, "postgresql": _postgresql}[vendor]
    for spec in TABLES:
        schema_editor.execute(_backfill(vendor, *spec))
        for statement in make(*spec):
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for table, *_ in TABLES:
        if vendor == "sqlite":
            for suffix in ("ins", "del", "upd"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_count_{suffix}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_count_ins_del ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_count_upd ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_count()")


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0005_agency_notices"),
    ]

    operations = [
        migrations.CreateModel(
            name="PublicationDayCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="发布日期（北京时间）")),
                ("model", models.CharField(max_length=10)),
                ("kind", models.CharField(default="", max_length=20)),
                ("domain", models.CharField(default="", max_length=20)),
                ("category_id", models.BigIntegerField(default=0)),
                ("count", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "发布量（日）",
                "verbose_name_plural": "发布量（日）",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "model", "kind", "domain", "category_id"), name="uniq_publication_day"
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
