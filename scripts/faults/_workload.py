"""The drills' client-side workload, over HTTP against the real server, as a bidder's browser and a
staff member would do it:

* :func:`upload_envelope` — seal a new bid with the Python kit and upload it through the resumable
  upload API (start, chunks with ``Content-Range``, resume from the server's offset after a lost
  connection or a 409, finalise), then report what the client knows: ``acked`` (it saw the
  receipt), ``finalised_unacked`` (the connection died but the server says the upload was
  finalised), or ``refused`` (an error answer, kept for the report);
* :class:`Uploader`, :class:`Decryptor`, :class:`Reporter` — threads looping over uploads, opening
  decryptions (posting each bidder's content key to the hall) and annual-report generation
  (draft/regenerate, then the DOCX and PDF) until told to stop;
* :class:`Inflight` — which kinds of request are in flight now, so that a kill can be aimed at
  the middle of one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import random
import re
import threading
import time
from collections import Counter
from typing import Any

from _common import Client, ConnectionLost, Response

from ggzy.sealing import envelope, kit


class Inflight:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.now: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()

    def enter(self, kind: str) -> None:
        with self.cond:
            self.now[kind] += 1
            self.seen[kind] += 1
            self.cond.notify_all()

    def leave(self, kind: str) -> None:
        with self.cond:
            self.now[kind] -= 1

    def wait_for(self, kinds: list[str], timeout: float) -> str | None:
        """Block until a request of one of ``kinds`` is in flight; return its kind (None: timeout)."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                live = [k for k in kinds if self.now[k] > 0]
                if live:
                    return random.choice(live)  # noqa: S311 - choosing a kill moment, not a secret
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


class Stats:
    """What the clients saw, thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acked_bids: list[dict[str, Any]] = []
        self.finalised_unacked: list[str] = []
        self.refused: list[dict[str, Any]] = []
        self.server_errors: list[dict[str, Any]] = []
        self.connection_lost = 0
        self.acked_opened: list[dict[str, Any]] = []
        self.acked_reports = 0
        self.report_files = 0
        self.unexpected: list[dict[str, Any]] = []

    def add(self, name: str, value: Any) -> None:
        with self.lock:
            getattr(self, name).append(value)

    def lost(self) -> None:
        with self.lock:
            self.connection_lost += 1

    def server_error(self, resp: Response, step: str) -> None:
        self.add(
            "server_errors",
            {"step": step, "status": resp.status, "body": resp.text[:300], "at": time.time()},
        )


def describe(resp: Response) -> dict[str, Any]:
    out: dict[str, Any] = {"status": resp.status, "content_type": resp.headers.get("content-type", "")}
    try:
        out["json"] = resp.json()
    except ValueError:
        out["text"] = resp.text[:400]
    return out


def seal_bid(info: dict[str, Any], size: int, rng: random.Random) -> bytes:
    out = io.BytesIO()
    envelope.seal(
        io.BytesIO(b"%PDF-1.4\n" + os.urandom(max(0, size - 9))),
        out,
        section=info["section_code"],
        bidder=info["bidder"],
        summary={"price": f"{rng.randint(1_000_000, 9_999_999)}.00"},
        file_name="投标文件.pdf",
        bidder_public_key=info["public_pem"].encode(),
        signing_key=kit.load_private_key(info["signing_key_pem"].encode()),
        created_at=dt.datetime.now(dt.UTC),
        chunk_size=65536,
    )
    return out.getvalue()


class Upload:
    """One envelope through the resumable upload API (see ggzy/trading/views/bids.py)."""

    def __init__(
        self,
        client: Client,
        section_pk: int,
        data: bytes,
        *,
        chunk: int,
        stats: Stats,
        inflight: Inflight,
        retry_server_errors: bool = True,
        give_up_after: float = 240.0,
    ) -> None:
        self.client, self.section_pk, self.data, self.chunk = client, section_pk, data, chunk
        self.stats, self.inflight = stats, inflight
        self.retry_5xx = retry_server_errors
        self.deadline = time.monotonic() + give_up_after
        self.token = ""

    def _call(self, step: str, fn: Any) -> Response | None:
        """``fn()`` until the server answers something other than a lost connection (and, with
        ``retry_server_errors``, other than 5xx). None when the time is up."""
        while time.monotonic() < self.deadline:
            try:
                resp: Response = fn()
            except ConnectionLost:
                self.stats.lost()
                time.sleep(0.3)
                continue
            if resp.status >= 500:
                self.stats.server_error(resp, step)
                if self.retry_5xx:
                    time.sleep(0.5)
                    continue
            return resp
        return None

    def status(self) -> dict[str, Any] | None:
        resp = self._call("status", lambda: self.client.request("GET", f"/trading/bid-uploads/{self.token}/"))
        if resp is None or resp.status != 200:
            return None
        result: dict[str, Any] = resp.json()
        return result

    def refused(self, step: str, resp: Response | None) -> dict[str, Any]:
        return {"outcome": "refused", "step": step, **(describe(resp) if resp else {"status": "timeout"})}

    def run(self) -> dict[str, Any]:
        total = len(self.data)
        resp = self._call(
            "start",
            lambda: self.client.json(
                "POST", f"/trading/sections/{self.section_pk}/bid/uploads/", {"total_size": total}
            ),
        )
        if resp is None or resp.status != 201:
            return self.refused("start", resp)
        self.token = resp.json()["token"]
        offset = 0
        while offset < total:
            piece = self.data[offset : offset + self.chunk]
            headers = {
                "Content-Range": f"bytes {offset}-{offset + len(piece) - 1}/{total}",
                "Content-Type": "application/octet-stream",
            }
            try:
                resp = self.client.request("PUT", f"/trading/bid-uploads/{self.token}/", piece, headers)
            except ConnectionLost:
                self.stats.lost()
                st = self.status()
                if st is None:
                    return self.refused("chunk", None)
                offset = st["received"]
                continue
            if resp.status == 200:
                offset = resp.json()["received"]
            elif resp.status == 409:
                st = self.status()
                if st is None:
                    return self.refused("chunk", resp)
                offset = st["received"]
            elif resp.status >= 500 and self.retry_5xx:
                self.stats.server_error(resp, "chunk")
                time.sleep(0.5)
                st = self.status()
                offset = st["received"] if st else offset
            else:
                if resp.status >= 500:
                    self.stats.server_error(resp, "chunk")
                return self.refused("chunk", resp)
            if time.monotonic() > self.deadline:
                return self.refused("chunk", None)
        sha = hashlib.sha256(self.data).hexdigest()
        while time.monotonic() < self.deadline:
            self.inflight.enter("finalise")
            try:
                resp = self.client.request("POST", f"/trading/bid-uploads/{self.token}/finalise/")
            except ConnectionLost:
                self.stats.lost()
                st = self.status()
                if st and st["status"] == "finalised":
                    return {"outcome": "finalised_unacked", "token": self.token, "sha256": sha}
                if st and st["status"] == "open":
                    continue
                return {"outcome": "refused", "step": "finalise", "after_lost_connection": st}
            finally:
                self.inflight.leave("finalise")
            if resp.status == 201:
                body = resp.json()
                return {
                    "outcome": "acked",
                    "bid": body["bid"]["id"],
                    "sha256": body["bid"]["envelope_sha256"],
                    "client_sha256": sha,
                    "receipt_sequence": body["bid"]["receipt_sequence"],
                    "token": self.token,
                }
            if resp.status >= 500:
                self.stats.server_error(resp, "finalise")
                if self.retry_5xx:
                    st = self.status()
                    if st and st["status"] == "finalised":
                        return {"outcome": "finalised_unacked", "token": self.token, "sha256": sha}
                    time.sleep(0.5)
                    continue
                return self.refused("finalise", resp)
            if resp.status == 409:
                st = self.status()
                if st and st["status"] == "finalised":
                    return {"outcome": "finalised_unacked", "token": self.token, "sha256": sha}
            return self.refused("finalise", resp)
        return self.refused("finalise", None)


class Uploader(threading.Thread):
    def __init__(
        self,
        info: dict[str, Any],
        client: Client,
        stats: Stats,
        inflight: Inflight,
        stop: threading.Event,
        *,
        size_range: tuple[int, int],
        chunk: int,
        seed: int,
        retry_server_errors: bool = True,
    ) -> None:
        super().__init__(daemon=True, name=f"uploader-{info['user']}")
        self.info, self.client, self.stats, self.inflight, self.stop = info, client, stats, inflight, stop
        self.size_range, self.chunk = size_range, chunk
        self.rng = random.Random(seed)  # noqa: S311 - workload sizes, not secrets
        self.retry_5xx = retry_server_errors
        self.done = 0

    def run(self) -> None:
        while not self.stop.is_set():
            data = seal_bid(self.info, self.rng.randint(*self.size_range), self.rng)
            result = Upload(
                self.client,
                self.info["section_pk"],
                data,
                chunk=self.chunk,
                stats=self.stats,
                inflight=self.inflight,
                retry_server_errors=self.retry_5xx,
            ).run()
            self.done += 1
            if result["outcome"] == "acked":
                if result["sha256"] != result["client_sha256"]:
                    self.stats.add("unexpected", {"what": "server hash differs from the client's", **result})
                self.stats.add("acked_bids", result)
            elif result["outcome"] == "finalised_unacked":
                self.stats.add("finalised_unacked", result["token"])
            else:
                self.stats.add("refused", result)
                time.sleep(0.5)


class Decryptor(threading.Thread):
    """Posts each bidder's content key to the opening hall, one bid after another with pauses so
    that decryptions spread over the drill; then re-posts keys of opened bids (must be a no-op)."""

    def __init__(
        self,
        opening: dict[str, Any],
        port_of: Any,
        stats: Stats,
        inflight: Inflight,
        stop: threading.Event,
        *,
        pause: tuple[float, float],
        seed: int,
    ) -> None:
        super().__init__(daemon=True, name="decryptor")
        self.opening, self.port_of, self.stats, self.inflight, self.stop = (
            opening,
            port_of,
            stats,
            inflight,
            stop,
        )
        self.pause = pause
        self.rng = random.Random(seed)  # noqa: S311
        self.pending = list(opening["bids"])
        self.repeats = 0

    def post(self, bid: dict[str, Any]) -> Response | None:
        client = Client(self.port_of, bid["session"])
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            self.inflight.enter("decrypt")
            try:
                resp = client.json(
                    "POST",
                    f"/opening/{self.opening['code']}/key/",
                    {"bid": bid["bid"], "content_key": bid["content_key"]},
                )
            except ConnectionLost:
                self.stats.lost()
                time.sleep(0.3)
                continue
            finally:
                self.inflight.leave("decrypt")
            if resp.status >= 500:
                self.stats.server_error(resp, "decrypt")
                time.sleep(0.5)
                continue
            return resp
        return None

    def run(self) -> None:
        while self.pending and not self.stop.is_set():
            time.sleep(self.rng.uniform(*self.pause))
            bid = self.pending.pop(0)
            resp = self.post(bid)
            if resp is not None and resp.status == 200:
                self.stats.add(
                    "acked_opened", {"bid": bid["bid"], "file_sha256": resp.json()["opened"]["file_sha256"]}
                )
            else:
                self.stats.add(
                    "refused", {"step": "decrypt", "bid": bid["bid"], **(describe(resp) if resp else {})}
                )
        opened = {a["bid"]: a["file_sha256"] for a in self.stats.acked_opened}
        while opened and not self.stop.is_set():
            time.sleep(self.rng.uniform(*self.pause))
            bid = self.rng.choice([b for b in self.opening["bids"] if b["bid"] in opened])
            resp = self.post(bid)
            self.repeats += 1
            if (
                resp is None
                or resp.status != 200
                or resp.json()["opened"]["file_sha256"] != opened[bid["bid"]]
            ):
                self.stats.add("unexpected", {"what": "key posted again", **(describe(resp) if resp else {})})


class Reporter(threading.Thread):
    """A disclosure officer (re)generates the annual report draft and downloads DOCX and PDF."""

    def __init__(
        self,
        session: str,
        year: int,
        port_of: Any,
        stats: Stats,
        inflight: Inflight,
        stop: threading.Event,
        *,
        pause: tuple[float, float],
        seed: int,
        retry_server_errors: bool = True,
    ) -> None:
        super().__init__(daemon=True, name="reporter")
        self.client = Client(port_of, session)
        self.year, self.stats, self.inflight, self.stop = year, stats, inflight, stop
        self.pause = pause
        self.rng = random.Random(seed)  # noqa: S311
        self.retry_5xx = retry_server_errors

    def run(self) -> None:
        while not self.stop.is_set():
            time.sleep(self.rng.uniform(*self.pause))
            self.inflight.enter("report")
            try:
                resp = self.client.form("/manage/annual-report/draft/", {"year": str(self.year)})
            except ConnectionLost:
                self.stats.lost()
                continue
            finally:
                self.inflight.leave("report")
            if resp.status >= 500:
                self.stats.server_error(resp, "report_draft")
                continue
            match = re.search(r"/manage/annual-report/(\d+)/$", resp.headers.get("location", ""))
            if resp.status != 302 or match is None:
                self.stats.add("refused", {"step": "report_draft", **describe(resp)})
                continue
            self.stats.acked_reports += 1
            for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
                self.inflight.enter("report")
                try:
                    got = self.client.request("GET", f"/manage/annual-report/{match.group(1)}/report.{fmt}")
                except ConnectionLost:
                    self.stats.lost()
                    continue
                finally:
                    self.inflight.leave("report")
                if got.status >= 500:
                    self.stats.server_error(got, f"report_{fmt}")
                elif got.status != 200 or not got.body.startswith(magic):
                    self.stats.add("refused", {"step": f"report_{fmt}", **describe(got)})
                else:
                    self.stats.report_files += 1
