"""The test suite. DATABASE_URL selects PostgreSQL; otherwise an in-memory SQLite database."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "DATABASE_URL" not in os.environ:
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory for speed

_TMP = Path(tempfile.mkdtemp(prefix="ggzy-test-"))
MEDIA_ROOT = _TMP / "files"
GGZY_PLATFORM_KEY_PATH = _TMP / "keys" / "platform-key.pem"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
GGZY_SHOW_DEMO_USERS = True
GGZY_VISIT_FLUSH_SECONDS = 0.0
