"""Each checkpoint names its signature algorithm (ADR 0028): existing rows were all signed with the
ECDSA P-256 platform key, which is the default they receive."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_chain_head_and_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="algorithm",
            field=models.CharField(default="ecdsa-p256-sha256", max_length=20),
        ),
        migrations.AlterField(
            model_name="checkpoint",
            name="signature",
            field=models.TextField(help_text="base64 DER signature over the canonical JSON of seq, hash, at"),
        ),
    ]
