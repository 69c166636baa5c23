"""Django admin for system administrators. Organisations and role grants are created through the
services (so they are validated and audited); admin lists them and edits contact details."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from ggzy.accounts import services
from ggzy.accounts.forms import TrustFileForm
from ggzy.accounts.models import (
    Certificate,
    Organisation,
    Pledge,
    RevocationList,
    RoleGrant,
    TrustedRoot,
    User,
)
from ggzy.core.errors import GgzyError, ValidationFailed

MAX_TRUST_FILE_BYTES = 20 * 1024 * 1024


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "credit_code", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    readonly_fields = ["credit_code", "kind", "is_active"]
    actions = ["approve", "suspend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # through accounts.services.organisation_create: validated and audited

    @admin.action(description="审核通过（启用所选机构）", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        for org in queryset:
            services.organisation_set_active(actor=_user(request), organisation=org, active=True)
        self.message_user(request, f"已启用 {queryset.count()} 个机构")

    @admin.action(description="停用所选机构", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[Organisation]) -> None:
        for org in queryset:
            services.organisation_set_active(actor=_user(request), organisation=org, active=False)
        self.message_user(request, f"已停用 {queryset.count()} 个机构")


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


# ---------------------------------------------------------------- trust store, certificates, pledges


def _upload_view(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, *, title: str, with_kind: bool, save: Any
) -> HttpResponse:
    """An upload form instead of the model form: the file goes through the service (validated and
    audited); a refusal is shown on the form with its Chinese reason."""
    if not model_admin.has_add_permission(request):
        raise DjangoPermissionDenied
    form = TrustFileForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > MAX_TRUST_FILE_BYTES:
                    raise ValidationFailed("文件过大（上限 20 MB）")
                row = save(request, upload.read(), form.cleaned_data)
            except GgzyError as exc:
                form.add_error("file", exc.message)
                status = 400
            else:
                messages.success(request, f"已保存：{row}")
                opts = model_admin.model._meta
                return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        else:
            status = 400
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "form": form,
        "with_kind": with_kind,
        "opts": model_admin.model._meta,
    }
    return TemplateResponse(request, "admin/accounts/trust_upload.html", context, status=status)


@admin.register(TrustedRoot)
class TrustedRootAdmin(admin.ModelAdmin[TrustedRoot]):
    list_display = ["name", "kind", "subject", "not_after", "active", "imported_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "subject", "fingerprint"]
    readonly_fields = [
        "kind",
        "name",
        "fingerprint",
        "subject",
        "not_before",
        "not_after",
        "active",
        "imported_at",
        "imported_by",
    ]
    exclude = ["der"]
    actions = ["deactivate", "activate"]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        def save(req: HttpRequest, data: bytes, cleaned: dict[str, Any]) -> TrustedRoot:
            return services.trusted_root_import(
                actor=_user(req), data=data, name=cleaned.get("name", ""), kind=cleaned.get("kind") or "root"
            )

        return _upload_view(self, request, title="导入受信任CA证书（PEM 或 DER）", with_kind=True, save=save)

    def has_change_permission(self, request: HttpRequest, obj: TrustedRoot | None = None) -> bool:
        return False  # rows are immutable; (de)activate with the actions

    def has_delete_permission(self, request: HttpRequest, obj: TrustedRoot | None = None) -> bool:
        return False  # deactivate instead: stored certificates and pledges refer to the store

    @admin.action(description="停用所选CA证书", permissions=["view"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[TrustedRoot]) -> None:
        for root in queryset:
            services.trusted_root_set_active(actor=_user(request), root=root, active=False)

    @admin.action(description="启用所选CA证书", permissions=["view"])
    def activate(self, request: HttpRequest, queryset: QuerySet[TrustedRoot]) -> None:
        for root in queryset:
            services.trusted_root_set_active(actor=_user(request), root=root, active=True)


@admin.register(RevocationList)
class RevocationListAdmin(admin.ModelAdmin[RevocationList]):
    list_display = ["issuer_name", "this_update", "next_update", "revoked_count", "uploaded_at"]
    list_filter = ["issuer"]
    readonly_fields = [
        "issuer",
        "issuer_name",
        "this_update",
        "next_update",
        "revoked_count",
        "sha256",
        "uploaded_at",
        "uploaded_by",
    ]
    exclude = ["der"]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        def save(req: HttpRequest, data: bytes, cleaned: dict[str, Any]) -> RevocationList:
            return services.revocation_list_upload(actor=_user(req), data=data)

        return _upload_view(
            self, request, title="上传证书吊销列表（CRL，PEM 或 DER）", with_kind=False, save=save
        )

    def has_change_permission(self, request: HttpRequest, obj: RevocationList | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RevocationList | None = None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin[Certificate]):
    list_display = [
        "subject",
        "organisation",
        "serial_hex",
        "issuer",
        "not_after",
        "key_type",
        "bound_at",
        "unbound_at",
    ]
    list_filter = ["key_type"]
    search_fields = [
        "subject",
        "serial_hex",
        "fingerprint",
        "organisation__name",
        "organisation__credit_code",
    ]
    exclude = ["der"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return (
            False  # agencies bind their certificates on their own page (accounts.services.certificate_bind)
        )

    def has_change_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin[Pledge]):
    list_display = ["organisation", "document_title", "document_version", "signed_at", "certificate"]
    list_filter = ["document_code"]
    search_fields = ["organisation__name", "organisation__credit_code"]
    date_hierarchy = "signed_at"
    exclude = ["canonical", "signature"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Pledge | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Pledge | None = None) -> bool:
        return False


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user
