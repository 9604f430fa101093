"""Back-office roles as Django groups.

- ``City administrator``: every permission.
- ``City auditor``: read-only (``view_*``) on the hub's own apps: registry,
  logs, usage, reports, complaints.
- ``Hospital operator``: ``view_*`` (and ``change_*`` for complaints) on the
  models whose admin is scoped to one hospital
  (``hospitals.admin_scope.HospitalScopedAdminMixin``); the querysets then
  show only the operator's own hospital (``HospitalOperator`` link).

``roles_sync()`` runs after every ``migrate`` and from
``python manage.py hospitals roles``; it is idempotent.
"""

from __future__ import annotations

from django.db.models.signals import post_migrate
from django.dispatch import receiver

CITY_ADMIN = "City administrator"
CITY_AUDITOR = "City auditor"
HOSPITAL_OPERATOR = "Hospital operator"
ROLE_NAMES = (CITY_ADMIN, CITY_AUDITOR, HOSPITAL_OPERATOR)

HUB_APPS = ("hospitals", "identity", "audit", "relay", "alerts", "complaints", "patients")
# Operators may act on complaints routed to them (acknowledge, resolve).
OPERATOR_CHANGE_APPS = ("complaints",)
# Credentials: only city administrators see them (masked), never an auditor
# or an operator.
SECRET_MODELS = {("hospitals", "hubcredential"), ("hospitals", "provinceaccount")}
# Models an operator never sees even when scoped (secrets, other people).
OPERATOR_EXCLUDED = SECRET_MODELS


def _scoped_models() -> list:
    from django.contrib import admin

    from hospitals.admin_scope import HospitalScopedAdminMixin

    return [
        model
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, HospitalScopedAdminMixin)
        and (model._meta.app_label, model._meta.model_name) not in OPERATOR_EXCLUDED
    ]


def roles_sync() -> dict[str, int]:
    """Create the three groups and (re)set their permissions."""
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLE_NAMES}
    groups[CITY_ADMIN].permissions.set(Permission.objects.all())
    auditor_perms = Permission.objects.filter(
        content_type__app_label__in=HUB_APPS, codename__startswith="view_"
    )
    for app_label, model in SECRET_MODELS:
        auditor_perms = auditor_perms.exclude(
            content_type__app_label=app_label, content_type__model=model
        )
    groups[CITY_AUDITOR].permissions.set(auditor_perms)
    operator_perms = []
    for model in _scoped_models():
        ct = ContentType.objects.get_for_model(model)
        actions = ["view"]
        if model._meta.app_label in OPERATOR_CHANGE_APPS:
            actions.append("change")
        codenames = [f"{a}_{model._meta.model_name}" for a in actions]
        operator_perms += list(Permission.objects.filter(content_type=ct, codename__in=codenames))
    groups[HOSPITAL_OPERATOR].permissions.set(operator_perms)
    return {name: group.permissions.count() for name, group in groups.items()}


@receiver(post_migrate)
def _sync_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    # post_migrate fires once per app; permissions of every app exist only
    # after the last one, so sync on each (cheap, idempotent).
    from django.contrib.auth.models import Permission

    try:
        Permission.objects.using(using).exists()
    except Exception:  # auth tables not there (a partial migrate)
        return
    roles_sync()
