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


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["time", "user_name", "action", "object_type", "object_repr", "area_code"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "related_id", "user_name", "area_code"]
    date_hierarchy = "time"


@admin.register(SensitiveRead)
class SensitiveReadAdmin(ReadOnlyAdmin):
    list_display = ["time", "user", "object_type", "object_id", "field", "channel"]
    list_filter = ["field", "channel"]
    date_hierarchy = "time"
