"""Reads of the assessment, scoped to the user's area, and the estimates.

The four rates, each over a domain of whole strata (households, not people):

- missed-poor rate (漏评率) = non-registered households found poor by the policy test
  ÷ non-registered households;
- wrong-inclusion rate (错评率) = registered households in poverty found not poor
  ÷ registered households in poverty;
- wrong-exit rate (错退率) = exited households found not meeting the exit standard
  ÷ exited households;
- approval (群众认可度) = households approving of the work ÷ households (all strata).

Each is estimated for the county's frame: a surveyed household stands for N_h / n_h
households of its stratum (`estimators.py`), so the approval estimate is not the raw
share approving ÷ surveyed unless the sample is self-weighting; the raw counts are shown
next to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.accounts.roles import Capability, has_capability
from fupin.assessment import estimators as E
from fupin.assessment import sampling as S
from fupin.assessment.estimators import Estimate
from fupin.assessment.models import (
    Assessment,
    AssessmentStatus,
    Contact,
    SampleUnit,
    StratumSize,
    SurveyResponse,
)
from fupin.core.history import history_of, type_label
from fupin.core.masking import mask_id_number, mask_phone
from fupin.core.models import ChangeRecord, SensitiveRead
from fupin.core.scope import RestrictedQuerySet
from fupin.geo.models import Division, Level
from fupin.registry import choices as c
from fupin.registry.models import Member

__all__ = ["Estimate", "latest_estimates"]

# Rate key → (strata of its domain, target field, higher is better).
RATES: dict[str, tuple[tuple[str, ...], str, bool]] = {
    "missed_poor": ((S.NON_REGISTERED,), "target_missed_poor", False),
    "wrong_inclusion": ((S.IN_POVERTY,), "target_wrong_inclusion", False),
    "wrong_exit": ((S.EXITED,), "target_wrong_exit", False),
    "approval": (S.STRATA, "target_approval", True),
}


def may_read(user: User) -> bool:
    return has_capability(user, Capability.VIEW_REGISTRY)


def may_run(user: User, county_code: str | None = None) -> bool:
    """May the user run (create, draw, record, finish) the assessment of this county — an
    inspector, or a county office above the county, never the county office it assesses
    (authority "assessment.run"). Without a county: of any county in the user's area."""

    if county_code is None:
        return bool(counties_for(user))
    return authority.may(user, "assessment.run", county_code)


def assessments_for(user: User) -> QuerySet[Assessment]:
    """Assessments of counties inside the user's area."""
    if not may_read(user):
        return Assessment.objects.none()
    return Assessment.objects.restrict(user).select_related("county")


def assessment_get(user: User, pk: int) -> Assessment:
    a = assessments_for(user).filter(pk=pk).first()
    if a is None:
        raise Http404
    return a


def unit_get(user: User, assessment: Assessment, pk: int) -> SampleUnit:
    u = (
        SampleUnit.objects.restrict(user)
        .filter(assessment=assessment, pk=pk)
        .select_related("village", "household")
        .first()
    )
    if u is None:
        raise Http404
    return u


def units(assessment: Assessment, village_code: str = "") -> RestrictedQuerySet[SampleUnit]:
    qs = SampleUnit.objects.filter(assessment=assessment).select_related(
        "village", "village__parent", "household"
    )
    if village_code:
        qs = qs.filter(village_id=village_code)
    return qs.order_by("village_id", "stratum", "order")


def _outcome(stratum: str, rate: str, r: dict[str, Any]) -> int:
    if rate == "missed_poor":
        return int(bool(r["is_poor"]))
    if rate == "wrong_inclusion":
        return int(r["is_poor"] is False)
    if rate == "wrong_exit":
        return int(r["exit_correct"] is False)
    return int(bool(r["approves"]))


def _target(assessment: Assessment, fname: str) -> float:
    return float(getattr(assessment, fname))


def estimate_rows(
    assessment: Assessment, strata: list[tuple[str, str, int]], rows: list[dict[str, Any]]
) -> dict[str, Estimate]:
    """The four estimates from strata [(village, stratum, N)] and surveyed rows
    [{village, stratum, is_poor, exit_correct, approves}]."""
    out = {}
    for key, (domain, fname, higher) in RATES.items():
        index: dict[tuple[str, str], int] = {}
        sizes: list[int] = []
        for village, stratum, population in strata:
            if stratum in domain and population > 0:
                index[(village, stratum)] = len(sizes)
                sizes.append(population)
        st, y = [], []
        for r in rows:
            i = index.get((r["village"], r["stratum"]))
            if i is not None:
                st.append(i)
                y.append(_outcome(r["stratum"], key, r))
        out[key] = E.estimate(
            np.array(st, dtype=np.int64),
            np.array(y, dtype=np.float64),
            np.array(sizes, dtype=np.float64),
            target=_target(assessment, fname),
            higher_is_better=higher,
        )
    return out


def _strata(assessment: Assessment) -> list[tuple[str, str, int]]:
    return list(
        StratumSize.objects.filter(assessment=assessment).values_list(
            "village_id", "stratum", "population"
        )
    )


def _surveyed(assessment: Assessment) -> list[dict[str, Any]]:
    return [
        {
            "village": v,
            "stratum": s,
            "is_poor": p,
            "exit_correct": e,
            "approves": a,
        }
        for v, s, p, e, a in SurveyResponse.objects.filter(
            unit__assessment=assessment, contact=Contact.SURVEYED
        ).values_list("unit__village_id", "unit__stratum", "is_poor", "exit_correct", "approves")
    ]


def estimates(assessment: Assessment) -> dict[str, Estimate]:
    return estimate_rows(assessment, _strata(assessment), _surveyed(assessment))


def latest_estimates(county_code: str, on: dt.date | None = None) -> dict[str, Estimate] | None:
    """The estimates of the county's latest finished assessment, or None if it has none.

    Keys "missed_poor", "wrong_inclusion", "wrong_exit", "approval". Used by the
    indicators app (county exit readiness); no user: the caller scopes its own page.
    """
    a = latest_finished(county_code, on)
    if a is None:
        return None
    return estimates(a)


def latest_finished(county_code: str, on: dt.date | None = None) -> Assessment | None:
    """The county's latest finished assessment (finished by the end of `on`, if given):
    the one a county exit case carries."""
    qs = Assessment.objects.filter(county_id=county_code, status=AssessmentStatus.FINISHED)
    if on is not None:
        qs = qs.filter(finished_at__date__lte=on)
    return qs.order_by("-finished_at", "-id").first()


@dataclass
class VillageRow:
    code: str
    name: str
    township: str
    drawn: int = 0
    surveyed: int = 0
    not_reached: int = 0
    # rate key → [cases, surveyed in the domain]
    counts: dict[str, list[int]] = field(default_factory=lambda: {k: [0, 0] for k in RATES})

    def share(self, key: str) -> float | None:
        cases, n = self.counts[key]
        return cases / n if n else None


@dataclass
class Results:
    estimates: dict[str, Estimate]
    villages: list[VillageRow]
    drawn: int
    surveyed: int
    not_reached: int

    @property
    def pending(self) -> int:
        return self.drawn - self.surveyed - self.not_reached


def results(assessment: Assessment, user: User | None = None) -> Results:
    """The estimates (whole county) and the per-village breakdown (the villages in the
    user's area)."""
    rows = _surveyed(assessment)
    est = estimate_rows(assessment, _strata(assessment), rows)
    unit_qs = SampleUnit.objects.filter(assessment=assessment)
    if user is not None:
        unit_qs = unit_qs.restrict(user)
    villages: dict[str, VillageRow] = {}
    for code, name, township, contact in unit_qs.values_list(
        "village_id", "village__name", "village__parent__name", "response__contact"
    ).order_by("village_id"):
        row = villages.get(code)
        if row is None:
            row = villages[code] = VillageRow(code, name, township or "")
        row.drawn += 1
        if contact == Contact.SURVEYED:
            row.surveyed += 1
        elif contact == Contact.NOT_REACHED:
            row.not_reached += 1
    for r in rows:
        row = villages.get(r["village"])
        if row is None:
            continue
        for key, (domain, _f, _h) in RATES.items():
            if r["stratum"] in domain:
                row.counts[key][1] += 1
                row.counts[key][0] += _outcome(r["stratum"], key, r)
    vs = list(villages.values())
    return Results(
        estimates=est,
        villages=vs,
        drawn=sum(v.drawn for v in vs),
        surveyed=sum(v.surveyed for v in vs),
        not_reached=sum(v.not_reached for v in vs),
    )


def counties_for(user: User) -> list[Any]:
    """Counties inside the user's area whose assessment the user may run."""

    if not may_read(user):
        return []
    counties = Division.objects.restrict(user).filter(level=Level.COUNTY).order_by("code")
    return [d for d in counties if authority.may(user, "assessment.run", d.code)]


@dataclass
class SheetRow:
    unit: SampleUnit
    head_name: str = ""
    head_id_number: str = ""
    phone: str = ""
    response: SurveyResponse | None = None


def sheet(
    user: User, assessment: Assessment, village_code: str, reveal: bool = False
) -> list[SheetRow]:
    """The printable survey sheet of a village: the sampled households in draw order,
    with the head's name and masked ID number and phone. `reveal` (roles that may see
    them) prints them unmasked; each value shown is logged as a sensitive read."""

    qs = units(assessment, village_code).restrict(user).select_related("response")
    rows = [SheetRow(unit=u, response=getattr(u, "response", None)) for u in qs]
    household_ids = [r.unit.household_id for r in rows if r.unit.household_id]
    heads = {
        m.household_id: m
        for m in Member.objects.filter(
            household_id__in=household_ids, relation=c.Relation.HEAD, is_active=True
        )
    }
    reveal = reveal and user.may_reveal
    reads = []
    for r in rows:
        h = r.unit.household
        if h is None:
            r.head_name = r.response.head_name if r.response else ""
            continue
        head = heads.get(h.pk)
        r.head_name = head.name if head else ""
        if reveal:
            r.head_id_number = head.id_number if head else ""
            r.phone = h.phone
            if head and head.id_number:
                reads.append((type_label(head), head.pk, "id_number", h.village_id))
            if h.phone:
                reads.append((type_label(h), h.pk, "phone", h.village_id))
        else:
            r.head_id_number = mask_id_number(head.id_number) if head else ""
            r.phone = mask_phone(h.phone)
    if reads:
        with transaction.atomic():
            SensitiveRead.objects.bulk_create(
                SensitiveRead(
                    user=user,
                    object_type=t,
                    object_id=str(pk),
                    field=f,
                    area_code=area,
                    channel="print",
                )
                for t, pk, f, area in reads
            )
    return rows


def history(assessment: Assessment, limit: int = 30) -> list[ChangeRecord]:
    """The latest changes of the assessment and its survey responses (the sample's own
    creation records, one per stratum and household, are left out of the page)."""

    return list(
        history_of(assessment)
        .exclude(object_type__in=["assessment.sampleunit", "assessment.stratumsize"])
        .select_related("user")[:limit]
    )
