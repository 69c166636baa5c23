"""The hall page, the preset-step posts, the key endpoint and the SSE feed (with Last-Event-ID)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.test import Client

from ggzy.opening import feed, services, views
from ggzy.opening.models import OpeningEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(make_hall: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    h = make_hall(3)
    monkeypatch.setattr(views, "clock", h.clock)
    return h


def _login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _frames(text: str) -> list[dict[str, Any]]:
    out = []
    for block in text.split("\n\n"):
        lines = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":")
        )
        if "data" in lines:
            out.append({"id": int(lines["id"]), **json.loads(lines["data"])})
    return out


def test_sse_replays_and_resumes_with_last_event_id(hall: Any) -> None:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    for b in hall.bidders:
        services.opening_check_in(actor=b.user, session=session, clock=hall.clock)
    host = _login(hall.host)
    url = f"/opening/{hall.section.code}/events/"
    r = host.get(url)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/event-stream")
    frames = _frames(r.content.decode())
    assert [f["id"] for f in frames] == [1, 2, 3, 4] and frames[0]["kind"] == "hall_opened"
    services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    r = host.get(url, HTTP_LAST_EVENT_ID="4")
    frames = _frames(r.content.decode())
    assert [f["kind"] for f in frames] == ["decryption_started"]
    assert _frames(host.get(url, HTTP_LAST_EVENT_ID="garbage").content.decode())[0]["id"] == 1


def test_public_sees_names_and_prices_only_after_decryption(hall: Any) -> None:
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
    b = hall.bidders[0]
    public = Client()
    page = public.get(f"/opening/{hall.section.code}/").content.decode()
    assert "公众（只读）" in page and b.org.name not in page and "1000000.00" not in page
    key = b.content_key(b.bid).hex()
    bidder = _login(b.user)
    r = bidder.post(
        f"/opening/{hall.section.code}/key/",
        data=json.dumps({"bid": b.bid.pk, "content_key": key}),
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    page = public.get(f"/opening/{hall.section.code}/").content.decode()
    assert b.org.name in page and "1000000.00" in page
    frames = _frames(public.get(f"/opening/{hall.section.code}/events/?public=1").content.decode())
    assert frames[-1]["items"][0]["value"] == "1000000.00"
    # the failed attempt of another bidder is not shown to the public
    other = hall.bidders[1]
    r = _login(other.user).post(
        f"/opening/{hall.section.code}/key/",
        data=json.dumps({"bid": other.bid.pk, "content_key": key}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "内容密钥不正确" in r.json()["error"]["message"]
    public_kinds = [
        f["kind"] for f in _frames(public.get(f"/opening/{hall.section.code}/events/").content.decode())
    ]
    assert "decrypt_failed_attempt" not in public_kinds


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"bid": "x", "content_key": "00"}).encode(),
        json.dumps({"bid": 999999}).encode(),
    ],
)
def test_key_endpoint_garbage(hall: Any, body: bytes) -> None:
    services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)
    r = _login(hall.bidders[0].user).post(
        f"/opening/{hall.section.code}/key/", data=body, content_type="application/json"
    )
    assert r.status_code in (400, 404) and "error" in r.json()


def test_reading_before_the_hall_opens_writes_nothing(hall: Any) -> None:
    from ggzy.opening.models import OpeningSession

    code = hall.section.code
    assert "待开标" in Client().get(f"/opening/{code}/").content.decode()
    assert Client().get(f"/opening/{code}/events/").content.decode().startswith("retry:")
    assert Client().get(f"/opening/{code}/record.pdf").status_code == 404
    assert not OpeningSession.objects.exists()


def test_key_endpoint_anonymous_and_unknown_section(hall: Any) -> None:
    assert (
        Client()
        .post(f"/opening/{hall.section.code}/key/", data="{}", content_type="application/json")
        .status_code
        == 403
    )
    assert Client().get("/opening/NOPE/").status_code == 404
    assert Client().get("/opening/NOPE/events/").status_code == 404


def test_host_steps_through_the_page(hall: Any) -> None:
    host = _login(hall.host)
    code = hall.section.code
    r = host.post(f"/opening/{code}/act/open/", follow=True)
    assert "开标大厅已开启" in r.content.decode()
    r = host.post(f"/opening/{code}/act/readout/", follow=True)
    assert "不能开始唱标" in r.content.decode()  # a step out of order is refused with the reason
    r = host.post(f"/opening/{code}/act/nonsense/", follow=True)
    assert "没有这个步骤" in r.content.decode()
    bidder = _login(hall.bidders[0].user)
    r = bidder.post(f"/opening/{code}/act/start/", follow=True)
    assert "只有交易中心工作人员" in r.content.decode()
    r = host.post(f"/opening/{code}/act/start/", follow=True)
    assert "已开始解密" in r.content.decode()
    r = host.post(f"/opening/{code}/act/fail/", {"bid": "abc"}, follow=True)
    assert "参数无效" in r.content.decode()


def test_hub_streams_live_events_and_resumes(transactional_db: None, make_hall: Any) -> None:
    """The ASGI path: the per-process hub delivers committed events to a waiting client, and a
    new stream started with the last seen id resumes after it."""
    hall = make_hall(3)
    session = services.opening_session_open(actor=None, section=hall.section, clock=hall.clock)

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        from asgiref.sync import sync_to_async

        stream = feed.hub.stream(session.pk, 0, public=False)
        got: list[dict[str, Any]] = []

        async def read(n: int) -> None:
            async for chunk in stream:
                got.extend(_frames(chunk))
                if len(got) >= n:
                    return

        await asyncio.wait_for(read(1), 10)  # the replay: hall_opened

        def start() -> None:
            from django.db import connection

            try:
                services.opening_decryption_start(actor=hall.host, session=session, clock=hall.clock)
            finally:
                connection.close()  # this worker thread's own connection

        await sync_to_async(start, thread_sensitive=False)()
        await asyncio.wait_for(read(2), 10)  # the live event, through the poller
        await stream.aclose()
        resumed = feed.hub.stream(session.pk, got[0]["id"], public=False)
        again: list[dict[str, Any]] = []
        async for chunk in resumed:
            again.extend(_frames(chunk))
            if again:
                break
        await resumed.aclose()
        if feed.hub.task is not None:
            feed.hub.task.cancel()
        feed.hub.shutdown()
        return got, again

    # in a thread of its own: Playwright's sync API may hold an event loop in this thread
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        got, again = pool.submit(asyncio.run, run()).result(timeout=60)
    assert [f["kind"] for f in got] == ["hall_opened", "decryption_started"]
    assert [f["kind"] for f in again] == ["decryption_started"]
    assert OpeningEvent.objects.filter(session=session).count() == 2
