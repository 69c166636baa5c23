"""Sealed bids: bidder keys, the section's escrow key, resumable envelope uploads, submission with a
platform-signed receipt, replace/withdraw until the deadline, and the opening outcome (for the
opening hall).

The server never holds a key that opens a bid: it checks the envelope's structure, the bidder's
signature (its bound certificate) and that the recipients are exactly the bidder's registered key
(+ the section's escrow key when backup decryption is allowed), stores the ciphertext
content-addressed, and only then creates the ``Bid`` and its receipt in one transaction under a row
lock on the section that also checks the deadline by the server clock. An upload still in flight
at the deadline is not a bid.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

from cryptography.exceptions import UnsupportedAlgorithm
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max

from ggzy.accounts import selectors as account_selectors
from ggzy.accounts.choices import Role
from ggzy.accounts.models import Certificate, Organisation, User
from ggzy.audit.platform_key import platform_signing_key
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
    ValidationFailed,
)
from ggzy.core.storage import is_no_space, storage_full
from ggzy.publishing.models import StoredFile
from ggzy.sealing import envelope, receipts, suites
from ggzy.trading import access, bid_workflow, upload_store
from ggzy.trading.choices import BidStatus, BidUploadStatus, SectionStatus
from ggzy.trading.config import trading_rules
from ggzy.trading.models import Bid, BidderKey, BidUpload, ReceiptCounter, Section, SectionEscrowKey
from ggzy.trading.services._common import audit, lock_section

ENVELOPE_MEDIA_TYPE = "application/vnd.ggzy.envelope"
logger = logging.getLogger("ggzy.trading")


# ----------------------------------------------------------------------------- helpers


def upload_dir() -> Path:
    """The temporary upload area: outside the content store, on the same disk."""
    configured = getattr(settings, "GGZY_BID_UPLOAD_DIR", None)
    path = Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "bid-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(upload: BidUpload) -> Path:
    return upload_dir() / f"{upload.token}.part"


@contextlib.contextmanager
def _open_received(upload: BidUpload) -> Iterator[BinaryIO]:
    """The received bytes of a complete upload: the part file, or the chain of part objects when
    uploads go to an object store (ggzy.trading.upload_store; ADR 0032)."""
    if upload_store.in_store():
        with upload_store.open_parts(upload.token, upload.total_size) as parts:
            yield parts
        return
    try:
        fh = open(upload_path(upload), "rb")  # noqa: SIM115 - closed by the with below
    except OSError:
        raise ValidationFailed(
            "上传的临时文件已不存在（会话已结束？），请重新上传", code="incomplete"
        ) from None
    with fh:
        if os.fstat(fh.fileno()).st_size < upload.total_size:
            raise ValidationFailed("上传的临时文件不完整，请重新上传", code="incomplete")
        yield fh


def _discard_received(upload: BidUpload) -> None:
    """Remove the upload's temporary bytes. Never fails the caller: what an unreachable store
    keeps is removed later by ``upload_store.sweep`` (run by ``bid_uploads_expire``)."""
    if not upload_store.in_store():
        upload_path(upload).unlink(missing_ok=True)
        return
    try:
        upload_store.discard(upload.token)
    except (StorageUnavailable, OSError) as exc:
        logger.warning("upload parts of %s… not removed yet: %s", upload.token[:8], exc)


def platform_key() -> receipts.PlatformKey:
    """The key receipts are signed with: the platform key of GGZY_CRYPTO_SUITE (ECDSA P-256, or
    SM2 under ``sm`` — the receipt body then says ``"suite": "sm"``, so it verifies with the SM2
    key after any later switch, and older intl receipts with the intl key)."""
    return platform_signing_key()


def _require_bidder(actor: User | None) -> User:
    if actor is None or not access.is_bidder(actor):
        raise PermissionDenied("只有以投标人身份登录的用户可以递交投标文件")
    return actor


def _bidder_org(actor: User) -> Organisation:
    org = actor.organisation
    assert org is not None  # is_bidder checked it
    return org


def _refuse(exc: envelope.EnvelopeError | receipts.ReceiptInvalid | ValidationFailed) -> ValidationFailed:
    if isinstance(exc, ValidationFailed):
        return exc
    code = getattr(exc, "code", "envelope_invalid")
    return ValidationFailed(exc.message, code=str(code))


def _check_open_for_bids(section: Section, clock: Clock) -> None:
    """Bids are accepted while the section is published and the server clock is before the
    deadline. Always called again under the section's row lock at the moment of the write."""
    if section.status != SectionStatus.PUBLISHED or section.bid_deadline is None:
        raise InvalidTransition("该标段不在投标期内，不能递交投标文件", code="not_open")
    if clock.now() >= section.bid_deadline:
        raise InvalidTransition(
            f"投标已于 {section.bid_deadline:%Y-%m-%d %H:%M} 截止（以交易平台服务器时间为准），"
            "不再接收投标文件",
            code="deadline_passed",
        )


# ----------------------------------------------------------------------------- bidder keys


def _load_public(pem: bytes | str, what: str) -> tuple[str, str, suites.PublicKey]:
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    if not data.strip() or len(data) > 8192:
        raise ValidationFailed(f"请上传{what}（PEM 格式）", fields={"public_key": "无效"})
    for suite in envelope.SUITE_NAMES:
        try:
            key = envelope.load_key_of_suite(data, suite, what)
        # (UnsupportedAlgorithm: the intl loader meets an SM2 curve before the sm loader is tried)
        except (envelope.EnvelopeError, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return suite, envelope.key_id(key), key
    raise ValidationFailed(
        f"无法读取{what}：应为 P-256（或 SM2）公钥的 PEM/DER",
        code="unsupported_key",
        fields={"public_key": "无效"},
    )


def _spki_pem(key: suites.PublicKey) -> str:
    if isinstance(key, suites.SM2PublicKey):
        return suites.SM_SUITE.public_pem(key).decode("ascii")
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


@transaction.atomic
def bidder_key_register(
    *, actor: User | None, public_key_pem: bytes | str, label: str = "", clock: Clock = system_clock
) -> BidderKey:
    """Register the public half of the bidder's envelope key (generated in the browser or by
    ``ggzy bid keygen``) for the actor's organisation."""
    user = _require_bidder(actor)
    org = _bidder_org(user)
    suite, kid, key = _load_public(public_key_pem, "投标加密公钥")
    if (
        BidderKey.objects.select_for_update()
        .filter(organisation=org, key_id=kid, revoked_at__isnull=True)
        .exists()
    ):
        raise ValidationFailed(
            "该公钥已登记，无需重复登记", code="duplicate", fields={"public_key": "已登记"}
        )
    row = BidderKey.objects.create(
        organisation=org,
        user=user,
        suite=suite,
        public_key_pem=_spki_pem(key),
        key_id=kid,
        label=label.strip()[:100],
        registered_at=clock.now(),
    )
    audit(row, actor=user, action="trading.bidder_key_register", clock=clock, key_id=kid, suite=suite)
    return row


@transaction.atomic
def bidder_key_revoke(*, actor: User | None, key: BidderKey, clock: Clock = system_clock) -> BidderKey:
    """Stop accepting new envelopes addressed to this key (bids already sealed to it stay valid:
    the bidder still needs the private key at opening)."""
    user = _require_bidder(actor)
    row = BidderKey.objects.select_for_update().get(pk=key.pk)
    if row.organisation_id != user.organisation_id:
        raise NotFound("密钥不存在")
    if row.revoked_at is not None:
        raise InvalidTransition("该密钥已注销")
    row.revoked_at = clock.now()
    row.save(update_fields=["revoked_at"])
    audit(row, actor=user, action="trading.bidder_key_revoke", clock=clock, key_id=row.key_id)
    return row


# ----------------------------------------------------------------------------- escrow key


ESCROW_KEY_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


def may_set_escrow_key(actor: User | None) -> bool:
    """The escrow key decides who can open bids that failed: a center administrator's task."""
    return bool(actor and actor.is_active and actor.is_center_staff and actor.has_role(*ESCROW_KEY_ROLES))


@transaction.atomic
def section_escrow_key_set(
    *,
    actor: User | None,
    section: Section,
    public_key_pem: bytes | str,
    threshold_k: int,
    custodians_n: int,
    custodians: list[str] | None = None,
    clock: Clock = system_clock,
) -> SectionEscrowKey:
    """Record the section's escrow public key from the custodians' ceremony. Center staff only;
    only for a section that allows backup decryption and has no bid yet."""
    if actor is None or not may_set_escrow_key(actor):
        raise PermissionDenied("只有交易中心的系统管理员或安全管理员可以设置标段的备用解密公钥")
    locked = lock_section(section)
    if not locked.allows_backup_decryption:
        raise ValidationFailed("该标段不允许备用解密，无需设置备用解密公钥")
    if locked.status not in (SectionStatus.DRAFT, SectionStatus.PUBLISHED):
        raise InvalidTransition("标段当前状态不能设置备用解密公钥")
    if Bid.objects.filter(section=locked).exists():
        raise InvalidTransition("已有投标文件以原备用解密公钥密封，不能再更换")
    if not 1 <= threshold_k <= custodians_n:
        raise ValidationFailed("门限 k 应在 1 与保管人数 n 之间", fields={"threshold_k": "无效"})
    suite, kid, key = _load_public(public_key_pem, "备用解密公钥")
    row, _ = SectionEscrowKey.objects.update_or_create(
        section=locked,
        defaults={
            "suite": suite,
            "public_key_pem": _spki_pem(key),
            "key_id": kid,
            "threshold_k": threshold_k,
            "custodians_n": custodians_n,
            "custodians": [str(c)[:100] for c in (custodians or [])],
            "set_by": actor,
            "set_at": clock.now(),
        },
    )
    audit(
        locked,
        actor=actor,
        action="trading.escrow_key_set",
        clock=clock,
        key_id=kid,
        k=threshold_k,
        n=custodians_n,
    )
    return row


# ----------------------------------------------------------------------------- uploads


@transaction.atomic
def bid_upload_start(
    *, actor: User | None, section: Section, total_size: int, clock: Clock = system_clock
) -> BidUpload:
    """Open an upload session for an envelope of ``total_size`` bytes."""
    user = _require_bidder(actor)
    _check_open_for_bids(section, clock)
    limit = trading_rules().bid_max_bytes
    if not isinstance(total_size, int) or total_size <= 0:
        raise ValidationFailed("信封大小无效", fields={"total_size": "无效"})
    if total_size > limit:
        raise ValidationFailed(
            f"投标文件信封 {total_size / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB",
            code="too_large",
            fields={"total_size": "过大"},
        )
    now = clock.now()
    upload = BidUpload.objects.create(
        token=secrets.token_hex(24),
        section=section,
        organisation=_bidder_org(user),
        user=user,
        total_size=total_size,
        created_at=now,
        updated_at=now,
    )
    # The part file is created by the first append (not here: a rolled-back start would leave an
    # orphan file behind — found by scripts/faults/pg_restart.py).
    return upload


def _owned_upload(actor: User, token: str, *, lock: bool) -> BidUpload:
    qs = BidUpload.objects.select_related("section")
    if lock:
        qs = qs.select_for_update()
    upload = qs.filter(token=str(token)[:64]).first()
    if upload is None or upload.organisation_id != actor.organisation_id:
        raise NotFound("上传会话不存在")
    return upload


def bid_upload_append(
    *,
    actor: User | None,
    token: str,
    offset: int,
    data: bytes | IO[bytes],
    clock: Clock = system_clock,
) -> BidUpload:
    """Write bytes at ``offset``, which must be where the session stands (``received``): a client
    resumes after a dropped connection from the offset the server reports. The bytes go to the
    temporary upload area only."""
    user = _require_bidder(actor)
    chunk = data if isinstance(data, bytes) else data.read(trading_rules().bid_chunk_max_bytes + 1)
    if len(chunk) > trading_rules().bid_chunk_max_bytes:
        raise ValidationFailed("单次上传的数据块过大", code="chunk_too_large")
    with transaction.atomic():
        upload = _owned_upload(user, token, lock=True)
        if upload.status != BidUploadStatus.OPEN:
            raise InvalidTransition("上传会话已结束", code="upload_closed")
        _check_open_for_bids(upload.section, clock)
        if offset != upload.received:
            raise ValidationFailed(
                f"上传位置不符：服务器已接收 {upload.received} 字节，请从该位置继续",
                code="offset_mismatch",
                fields={"offset": str(upload.received)},
            )
        if not chunk:
            return upload
        if upload.received + len(chunk) > upload.total_size:
            raise ValidationFailed("上传的数据超过声明的信封大小", code="too_much_data")
        if upload_store.in_store():
            # no shared disk and no append in an object store: one object per chunk (ADR 0032)
            upload_store.put_part(upload.token, offset, chunk)
            upload.received = offset + len(chunk)
            upload.updated_at = clock.now()
            upload.save(update_fields=["received", "updated_at"])
            return upload
        path = upload_path(upload)
        # Bytes beyond ``received`` are left-overs of a write whose commit never happened (crash):
        # cut them off, then append, and make the bytes durable before the offset moves.
        # (unbuffered: a full disk must not leave bytes in a buffer that a later close writes)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            os.ftruncate(fd, offset)
            try:
                view, at = memoryview(chunk), offset
                while view:
                    written = os.pwrite(fd, view, at)
                    view, at = view[written:], at + written
                os.fsync(fd)
            except OSError as exc:
                if not is_no_space(exc):
                    raise
                os.ftruncate(fd, offset)  # the part holds exactly what was received; space given back
                raise storage_full() from exc
        finally:
            os.close(fd)
        upload.received = offset + len(chunk)
        upload.updated_at = clock.now()
        upload.save(update_fields=["received", "updated_at"])
    return upload


@transaction.atomic
def bid_upload_abandon(*, actor: User | None, token: str, clock: Clock = system_clock) -> BidUpload:
    user = _require_bidder(actor)
    upload = _owned_upload(user, token, lock=True)
    if upload.status != BidUploadStatus.OPEN:
        raise InvalidTransition("上传会话已结束", code="upload_closed")
    upload.status = BidUploadStatus.ABANDONED
    upload.updated_at = clock.now()
    upload.save(update_fields=["status", "updated_at"])
    transaction.on_commit(lambda: _discard_received(upload))
    return upload


def bid_uploads_expire(*, clock: Clock = system_clock) -> int:
    """Worker job: upload sessions still open after their section's deadline are abandoned (they
    are not bids) and their temporary files removed. Returns how many."""
    count = 0
    stale = BidUpload.objects.filter(status=BidUploadStatus.OPEN, section__bid_deadline__lte=clock.now())
    for pk in list(stale.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            row = BidUpload.objects.select_for_update().get(pk=pk)
            if row.status != BidUploadStatus.OPEN:
                continue
            row.status = BidUploadStatus.ABANDONED
            row.error = "投标截止时仍未完成上传"
            row.updated_at = clock.now()
            row.save(update_fields=["status", "error", "updated_at"])
        _discard_received(row)
        count += 1
    if upload_store.in_store():
        try:
            upload_store.sweep()
        except (StorageUnavailable, OSError) as exc:
            logger.warning("upload parts sweep skipped: %s", exc)
    else:
        _sweep_local_parts()
    return count


def _sweep_local_parts() -> int:
    """Remove the part files of sessions that are no longer open: left behind when a process died,
    or a commit's answer was lost (database restart), between a session's end and its clean-up
    (found by scripts/faults/pg_restart.py). A part exists only for a session already committed
    as open (the first append creates it under the row lock), so an open session's part is kept."""
    parts = {p.name.removesuffix(".part"): p for p in upload_dir().glob("*.part")}
    if not parts:
        return 0
    still_open = set(
        BidUpload.objects.filter(token__in=list(parts), status=BidUploadStatus.OPEN).values_list(
            "token", flat=True
        )
    )
    swept = 0
    for token, path in parts.items():
        if token not in still_open:
            path.unlink(missing_ok=True)
            swept += 1
    return swept


# ----------------------------------------------------------------------------- verification


def _signer_certificate(org: Organisation, header: envelope.Header, at: object) -> Certificate:
    """The organisation's bound certificate whose key signed the envelope, usable now."""
    for row in Certificate.objects.filter(organisation=org, unbound_at__isnull=True):
        try:
            key = envelope.load_key_of_suite(bytes(row.der), header.suite, "证书公钥")
        except (envelope.EnvelopeError, ValueError, UnsupportedAlgorithm):
            continue
        if envelope.key_id(key) == header.signer:
            return account_selectors.certificate_usable(
                organisation=org,
                certificate_der=bytes(row.der),
                at=at,  # type: ignore[arg-type]
            )
    raise ValidationFailed(
        f"信封的签名密钥不是“{org.name}”已绑定的数字证书（请先在机构证书页面绑定签名证书）",
        code="wrong_signer",
    )


def _check_recipients(section: Section, org: Organisation, header: envelope.Header) -> BidderKey:
    bidder_keys = [r for r in header.recipients if r.role == envelope.ROLE_BIDDER]
    escrow = [r for r in header.recipients if r.role == envelope.ROLE_ESCROW]
    if len(bidder_keys) != 1:
        raise ValidationFailed("信封应当且只能有一个投标人接收方", code="wrong_recipient")
    key = BidderKey.objects.filter(
        organisation=org, key_id=bidder_keys[0].key_id, revoked_at__isnull=True
    ).first()
    if key is None:
        raise ValidationFailed(
            "信封的投标人接收方不是本单位已登记的投标加密密钥：开标时将无法解密，已拒绝",
            code="wrong_recipient",
        )
    if section.allows_backup_decryption:
        escrow_key = SectionEscrowKey.objects.filter(section=section).first()
        if escrow_key is None:
            raise ValidationFailed(
                "本标段允许备用解密，但交易中心尚未设置备用解密公钥，暂不能递交", code="no_escrow_key"
            )
        if len(escrow) != 1 or escrow[0].key_id != escrow_key.key_id:
            raise ValidationFailed(
                "本标段允许备用解密：信封必须同时加密给本标段的备用解密公钥", code="wrong_recipient"
            )
    elif escrow:
        raise ValidationFailed("本标段不允许备用解密，信封却含有备用解密接收方", code="wrong_recipient")
    return key


def _store_blob(src: IO[bytes], sha: str) -> str:
    """Write the verified envelope to the content store (bytes before any row points at them);
    the ``StoredFile`` row is created in the bid's transaction. A refusal after this point leaves
    an unreferenced, content-addressed blob that no row reaches (collectable)."""
    blob = f"blobs/{sha[:2]}/{sha}"
    if not default_storage.exists(blob):
        saved = default_storage.save(blob, File(src))
        if saved != blob:  # another process stored the same bytes first; keep the canonical name
            default_storage.delete(saved)
    return blob


def _next_sequence() -> int:
    counter, _ = ReceiptCounter.objects.get_or_create(name="bids")
    counter = ReceiptCounter.objects.select_for_update().get(pk=counter.pk)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _reject(upload: BidUpload, message: str, clock: Clock) -> None:
    with transaction.atomic():
        row = BidUpload.objects.select_for_update().get(pk=upload.pk)
        if row.status == BidUploadStatus.OPEN:
            row.status = BidUploadStatus.REJECTED
            row.error = message[:1000]
            row.updated_at = clock.now()
            row.save(update_fields=["status", "error", "updated_at"])
            audit(
                row.section,
                actor=row.user,
                action="trading.bid_reject",
                clock=clock,
                upload=row.token[:8],
                reason=message[:300],
            )
    _discard_received(upload)


def verify_bid_envelope(
    *, src: BinaryIO, section: Section, organisation: Organisation, clock: Clock = system_clock
) -> tuple[envelope.VerifiedEnvelope, Certificate, BidderKey]:
    """Every check the server makes on an envelope, without storing anything."""
    try:
        header = envelope.read_header(src)
        src.seek(0)
        certificate = _signer_certificate(organisation, header, clock.now())
        from ggzy.sealing import certs

        verified = envelope.verify_envelope(
            src,
            signer=certs.load_certificate(bytes(certificate.der)),
            expect_section=section.code,
            expect_bidder=organisation.credit_code,
            max_payload_size=trading_rules().bid_max_bytes,
        )
        key = _check_recipients(section, organisation, verified.header)
    except (envelope.EnvelopeError, ValidationFailed) as exc:
        raise _refuse(exc) from None
    return verified, certificate, key


def bid_upload_finalise(*, actor: User | None, token: str, clock: Clock = system_clock) -> Bid:
    """Verify the uploaded envelope, store it, create the bid version and its receipt.

    Verification runs outside the transaction (it reads the whole file); the deadline is checked
    again under the section's row lock in the transaction that creates the row, so an envelope
    finishing verification after the deadline is refused. A refusal stores nothing."""
    user = _require_bidder(actor)
    upload = _owned_upload(user, token, lock=False)
    if upload.status != BidUploadStatus.OPEN:
        raise InvalidTransition("上传会话已结束", code="upload_closed")
    section = upload.section
    _check_open_for_bids(section, clock)
    if upload.received != upload.total_size:
        raise ValidationFailed(
            f"信封尚未上传完整：已接收 {upload.received}/{upload.total_size} 字节", code="incomplete"
        )
    org = _bidder_org(user)
    try:
        with _open_received(upload) as fh:
            verified, certificate, key = verify_bid_envelope(
                src=fh, section=section, organisation=org, clock=clock
            )
    except ValidationFailed as exc:
        _reject(upload, exc.message, clock)
        raise
    if verified.size != upload.total_size:  # pragma: no cover - verify_envelope refuses trailing data
        _reject(upload, "信封大小不符", clock)
        raise ValidationFailed("信封大小不符", code="incomplete")
    with _open_received(upload) as fh:
        blob = _store_blob(fh, verified.envelope_sha256)
    try:
        bid = _bid_create(
            user=user,
            upload=upload,
            blob=blob,
            verified=verified,
            certificate=certificate,
            key=key,
            clock=clock,
        )
    except (InvalidTransition, ValidationFailed) as exc:
        if exc.code in ("deadline_passed", "not_open", "replayed_envelope"):
            _reject(upload, exc.message, clock)
        raise
    _discard_received(upload)
    return bid


@transaction.atomic
def _bid_create(
    *,
    user: User,
    upload: BidUpload,
    blob: str,
    verified: envelope.VerifiedEnvelope,
    certificate: Certificate,
    key: BidderKey,
    clock: Clock,
) -> Bid:
    section = lock_section(upload.section)
    org = _bidder_org(user)
    row = BidUpload.objects.select_for_update().get(pk=upload.pk)
    if row.status != BidUploadStatus.OPEN:
        raise InvalidTransition("上传会话已结束", code="upload_closed")
    # the deadline may have passed while the envelope was being verified: then it is not a bid
    _check_open_for_bids(section, clock)
    sha = verified.envelope_sha256
    if Bid.objects.filter(envelope_sha256=sha).exists():
        raise ValidationFailed(
            "该信封已经递交过（重复或重放的信封）：替换投标文件请重新密封", code="replayed_envelope"
        )
    previous = (
        Bid.objects.select_for_update().filter(section=section, organisation=org, is_current=True).first()
    )
    now = clock.now()
    if previous is not None:
        previous.status = bid_workflow.ensure_allowed("replace", previous.status)
        previous.is_current = False
        previous.superseded_at = now
        previous.save(update_fields=["status", "is_current", "superseded_at"])
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha, defaults={"size": verified.size, "media_type": ENVELOPE_MEDIA_TYPE, "path": blob}
    )
    version = (
        Bid.objects.filter(section=section, organisation=org).aggregate(m=Max("version"))["m"] or 0
    ) + 1
    sequence = _next_sequence()
    receipt = receipts.issue_receipt(
        platform_key(),
        section=section.code,
        bidder=org.credit_code,
        envelope_sha256=sha,
        server_time=now,
        sequence=sequence,
    )
    header = verified.header
    bid = Bid.objects.create(
        section=section,
        organisation=org,
        submitted_by=user,
        version=version,
        status=BidStatus.SUBMITTED,
        is_current=True,
        envelope=stored,
        envelope_sha256=sha,
        size=verified.size,
        header=header.to_json(),
        suite=header.suite,
        signer_fingerprint=certificate.fingerprint,
        signer_certificate=certificate,
        bidder_key=key,
        backup_decryption=header.backup_decryption,
        receipt={"receipt": receipt.body(), "signature": receipt.signature},
        receipt_sequence=sequence,
        submitted_at=now,
    )
    row.status = BidUploadStatus.FINALISED
    row.bid = bid
    row.updated_at = now
    row.save(update_fields=["status", "bid", "updated_at"])
    audit(
        bid,
        actor=user,
        action="trading.bid_submit",
        clock=clock,
        section=section.code,
        version=version,
        envelope_sha256=sha,
        size=verified.size,
        receipt_sequence=sequence,
        replaces=previous.pk if previous is not None else None,
    )
    return bid


def bid_submit_file(
    *, actor: User | None, section: Section, src: BinaryIO, clock: Clock = system_clock
) -> Bid:
    """Submit a whole envelope in one go (kit, tests): the same path as a chunked upload."""
    src.seek(0, 2)
    size = src.tell()
    src.seek(0)
    upload = bid_upload_start(actor=actor, section=section, total_size=size, clock=clock)
    offset = 0
    step = trading_rules().bid_chunk_max_bytes
    while offset < size:
        chunk = src.read(step)
        bid_upload_append(actor=actor, token=upload.token, offset=offset, data=chunk, clock=clock)
        offset += len(chunk)
    return bid_upload_finalise(actor=actor, token=upload.token, clock=clock)


# ----------------------------------------------------------------------------- withdraw / opening


@transaction.atomic
def bid_withdraw(*, actor: User | None, bid: Bid, clock: Clock = system_clock) -> Bid:
    """Withdraw the current bid before the deadline; the version stays on record."""
    user = _require_bidder(actor)
    section = lock_section(bid.section)
    row = Bid.objects.select_for_update().get(pk=bid.pk)
    if row.organisation_id != user.organisation_id:
        raise NotFound("投标文件不存在")
    _check_open_for_bids(section, clock)
    if not row.is_current:
        raise InvalidTransition("只能撤回当前版本的投标文件")
    try:
        row.status = bid_workflow.ensure_allowed("withdraw", row.status)
    except bid_workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    row.is_current = False
    row.superseded_at = clock.now()
    row.save(update_fields=["status", "is_current", "superseded_at"])
    audit(
        row, actor=user, action="trading.bid_withdraw", clock=clock, section=section.code, version=row.version
    )
    return row


@transaction.atomic
def bid_mark_opened(
    *, bid: Bid, outcome: str, cause: str = "", actor: User | None, clock: Clock = system_clock
) -> Bid:
    """Record the opening outcome of a current bid (for the opening hall): ``decrypted``,
    ``revoked_art31`` (bidder's fault, 撤销) or ``withdrawn_art31`` (other cause, 撤回) with the
    cause. Only after the bid deadline."""
    row = Bid.objects.select_for_update().select_related("section").get(pk=bid.pk)
    if row.section.bid_deadline is None or clock.now() < row.section.bid_deadline:
        raise InvalidTransition("投标截止前不能处理投标文件")
    if not row.is_current:
        raise InvalidTransition("只有当前版本的投标文件参加开标")
    try:
        row.status = bid_workflow.ensure_allowed("mark_opened", row.status, outcome)
    except bid_workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None
    if outcome != bid_workflow.DECRYPTED and not cause.strip():
        raise ValidationFailed("解密失败的投标文件必须记录原因", fields={"cause": "必填"})
    row.opened_at = clock.now()
    row.open_cause = cause.strip()[:2000]
    row.save(update_fields=["status", "opened_at", "open_cause"])
    audit(
        row, actor=actor, action="trading.bid_mark_opened", clock=clock, outcome=outcome, cause=row.open_cause
    )
    return row


__all__ = [
    "bid_mark_opened",
    "bid_submit_file",
    "bid_upload_abandon",
    "bid_upload_append",
    "bid_upload_finalise",
    "bid_upload_start",
    "bid_uploads_expire",
    "bid_withdraw",
    "bidder_key_register",
    "bidder_key_revoke",
    "platform_key",
    "section_escrow_key_set",
    "verify_bid_envelope",
]
