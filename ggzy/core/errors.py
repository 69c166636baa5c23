"""One error family for the whole platform.

Services raise these; views turn them into Chinese messages on pages and the API turns them into
``{"error": {"code": …, "message": …, "fields": …}}``. The message is always user-facing Chinese.
"""

from __future__ import annotations


class GgzyError(Exception):
    """A rule said no. ``code`` is stable English for machines, ``message`` is Chinese for people."""

    code = "invalid"
    http_status = 400

    def __init__(
        self, message: str, *, code: str | None = None, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(GgzyError):
    code = "validation_failed"


class PermissionDenied(GgzyError):
    code = "permission_denied"
    http_status = 403


class NotFound(GgzyError):
    code = "not_found"
    http_status = 404


class InvalidTransition(GgzyError):
    code = "invalid_transition"
    http_status = 409


class CalendarDataMissing(GgzyError):
    """The working-day calendar has no data for a year: never guess, fail loudly."""

    code = "calendar_data_missing"


class StorageFull(GgzyError):
    """The file store or the upload area has no space left (ENOSPC): nothing half-written was
    kept; the client may retry later. 507 Insufficient Storage."""

    code = "storage_full"
    http_status = 507


class StorageUnavailable(GgzyError):
    """The file store (an S3-compatible object store, ADR 0032) did not answer, or answered with a
    server error: nothing was stored; the client may retry. 503 Service Unavailable."""

    code = "storage_unavailable"
    http_status = 503
