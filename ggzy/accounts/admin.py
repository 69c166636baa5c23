"""Django admin for system administrators. Organisations and role grants are created through the
services (so they are validated and audited); admin lists them and edits contact details."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from ggzy.accounts.models import Organisation, RoleGrant, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "credit_code", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["credit_code", "kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # through accounts.services.organisation_create: validated and audited


class RoleGrantInline(admin.TabularInline[RoleGrant, User]):
    model = RoleGrant
    extra = 0
    readonly_fields = ["role", "granted_at"]

    def has_add_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # through accounts.services.role_grant: checked against the organisation kind


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "organisation", "is_active", "last_login"]
    list_filter = ["is_active", "organisation__kind"]
    search_fields = ["username", "display_name"]
    inlines = [RoleGrantInline]
    fieldsets = (*BaseUserAdmin.fieldsets, ("机构", {"fields": ("organisation", "display_name", "phone")}))  # type: ignore[misc]
