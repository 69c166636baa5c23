"""Records kept by the operations commands."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BackupDrill(models.Model):
    """One restore test (恢复演练): a backup was taken and restored into a scratch database and file
    store, and the restored copy was compared with the original — row counts per table, every
    file's SHA-256 and the audit chain head. Assessors (等保/密评) ask for these records, so a failed
    drill is kept too, with the reason."""

    started_at = models.DateTimeField("开始时间", db_index=True)
    finished_at = models.DateTimeField("结束时间")
    duration_seconds = models.FloatField("耗时（秒）")
    ok = models.BooleanField("演练通过")
    result = models.TextField("结论")
    vendor = models.CharField("数据库", max_length=20)
    backup_path = models.CharField("备份位置", max_length=500)
    backup_bytes = models.BigIntegerField("备份大小（字节）", default=0)
    tables = models.PositiveIntegerField("表数", default=0)
    rows = models.BigIntegerField("行数", default=0)
    files = models.PositiveIntegerField("文件数", default=0)
    audit_head_seq = models.BigIntegerField("审计链头序号", default=0)
    figures = models.JSONField("明细", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField("执行人（记录）", max_length=200)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "恢复演练"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"恢复演练 {self.started_at:%Y-%m-%d %H:%M} {'通过' if self.ok else '失败'}"
