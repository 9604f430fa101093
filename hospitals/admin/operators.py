"""Admin for the operator links (which user works for which hospital)."""

from django.contrib import admin

from hospitals.admin_scope import is_operator
from hospitals.models import HospitalOperator


@admin.register(HospitalOperator)
class HospitalOperatorAdmin(admin.ModelAdmin):
    list_display = ["user", "hospital"]
    search_fields = ["user__username", "hospital__org_code", "hospital__org_name"]
    autocomplete_fields = ["hospital"]
    raw_id_fields = ["user"]

    def has_view_permission(self, request, obj=None):
        return not is_operator(request) and super().has_view_permission(request, obj)
