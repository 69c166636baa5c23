from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "ggzy.search"
    label = "search"
    verbose_name = "全文检索"
