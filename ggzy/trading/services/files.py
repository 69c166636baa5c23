"""Tender files and clarifications of a section, and their downloads by bidders.

The bytes go through ``publishing.services.files.stored_file_put`` (checked by content, stored
content-addressed before any row points at them). A publisher may add a detached signature made
with the key of its bound certificate (``sealing.certs``, ``accounts`` binding); it is verified
before anything is stored.

Downloads are recorded in ``DownloadRecord`` only — deliberately not in the audit chain, whose
events staff can read: who downloaded, and how many, must stay secret until the bid deadline.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from cryptography import x509
from django.db import transaction
from django.db.models import Max

from ggzy.accounts.models import Organisation, User
from ggzy.accounts.selectors import certificate_usable
from ggzy.core.clock import SHANGHAI, Clock, system_clock
from ggzy.core.errors import ValidationFailed
from ggzy.publishing.services.files import stored_file_put
from ggzy.sealing import certs
from ggzy.trading import access
from ggzy.trading.choices import DeadlineChangeCause, TenderFileKind
from ggzy.trading.config import trading_rules
from ggzy.trading.models import DownloadRecord, Section, TenderFile
from ggzy.trading.services import _common as c
from ggzy.trading.services.sections import move_deadline

TITLE_MAX = 300


def _read_all(content: IO[bytes]) -> bytes:
    content.seek(0)
    data = content.read()
    content.seek(0)
    return data


def check_publisher_signature(
    *, organisation: Organisation, data: bytes, signature: bytes, certificate: bytes, at: dt.datetime
) -> x509.Certificate:
    """The certificate when ``signature`` is the publisher's signature over ``data`` (RSA or
    ECDSA P-256 with SHA-256, what ``openssl dgst -sha256 -sign`` makes; SM2 with SM3 and the
    default user id, what ``openssl dgst -sm3 -sigopt distid:1234567812345678 -sign`` makes — the
    browser's trading-sign.js makes the same bytes, verified the same way): the certificate must be
    bound to the publishing organisation and usable at ``at`` — valid, not revoked, chained to the
    center's trust store (``accounts.selectors.certificate_usable``) — and verify the signature."""
    try:
        cert = certs.load_certificate(certificate)
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, fields={"certificate": exc.code}) from None
    certificate_usable(organisation=organisation, certificate_der=certs.der(cert), at=at)
    try:
        certs.verify_signature(cert, data, signature)
    except certs.SignatureInvalid as exc:
        raise ValidationFailed(exc.message, fields={"signature": "签名无效"}) from None
    except certs.CertificateProblem as exc:
        raise ValidationFailed(exc.message, fields={"certificate": exc.code}) from None
    return cert


def _store(
    section: Section,
    *,
    actor: User,
    kind: str,
    name: str,
    content: IO[bytes],
    title: str,
    affects_bids: bool,
    signature: bytes,
    certificate: bytes,
    clock: Clock,
) -> TenderFile:
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"说明不能超过{TITLE_MAX}字", fields={"title": "过长"})
    name = (name or "").strip()[-200:]
    if not name:
        raise ValidationFailed("请选择要上传的文件", fields={"file": "必填"})
    publisher = actor.organisation
    assert publisher is not None  # a manager always belongs to an organisation
    cert = None
    if signature or certificate:
        if not (signature and certificate):
            raise ValidationFailed("签名和签名证书须同时提供", fields={"signature": "不完整"})
        cert = check_publisher_signature(
            organisation=publisher,
            data=_read_all(content),
            signature=signature,
            certificate=certificate,
            at=clock.now(),
        )
    stored = stored_file_put(name=name, content=content)  # bytes stored before the row
    version = (
        TenderFile.objects.filter(section=section, kind=kind).aggregate(v=Max("version"))["v"] or 0
    ) + 1
    tender_file = TenderFile.objects.create(
        section=section,
        kind=kind,
        version=version,
        name=name,
        title=title,
        file=stored,
        sha256=stored.sha256,
        size=stored.size,
        affects_bids=affects_bids,
        publisher=publisher,
        published_by=actor,
        published_at=clock.now(),
        signature=signature if cert else b"",
        certificate_der=certs.der(cert) if cert else b"",
        certificate_fingerprint=certs.fingerprint(cert) if cert else "",
        certificate_serial=certs.serial_hex(cert) if cert else "",
    )
    return tender_file


@transaction.atomic
def tender_file_upload(
    *,
    actor: User,
    section: Section,
    name: str,
    content: IO[bytes],
    title: str = "",
    signature: bytes = b"",
    certificate: bytes = b"",
    clock: Clock = system_clock,
) -> TenderFile:
    """Upload (a new version of) the tender file of a draft section."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    c.transition("upload_tender_file", section)
    tender_file = _store(
        section,
        actor=actor,
        kind=TenderFileKind.TENDER_FILE,
        name=name,
        content=content,
        title=title,
        affects_bids=False,
        signature=signature,
        certificate=certificate,
        clock=clock,
    )
    c.audit(
        tender_file,
        actor=actor,
        action="trading.tender_file_upload",
        clock=clock,
        section=section.pk,
        version=tender_file.version,
        sha256=tender_file.sha256,
        signed=tender_file.is_signed,
    )
    return tender_file


def earliest_deadline_after_clarification(published_at: dt.datetime) -> dt.datetime:
    """A clarification that affects bids must come at least ``clarification_min_days`` (15)
    days before the bid deadline: counted in whole days of 24 hours from its publication."""
    return published_at + dt.timedelta(days=trading_rules().clarification_min_days)


@transaction.atomic
def clarification_publish(
    *,
    actor: User,
    section: Section,
    name: str,
    content: IO[bytes],
    title: str = "",
    affects_bids: bool = False,
    new_deadline: dt.datetime | None = None,
    new_opening_at: dt.datetime | None = None,
    reason: str = "",
    signature: bytes = b"",
    certificate: bytes = b"",
    clock: Clock = system_clock,
) -> TenderFile:
    """Publish a clarification or amendment (澄清/修改) of a published section.

    When it affects the preparation of bids and fewer than 15 days (parameter) remain before the
    deadline, the deadline must move: refused unless ``new_deadline`` is at least 15 days after
    publication; then the deadline (and opening) move in the same transaction, recorded and
    audited. A new deadline may also be given voluntarily."""
    section = c.lock_section(section)
    access.require_manager(actor, section.project, today=c.today(clock))
    c.transition("publish_clarification", section)
    now = clock.now()
    assert section.bid_deadline is not None
    if now >= section.bid_deadline:
        raise ValidationFailed("投标已截止，不能再发布澄清/修改文件")
    earliest = earliest_deadline_after_clarification(now)
    days = trading_rules().clarification_min_days
    if affects_bids and section.bid_deadline < earliest:
        if new_deadline is None:
            raise ValidationFailed(
                f"该澄清/修改影响投标文件编制，发布时距投标截止不足{days}日，"
                "须同时将投标截止时间顺延至不早于 "
                f"{earliest.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）",
                fields={"new_deadline": f"须不早于 {earliest.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"},
            )
        if new_deadline < earliest:
            raise ValidationFailed(
                f"新的投标截止时间须在澄清发布之日起至少{days}日后，即不早于 "
                f"{earliest.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间）",
                fields={"new_deadline": f"须不早于 {earliest.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"},
            )
    tender_file = _store(
        section,
        actor=actor,
        kind=TenderFileKind.CLARIFICATION,
        name=name,
        content=content,
        title=title,
        affects_bids=affects_bids,
        signature=signature,
        certificate=certificate,
        clock=clock,
    )
    c.audit(
        tender_file,
        actor=actor,
        action="trading.clarification_publish",
        clock=clock,
        section=section.pk,
        version=tender_file.version,
        sha256=tender_file.sha256,
        affects_bids=affects_bids,
        signed=tender_file.is_signed,
    )
    if new_deadline is not None:
        move_deadline(
            section,
            actor=actor,
            new_deadline=new_deadline,
            new_opening_at=new_opening_at,
            reason=(reason or "").strip() or f"发布澄清/修改文件（第{tender_file.version}版）",
            cause=DeadlineChangeCause.CLARIFICATION,
            clock=clock,
            tender_file=tender_file,
        )
    return tender_file


@transaction.atomic
def tender_file_download(
    *, actor: User, tender_file: TenderFile, clock: Clock = system_clock
) -> DownloadRecord:
    """Record a bidder's download of a tender file (no sign-up precondition). The caller then
    streams the stored bytes."""
    access.require_bidder(actor)
    section = Section.objects.get(pk=tender_file.section_id)
    c.transition("download", section)
    assert actor.organisation is not None
    return DownloadRecord.objects.create(
        section=section, file=tender_file, organisation=actor.organisation, user=actor, at=clock.now()
    )
