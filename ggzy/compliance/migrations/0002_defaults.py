"""The default gate rules and the seed list of restricted terms (see ggzy/compliance/defaults.py)."""

from django.db import migrations

from ggzy.compliance.defaults import RULES, TERMS, ensure_defaults


def forwards(apps, schema_editor):
    ensure_defaults(apps.get_model("compliance", "ComplianceRule"), apps.get_model("compliance", "RestrictedTerm"))


def backwards(apps, schema_editor):
    apps.get_model("compliance", "ComplianceRule").objects.filter(code__in=[r[0] for r in RULES]).delete()
    apps.get_model("compliance", "RestrictedTerm").objects.filter(term__in=[t[0] for t in TERMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
