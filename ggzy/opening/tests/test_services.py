"""The opening hall's services on a real database with real envelopes sealed by ggzy.sealing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.storage import default_storage

from ggzy.audit.models import Event
from ggzy.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from ggzy.opening import services, workflow
from ggzy.opening.models import CustodianShare, DecryptionAttempt, OpenedBid, OpeningEvent
from ggzy.trading.models import Bid

pytestmark = pytest.mark.django_db


def _start(hall: Any) -> Any:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    return services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)


def _decrypt(hall: Any, b: Any) -> OpenedBid:
    return services.content_key_submit(
        actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock
    )


def test_full_flow_readout_objection_close_record(make_hall: Any) -> None:
    hall = make_hall(3)
    session = _start(hall)
    assert session.state == workflow.DECRYPTING
    for b in hall.bidders:
        opened = _decrypt(hall, b)
        assert opened.method == "bidder"
        with default_storage.open(opened.file.path, "rb") as f:
            assert f.read() == b.payload  # the decrypted file kept content-addressed for evaluation
        b.bid.refresh_from_db()
        assert b.bid.status == "decrypted"
    # a repeated key (e.g. the browser retried after a lost response) records nothing twice
    again = _decrypt(hall, hall.bidders[0])
    assert OpenedBid.objects.filter(bid=hall.bidders[0].bid).count() == 1 and again.pk
    session = services.opening_window_end(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    readout = OpeningEvent.objects.get(session=session, kind="readout")
    prices = [r["items"][0]["value"] for r in readout.public["rows"]]
    assert sorted(prices) == ["1000000.00", "1012345.00", "1024690.00"]
    for b in hall.bidders[:2]:
        services.readout_confirm(actor=b.user, bid=b.bid, clock=hall.clock)
    with pytest.raises(PermissionDenied):
        services.readout_confirm(actor=hall.bidders[0].user, bid=hall.bidders[2].bid, clock=hall.clock)
    session = services.opening_objections_open(actor=hall.host, session=session, clock=hall.clock)
    objection = services.objection_raise(
        actor=hall.bidders[2].user, session=session, text="第二名的工期与招标文件要求不符", clock=hall.clock
    )
    with pytest.raises(ValidationFailed, match="未答复"):
        services.opening_close(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="答复内容"):
        services.objection_answer(actor=hall.host, objection=objection, answer="  ", clock=hall.clock)
    services.objection_answer(
        actor=hall.host,
        objection=objection,
        answer="工期不属于开标环节审查内容，提交评标委员会",
        clock=hall.clock,
    )
    session = services.opening_close(actor=hall.host, session=session, clock=hall.clock)
    assert session.state == workflow.CLOSED and session.record_pdf and session.record_docx
    # the record: DOCX and PDF text, signature by the platform key over the PDF hash
    from docx import Document
    from pypdf import PdfReader

    with default_storage.open(session.record_docx.path, "rb") as f:
        doc = Document(io.BytesIO(f.read()))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert (
        "1012345.00" in text
        and "工期不属于开标环节审查内容" in text
        and "已确认" in text
        and "未确认" in text
    )
    with default_storage.open(session.record_pdf.path, "rb") as f:
        pdf = f.read()
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "1024690.00" in pdf_text and hall.section.code in pdf_text
    from django.conf import settings

    from ggzy.sealing import signing

    key = signing.load_or_create(settings.GGZY_PLATFORM_KEY_PATH)
    import hashlib

    assert signing.verify(key.public_pem(), hashlib.sha256(pdf).digest(), session.record_signature)
    # publication: submitted to the release pipeline, published after the review steps
    article = services.opening_record_publish(actor=hall.host, session=session, clock=hall.clock)
    from ggzy.publishing import services as publishing

    for role in ("first_reviewer", "reviewer", "second_reviewer", "signer"):
        article = publishing.release_approve(actor=hall.staff[role], item=article)
    assert article.status == "published" and "1000000.00" in article.body_html
    assert Event.objects.filter(action="opening.record_publish").exists()
    seqs = list(OpeningEvent.objects.filter(session=session).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_key_before_opening_time_refused(make_hall: Any) -> None:
    hall = make_hall(3)
    b = hall.bidders[0]
    key = b.content_key(b.bid)
    early = hall.clock.at - dt.timedelta(minutes=1)
    from ggzy.core.clock import FixedClock

    with pytest.raises(ValidationFailed, match="未到开标时间"):
        services.content_key_submit(actor=b.user, bid=b.bid, content_key=key, clock=FixedClock(early))
    with pytest.raises(ValidationFailed, match="未到开标时间"):
        services.opening_session_open(actor=None, section=hall.section, clock=FixedClock(early))
    # at the opening time but before the host starts decryption: refused too
    services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    with pytest.raises(InvalidTransition):
        services.content_key_submit(actor=b.user, bid=b.bid, content_key=key, clock=hall.clock)
    assert not OpenedBid.objects.exists()


def test_wrong_key_and_other_bidders_bid_refused(make_hall: Any) -> None:
    hall = make_hall(3)
    _start(hall)
    a, b = hall.bidders[:2]
    with pytest.raises(ValidationFailed, match="内容密钥不正确"):
        services.content_key_submit(
            actor=a.user, bid=a.bid, content_key=b.content_key(b.bid), clock=hall.clock
        )
    with pytest.raises(PermissionDenied):
        services.content_key_submit(
            actor=a.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock
        )
    assert DecryptionAttempt.objects.filter(bid=a.bid).count() == 1
    with pytest.raises(ValidationFailed):
        services.parse_content_key("zz")
    with pytest.raises(ValidationFailed):
        services.parse_content_key("00" * 5)
    assert Bid.objects.get(pk=a.bid.pk).status == "submitted"


def test_window_end_refused_early_and_keys_refused_after(make_hall: Any) -> None:
    hall = make_hall(3)
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    with pytest.raises(ValidationFailed, match="解密时限未到"):
        services.opening_window_end(actor=hall.host, session=session, clock=hall.clock)
    hall.clock.advance(minutes=31)
    b = hall.bidders[1]
    with pytest.raises(ValidationFailed, match="解密时限已过"):
        services.content_key_submit(
            actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock
        )
    session = services.opening_window_end(actor=None, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="未解密"):
        services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)


def test_backup_decryption_k_shares_open_only_failed_bids(make_hall: Any) -> None:
    hall = make_hall(3)
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    hall.clock.advance(minutes=30)
    session = services.opening_window_end(actor=None, session=session, clock=hall.clock)
    # k − 1 shares: nothing opened, nothing recorded
    with pytest.raises(ValidationFailed, match="份额不足"):
        services.backup_decrypt(actor=hall.host, session=session, shares=hall.shares(1), clock=hall.clock)
    assert OpenedBid.objects.count() == 1 and not CustodianShare.objects.exists()
    # k − 1 real shares completed by a guessed one do not yield the escrow key
    from ggzy.sealing import shamir

    forged = shamir.Share(escrow_key_id=hall.escrow.key_id, k=2, n=3, index=3, y=12345)
    with pytest.raises(shamir.ShareError):
        shamir.combine_private_key([hall.escrow.shares[0], forged])
    with pytest.raises(ValidationFailed, match="份额组合失败"):
        services.backup_decrypt(
            actor=hall.host,
            session=session,
            shares=[
                (hall.custodians[0], hall.escrow.shares[0].to_text()),
                (hall.custodians[1], forged.to_text()),
            ],
            clock=hall.clock,
        )
    assert OpenedBid.objects.count() == 1 and not CustodianShare.objects.exists()
    # duplicated custodian or index refused
    dup = [
        (hall.custodians[0], hall.escrow.shares[0].to_text()),
        (hall.custodians[0], hall.escrow.shares[1].to_text()),
    ]
    with pytest.raises(ValidationFailed, match="每位保管人"):
        services.backup_decrypt(actor=hall.host, session=session, shares=dup, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="份额无效"):
        services.backup_decrypt(
            actor=hall.host,
            session=session,
            shares=[(hall.custodians[0], "ggzy-share/1:garbage")],
            clock=hall.clock,
        )
    opened = services.backup_decrypt(
        actor=hall.host, session=session, shares=hall.shares(2), clock=hall.clock
    )
    assert {o.bid_id for o in opened} == {hall.bidders[1].bid.pk, hall.bidders[2].bid.pk}
    assert all(o.method == "backup" for o in opened)
    assert OpenedBid.objects.get(bid=hall.bidders[0].bid).method == "bidder"  # untouched
    rows = list(CustodianShare.objects.values_list("share_index", flat=True))
    assert sorted(rows) == [1, 2]
    # the share text itself is stored nowhere
    share_text = hall.escrow.shares[0].to_text()
    assert not Event.objects.filter(data__icontains=share_text[-20:]).exists()
    assert not OpeningEvent.objects.filter(data__icontains=share_text[-20:]).exists()


def test_backup_refused_when_section_disallows(make_hall: Any) -> None:
    hall = make_hall(3, backup=False)
    session = _start(hall)
    hall.clock.advance(minutes=30)
    session = services.opening_window_end(actor=None, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="不允许备用解密"):
        services.backup_decrypt(actor=hall.host, session=session, shares=[], clock=hall.clock)


def test_art31_outcomes(make_hall: Any) -> None:
    hall = make_hall(3, backup=False)
    session = _start(hall)
    _decrypt(hall, hall.bidders[0])
    a, b = hall.bidders[1:]
    with pytest.raises(InvalidTransition):  # not before the window has ended
        services.decryption_failure_mark(
            actor=hall.host, bid=a.bid, bidder_fault=True, cause="x", clock=hall.clock
        )
    hall.clock.advance(minutes=30)
    session = services.opening_window_end(actor=None, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="原因"):
        services.decryption_failure_mark(
            actor=hall.host, bid=a.bid, bidder_fault=True, cause=" ", clock=hall.clock
        )
    with pytest.raises(ValidationFailed, match="已解密"):
        services.decryption_failure_mark(
            actor=hall.host, bid=hall.bidders[0].bid, bidder_fault=True, cause="x", clock=hall.clock
        )
    with pytest.raises(PermissionDenied):
        services.decryption_failure_mark(
            actor=a.user, bid=a.bid, bidder_fault=False, cause="x", clock=hall.clock
        )
    services.decryption_failure_mark(
        actor=hall.host,
        bid=a.bid,
        bidder_fault=True,
        cause="投标人未在时限内解密（密钥遗失）",
        clock=hall.clock,
    )
    services.decryption_failure_mark(
        actor=hall.host, bid=b.bid, bidder_fault=False, cause="平台存储故障导致信封损坏", clock=hall.clock
    )
    assert Bid.objects.get(pk=a.bid.pk).status == "revoked_art31"
    assert Bid.objects.get(pk=b.bid.pk).status == "withdrawn_art31"
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    readout = OpeningEvent.objects.get(session=session, kind="readout")
    assert len(readout.public["rows"]) == 1


def test_fewer_than_three_bids_construction_no_opening(make_hall: Any) -> None:
    hall = make_hall(2, backup=False)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    assert OpeningEvent.objects.filter(session=session, kind="too_few_warning").exists()
    with pytest.raises(ValidationFailed, match="第二十八条"):
        services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(ValidationFailed, match="处理说明"):
        services.opening_too_few_record(actor=hall.host, session=session, note="", clock=hall.clock)
    session = services.opening_too_few_record(
        actor=hall.host, session=session, note="投标人仅两家，不予开标，通知招标人重新招标", clock=hall.clock
    )
    assert session.state == workflow.FAILED
    assert workflow.too_few_consequence("procurement", 2) == "review"
    assert workflow.too_few_consequence("construction", 3) == ""


def test_objection_window_and_who_may_object(make_hall: Any, make_user: Any, make_org: Any) -> None:
    hall = make_hall(3)
    session = _start(hall)
    for b in hall.bidders:
        _decrypt(hall, b)
    session = services.opening_window_end(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(InvalidTransition):
        services.objection_raise(actor=hall.bidders[0].user, session=session, text="x", clock=hall.clock)
    session = services.opening_objections_open(actor=hall.host, session=session, clock=hall.clock)
    with pytest.raises(PermissionDenied):
        services.objection_raise(
            actor=make_user("bidder", org=make_org("bidder")), session=session, text="x", clock=hall.clock
        )
    with pytest.raises(ValidationFailed, match="异议内容"):
        services.objection_raise(actor=hall.bidders[0].user, session=session, text="", clock=hall.clock)
    with pytest.raises(ValidationFailed, match="不超过"):
        services.objection_raise(
            actor=hall.bidders[0].user, session=session, text="长" * 2001, clock=hall.clock
        )
    with pytest.raises(ValidationFailed, match="异议时限未到"):
        services.opening_close(actor=hall.host, session=session, clock=hall.clock)
    hall.clock.advance(minutes=16)
    with pytest.raises(ValidationFailed, match="异议时限已过"):
        services.objection_raise(
            actor=hall.bidders[0].user, session=session, text="迟到的异议", clock=hall.clock
        )
    with pytest.raises(ValidationFailed, match="确认时限已过"):
        services.readout_confirm(actor=hall.bidders[0].user, bid=hall.bidders[0].bid, clock=hall.clock)
    session = services.opening_close(actor=hall.host, session=session, clock=hall.clock)
    assert session.state == workflow.CLOSED


def test_only_center_staff_host(make_hall: Any) -> None:
    hall = make_hall(3)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    with pytest.raises(PermissionDenied):
        services.opening_decryption_start(actor=hall.bidders[0].user, session=session, clock=hall.clock)


def test_worker_opens_due_halls(make_hall: Any) -> None:
    hall = make_hall(3)
    assert services.opening_sessions_start_due(clock=hall.clock) == 1
    assert services.opening_sessions_start_due(clock=hall.clock) == 0
    session = services.opening_decryption_start(
        actor=hall.host, session=services.session_for(hall.section), clock=hall.clock
    )
    assert services.opening_windows_end_due(clock=hall.clock) == 0
    hall.clock.advance(minutes=30)
    assert services.opening_windows_end_due(clock=hall.clock) == 1
    session.refresh_from_db()
    assert session.state == workflow.BACKUP_DECRYPTING


def test_recording_hash_in_audit_chain(make_hall: Any) -> None:
    hall = make_hall(3)
    video = io.BytesIO(b"\x00\x00\x00\x18ftypmp42" + b"frame" * 1000)
    row = services.recording_attach(
        actor=hall.host,
        section=hall.section,
        room="opening",
        title="开标室录像",
        content=video,
        clock=hall.clock,
    )
    import hashlib

    assert row.sha256 == hashlib.sha256(video.getvalue()).hexdigest()
    event = Event.objects.get(action="opening.recording_attach")
    assert event.data["sha256"] == row.sha256
    stream = services.recording_attach(
        actor=hall.host,
        section=hall.section,
        room="evaluation",
        title="评标室直播",
        stream_url="rtsp://10.0.0.5/live",
        sha256="ab" * 32,
        clock=hall.clock,
    )
    assert stream.file is None
    for bad in [{"stream_url": "ftp://x", "sha256": "ab" * 32}, {"stream_url": "rtsp://x", "sha256": "xyz"}]:
        with pytest.raises(ValidationFailed):
            services.recording_attach(
                actor=hall.host, section=hall.section, room="opening", title="t", clock=hall.clock, **bad
            )
    with pytest.raises(ValidationFailed):
        services.recording_attach(
            actor=hall.host,
            section=hall.section,
            room="opening",
            title="t",
            content=io.BytesIO(b""),
            clock=hall.clock,
        )
