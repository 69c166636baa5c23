from django.apps import AppConfig


class AnnualReportConfig(AppConfig):
    name = "ggzy.annual_report"
    label = "annual_report"
    verbose_name = "政府信息公开工作年度报告"
