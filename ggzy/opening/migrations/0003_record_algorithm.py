"""Each opening record names the algorithm of its platform signature (ADR 0028): records signed
before were all ECDSA P-256, the default they receive; their key id stays empty."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("opening", "0002_opening_record_category"),
    ]

    operations = [
        migrations.AddField(
            model_name="openingsession",
            name="record_algorithm",
            field=models.CharField(
                default="ecdsa-p256-sha256", max_length=20, verbose_name="开标记录签名算法"
            ),
        ),
        migrations.AddField(
            model_name="openingsession",
            name="record_key_id",
            field=models.CharField(blank=True, max_length=16, verbose_name="开标记录签名公钥标识"),
        ),
    ]
