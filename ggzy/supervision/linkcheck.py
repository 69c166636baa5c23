"""The broken-link crawler (错链检查). Pure: standard library only, no Django, no ggzy imports.

It starts from the given paths on ``base_url`` (the caller lists every published page), fetches
same-site HTML pages breadth-first, and checks every link it finds on them:

* internal links and attachments (same scheme, host and port as ``base_url``) are fetched; HTML
  pages among them are crawled further, everything else is only checked (HEAD, then GET);
* external links are checked only when ``external`` is on: at most ``max_external`` of them,
  HEAD then GET, one request per host per ``per_host_delay`` seconds; never crawled further;
* redirects are followed by hand up to ``max_redirects`` hops; a chain that revisits a URL is a
  loop; a redirect that leaves the site is not followed (a site's job ends at its border);
* each URL is fetched once per run; the run stops at ``max_pages`` crawled pages or after
  ``max_seconds`` and says which bound it hit.
"""

from __future__ import annotations

import http.client
import ssl
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urldefrag, urljoin, urlsplit, urlunsplit

USER_AGENT = "ggzy-linkcheck/1.0 (+broken-link patrol)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:", "sms:", "ftp:")
MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_REFERRERS = 20  # pages reported per broken page link
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# Pages that change per visitor or never end (search results, the care-mode switch, logins, the
# back office): not part of "every published page".
DEFAULT_EXCLUDE = ("/search/", "/care/", "/accounts/", "/manage/", "/admin/", "/api/")


@dataclass(frozen=True)
class Limits:
    max_pages: int = 5000
    max_seconds: float = 1800.0
    timeout: float = 10.0
    max_redirects: int = 5
    external: bool = False
    max_external: int = 200
    per_host_delay: float = 1.0
    exclude_prefixes: tuple[str, ...] = DEFAULT_EXCLUDE


@dataclass(frozen=True)
class Broken:
    url: str
    found_on: str
    status: int | None
    error: str
    external: bool


@dataclass
class Report:
    pages: int = 0
    links: int = 0
    broken: list[Broken] = field(default_factory=list)
    bounded_by: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """What fetching one URL (following redirects) gave."""

    status: int | None
    error: str = ""
    final_url: str = ""
    content_type: str = ""
    body: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.error and self.status is not None and self.status < 400


class LinkParser(HTMLParser):
    """Collects href/src targets of <a>, <link>, <img>, <script>, <iframe>, <source>, <area>."""

    ATTRS = {
        "a": "href",
        "area": "href",
        "link": "href",
        "img": "src",
        "script": "src",
        "iframe": "src",
        "source": "src",
        "embed": "src",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "base" and values.get("href"):
            self.base = values["href"]
            return
        wanted = self.ATTRS.get(tag)
        if wanted is None:
            return
        if tag == "link" and (values.get("rel") or "").lower() in ("preconnect", "dns-prefetch"):
            return
        value = values.get(wanted)
        if value:
            self.links.append(value.strip())


def extract_links(html: str, page_url: str) -> list[str]:
    """Absolute, fragment-less http(s) URLs linked from ``html``, in order, de-duplicated."""
    parser = LinkParser()
    # html.parser is lenient and does not raise on malformed markup; the links seen are used.
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    seen: dict[str, None] = {}
    for raw in parser.links:
        if raw.lower().startswith(SKIP_SCHEMES) or raw.startswith("#"):
            continue
        absolute = normalise(urljoin(base, raw))
        if absolute:
            seen.setdefault(absolute)
    return list(seen)


def normalise(url: str) -> str:
    """Fragment removed, scheme and host lower-cased, empty path → "/"; "" when not http(s)."""
    url, _ = urldefrag(url)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    # Raw non-ASCII (a Chinese file name typed into an editor) is sent percent-encoded, as a
    # browser would; existing escapes are kept.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, f"{(parts.hostname or '').lower()}:{port}"


Fetcher = Callable[[str, str, float], tuple[int, dict[str, str], bytes]]


def http_fetch(url: str, method: str, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One request, no redirects followed. Reads the body only for GET, at most MAX_HTML_BYTES."""
    parts = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    kwargs: dict[str, object] = {"timeout": timeout}
    if parts.scheme == "https":
        kwargs["context"] = ssl.create_default_context()
    conn = conn_cls(parts.hostname or "", parts.port, **kwargs)  # type: ignore[arg-type]
    try:
        target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        conn.request(method, target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        body = response.read(MAX_HTML_BYTES) if method == "GET" else b""
        return response.status, headers, body
    finally:
        conn.close()


class Crawler:
    def __init__(
        self,
        base_url: str,
        limits: Limits,
        *,
        fetch: Fetcher = http_fetch,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.base_url = normalise(base_url)
        if not self.base_url:
            raise ValueError("base_url must be an http(s) URL")
        self.site = origin(self.base_url)
        self.limits = limits
        self.fetch = fetch
        self.monotonic = monotonic
        self.sleep = sleep
        self.progress = progress
        self.checked: dict[str, Outcome] = {}
        self.last_hit: dict[str, float] = {}
        self.external_checked = 0

    def is_internal(self, url: str) -> bool:
        return origin(url) == self.site

    def excluded(self, url: str) -> bool:
        path = urlsplit(url).path
        return any(path.startswith(p) for p in self.limits.exclude_prefixes)

    def _polite(self, url: str) -> None:
        if self.is_internal(url):
            return
        host = origin(url)[1]
        wait = self.last_hit.get(host, -1e9) + self.limits.per_host_delay - self.monotonic()
        if wait > 0:
            self.sleep(wait)
        self.last_hit[host] = self.monotonic()

    def _one(self, url: str, method: str) -> tuple[int | None, dict[str, str], bytes, str]:
        self._polite(url)
        try:
            status, headers, body = self.fetch(url, method, self.limits.timeout)
        except TimeoutError:
            return None, {}, b"", f"超时（{self.limits.timeout:g} 秒无响应）"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return None, {}, b"", f"无法连接：{type(exc).__name__}"
        return status, headers, body, ""

    def resolve(self, url: str, *, want_body: bool) -> Outcome:
        """Fetch ``url`` following redirects by hand. HEAD first when the body is not needed."""
        chain = [url]
        current = url
        for _hop in range(self.limits.max_redirects + 1):
            method = "GET" if want_body else "HEAD"
            status, headers, body, error = self._one(current, method)
            if not want_body and not error and status in (403, 405, 501):
                # Some servers refuse HEAD; ask again the ordinary way.
                status, headers, body, error = self._one(current, "GET")
            if error:
                return Outcome(None, error, current)
            assert status is not None
            if status in REDIRECT_CODES:
                location = headers.get("location", "")
                if not location:
                    return Outcome(status, "重定向缺少 Location", current)
                nxt = normalise(urljoin(current, location))
                if not nxt:
                    return Outcome(status, "重定向目标无效", current)
                if nxt in chain:
                    return Outcome(status, f"重定向循环（{len(chain)} 次后回到 {nxt}）", current)
                if self.is_internal(url) and not self.is_internal(nxt) and not self.limits.external:
                    # Leaving the site: not followed (and not counted broken) unless externals are on.
                    return Outcome(status, "", nxt)
                chain.append(nxt)
                current = nxt
                continue
            return Outcome(status, "", current, headers.get("content-type", ""), body)
        return Outcome(None, f"重定向次数超过 {self.limits.max_redirects} 次", current)

    def run(self, start_paths: Iterable[str]) -> Report:
        report = Report()
        began = self.monotonic()
        queue: deque[str] = deque()
        # Which pages link to a page still waiting in the queue: its fetch is their check.
        referrers: dict[str, list[str]] = {}
        for path in start_paths:
            url = normalise(urljoin(self.base_url, path))
            if url and self.is_internal(url) and url not in referrers:
                referrers[url] = []
                queue.append(url)
        total_hint = len(queue)
        while queue:
            if report.pages >= self.limits.max_pages:
                report.bounded_by = f"达到页面数上限 {self.limits.max_pages}，尚有 {len(queue)} 个页面未抓取"
                break
            if self.monotonic() - began >= self.limits.max_seconds:
                report.bounded_by = (
                    f"达到时间上限 {self.limits.max_seconds:g} 秒，尚有 {len(queue)} 个页面未抓取"
                )
                break
            page = queue.popleft()
            outcome = self.resolve(page, want_body=True)
            self.checked[page] = outcome
            report.pages += 1
            if self.progress:
                self.progress(report.pages, max(total_hint, report.pages + len(queue)))
            if not outcome.ok:
                # A start page that is itself broken is reported on the site root.
                for ref in referrers.get(page) or [self.base_url]:
                    report.broken.append(Broken(page, ref, outcome.status, outcome.error, False))
                continue
            final = outcome.final_url or page
            if not outcome.content_type.lower().startswith(HTML_TYPES) or not self.is_internal(final):
                continue
            html = outcome.body.decode("utf-8", errors="replace")
            links = extract_links(html, final)
            for n, link in enumerate(links):
                if self.monotonic() - began >= self.limits.max_seconds:
                    report.bounded_by = (
                        f"达到时间上限 {self.limits.max_seconds:g} 秒，页面 {page} "
                        f"尚有 {len(links) - n} 个链接、另有 {len(queue)} 个页面未检查"
                    )
                    queue.clear()
                    break
                self._check_link(link, page, queue, referrers, report)
        report.seconds = self.monotonic() - began
        return report

    def _check_link(
        self, link: str, page: str, queue: deque[str], referrers: dict[str, list[str]], report: Report
    ) -> None:
        internal = self.is_internal(link)
        if internal and self.excluded(link):
            return
        if not internal and not self.limits.external:
            return
        result = self.checked.get(link)
        if result is None and internal and not _looks_like_file(link):
            if link not in referrers:
                referrers[link] = []
                queue.append(link)
            if len(referrers[link]) < MAX_REFERRERS:
                referrers[link].append(page)
            report.links += 1
            return
        if result is None:
            if not internal:
                if self.external_checked >= self.limits.max_external:
                    return
                self.external_checked += 1
            result = self.resolve(link, want_body=False)
            self.checked[link] = result
        report.links += 1
        if not result.ok:
            report.broken.append(Broken(link, page, result.status, result.error, not internal))


def _looks_like_file(url: str) -> bool:
    path = urlsplit(url).path.lower()
    last = path.rsplit("/", 1)[-1]
    return "." in last and not last.endswith((".html", ".htm", ".xml"))
