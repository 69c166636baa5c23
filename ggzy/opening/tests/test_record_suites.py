"""The opening record's platform signature follows GGZY_CRYPTO_SUITE: ECDSA P-256 over the PDF's
SHA-256 (intl) or SM2 / SM3 over the PDF itself (sm), named in ``record_algorithm``. A record
keeps verifying after the deployment switches suite (either way), a changed PDF or signature
fails, and openssl verifies the downloads (record.pdf, record.sig, the platform key of the
record's suite)."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from ggzy.audit.models import Event
from ggzy.audit.platform_key import platform_signing_key
from ggzy.opening import selectors, services
from ggzy.opening.models import OpeningSession
from ggzy.opening.record import signed_message
from ggzy.sealing import suites

pytestmark = pytest.mark.django_db

ALGORITHM = {"intl": "ecdsa-p256-sha256", "sm": "sm2-sm3"}
OTHER = {"intl": "sm", "sm": "intl"}


@pytest.fixture
def keys(settings: Any, tmp_path: Path) -> Path:
    settings.GGZY_PLATFORM_KEY_PATH = tmp_path / "keys" / "platform-key.pem"
    return settings.GGZY_PLATFORM_KEY_PATH


def _closed(hall: Any) -> OpeningSession:
    """The hall taken from opening to closed (no objections; the window has passed)."""
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    session = services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    for b in hall.bidders:
        services.content_key_submit(
            actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock
        )
    session = services.opening_window_end(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_readout_start(actor=hall.host, session=session, clock=hall.clock)
    session = services.opening_objections_open(actor=hall.host, session=session, clock=hall.clock)
    hall.clock.advance(minutes=16)
    return services.opening_close(actor=hall.host, session=session, clock=hall.clock)


def _pdf(session: OpeningSession) -> bytes:
    assert session.record_pdf is not None
    with default_storage.open(session.record_pdf.path, "rb") as fh:
        return fh.read()


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_record_signed_in_the_deployments_suite_verifies_after_a_switch(
    settings: Any, keys: Path, make_hall: Any, suite: str
) -> None:
    settings.GGZY_CRYPTO_SUITE = suite
    session = _closed(make_hall(3))
    key = platform_signing_key()
    assert session.record_algorithm == ALGORITHM[suite]
    assert session.record_key_id == key.key_id and session.record_suite == suite
    pdf = _pdf(session)
    # what was signed: the PDF's SHA-256 (intl, as before suites) or the PDF itself (sm)
    assert signed_message(session.record_algorithm, pdf) == (
        pdf if suite == "sm" else bytes.fromhex(session.record_sha256)
    )
    assert suites.verify_b64(
        key.public_pem(), signed_message(session.record_algorithm, pdf), session.record_signature
    )
    assert selectors.record_signature_problem(session) == ""
    # the closing audit event carries the signature
    event = Event.objects.get(action="opening.close", target_id=str(session.pk))
    assert event.data["record_signature"] == session.record_signature
    # the hall page names the algorithm and links the signature and the key of that suite
    page = Client().get(f"/opening/{session.section.code}/").content.decode()
    label = "SM2 / SM3" if suite == "sm" else "ECDSA P-256 / SHA-256"
    assert f'<span id="record-algorithm">{label}</span>' in page
    assert f"/trading/platform-key.pem?suite={suite}" in page

    # the deployment switches suite: the record still verifies, with its own key
    settings.GGZY_CRYPTO_SUITE = OTHER[suite]
    assert platform_signing_key().key_id != session.record_key_id
    session = OpeningSession.objects.get(pk=session.pk)
    assert selectors.record_signature_problem(session) == ""
    # …and back
    settings.GGZY_CRYPTO_SUITE = suite
    assert selectors.record_signature_problem(session) == ""


@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_changed_records_fail(settings: Any, keys: Path, make_hall: Any, suite: str, tmp_path: Path) -> None:
    settings.GGZY_CRYPTO_SUITE = suite
    session = _closed(make_hall(3))
    original = {f: getattr(session, f) for f in ("record_signature", "record_algorithm", "record_key_id")}

    def problem(**changes: str) -> str:
        for name, value in {**original, **changes}.items():
            setattr(session, name, value)
        return selectors.record_signature_problem(session)

    key = platform_signing_key()
    assert "无效" in problem(record_signature=key.sign(b"another record"))
    assert "无效" in problem(record_signature="AAAA")
    # claiming the other algorithm: checked with the other suite's key (never made here) — fails
    assert "无效" in problem(record_algorithm=ALGORITHM[OTHER[suite]])
    assert "无效" in problem(record_algorithm="rsa-sha1")
    assert "无效" in problem(record_key_id="0" * 16)
    assert problem() == ""
    # the stored PDF changed on disk (put back afterwards: blobs are content-addressed and shared,
    # so the other suite's run of this test stores the very same record file)
    path = Path(default_storage.path(session.record_pdf.path))  # type: ignore[union-attr]
    pristine = path.read_bytes()
    try:
        path.write_bytes(pristine + b"\n% appended")
        assert "SHA-256 不符" in problem()
    finally:
        path.write_bytes(pristine)


OPENSSL = {
    # intl: ECDSA over the 32-byte SHA-256 of the PDF (so: hash the PDF, then verify that digest)
    "intl": (
        "openssl dgst -sha256 -binary record.pdf > record.sha256 && "
        "openssl dgst -sha256 -verify platform.pub.pem -signature record.sig record.sha256"
    ),
    # sm: SM2 / SM3 over the PDF, signer id 1234567812345678
    "sm": (
        "openssl dgst -sm3 -sigopt distid:1234567812345678 -verify platform.pub.pem "
        "-signature record.sig record.pdf"
    ),
}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize("suite", ["intl", "sm"])
def test_openssl_verifies_the_downloaded_record_after_a_switch(
    settings: Any, keys: Path, make_hall: Any, suite: str, tmp_path: Path
) -> None:
    settings.GGZY_CRYPTO_SUITE = suite
    session = _closed(make_hall(3))
    settings.GGZY_CRYPTO_SUITE = OTHER[suite]  # downloaded from a deployment that has switched since
    client = Client()
    code = session.section.code
    files = {
        "record.pdf": client.get(f"/opening/{code}/record.pdf"),
        "record.sig": client.get(f"/opening/{code}/record.sig"),
        "platform.pub.pem": client.get("/trading/platform-key.pem", {"suite": session.record_suite}),
    }
    for name, response in files.items():
        assert response.status_code == 200, name
        (tmp_path / name).write_bytes(
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    assert (tmp_path / "record.sig").read_bytes() == base64.b64decode(session.record_signature)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", OPENSSL[suite]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    ok = run()
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stdout + ok.stderr
    (tmp_path / "record.pdf").write_bytes((tmp_path / "record.pdf").read_bytes() + b" ")
    assert run().returncode != 0


def test_the_signature_download_waits_for_the_record(make_hall: Any) -> None:
    hall = make_hall(3)
    services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    assert Client().get(f"/opening/{hall.section.code}/record.sig").status_code == 404
