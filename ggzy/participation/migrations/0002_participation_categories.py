"""The article columns 留言咨询 (qa) and 政策解读 (interpretation) that this app publishes into."""

from django.db import migrations


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    from ggzy.participation.services.setup import participation_categories_ensure

    participation_categories_ensure(apps.get_model("publishing", "Category"))


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0001_initial"),
        ("publishing", "0002_categories_and_review_chains"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
