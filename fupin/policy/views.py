from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.accounts.roles import Capability, has_capability
from fupin.compare.models import EXCLUSION_RULES, Rule
from fupin.core.errors import DomainError, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.files import INLINE_TYPES
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.codes import ancestor_codes
from fupin.policy import clauses as C
from fupin.policy import services
from fupin.policy.models import AttestationVerdict, ExclusionAttestation, PolicySet
from fupin.policy.rules import criterion_text
from fupin.policy.selectors import versions_of
from fupin.registry.models import Assessment, Household
from fupin.web.views.common import (
    call_service,
    capability_required,
    render_page,
    require_capability,
)


def _visible(user):
    """The national sets and those of regions that contain or lie in the user's area."""
    prefix = area_prefix_of(user)
    if prefix is None:
        return PolicySet.objects.none()
    if not prefix:
        return PolicySet.objects.all()
    code = user.area_id
    ancestors = ancestor_codes(code)
    return PolicySet.objects.filter(
        Q(region__isnull=True)
        | Q(region_id__in=ancestors)
        | Q(region__code__range=code_range(prefix))
    )


@capability_required(Capability.VIEW_REGISTRY)
def policy_list(request):
    rows = (
        _visible(request.user)
        .select_related("region", "created_by")
        .order_by("-year", "region_id", "-version")
    )
    return render_page(request, "policy/list.html", {"rows": rows})


def _get(request, pk) -> PolicySet:
    policy = _visible(request.user).select_related("region").filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


@login_required
def policy_detail(request, pk):
    policy = _get(request, pk)
    exclusions = [
        {
            "code": c["code"],
            "text": C.exclusion_text(c),
            "kind": C.KINDS.get(C.normalise(c)["kind"], ""),
            "source": C.source_text(c),
        }
        for c in policy.exclusions or []
    ]
    criteria = [
        {
            "code": k.get("code"),
            "text": criterion_text(k),
            "any": k.get("any_member") or {},
            "none": k.get("no_member") or {},
        }
        for k in policy.key_assistance or []
    ]
    return render_page(
        request,
        "policy/detail.html",
        {
            "policy": policy,
            "exclusions": exclusions,
            "criteria": criteria,
            "combining": C.combining_text(policy.combining),
            "versions": versions_of(policy),
            "may_configure": has_capability(request.user, Capability.CONFIGURE),
        },
    )


class NewVersionForm(forms.Form):
    scope = forms.ChoiceField(label=gettext_lazy("Applies to"))
    effective_from = forms.DateField(label=gettext_lazy("effective from"))
    income_line = forms.DecimalField(label=gettext_lazy("income line (yuan per person per year)"))
    monitoring_threshold = forms.DecimalField(
        label=gettext_lazy("monitoring threshold (yuan per person per year)"), required=False
    )
    notice_days = forms.IntegerField(label=gettext_lazy("public notice period (days)"))
    notice_grace_days = forms.IntegerField(
        label=gettext_lazy("days the public notice page stays up after the period"),
        min_value=0,
        max_value=365,
        required=False,
        help_text=gettext_lazy(
            "After the notice period and these days, the notice's public page is gone (not found)."
        ),
    )
    appeal_days = forms.IntegerField(label=gettext_lazy("appeal period (days)"))
    stable_years = forms.IntegerField(
        label=gettext_lazy("consecutive years above the line for a stable exit"),
        min_value=1,
        max_value=5,
        help_text=gettext_lazy(
            "稳定超过: each of these years, ending with the decision year, must have a net "
            "income per person above that year's line. The national default is 1."
        ),
    )
    round_amounts = forms.BooleanField(
        label=gettext_lazy("round imported amounts to the fen (instead of refusing them)"),
        required=False,
        help_text=gettext_lazy(
            "An imported amount of more than two decimals (1234.567) is refused by default; "
            "with this on it is rounded half-up to the fen and the import report warns of it."
        ),
    )
    # A choice, not a checkbox: a form posted without it must not switch the rule off.
    four_eyes = forms.TypedChoiceField(
        label=gettext_lazy("four-eyes rule"),
        choices=[
            ("on", gettext_lazy("On")),
            ("off", gettext_lazy("Off (decisions taken alone are marked in their records)")),
        ],
        coerce=lambda v: v == "on",
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Whoever proposes or submits something may not approve, verify or accept it. "
            "Switching it off is recorded with this version, and every decision then "
            "taken alone says so in its record."
        ),
    )
    countersign_above = forms.DecimalField(
        label=gettext_lazy("payments above this amount need a countersignature (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    income_line_source = forms.CharField(
        label=gettext_lazy("source of the income line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "The document or release the value comes from (a link or its number and date)."
        ),
    )
    income_line_verified = forms.BooleanField(
        label=gettext_lazy("income line verified"),
        required=False,
        help_text=gettext_lazy("Tick only when the value was checked against its source."),
    )
    combining_rule = forms.ChoiceField(
        label=gettext_lazy("combining rule"),
        choices=list(C.COMBINING.items()),
        widget=forms.RadioSelect,
        required=False,
    )
    combining_n = forms.IntegerField(
        label=gettext_lazy("N (1+N rule): guarantee conditions that must fail"),
        min_value=1,
        max_value=6,
        required=False,
    )
    combining_conditions = forms.MultipleChoiceField(
        label=gettext_lazy("conditions of the 1+N rule"),
        choices=[(n, C.condition_label(n)) for n in Assessment.CONDITIONS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    key_assistance = forms.CharField(
        label=gettext_lazy("key-assistance criteria"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono"}),
        help_text=gettext_lazy(
            'JSON: a list of {"code", "text", "text_en", "any_member": {"health": [...]}, '
            '"no_member": {"labour": [...]}}; fields health and labour, values as in the '
            "registry's code lists. Empty: no key-assistance flag."
        ),
    )
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea)
    reason = forms.CharField(label=gettext_lazy("Reason for the change"))


def _source_choices() -> list[tuple[str, Any]]:
    """How a clause is decided, grouped by kind: the value is "kind:rule"."""
    return [
        ("", "—"),
        (
            str(C.KINDS[C.DEPARTMENT]),
            [
                (f"{C.DEPARTMENT}:{rule}", f"{rule} {Rule(rule).label}")
                for rule in sorted(r.value for r in EXCLUSION_RULES)
            ],
        ),
        (
            str(C.KINDS[C.REGISTRY]),
            [(f"{C.REGISTRY}:{name}", text) for name, text in C.REGISTRY_RULES.items()]
            + [(FIELD_SOURCE, gettext_lazy("a household field compared with a value"))],
        ),
        (str(C.KINDS[C.ATTESTATION]), [(C.ATTESTATION, C.KINDS[C.ATTESTATION])]),
    ]


FIELD_SOURCE = "registry_field"


class ClauseForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40)
    text = forms.CharField(label=gettext_lazy("Text (Chinese)"), required=False)
    text_en = forms.CharField(label=gettext_lazy("Text (English)"), required=False)
    source = forms.ChoiceField(label=gettext_lazy("Decided by"))
    field = forms.ChoiceField(
        label=gettext_lazy("field"),
        required=False,
        choices=[("", "—")] + [(n, gettext_lazy(C.field_label(n))) for n in C.FIELD_NAMES],
    )
    op = forms.ChoiceField(
        label=gettext_lazy("comparison"),
        required=False,
        choices=[("", "—")] + [(o, o) for o in C.OPS],
    )
    value = forms.CharField(label=gettext_lazy("value"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["source"]).choices = _source_choices()

    def clause(self) -> dict[str, Any]:
        """The clause as policy data."""
        d = self.cleaned_data
        out: dict[str, Any] = {"code": d["code"].strip()}
        for key in ("text", "text_en"):
            if d.get(key):
                out[key] = d[key].strip()
        source = d["source"]
        if source == FIELD_SOURCE:
            out.update(kind=C.REGISTRY, field=d.get("field"), op=d.get("op"), value=d.get("value"))
        elif source == C.ATTESTATION:
            out["kind"] = C.ATTESTATION
        else:
            kind, _sep, rule = source.partition(":")
            out.update(kind=kind, rule=rule)
        return out


ClauseFormSet = forms.formset_factory(ClauseForm, extra=2, can_delete=True)


def _clause_initial(clause: dict) -> dict[str, Any]:
    c = C.normalise(clause)
    if c["kind"] == C.ATTESTATION:
        source = C.ATTESTATION
    elif c["kind"] == C.REGISTRY and not c.get("rule"):
        source = FIELD_SOURCE
    else:
        source = f"{c['kind']}:{c.get('rule')}"
    return {
        "code": c["code"],
        "text": c.get("text", ""),
        "text_en": c.get("text_en", ""),
        "source": source,
        "field": c.get("field", ""),
        "op": c.get("op", ""),
        "value": c.get("value", ""),
    }


@login_required
def policy_new_version(request, pk):
    base = _get(request, pk)
    require_capability(request.user, Capability.CONFIGURE)
    scopes = []
    if base.region is not None:
        scopes.append((base.region_id, base.region.name))
    if request.user.area_id and request.user.area_id != base.region_id:
        scopes.append((request.user.area_id, request.user.area.name))
    if request.user.is_superuser and base.region_id is None:
        scopes.insert(0, ("", _("National")))
    combining = C.combining_of(base.combining)
    initial = {
        "effective_from": base.effective_from,
        "income_line": base.income_line,
        "monitoring_threshold": base.monitoring_threshold,
        "notice_days": base.notice_days,
        "notice_grace_days": base.notice_grace_days,
        "appeal_days": base.appeal_days,
        "stable_years": base.stable_years,
        "round_amounts": base.round_amounts,
        "four_eyes": "on" if base.four_eyes else "off",
        "countersign_above": base.countersign_above,
        "income_line_source": base.income_line_source,
        "income_line_verified": base.income_line_verified,
        "combining_rule": combining["rule"],
        "combining_n": combining.get("n", 1),
        "combining_conditions": combining.get("conditions", list(Assessment.CONDITIONS)),
        "key_assistance": json.dumps(base.key_assistance, ensure_ascii=False, indent=1)
        if base.key_assistance
        else "",
        "note": base.note,
    }
    form = NewVersionForm(request.POST or None, initial=initial)
    # A post without the clause rows (or the combining rule, or the criteria) keeps the
    # base's: a form that leaves them out must not drop them.
    posted_clauses = request.method == "POST" and "clauses-TOTAL_FORMS" in request.POST
    clauses = ClauseFormSet(
        request.POST if posted_clauses else None,
        initial=[_clause_initial(c) for c in base.exclusions or []],
        prefix="clauses",
    )
    cast(forms.ChoiceField, form.fields["scope"]).choices = scopes
    clause_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and (not posted_clauses or clauses.is_valid()):
        data = dict(form.cleaned_data)
        if posted_clauses:
            data["exclusions"] = [
                f.clause()
                for f in clauses.forms
                if f.has_changed() or f.initial
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
        rule = data.pop("combining_rule")
        n, conditions = data.pop("combining_n"), data.pop("combining_conditions")
        if rule:
            data["combining"] = (
                {
                    "rule": rule,
                    "n": n or 1,
                    "conditions": conditions or list(Assessment.CONDITIONS),
                }
                if rule == C.ONE_PLUS_N
                else {"rule": rule}
            )
        if "key_assistance" not in request.POST:
            data.pop("key_assistance")
        else:
            try:
                data["key_assistance"] = json.loads(data["key_assistance"] or "[]")
                if not isinstance(data["key_assistance"], list):
                    raise ValueError
            except ValueError:
                data["key_assistance"] = None
        if data.get("countersign_above") is None:  # left empty: the base's threshold
            data.pop("countersign_above", None)
        if data.get("notice_grace_days") is None:  # left empty: the base's days
            data.pop("notice_grace_days", None)
        scope = data.pop("scope")
        reason = data.pop("reason")
        try:
            if "key_assistance" in data and data["key_assistance"] is None:
                raise ValidationFailed({"key_assistance": [_("Write a JSON list of criteria.")]})
            new = services.policy_new_version(
                actor=request.user,
                base=base,
                data=data,
                reason=reason,
                region_code=scope or None,
            )
        except (NotAllowed, OutsideArea):
            raise PermissionDenied from None
        except DomainError as exc:
            errors = dict(getattr(exc, "errors", None) or {})
            clause_errors = errors.pop("exclusions", [])
            if clause_errors:
                form.add_error(None, _("Some exclusion clauses are not valid: see the clauses."))
            for field, errs in errors.items():
                field = "combining_rule" if field == "combining" else field
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
            if not getattr(exc, "errors", None) and not form.errors:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("A new version of the policy was saved."))
            return redirect("policy:detail", pk=new.pk)
    return render_page(
        request,
        "policy/new_version.html",
        {
            "policy": base,
            "form": form,
            "clauses": clauses,
            "clause_errors": clause_errors,
            "four_eyes_off": not base.four_eyes,
        },
    )


# ---------------------------------------------------------------- attestations


class AttestationForm(forms.Form):
    clause_code = forms.ChoiceField(label=gettext_lazy("clause"))
    verdict = forms.ChoiceField(
        label=gettext_lazy("verdict"), choices=AttestationVerdict.choices, widget=forms.RadioSelect
    )
    attested_on = forms.DateField(label=gettext_lazy("date of the appraisal"))
    file = forms.FileField(label=gettext_lazy("evidence"), required=False)
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea)


def _attestation_clauses(household) -> list[tuple[str, str]]:
    """The attestation clauses of the policies that apply to the household (code, text)."""
    clauses = services.attestation_clauses(household.village_id)
    return [(code, f"{code} {C.exclusion_text(c)}") for code, c in sorted(clauses.items())]


@capability_required(Capability.VIEW_REGISTRY)
def household_attest(request, pk):
    """The village appraisal's attestations of a household: the list, and a form to
    record one (editing roles of the area)."""
    household = Household.objects.restrict(request.user).filter(pk=pk).first()
    if household is None:
        raise Http404
    rows = (
        ExclusionAttestation.objects.restrict(request.user)
        .filter(household=household)
        .select_related("attested_by")
    )
    form = None
    if request.user.may_edit:
        form = AttestationForm(request.POST or None, request.FILES or None)
        cast(forms.ChoiceField, form.fields["clause_code"]).choices = _attestation_clauses(
            household
        )
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            done = call_service(
                form,
                services.attestation_record,
                actor=request.user,
                household=household,
                clause_code=d["clause_code"],
                verdict=d["verdict"],
                attested_on=d["attested_on"],
                upload=d.get("file"),
                note=d.get("note") or "",
            )
            if done is not None:
                messages.success(request, _("The attestation was recorded."))
                return redirect("policy:attest", pk=household.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render_page(
        request,
        "policy/attest.html",
        {"household": household, "rows": rows, "form": form},
    )


@capability_required(Capability.VIEW_REGISTRY)
def attestation_file(request, pk):
    a = ExclusionAttestation.objects.restrict(request.user).filter(pk=pk).first()
    if a is None or not a.file:
        raise Http404
    return a.file_response(as_attachment=a.content_type not in INLINE_TYPES)
