"""Login throttling: after 5 failures for one username or 20 from one address within 15 minutes,
further attempts are refused until the window passes. Counters live in the cache (Redis in
production), so every web process shares them."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20


def _keys(username: str, address: str) -> tuple[str, str]:
    # Hashed so the cache never holds raw usernames or addresses.
    u = hashlib.sha256(username.lower().encode()).hexdigest()[:32]
    a = hashlib.sha256(address.encode()).hexdigest()[:32]
    return f"login-fail:u:{u}", f"login-fail:a:{a}"


def is_locked(username: str, address: str) -> bool:
    ku, ka = _keys(username, address)
    return (cache.get(ku) or 0) >= MAX_PER_USERNAME or (cache.get(ka) or 0) >= MAX_PER_ADDRESS


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, WINDOW_SECONDS)


def reset(username: str) -> None:
    ku, _ = _keys(username, "")
    cache.delete(ku)
