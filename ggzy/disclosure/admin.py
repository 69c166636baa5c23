"""Django admin for the disclosure app.

Applications, their clock events, replies, fee notices, review cases and reminders are
**read-only** here: they change only through the workflow services (the back office and
/api/v1/disclosure), which enforce the 条例 and write the audit chain. Personal data appears only
in its masked form — the encrypted columns, the secret hash and the blind index are never shown.

The registries behind report table 二 (规章和规范性文件, 行政许可/处罚/强制 decisions,
行政事业性收费) are maintained here, but every save goes through the record services, so it is
validated and audited like any other change. The form first runs the service in a savepoint that
is rolled back (so a refusal appears on the form with its reason and nothing is written), then
``save_model`` runs it for real.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from ggzy.core.errors import GgzyError
from ggzy.disclosure import services
from ggzy.disclosure.models import (
    AdminFeeRecord,
    AdministrativeDecision,
    ClockEvent,
    DisclosureRequest,
    FeeNotice,
    NormativeDocument,
    Reminder,
    Reply,
    ReviewCase,
)

# ---------------------------------------------------------------- read-only records


class ReadOnlyAdmin[M: models.Model](admin.ModelAdmin[M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Never shown: ciphertexts, the secret's hash and the blind index.
REQUEST_FIELDS: list[Any] = [
    "tracking_code",
    "status",
    "channel",
    "applicant_kind",
    "applicant_name",
    "contact_person",
    "id_doc_type",
    "id_number_masked",
    "phone_masked",
    "email_masked",
    "address_masked",
    "postcode",
    "info_name",
    "info_doc_number",
    "info_description",
    "info_form",
    "delivery_method",
    "arrived_on",
    "received_on",
    "due_date",
    "outcome",
    "legal_basis",
    "closed_on",
    "registered_by",
    "created_at",
    "updated_at",
]


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(ReadOnlyAdmin[DisclosureRequest]):
    list_display = [
        "tracking_code",
        "status",
        "applicant_kind",
        "applicant_name",
        "id_number_masked",
        "channel",
        "received_on",
        "due_date",
        "outcome",
        "closed_on",
    ]
    list_filter = ["status", "applicant_kind", "channel", "outcome"]
    search_fields = ["tracking_code", "applicant_name", "info_name"]
    date_hierarchy = "arrived_on"
    fields = REQUEST_FIELDS
    readonly_fields = REQUEST_FIELDS

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[DisclosureRequest]:
        return (
            super()
            .get_queryset(request)
            .defer(
                "id_number_encrypted",
                "phone_encrypted",
                "email_encrypted",
                "address_encrypted",
                "secret_hash",
            )
        )


@admin.register(ClockEvent)
class ClockEventAdmin(ReadOnlyAdmin[ClockEvent]):
    list_display = ["request", "kind", "on", "days", "until", "party", "approved_by", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["request__tracking_code"]
    list_select_related = ["request", "approved_by", "recorded_by"]


@admin.register(Reply)
class ReplyAdmin(ReadOnlyAdmin[Reply]):
    list_display = ["request", "outcome", "replied_on", "replied_by", "delivered_at", "delivery_method"]
    list_filter = ["outcome", "delivery_method"]
    search_fields = ["request__tracking_code"]
    list_select_related = ["request", "replied_by"]


@admin.register(FeeNotice)
class FeeNoticeAdmin(ReadOnlyAdmin[FeeNotice]):
    list_display = [
        "request",
        "standard",
        "units",
        "amount",
        "issued_on",
        "deadline",
        "paid_on",
        "amount_paid",
    ]
    list_filter = ["standard"]
    search_fields = ["request__tracking_code"]
    list_select_related = ["request"]


@admin.register(ReviewCase)
class ReviewCaseAdmin(ReadOnlyAdmin[ReviewCase]):
    list_display = ["__str__", "kind", "center_role", "request", "filed_on", "result", "decided_on"]
    list_filter = ["kind", "center_role", "result"]
    search_fields = ["case_number", "subject", "request__tracking_code"]
    list_select_related = ["request"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin[Reminder]):
    list_display = ["request", "kind", "due_date", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["request"]


# ---------------------------------------------------------------- registries, through the services


class _DryRun(Exception):
    pass


class ServiceForm(forms.ModelForm):
    """A registry form whose validation is the record service's: ``clean`` runs the service in a
    savepoint that is always rolled back and shows a refusal as form errors."""

    actor: ClassVar[Any] = None

    def service_call(self, cleaned: dict[str, Any]) -> Callable[[], models.Model] | None:
        """The service call this form would make, or None when there is nothing to do."""
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        call = self.service_call(cleaned)
        if call is None:
            return cleaned
        try:
            with transaction.atomic():
                call()
                raise _DryRun
        except _DryRun:
            pass
        except GgzyError as exc:
            for field, problem in exc.fields.items():
                if field in self.fields:
                    self.add_error(field, problem)
            raise forms.ValidationError(exc.message) from None
        return cleaned


class ServiceAdmin[M: models.Model](admin.ModelAdmin[M]):
    """Add (and for normative documents, repeal) through the services; nothing is deleted."""

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        call = form.service_call(form.cleaned_data)
        if call is None:
            return
        saved = call()
        for field in obj._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))


class NormativeDocumentForm(ServiceForm):
    class Meta:
        model = NormativeDocument
        fields = ["kind", "title", "doc_number", "issued_on", "repealed_on"]

    def service_call(self, cleaned: dict[str, Any]) -> Callable[[], models.Model] | None:
        actor = self.actor
        if self.instance.pk is None:
            return lambda: services.normative_document_record(
                actor=actor,
                kind=cleaned["kind"],
                title=cleaned["title"],
                doc_number=cleaned.get("doc_number", ""),
                issued_on=cleaned["issued_on"],
            )
        repealed_on = cleaned.get("repealed_on")
        document = NormativeDocument.objects.get(pk=self.instance.pk)  # as stored, not as edited
        if repealed_on is None or document.repealed_on is not None:
            return None
        return lambda: services.normative_document_repeal(
            actor=actor, document=document, repealed_on=repealed_on
        )


@admin.register(NormativeDocument)
class NormativeDocumentAdmin(ServiceAdmin[NormativeDocument]):
    form = NormativeDocumentForm
    list_display = ["title", "kind", "doc_number", "issued_on", "repealed_on"]
    list_filter = ["kind"]
    search_fields = ["title", "doc_number"]
    date_hierarchy = "issued_on"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None:
            return ["kind", "title", "doc_number", "issued_on"]
        return ["kind", "title", "doc_number", "issued_on", "repealed_on"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        if obj.repealed_on is not None:
            return ["kind", "title", "doc_number", "issued_on", "repealed_on"]
        return ["kind", "title", "doc_number", "issued_on"]  # only 废止 can be recorded


class AdministrativeDecisionForm(ServiceForm):
    class Meta:
        model = AdministrativeDecision
        fields = ["kind", "decision_number", "title", "decided_on"]

    def service_call(self, cleaned: dict[str, Any]) -> Callable[[], models.Model] | None:
        actor = self.actor
        return lambda: services.administrative_decision_record(
            actor=actor,
            kind=cleaned["kind"],
            decided_on=cleaned["decided_on"],
            decision_number=cleaned.get("decision_number", ""),
            title=cleaned.get("title", ""),
        )


class AddOnlyServiceAdmin[M: models.Model](ServiceAdmin[M]):
    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AdministrativeDecision)
class AdministrativeDecisionAdmin(AddOnlyServiceAdmin[AdministrativeDecision]):
    form = AdministrativeDecisionForm
    list_display = ["__str__", "kind", "title", "decided_on"]
    list_filter = ["kind"]
    search_fields = ["decision_number", "title"]
    date_hierarchy = "decided_on"


class AdminFeeRecordForm(ServiceForm):
    class Meta:
        model = AdminFeeRecord
        fields = ["item", "amount", "collected_on"]

    def service_call(self, cleaned: dict[str, Any]) -> Callable[[], models.Model] | None:
        actor = self.actor
        return lambda: services.admin_fee_record(
            actor=actor, item=cleaned["item"], amount=cleaned["amount"], collected_on=cleaned["collected_on"]
        )


@admin.register(AdminFeeRecord)
class AdminFeeRecordAdmin(AddOnlyServiceAdmin[AdminFeeRecord]):
    form = AdminFeeRecordForm
    list_display = ["item", "amount", "collected_on"]
    search_fields = ["item"]
    date_hierarchy = "collected_on"
