from __future__ import annotations

from django.db import models

from ggzy.accounts.models import User


class ScreenAnnouncement(models.Model):
    """A line of text that center staff put on the hall's LED big screen (/screen/) for a period:
    shown while ``active`` and ``starts_at`` ≤ now < ``ends_at`` (no end: until switched off),
    in ``position`` order. Changed only through ``ggzy.portal.services`` (audited)."""

    text = models.CharField("公告内容", max_length=200)
    starts_at = models.DateTimeField("开始显示")
    ends_at = models.DateTimeField("结束显示", null=True, blank=True)
    position = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(User, verbose_name="创建人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "starts_at", "pk"]
        verbose_name = "大屏公告"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["active", "starts_at"], name="screen_ann_active")]

    def __str__(self) -> str:
        return self.text[:40]
