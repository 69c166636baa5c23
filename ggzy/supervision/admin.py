"""Django admin for system administrators: read-only views of the supervision records. Every change
goes through the back office (/manage/supervision/) and its services, which write the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.supervision.models import (
    BrokenLink,
    CorrectionOrder,
    LinkCheckRun,
    PatrolPlan,
    PatrolRound,
    Violation,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PatrolPlan)
class PatrolPlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "correction_days", "updated_at"]


@admin.register(PatrolRound)
class PatrolRoundAdmin(ReadOnlyAdmin):
    list_display = ["planned_at", "assigned_to", "status", "done_at"]
    list_filter = ["status"]


@admin.register(CorrectionOrder)
class CorrectionOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "organisation", "status", "deadline", "issued_at"]
    list_filter = ["status"]
    search_fields = ["number", "organisation__name"]


@admin.register(LinkCheckRun)
class LinkCheckRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "pages", "links", "broken", "bounded_by"]


@admin.register(BrokenLink)
class BrokenLinkAdmin(ReadOnlyAdmin):
    list_display = ["url", "found_on", "status_code", "error", "last_seen", "fixed_at"]
    search_fields = ["url", "found_on"]


@admin.register(Violation)
class ViolationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "subject_kind", "decided_on", "article"]
    list_filter = ["subject_kind"]
