from __future__ import annotations

from django.db import models

# Long enough for any notice a person reads on screen; a 200-page tender file pasted into a body
# would otherwise make one row (and its FTS/tsvector entry) megabytes large for no search benefit.
BODY_MAX_CHARS = 20_000
TITLE_MAX_CHARS = 500


class SearchDocument(models.Model):
    """One searchable thing on the public site (an article, a trade notice, …) in index form.

    This is derived data: the owning app (publishing) writes it through
    :func:`ggzy.search.services.search_index_document` whenever its content goes public or changes,
    and it can always be rebuilt from the owners. ``(kind, object_id)`` names the owner row.

    ``title_tokens`` and ``tokens`` hold the space-joined output of :mod:`ggzy.search.tokenize`
    (``tokens`` covers title and body). The full-text index is built from them by the database:
    on SQLite an FTS5 external-content table ``search_fts`` kept in step by triggers, on PostgreSQL
    a generated ``search_vector`` tsvector column with a GIN index (title weighted A, body B). Both
    are created by migration 0002 and are invisible to the ORM, so the model stays vendor-neutral.
    """

    kind = models.CharField("类型", max_length=32)
    object_id = models.BigIntegerField("对象编号")
    title = models.CharField("标题", max_length=TITLE_MAX_CHARS)
    body_text = models.TextField("正文（纯文本）", blank=True)
    url = models.CharField("地址", max_length=500)
    domain = models.CharField("交易领域", max_length=32, blank=True)
    category = models.CharField("分类", max_length=64, blank=True)
    published_at = models.DateTimeField("发布时间", db_index=True)
    title_tokens = models.TextField("标题词元", blank=True)
    tokens = models.TextField("词元", blank=True)

    class Meta:
        verbose_name = "检索文档"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"
