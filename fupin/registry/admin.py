from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin
from fupin.registry.models import Assessment, Household, IncomeRecord, Member


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ["number", "village", "category", "status", "status_year", "main_cause"]
    list_filter = ["status", "category", "main_cause"]
    search_fields = ["number"]
    show_full_result_count = False
    # Sensitive values are read through the logged reveal on the household page.
    exclude = ["phone", "bank_account"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "household", "relation", "sex", "birth_date", "is_active"]
    search_fields = ["name"]
    show_full_result_count = False
    exclude = ["id_number", "phone"]


admin.site.register(IncomeRecord, ReadOnlyAdmin)
admin.site.register(Assessment, ReadOnlyAdmin)
