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
# The demo writes the demo agency's key files here (``VAR_DIR/demo-keys``); one folder per test
# process, because CI runs the SQLite and PostgreSQL suites side by side in one checkout.
GGZY_DEMO_KEY_DIR = _TMP / "demo-keys"
GGZY_BACKUP_KEY_PATH = _TMP / "keys" / "backup-key.b64"
GGZY_BACKUP_DIR = _TMP / "backups"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
GGZY_SHOW_DEMO_USERS = True
GGZY_VISIT_FLUSH_SECONDS = 0.0
# No crawl of 127.0.0.1:8000 from worker ticks in tests (the crawler has its own live-server tests).
GGZY_LINKCHECK_IN_WORKER = False
# Fixtures across the apps use one system administrator for the trust store too; the separation
# of administrators is tested with this turned on (ggzy/security/tests/test_admin_roles.py).
GGZY_SEPARATE_ADMIN_ROLES = False
# No restore drill from worker ticks in tests (the drill has its own tests, which turn it on).
GGZY_BACKUP_DRILL_EVERY_DAYS = 0.0
