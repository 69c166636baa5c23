"""The recordings page (录像): center staff attach an upload or a stream reference; anyone reads
the list with each SHA-256 and the audit event that holds it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from ggzy.audit.models import Event
from ggzy.opening.models import Recording

pytestmark = pytest.mark.django_db
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"frame" * 1000


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_upload_and_stream_listed_with_hash_and_audit_seq(make_hall: Any) -> None:
    hall = make_hall(1)
    url = f"/opening/{hall.section.code}/recordings/"
    c = _login(hall.host)
    response = c.post(
        url,
        {
            "room": "opening",
            "title": "开标室全程录像",
            "file": SimpleUploadedFile("open.mp4", VIDEO, content_type="video/mp4"),
        },
    )
    assert response.status_code == 200 and "recording-added" in response.content.decode()
    sha = "ab" * 32
    c.post(
        url,
        {
            "room": "evaluation",
            "title": "评标室录像",
            "stream_url": "rtsp://cam-2/eval",
            "sha256": sha.upper(),
        },
    )
    file_row = Recording.objects.get(room="opening")
    assert file_row.sha256 == hashlib.sha256(VIDEO).hexdigest() and file_row.size == len(VIDEO)
    assert Recording.objects.get(room="evaluation").sha256 == sha
    # the public list shows each hash and the audit event sequence number that holds it
    page = Client().get(url).content.decode()
    for row in Recording.objects.all():
        event = Event.objects.get(action="opening.recording_attach", target_id=str(row.pk))
        assert event.data["sha256"] == row.sha256
        assert row.sha256 in page and f"#{event.seq}" in page
    assert "recording-form" not in page  # the public cannot attach
    assert "rtsp://cam-2/eval" in page


def test_bad_input_refused_without_rows(make_hall: Any) -> None:
    hall = make_hall(1)
    url = f"/opening/{hall.section.code}/recordings/"
    c = _login(hall.host)
    cases = [
        (
            {"room": "opening", "title": "x", "file": SimpleUploadedFile("a.exe", VIDEO, "video/mp4")},
            "格式不支持",
        ),
        (
            {"room": "opening", "title": "x", "file": SimpleUploadedFile("a.mp4", VIDEO, "text/html")},
            "格式不支持",
        ),
        ({"room": "opening", "title": "x", "file": SimpleUploadedFile("a.mp4", b"", "video/mp4")}, "为空"),
        (
            {"room": "opening", "title": "x", "stream_url": "javascript:alert(1)", "sha256": "a" * 64},
            "流地址",
        ),
        ({"room": "opening", "title": "x", "stream_url": "rtsp://cam", "sha256": "zz"}, "SHA-256"),
        ({"room": "opening", "title": "x", "stream_url": "rtsp://cam", "sha256": "g" * 64}, "SHA-256"),
        ({"room": "kitchen", "title": "x", "stream_url": "rtsp://cam", "sha256": "a" * 64}, "场所无效"),
        ({"room": "opening", "title": "  ", "stream_url": "rtsp://cam", "sha256": "a" * 64}, "名称"),
        ({}, "场所无效"),
    ]
    for data, message in cases:
        response = c.post(url, data)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
    with override_settings(GGZY_RECORDING_MAX_BYTES=100):
        response = c.post(
            url, {"room": "opening", "title": "x", "file": SimpleUploadedFile("a.mp4", VIDEO, "video/mp4")}
        )
        assert response.status_code == 400 and "大小上限" in response.content.decode()
    assert not Recording.objects.exists()
    # outsiders cannot attach; unknown sections are 404; wrong methods 405
    response = _login(hall.bidders[0].user).post(
        url, {"room": "opening", "title": "x", "stream_url": "rtsp://cam", "sha256": "a" * 64}
    )
    assert response.status_code == 403
    assert Client().post(url, {"title": "x"}).status_code == 403
    assert Client().get("/opening/NO-SUCH/recordings/").status_code == 404
    assert Client().get(url + "?room=<script>").status_code == 200
    assert c.delete(url).status_code == 405
    assert not Recording.objects.exists()
