"""Streaming a stored tender file with its name and hash."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from ggzy.trading.models import TenderFile


def file_response(tf: TenderFile) -> FileResponse:
    try:
        handle = default_storage.open(tf.file.path, "rb")
    except FileNotFoundError:
        raise Http404("文件内容缺失，请联系交易中心") from None
    response = FileResponse(handle, as_attachment=True, filename=tf.name, content_type=tf.file.media_type)
    response["X-Content-SHA256"] = tf.sha256
    response["Cache-Control"] = "private, no-store"
    return response
