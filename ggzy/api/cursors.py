"""Opaque keyset cursors: a position ``(moment, pk)`` in one ordering, as base64url text.

A cursor names the last item a client has seen, not a page number, so rows inserted in front of
it (new publications) never shift what comes after it: no duplicates, no gaps. The payload is
``<scope>.<microseconds since the epoch, UTC>.<pk>``; the scope stops a cursor of one list from
being used on another. Clients must treat the text as opaque; its form may change with the
version of the API.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass

from ggzy.core.errors import ValidationFailed

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_CURSOR_CHARS = 120
_PAYLOAD = re.compile(r"^([a-z]{1,12})\.(\d{1,17})\.(\d{1,19})$")
_MAX_PK = 2**63 - 1
_MAX_MICROS = int((dt.datetime(9999, 1, 1, tzinfo=dt.UTC) - EPOCH) / dt.timedelta(microseconds=1))


@dataclass(frozen=True)
class Position:
    moment: dt.datetime
    pk: int


def encode_cursor(scope: str, moment: dt.datetime, pk: int) -> str:
    micros = (moment - EPOCH) // dt.timedelta(microseconds=1)
    raw = f"{scope}.{micros}.{pk}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(scope: str, token: str, *, field: str = "cursor") -> Position:
    """The position in ``token``; a token that is malformed or belongs to another list is refused
    with a 400 (``validation_failed``) naming ``field``."""
    problem = "游标无效：请使用上一页响应中返回的 next_cursor 原样传回"
    if not token or len(token) > MAX_CURSOR_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise ValidationFailed(problem, fields={field: "游标无效"})
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(problem, fields={field: "游标无效"}) from None
    match = _PAYLOAD.match(raw)
    if match is None or match.group(1) != scope:
        raise ValidationFailed(problem, fields={field: "游标无效"})
    micros, pk = int(match.group(2)), int(match.group(3))
    if micros > _MAX_MICROS or not 0 < pk <= _MAX_PK:
        raise ValidationFailed(problem, fields={field: "游标无效"})
    return Position(moment=EPOCH + dt.timedelta(microseconds=micros), pk=pk)


# ---------------------------------------------------------------- change-feed positions
#
# The notice change feed is ordered by the audit chain (docs/adr/0013-open-data.md): a position is
# ``(seq, pk)`` — the audit event's sequence number and, for an event that covers a batch of
# notices (the demo loader's ``demo.load``), the notice id within it. Payload ``<scope>.<seq>.<pk>``.

FEED_SCOPE_V2 = "fq"


@dataclass(frozen=True, order=True)
class FeedPosition:
    seq: int
    pk: int


def encode_feed_cursor(position: FeedPosition) -> str:
    raw = f"{FEED_SCOPE_V2}.{position.seq}.{position.pk}".encode("ascii")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_feed_cursor(token: str, *, legacy_scope: str, field: str = "since") -> FeedPosition | Position:
    """A change-feed position, or the ``Position`` of a cursor issued before 0012 (scope
    ``legacy_scope``: ``updated_at`` + pk), which the caller translates. Anything else is a 400."""
    problem = "游标无效：请使用上一页响应中返回的 next_cursor 原样传回"
    if not token or len(token) > MAX_CURSOR_CHARS or not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise ValidationFailed(problem, fields={field: "游标无效"})
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationFailed(problem, fields={field: "游标无效"}) from None
    match = _PAYLOAD.match(raw)
    if match is not None and match.group(1) == FEED_SCOPE_V2:
        seq, pk = int(match.group(2)), int(match.group(3))
        if seq > _MAX_PK or pk > _MAX_PK:
            raise ValidationFailed(problem, fields={field: "游标无效"})
        return FeedPosition(seq=seq, pk=pk)
    return decode_cursor(legacy_scope, token, field=field)
