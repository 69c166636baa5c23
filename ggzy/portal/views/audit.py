"""审计检查点: the signed chain heads, the platform public key, and the exact bytes to verify."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ggzy.audit.chain import checkpoint_message
from ggzy.audit.models import Checkpoint
from ggzy.portal import selectors
from ggzy.portal.views.common import counted


def _checkpoint(seq: int) -> Checkpoint:
    checkpoint = selectors.checkpoint_get(seq=seq)
    if checkpoint is None:
        raise Http404("检查点不存在")
    return checkpoint


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
@counted()
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    checkpoints = list(selectors.checkpoint_public_list(limit=100))
    public_key_pem = checkpoints[0].public_key_pem if checkpoints else ""
    key_ids = sorted({c.key_id for c in checkpoints})
    return render(
        request,
        "portal/audit_checkpoints.html",
        {
            "checkpoints": checkpoints,
            "public_key_pem": public_key_pem,
            "key_id": checkpoints[0].key_id if checkpoints else "",
            "several_keys": len(key_ids) > 1,
            "example": checkpoints[0] if checkpoints else None,
        },
    )


@require_safe
def checkpoint_message_file(request: HttpRequest, seq: int) -> HttpResponse:
    """The canonical JSON that was signed, byte for byte (no trailing newline)."""
    cp = _checkpoint(seq)
    return _download(
        checkpoint_message(cp.seq, cp.head_hash, cp.at), f"checkpoint-{cp.seq}.json", "application/json"
    )


@require_safe
def checkpoint_signature_file(request: HttpRequest, seq: int) -> HttpResponse:
    """The DER-encoded ECDSA or SM2 signature, as ``openssl dgst -verify -signature`` reads it."""
    cp = _checkpoint(seq)
    try:
        der = base64.b64decode(cp.signature, validate=True)
    except (binascii.Error, ValueError):
        raise Http404("签名数据损坏") from None
    return _download(der, f"checkpoint-{cp.seq}.sig.der", "application/octet-stream")


@require_safe
def checkpoint_public_key_file(request: HttpRequest, seq: int) -> HttpResponse:
    """The public key (PEM, SubjectPublicKeyInfo) that signed this checkpoint."""
    cp = _checkpoint(seq)
    return _download(cp.public_key_pem.encode("ascii"), f"pub-{cp.key_id}.pem", "application/x-pem-file")
