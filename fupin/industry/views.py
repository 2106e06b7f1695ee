"""Pages of the benefit-linking ledger: the register of enterprises and cooperatives
(keyset paged), an enterprise with its links, the links (keyset paged), a link with its
decision, end and dividends, a new link for a household, the consumption-assistance
purchases, and the area's workbook. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fupin.accounts.roles import Capability
from fupin.core.errors import ValidationFailed
from fupin.industry import rules, selectors, services
from fupin.industry.forms import (
    ConfirmAllForm,
    DecisionForm,
    DividendForm,
    EndForm,
    EnterpriseEditForm,
    EnterpriseFilterForm,
    EnterpriseForm,
    LinkFilterForm,
    LinkForm,
    PurchaseFilterForm,
    PurchaseForm,
)
from fupin.programmes.downloads import ledger_download
from fupin.registry import selectors as registry_selectors
from fupin.web import params, queries
from fupin.web.views.common import (
    Action,
    call_service,
    capability_required,
    dispatch_action,
    render_page,
)

ENTERPRISE_FIELDS = ("name", "kind", "sector", "representative")


@login_required
def enterprise_list(request):
    user = request.user
    form = EnterpriseFilterForm(request.GET, area_choices=queries.area_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.EnterpriseFilters(
        area=data.get("area", ""),
        kind=data.get("kind", ""),
        sector=data.get("sector", ""),
        name=data.get("name", ""),
    )
    page = selectors.enterprise_page(
        user=user, filters=filters, **params.keyset_cursor(request.GET)
    )
    return render_page(
        request,
        "industry/enterprise_list.html",
        {"form": form, "page": page, "may_add": selectors.may_edit(user, user.area_id or "")},
    )


@login_required
def enterprise_new(request):
    user = request.user
    form = EnterpriseForm(request.POST or None, areas=queries.area_and_below(user))
    if request.method == "POST" and form.is_valid():
        found = call_service(form, services.enterprise_register, actor=user, data=form.cleaned_data)
        if found is not None:
            return redirect("industry:enterprise", pk=found.pk)
    return render_page(request, "industry/enterprise_new.html", {"form": form})


@login_required
def enterprise_detail(request, pk: int):
    user = request.user
    enterprise = selectors.enterprise_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    actions = {
        "edit": Action(
            lambda: EnterpriseEditForm(post),
            lambda d: services.enterprise_update(actor=user, enterprise=enterprise, data=d),
        ),
        "confirm_all": Action(
            lambda: ConfirmAllForm(post),
            lambda d: services.links_confirm(
                actor=user, enterprise=enterprise, reason=d.get("reason", "")
            ),
            run_invalid=True,
        ),
    }
    initial = {name: getattr(enterprise, name) for name in ENTERPRISE_FIELDS}
    forms: dict[str, BaseForm] = {
        "edit": EnterpriseEditForm(initial=initial),
        "confirm_all": ConfirmAllForm(),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            if outcome.name == "confirm_all":
                confirmed, left = outcome.done
                messages.success(
                    request,
                    _("%(n)d links confirmed; %(left)d left for another user to decide.")
                    % {"n": confirmed, "left": left},
                )
            return redirect("industry:enterprise", pk=enterprise.pk)
        forms[outcome.name] = outcome.form
    pending, may_confirm = selectors.pending_links(user, enterprise)
    return render_page(
        request,
        "industry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "rows": selectors.enterprise_links(user, enterprise),
            "pending": pending,
            "may_confirm": may_confirm,
            "may_edit": selectors.may_edit(user, enterprise.division_id),
            "forms": forms,
        },
    )


@login_required
def link_list(request):
    user = request.user
    form = LinkFilterForm(request.GET, area_choices=queries.area_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.LinkFilters(
        area=data.get("area", ""),
        mode=data.get("mode", ""),
        status=data.get("status", ""),
        enterprise=data.get("enterprise", ""),
    )
    page = selectors.link_page(user=user, filters=filters, **params.keyset_cursor(request.GET))
    return render_page(request, "industry/link_list.html", {"form": form, "page": page})


@login_required
def link_new(request, household: int):
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    choices = selectors.enterprise_choices(user)
    form = LinkForm(request.POST or None, enterprises=choices)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        enterprise = next(e for e in choices if e.pk == d.pop("enterprise"))
        link = call_service(
            form, services.link_propose, actor=user, enterprise=enterprise, household=h, data=d
        )
        if link is not None:
            return redirect("industry:link", pk=link.pk)
    return render_page(request, "industry/link_new.html", {"form": form, "household": h})


@login_required
def link_detail(request, pk: int):
    user = request.user
    link = selectors.link_get(user=user, pk=pk)
    post = request.POST if request.method == "POST" else None
    actions = {
        "decide": Action(
            lambda: DecisionForm(post),
            lambda d: services.link_decide(
                actor=user, link=link, approve=d["approve"], reason=d.get("reason", "")
            ),
        ),
        "end": Action(
            lambda: EndForm(post),
            lambda d: services.link_end(
                actor=user, link=link, ends_on=d["ends_on"], reason=d["reason"]
            ),
        ),
        "dividend": Action(
            lambda: DividendForm(post),
            lambda d: services.dividend_record(actor=user, link=link, data=d),
        ),
    }
    forms: dict[str, BaseForm] = {
        "decide": DecisionForm(),
        "end": EndForm(),
        "dividend": DividendForm(),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("industry:link", pk=link.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "industry/link_detail.html",
        {
            "link": link,
            "dividends": selectors.link_dividends(link),
            "may_edit": selectors.may_edit(user, link.village_id),
            "may_decide": selectors.may_decide(user, link),
            "takes_dividends": link.mode in rules.DIVIDEND_MODES,
            "forms": forms,
        },
    )


@login_required
def purchase_list(request):
    user = request.user
    form = PurchaseFilterForm(request.GET, area_choices=queries.area_choices(user))
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.PurchaseFilters(
        area=data.get("area", ""), buyer=data.get("buyer", ""), year=data.get("year")
    )
    page = selectors.purchase_page(user=user, filters=filters, **params.keyset_cursor(request.GET))
    return render_page(
        request,
        "industry/purchase_list.html",
        {"form": form, "page": page, "may_add": selectors.may_edit(user, user.area_id or "")},
    )


def _supplier(user, code: str, number: str):
    """The enterprise (by credit code) or household (by number) of the user's area."""
    enterprise = household = None
    if code:
        enterprise = selectors.enterprises(user).filter(credit_code=rules.normal_code(code)).first()
        if enterprise is None:
            raise ValidationFailed(
                {"supplier_code": [_("No enterprise with this credit code in your area.")]}
            )
    if number:
        household = registry_selectors.household_queryset(user).filter(number=number).first()
        if household is None:
            raise ValidationFailed(
                {"supplier_household": [_("No household with this number in your area.")]}
            )
    return enterprise, household


@login_required
def purchase_new(request):
    user = request.user
    form = PurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)

        def record():
            enterprise, household = _supplier(
                user, d.pop("supplier_code", ""), d.pop("supplier_household", "")
            )
            return services.purchase_record(
                actor=user, enterprise=enterprise, household=household, data=d
            )

        if call_service(form, record) is not None:
            return redirect("industry:purchases")
    return render_page(request, "industry/purchase_new.html", {"form": form})


@capability_required(Capability.EXPORT_AREA)
def export(request):
    """The area's register, links, dividends and purchases as a workbook in the
    import's layout: for the roles that may export an area, like the other exports."""
    return ledger_download(request, "industry")
