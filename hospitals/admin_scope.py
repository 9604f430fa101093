"""Restrict admin querysets to a hospital operator's own hospital.

City staff (superusers, city administrators and auditors, anyone without a
``HospitalOperator`` link) see every row; a user linked to a hospital sees
only rows of that hospital, in lists, detail pages, searches and foreign-key
choices. Other apps' admins use either the helper or the mixin::

    from hospitals.admin_scope import HospitalScopedAdminMixin, scope_queryset

    @admin.register(Complaint)
    class ComplaintAdmin(HospitalScopedAdminMixin, admin.ModelAdmin):
        hospital_field = "hospital"          # or "authorization__hospital"

A model admin that uses the mixin is what gives the operator role its
permissions on that model (``hospitals.roles``).
"""

from __future__ import annotations

from django.db.models import QuerySet


def operator_hospital_id(request) -> int | None:
    """The hospital the user operates for; None for city staff."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_superuser", False):
        return None
    cached = getattr(request, "_operator_hospital_id", False)
    if cached is not False:
        return cached
    from hospitals.models import HospitalOperator

    link = HospitalOperator.objects.filter(user_id=user.pk).values_list("hospital_id", flat=True)
    value = link.first()
    request._operator_hospital_id = value
    return value


def is_operator(request) -> bool:
    return operator_hospital_id(request) is not None


def scope_queryset(request, qs: QuerySet, hospital_field: str = "hospital") -> QuerySet:
    """``qs`` limited to the operator's hospital; unchanged for city staff.

    ``hospital_field`` is the lookup path to the ``Hospital`` (``"hospital"``,
    ``"authorization__hospital"``, or ``"pk"`` for the Hospital model itself).
    """
    hospital_id = operator_hospital_id(request)
    if hospital_id is None:
        return qs
    lookup = "pk" if hospital_field == "pk" else f"{hospital_field}__pk"
    return qs.filter(**{lookup: hospital_id})


class HospitalScopedAdminMixin:
    """ModelAdmin mixin: querysets and hospital choices scoped for operators."""

    hospital_field = "hospital"

    def get_queryset(self, request):
        return scope_queryset(request, super().get_queryset(request), self.hospital_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from hospitals.models import Hospital

        hospital_id = operator_hospital_id(request)
        if hospital_id is not None and db_field.related_model is Hospital:
            kwargs["queryset"] = Hospital.objects.filter(pk=hospital_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
