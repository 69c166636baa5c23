import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0002_specialty_codes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DrawRepresentative",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50, verbose_name="姓名")),
                ("named_at", models.DateTimeField(verbose_name="指定时间")),
                (
                    "draw",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="named_representatives",
                        to="experts.draw",
                    ),
                ),
                (
                    "named_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="指定人",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="招标人代表",
                    ),
                ),
            ],
            options={
                "verbose_name": "招标人代表",
                "verbose_name_plural": "招标人代表",
                "ordering": ["draw", "named_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("draw", "user"), name="uniq_draw_representative")
                ],
            },
        ),
    ]
