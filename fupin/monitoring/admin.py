from django.contrib import admin

from fupin.monitoring.models import RuleConfig


@admin.register(RuleConfig)
class RuleConfigAdmin(admin.ModelAdmin):
    list_display = ("region", "year", "response_days", "escalation_days", "income_rule")
    list_filter = ("year",)
