from django.contrib import admin

from fupin.core.models import ChangeRecord, SensitiveRead


class ReadOnlyAdmin(admin.ModelAdmin):
    """Registry data and history change only through services, which record every change;
    the admin lets system administrators look, not edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Fields whose full values a change record may hold (the registry's SENSITIVE_FIELDS
# and the birth date, which with the area and last four digits rebuilds an ID number).
SENSITIVE_CHANGE_FIELDS = ("id_number", "phone", "bank_account", "birth_date")


def sensitive_values_in(changes) -> int:
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

    def has_view_permission(self, request, obj=None):
        return getattr(request.user, "may_reveal", False) and super().has_view_permission(
            request, obj
        )

    def has_module_permission(self, request):
        return getattr(request.user, "may_reveal", False) and super().has_module_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            record = self.get_object(request, object_id)
            count = sensitive_values_in(record.changes) if record is not None else 0
            if count:
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
