from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "ggzy.disclosure"
    label = "disclosure"
    verbose_name = "依申请公开"

    def ready(self) -> None:
        from ggzy.disclosure import checks  # noqa: F401  (registers the deploy check)
