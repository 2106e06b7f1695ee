from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin
from fupin.geo.models import Division, VillageProfile


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(VillageProfile)
class VillageProfileAdmin(ReadOnlyAdmin):
    list_display = ["village", "is_poor_village", "exit_year", "rural_population"]
    list_filter = ["is_poor_village"]
    search_fields = ["village__name", "village__code"]
