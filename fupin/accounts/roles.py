"""Roles and what each may do. One table, read by pages, API and services alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from fupin.accounts.types import Actor


class Role(models.TextChoices):
    VILLAGE_STAFF = "village_staff", _("Village staff")
    TOWNSHIP_STATION = "township_station", _("Township station")
    COUNTY_OFFICE = "county_office", _("County office")
    DEPARTMENT = "department", _("Department user")
    INSPECTOR = "inspector", _("Inspector")
    CADRE = "cadre", _("Paired cadre")
    SYSADMIN = "sysadmin", _("System administrator")


class Capability(models.TextChoices):
    VIEW_REGISTRY = "view_registry", _("Read the registry")
    EDIT_REGISTRY = "edit_registry", _("Enter and edit registry data")
    REVEAL_PII = "reveal_pii", _("See unmasked ID numbers, phones and bank accounts")
    CONFIGURE = "configure", _("Configure the county")
    ADMIN = "admin", _("Use the Django admin")
    RUN_COMPARISON = "run_comparison", _("Compare department data with the registry")
    MANAGE_FUNDS = "manage_funds", _("Manage fund sources, allocations and disbursements")
    PROPOSE_PROJECTS = "propose_projects", _("Propose and report on projects")
    APPROVE_PROJECTS = "approve_projects", _("Review, approve and accept projects")
    SUPERVISE = "supervise", _("Record inspections, findings and village scores")
    RUN_ASSESSMENT = "run_assessment", _("Draw assessment samples and record surveys")
    # Without it a user reads only the households it serves (fupin.core.scope).
    READ_AREA = "read_area", _("Read every household of the area")
    EXPORT_AREA = "export_area", _("Export an area's registry")


_ALL = set(Capability)

CAPABILITIES: dict[str, set[Capability]] = {
    Role.VILLAGE_STAFF: {
        Capability.VIEW_REGISTRY,
        Capability.READ_AREA,
        Capability.EXPORT_AREA,
        Capability.EDIT_REGISTRY,
        Capability.REVEAL_PII,
        Capability.PROPOSE_PROJECTS,
    },
    Role.TOWNSHIP_STATION: {
        Capability.VIEW_REGISTRY,
        Capability.READ_AREA,
        Capability.EXPORT_AREA,
        Capability.EDIT_REGISTRY,
        Capability.REVEAL_PII,
        Capability.PROPOSE_PROJECTS,
    },
    Role.COUNTY_OFFICE: {
        Capability.VIEW_REGISTRY,
        Capability.READ_AREA,
        Capability.EXPORT_AREA,
        Capability.EDIT_REGISTRY,
        Capability.REVEAL_PII,
        Capability.CONFIGURE,
        Capability.RUN_COMPARISON,
        Capability.MANAGE_FUNDS,
        Capability.PROPOSE_PROJECTS,
        Capability.APPROVE_PROJECTS,
        Capability.SUPERVISE,
        Capability.RUN_ASSESSMENT,
    },
    # Departments see shared registry data read-only, always masked.
    Role.DEPARTMENT: {Capability.VIEW_REGISTRY, Capability.READ_AREA, Capability.EXPORT_AREA},
    # Inspectors read everything in their area and may reveal (logged) to verify.
    # They also run inspections and third-party-style assessments.
    Role.INSPECTOR: {
        Capability.VIEW_REGISTRY,
        Capability.READ_AREA,
        Capability.EXPORT_AREA,
        Capability.REVEAL_PII,
        Capability.SUPERVISE,
        Capability.RUN_ASSESSMENT,
    },
    # Paired cadres read the households they are actively paired with (and their
    # village's directory and page), nothing else of the area; no area export.
    Role.CADRE: {Capability.VIEW_REGISTRY},
    Role.SYSADMIN: _ALL,
}


def has_capability(user: Actor | None, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return capability in CAPABILITIES.get(user.role, set())
