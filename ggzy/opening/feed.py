"""The hall's live feed: server-sent events (SSE) from the ``OpeningEvent`` log.

One poller per process reads new events (one query per tick, whatever the number of clients)
and fans them out to every connected client of that session. Each event's SSE ``id`` is its
per-session ``seq``: a client that reconnects sends ``Last-Event-ID`` and receives exactly the
events it missed (replayed from the database), then the live ones.

* Under ASGI (``ggzy serve --interface asgi``) a client is a coroutine waiting on the hub; 1,000
  clients cost 1,000 coroutines, not threads (docs/adr/0019-opening-hall-live-feed.md).
* Under WSGI a held stream would pin one of the few request threads, so the endpoint answers in
  *poll mode*: the missed events plus ``retry: 1000`` and closes; EventSource reconnects within a
  second with Last-Event-ID. Correct, but each client then costs a request per second.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ggzy.opening.models import OpeningEvent

POLL_SECONDS = 0.2
KEEPALIVE_SECONDS = 15.0
CACHE_PER_SESSION = 500
RETRY_MS = 1000


@dataclass(frozen=True)
class FeedEvent:
    pk: int
    session_id: int
    seq: int
    kind: str
    at: str
    text: str
    data: dict[str, Any]
    public: dict[str, Any] | None

    def sse(self, *, public: bool) -> str | None:
        """The SSE frame of this event for a participant, or for the public (None: not shown)."""
        if public:
            if self.public is None:
                return None
            body: dict[str, Any] = {"seq": self.seq, "kind": self.kind, "at": self.at, **self.public}
        else:
            body = {"seq": self.seq, "kind": self.kind, "at": self.at, "text": self.text, **self.data}
        return f"id: {self.seq}\nevent: hall\ndata: {json.dumps(body, ensure_ascii=False)}\n\n"


def _of(e: OpeningEvent) -> FeedEvent:
    return FeedEvent(
        pk=e.pk,
        session_id=e.session_id,
        seq=e.seq,
        kind=e.kind,
        at=e.at.isoformat(),
        text=e.text,
        data=e.data,
        public=e.public,
    )


def events_after(session_id: int, seq: int) -> list[FeedEvent]:
    """The events of a session after ``seq`` (the reconnect replay), from the database."""
    return [_of(e) for e in OpeningEvent.objects.filter(session_id=session_id, seq__gt=seq).order_by("seq")]


def frames(events: Iterable[FeedEvent], *, public: bool) -> str:
    return "".join(f for f in (e.sse(public=public) for e in events) if f)


def parse_last_event_id(value: str | None) -> int:
    try:
        seq = int((value or "0").strip())
    except ValueError:
        return 0
    return seq if seq > 0 else 0


class Hub:
    """Per process: polls new events once per tick and wakes every waiting client."""

    def __init__(self) -> None:
        self.last_pk: int | None = None
        self.cache: dict[int, deque[FeedEvent]] = defaultdict(lambda: deque(maxlen=CACHE_PER_SESSION))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.changed: asyncio.Event | None = None
        self.task: asyncio.Task[None] | None = None
        self.clients = 0
        # every database read of the hub runs in this one thread: one connection per process
        self.executor: ThreadPoolExecutor | None = None

    async def _db(self, fn: Any, *args: Any) -> Any:
        if self.executor is None:
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="opening-feed")
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def shutdown(self) -> None:
        """Close the hub's database connection and thread (tests; process exit)."""
        if self.executor is not None:
            from django.db import connections

            self.executor.submit(connections.close_all).result()
            self.executor.shutdown()
            self.executor = None

    def _poll(self) -> list[FeedEvent]:
        from django.db import close_old_connections

        close_old_connections()
        if self.last_pk is None:
            last = OpeningEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.last_pk = last or 0
            return []
        new = [_of(e) for e in OpeningEvent.objects.filter(pk__gt=self.last_pk).order_by("pk")[:5000]]
        if new:
            self.last_pk = new[-1].pk
        return new

    async def _run(self) -> None:
        idle_since: float | None = None
        while True:
            try:
                new = await self._db(self._poll)
            except Exception:  # noqa: BLE001 - a database hiccup must not kill the feed: try again next tick
                new = []
            if new:
                for e in new:
                    self.cache[e.session_id].append(e)
                assert self.changed is not None
                changed, self.changed = self.changed, asyncio.Event()
                changed.set()
            if self.clients == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 30:
                    self.task = None
                    return
            else:
                idle_since = None
            await asyncio.sleep(POLL_SECONDS)

    def ensure_running(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is not loop:  # a new event loop (tests, a restarted worker): start over
            self.loop, self.task, self.changed, self.last_pk = loop, None, asyncio.Event(), None
            self.cache.clear()
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._run())

    async def stream(self, session_id: int, after: int, *, public: bool) -> AsyncIterator[str]:
        """Replay after ``after`` from the database, then live events from the hub."""
        self.ensure_running()
        self.clients += 1
        try:
            yield f"retry: {RETRY_MS}\n\n"
            replay = await self._db(events_after, session_id, after)
            if replay:
                after = replay[-1].seq
                yield frames(replay, public=public)
            while True:
                assert self.changed is not None
                changed = self.changed
                try:
                    await asyncio.wait_for(changed.wait(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                cached = [e for e in self.cache.get(session_id, ()) if e.seq > after]
                if cached and cached[0].seq != after + 1:  # fell behind the cache: read the gap
                    cached = await self._db(events_after, session_id, after)
                if cached:
                    after = cached[-1].seq
                    text = frames(cached, public=public)
                    if text:
                        yield text
        finally:
            self.clients -= 1


hub = Hub()
