"""Storing uploaded files: checked by content (magic bytes) and size, addressed by SHA-256.

The bytes are written to storage before the row that points at them is created, so a row never
points at a missing file. A rolled-back transaction can leave an unreferenced blob behind; that
is harmless (content-addressed, identical on retry) and collectable.
"""

from __future__ import annotations

import hashlib
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage

from ggzy.core.errors import ValidationFailed
from ggzy.publishing.models import StoredFile

# extension → (media type, accepted leading bytes)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "wps": ("application/vnd.ms-works", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    "zip": ("application/zip", (b"PK\x03\x04",)),
    "rar": ("application/vnd.rar", (b"Rar!\x1a\x07",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_upload(*, name: str, head: bytes, size: int) -> str:
    """The media type for an acceptable upload; raises with a Chinese reason otherwise."""
    limit = settings.GGZY_UPLOAD_MAX_BYTES
    if size <= 0:
        raise ValidationFailed(f"附件“{name}”是空文件", fields={"attachments": "空文件"})
    if size > limit:
        raise ValidationFailed(
            f"附件“{name}”大小 {size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB",
            fields={"attachments": "文件过大"},
        )
    ext = _extension(name)
    if ext not in ALLOWED:
        allowed = "、".join(sorted(ALLOWED))
        raise ValidationFailed(
            f"附件“{name}”的类型不允许上传（允许：{allowed}）", fields={"attachments": "类型不允许"}
        )
    media_type, magics = ALLOWED[ext]
    if head.startswith(EXECUTABLE_MAGIC) or not head.startswith(magics):
        raise ValidationFailed(
            f"附件“{name}”的内容与扩展名 .{ext} 不符，可能是伪装的文件，已拒绝",
            fields={"attachments": "内容与类型不符"},
        )
    return media_type


def stored_file_put(*, name: str, content: IO[bytes]) -> StoredFile:
    """Check, hash and store ``content``; the same bytes are stored once."""
    content.seek(0)
    head = content.read(16)
    content.seek(0, 2)
    size = content.tell()
    media_type = check_upload(name=name, head=head, size=size)
    content.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: content.read(1024 * 1024), b""):
        digest.update(chunk)
    sha = digest.hexdigest()
    existing = StoredFile.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    path = f"blobs/{sha[:2]}/{sha}"
    if not default_storage.exists(path):
        content.seek(0)
        saved = default_storage.save(path, File(content))
        if saved != path:  # another process stored the same bytes first; keep the canonical name
            default_storage.delete(saved)
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha, defaults={"size": size, "media_type": media_type, "path": path}
    )
    return stored
