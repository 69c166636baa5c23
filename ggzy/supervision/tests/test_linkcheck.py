"""The crawler over real HTTP: a tiny local server that loops redirects, redirects forever,
returns 404, refuses HEAD, hangs, and links off-site; then the published demo site through
pytest-django's live_server, with history across runs, mark-fixed and the ``ggzy links`` command."""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ggzy.core.clock import FixedClock
from ggzy.core.errors import ValidationFailed
from ggzy.supervision import linkcheck, services
from ggzy.supervision.models import BrokenLink, BrokenLinkSighting, LinkCheckRun

PAGES = {
    "/": """<html><body>
        <a href="/ok">ok</a> <a href="/missing">missing</a> <a href="/loop-a">loop</a>
        <a href="/forever/0">forever</a> <a href="/hang">hang</a> <a href="/file.pdf">file</a>
        <a href="/head-refused.pdf">head refused</a> <a href="/offsite">offsite</a>
        <a href="/manage/secret">back office</a> <a href="mailto:a@b.c">mail</a>
        <a href="javascript:void(0)">js</a> <a href="#top">top</a>
        <a href="http://localhost:{port}/external-missing">external</a>
        <img src="/missing-image.png"> <a href="/公告附件.pdf">中文文件名</a>
    </body></html>""",
    "/ok": """<html><body><a href="/">home</a><a href="/ok#frag">self</a>
        <a href="/missing">again</a></body></html>""",
}


class Handler(BaseHTTPRequestHandler):
    hits: Counter[str] = Counter()
    port = 0

    def log_message(self, *args: Any) -> None:
        pass

    def _send(
        self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        if self.path == "/head-refused.pdf":
            self.hits["HEAD " + self.path] += 1
            return self._send(405)
        self.do_GET()

    def do_GET(self) -> None:
        path = self.path
        self.hits[f"{self.command} {path}"] += 1
        if path in PAGES:
            return self._send(200, PAGES[path].format(port=self.port).encode())
        if path == "/loop-a":
            return self._send(302, Location="/loop-b")
        if path == "/loop-b":
            return self._send(302, Location="/loop-a")
        if path.startswith("/forever/"):
            n = int(path.rsplit("/", 1)[1])
            return self._send(302, Location=f"/forever/{n + 1}")
        if path == "/hang":
            time.sleep(2)
            return self._send(200, b"late")
        if path in ("/file.pdf", "/head-refused.pdf", "/%E5%85%AC%E5%91%8A%E9%99%84%E4%BB%B6.pdf"):
            return self._send(200, b"%PDF-1.4", ctype="application/pdf")
        if path == "/offsite":
            return self._send(302, Location="http://example.invalid/somewhere")
        return self._send(404, b"not found")


@pytest.fixture
def bad_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None  # type: ignore[method-assign]  # the crawler hangs up on /hang
    Handler.hits = Counter()
    Handler.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{Handler.port}"
    server.shutdown()
    server.server_close()


def crawl(base: str, **limits: Any) -> linkcheck.Report:
    return linkcheck.Crawler(base, linkcheck.Limits(timeout=0.5, per_host_delay=0, **limits)).run(["/"])


def by_url(report: linkcheck.Report) -> dict[str, linkcheck.Broken]:
    return {b.url.split(":", 2)[2].split("/", 1)[1]: b for b in report.broken}


def test_loops_forever_redirects_404s_and_hangs_are_reported(bad_server: str) -> None:
    report = crawl(bad_server)
    broken = {("/" + k): v for k, v in by_url(report).items()}
    assert "重定向循环" in broken["/loop-a"].error
    assert "重定向次数超过 5 次" in broken["/forever/0"].error
    assert broken["/missing"].status == 404
    assert broken["/missing-image.png"].status == 404
    assert "超时" in broken["/hang"].error
    # Fine: a file answering HEAD, a file refusing HEAD but serving GET, a redirect off-site.
    for fine in (
        "/ok",
        "/file.pdf",
        "/head-refused.pdf",
        "/offsite",
        "/%E5%85%AC%E5%91%8A%E9%99%84%E4%BB%B6.pdf",
    ):
        assert fine not in broken
    # Each broken link is reported on every page it sits on: /missing is on "/" and on "/ok".
    assert sorted(b.found_on.rsplit("/", 1)[1] for b in report.broken if b.url.endswith("/missing")) == [
        "",
        "ok",
    ]
    assert report.bounded_by == ""


def test_never_leaves_the_site_and_fetches_each_url_once(bad_server: str) -> None:
    crawl(bad_server)
    hits = Handler.hits
    assert not any("/manage/" in k for k in hits), "the back office is not a published page"
    assert not any("external-missing" in k for k in hits), "external links are off by default"
    assert hits["GET /"] == 1 and hits["GET /missing"] == 1  # de-duplicated across pages
    assert hits["HEAD /head-refused.pdf"] == 1 and hits["GET /head-refused.pdf"] == 1
    assert sum(v for k, v in hits.items() if "/forever/" in k) == 6  # the first hop + 5 redirects


def test_external_links_only_when_enabled_and_bounded(bad_server: str) -> None:
    report = crawl(bad_server, external=True, max_external=5)
    external = [b for b in report.broken if b.external]
    assert [b.url for b in external] == [f"http://localhost:{Handler.port}/external-missing"]
    assert Handler.hits["HEAD /external-missing"] == 1
    Handler.hits.clear()
    crawl(bad_server, external=True, max_external=0)
    assert Handler.hits["HEAD /external-missing"] == 0


def test_page_and_time_bounds_are_reported(bad_server: str) -> None:
    report = crawl(bad_server, max_pages=1)
    assert report.pages == 1 and "页面数上限 1" in report.bounded_by
    ticks = iter(range(0, 10_000, 50))
    slow = linkcheck.Crawler(
        bad_server,
        linkcheck.Limits(max_seconds=60, timeout=0.5, per_host_delay=0),
        monotonic=lambda: next(ticks),
    ).run(["/"])
    assert "时间上限 60 秒" in slow.bounded_by


def test_extract_links_normalises_and_skips() -> None:
    html = (
        '<base href="/a/"><a href="b">x</a><a href="B#f">y</a><a href="mailto:x@y">m</a>'
        '<link rel="preconnect" href="//cdn.example">'
    )
    assert linkcheck.extract_links(html, "http://Site.example/index") == [
        "http://site.example/a/b",
        "http://site.example/a/B",
    ]
    # Raw Chinese in a link is sent percent-encoded (as a browser does); escapes are kept.
    assert linkcheck.normalise("http://h/files/附件.pdf?名=1") == (
        "http://h/files/%E9%99%84%E4%BB%B6.pdf?%E5%90%8D=1"
    )
    assert linkcheck.normalise("http://h/a%20b") == "http://h/a%20b"


def test_bad_base_url_is_refused(db: None) -> None:
    with pytest.raises(ValidationFailed, match="站点地址"):
        services.link_check_run(actor=None, base_url="ftp://x", start_paths=["/"])
    with pytest.raises(ValidationFailed, match="页面数上限"):
        services.link_check_run(actor=None, base_url="http://127.0.0.1:1", max_pages=0, start_paths=["/"])
    assert LinkCheckRun.objects.count() == 0


# ---------------------------------------------------------------- the real site


@pytest.fixture
def site(staff: Any, publish: Any) -> dict[str, Any]:
    from ggzy.publishing import services as publishing
    from ggzy.publishing.models import Category

    pdf = ("公告附件.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
    notice = publishing.notice_create(
        actor=staff["editor"],
        title="错链测试公告",
        body_html='<p>详见<a href="/notices/987654/">原公告</a>和<a href="/articles/">政务信息</a></p>',
        kind="award",
        domain="construction",
        winner_name="某公司",
        uploads=[pdf],
    )
    notice = publish(notice)
    article = publishing.article_create(
        actor=staff["editor"],
        category=Category.objects.get(code="news"),
        title="要闻",
        body_html="<p>无链接</p>",
    )
    return {
        "notice": publish(notice) if notice.status != "published" else notice,
        "article": publish(article),
    }


@pytest.mark.django_db(transaction=True)
def test_crawl_the_published_site_with_history(
    live_server: Any, site: dict[str, Any], staff: Any, settings: Any
) -> None:
    clock = FixedClock()
    run = services.link_check_run(actor=staff["editor"], base_url=live_server.url, clock=clock)
    assert run.finished_at is not None and run.bounded_by == ""
    assert run.pages >= 10  # home, lists, columns, categories, the notice and the article
    notice_page = f"{live_server.url}{site['notice'].get_absolute_url()}"
    broken = BrokenLink.objects.get()
    assert broken.url == f"{live_server.url}/notices/987654/" and broken.found_on == notice_page
    assert broken.status_code == 404 and run.broken == 1
    # Staff mark it fixed; a later run still finds it broken: it reopens, history has two sightings.
    services.broken_link_mark_fixed(actor=staff["editor"], link=broken, clock=clock)
    clock.advance(days=7)
    services.link_check_run(actor=None, base_url=live_server.url, clock=clock)
    broken.refresh_from_db()
    assert broken.fixed_at is None and broken.last_seen == clock.now()
    assert BrokenLinkSighting.objects.filter(link=broken).count() == 2
    # The weekly job does nothing within the week, and runs again a week after the last run.
    assert services.link_check_if_due(clock=clock) is None
    settings.GGZY_LINKCHECK = {"base_url": live_server.url, "max_pages": 5}
    clock.advance(days=7)
    weekly = services.link_check_if_due(clock=clock)
    assert weekly is not None and weekly.pages == 5 and "页面数上限 5" in weekly.bounded_by


@pytest.mark.django_db(transaction=True)
def test_links_command(live_server: Any, site: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command("links", "check", "--base-url", live_server.url, "--max-pages", "3", stdout=out)
    text = out.getvalue()
    assert "抓取页面 3 个" in text and "页面数上限 3" in text
    out = io.StringIO()
    with pytest.raises(CommandError, match="发现 1 个错链") as exc:
        call_command("links", "check", "--base-url", live_server.url, stdout=out)
    assert exc.value.returncode == 1
    assert "/notices/987654/" in out.getvalue()
    with pytest.raises(CommandError, match="站点地址"):
        call_command("links", "check", "--base-url", "not a url", stdout=io.StringIO())
