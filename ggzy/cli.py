"""The ``ggzy`` command: Django's manage.py with the project's defaults.

``ggzy serve``, ``ggzy worker``, ``ggzy demo``, ``ggzy bench``, ``ggzy audit verify`` and
``ggzy calendar …`` are management commands of the apps; every other Django command passes
through (``ggzy migrate``, ``ggzy check``). DATABASE_URL selects the database; without it the
SQLite file under var/ that ``make run`` uses.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "ggzy"
    if len(args) == 1:
        args.append("help")
    from django.conf import settings

    # The SQLite file's folder must exist before Django opens it.
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and str(db["NAME"]) not in ("", ":memory:"):
        os.makedirs(os.path.dirname(str(db["NAME"])) or ".", exist_ok=True)
    execute_from_command_line(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
