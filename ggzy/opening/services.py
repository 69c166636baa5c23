"""Every write of the opening hall, one function per step. The host (center staff) acts only
through these preset steps; each step checks ``opening.workflow``, writes the audit chain and
appends to the hall's event log (the live feed) in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction

from ggzy.accounts.models import User
from ggzy.audit.services import audit_record
from ggzy.core.clock import Clock, system_clock
from ggzy.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    StorageFull,
    ValidationFailed,
)
from ggzy.core.storage import is_no_space
from ggzy.opening import config, workflow
from ggzy.opening.models import (
    CheckIn,
    Confirmation,
    CustodianShare,
    DecryptionAttempt,
    DecryptionFailure,
    Objection,
    OpenedBid,
    OpeningEvent,
    OpeningSession,
    Recording,
)
from ggzy.publishing.models import StoredFile
from ggzy.sealing import envelope, shamir
from ggzy.trading import services as trading_services
from ggzy.trading import termination_rules
from ggzy.trading.models import Bid, Section

MAX_TEXT = 2000


# ---------------------------------------------------------------- shared


def _lock(session: OpeningSession) -> OpeningSession:
    return OpeningSession.objects.select_for_update().select_related("section").get(pk=session.pk)


def _transition(name: str, session: OpeningSession) -> str:
    try:
        return workflow.target(name, session.state)
    except workflow.TransitionNotAllowed as exc:
        raise InvalidTransition(str(exc)) from None


def _emit(
    session: OpeningSession,
    kind: str,
    text: str,
    *,
    clock: Clock,
    data: dict[str, Any] | None = None,
    public: dict[str, Any] | None = None,
    public_text: bool = True,
) -> OpeningEvent:
    """Append one event (the session row is locked by the caller, so ``seq`` is gap-free)."""
    session.last_seq += 1
    OpeningSession.objects.filter(pk=session.pk).update(last_seq=session.last_seq)
    pub = public if public is not None else ({} if public_text else None)
    if pub is not None:
        pub = {"text": text, **pub}
    return OpeningEvent.objects.create(
        session=session,
        seq=session.last_seq,
        kind=kind,
        text=text,
        data={"state": session.state, **(data or {})},
        public=None if pub is None else {"state": session.state, **pub},
        at=clock.now(),
    )


def _save_state(session: OpeningSession, state: str, *fields: str) -> None:
    session.state = state
    session.save(update_fields=["state", *fields])


def _audit(target: Any, *, actor: User | None, action: str, clock: Clock, **data: Any) -> None:
    audit_record(actor=actor, action=action, target=target, data=data, clock=clock)


def is_host(user: User | None) -> bool:
    """Center staff may host an opening (主持人)."""
    return bool(user is not None and user.is_active and user.is_center_staff)


def _require_host(actor: User | None) -> User:
    if actor is None or not is_host(actor):
        raise PermissionDenied("只有交易中心工作人员可以主持开标")
    return actor


def current_bids(section: Section) -> list[Bid]:
    """The bids in force at the deadline (the current version of each bidder), in bidder order."""
    return list(
        Bid.objects.filter(section=section, is_current=True)
        .select_related("organisation", "envelope", "signer_certificate")
        .order_by("organisation__name", "pk")
    )


def _require_bidder_of(actor: User | None, bid: Bid) -> User:
    if actor is None or not actor.is_active or actor.organisation_id != bid.organisation_id:
        raise PermissionDenied("只能处理本单位的投标文件")
    return actor


def _bid_text(bid: Bid) -> str:
    return bid.organisation.name


def _summary_public(section: Section, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The configured readout items (唱标内容) in section order, with the opened values."""
    items = []
    for f in section.summary_fields or []:
        key = f.get("key", "")
        items.append(
            {"key": key, "label": f.get("label", key), "unit": f.get("unit", ""), "value": summary.get(key)}
        )
    return items


def session_for(section: Section) -> OpeningSession:
    session, _ = OpeningSession.objects.get_or_create(section=section)
    return session


# ---------------------------------------------------------------- opening the hall


@transaction.atomic
def opening_session_open(
    *, actor: User | None, section: Section, clock: Clock = system_clock
) -> OpeningSession:
    """Open the hall at the opening time (by the worker, or by the host once the time has come)."""
    if actor is not None:
        _require_host(actor)
    session = _lock(session_for(section))
    section = session.section
    now = clock.now()
    if section.opening_at is None or now < section.opening_at:
        raise ValidationFailed("未到开标时间，开标大厅尚未开启")
    if section.status != "bidding_closed":
        raise ValidationFailed("标段尚未截止投标，不能开标")
    state = _transition("open_hall", session)
    session.opened_at = now
    _save_state(session, state, "opened_at")
    bids = current_bids(section)
    consequence = workflow.too_few_consequence(section.project.domain, len(bids))
    _emit(
        session,
        "hall_opened",
        f"开标大厅开启，共收到 {len(bids)} 份投标文件",
        clock=clock,
        data={"bid_count": len(bids), "too_few": consequence},
        public={"bid_count": len(bids)},
    )
    if consequence:
        _emit(session, "too_few_warning", workflow.CONSEQUENCE_TEXT[consequence], clock=clock)
    _audit(session, actor=actor, action="opening.hall_open", clock=clock, bid_count=len(bids))
    return session


def opening_sessions_start_due(*, clock: Clock = system_clock) -> int:
    """Worker job: open every hall whose opening time has come (sections closed for bidding)."""
    opened = 0
    due = Section.objects.filter(status="bidding_closed", opening_at__lte=clock.now()).exclude(
        opening__state__in=[s for s in workflow.STATE_LABELS if s != workflow.SCHEDULED]
    )
    for section in due:
        try:
            opening_session_open(actor=None, section=section, clock=clock)
            opened += 1
        except (ValidationFailed, InvalidTransition):
            continue
    return opened


@transaction.atomic
def opening_check_in(*, actor: User, session: OpeningSession, clock: Clock = system_clock) -> CheckIn:
    """A bidder checks in (签到) for its organisation; repeated check-ins keep the first."""
    session = _lock(session)
    _transition("check_in", session)
    if actor.organisation_id is None or not any(
        b.organisation_id == actor.organisation_id for b in current_bids(session.section)
    ):
        raise PermissionDenied("只有递交了投标文件的投标人可以签到")
    existing = CheckIn.objects.filter(session=session, organisation_id=actor.organisation_id).first()
    if existing is not None:
        return existing
    check_in = CheckIn.objects.create(
        session=session, organisation_id=actor.organisation_id, user=actor, at=clock.now()
    )
    _emit(session, "check_in", f"{check_in.organisation.name} 已签到", clock=clock, public={})
    _audit(check_in, actor=actor, action="opening.check_in", clock=clock)
    return check_in


@transaction.atomic
def opening_too_few_record(
    *, actor: User, session: OpeningSession, note: str, clock: Clock = system_clock
) -> OpeningSession:
    """With fewer than three bids the host records the legal consequence: for construction
    tendering the opening does not take place (不予开标，重新招标) and the section becomes failed in
    trading, in this transaction (the law fixes the re-tender: nobody decides it); the center's
    editor then drafts the 流标公告 (:func:`opening_termination_notice_create`)."""
    _require_host(actor)
    session = _lock(session)
    bid_count = len(current_bids(session.section))
    consequence = workflow.too_few_consequence(session.section.project.domain, bid_count)
    if not consequence:
        raise ValidationFailed("投标人不少于三家，无需记录")
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("请填写处理说明", fields={"note": "必填"})
    if consequence == "retender":
        state = _transition("record_too_few", session)
    else:
        _transition("check_in", session)  # stays checking in: the host may then start decryption
        state = session.state
    session.too_few_consequence = consequence
    session.too_few_note = note[:MAX_TEXT]
    session.host = actor
    fields = ["too_few_consequence", "too_few_note", "host"]
    if state == workflow.FAILED:
        session.failure_code = termination_rules.TOO_FEW_BIDDERS
        session.bids_received = bid_count
        session.bids_required = termination_rules.TB_MIN_DECRYPTED
        fields += ["failure_code", "bids_received", "bids_required"]
    _save_state(session, state, *fields)
    if state == workflow.FAILED:
        trading_services.section_fail(
            actor=None,  # the consequence the law fixes; this service checked the host
            section=session.section,
            retender=True,
            reason=f"{workflow.CONSEQUENCE_TEXT[consequence]}（共收到 {bid_count} 份投标文件）",
            clock=clock,
        )
    _emit(
        session,
        "too_few_recorded",
        f"{workflow.CONSEQUENCE_TEXT[consequence]}。主持人记录：{note}",
        clock=clock,
    )
    _audit(
        session,
        actor=actor,
        action="opening.too_few_record",
        clock=clock,
        consequence=consequence,
        note=note,
        bid_count=bid_count,
    )
    return session


def decryption_counts(session: OpeningSession) -> tuple[int, int, int]:
    """(bids received, decrypted, failed decryption — marked under Art. 31) of the session."""
    received = len(current_bids(session.section))
    decrypted = OpenedBid.objects.filter(session=session).count()
    failed = DecryptionFailure.objects.filter(session=session).count()
    return received, decrypted, failed


def decryption_shortfall(session: OpeningSession) -> str:
    """The failure code when, decryption being over, too few bids were decrypted for the section
    to go on (``trading.termination_rules.decryption_shortfall``); "" otherwise, and "" while a
    bid is still neither decrypted nor marked (backup decryption or Art. 31 marking pending)."""
    if session.state != workflow.BACKUP_DECRYPTING or unopened_bids(session):
        return ""
    _, decrypted, _ = decryption_counts(session)
    minimum = config.min_decrypted_bids(session.section.project.domain)
    return termination_rules.decryption_shortfall(decrypted=decrypted, minimum=minimum)


def failure_reason(session: OpeningSession) -> str:
    """Why the opening failed, with its counts, as the hall, the record and the notice say it."""
    code = session.failure_code
    received, decrypted, failed = (
        session.bids_received or 0,
        session.bids_decrypted or 0,
        session.bids_decryption_failed or 0,
    )
    if code == termination_rules.TOO_FEW_BIDDERS:
        return f"截至投标截止时间，共收到 {received} 份投标文件，投标人少于三个。"
    art31 = "（依据《电子招标投标办法》第三十一条视为撤销或者撤回）"
    if code == termination_rules.ALL_DECRYPTION_FAILED:
        return (
            f"截至投标截止时间，共收到 {received} 份投标文件，{failed} 份解密失败{art31}，"
            "全部投标文件解密失败，没有可供评审的投标文件。"
        )
    if code == termination_rules.TOO_FEW_DECRYPTED:
        required = session.bids_required or termination_rules.TB_MIN_DECRYPTED
        least = "三家" if required == termination_rules.TB_MIN_DECRYPTED else f"{required} 家"
        return (
            f"截至投标截止时间，共收到 {received} 份投标文件，解密成功 {decrypted} 份，"
            f"解密失败 {failed} 份{art31}，有效投标不足{least}。"
        )
    return ""


@transaction.atomic
def opening_decryption_shortfall_record(
    *, actor: User, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    """Decryption is over (the window, backup decryption and Art. 31 marking: no bid left
    undecided) and too few bids were decrypted — none at all, or fewer than the domain's minimum
    (``config.min_decrypted_bids``): the host ends the opening as failed instead of the readout.
    The reason and the counts are recorded on the session, the opening record is generated and
    signed, and the section becomes failed (re-tender) in trading in this transaction, as for
    不予开标: the law fixes the re-tender (实施条例第四十四条 / 政府采购法第三十六、三十七条), so
    ``section_fail`` runs with ``actor=None`` and this service's audit event names the host. The
    center's editor then drafts the 流标公告 (:func:`opening_termination_notice_create`)."""
    from ggzy.opening import record

    _require_host(actor)
    session = _lock(session)
    state = _transition("record_decryption_shortfall", session)
    left = unopened_bids(session)
    if left:
        raise ValidationFailed(
            "仍有未解密且未登记处理结果的投标文件："
            + "、".join(_bid_text(b) for b in left)
            + "。请先进行备用解密或登记解密失败。"
        )
    received, decrypted, failed = decryption_counts(session)
    minimum = config.min_decrypted_bids(session.section.project.domain)
    code = termination_rules.decryption_shortfall(decrypted=decrypted, minimum=minimum)
    if not code:
        raise ValidationFailed(f"已解密 {decrypted} 份投标文件，不少于 {minimum} 份：请开始唱标")
    session.host = actor
    session.failure_code = code
    session.bids_received, session.bids_decrypted, session.bids_decryption_failed = (
        received,
        decrypted,
        failed,
    )
    session.bids_required = minimum
    session.closed_at = clock.now()
    _save_state(
        session,
        state,
        "host",
        "failure_code",
        "bids_received",
        "bids_decrypted",
        "bids_decryption_failed",
        "bids_required",
        "closed_at",
    )
    category = termination_rules.failure_category(code, session.section.project.domain)
    reason = failure_reason(session)
    trading_services.section_fail(
        actor=None,  # the consequence the law fixes; this service checked the host
        section=session.section,
        retender=True,
        reason=f"{category.label}：{reason}",
        clock=clock,
    )
    counts = {"received": received, "decrypted": decrypted, "failed": failed, "required": minimum}
    _emit(
        session,
        "decryption_shortfall",
        f"{category.label}。{reason}本标段（包）流标，依法重新招标。",
        clock=clock,
        data={"code": code, **counts},
        public={"code": code, **counts},
    )
    record.record_store(session=session, clock=clock)
    _audit(
        session,
        actor=actor,
        action="opening.decryption_shortfall_record",
        clock=clock,
        code=code,
        **counts,
        record_sha256=session.record_sha256,
    )
    return session


@transaction.atomic
def opening_termination_notice_create(
    *, actor: User, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    """Draft the termination notice (流标公告) of a section whose opening failed (不予开标, or too
    few bids decrypted): the project and section, the bids received (and decrypted / failed), the
    reason and its legal basis, and what happens next (重新招标). The same notice as after a failed
    evaluation (``trading.termination_notice_draft``); the center's editor drafts it, then it is
    submitted and reviewed like any notice."""
    session = _lock(session)
    _transition("draft_termination_notice", session)
    if session.termination_notice_id is not None:
        raise InvalidTransition("流标公告已起草")
    section = session.section
    domain = section.project.domain
    bid_count = len(current_bids(section))
    if not session.failure_code:  # failed before the reason was kept on the session
        session.failure_code, session.bids_received = termination_rules.TOO_FEW_BIDDERS, bid_count
    code = session.failure_code
    category = termination_rules.failure_category(code, domain)
    session.termination_notice = trading_services.termination_notice_draft(
        actor=actor,
        section=section,
        next_step=termination_rules.RETENDER,
        code=code,
        outcome=f"开标结果为：{category.label}",
        reason=failure_reason(session),
        basis=category.basis,
    )
    session.save(update_fields=["termination_notice", "failure_code", "bids_received"])
    _audit(
        session,
        actor=actor,
        action="opening.termination_notice_create",
        clock=clock,
        notice=session.termination_notice.pk,
        code=code,
        bid_count=bid_count,
    )
    return session


@transaction.atomic
def opening_decryption_start(
    *, actor: User, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    """The host starts decryption: the window of ``section.decryption_minutes`` runs from now."""
    _require_host(actor)
    session = _lock(session)
    state = _transition("start_decryption", session)
    section = session.section
    bids = current_bids(section)
    consequence = workflow.too_few_consequence(section.project.domain, len(bids))
    if consequence == "retender":
        raise ValidationFailed(workflow.CONSEQUENCE_TEXT[consequence] + "：请记录处理结果，不能开始解密")
    if consequence and not session.too_few_consequence:
        raise ValidationFailed("投标人少于三个：请先记录处理意见，再开始解密")
    now = clock.now()
    session.host = actor
    session.decryption_started_at = now
    session.decryption_ends_at = now + dt.timedelta(minutes=section.decryption_minutes)
    _save_state(session, state, "host", "decryption_started_at", "decryption_ends_at")
    _emit(
        session,
        "decryption_started",
        f"主持人宣布开始解密，解密时限 {section.decryption_minutes} 分钟",
        clock=clock,
        data={"ends_at": session.decryption_ends_at.isoformat()},
        public={"ends_at": session.decryption_ends_at.isoformat()},
    )
    _audit(session, actor=actor, action="opening.decryption_start", clock=clock)
    return session


# ---------------------------------------------------------------- decryption


def _store_plain(tmp: IO[bytes], sha: str, size: int, media_type: str) -> StoredFile:
    """The decrypted bid file, content-addressed (stored before the row that points at it)."""
    existing = StoredFile.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing
    path = f"blobs/{sha[:2]}/{sha}"
    if not default_storage.exists(path):
        tmp.seek(0)
        saved = default_storage.save(path, File(tmp))
        if saved != path:
            default_storage.delete(saved)
    stored, _ = StoredFile.objects.get_or_create(
        sha256=sha, defaults={"size": size, "media_type": media_type[:100], "path": path}
    )
    return stored


@dataclass(frozen=True)
class _Decrypted:
    opened: envelope.OpenedBid
    stored: StoredFile


def temp_space_full() -> StorageFull:
    return StorageFull(
        "服务器临时空间不足，本次解密没有完成（未保存任何解密文件，投标文件仍为未解密状态）。"
        "请稍后重试；如持续出现，请联系交易中心。"
    )


def _decrypt(bid: Bid, content_key: bytes) -> _Decrypted:
    """Decrypt and verify ``bid`` into a temporary file (outside any transaction: a crash leaves
    only a temp file behind) and store the plaintext content-addressed.

    A full temporary directory is ``StorageFull`` (507), like a full file store (which
    ``AtomicFileSystemStorage`` already reports so, ADR 0034): nothing was stored and no row was
    written, so the caller records nothing and the same key can be submitted again once space is
    freed. The temporary file is removed on the way out (``NamedTemporaryFile``); a close that
    fails to flush still unlinks it."""
    tmp_dir = getattr(settings, "GGZY_OPENING_TMP_DIR", None)
    try:
        with tempfile.NamedTemporaryFile(prefix="opening-", dir=tmp_dir) as tmp:
            with default_storage.open(bid.envelope.path, "rb") as src:
                opened = envelope.open_envelope(
                    cast(BinaryIO, src),
                    cast(BinaryIO, tmp),
                    content_key=content_key,
                    signer=bytes(bid.signer_certificate.der),
                    expect_section=bid.section.code,
                )
            if opened.envelope_sha256 != bid.envelope_sha256:
                raise envelope.TamperedEnvelope("信封与递交时的哈希不一致")
            tmp.flush()
            os.fsync(tmp.fileno())
            stored = _store_plain(tmp, opened.file_sha256, opened.file_size, opened.media_type)
    except OSError as exc:
        # only the temporary file's ENOSPC/EDQUOT: the store's own arrives as StorageFull already
        if is_no_space(exc):
            raise temp_space_full() from exc
        raise
    return _Decrypted(opened=opened, stored=stored)


def _record_opened(*, actor: User, bid: Bid, decrypted: _Decrypted, method: str, clock: Clock) -> OpenedBid:
    """In the caller's transaction, with the session locked: the opened bid, once."""
    existing = OpenedBid.objects.filter(bid=bid).first()
    if existing is not None:
        return existing
    session = bid.section.opening
    opened = decrypted.opened
    row = OpenedBid.objects.create(
        session=session,
        bid=bid,
        summary=opened.summary,
        file_name=opened.file_name[:300],
        file_sha256=opened.file_sha256,
        file=decrypted.stored,
        method=method,
        decrypted_by=actor,
        decrypted_at=clock.now(),
    )
    trading_services.bid_mark_opened(bid=bid, outcome="decrypted", cause="", actor=actor, clock=clock)
    items = _summary_public(bid.section, opened.summary)
    label = "投标人解密" if method == "bidder" else "备用解密"
    _emit(
        session,
        "bid_decrypted",
        f"{_bid_text(bid)} 的投标文件已解密（{label}）",
        clock=clock,
        data={"bid": bid.pk, "bidder": _bid_text(bid), "method": method, "items": items},
        public={"bidder": _bid_text(bid), "method": method, "items": items},
    )
    _audit(
        row,
        actor=actor,
        action="opening.bid_decrypt",
        clock=clock,
        bid=bid.pk,
        method=method,
        file_sha256=opened.file_sha256,
        envelope_sha256=opened.envelope_sha256,
    )
    return row


def parse_content_key(text: str) -> bytes:
    """A content key as posted by the browser: 64 (intl) or 32 (sm) hex digits."""
    try:
        key = bytes.fromhex((text or "").strip())
    except ValueError:
        raise ValidationFailed(
            "内容密钥格式不正确（应为十六进制）", fields={"content_key": "格式不正确"}
        ) from None
    if len(key) not in (16, 32):
        raise ValidationFailed("内容密钥长度不正确", fields={"content_key": "长度不正确"})
    return key


def content_key_submit(
    *, actor: User, bid: Bid, content_key: bytes, clock: Clock = system_clock
) -> OpenedBid:
    """The bidder's browser hands over the content key it unwrapped with the bidder's own key.
    Refused before the opening time, outside the decryption window, for another bidder's bid, or
    when the key does not open and verify the envelope (the attempt is recorded). The decryption
    runs outside the transaction; the result is recorded once, atomically."""
    _require_bidder_of(actor, bid)
    section = bid.section
    now = clock.now()
    if section.opening_at is None or now < section.opening_at:
        raise ValidationFailed("未到开标时间，不接受解密密钥")
    session = OpeningSession.objects.filter(section=section).first()
    if session is None:
        raise ValidationFailed("开标大厅尚未开启，不接受解密密钥")
    if hasattr(bid, "opened"):
        return bid.opened
    _check_window(session, now)
    if not bid.is_current:
        raise ValidationFailed("该投标文件不是现行版本")
    try:
        decrypted = _decrypt(bid, content_key)
    except envelope.EnvelopeError as exc:
        _attempt_failed(session=session, bid=bid, actor=actor, reason=str(exc), clock=clock)
        raise ValidationFailed(f"解密失败：{exc}", fields={"content_key": str(exc)}) from None
    with transaction.atomic():
        session = _lock(session)
        _check_window(session, clock.now())
        bid = Bid.objects.select_for_update().select_related("section", "organisation").get(pk=bid.pk)
        return _record_opened(actor=actor, bid=bid, decrypted=decrypted, method="bidder", clock=clock)


def _check_window(session: OpeningSession, now: dt.datetime) -> None:
    _transition("submit_key", session)
    if session.decryption_ends_at is None or now >= session.decryption_ends_at:
        raise ValidationFailed("解密时限已过，不再接受解密密钥")


@transaction.atomic
def _attempt_failed(*, session: OpeningSession, bid: Bid, actor: User, reason: str, clock: Clock) -> None:
    session = _lock(session)
    attempt = DecryptionAttempt.objects.create(
        session=session, bid=bid, user=actor, reason=reason[:MAX_TEXT], at=clock.now()
    )
    _emit(
        session,
        "decrypt_failed_attempt",
        f"{_bid_text(bid)} 的解密尝试未成功：{reason}",
        clock=clock,
        data={"bid": bid.pk, "reason": reason},
        public_text=False,
    )
    _audit(
        attempt, actor=actor, action="opening.decrypt_attempt_fail", clock=clock, bid=bid.pk, reason=reason
    )


def unopened_bids(session: OpeningSession) -> list[Bid]:
    """Current bids neither opened nor marked as failed."""
    return [
        b
        for b in current_bids(session.section)
        if not OpenedBid.objects.filter(bid=b).exists()
        and not DecryptionFailure.objects.filter(bid=b).exists()
    ]


@transaction.atomic
def opening_window_end(
    *, actor: User | None, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    """End the decryption window: at its end, or earlier by the host once every bid is open."""
    if actor is not None:
        _require_host(actor)
    session = _lock(session)
    state = _transition("end_window", session)
    now = clock.now()
    left = unopened_bids(session)
    if left and session.decryption_ends_at is not None and now < session.decryption_ends_at:
        raise ValidationFailed(f"解密时限未到，仍有 {len(left)} 份投标文件未解密")
    session.window_ended_at = now
    _save_state(session, state, "window_ended_at")
    names = "、".join(_bid_text(b) for b in left)
    text = "解密时限结束" + (f"，未解密：{names}" if left else "，全部投标文件已解密")
    backup = session.section.allows_backup_decryption and bool(left)
    if backup:
        text += "；可由保管人提交密钥份额进行备用解密"
    _emit(
        session, "window_ended", text, clock=clock, data={"unopened": [b.pk for b in left], "backup": backup}
    )
    _audit(session, actor=actor, action="opening.window_end", clock=clock, unopened=[b.pk for b in left])
    return session


def opening_windows_end_due(*, clock: Clock = system_clock) -> int:
    """Worker job: end every decryption window whose time is up."""
    ended = 0
    due = OpeningSession.objects.filter(state=workflow.DECRYPTING, decryption_ends_at__lte=clock.now())
    for session in due:
        try:
            opening_window_end(actor=None, session=session, clock=clock)
            ended += 1
        except (ValidationFailed, InvalidTransition):
            continue
    return ended


def backup_decrypt(
    *, actor: User, session: OpeningSession, shares: Sequence[tuple[User, str]], clock: Clock = system_clock
) -> list[OpenedBid]:
    """Backup decryption (备用解密) of the bids that failed, when the section allows it: k
    custodians' shares are combined in memory into the escrow key, which unwraps each failed
    bid's content key; the shares and the key are discarded at the end of this call (never
    stored). Fewer than k distinct shares open nothing. Only bids still unopened are touched."""
    _require_host(actor)
    section = session.section
    _transition("backup_decrypt", session)
    if not section.allows_backup_decryption:
        raise ValidationFailed("本标段不允许备用解密")
    parsed: list[tuple[User, shamir.Share]] = []
    for custodian, text in shares:
        try:
            parsed.append((custodian, shamir.Share.from_text(text)))
        except shamir.ShareError as exc:
            raise ValidationFailed(f"密钥份额无效：{exc}") from None
    custodians = {c.pk for c, _ in parsed}
    indices = {s.index for _, s in parsed}
    if len(custodians) != len(parsed) or len(indices) != len(parsed):
        raise ValidationFailed("每位保管人只能提交一份不同序号的份额")
    if not parsed:
        raise ValidationFailed("请提交密钥份额")
    key_ids = {s.escrow_key_id for _, s in parsed}
    k = parsed[0][1].k
    if len(key_ids) != 1 or any(s.k != k for _, s in parsed):
        raise ValidationFailed("份额不属于同一把备用解密密钥")
    if section.backup_k is not None and k != section.backup_k:
        raise ValidationFailed(f"份额门限为 {k}，与本标段的门限 {section.backup_k} 不符")
    if len(parsed) < k:
        raise ValidationFailed(f"份额不足：需要 {k} 份，只提交了 {len(parsed)} 份，未解密任何投标文件")
    try:
        private_key = shamir.combine_private_key([s for _, s in parsed])
    except shamir.ShareError as exc:
        raise ValidationFailed(f"份额组合失败：{exc}") from None
    escrow_id = next(iter(key_ids))
    section_escrow = getattr(section, "escrow_key", None)
    if section_escrow is not None and section_escrow.key_id != escrow_id:
        raise ValidationFailed("份额不属于本标段的备用解密密钥")
    opened_rows: list[OpenedBid] = []
    failures: list[tuple[Bid, str]] = []
    full: StorageFull | None = None
    for bid in unopened_bids(session):
        try:
            with default_storage.open(bid.envelope.path, "rb") as f:
                header = envelope.read_header(cast(BinaryIO, f))
            if header.recipient(escrow_id) is None:
                raise envelope.WrongRecipient("该投标文件未封装给本标段的备用解密密钥")
            content_key = envelope.unwrap_content_key(header, private_key)
            decrypted = _decrypt(bid, content_key)
        except envelope.EnvelopeError as exc:
            failures.append((bid, str(exc)))
            continue
        except StorageFull as exc:
            # No space for this bid's plaintext: stop here (the next would not fit either). The
            # bids opened so far stay opened and the shares that opened them are recorded below;
            # this bid and the rest stay unopened — not failed: the custodians submit again once
            # space is freed.
            full = exc
            break
        with transaction.atomic():
            _lock(session)
            bid = Bid.objects.select_for_update().select_related("section", "organisation").get(pk=bid.pk)
            opened_rows.append(
                _record_opened(actor=actor, bid=bid, decrypted=decrypted, method="backup", clock=clock)
            )
    del private_key
    with transaction.atomic():
        session = _lock(session)
        for custodian, share in parsed:
            CustodianShare.objects.create(
                session=session,
                custodian=custodian,
                share_index=share.index,
                escrow_key_id=escrow_id,
                at=clock.now(),
            )
        left = len(unopened_bids(session)) - len(failures) if full is not None else 0
        _emit(
            session,
            "backup_decryption",
            f"保管人提交 {len(parsed)} 份密钥份额进行备用解密：解密 {len(opened_rows)} 份"
            + (f"，仍失败 {len(failures)} 份" if failures else "")
            + (f"；服务器存储空间不足，其余 {left} 份未处理" if full is not None else ""),
            clock=clock,
            data={
                "opened": [r.bid_id for r in opened_rows],
                "failed": [[b.pk, r] for b, r in failures],
                **({"stopped": full.code} if full is not None else {}),
            },
        )
        _audit(
            session,
            actor=actor,
            action="opening.backup_decrypt",
            clock=clock,
            custodians=sorted(custodians),
            indices=sorted(indices),
            opened=[r.bid_id for r in opened_rows],
            **({"stopped": full.code} if full is not None else {}),
        )
    if full is not None:
        raise StorageFull(
            f"服务器存储空间不足，备用解密中止：本次已解密 {len(opened_rows)} 份，其余 {left} 份未解密"
            "（未留下不完整的文件，也未登记为解密失败）。请交易中心释放空间后，由保管人重新提交份额。"
        ) from full
    return opened_rows


@transaction.atomic
def decryption_failure_mark(
    *, actor: User, bid: Bid, bidder_fault: bool, cause: str, clock: Clock = system_clock
) -> DecryptionFailure:
    """电子招标投标办法第三十一条: a bid that could not be decrypted is treated as revoked (撤销)
    when the bidder is at fault, otherwise as withdrawn (撤回); the cause is recorded."""
    _require_host(actor)
    session = _lock(bid.section.opening)
    _transition("mark_failure", session)
    cause = (cause or "").strip()
    if not cause:
        raise ValidationFailed("请填写解密失败的原因", fields={"cause": "必填"})
    if OpenedBid.objects.filter(bid=bid).exists():
        raise ValidationFailed("该投标文件已解密")
    if DecryptionFailure.objects.filter(bid=bid).exists():
        raise ValidationFailed("该投标文件已登记解密失败")
    outcome = "revoked_art31" if bidder_fault else "withdrawn_art31"
    failure = DecryptionFailure.objects.create(
        session=session,
        bid=bid,
        bidder_fault=bidder_fault,
        outcome=outcome,
        cause=cause[:MAX_TEXT],
        marked_by=actor,
        marked_at=clock.now(),
    )
    trading_services.bid_mark_opened(bid=bid, outcome=outcome, cause=cause, actor=actor, clock=clock)
    label = "视为撤销其投标文件" if bidder_fault else "视为撤回其投标文件"
    _emit(
        session,
        "bid_failed",
        f"{_bid_text(bid)} 的投标文件解密失败，{label}（原因：{cause}）",
        clock=clock,
        data={"bid": bid.pk, "outcome": outcome},
        public={"bidder": _bid_text(bid), "outcome": outcome},
    )
    _audit(
        failure,
        actor=actor,
        action="opening.bid_fail_mark",
        clock=clock,
        bid=bid.pk,
        outcome=outcome,
        cause=cause,
    )
    return failure


# ---------------------------------------------------------------- readout, confirmation, objections


@transaction.atomic
def opening_readout_start(
    *, actor: User, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    """唱标: every opened bid's summary is read out; bidders confirm their own within N minutes."""
    _require_host(actor)
    session = _lock(session)
    state = _transition("start_readout", session)
    left = unopened_bids(session)
    if left:
        raise ValidationFailed(
            "仍有未解密且未登记处理结果的投标文件：" + "、".join(_bid_text(b) for b in left)
        )
    shortfall = decryption_shortfall(session)
    if shortfall:
        # too few bids to evaluate: the opening fails instead (the evaluation could not start)
        label = termination_rules.failure_category(shortfall, session.section.project.domain).label
        raise ValidationFailed(f"{label}：不能唱标，请记录开标失败")
    now = clock.now()
    session.readout_at = now
    session.confirm_until = now + dt.timedelta(minutes=config.confirm_minutes())
    _save_state(session, state, "readout_at", "confirm_until")
    rows = []
    for opened in session.opened_bids.select_related("bid__organisation").order_by("bid__organisation__name"):
        rows.append(
            {"bidder": _bid_text(opened.bid), "items": _summary_public(session.section, opened.summary)}
        )
    _emit(
        session,
        "readout",
        f"唱标：共 {len(rows)} 份有效解密的投标文件",
        clock=clock,
        data={"rows": rows, "confirm_until": session.confirm_until.isoformat()},
        public={"rows": rows},
    )
    _audit(session, actor=actor, action="opening.readout", clock=clock, bids=len(rows))
    return session


@transaction.atomic
def readout_confirm(*, actor: User, bid: Bid, clock: Clock = system_clock) -> Confirmation:
    """A bidder confirms its own readout within the confirmation period."""
    _require_bidder_of(actor, bid)
    session = _lock(bid.section.opening)
    _transition("confirm", session)
    if not OpenedBid.objects.filter(bid=bid).exists():
        raise ValidationFailed("该投标文件未解密，无唱标内容可确认")
    if session.confirm_until is not None and clock.now() > session.confirm_until:
        raise ValidationFailed("确认时限已过")
    existing = Confirmation.objects.filter(bid=bid).first()
    if existing is not None:
        return existing
    row = Confirmation.objects.create(session=session, bid=bid, user=actor, at=clock.now())
    _emit(
        session, "confirmed", f"{_bid_text(bid)} 确认唱标结果", clock=clock, data={"bid": bid.pk}, public={}
    )
    _audit(row, actor=actor, action="opening.readout_confirm", clock=clock, bid=bid.pk)
    return row


@transaction.atomic
def opening_objections_open(
    *, actor: User, session: OpeningSession, clock: Clock = system_clock
) -> OpeningSession:
    _require_host(actor)
    session = _lock(session)
    state = _transition("open_objections", session)
    session.objections_until = clock.now() + dt.timedelta(minutes=config.objection_minutes())
    _save_state(session, state, "objections_until")
    _emit(
        session,
        "objections_open",
        f"进入异议环节，投标人可在 {config.objection_minutes()} 分钟内提出异议",
        clock=clock,
        data={"until": session.objections_until.isoformat()},
    )
    _audit(session, actor=actor, action="opening.objections_open", clock=clock)
    return session


@transaction.atomic
def objection_raise(
    *, actor: User, session: OpeningSession, text: str, clock: Clock = system_clock
) -> Objection:
    """A bidder raises an objection (异议) in the hall, within the objection window."""
    session = _lock(session)
    _transition("raise_objection", session)
    if actor.organisation_id is None or not any(
        b.organisation_id == actor.organisation_id for b in current_bids(session.section)
    ):
        raise PermissionDenied("只有本标段的投标人可以提出异议")
    if session.objections_until is not None and clock.now() > session.objections_until:
        raise ValidationFailed("异议时限已过")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("请填写异议内容", fields={"text": "必填"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(f"异议内容不超过 {MAX_TEXT} 字", fields={"text": "过长"})
    row = Objection.objects.create(
        session=session,
        organisation_id=actor.organisation_id,
        raised_by=actor,
        text=text,
        raised_at=clock.now(),
    )
    _emit(
        session,
        "objection",
        f"{row.organisation.name} 提出异议：{text}",
        clock=clock,
        data={"objection": row.pk},
        public={},
    )
    _audit(row, actor=actor, action="opening.objection_raise", clock=clock, text=text)
    return row


@transaction.atomic
def objection_answer(
    *, actor: User, objection: Objection, answer: str, clock: Clock = system_clock
) -> Objection:
    """The host answers an objection on the spot; the answer is on the record."""
    _require_host(actor)
    session = _lock(objection.session)
    _transition("answer_objection", session)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.answered_at is not None:
        raise ValidationFailed("该异议已答复")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationFailed("请填写答复内容", fields={"answer": "必填"})
    objection.answer = answer[:MAX_TEXT]
    objection.answered_by = actor
    objection.answered_at = clock.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    _emit(
        session,
        "objection_answered",
        f"主持人答复异议：{objection.answer}",
        clock=clock,
        data={"objection": objection.pk},
        public={},
    )
    _audit(objection, actor=actor, action="opening.objection_answer", clock=clock, answer=objection.answer)
    return objection


@transaction.atomic
def opening_close(*, actor: User, session: OpeningSession, clock: Clock = system_clock) -> OpeningSession:
    """Close the opening once every objection is answered; the record is generated and signed."""
    from ggzy.opening import record

    _require_host(actor)
    session = _lock(session)
    state = _transition("close", session)
    if session.objections.filter(answered_at__isnull=True).exists():
        raise ValidationFailed("仍有未答复的异议")
    if (
        session.objections_until is not None
        and clock.now() < session.objections_until
        and not session.objections.exists()
    ):
        # nobody objected yet and the window is still open: closing now would cut bidders off
        raise ValidationFailed("异议时限未到")
    session.closed_at = clock.now()
    _save_state(session, state, "closed_at")
    _emit(session, "closed", "开标结束", clock=clock)
    record.record_store(session=session, clock=clock)
    _audit(
        session,
        actor=actor,
        action="opening.close",
        clock=clock,
        record_sha256=session.record_sha256,
        record_signature=session.record_signature,
    )
    return session


@transaction.atomic
def opening_announce(
    *, actor: User, session: OpeningSession, text: str, clock: Clock = system_clock
) -> OpeningEvent:
    """A host's announcement (主持人公告) to everyone in the hall, on the record and public."""
    _require_host(actor)
    session = _lock(session)
    if session.state in workflow.FINAL:
        raise InvalidTransition("开标已结束，不能再发布公告")
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise ValidationFailed("公告内容应为 1–500 字", fields={"text": "无效"})
    event = _emit(session, "announcement", f"主持人公告：{text}", clock=clock, public={})
    _audit(session, actor=actor, action="opening.announce", clock=clock, text=text)
    return event


# ---------------------------------------------------------------- publication, recordings


@transaction.atomic
def opening_record_publish(*, actor: User, session: OpeningSession, clock: Clock = system_clock) -> Any:
    """Publish the opening record (开标记录，电子招标投标办法第三十二条: public) as an article of the
    transaction column, with the signed PDF attached, through the center's release pipeline
    (submitted here; the review steps approve it like any release)."""
    from ggzy.opening import record

    session = _lock(session)
    _transition("publish_record", session)
    if session.record_article_id is not None:
        raise ValidationFailed("开标记录已提交发布")
    return record.record_publish(actor=actor, session=session, clock=clock)


def _sha_of(content: IO[bytes]) -> tuple[str, int]:
    content.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: content.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def recording_attach(
    *,
    actor: User,
    section: Section,
    room: str,
    title: str,
    content: IO[bytes] | None = None,
    stream_url: str = "",
    sha256: str = "",
    clock: Clock = system_clock,
) -> Recording:
    """Attach a video witness (录像): an uploaded file (stored content-addressed; its SHA-256
    computed here) or a stream reference with the SHA-256 of the recording as the recorder
    reported it. The hash goes into the audit chain."""
    _require_host(actor)
    if room not in dict(Recording.ROOMS):
        raise ValidationFailed("场所无效", fields={"room": "无效"})
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写录像名称", fields={"title": "必填"})
    stored = None
    size = None
    if content is not None:
        sha256, size = _sha_of(content)
        if size == 0:
            raise ValidationFailed("录像文件为空", fields={"file": "空文件"})
        stored = _store_plain(content, sha256, size, "video/mp4")
    else:
        stream_url = (stream_url or "").strip()
        sha256 = (sha256 or "").strip().lower()
        if not stream_url.startswith(("rtsp://", "rtmp://", "https://", "http://")):
            raise ValidationFailed("请上传录像文件或填写流地址", fields={"stream_url": "无效"})
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValidationFailed("请填写录像的 SHA-256（64 位十六进制）", fields={"sha256": "无效"})
    row = Recording.objects.create(
        section=section,
        room=room,
        title=title[:200],
        file=stored,
        stream_url=stream_url[:500],
        sha256=sha256,
        size=size,
        added_by=actor,
        added_at=clock.now(),
    )
    _audit(
        row,
        actor=actor,
        action="opening.recording_attach",
        clock=clock,
        sha256=sha256,
        room=room,
        stream_url=stream_url,
    )
    return row


def bid_get(pk: int) -> Bid:
    bid = (
        Bid.objects.select_related("section", "organisation", "envelope", "signer_certificate")
        .filter(pk=pk)
        .first()
    )
    if bid is None:
        raise NotFound("投标文件不存在")
    return bid
