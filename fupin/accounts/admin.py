from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "area", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    autocomplete_fields = ["area"]
    fieldsets = [
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role and area"), {"fields": ["role", "area", "unit", "phone"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("Role and area"), {"fields": ["role", "area", "unit"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "expires_at", "revoked"]
    list_filter = ["revoked"]
    readonly_fields = ["prefix", "key_hash", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Keys are shown once, by `fupin token create`.
        return False
