"""The files that let anyone verify an agency notice's signature with openssl: the signed bytes
(canonical JSON, format ggzy-notice/1), the DER signature and the agency's certificate (PEM).
See docs/formats/notice-signature.md."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from ggzy.core.errors import NotFound
from ggzy.publishing import selectors as publishing
from ggzy.publishing.models import NoticeSignature
from ggzy.sealing import certs


def _signature(pk: int) -> NoticeSignature:
    try:
        return publishing.notice_signature_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A published notice's signature never changes (a correction is a new notice).
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def notice_signed_bytes(request: HttpRequest, pk: int) -> HttpResponse:
    """The canonical JSON that was signed, byte for byte (no trailing newline)."""
    signature = _signature(pk)
    return _download(bytes(signature.canonical), f"notice-{pk}.json", "application/json")


@require_safe
def notice_signature_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The DER signature, as ``openssl dgst -sha256 -verify … -signature`` reads it."""
    signature = _signature(pk)
    return _download(bytes(signature.signature), f"notice-{pk}.sig", "application/octet-stream")


@require_safe
def notice_certificate_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency's signing certificate (PEM)."""
    signature = _signature(pk)
    try:
        cert = certs.load_certificate(bytes(signature.certificate_der))
    except certs.CertificateProblem:
        raise Http404("证书数据损坏") from None
    pem = cert.public_bytes(serialization.Encoding.PEM)
    return _download(pem, f"notice-{pk}-cert.pem", "application/x-pem-file")
