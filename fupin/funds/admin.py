"""Funds in the admin: read-only. Money moves only through the services, which lock the
rows and record every change."""

from django.contrib import admin

from fupin.funds.models import Allocation, Disbursement, FundSource


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundSource)
class FundSourceAdmin(ReadOnly):
    list_display = ("name", "kind", "active")
    list_filter = ("kind",)


@admin.register(Allocation)
class AllocationAdmin(ReadOnly):
    list_display = ("year", "source", "area", "amount", "committed", "disbursed", "document")
    list_filter = ("year", "source")


@admin.register(Disbursement)
class DisbursementAdmin(ReadOnly):
    list_display = ("paid_on", "line", "amount", "voucher")
    date_hierarchy = "paid_on"
