"""Pages of the microcredit ledger: the loans of the user's area, a loan with its
schedule, repayments and extensions and the forms of the services, a new loan for a
household, and the area's workbook. Thin: parse, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.forms import BaseForm
from django.http import Http404
from django.shortcuts import redirect

from fupin.accounts.roles import Capability
from fupin.microcredit import selectors, services
from fupin.microcredit.forms import (
    DecisionForm,
    ExtensionForm,
    LoanFilterForm,
    LoanForm,
    RepaymentForm,
    WriteOffForm,
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


@login_required
def loan_list(request):
    user = request.user
    form = LoanFilterForm(
        request.GET, area_choices=queries.area_choices(user), banks=selectors.banks(user)
    )
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.LoanFilters(
        area=data.get("area", ""),
        bank=data.get("bank", ""),
        status=data.get("status", ""),
        overdue=bool(data.get("overdue")),
    )
    page = selectors.loan_page(
        user=user,
        filters=filters,
        older=params.parse_int(request.GET.get("older")),
        newer=params.parse_int(request.GET.get("newer")),
    )
    return render_page(
        request,
        "microcredit/loan_list.html",
        {"form": form, "rows": page.rows, "page": page},
    )


@login_required
def loan_detail(request, pk: int):
    user = request.user
    loan = selectors.loan_get(user=user, pk=pk)
    pending = selectors.pending_extension(loan)
    post = request.POST if request.method == "POST" else None
    actions = {
        "repay": Action(
            lambda: RepaymentForm(post),
            lambda d: services.repayment_record(
                actor=user,
                loan=loan,
                paid_on=d["paid_on"],
                principal=d["principal"],
                interest=d.get("interest") or 0,
                note=d.get("note", ""),
                receipt=d.get("receipt", ""),
            ),
        ),
        "extend": Action(
            lambda: ExtensionForm(post),
            lambda d: services.extension_propose(
                actor=user, loan=loan, new_due_on=d["new_due_on"], reason=d["reason"]
            ),
        ),
        "decide": Action(
            lambda: DecisionForm(post),
            lambda d: (
                services.extension_decide(
                    actor=user, extension=pending, approve=d["approve"], reason=d.get("reason", "")
                )
                if pending is not None
                else None
            ),
            # Not run_invalid: without a valid decision there is nothing to decide (the
            # form's 422); the service still refuses a user who may not decide (403).
        ),
        "write_off": Action(
            lambda: WriteOffForm(post),
            lambda d: services.loan_write_off(actor=user, loan=loan, reason=d.get("reason", "")),
            run_invalid=True,
        ),
    }
    forms: dict[str, BaseForm] = {
        "repay": RepaymentForm(),
        "extend": ExtensionForm(),
        "decide": DecisionForm(),
        "write_off": WriteOffForm(),
    }
    if request.method == "POST":
        outcome = dispatch_action(request, actions)
        if outcome.done is not None:
            return redirect("microcredit:detail", pk=loan.pk)
        forms[outcome.name] = outcome.form
    return render_page(
        request,
        "microcredit/loan_detail.html",
        {
            "loan": loan,
            "schedule": list(loan.schedule.all()),
            "repayments": list(loan.repayments.all()),
            "extensions": list(loan.extensions.select_related("proposed_by", "approved_by")),
            "repaid": selectors.repaid_principal(loan),
            "pending": pending,
            "may_edit": selectors.may_edit(user, loan),
            "may_decide": pending is not None and selectors.may_decide(user, pending),
            "may_write_off": selectors.may_write_off(user, loan),
            "forms": forms,
        },
    )


@login_required
def loan_new(request, household: int):
    user = request.user
    h = registry_selectors.household_queryset(user).filter(pk=household).first()
    if h is None:
        raise Http404
    members = list(h.members.filter(is_active=True).order_by("id"))
    form = LoanForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        borrower = next((m for m in members if m.pk == d.pop("borrower")), None)
        d["credit_rating"] = d.get("credit_rating") or ""
        loan = call_service(
            form, services.loan_disburse, actor=user, household=h, borrower=borrower, data=d
        )
        if loan is not None:
            return redirect("microcredit:detail", pk=loan.pk)
    return render_page(request, "microcredit/loan_new.html", {"form": form, "household": h})


@capability_required(Capability.EXPORT_AREA)
def loan_export(request):
    """The area's loans and repayments as a workbook in the import's layout: for the
    roles that may export an area (not a paired cadre), like the other exports."""
    return ledger_download(request, "microcredit")
