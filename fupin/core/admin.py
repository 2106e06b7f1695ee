from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from fupin.core.models import ChangeRecord, SensitiveRead

if TYPE_CHECKING:  # ModelAdmin is generic in django-stubs only, not at run time
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    """Registry data and history change only through services, which record every change;
    the admin lets system administrators look, not edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Fields whose full values a change record may hold (the registry's SENSITIVE_FIELDS
# and the birth date, which with the area and last four digits rebuilds an ID number).
SENSITIVE_CHANGE_FIELDS = ("id_number", "phone", "bank_account", "birth_date")


def sensitive_values_in(changes: object) -> int:
    """How many unmasked sensitive values a change record's `changes` shows."""
    if not isinstance(changes, dict):
        return 0
    n = 0
    for field in SENSITIVE_CHANGE_FIELDS:
        pair = changes.get(field)
        values = pair if isinstance(pair, list) else [pair]
        n += sum(1 for v in values if v not in (None, ""))
    return n


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    """A change record's page shows the values as stored, unmasked: for roles that may
    reveal only, and each page that shows such values is a logged read."""

    list_display = ["time", "user_name", "action", "object_type", "object_repr", "area_code"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "related_id", "user_name", "area_code"]
    date_hierarchy = "time"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "may_reveal", False)) and super().has_view_permission(
            request, obj
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        may_reveal = bool(getattr(request.user, "may_reveal", False))
        return may_reveal and super().has_module_permission(request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            record = self.get_object(request, object_id)
            count = sensitive_values_in(record.changes) if record is not None else 0
            if count and record is not None:
                SensitiveRead.log_bulk(
                    user=request.user,
                    object_type="core.changerecord",
                    object_id=str(record.pk),
                    field="changes",
                    area_code=record.area_code,
                    count=count,
                    channel="admin",
                )
        return response


@admin.register(SensitiveRead)
class SensitiveReadAdmin(ReadOnlyAdmin):
    list_display = ["time", "user", "object_type", "object_id", "field", "channel"]
    list_filter = ["field", "channel"]
    date_hierarchy = "time"
