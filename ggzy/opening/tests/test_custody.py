"""The backup-decryption terminal page: custodians authenticate and hand in their shares in one
POST; every refusal records nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ggzy.opening import services, views
from ggzy.opening.models import CustodianShare, OpenedBid

pytestmark = pytest.mark.django_db
PW = "pw-1234567890"


@pytest.fixture
def hall(make_hall: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    h = make_hall(3)
    monkeypatch.setattr(views, "clock", h.clock)
    return h


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _after_window(hall: Any) -> Any:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    session = services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    b = hall.bidders[0]
    services.content_key_submit(actor=b.user, bid=b.bid, content_key=b.content_key(b.bid), clock=hall.clock)
    hall.clock.advance(minutes=30)
    return services.opening_window_end(actor=None, session=session, clock=hall.clock)


def _post(hall: Any, rows: list[tuple[str, str, str]]) -> Any:
    data = {
        "username": [r[0] for r in rows],
        "password": [r[1] for r in rows],
        "share": [r[2] for r in rows],
    }
    return _login(hall.host).post(f"/opening/{hall.section.code}/backup/", data)


def _row(hall: Any, i: int, share: int | None = None) -> tuple[str, str, str]:
    return (hall.custodians[i].username, PW, hall.escrow.shares[i if share is None else share].to_text())


def _nothing_recorded() -> None:
    assert OpenedBid.objects.count() == 1 and not CustodianShare.objects.exists()


def test_form_only_after_window_with_failed_bids(hall: Any) -> None:
    url = f"/opening/{hall.section.code}/backup/"
    assert Client().get(url).status_code == 302  # login first
    assert _login(hall.bidders[0].user).get(url).status_code == 403
    page = _login(hall.host).get(url).content.decode()
    assert 'id="backup-unavailable"' in page and "backup-form" not in page
    # a POST before the window ends is refused too
    assert _post(hall, [_row(hall, 0), _row(hall, 1)]).status_code == 400
    _after_window(hall)
    page = _login(hall.host).get(url).content.decode()
    assert page.count('name="share"') == 2  # k = 2
    hall_page = _login(hall.host).get(f"/opening/{hall.section.code}/").content.decode()
    assert 'id="step-backup"' in hall_page
    assert _login(hall.host).get("/opening/NO-SUCH/backup/").status_code == 404


def test_refusals_record_nothing(hall: Any) -> None:
    _after_window(hall)
    cases = [
        ([_row(hall, 0)], "份额不足"),
        ([_row(hall, 0), ("", "", "")], "份额不足"),
        ([_row(hall, 0), (hall.custodians[1].username, PW, "乱码 garbage \x00")], "份额无效"),
        (
            [_row(hall, 0), (hall.custodians[1].username, "wrong", hall.escrow.shares[1].to_text())],
            "密码不正确",
        ),
        ([_row(hall, 0), (hall.bidders[1].user.username, PW, hall.escrow.shares[1].to_text())], "不是本标段"),
        ([_row(hall, 0), (hall.host.username, PW, hall.escrow.shares[1].to_text())], "主持人"),
        ([_row(hall, 0), (hall.custodians[1].username, PW, "")], "载入密钥份额"),
        ([_row(hall, 0), (hall.custodians[1].username, "", "x")], "账号和密码"),
        ([_row(hall, 0), _row(hall, 1, share=0)], "不同序号"),
        ([_row(hall, 0), (hall.custodians[1].username, PW, "x" * 5000)], "无法识别"),
    ]
    for rows, message in cases:
        response = _post(hall, rows)
        assert response.status_code == 400, message
        assert message in response.content.decode(), message
        _nothing_recorded()
    # shares of another escrow key mixed in
    from ggzy.sealing import shamir

    other = shamir.generate_escrow(k=2, n=3)
    response = _post(hall, [_row(hall, 0), (hall.custodians[1].username, PW, other.shares[1].to_text())])
    assert response.status_code == 400 and "同一把" in response.content.decode()
    _nothing_recorded()
    # garbage form shapes: no 500
    c = _login(hall.host)
    url = f"/opening/{hall.section.code}/backup/"
    assert c.post(url, {"username": ["a"] * 50, "share": "x"}).status_code == 400
    assert c.post(url, {}).status_code == 400
    assert c.put(url).status_code == 405
    _nothing_recorded()


def test_k_custodians_open_the_failed_bids(hall: Any) -> None:
    _after_window(hall)
    response = _post(hall, [_row(hall, 0), _row(hall, 2)])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="backup-result"' in page
    for b in hall.bidders[1:]:
        assert b.org.name in page
        assert OpenedBid.objects.get(bid=b.bid).method == "backup"
    assert sorted(CustodianShare.objects.values_list("share_index", flat=True)) == [1, 3]
    # nothing left: the form is gone and a repeated post is refused
    assert "backup-form" not in page
    assert _post(hall, [_row(hall, 0), _row(hall, 1)]).status_code == 400


def test_disallowed_section_has_no_form(make_hall: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    hall = make_hall(3, backup=False)
    monkeypatch.setattr(views, "clock", hall.clock)
    _after_window(hall)
    page = _login(hall.host).get(f"/opening/{hall.section.code}/backup/").content.decode()
    assert "本标段不允许备用解密" in page and "backup-form" not in page
    response = _post(hall, [_row(hall, 0), _row(hall, 1)])
    assert response.status_code == 400
