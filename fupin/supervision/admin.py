"""Supervision data in the admin, read-only: changes go through the services, which
record them."""

from django.contrib import admin

from fupin.core.admin import ReadOnlyAdmin
from fupin.supervision.models import (
    Escalation,
    Finding,
    Inspection,
    Rectification,
    ResponsibilityItem,
    Task,
    TaskList,
    Unit,
)


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "area_code", "active")
    list_filter = ("kind",)
    search_fields = ("name", "area_code")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "area", "start_date", "end_date")
    list_filter = ("kind",)


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("unit", "category", "severity", "deadline", "status")
    list_filter = ("status", "category", "severity")


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ("finding", "submitted_on", "submitted_by_name", "verdict")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("unit", "period_start", "sequence", "step", "state", "document")
    list_filter = ("step", "state")


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(ReadOnlyAdmin):
    list_display = ("level", "unit", "person_name", "post", "active")


@admin.register(TaskList)
class TaskListAdmin(ReadOnlyAdmin):
    list_display = ("title", "period_kind", "period_start", "area")


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "due_date", "completed_on")
