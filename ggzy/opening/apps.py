from django.apps import AppConfig


class OpeningConfig(AppConfig):
    name = "ggzy.opening"
    label = "opening"
    verbose_name = "不见面开标"
