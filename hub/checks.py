"""System checks of the project (``manage.py check``, and before ``runserver``
and ``migrate``): every setting that names a class by its dotted path names
one that imports, so a typo (``SMS_BACKEND=file``) stops the start instead of
turning every request that needs it into a 500."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

#: Settings holding one dotted class path (absent ones are skipped).
DOTTED_SETTINGS = (
    "SMS_BACKEND",
    "AUTHCODE_PUSH_BACKEND",
    "FACE_BACKEND",
    "REALNAME_BACKEND",
    "EMAIL_BACKEND",
)


def _paths():
    for name in DOTTED_SETTINGS:
        value = getattr(settings, name, None)
        if value:
            yield name, value
    for alias, cache in settings.CACHES.items():
        yield f"CACHES[{alias!r}]['BACKEND']", cache.get("BACKEND", "")


@register()
def dotted_paths_import(app_configs=None, **kwargs):
    errors = []
    for name, path in _paths():
        try:
            import_string(path)
        except ImportError as exc:
            errors.append(
                Error(
                    f"{name} = {path!r} does not name an importable class: {exc}",
                    hint="Give the full dotted path, e.g. identity.sms.backends.file.FileBackend "
                    "(see .env.example).",
                    id="hub.E001",
                )
            )
    return errors
