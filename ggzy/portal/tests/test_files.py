"""Attachments are downloaded by their SHA-256, with the stored media type, as attachments."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest

from ggzy.portal.tests.conftest import PDF

pytestmark = pytest.mark.django_db


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_download_by_hash(pub, browser, pdf_upload):
    notice = pub.notice(uploads=[pdf_upload("招标文件（第一册）.pdf")])
    sha = hashlib.sha256(PDF).hexdigest()
    page = browser.get(notice.get_absolute_url()).content.decode()
    link = f"/files/{sha}/{quote('招标文件（第一册）.pdf')}"
    assert link in page and sha in page
    response = browser.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Content-Length"] == str(len(PDF))
    body = _content(response)
    assert body == PDF and hashlib.sha256(body).hexdigest() == sha


def test_unknown_or_malformed_hash_or_name_is_404(pub, browser, pdf_upload):
    pub.notice(uploads=[pdf_upload("a.pdf")])
    sha = hashlib.sha256(PDF).hexdigest()
    for url in (
        f"/files/{'0' * 64}/a.pdf",
        f"/files/{sha[:40]}/a.pdf",
        f"/files/{sha.upper()}/a.pdf",
        f"/files/{sha}/renamed.exe",
    ):
        assert browser.get(url).status_code == 404, url


def test_files_of_drafts_and_withdrawn_items_are_not_served(pub, browser, pdf_upload):
    pub.notice(publish=False, uploads=[pdf_upload("draft.pdf", extra=b"draft")])
    withdrawn = pub.notice(uploads=[pdf_upload("gone.pdf", extra=b"gone")])
    pub.withdraw(withdrawn, reason="撤回")
    assert browser.get(f"/files/{hashlib.sha256(PDF + b'draft').hexdigest()}/draft.pdf").status_code == 404
    assert browser.get(f"/files/{hashlib.sha256(PDF + b'gone').hexdigest()}/gone.pdf").status_code == 404


def test_files_of_a_superseded_version_stay_downloadable(pub, browser, pdf_upload):
    notice = pub.notice(uploads=[pdf_upload("v1.pdf", extra=b"v1")])
    pub.correct(notice, note="更正")
    assert browser.get(f"/files/{hashlib.sha256(PDF + b'v1').hexdigest()}/v1.pdf").status_code == 200
