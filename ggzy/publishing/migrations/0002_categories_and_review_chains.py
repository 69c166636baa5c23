"""The nine article categories of the 2021 report and the default review chains
(初审 → 审核 → 复审 → 签发) for articles and center-published notices."""

from django.db import migrations

from ggzy.publishing.defaults import CATEGORIES, CHAINS, ensure_defaults


def forwards(apps, schema_editor):
    ensure_defaults(
        apps.get_model("publishing", "Category"),
        apps.get_model("publishing", "ReviewChain"),
        apps.get_model("publishing", "ReviewStep"),
    )


def backwards(apps, schema_editor):
    apps.get_model("publishing", "ReviewChain").objects.filter(content_type__in=[c for c, _ in CHAINS]).delete()
    apps.get_model("publishing", "Category").objects.filter(code__in=[c for c, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
