from django.contrib import admin
from django.http import HttpRequest

from ggzy.audit.models import Checkpoint, Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    """Read-only: the log is append-only even for system administrators."""

    list_display = ["seq", "at", "actor_label", "action", "target_type", "target_id", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "actor_label", "target_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin[Checkpoint]):
    list_display = ["seq", "at", "key_id", "head_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Checkpoint | None = None) -> bool:
        return False
