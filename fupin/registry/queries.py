"""Reads that only the registry's pages need: the division tree with its counts, the
households by status.

Counts per child are one grouped query each (households, members): the child's
significant code prefix is a substring of the household's village code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import Substr
from django.http import Http404

from fupin.accounts.models import User
from fupin.core.scope import area_prefix_of
from fupin.geo.codes import ancestor_codes
from fupin.geo.models import PREFIX_LENGTH, Division, Level, VillageProfile
from fupin.registry.models import Household, Member


@dataclass
class TreeNode:
    node: Division | None  # None: the whole country (a superuser without an area)
    breadcrumb: list[Division]
    children: list[Division]
    household_counts: dict[str, int] = field(default_factory=dict)
    member_counts: dict[str, int] = field(default_factory=dict)
    total_households: int = 0
    total_members: int = 0
    profile: VillageProfile | None = None


def division_get(*, user: User, code: str | None) -> Division | None:
    """The division `code` in the user's area (404 outside it); None is the whole country."""
    if area_prefix_of(user) is None:
        raise Http404
    if not code:
        if user.area_id:
            code = user.area_id
        else:
            return None
    node = Division.objects.restrict(user).filter(code=code).first()
    if node is None:
        raise Http404
    return node


def breadcrumb_of(user: User, node: Division | None) -> list[Division]:
    """The nodes from the user's area down to `node` (never above the user's area)."""
    if node is None:
        return []
    # Most general first; those above the user's area are not in restrict(user).
    codes = ancestor_codes(node.code)[::-1]
    found = {d.code: d for d in Division.objects.restrict(user).filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def division_tree(*, user: User, code: str | None) -> TreeNode:
    node = division_get(user=user, code=code)
    if node is None:
        children = list(Division.objects.filter(parent__isnull=True).order_by("code"))
        prefix, child_len = "", PREFIX_LENGTH[Level.PROVINCE]
    else:
        children = list(node.children.order_by("code"))
        prefix = node.prefix
        child_len = PREFIX_LENGTH[Level(node.level + 1)] if node.level < Level.VILLAGE else 12
    households = Household.objects.restrict(user).in_area(prefix)
    members = Member.objects.restrict(user).in_area(prefix).filter(is_active=True)
    tree = TreeNode(node=node, breadcrumb=breadcrumb_of(user, node), children=children)
    if children:
        tree.household_counts = {
            row["p"].ljust(12, "0"): row["n"]
            for row in households.annotate(p=Substr("village_id", 1, child_len))
            .values("p")
            .annotate(n=Count("id"))
            .order_by()
        }
        tree.member_counts = {
            row["p"].ljust(12, "0"): row["n"]
            for row in members.annotate(p=Substr("household__village_id", 1, child_len))
            .values("p")
            .annotate(n=Count("id"))
            .order_by()
        }
        tree.total_households = sum(tree.household_counts.values())
        tree.total_members = sum(tree.member_counts.values())
    else:
        tree.total_households = households.count()
        tree.total_members = members.count()
    for child in children:
        child.household_count = tree.household_counts.get(child.code, 0)
        child.member_count = tree.member_counts.get(child.code, 0)
    if node is not None and node.is_village:
        tree.profile = VillageProfile.objects.filter(village=node).first()
    return tree


def status_counts(user: User) -> list[Mapping[str, Any]]:
    """Households in the user's area by status: one grouped query."""
    return list(
        Household.objects.restrict(user).values("status").annotate(n=Count("id")).order_by("status")
    )
