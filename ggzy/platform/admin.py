from django.contrib import admin
from django.http import HttpRequest

from ggzy.platform.models import BackupDrill


@admin.register(BackupDrill)
class BackupDrillAdmin(admin.ModelAdmin[BackupDrill]):
    """Read-only: drills are written by ``ggzy backup drill`` and the worker, never by hand."""

    list_display = [
        "started_at",
        "ok",
        "vendor",
        "tables",
        "rows",
        "files",
        "audit_head_seq",
        "duration_seconds",
    ]
    list_filter = ["ok", "vendor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: BackupDrill | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: BackupDrill | None = None) -> bool:
        return False
