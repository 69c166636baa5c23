"""Attachment downloads, addressed by content hash: /files/<sha256>/<name>."""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from ggzy.portal import selectors

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@require_safe
def file_download(request: HttpRequest, sha256: str, name: str) -> FileResponse:
    """Stream an attachment of a public item. The hash must be the full lower-case SHA-256 and the
    name one under which the file is attached, so links cannot relabel a file."""
    if not SHA256_RE.match(sha256):
        raise Http404("文件不存在")
    attachment = selectors.attachment_for_download(sha256=sha256, name=name)
    if attachment is None:
        raise Http404("文件不存在或所属信息未公开")
    stored = attachment.file
    try:
        handle = default_storage.open(stored.path, "rb")
    except FileNotFoundError:
        raise Http404("文件内容缺失，请联系网站管理员") from None
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=stored.media_type
    )
    response["Content-Length"] = str(stored.size)
    response["X-Content-SHA256"] = stored.sha256
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
