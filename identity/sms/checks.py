"""System checks of the SMS and push configuration (registered on import by
``identity.models``, which Django imports at start-up)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

_DEV_BACKENDS = {
    "identity.sms.backends.console.ConsoleBackend",
    "identity.sms.backends.file.FileBackend",
    "identity.sms.backends.locmem.LocmemBackend",
}
_ALIYUN = "identity.sms.backends.aliyun.AliyunBackend"
_ALIYUN_SETTINGS = (
    "SMS_ALIYUN_ACCESS_KEY_ID",
    "SMS_ALIYUN_ACCESS_KEY_SECRET",
    "SMS_ALIYUN_SIGN_NAME",
    "SMS_ALIYUN_TEMPLATE_CODE",
)


@checks.register(checks.Tags.security)
def check_sms_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    backend = settings.SMS_BACKEND
    if getattr(settings, "PRODUCTION", False) and backend in _DEV_BACKENDS:
        problems.append(
            checks.Warning(
                f"SMS_BACKEND is {backend} in production: codes are written in clear "
                "and no patient receives them.",
                hint="Set SMS_BACKEND=identity.sms.backends.aliyun.AliyunBackend "
                "and the SMS_ALIYUN_* variables (see docs/verification.md).",
                id="identity.W001",
            )
        )
    if backend == _ALIYUN:
        missing = [name for name in _ALIYUN_SETTINGS if not getattr(settings, name, "")]
        if missing:
            problems.append(
                checks.Error(
                    "The Aliyun SMS backend needs " + ", ".join(missing) + ".",
                    hint="See .env.example and docs/verification.md.",
                    id="identity.E001",
                )
            )
    return problems


@checks.register(checks.Tags.security)
def check_push_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    backend = getattr(settings, "AUTHCODE_PUSH_BACKEND", "")
    if getattr(settings, "PRODUCTION", False) and backend.endswith(
        ("ConsolePushBackend", "LocmemPushBackend")
    ):
        return [
            checks.Warning(
                f"AUTHCODE_PUSH_BACKEND is {backend} in production: codes are written in clear.",
                hint="Use identity.push.backends.none.NoPushBackend or a real push backend.",
                id="identity.W002",
            )
        ]
    return []
