"""Per-client limits of the public participation forms, on the same machinery as the disclosure
endpoints (``ggzy.disclosure.ratelimit``: fixed windows in the shared cache, keyed by an HMAC of
the client address — the cache never holds a raw address). Own buckets, so commenting does not
use up an address's disclosure budget or the other way round."""

from __future__ import annotations

from django.http import HttpRequest

from ggzy.disclosure.ratelimit import Bucket, Refusal, attempt, blocked, hit

COMMENT = Bucket(
    "participation-comment",
    "GGZY_PARTICIPATION_COMMENTS_PER_HOUR",
    10,
    3600,
    "提交过于频繁：同一网络地址{window}最多提交 {limit} 条意见，请{minutes}分钟后再试",
)
QUESTION = Bucket(
    "participation-question",
    "GGZY_PARTICIPATION_QUESTIONS_PER_HOUR",
    10,
    3600,
    "提交过于频繁：同一网络地址{window}最多提交 {limit} 条留言，请{minutes}分钟后再试，或拨打咨询电话",
)
TRACK = Bucket(
    "participation-track",
    "GGZY_PARTICIPATION_TRACK_PER_HOUR",
    60,
    3600,
    "查询过于频繁：同一网络地址{window}最多查询 {limit} 次，请{minutes}分钟后再试",
)
TRACK_FAILURES = Bucket(
    "participation-track-fail",
    "GGZY_PARTICIPATION_TRACK_FAILURES_PER_10_MIN",
    10,
    600,
    "查询失败次数过多：同一网络地址{window}最多 {limit} 次查询码错误，请{minutes}分钟后再试",
)


def comment_attempt(request: HttpRequest) -> Refusal | None:
    return attempt(COMMENT, request)


def question_attempt(request: HttpRequest) -> Refusal | None:
    return attempt(QUESTION, request)


def track_attempt(request: HttpRequest) -> Refusal | None:
    """Refused while the address has too many wrong codes, else one attempt is counted."""
    return blocked(TRACK_FAILURES, request) or attempt(TRACK, request)


def track_failed(request: HttpRequest) -> None:
    hit(TRACK_FAILURES, request)


__all__ = [
    "COMMENT",
    "QUESTION",
    "TRACK",
    "TRACK_FAILURES",
    "Refusal",
    "comment_attempt",
    "question_attempt",
    "track_attempt",
    "track_failed",
]
