"""Seed the specialty code table (ggzy.experts.specialties)."""

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from ggzy.experts.specialties import ensure_specialties

    ensure_specialties(apps.get_model("experts", "SpecialtyCode"))


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
