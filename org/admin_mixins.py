"""Admin behaviour shared by the apps."""

from django.http import HttpRequest


class ReadOnlyAdminMixin:
    """For records of what happened (runs, quarantined rows, the ledger, appeals, activated
    schemes): viewed in the admin, never added, edited or deleted there."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
