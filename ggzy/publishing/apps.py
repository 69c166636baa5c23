from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "ggzy.publishing"
    label = "publishing"
    verbose_name = "信息发布"
