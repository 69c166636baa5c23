"""Content-addressed storage for released files and case documents (this app's own; the
publishing app's StoredFile is in a sibling layer and may not be imported)."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ggzy.core.errors import ValidationFailed
from ggzy.disclosure.models import DisclosureFile


def store_file(*, name: str, content: bytes) -> DisclosureFile:
    """The bytes go to storage before the row exists; identical content is stored once."""
    if not content:
        raise ValidationFailed(f"文件“{name}”是空文件", fields={"files": "空文件"})
    limit = settings.GGZY_UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise ValidationFailed(f"文件“{name}”超过大小上限", fields={"files": "文件过大"})
    digest = hashlib.sha256(content).hexdigest()
    path = f"disclosure/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        saved = default_storage.save(path, ContentFile(content))
        if saved != path:  # pragma: no cover - a concurrent writer stored the same bytes first
            default_storage.delete(saved)
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    row, _ = DisclosureFile.objects.get_or_create(
        sha256=digest, defaults={"size": len(content), "media_type": media_type, "path": path}
    )
    return row


def store_files(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, DisclosureFile]]:
    return [(name, store_file(name=name, content=content)) for name, content in files]
