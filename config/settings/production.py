"""Production: everything comes from the environment; `manage.py check --deploy` is clean."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SECURE_SSL_REDIRECT = env_bool("GGZY_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("GGZY_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
GGZY_REQUIRE_STAFF_TOTP = env_bool("GGZY_REQUIRE_STAFF_TOTP", True)
GGZY_SEPARATE_ADMIN_ROLES = True  # 三员分立 is not optional in production
GGZY_SHOW_DEMO_USERS = False

# Backups must be encrypted with a key from the secret store, never a generated one.
GGZY_BACKUP_REQUIRE_KEY = True
# Probes come over plain HTTP from the load balancer / nginx on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
# One JSON object per line on stdout, each with the request id (X-Request-ID, set by nginx);
# the log shipper keeps them ≥ 6 months (docs/operations.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ggzy.platform.monitoring.RequestIdFilter"}},
    "formatters": {"json": {"()": "ggzy.platform.monitoring.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GGZY_LOG_LEVEL", "WARNING")},
    "loggers": {
        "ggzy.request": {"level": os.environ.get("GGZY_REQUEST_LOG_LEVEL", "INFO")},
        "ggzy.backup": {"level": "INFO"},
        "ggzy.worker": {"level": "INFO"},
    },
}
