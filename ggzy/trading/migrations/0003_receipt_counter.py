"""The receipt counter row exists before the first bid, so concurrent first submissions never
race to create it (the service still creates it when a test database was flushed)."""

from django.db import migrations


def create_counter(apps, schema_editor):  # type: ignore[no-untyped-def]
    ReceiptCounter = apps.get_model("trading", "ReceiptCounter")
    ReceiptCounter.objects.get_or_create(name="bids")


class Migration(migrations.Migration):
    dependencies = [("trading", "0002_bids")]

    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
