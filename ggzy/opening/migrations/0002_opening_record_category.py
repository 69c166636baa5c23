"""The article column where opening records (开标记录, 电子招标投标办法第三十二条) are published."""

from django.db import migrations


def add(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("publishing", "Category").objects.get_or_create(
        code="opening_record", defaults={"name": "开标记录", "position": 200}
    )


def remove(apps, schema_editor):  # type: ignore[no-untyped-def]
    # The column stays if articles were published in it (PROTECT); nothing else to undo.
    pass


class Migration(migrations.Migration):
    dependencies = [("opening", "0001_initial"), ("publishing", "0002_categories_and_review_chains")]

    operations = [migrations.RunPython(add, remove)]
