"""The default columns and review chains: created by migration 0002 and re-created by
:func:`ensure_defaults` (tests that flush the database, a fresh production install)."""

from __future__ import annotations

from typing import Any

CATEGORIES: list[tuple[str, str]] = [
    ("news", "要闻速递"),
    ("key_document", "重要文件"),
    ("work_brief", "工作简报"),
    ("industry_news", "行业动态"),
    ("service_guide", "办事指南"),
    ("consultation", "调查征集"),
    ("exposure", "曝光台"),
    ("finance", "财务公开"),
    ("project_plan", "项目安排"),
]
STEPS: list[tuple[int, str, str]] = [
    (1, "first_review", "first_reviewer"),
    (2, "review", "reviewer"),
    (3, "second_review", "second_reviewer"),
    (4, "sign_off", "signer"),
]
CHAINS: list[tuple[str, str]] = [("article", "政务信息发布审核"), ("notice", "交易公告发布审核")]


def ensure_defaults(category_model: Any, chain_model: Any, step_model: Any) -> None:
    """Idempotent. Takes the model classes so a migration can pass its historical models."""
    for position, (code, name) in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})
    for content_type, name in CHAINS:
        chain, _ = chain_model.objects.get_or_create(content_type=content_type, defaults={"name": name})
        for position, code, role in STEPS:
            step_model.objects.get_or_create(
                chain=chain, position=position, defaults={"code": code, "role": role}
            )
