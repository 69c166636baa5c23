"""Read-only admin views for system administrators. Every change goes through the services (and
the staff pages under /manage/participation/); contacts are shown masked only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ggzy.participation.models import Comment, Consultation, Interpretation, Question


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnly):
    list_display = ("article", "opens_at", "closes_at", "created_by")


@admin.register(Comment)
class CommentAdmin(ReadOnly):
    list_display = ("pk", "consultation", "display_name", "contact_masked", "status", "submitted_at")
    list_filter = ("status",)
    exclude = ("contact_encrypted",)


@admin.register(Question)
class QuestionAdmin(ReadOnly):
    list_display = ("number", "subject", "status", "publish_consent", "submitted_at")
    list_filter = ("status",)
    exclude = ("contact_encrypted", "tracking_digest")


@admin.register(Interpretation)
class InterpretationAdmin(ReadOnly):
    list_display = ("article", "explains", "linked_at")
