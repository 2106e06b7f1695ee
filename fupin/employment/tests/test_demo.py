"""The demo posts, jobs and relocations: built from a small registry demo, every row with
its creation record and every row within the rules the services check (the demos write
in bulk, so they are checked here against the same rules), deterministic, and wiped
cleanly."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from fupin.assistance.due import household_due, periods
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.employment import demo, rules
from fupin.employment.models import Holding, Payment, Placement, Post, TransportSubsidy
from fupin.employment.services import payment_values
from fupin.programmes.checks import refusals
from fupin.registry import demo as registry_demo
from fupin.relocation import demo as relocation_demo
from fupin.relocation import rules as relocation_rules
from fupin.relocation.models import Relocation, Site, Support
from fupin.relocation.services import relocation_values

pytestmark = pytest.mark.django_db
MODELS = (Post, Holding, Payment, Placement, TransportSubsidy, Site, Relocation, Support)


def fingerprint():
    return (
        list(Post.objects.order_by("id").values_list("code", "kind", "village_id", "opened_on"))
        + list(
            Holding.objects.order_by("id").values_list(
                "post__code", "member_id", "start_on", "end_on"
            )
        )
        + list(Placement.objects.order_by("id").values_list("member_id", "employer", "start_on"))
        + list(
            Relocation.objects.order_by("id").values_list("household_id", "site__name", "people")
        )
    )


def build():
    demo.build_demo(seed=7, log=None)
    relocation_demo.build_demo(seed=7, log=None)


def test_demo_rows_keep_the_rules_have_history_and_rebuild_the_same():
    registry_demo.build(seed=2017, scale=registry_demo.parse_scale(3000))
    build()
    today = timezone.localdate()
    for model in MODELS:
        assert model.objects.exists(), model
        assert ChangeRecord.objects.filter(object_type=type_label(model)).count() == (
            model.objects.count()
        ), model
    p = periods()
    for h in Holding.objects.select_related("post", "member", "household"):
        values = {
            "household_due": household_due(h.household, h.start_on, p).due,
            "labour": h.member.labour,
            "age": h.member.age_on(h.start_on),
            "post_open": rules.post_open(h.post.opened_on, h.post.closed_on, h.start_on),
            "same_township": h.post.village_id[:9] == h.village_id[:9],
        }
        assert not refusals(rules.HOLDING_CHECKS, values), (h.pk, values)
    for key in ("post_id", "member_id"):
        spans: dict[int, list[Holding]] = {}
        for h in Holding.objects.order_by("start_on"):
            spans.setdefault(getattr(h, key), []).append(h)
        for held in spans.values():
            for a, b in itertools.pairwise(held):
                assert not rules.overlaps(a.start_on, a.end_on, b.start_on, b.end_on), (a.pk, b.pk)
    for pay in Payment.objects.select_related("holding__post"):
        values = payment_values(pay.holding, pay.month, pay.amount, pay.paid_on, today)
        assert not refusals(rules.PAYMENT_CHECKS, values), pay.pk
    for job in Placement.objects.select_related("member"):
        values = {
            "age": job.member.age_on(job.start_on),
            "start_on": job.start_on,
            "end_on": job.end_on,
            "today": today,
        }
        assert not refusals(rules.PLACEMENT_CHECKS, values), job.pk
    for s in TransportSubsidy.objects.select_related("placement"):
        values = {
            "place_scope": s.placement.place_scope,
            "start_on": s.placement.start_on,
            "paid_on": s.paid_on,
            "amount": s.amount,
            "today": today,
        }
        assert not refusals(rules.SUBSIDY_CHECKS, values), s.pk
    for r in Relocation.objects.select_related("household", "site"):
        values = relocation_values(
            household=r.household,
            site=r.site,
            people=r.people,
            home_area=r.home_area,
            handed_over_on=r.handed_over_on,
            moved_in_on=r.moved_in_on,
            today=today,
        )
        assert not refusals(relocation_rules.RELOCATION_CHECKS, values), (r.pk, values)
        if r.demolished_on is not None:
            demolished = {
                "moved_in_on": r.moved_in_on,
                "demolished_on": r.demolished_on,
                "today": today,
            }
            assert not refusals(relocation_rules.DEMOLITION_CHECKS, demolished), r.pk
    for site in Site.objects.annotate(n=Count("relocations"), p=Sum("relocations__people")):
        assert site.n <= site.homes and (site.p or 0) <= site.capacity, site.name
    # One relocation a household; the old houses in every state.
    assert Relocation.objects.count() == Relocation.objects.values("household").distinct().count()
    assert set(Counter(Relocation.objects.values_list("old_house", flat=True))) == {
        "pending",
        "demolished",
        "kept",
    }
    first = fingerprint()
    relocation_demo.wipe_demo()
    demo.wipe_demo()
    for model in MODELS:
        assert not model.objects.exists(), model
        assert not ChangeRecord.objects.filter(object_type=type_label(model)).exists(), model
    build()
    assert fingerprint() == first
