from __future__ import annotations

import json
from typing import cast

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
from fupin.core.errors import DomainError, NotAllowed, OutsideArea
from fupin.core.scope import area_prefix_of, code_range
from fupin.geo.codes import ancestor_codes
from fupin.policy import clauses as C
from fupin.policy import services
from fupin.policy.models import PolicySet
from fupin.policy.selectors import versions_of
from fupin.web.views.common import capability_required, render_page, require_capability


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
        {"code": c["code"], "text": C.exclusion_text(c), "trigger": c.get("trigger", "")}
        for c in policy.exclusions or []
    ]
    return render_page(
        request,
        "policy/detail.html",
        {
            "policy": policy,
            "exclusions": exclusions,
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
    exclusions = forms.MultipleChoiceField(
        label=gettext_lazy("exclusion clauses"),
        choices=[(k, v) for k, v in C.EXCLUSION_TEXT.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea)
    reason = forms.CharField(label=gettext_lazy("Reason for the change"))


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
        "exclusions": [c["code"] for c in base.exclusions or []],
        "note": base.note,
    }
    form = NewVersionForm(request.POST or None, initial=initial)
    cast(forms.ChoiceField, form.fields["scope"]).choices = scopes
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["exclusions"] = [{"code": c, "trigger": c} for c in data["exclusions"]]
        if data.get("countersign_above") is None:  # left empty: the base's threshold
            data.pop("countersign_above", None)
        if data.get("notice_grace_days") is None:  # left empty: the base's days
            data.pop("notice_grace_days", None)
        scope = data.pop("scope")
        reason = data.pop("reason")
        try:
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
            for field, errs in (getattr(exc, "errors", None) or {}).items():
                for e in errs:
                    form.add_error(field if field in form.fields else None, e)
            if not getattr(exc, "errors", None):
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("A new version of the policy was saved."))
            return redirect("policy:detail", pk=new.pk)
    return render_page(
        request,
        "policy/new_version.html",
        {"policy": base, "form": form, "json": json, "four_eyes_off": not base.four_eyes},
    )
