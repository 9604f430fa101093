"""The hub's own settings (the province, consents, patient verification,
complaints, real-name registration, alerts, WeChat), read from the
environment like the rest of ``hub.settings``, which adds them to its
module namespace. A function rather than a module of constants so that
every read of the settings (a test's fresh copy of ``hub.settings``
included) reads the environment again and repeats the start-up checks.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def domain_settings(env, *, production: bool, var_dir: Path) -> dict:
    """The settings below, by name (upper-case names only)."""
    PRODUCTION, VAR_DIR = production, var_dir  # noqa: N806 - read as in settings.py

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
        PROVINCE_TEST_BASE_URL + "/ebus/jiankangdangan/gdehr/viewer"
        if PROVINCE_TEST_BASE_URL
        else ""
    )
    if (
        PRODUCTION
        and PROVINCE_TEST_BASE_URL
        and not env.str("PROVINCE_TEST_VIEWER_URL", default="")
    ):
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
    AUTHORIZATION_EXPIRE_SWEEP_SECONDS = env.float(
        "AUTHORIZATION_EXPIRE_SWEEP_SECONDS", default=300
    )
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
    COMPLAINTS_DEADLINE_CHECK_INTERVAL = env.float(
        "COMPLAINTS_DEADLINE_CHECK_INTERVAL", default=300
    )
    # Resolved complaints close by themselves after this many days (0 = never).
    COMPLAINTS_AUTO_CLOSE_DAYS = env.int("COMPLAINTS_AUTO_CLOSE_DAYS", default=14)
    # Who hears about escalations: the members of this group, plus these addresses.
    COMPLAINTS_CITY_GROUP = env.str("COMPLAINTS_CITY_GROUP", default="City administrator")
    COMPLAINTS_CITY_EMAILS = env.list("COMPLAINTS_CITY_EMAILS", default=[])
    # The city's mailbox, copied on the joint-test recording sent to the province
    # (unset = the city's complaint addresses, COMPLAINTS_CITY_EMAILS).
    CITY_MAILBOX = env.list("CITY_MAILBOX", default=[]) or COMPLAINTS_CITY_EMAILS
    # Where the joint-test screen recording goes (the province's guide).
    PROVINCE_JOINT_TEST_EMAIL = env.list(
        "PROVINCE_JOINT_TEST_EMAIL", default=["wsjkw_taoh@gd.gov.cn"]
    )

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
    REALNAME_TENCENT_URL = env.str(
        "REALNAME_TENCENT_URL", default="https://faceid.tencentcloudapi.com"
    )
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
    WECHAT_CODE_TEMPLATE_FIELDS = env.list(
        "WECHAT_CODE_TEMPLATE_FIELDS", default=["code", "expires"]
    )
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

    return {name: value for name, value in locals().items() if name.isupper()}
