"""Login throttling and lockout: after GGZY_LOGIN_MAX_FAILURES (5) failures for one username, or 20
from one address, within GGZY_LOGIN_LOCK_SECONDS (15 minutes), further attempts are refused until
the window passes; the moment a username or address becomes locked is audited (``login.locked``).
Counters live in the cache (Redis in production), so every web process shares them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from ggzy.audit.services import audit_record

WINDOW_SECONDS = 15 * 60
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20


def _keys(username: str, address: str) -> tuple[str, str]:
    # Hashed so the cache never holds raw usernames or addresses.
    u = hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    a = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"login-fail:u:{u}", f"login-fail:a:{a}"


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "GGZY_LOGIN_MAX_FAILURES", MAX_PER_USERNAME)),
        int(getattr(settings, "GGZY_LOGIN_LOCK_SECONDS", WINDOW_SECONDS)),
    )


def is_locked(username: str, address: str) -> bool:
    ku, ka = _keys(username, address)
    max_user, _ = _limits()
    return (cache.get(ku) or 0) >= max_user or (cache.get(ka) or 0) >= MAX_PER_ADDRESS


def record_failure(username: str, address: str) -> bool:
    """Count one failed login; True (and an audit event) when this failure locks the username or
    the address."""
    max_user, window = _limits()
    counts = []
    for key in _keys(username, address):
        if cache.add(key, 1, window):
            counts.append(1)
            continue
        try:
            counts.append(cache.incr(key))
        except ValueError:
            cache.set(key, 1, window)
            counts.append(1)
    locked_now = counts[0] == max_user or counts[1] == MAX_PER_ADDRESS
    if locked_now:
        with transaction.atomic():
            audit_record(
                actor=None,
                action="login.locked",
                target=None,
                data={
                    "username": username[:150],
                    "by": "username" if counts[0] == max_user else "address",
                    "seconds": window,
                },
            )
    return locked_now


def reset(username: str) -> None:
    ku, _ = _keys(username, "")
    cache.delete(ku)


# Public agency registration: at most this many accounts per address per hour (a real agency
# registers once; a script creating accounts in bulk is stopped).
REGISTRATION_WINDOW_SECONDS = 60 * 60
MAX_REGISTRATIONS_PER_ADDRESS = 5


def _registration_key(address: str) -> str:
    return "agency-register:a:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def registration_allowed(address: str) -> bool:
    return (cache.get(_registration_key(address)) or 0) < MAX_REGISTRATIONS_PER_ADDRESS


def record_registration(address: str) -> None:
    key = _registration_key(address)
    if not cache.add(key, 1, REGISTRATION_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, REGISTRATION_WINDOW_SECONDS)
