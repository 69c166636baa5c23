"""Django admin for system administrators: columns and review chains are data they maintain.
Articles and notices themselves are edited only through the back office (/manage/), so that every
change passes the release pipeline; here they are read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.publishing.models import (
    AgencyMandate,
    Article,
    Category,
    Notice,
    NoticeSignature,
    ReviewChain,
    ReviewStep,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]


class ReviewStepInline(admin.TabularInline[ReviewStep, ReviewChain]):
    model = ReviewStep
    extra = 0


@admin.register(ReviewChain)
class ReviewChainAdmin(admin.ModelAdmin[ReviewChain]):
    list_display = ["name", "content_type"]
    inlines = [ReviewStepInline]


class ReadOnlyReleaseAdmin(admin.ModelAdmin[Any]):
    list_display = ["title", "status", "version", "published_at"]
    list_filter = ["status"]
    search_fields = ["title"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(Article, ReadOnlyReleaseAdmin)
admin.site.register(Notice, ReadOnlyReleaseAdmin)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Mandates and signatures are written only by their services (audited); admins may look."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgencyMandate)
class AgencyMandateAdmin(ReadOnlyAdmin):
    list_display = ["project_code", "project_name", "agency", "tenderer", "valid_from", "valid_until"]
    search_fields = ["project_code", "project_name"]


@admin.register(NoticeSignature)
class NoticeSignatureAdmin(ReadOnlyAdmin):
    list_display = ["notice", "signer_organisation", "serial_hex", "signed_at"]
    search_fields = ["serial_hex", "fingerprint"]
