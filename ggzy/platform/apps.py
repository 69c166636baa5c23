from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "ggzy.platform"
    label = "platform"
    verbose_name = "平台运维命令"
