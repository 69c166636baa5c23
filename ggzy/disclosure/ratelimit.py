"""One rate limiter for the public disclosure endpoints — the HTML pages (/gk/apply/…) and the
API (/api/v1/disclosure/…) count in the same buckets, so an address cannot double its budget by
using both.

Counters live in the shared cache (Redis in production, so every web process counts together),
in fixed windows, keyed by an HMAC of the client address under ``SECRET_KEY`` — the cache never
holds a raw address, and the key cannot be reversed by hashing all IPv4 addresses.

Buckets (limits are settings; the windows are fixed):

* ``SUBMIT`` — online applications, ``GGZY_DISCLOSURE_SUBMIT_PER_HOUR`` (20) per hour. Every
  application that reaches the service counts, a refused one too.
* ``TRACK`` — tracking attempts (status page and letter download),
  ``GGZY_DISCLOSURE_TRACK_PER_HOUR`` (60) per hour, right or wrong.
* ``TRACK_FAILURES`` — wrong code/secret pairs, ``GGZY_DISCLOSURE_TRACK_FAILURES_PER_10_MIN`` (10)
  per ten minutes: once used up, even the right pair waits, so secrets cannot be guessed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class Bucket:
    name: str
    setting: str
    default: int
    window: int  # seconds
    message: str  # Chinese, with {limit} and {minutes}

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.setting, self.default))

    @property
    def window_text(self) -> str:
        return "每小时" if self.window == 3600 else f"每{self.window // 60}分钟"


SUBMIT = Bucket(
    "submit",
    "GGZY_DISCLOSURE_SUBMIT_PER_HOUR",
    20,
    3600,
    "提交过于频繁：同一网络地址{window}最多提交 {limit} 次申请，请{minutes}分钟后再试，"
    "或通过信函、当面等方式提交",
)
TRACK = Bucket(
    "track",
    "GGZY_DISCLOSURE_TRACK_PER_HOUR",
    60,
    3600,
    "查询过于频繁：同一网络地址{window}最多查询 {limit} 次，请{minutes}分钟后再试",
)
TRACK_FAILURES = Bucket(
    "track-fail",
    "GGZY_DISCLOSURE_TRACK_FAILURES_PER_10_MIN",
    10,
    600,
    "查询失败次数过多：同一网络地址{window}最多 {limit} 次查询码或查询密码错误，请{minutes}分钟后再试",
)


@dataclass(frozen=True)
class Refusal:
    """The answer once a bucket is used up: HTTP 429 with ``Retry-After: retry_after``."""

    bucket: Bucket
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))

    @property
    def message(self) -> str:
        return self.bucket.message.format(
            limit=self.limit, minutes=self.minutes, window=self.bucket.window_text
        )


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def _address_key(request: HttpRequest) -> str:
    digest = salted_hmac("ggzy.disclosure.ratelimit", client_address(request), algorithm="sha256")
    return digest.hexdigest()[:32]


def _now() -> float:
    return time.time()


def _key(bucket: Bucket, request: HttpRequest, now: float) -> tuple[str, int]:
    window = int(now // bucket.window)
    retry_after = max(1, int((window + 1) * bucket.window - now))
    return f"disclosure-rl:{bucket.name}:{_address_key(request)}:{window}", retry_after


def count(bucket: Bucket, request: HttpRequest) -> int:
    """How many events this address has used in the current window."""
    key, _ = _key(bucket, request, _now())
    return int(cache.get(key) or 0)


def blocked(bucket: Bucket, request: HttpRequest) -> Refusal | None:
    """The refusal when the window is used up; counts nothing."""
    key, retry_after = _key(bucket, request, _now())
    limit = bucket.limit
    if int(cache.get(key) or 0) >= limit:
        return Refusal(bucket, limit, retry_after)
    return None


def hit(bucket: Bucket, request: HttpRequest) -> int:
    """Count one event; returns the count in the current window."""
    key, _ = _key(bucket, request, _now())
    ttl = bucket.window + 60
    if cache.add(key, 1, ttl):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


def attempt(bucket: Bucket, request: HttpRequest) -> Refusal | None:
    """Count one attempt and refuse it if it is over the limit (atomic under concurrency:
    the counter is incremented first, so two processes cannot both take the last slot)."""
    _, retry_after = _key(bucket, request, _now())
    limit = bucket.limit
    if hit(bucket, request) > limit:
        return Refusal(bucket, limit, retry_after)
    return None


def track_attempt(request: HttpRequest) -> Refusal | None:
    """Before checking a code/secret pair: refused while the address has too many wrong pairs,
    else one tracking attempt is counted (and refused past the hourly limit)."""
    return blocked(TRACK_FAILURES, request) or attempt(TRACK, request)


def track_failed(request: HttpRequest) -> None:
    """After a wrong code/secret pair."""
    hit(TRACK_FAILURES, request)


__all__ = [
    "SUBMIT",
    "TRACK",
    "TRACK_FAILURES",
    "Bucket",
    "Refusal",
    "attempt",
    "blocked",
    "count",
    "hit",
    "track_attempt",
    "track_failed",
]
