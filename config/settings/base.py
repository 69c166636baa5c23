"""Settings shared by every environment. Production differs only by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from ggzy.core.fieldcrypt import derive_key, encode_key
from ggzy.core.storage_url import StorageUrlError, parse_storage_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("GGZY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "insecure-dev-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"
)
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "ggzy.core",
    "ggzy.audit",
    "ggzy.accounts",
    "ggzy.workcalendar",
    "ggzy.search",
    "ggzy.compliance",
    "ggzy.publishing",
    "ggzy.disclosure",
    "ggzy.supervision",
    "ggzy.participation",
    "ggzy.trading",
    "ggzy.experts",
    "ggzy.opening",
    "ggzy.evaluation",
    "ggzy.annual_report",
    "ggzy.portal",
    "ggzy.api",
    "ggzy.platform",
]

MIDDLEWARE = [
    # First: a request id and the request metrics cover everything below it.
    "ggzy.platform.monitoring.RequestMonitorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ggzy.audit.context.AuditContextMiddleware",
    "ggzy.portal.middleware.GgzyErrorMiddleware",
    "ggzy.accounts.middleware.SecondFactorMiddleware",
    "ggzy.accounts.middleware.StaffIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ggzy" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "ggzy.portal.context_processors.site",
                "ggzy.publishing.context_processors.back_office",
            ],
        },
    }
]

# SQLite file used by `make run` and by every `ggzy` command unless DATABASE_URL says otherwise.
DEFAULT_SQLITE = VAR_DIR / "ggzy.sqlite3"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", f"sqlite:///{DEFAULT_SQLITE}"))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run during a write; IMMEDIATE takes the write lock at BEGIN so that two
    # writers never deadlock upgrading a read lock (matters for the audit chain head).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    # Reusing the connection saves an open (and a WAL checkpoint on close) per request.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "publishing:workbench"
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.environ.get("GGZY_MEDIA_ROOT", VAR_DIR / "files"))
MEDIA_URL = "/files/"
STORAGES = {
    # atomic writes: a file appears complete under its name or not at all (ggzy/core/storage.py)
    "default": {"BACKEND": "ggzy.core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# An S3-compatible object store instead (ggzy/core/s3.py, ADR 0032; docs/operations.md "File store
# (S3)"): GGZY_STORAGE_URL=s3://bucket/prefix?endpoint_url=…&region=…, credentials from
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Bid uploads then go to the store too
# (GGZY_BID_UPLOAD_AREA: "local" | "store"; empty = "store" unless the store is the local disk).
GGZY_STORAGE_URL = os.environ.get("GGZY_STORAGE_URL", "")
GGZY_BID_UPLOAD_AREA = os.environ.get("GGZY_BID_UPLOAD_AREA", "")
try:
    _object_store = parse_storage_url(GGZY_STORAGE_URL)
except StorageUrlError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(str(exc)) from exc
if _object_store is not None:
    # Bounded waits on an unreachable or stalled store (ggzy/core/s3.py: 5 s to connect, 60 s per
    # read, 3 attempts per call, 10 s for the pre-flight of backup/restore/drill unless set here).
    for _env, _option, _type in (
        ("GGZY_STORAGE_CONNECT_TIMEOUT", "connect_timeout", float),
        ("GGZY_STORAGE_READ_TIMEOUT", "read_timeout", float),
        ("GGZY_STORAGE_MAX_ATTEMPTS", "max_attempts", int),
        ("GGZY_STORAGE_PROBE_TIMEOUT", "probe_timeout", float),
    ):
        if os.environ.get(_env, "").strip():
            try:
                _object_store["OPTIONS"][_option] = _type(os.environ[_env])
            except ValueError as exc:
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured(f"{_env} 应为数字，不是 {os.environ[_env]!r}") from exc
    STORAGES["default"] = _object_store

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }

SESSION_COOKIE_HTTPONLY = True
# Sessions: 8 hours for everyone; staff of the center (and superusers) are logged out after
# GGZY_STAFF_SESSION_IDLE_SECONDS without a request (ggzy.accounts.middleware.StaffIdleTimeoutMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("GGZY_SESSION_SECONDS", str(8 * 60 * 60)))
GGZY_STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("GGZY_STAFF_SESSION_IDLE_SECONDS", str(30 * 60)))
# Login lockout (ggzy.accounts.throttle): this many failures for one username lock it this long.
GGZY_LOGIN_MAX_FAILURES = int(os.environ.get("GGZY_LOGIN_MAX_FAILURES", "5"))
GGZY_LOGIN_LOCK_SECONDS = int(os.environ.get("GGZY_LOGIN_LOCK_SECONDS", str(15 * 60)))
# 三员分立: trust store and TOTP resets only by the security administrator (docs/security.md).
GGZY_SEPARATE_ADMIN_ROLES = env_bool("GGZY_SEPARATE_ADMIN_ROLES", True)
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Uploads: checked by type (magic bytes) and size in ggzy.publishing.files.
GGZY_UPLOAD_MAX_BYTES = int(os.environ.get("GGZY_UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Evaluation clarification requests (ggzy.evaluation.services.clarification; ADR 0026): the
# deadline offered by default and the latest deadline the committee may set, in hours from now.
GGZY_EVALUATION_CLARIFICATION_HOURS = float(os.environ.get("GGZY_EVALUATION_CLARIFICATION_HOURS", "2"))
GGZY_EVALUATION_CLARIFICATION_MAX_HOURS = float(
    os.environ.get("GGZY_EVALUATION_CLARIFICATION_MAX_HOURS", "72")
)
# Minutes before a clarification's deadline at which `ggzy worker` reminds an unanswered bidder by
# SMS / e-mail (0 = no reminder). GGZY_SITE_URL: the site's address in those notices' links.
GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES = int(
    os.environ.get("GGZY_EVALUATION_CLARIFICATION_REMIND_MINUTES", "30")
)
GGZY_SITE_URL = os.environ.get("GGZY_SITE_URL", "")

# Outgoing e-mail (clarification notices, expert notices) over SMTP, configured from the
# environment. The timeout matters: without one, an unreachable relay would stall a worker tick
# for minutes; a failed send is recorded as a failed delivery and never rolls back the request.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("GGZY_SMTP_HOST", "localhost"),
            "port": int(os.environ.get("GGZY_SMTP_PORT", "25")),
            "username": os.environ.get("GGZY_SMTP_USER", ""),
            "password": os.environ.get("GGZY_SMTP_PASSWORD", ""),
            "use_tls": env_bool("GGZY_SMTP_STARTTLS", False),
            "use_ssl": env_bool("GGZY_SMTP_SSL", False),
            "timeout": float(os.environ.get("GGZY_SMTP_TIMEOUT", "10")),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("GGZY_MAIL_FROM", "ggzy-noreply@example.gov.cn")

# Outgoing SMS (expert-draw notices, clarification notices) through the center's HTTP SMS endpoint
# (ggzy/experts/sms.py; wire format and signature in docs/formats/sms-gateway.md). With
# GGZY_SMS_URL set, the SMS channel is that gateway — never the development console one — and the
# app key and secret must be set too. Timeouts in seconds; attempts bound retries on 5xx/connection
# errors. Without GGZY_SMS_URL, SMS go to the ConsoleGateway (the log) as in development.
GGZY_SMS_URL = os.environ.get("GGZY_SMS_URL", "").strip()
GGZY_SMS_APP_KEY = os.environ.get("GGZY_SMS_APP_KEY", "").strip()
GGZY_SMS_APP_SECRET = os.environ.get("GGZY_SMS_APP_SECRET", "")
GGZY_SMS_TEMPLATE_ID = os.environ.get("GGZY_SMS_TEMPLATE_ID", "").strip()
try:
    GGZY_SMS_CONNECT_TIMEOUT = float(os.environ.get("GGZY_SMS_CONNECT_TIMEOUT", "5"))
    GGZY_SMS_READ_TIMEOUT = float(os.environ.get("GGZY_SMS_READ_TIMEOUT", "10"))
    GGZY_SMS_MAX_ATTEMPTS = int(os.environ.get("GGZY_SMS_MAX_ATTEMPTS", "3"))
    GGZY_SMS_RETRY_BACKOFF = float(os.environ.get("GGZY_SMS_RETRY_BACKOFF", "0.5"))
except ValueError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"GGZY_SMS_* 超时/次数应为数字：{exc}") from exc
if GGZY_SMS_URL:
    if (
        not GGZY_SMS_URL.startswith(("https://", "http://"))
        or not GGZY_SMS_APP_KEY
        or not GGZY_SMS_APP_SECRET
    ):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "GGZY_SMS_URL 已设置：须为 http(s):// 地址，并同时设置 GGZY_SMS_APP_KEY 与 GGZY_SMS_APP_SECRET"
        )
    GGZY_EXPERTS = {
        "channels": {
            "email": "ggzy.experts.notify.EmailChannel",
            "sms": "ggzy.experts.sms.HttpSmsGateway",
            "voice": "ggzy.experts.notify.ConsoleGateway",
        }
    }

# Staff must enrol a TOTP second factor when this is on (production turns it on).
GGZY_REQUIRE_STAFF_TOTP = env_bool("GGZY_REQUIRE_STAFF_TOTP", False)
# Demo accounts are listed on the login page only when this is on (`make run` turns it on).
GGZY_SHOW_DEMO_USERS = env_bool("GGZY_SHOW_DEMO_USERS", False)

# The deployment's crypto suite (docs/formats/crypto-suites.md, ADR 0028): "intl" (ECDSA P-256,
# SHA-256, AES-GCM; default) or "sm" (SM2, SM3, SM4 — 商用密码 for 密评). It picks the platform key
# that signs audit checkpoints (sm: an SM2 key at GGZY_PLATFORM_KEY_PATH with "-sm2" before the
# suffix, created on first use), the audit chain's default hash (sm → SM3) and, when
# GGZY_FIELD_SUITE is empty, field encryption. Artefacts record their algorithm, so both verify.
GGZY_CRYPTO_SUITE = os.environ.get("GGZY_CRYPTO_SUITE", "intl")
if GGZY_CRYPTO_SUITE not in ("intl", "sm"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"GGZY_CRYPTO_SUITE must be 'intl' or 'sm', not {GGZY_CRYPTO_SUITE!r}")
# Platform signing key (ECDSA P-256, PEM) for audit checkpoints, receipts, opening records, backup
# manifests and award letters; created on first use. Under GGZY_CRYPTO_SUITE=sm all but award letters
# use its SM2 sibling ("-sm2" before the suffix); keep both files once the suite has changed.
GGZY_PLATFORM_KEY_PATH = Path(os.environ.get("GGZY_PLATFORM_KEY_PATH", VAR_DIR / "keys" / "platform-key.pem"))
# Hash used by the audit chain: "sha256" or "sm3" (default: sm3 under GGZY_CRYPTO_SUITE=sm).
GGZY_AUDIT_HASH = os.environ.get("GGZY_AUDIT_HASH", "sm3" if GGZY_CRYPTO_SUITE == "sm" else "sha256")
# Events between two automatic checkpoints written by the worker.
GGZY_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("GGZY_AUDIT_CHECKPOINT_EVERY", "500"))

# The public site's identity (国办发〔2017〕47号 requires these in the footer). All configurable.
GGZY_SITE = {
    "center_name": os.environ.get("GGZY_CENTER_NAME", "示范市公共资源交易中心"),
    "site_name": os.environ.get("GGZY_SITE_NAME", "示范市公共资源交易网"),
    "sponsor": os.environ.get("GGZY_SPONSOR", "示范市公共资源交易中心"),
    "site_code": os.environ.get("GGZY_SITE_CODE", "6404000000"),
    "domain": os.environ.get("GGZY_SITE_DOMAIN", "127.0.0.1"),
    "icp": os.environ.get("GGZY_ICP", "宁ICP备00000000号-1"),
    "police_record": os.environ.get("GGZY_POLICE_RECORD", "宁公网安备 64040002000000号"),
    "address": os.environ.get("GGZY_ADDRESS", "示范市民生大厦附楼"),
    "phone": os.environ.get("GGZY_PHONE", "0954-0000000"),
    "email": os.environ.get("GGZY_EMAIL", "ggzy@example.gov.cn"),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GGZY_LOG_LEVEL", "WARNING")},
}

# Page-view counts are buffered per process and flushed at most this often (seconds).
GGZY_VISIT_FLUSH_SECONDS = float(os.environ.get("GGZY_VISIT_FLUSH_SECONDS", "2"))

GGZY_OCDS_PREFIX = os.environ.get("GGZY_OCDS_PREFIX", "ocds-ggzy00")  # register one with OCP; ADR 0013

# Personal data at rest (identity numbers, contact details of disclosure applicants) is encrypted
# with AES-256-GCM (ggzy.core.fieldcrypt). GGZY_FIELD_KEYS: comma-separated base64 32-byte keys;
# the FIRST encrypts, ALL decrypt — rotate by putting a new key first, re-encrypting, then
# dropping the old one (docs/adr/0010-disclosure-clock.md). GGZY_FIELD_INDEX_KEY keys the blind
# index used to recognise the same applicant; it must stay stable. PRODUCTION MUST SET BOTH from a
# secret store: the defaults below are derived from SECRET_KEY (HKDF) for development only, and
# `ggzy check --deploy` warns (disclosure.W001) while they are in use.
GGZY_FIELD_KEYS_FROM_ENV = bool(os.environ.get("GGZY_FIELD_KEYS"))
GGZY_FIELD_KEYS = [k.strip() for k in os.environ.get("GGZY_FIELD_KEYS", "").split(",") if k.strip()] or [
    encode_key(derive_key(SECRET_KEY, info=b"ggzy field encryption key v1"))
]
GGZY_FIELD_INDEX_KEY = os.environ.get("GGZY_FIELD_INDEX_KEY") or encode_key(
    derive_key(SECRET_KEY, info=b"ggzy blind index key v1")
)
# SM4-GCM field keys (`gs1.` tokens; docs/adr/0029-sm4-field-encryption.md): base64 16-byte keys,
# same rules as GGZY_FIELD_KEYS. GGZY_FIELD_SUITE ("intl" | "sm") picks what new writes use; empty
# follows GGZY_CRYPTO_SUITE ("sm" → sm), else intl. Reads accept both; `ggzy fieldcrypt reencrypt`
# moves stored tokens (and blind-index digests: HMAC-SM3 under sm) to the current suite and key.
GGZY_FIELD_SUITE = os.environ.get("GGZY_FIELD_SUITE", "")
GGZY_FIELD_SM4_KEYS_FROM_ENV = bool(os.environ.get("GGZY_FIELD_SM4_KEYS"))
GGZY_FIELD_SM4_KEYS = [
    k.strip() for k in os.environ.get("GGZY_FIELD_SM4_KEYS", "").split(",") if k.strip()
] or [encode_key(derive_key(SECRET_KEY, info=b"ggzy field sm4 key v1", length=16))]

# The weekly broken-link crawl runs inside `ggzy worker` unless a separate process runs
# `ggzy links check` on its own schedule (the crawl may take up to its max_seconds).
GGZY_LINKCHECK_IN_WORKER = os.environ.get("GGZY_LINKCHECK_IN_WORKER", "1") == "1"

# Backups (ggzy backup / restore / backup drill; docs/operations.md). GGZY_BACKUP_KEY: base64 of
# 32 random bytes (AES-256-GCM); keep it in the secret store AND offline — a backup cannot be
# restored without it. Without it, development creates one under var/keys/ (and says so loudly);
# production refuses to run (GGZY_BACKUP_REQUIRE_KEY).
GGZY_BACKUP_KEY = os.environ.get("GGZY_BACKUP_KEY", "")
GGZY_BACKUP_KEY_PATH = VAR_DIR / "keys" / "backup-key.b64"
GGZY_BACKUP_REQUIRE_KEY = env_bool("GGZY_BACKUP_REQUIRE_KEY", False)
GGZY_BACKUP_DIR = Path(os.environ.get("GGZY_BACKUP_DIR", VAR_DIR / "backups"))
# The worker runs a restore drill when the last one is older than this (days; 0 = never).
GGZY_BACKUP_DRILL_EVERY_DAYS = float(os.environ.get("GGZY_BACKUP_DRILL_EVERY_DAYS", "7"))

# Monitoring (ggzy.platform.monitoring): /metrics answers the listed addresses or a bearer token.
GGZY_METRICS_ALLOWED_IPS = [
    ip.strip() for ip in os.environ.get("GGZY_METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",") if ip.strip()
]
GGZY_METRICS_TOKEN = os.environ.get("GGZY_METRICS_TOKEN", "")
# Request counters are kept per process and added to the shared cache at most this often.
GGZY_METRICS_FLUSH_SECONDS = float(os.environ.get("GGZY_METRICS_FLUSH_SECONDS", "5"))

# Trading statistics (ggzy.evaluation.stats; ADR 0027): the bidders' estimated savings from
# paperless, remote trading = bids × (printing + travel per bid), in 元. Assumed defaults (200 + 300)
# make the 2021 report's "about 4.5 million 元 a year" plausible at ≈ 9,000 bids; set your own.
GGZY_SAVINGS_PRINTING_PER_BID_YUAN = os.environ.get("GGZY_SAVINGS_PRINTING_PER_BID_YUAN", "200")
GGZY_SAVINGS_TRAVEL_PER_BID_YUAN = os.environ.get("GGZY_SAVINGS_TRAVEL_PER_BID_YUAN", "300")
