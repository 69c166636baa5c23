"""Admin: the specialty code table is data the center maintains; experts are listed read-only
(their personal data only through the services, which encrypt and audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from ggzy.experts.models import Draw, Expert, SpecialtyCode


@admin.register(SpecialtyCode)
class SpecialtyCodeAdmin(admin.ModelAdmin[Any]):
    list_display = ("code", "name", "category", "parent", "sort_order", "is_active")
    list_filter = ("category", "is_active")
    search_fields = ("code", "name")


@admin.register(Expert)
class ExpertAdmin(admin.ModelAdmin[Any]):
    list_display = ("code", "name", "id_number_masked", "title", "region", "status")
    list_filter = ("status", "title_level")
    search_fields = ("code", "name")
    exclude = ("id_number_encrypted", "id_digest", "phone_encrypted")
    readonly_fields = ("code", "name", "id_number_masked", "birth_date", "phone_masked", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Draw)
class DrawAdmin(admin.ModelAdmin[Any]):
    list_display = ("pk", "section", "status", "evaluation_at", "commitment")
    list_filter = ("status",)
    exclude = ("secret_encrypted", "avoidance", "pool_snapshot")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
