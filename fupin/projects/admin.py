"""Projects in the admin: read-only; the lifecycle goes through the services."""

from django.contrib import admin

from fupin.funds.admin import ReadOnly
from fupin.projects.models import Project


@admin.register(Project)
class ProjectAdmin(ReadOnly):
    list_display = ("name", "type", "year", "area", "state", "ends_on")
    list_filter = ("state", "type", "year")
    search_fields = ("name", "responsible_unit")
