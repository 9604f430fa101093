"""Settings for the city health-information sharing hub.

One module, driven by environment variables (12-factor) through django-environ.
Every variable that is absent takes the *embedded default*: SQLite under
``var/``, the local-memory cache, eager Celery and the province simulator on
localhost, so ``make run`` needs no setup. ``.env.example`` lists every
variable. With ``HUB_ENV=production`` a missing secret stops start-up with a
message naming it; there is no insecure fallback.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hub.gm import GMError, parse_key_hex
from hub.settings_domain import domain_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("HUB_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR.mkdir(parents=True, exist_ok=True)

HUB_ENV = env.str("HUB_ENV", default="development")
PRODUCTION = HUB_ENV == "production"

# Development-only fallbacks. In production every one of these must be set.
_DEV_SECRETS = {
    "SECRET_KEY": "dev-insecure-secret-key-do-not-use-in-production",
    # 32 hex characters (16 bytes): SM4-GCM key for secrets and personal data at rest.
    "HUB_MASTER_KEY": "00112233445566778899aabbccddeeff",
    # Key of the HMAC-SM3 digests used to look up ID and phone numbers.
    "HUB_DIGEST_KEY": "ffeeddccbbaa99887766554433221100",
}


def _secret(name: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"HUB_ENV=production requires the environment variable {name}; "
            "there is no insecure fallback (see .env.example)."
        )
    return _DEV_SECRETS[name]


SECRET_KEY = _secret("SECRET_KEY")
HUB_MASTER_KEY = _secret("HUB_MASTER_KEY")
HUB_DIGEST_KEY = _secret("HUB_DIGEST_KEY")
try:  # caught here rather than at the first seal, mid-request
    parse_key_hex(HUB_MASTER_KEY)
except GMError:
    raise ImproperlyConfigured(
        "HUB_MASTER_KEY must be 32 hexadecimal characters (an SM4 key)."
    ) from None
if PRODUCTION:
    # PROVINCE_VIEWER_URL too: the guide leaves the viewer's address blank, and
    # a path guessed under PROVINCE_BASE_URL would hand doctors broken links.
    for _name in (
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "PROVINCE_BASE_URL",
        "PROVINCE_VIEWER_URL",
    ):
        if not env.str(_name, default=""):
            raise ImproperlyConfigured(
                f"HUB_ENV=production requires the environment variable {_name} (see .env.example)."
            )

# Django's debug pages show settings and cookies: only when asked for (DEBUG=1).
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Admin and API on different hosts (the back office must not face the internet).
# When ADMIN_HOSTS is set, /admin/ answers only on those hosts and 404 elsewhere.
ADMIN_HOSTS = env.list("ADMIN_HOSTS", default=[])
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=True)

INSTALLED_APPS = [
    "hospitals.adminapp.HubAdminConfig",  # django.contrib.admin with the 2FA site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # back-office login lockout (docs/hospitals.md)
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served from here: no CDN
    # Dependencies point one way, each app importing only those above it
    # (docs/architecture.md; tests/test_layout.py keeps it so).
    "hub",
    "hospitals",
    "identity",
    "audit",
    "relay",
    "alerts",
    "complaints",
    "patients",
]

MIDDLEWARE = [
    # First: every later layer (and its log lines) sees the request id.
    "hub.ops.middleware.RequestIdMiddleware",
    "hub.ops.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Strict CSP, referrer and no-store headers on every answer under /me/.
    "patients.middleware.PatientPageHeadersMiddleware",
    "hospitals.middleware.AdminHostMiddleware",
    "hub.errors.ApiErrorShapeMiddleware",
    # hub.page_middleware: Django's own, skipped on the signed hospital API.
    "hub.page_middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "hub.page_middleware.CsrfViewMiddleware",
    "hub.page_middleware.AuthenticationMiddleware",
    "audit.middleware.AccessLogMiddleware",
    "hub.page_middleware.OTPMiddleware",
    "hub.page_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for a lockout into the Chinese lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "hub" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hub.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The embedded default under concurrency: a transaction takes the write
    # lock when it begins (a deferred one that later writes can only fail with
    # "database is locked"), waits up to 20 s for it, and readers do not block
    # the writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, minus a redis-py client built per operation (hub/cache.py).
            "BACKEND": "hub.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="hub"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "hub" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Room for two 5 MiB photos as base64 in one face verification.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=16 * 1024 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "hub.errors.exception_handler",
    # A signed OPTIONS answers the province's shape, not DRF's view metadata.
    "DEFAULT_METADATA_CLASS": "hub.metadata.AllowedMethods",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

# /api/schema/ and /api/docs/ (docs/api.md). The docs page's scripts come from
# the sidecar package's static files, never from a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "共享平台接口 / City health-information sharing hub API",
    "DESCRIPTION": (
        "供医疗机构调用的签名 JSON 接口（x-tif 请求头签名，身份证号、手机号为 SM4 十六进制密文）。"
        '每个应答：{"returnCode": "1", "returnDesc", "data"} 或 '
        '{"returnCode": "0", "returnDesc", "errorCode"}；请按 errorCode 处理。时间均为北京时间 '
        "ISO 8601（如 2026-12-01T08:00:00.000000+08:00）。对接指南：docs/zh/integrator-guide.md。\n\n"
        "Signed JSON API for member hospitals (x-tif headers, SM4 hex for ID and phone "
        'numbers). Every answer: {"returnCode": "1", "returnDesc", "data"} or '
        '{"returnCode": "0", "returnDesc", "errorCode"}; act on errorCode. Times are ISO 8601 '
        "in Beijing time. See docs/api.md and docs/error-codes.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "SuccessReturnCodeEnum": ["1"],
        "FailureReturnCodeEnum": ["0"],
        "AuthorizationStateEnum": "relay.models.State",
        "ComplaintStateEnum": "complaints.lifecycle.State.values",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hub.openapi.ops_paths",
    ],
}

# --- Celery -----------------------------------------------------------------
# No broker configured = eager: tasks run in-process, which is the embedded default.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
# One queue name per deployment sharing a broker (and per test run: see
# tests/fixtures/complaints.py).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged message (acks_late: the worker died mid-task) is handed out
# again after visibility_timeout seconds; the restore scan runs every
# interval x throttle seconds. Tests that kill a worker use small values.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_BEAT_SCHEDULE: dict = {}  # filled by hub.celery from each app's schedule

# --- The hub's own settings (hub/settings_domain.py) ----------------------------
# The province, consents and their sync, patient verification, complaints,
# real-name registration, alerts and WeChat.
globals().update(domain_settings(env, production=PRODUCTION, var_dir=VAR_DIR))

# --- Signed requests ------------------------------------------------------------
XTIF_MAX_SKEW_SECONDS = 180
# Where seen nonces are kept: "cache" (Redis) or "database" (survives a restart
# without Redis); by default "cache" with REDIS_URL, else "database".
XTIF_NONCE_STORE = env.str("XTIF_NONCE_STORE", default="cache" if REDIS_URL else "database")
if XTIF_NONCE_STORE not in ("cache", "database"):
    raise ImproperlyConfigured('XTIF_NONCE_STORE must be "cache" or "database".')
# Proxies (addresses or CIDRs) whose X-Forwarded-For is believed: nginx in production.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Hub credentials: how long a rotated pair keeps working, and how long decrypted
# credentials stay cached in each process.
HUB_CREDENTIAL_OVERLAP_HOURS = env.float("HUB_CREDENTIAL_OVERLAP_HOURS", default=24)
HUB_CREDENTIAL_CACHE_SECONDS = env.float("HUB_CREDENTIAL_CACHE_SECONDS", default=5)
# Per-hospital throttle when a hospital has no rate of its own ("off" disables).
HOSPITAL_THROTTLE_DEFAULT_RATE = env.str("HOSPITAL_THROTTLE_DEFAULT_RATE", default="1200/min")

# --- E-mail -------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hub@localhost")
# CITY_MAILBOX and PROVINCE_JOINT_TEST_EMAIL: hub/settings_domain.py.

# --- Logging -------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# json (one object per line, with request_id) or plain; see docs/operations.md.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "hub.ops.logging.RequestIdFilter"},
        "redact": {"()": "hub.ops.logging.RedactFilter"},
    },
    "formatters": {
        "plain": {"()": "hub.ops.logging.PlainFormatter"},
        "json": {"()": "hub.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT.lower() == "json" else "plain",
            "filters": ["request_id", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.server": {"level": "WARNING"}},
}

# --- Operations: readiness and metrics (docs/operations.md) ---------------------------
# /metrics answers these networks (the direct peer address), or a bearer token.
METRICS_ALLOWED_IPS = env.list(
    "METRICS_ALLOWED_IPS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Per-check timeout of /readyz, and how long the province probe result is reused.
READYZ_TIMEOUT_SECONDS = env.float("READYZ_TIMEOUT_SECONDS", default=1.5)
READYZ_PROVINCE_CACHE_SECONDS = env.float("READYZ_PROVINCE_CACHE_SECONDS", default=10.0)
# Components reported by /readyz without failing it (e.g. province).
READYZ_SOFT_CHECKS = env.list("READYZ_SOFT_CHECKS", default=[])


# --- Back-office login (docs/hospitals.md) ------------------------------------------------
# The admin asks for username, password and the authenticator (TOTP) code.
# django-axes counts failed logins (a wrong password, or a right one with a wrong
# code) per username AND client address together (the address as hospitals.clientip
# reads it: nginx's X-Forwarded-For from TRUSTED_PROXIES). After
# AXES_FAILURE_LIMIT failures within the cool-off, that username is refused from
# that address for AXES_COOLOFF_MINUTES after the last counted failure, even with
# the right password and code; a city administrator can unlock it earlier in the
# admin. A successful login forgets the failures of its username and address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
# Axes reads a float as hours.
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "hospitals.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
# Refused tries while locked do not extend the lock (it ends COOLOFF after the lock).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "hospitals.admin_site.lockout_response"
# Never stored in the attempts' copy of the posted form.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
# The admin never shows a TOTP key or its QR again once the device exists.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The issuer authenticator apps show beside the username (otpauth:// URI of otp_enroll).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="市健康医疗信息共享平台")
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= 0:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be positive.")
# --- end of Back-office login -------------------------------------------------------------
