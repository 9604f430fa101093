"""Small admin building blocks shared by every app's back office."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """Records that change only through their services (logs, consents, code
    challenges, deliveries): the back office may look, never add, edit or
    delete. Works on ModelAdmins and inlines alike."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
