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

# --- The province -------------------------------------------------------------
PROVINCE_SIMULATOR_PORT = env.int("PROVINCE_SIMULATOR_PORT", default=8001)
PROVINCE_BASE_URL = env.str(
    "PROVINCE_BASE_URL", default=f"http://127.0.0.1:{PROVINCE_SIMULATOR_PORT}"
).rstrip("/")
# The seed leaves the viewer's address blank: it is configuration. Unset means
# the simulator's viewer under PROVINCE_BASE_URL.
PROVINCE_VIEWER_URL = env.str("PROVINCE_VIEWER_URL", default="") or (
    PROVINCE_BASE_URL + "/ebus/jiankangdangan/gdehr/viewer"
)
# The joint-test target (docs/relay.md, "Targets"): where the traffic of a
# hospital not yet live goes (its consents are marked province_target=test).
# Unset = the simulator ("off" in production, where no simulator runs);
# "off" = no joint test (the stages before live are refused).
PROVINCE_TEST_BASE_URL = env.str(
    "PROVINCE_TEST_BASE_URL",
    default="off" if PRODUCTION else f"http://127.0.0.1:{PROVINCE_SIMULATOR_PORT}",
).rstrip("/")
if PROVINCE_TEST_BASE_URL.lower() == "off":
    PROVINCE_TEST_BASE_URL = ""
PROVINCE_TEST_VIEWER_URL = env.str("PROVINCE_TEST_VIEWER_URL", default="") or (
    PROVINCE_TEST_BASE_URL + "/ebus/jiankangdangan/gdehr/viewer" if PROVINCE_TEST_BASE_URL else ""
)
if PRODUCTION and PROVINCE_TEST_BASE_URL and not env.str("PROVINCE_TEST_VIEWER_URL", default=""):
    # As for the live viewer: a guessed path would hand doctors broken links.
    raise ImproperlyConfigured(
        "HUB_ENV=production with PROVINCE_TEST_BASE_URL requires PROVINCE_TEST_VIEWER_URL "
        "(see .env.example)."
    )
PROVINCE_CONNECT_TIMEOUT = env.float("PROVINCE_CONNECT_TIMEOUT", default=3.0)
PROVINCE_READ_TIMEOUT = env.float("PROVINCE_READ_TIMEOUT", default=10.0)
# The government extranet: an outbound proxy (http://host:port; HTTPS is
# tunnelled) and a CA bundle (PEM file) for the province's certificate. The
# client ignores HTTP(S)_PROXY and the system CA variables on purpose.
PROVINCE_PROXY_URL = env.str("PROVINCE_PROXY_URL", default="")
PROVINCE_CA_BUNDLE = env.str("PROVINCE_CA_BUNDLE", default="")
if PROVINCE_CA_BUNDLE and not Path(PROVINCE_CA_BUNDLE).is_file():
    raise ImproperlyConfigured(f"PROVINCE_CA_BUNDLE={PROVINCE_CA_BUNDLE} is not a file.")
# Simulator state (accounts, registered orgs) for `manage.py run_province`.
PROVINCE_SIM_CONFIG = env.str("PROVINCE_SIM_CONFIG", default=str(VAR_DIR / "province-sim.json"))

# --- Authorizations and their sync to the province (docs/relay.md) ---------------
# A pending on-site request (sms/authcode/face) not verified within this many hours expires.
AUTHORIZATION_PENDING_TTL_HOURS = env.float("AUTHORIZATION_PENDING_TTL_HOURS", default=24)
# Province sync retries: base x 2^(attempt-1) seconds, capped; the task retries
# that many times, then the sweeper (every SWEEP seconds) keeps trying at the cap.
AUTHORIZATION_SYNC_RETRY_BASE_SECONDS = env.float(
    "AUTHORIZATION_SYNC_RETRY_BASE_SECONDS", default=10
)
AUTHORIZATION_SYNC_RETRY_MAX_SECONDS = env.float(
    "AUTHORIZATION_SYNC_RETRY_MAX_SECONDS", default=1800
)
AUTHORIZATION_SYNC_MAX_RETRIES = env.int("AUTHORIZATION_SYNC_MAX_RETRIES", default=12)
AUTHORIZATION_SYNC_SWEEP_SECONDS = env.float("AUTHORIZATION_SYNC_SWEEP_SECONDS", default=60)
AUTHORIZATION_EXPIRE_SWEEP_SECONDS = env.float("AUTHORIZATION_EXPIRE_SWEEP_SECONDS", default=300)
# Trusted consent (docs/trust.md). An SMS code goes to the patient's phone of
# record; with none, "refuse" the SMS request or "allow" it to the hospital's
# phone, the consent marked "unverified phone".
SMS_UNRECORDED_PHONE = env.str("SMS_UNRECORDED_PHONE", default="refuse")
if SMS_UNRECORDED_PHONE not in ("refuse", "allow"):
    raise ImproperlyConfigured('SMS_UNRECORDED_PHONE must be "refuse" or "allow".')
# Where a patient's consent to a view is taken (docs/relay.md, "The viewer
# entry"): "hub" (the hub's own consent required) or "province" (without one,
# views still go to the province viewer, which runs its own modes 2 and 3).
# A hospital's own setting (Hospital.consent_at) overrides it.
CONSENT_AT = env.str("CONSENT_AT", default="hub")
if CONSENT_AT not in ("hub", "province"):
    raise ImproperlyConfigured('CONSENT_AT must be "hub" or "province".')
# Per patient, across hospitals: open verification requests at once, failed
# verifications a day before new requests are refused for PATIENT_BLOCK_HOURS.
PATIENT_OPEN_REQUESTS_MAX = env.int("PATIENT_OPEN_REQUESTS_MAX", default=3)
PATIENT_DAILY_FAILURES_MAX = env.int("PATIENT_DAILY_FAILURES_MAX", default=10)
PATIENT_BLOCK_HOURS = env.int("PATIENT_BLOCK_HOURS", default=24)
# Mode-1 consents (the HIS asserts the patient agreed) a hospital may relay per
# day unless its own cap is set; past it "refuse" (429) or "review" (held,
# pending, until a city administrator decides in the admin).
MODE1_DAILY_CAP = env.int("MODE1_DAILY_CAP", default=500)
MODE1_OVER_CAP = env.str("MODE1_OVER_CAP", default="refuse")
if MODE1_OVER_CAP not in ("refuse", "review"):
    raise ImproperlyConfigured('MODE1_OVER_CAP must be "refuse" or "review".')
# Consent notices to the patient's phone of record: the first of a day at once,
# later ones batched every NOTICE_BATCH_MINUTES, at most NOTICE_MAX_PER_DAY
# messages a day. Their one-tap revoke links start with PATIENT_PAGES_BASE_URL
# (the public address of the patient pages; set it in production).
NOTICE_BATCH_MINUTES = env.int("NOTICE_BATCH_MINUTES", default=60)
NOTICE_MAX_PER_DAY = env.int("NOTICE_MAX_PER_DAY", default=3)
PATIENT_PAGES_BASE_URL = env.str(
    "PATIENT_PAGES_BASE_URL", default="" if PRODUCTION else "http://127.0.0.1:8000"
)

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

# --- Patient verification -------------------------------------------------------
# The patient pages (/me/, docs/patient-pages.md): their own session cookie,
# signed out after this idle time and at the latest after the maximum.
PATIENT_SESSION_IDLE_SECONDS = env.int("PATIENT_SESSION_IDLE_SECONDS", default=15 * 60)
PATIENT_SESSION_MAX_SECONDS = env.int("PATIENT_SESSION_MAX_SECONDS", default=2 * 60 * 60)
PATIENT_LOGIN_PER_IP_HOURLY = env.int("PATIENT_LOGIN_PER_IP_HOURLY", default=20)

SMS_BACKEND = env.str("SMS_BACKEND", default="identity.sms.backends.file.FileBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.jsonl"))
SMS_CONNECT_TIMEOUT = env.float("SMS_CONNECT_TIMEOUT", default=3.0)
SMS_READ_TIMEOUT = env.float("SMS_READ_TIMEOUT", default=5.0)
# Provider adapter (SMS_BACKEND=identity.sms.backends.aliyun.AliyunBackend).
SMS_ALIYUN_ENDPOINT = env.str("SMS_ALIYUN_ENDPOINT", default="https://dysmsapi.aliyuncs.com")
SMS_ALIYUN_ACCESS_KEY_ID = env.str("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env.str("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env.str("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_TEMPLATE_CODE = env.str("SMS_ALIYUN_TEMPLATE_CODE", default="")
AUTHCODE_PUSH_BACKEND = env.str(
    "AUTHCODE_PUSH_BACKEND", default="identity.push.backends.none.NoPushBackend"
)
FACE_BACKEND = env.str("FACE_BACKEND", default="identity.face.backends.dlib_local.DlibBackend")
FACE_DISTANCE_THRESHOLD = env.float("FACE_DISTANCE_THRESHOLD", default=0.6)
FACE_MAX_IMAGE_BYTES = env.int("FACE_MAX_IMAGE_BYTES", default=5 * 1024 * 1024)
FACE_MIN_IMAGE_SIDE = env.int("FACE_MIN_IMAGE_SIDE", default=64)
FACE_MAX_IMAGE_PIXELS = env.int("FACE_MAX_IMAGE_PIXELS", default=25_000_000)
# Provider adapter (FACE_BACKEND=identity.face.backends.tencent.TencentBackend).
FACE_PROVIDER_URL = env.str("FACE_PROVIDER_URL", default="https://iai.tencentcloudapi.com")
FACE_PROVIDER_SECRET_ID = env.str("FACE_PROVIDER_SECRET_ID", default="")
FACE_PROVIDER_SECRET_KEY = env.str("FACE_PROVIDER_SECRET_KEY", default="")
FACE_PROVIDER_REGION = env.str("FACE_PROVIDER_REGION", default="ap-guangzhou")
FACE_PROVIDER_SCORE_THRESHOLD = env.float("FACE_PROVIDER_SCORE_THRESHOLD", default=50.0)
FACE_PROVIDER_TIMEOUT = env.float("FACE_PROVIDER_TIMEOUT", default=10.0)
if PRODUCTION and FACE_BACKEND.endswith(".tencent.TencentBackend"):
    for _name in ("FACE_PROVIDER_SECRET_ID", "FACE_PROVIDER_SECRET_KEY"):
        if not env.str(_name, default=""):
            raise ImproperlyConfigured(
                f"FACE_BACKEND={FACE_BACKEND} requires the environment variable {_name}."
            )

# --- Audit ---------------------------------------------------------------------------
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=190)
AUDIT_SYNCHRONOUS_COMMIT = env.bool("AUDIT_SYNCHRONOUS_COMMIT", default=False)
AUDIT_REPORT_GROUP = env.str("AUDIT_REPORT_GROUP", default="")
AUDIT_CHART_FONT = env.str("AUDIT_CHART_FONT", default="")

# --- Complaints (docs/complaints.md) -------------------------------------------------
# Deadlines in working days (Mon-Fri minus COMPLAINTS_HOLIDAYS plus
# COMPLAINTS_EXTRA_WORKDAYS, ISO dates), counted from routing.
COMPLAINTS_ACK_WORKING_DAYS = env.float("COMPLAINTS_ACK_WORKING_DAYS", default=2)
COMPLAINTS_RESOLVE_WORKING_DAYS = env.float("COMPLAINTS_RESOLVE_WORKING_DAYS", default=10)
COMPLAINTS_HOLIDAYS = env.list("COMPLAINTS_HOLIDAYS", default=[])
COMPLAINTS_EXTRA_WORKDAYS = env.list("COMPLAINTS_EXTRA_WORKDAYS", default=[])
# Seconds between delivery attempts after a transient failure; after the last,
# the complaint is escalated to the city.
COMPLAINTS_RETRY_SCHEDULE = env.list(
    "COMPLAINTS_RETRY_SCHEDULE", cast=float, default=[60, 300, 1800, 7200, 21600]
)
COMPLAINTS_HTTP_CONNECT_TIMEOUT = env.float("COMPLAINTS_HTTP_CONNECT_TIMEOUT", default=3.0)
COMPLAINTS_HTTP_READ_TIMEOUT = env.float("COMPLAINTS_HTTP_READ_TIMEOUT", default=10.0)
# A delivery claimed longer ago than this is presumed abandoned (worker died).
COMPLAINTS_CLAIM_TIMEOUT = env.float("COMPLAINTS_CLAIM_TIMEOUT", default=120)
# The sweeper re-enqueues deliveries due for longer than SWEEP_AFTER seconds.
COMPLAINTS_SWEEP_INTERVAL = env.float("COMPLAINTS_SWEEP_INTERVAL", default=60)
COMPLAINTS_SWEEP_AFTER = env.float("COMPLAINTS_SWEEP_AFTER", default=60)
COMPLAINTS_DEADLINE_CHECK_INTERVAL = env.float("COMPLAINTS_DEADLINE_CHECK_INTERVAL", default=300)
# Resolved complaints close by themselves after this many days (0 = never).
COMPLAINTS_AUTO_CLOSE_DAYS = env.int("COMPLAINTS_AUTO_CLOSE_DAYS", default=14)
# Who hears about escalations: the members of this group, plus these addresses.
COMPLAINTS_CITY_GROUP = env.str("COMPLAINTS_CITY_GROUP", default="City administrator")
COMPLAINTS_CITY_EMAILS = env.list("COMPLAINTS_CITY_EMAILS", default=[])

# --- E-mail -------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="hub@localhost")
# The city's mailbox, copied on the joint-test recording sent to the province
# (unset = the city's complaint addresses, COMPLAINTS_CITY_EMAILS).
CITY_MAILBOX = env.list("CITY_MAILBOX", default=[]) or COMPLAINTS_CITY_EMAILS
# Where the joint-test screen recording goes (the province's guide).
PROVINCE_JOINT_TEST_EMAIL = env.list("PROVINCE_JOINT_TEST_EMAIL", default=["wsjkw_taoh@gd.gov.cn"])

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

# --- Real-name registration (docs/realname.md) ----------------------------------------
# A patient whose phone has no record proves who they are on /me/register/:
# name, resident ID number and a live selfie, checked against the
# public-security photo by a real-name provider. The backend is a dotted path:
# the Tencent Cloud FaceID adapter, the local fake (synthetic residents; the
# embedded default, refused in production) or the disabled stand-in (the
# production default: the page says registration is not available).
REALNAME_BACKEND = env.str(
    "REALNAME_BACKEND",
    default=(
        "identity.realname.backends.disabled.DisabledBackend"
        if PRODUCTION
        else "identity.realname.backends.fake.FakeBackend"
    ),
)
if PRODUCTION and REALNAME_BACKEND.endswith(".fake.FakeBackend"):
    raise ImproperlyConfigured(
        "REALNAME_BACKEND: the fake real-name backend (synthetic residents) is refused in "
        "production; choose identity.realname.backends.tencent.TencentFaceIdBackend."
    )
# Counted failures (no record, mismatch, not live) in a rolling 24 hours, per
# phone and per ID number, before further attempts are refused (0 = no limit).
REALNAME_DAILY_FAILURES_MAX = env.int("REALNAME_DAILY_FAILURES_MAX", default=3)
REALNAME_ID_DAILY_FAILURES_MAX = env.int("REALNAME_ID_DAILY_FAILURES_MAX", default=10)
# Tencent Cloud FaceID (REALNAME_BACKEND=identity.realname.backends.tencent.TencentFaceIdBackend).
REALNAME_TENCENT_URL = env.str("REALNAME_TENCENT_URL", default="https://faceid.tencentcloudapi.com")
REALNAME_TENCENT_SECRET_ID = env.str("REALNAME_TENCENT_SECRET_ID", default="")
REALNAME_TENCENT_SECRET_KEY = env.str("REALNAME_TENCENT_SECRET_KEY", default="")
REALNAME_TENCENT_REGION = env.str("REALNAME_TENCENT_REGION", default="")
REALNAME_TENCENT_ACTION = env.str("REALNAME_TENCENT_ACTION", default="ImageRecognition")
REALNAME_TENCENT_MIN_SIM = env.float("REALNAME_TENCENT_MIN_SIM", default=80.0)
REALNAME_TENCENT_TIMEOUT = env.float("REALNAME_TENCENT_TIMEOUT", default=10.0)
if REALNAME_TENCENT_ACTION not in ("ImageRecognition", "ImageRecognitionV2"):
    raise ImproperlyConfigured(
        'REALNAME_TENCENT_ACTION must be "ImageRecognition" or "ImageRecognitionV2".'
    )
if PRODUCTION and REALNAME_BACKEND.endswith(".tencent.TencentFaceIdBackend"):
    for _name in ("REALNAME_TENCENT_SECRET_ID", "REALNAME_TENCENT_SECRET_KEY"):
        if not env.str(_name, default=""):
            raise ImproperlyConfigured(
                f"REALNAME_BACKEND={REALNAME_BACKEND} requires the environment variable {_name}."
            )

# --- Alerts (docs/alerts.md) ------------------------------------------------------------
# Security alerts the city acts on: rules evaluated every ALERT_EVALUATE_SECONDS
# (Celery beat); each new alert is a row in the back-office queue, a count in
# hub_alerts_total{rule} and an e-mail to ALERT_EMAIL_TO (none when empty).
ALERT_EVALUATE_SECONDS = env.int("ALERT_EVALUATE_SECONDS", default=120)
ALERT_EMAIL_TO = env.list("ALERT_EMAIL_TO", default=[])
# Baselines: a hospital's own daily (nightly) average over the previous
# ALERT_BASELINE_DAYS days; "far above" is above MULTIPLIER x that average and
# above the rule's minimum count.
ALERT_BASELINE_DAYS = env.int("ALERT_BASELINE_DAYS", default=14)
ALERT_BASELINE_MULTIPLIER = env.float("ALERT_BASELINE_MULTIPLIER", default=3.0)
# Blocking: SMS codes sent to one phone for more than this many different
# patients in 24 hours block that phone at once.
ALERT_PHONE_MAX_PATIENTS = env.int("ALERT_PHONE_MAX_PATIENTS", default=3)
# Minimum counts of the baseline rules (a day, per staff number / per hospital).
ALERT_STAFF_MIN_PATIENTS = env.int("ALERT_STAFF_MIN_PATIENTS", default=40)
ALERT_MODE1_MIN_GRANTS = env.int("ALERT_MODE1_MIN_GRANTS", default=50)
ALERT_FAILURES_MIN = env.int("ALERT_FAILURES_MIN", default=30)
# Views at night: local hours [START, END) (may span midnight), and the minimum
# distinct patients viewed by one hospital in one night.
ALERT_NIGHT_START_HOUR = env.int("ALERT_NIGHT_START_HOUR", default=0)
ALERT_NIGHT_END_HOUR = env.int("ALERT_NIGHT_END_HOUR", default=6)
ALERT_NIGHT_MIN_PATIENTS = env.int("ALERT_NIGHT_MIN_PATIENTS", default=20)
if not (0 <= ALERT_NIGHT_START_HOUR <= 23 and 0 <= ALERT_NIGHT_END_HOUR <= 23) or (
    ALERT_NIGHT_START_HOUR == ALERT_NIGHT_END_HOUR
):
    raise ImproperlyConfigured(
        "ALERT_NIGHT_START_HOUR and ALERT_NIGHT_END_HOUR must be different hours from 0 to 23."
    )
if ALERT_BASELINE_MULTIPLIER < 1:
    raise ImproperlyConfigured("ALERT_BASELINE_MULTIPLIER must be at least 1.")
# --- end of Alerts ----------------------------------------------------------------------

# --- WeChat official account (docs/wechat.md) -----------------------------------------------
# The guide's mode 2 over WeChat: patients bind their openid on /me/wechat/ (web OAuth,
# snsapi_base) and receive authorization codes (AUTHCODE_PUSH_BACKEND=
# identity.push.backends.wechat.WeChatPushBackend) and consent notices (whenever the
# notice template is set) as template messages. SMS stays the channel of record.
WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
# Template messages: the template ids chosen on the platform and the names of their
# fields, in order: the code and its expiry; the notice text.
WECHAT_CODE_TEMPLATE_ID = env.str("WECHAT_CODE_TEMPLATE_ID", default="")
WECHAT_CODE_TEMPLATE_FIELDS = env.list("WECHAT_CODE_TEMPLATE_FIELDS", default=["code", "expires"])
WECHAT_NOTICE_TEMPLATE_ID = env.str("WECHAT_NOTICE_TEMPLATE_ID", default="")
WECHAT_NOTICE_TEMPLATE_FIELDS = env.list("WECHAT_NOTICE_TEMPLATE_FIELDS", default=["text"])
# WeChat's API (token, template messages, the OAuth code exchange) and the OAuth page.
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com")
WECHAT_OAUTH_BASE_URL = env.str("WECHAT_OAUTH_BASE_URL", default="https://open.weixin.qq.com")
WECHAT_TIMEOUT = env.float("WECHAT_TIMEOUT", default=5.0)
if len(WECHAT_CODE_TEMPLATE_FIELDS) != 2 or len(WECHAT_NOTICE_TEMPLATE_FIELDS) != 1:
    raise ImproperlyConfigured(
        "WECHAT_CODE_TEMPLATE_FIELDS names two fields (code,expiry) and "
        "WECHAT_NOTICE_TEMPLATE_FIELDS one (the notice text)."
    )
if PRODUCTION and AUTHCODE_PUSH_BACKEND.endswith(".wechat.WeChatPushBackend"):
    for _name in ("WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_CODE_TEMPLATE_ID"):
        if not env.str(_name, default=""):
            raise ImproperlyConfigured(
                f"AUTHCODE_PUSH_BACKEND={AUTHCODE_PUSH_BACKEND} requires the environment "
                f"variable {_name}."
            )
# --- end of WeChat official account -----------------------------------------------------------

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
