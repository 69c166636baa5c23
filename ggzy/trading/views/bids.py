"""The bidder's bid pages and the upload endpoints (JSON) the page's script — and the kit — use.

Upload protocol (resumable; docs in the page script ``trading-bids.js``)::

    POST /trading/sections/<pk>/bid/uploads/   {"total_size": N}     → {"token", "received": 0, …}
    GET  /trading/bid-uploads/<token>/                               → {"received", "total_size", …}
    PUT  /trading/bid-uploads/<token>/  Content-Range: bytes S-E/N   → {"received"}
         (S must equal "received"; otherwise 409 with the server's "received" to resume from)
    POST /trading/bid-uploads/<token>/finalise/                            → {"bid": {…}, "receipt": {…}}

Errors are ``{"error": {"code", "message", "fields"}}`` with the HTTP status of the error class.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ggzy.accounts.models import Certificate, User
from ggzy.audit.platform_key import platform_public_pem, platform_suite
from ggzy.core.errors import GgzyError, NotFound, ValidationFailed
from ggzy.sealing import envelope, suites
from ggzy.trading import bid_summary, selectors, services
from ggzy.trading.config import trading_rules
from ggzy.trading.models import Bid, BidUpload, Section
from ggzy.trading.services import bids as bid_services
from ggzy.trading.views import common

CONTENT_RANGE = re.compile(r"bytes (\d{1,15})-(\d{1,15})/(\d{1,15})")


def _json_error(exc: GgzyError) -> JsonResponse:
    status = exc.http_status
    if exc.code == "offset_mismatch":
        status = 409
    return JsonResponse({"error": exc.as_dict()}, status=status, json_dumps_params={"ensure_ascii": False})


def _upload_json(upload: BidUpload) -> dict[str, Any]:
    return {
        "token": upload.token,
        "received": upload.received,
        "total_size": upload.total_size,
        "status": upload.status,
        "error": upload.error,
    }


def bid_json(bid: Bid) -> dict[str, Any]:
    return {
        "id": bid.pk,
        "version": bid.version,
        "status": bid.status,
        "envelope_sha256": bid.envelope_sha256,
        "size": bid.size,
        "submitted_at": bid.submitted_at.isoformat(),
        "receipt_sequence": bid.receipt_sequence,
    }


def _signer_key_ids(user: User) -> list[dict[str, str]]:
    """The key ids of the organisation's bound certificates (the page seals with one of them):
    P-256 certificates sign ``intl`` envelopes, SM2 certificates ``sm`` ones."""
    out: list[dict[str, str]] = []
    if user.organisation_id is None:
        return out
    for row in Certificate.objects.filter(organisation_id=user.organisation_id, unbound_at__isnull=True):
        try:
            public = envelope.load_public_key(bytes(row.der))
        except (envelope.EnvelopeError, ValueError, UnsupportedAlgorithm):
            try:
                sm2 = envelope.load_key_of_suite(bytes(row.der), suites.SM, "证书公钥")
            except (envelope.EnvelopeError, ValueError, UnsupportedAlgorithm):
                continue  # an RSA certificate cannot sign an envelope in the browser
            pem_text = suites.SM_SUITE.public_pem(sm2).decode("ascii")
            suite, kid = suites.SM, envelope.key_id(sm2)
        else:
            pem = public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            pem_text, suite, kid = pem.decode("ascii"), suites.INTL, envelope.key_id(public)
        out.append(
            {
                "key_id": kid,
                "public_pem": pem_text,
                "suite": suite,
                "subject": row.subject,
                "serial": row.serial_hex,
            }
        )
    return out


def _section(pk: int) -> Any:
    try:
        return selectors.section_get_public(pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None


@require_http_methods(["GET"])
@common.bidder_required
def bid_page(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    section = _section(pk)
    escrow = selectors.section_escrow_key(section)
    open_now = section.status == "published" and not selectors.downloads_visible(section, clock=common.clock)
    keys = list(selectors.bidder_keys(actor=user))
    config = {
        "section": section.code,
        "bidder": user.organisation.credit_code if user.organisation else "",
        "uploadUrl": f"/trading/sections/{section.pk}/bid/uploads/",
        "keyRegisterUrl": "/trading/keys/",
        "platformKeyUrl": "/trading/platform-key.pem",
        "registeredKeyIds": [k.key_id for k in keys if k.revoked_at is None],
        "signers": _signer_key_ids(user),
        "escrowPublicKey": escrow.public_key_pem if escrow is not None else None,
        # the section's crypto suite is its escrow key's; without one the bidder's key decides
        "suite": escrow.suite if escrow is not None else None,
        "needsEscrow": section.allows_backup_decryption,
        "summaryFields": section.summary_fields,
        # the SME declaration sealed with the summary: the schema the evaluation reads after
        # decryption (bid_summary), so the page checks exactly what it will check
        "sme": {
            "sharePattern": bid_summary.SHARE_PATTERN,
            "shareKinds": [bid_summary.CONSORTIUM],
            "messages": bid_summary.MESSAGES,
        },
        "chunkBytes": min(trading_rules().bid_chunk_max_bytes, 4 * 1024 * 1024),
        "maxBytes": trading_rules().bid_max_bytes,
    }
    return render(
        request,
        "trading/bid.html",
        {
            "section": section,
            "project": section.project,
            "bids": selectors.my_bids(actor=user, section=section),
            "keys": keys,
            "open_now": open_now,
            "escrow": escrow,
            "config": config,
            "sme_kinds": list(bid_summary.SME_KIND_LABELS.items()),
            "nav_section": "trading",
        },
    )


@require_http_methods(["POST"])
@common.bidder_required
def key_register(request: HttpRequest, user: User) -> HttpResponseBase:
    """Register an envelope public key: JSON ``{"public_key_pem", "label"}`` from the page script,
    or a form post with a ``public_key`` file (the kit's ``KEY.pub.pem``)."""
    wants_json = request.content_type == "application/json"
    try:
        if wants_json:
            try:
                data = json.loads(request.body or b"{}")
            except ValueError:
                raise ValidationFailed("请求不是有效的 JSON") from None
            if not isinstance(data, dict):
                raise ValidationFailed("请求不是有效的 JSON")
            pem, label = str(data.get("public_key_pem", "")), str(data.get("label", ""))
        else:
            upload = request.FILES.get("public_key")
            pem = (
                upload.read(9000).decode("ascii", "replace")
                if upload
                else request.POST.get("public_key_pem", "")
            )
            label = request.POST.get("label", "")
        row = services.bidder_key_register(actor=user, public_key_pem=pem, label=label, clock=common.clock)
    except GgzyError as exc:
        if wants_json:
            return _json_error(exc)
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "trading:section_list")
    if wants_json:
        return JsonResponse({"key_id": row.key_id, "suite": row.suite}, status=201)
    messages.success(request, f"加密公钥已登记（标识 {row.key_id[:16]}…）")
    return redirect(request.POST.get("next") or "trading:section_list")


@require_http_methods(["POST"])
@common.bidder_required
def key_revoke(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    key = selectors.bidder_keys(actor=user).filter(pk=pk).first()
    if key is None:
        raise Http404("密钥不存在")
    try:
        services.bidder_key_revoke(actor=user, key=key, clock=common.clock)
        messages.success(request, "密钥已注销：新的信封不能再加密给它")
    except GgzyError as exc:
        messages.error(request, exc.message)
    return redirect(request.POST.get("next") or "trading:section_list")


@require_http_methods(["POST"])
@common.bidder_required
def upload_start(request: HttpRequest, user: User, pk: int) -> JsonResponse:
    section = _section(pk)
    try:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationFailed("请求不是有效的 JSON") from None
        total = data.get("total_size") if isinstance(data, dict) else None
        if not isinstance(total, int) or isinstance(total, bool):
            raise ValidationFailed("请给出信封大小 total_size（字节）", fields={"total_size": "必填"})
        upload = services.bid_upload_start(actor=user, section=section, total_size=total, clock=common.clock)
    except GgzyError as exc:
        return _json_error(exc)
    return JsonResponse(_upload_json(upload), status=201)


@require_http_methods(["GET", "PUT"])
@common.bidder_required
def upload_chunk(request: HttpRequest, user: User, token: str) -> JsonResponse:
    try:
        if request.method == "GET":
            return JsonResponse(_upload_json(selectors.bid_upload_get(actor=user, token=token)))
        match = CONTENT_RANGE.fullmatch(request.headers.get("Content-Range", "").strip())
        if match is None:
            raise ValidationFailed("缺少或无效的 Content-Range 头（bytes 起-止/总数）", code="bad_range")
        start, end, total = (int(g) for g in match.groups())
        length = end - start + 1
        limit = trading_rules().bid_chunk_max_bytes
        if end < start or length > limit:
            raise ValidationFailed("Content-Range 无效或数据块过大", code="bad_range")
        upload = selectors.bid_upload_get(actor=user, token=token)
        if total != upload.total_size:
            raise ValidationFailed("Content-Range 中的总大小与上传会话不符", code="bad_range")
        body = request.read(length + 1)
        if len(body) != length:
            raise ValidationFailed(
                "数据块长度与 Content-Range 不符（连接中断？请从服务器位置续传）", code="short_body"
            )
        upload = services.bid_upload_append(
            actor=user, token=token, offset=start, data=body, clock=common.clock
        )
    except GgzyError as exc:
        return _json_error(exc)
    return JsonResponse(_upload_json(upload))


@require_http_methods(["POST"])
@common.bidder_required
def upload_finalise(request: HttpRequest, user: User, token: str) -> JsonResponse:
    try:
        bid = services.bid_upload_finalise(actor=user, token=token, clock=common.clock)
    except GgzyError as exc:
        return _json_error(exc)
    return JsonResponse({"bid": bid_json(bid), "receipt": bid.receipt}, status=201)


@require_http_methods(["POST"])
@common.bidder_required
def bid_withdraw(request: HttpRequest, user: User, pk: int) -> HttpResponseBase:
    try:
        bid = selectors.bid_get_own(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    try:
        services.bid_withdraw(actor=user, bid=bid, clock=common.clock)
        messages.success(request, f"第 {bid.version} 版投标文件已撤回（记录保留）")
    except GgzyError as exc:
        messages.error(request, exc.message)
    return redirect("trading:bid", pk=bid.section_id)


@require_http_methods(["GET"])
@common.bidder_required
def bid_receipt(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    try:
        bid = selectors.bid_get_own(actor=user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(
        json.dumps(bid.receipt, sort_keys=True, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{bid.section.code}-v{bid.version}.json"'
    return response


@require_http_methods(["GET"])
def platform_key(request: HttpRequest) -> HttpResponse:
    """The platform's public key: receipts (and audit checkpoints) verify against it offline.
    ``?suite=intl|sm`` gives the key of that suite — a receipt names its suite (no ``suite`` in
    the body: intl), so receipts made before the deployment switched suite still verify."""
    suite = request.GET.get("suite") or platform_suite()
    if suite not in suites.SUITES:
        raise Http404("不支持的密码套件（支持 intl、sm）")
    pem = platform_public_pem(suite=suite)
    if pem is None:
        raise Http404("本平台没有该密码套件的平台密钥（从未用它签署过回执）")
    response = HttpResponse(pem, content_type="application/x-pem-file")
    name = "ggzy-platform-key.pub.pem" if suite == suites.INTL else "ggzy-platform-key-sm2.pub.pem"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@login_required
def escrow_key(request: HttpRequest, pk: int) -> HttpResponse:
    """Center staff record the section's escrow public key from the custodians' ceremony."""
    user = request.user
    assert isinstance(user, User)
    if not bid_services.may_set_escrow_key(user):
        return common.manage_error(request, "只有交易中心的系统管理员或安全管理员可以登记备用解密公钥。", 403)
    section = Section.objects.select_related("tender_project__project").filter(pk=pk).first()
    if section is None:
        raise Http404("标段(包)不存在")
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("public_key")
        try:
            k = int(request.POST.get("threshold_k", ""))
            n = int(request.POST.get("custodians_n", ""))
        except ValueError:
            k = n = 0
        custodians = [
            line.strip() for line in request.POST.get("custodians", "").splitlines() if line.strip()
        ]
        try:
            services.section_escrow_key_set(
                actor=user,
                section=section,
                public_key_pem=upload.read(9000) if upload else b"",
                threshold_k=k,
                custodians_n=n,
                custodians=custodians[:9],
                clock=common.clock,
            )
        except GgzyError as exc:
            error = exc.message
        else:
            messages.success(request, "备用解密公钥已登记")
            return redirect("trading:escrow_key", pk=section.pk)
    return render(
        request,
        "trading/manage/escrow.html",
        {"section": section, "escrow": selectors.section_escrow_key(section), "error": error},
        status=400 if error else 200,
    )
