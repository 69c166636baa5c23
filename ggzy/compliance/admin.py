"""Django admin for the compliance gate: read-only. Rules, terms, the policy and flags change
only through the staff pages (/manage/compliance/), whose services validate params and write the
audit chain; the check records are append-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.compliance.models import (
    AgencyFlag,
    ComplianceCheck,
    ComplianceRule,
    PublicationPolicy,
    RestrictedTerm,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "check_name", "severity", "enabled", "position")
    list_filter = ("severity", "enabled", "check_name")


@admin.register(RestrictedTerm)
class RestrictedTermAdmin(ReadOnlyAdmin):
    list_display = ("term", "category", "severity", "legal_basis")
    list_filter = ("category", "severity")
    search_fields = ("term",)


@admin.register(PublicationPolicy)
class PublicationPolicyAdmin(ReadOnlyAdmin):
    list_display = ("kind", "domain", "mode", "updated_at")


@admin.register(AgencyFlag)
class AgencyFlagAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "until", "source", "reason", "created_at", "lifted_at")
    list_filter = ("source",)


@admin.register(ComplianceCheck)
class ComplianceCheckAdmin(ReadOnlyAdmin):
    list_display = ("subject", "checked_at", "error_count", "warning_count")
    search_fields = ("subject",)
