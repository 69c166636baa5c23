"""Helpers for tests that run the real ``ggzy`` command in a child process against a throw-away
SQLite file (never the developer's var/ggzy.sqlite3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GGZY = str(Path(sys.executable).with_name("ggzy"))


@pytest.fixture(scope="session")
def child_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for child ``ggzy`` processes: local settings, a migrated SQLite file in a temp
    folder, and GGZY_VAR_DIR there too (static files, platform key)."""
    var = tmp_path_factory.mktemp("ggzy-var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{var / 'child.sqlite3'}",
        "GGZY_VAR_DIR": str(var),
        "PYTHONUNBUFFERED": "1",
    }
    subprocess.run([GGZY, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    return env
