"""The nine article categories of the 2021 report and the default review chains
(初审 → 审核 → 复审 → 签发) for articles and center-published notices."""

from django.db import migrations

CATEGORIES = [
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
STEPS = [
    (1, "first_review", "first_reviewer"),
    (2, "review", "reviewer"),
    (3, "second_review", "second_reviewer"),
    (4, "sign_off", "signer"),
]
CHAINS = [("article", "政务信息发布审核"), ("notice", "交易公告发布审核")]


def forwards(apps, schema_editor):
    Category = apps.get_model("publishing", "Category")
    ReviewChain = apps.get_model("publishing", "ReviewChain")
    ReviewStep = apps.get_model("publishing", "ReviewStep")
    for position, (code, name) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(code=code, defaults={"name": name, "position": position * 10})
    for content_type, name in CHAINS:
        chain, _ = ReviewChain.objects.get_or_create(content_type=content_type, defaults={"name": name})
        for position, code, role in STEPS:
            ReviewStep.objects.get_or_create(chain=chain, position=position, defaults={"code": code, "role": role})


def backwards(apps, schema_editor):
    apps.get_model("publishing", "ReviewChain").objects.filter(content_type__in=[c for c, _ in CHAINS]).delete()
    apps.get_model("publishing", "Category").objects.filter(code__in=[c for c, _ in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
