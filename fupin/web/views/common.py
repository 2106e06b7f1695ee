"""What every page view shares (the shared view toolkit, base layer): the role check,
calling a service, dispatching a page's actions, and answering 422 to an invalid form."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from fupin.accounts.roles import has_capability
from fupin.accounts.types import Actor, SignedInRequest, User
from fupin.core.errors import DomainError, NotAllowed, OutsideArea
from fupin.web.forms import apply_errors

# An invalid form's page: the form with its errors, answered "422 Unprocessable Content"
# (the browser shows the page as any other; tests and tools see the refusal).
INVALID_FORM_STATUS = 422

# A view answers any response: a page (HttpResponse), a download (FileResponse), …
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def _has_all(user: Actor, capabilities: tuple[str, ...]) -> bool:
    return all(has_capability(user, cap) for cap in capabilities)


def require_access(
    user: User, test: Callable[[User], bool], *, deny: type[Exception] = PermissionDenied
) -> None:
    """Raise `deny` (403 by default; Http404 where a page must not admit it exists) unless
    `test(user)` allows the user (a rule's predicate, e.g. `monitoring.selectors.may_read`)."""
    if not test(user):
        raise deny


def require_capability(
    user: Actor, *capabilities: str, deny: type[Exception] = PermissionDenied
) -> None:
    """`require_access` with the role table: every one of `capabilities` is needed (an
    anonymous visitor holds none)."""
    if not _has_all(user, capabilities):
        raise deny


def access_required(
    test: Callable[[User], bool], *, deny: type[Exception] = PermissionDenied
) -> Callable[[View], View]:
    """A page for users that `test(user)` allows: an anonymous visitor is sent to the login
    page, a signed-in user that the test refuses gets `deny` (403 by default) before the
    view runs.

    Pages that must first find their object (so that an object outside the user's area
    is a 404 whatever the role) call `require_access`/`require_capability` after finding
    it instead."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def checked(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            require_access(request.user, test, deny=deny)
            return view(request, *args, **kwargs)

        return cast(View, login_required(checked))

    return decorator


def capability_required(
    *capabilities: str, deny: type[Exception] = PermissionDenied
) -> Callable[[View], View]:
    """`access_required` with the role table: a page for roles holding every one of
    `capabilities` (`@capability_required(Capability.VIEW_REGISTRY)`)."""
    return access_required(lambda u: _has_all(u, capabilities), deny=deny)


def call_service[**P, T](
    form: BaseForm, service: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """Run a write service; domain errors land on the form, scope errors become 404/403.

    Returns the service's result, or None when the form now carries errors.
    """
    try:
        return service(*args, **kwargs)
    except OutsideArea:
        raise Http404 from None
    except NotAllowed as exc:  # the 403 page shows why (and who else must act)
        raise PermissionDenied(str(exc.message)) from None
    except DomainError as exc:
        apply_errors(form, exc)
        return None
    except ValidationError as exc:  # a model's full_clean inside a service
        for name, msgs in exc.message_dict.items():
            for msg in msgs:
                form.add_error(name if name in form.fields else None, msg)
        return None


@dataclass(frozen=True)
class Action:
    """One write a page offers: `form()` binds its form to the POST (an action without
    fields binds nothing, and the form only carries the service's refusal), `run(data)`
    calls the service with the form's cleaned data. With `run_invalid`, the service runs
    even when the form is invalid, so that its refusal (a 403 that says why) wins over
    the form's errors for a user who may not act at all."""

    form: Callable[[], BaseForm]
    run: Callable[[dict[str, Any]], Any]
    run_invalid: bool = False


@dataclass(frozen=True)
class Outcome:
    name: str  # the action that ran
    form: BaseForm  # its form: bound, with the errors to show again when `done` is None
    done: Any  # the service's result; None when the form now carries errors


def dispatch_action(
    request: HttpRequest, actions: Mapping[str, Action], name: str | None = None
) -> Outcome:
    """A detail page with several actions posted to it: the POST's `action` (or `name`,
    where the page tells its forms apart otherwise) names one of `actions` (an unknown one
    is a 404). Its form is bound, and if it is valid (or `run_invalid`) its service runs
    through `call_service` (domain errors land on the form, scope errors are 404/403). On
    success the caller redirects; otherwise it renders the page again with `outcome.form`
    in place of that action's empty form (`render_page` answers 422)."""
    if name is None:
        name = request.POST.get("action", "")
    if name not in actions:
        raise Http404
    action = actions[name]
    form = action.form()
    done = None
    if form.is_valid() or action.run_invalid:
        done = call_service(form, action.run, getattr(form, "cleaned_data", {}))
    return Outcome(name, form, done)


def _has_errors(value: Any) -> bool:
    if isinstance(value, BaseFormSet):
        return value.is_bound and not value.is_valid()
    if isinstance(value, BaseForm):
        return value.is_bound and bool(value.errors)  # validated once (cached)
    return False


def invalid_form_in(context: Mapping[str, Any] | None) -> bool:
    """Whether the page's context holds a form (or formset) with errors, directly or in a
    list, tuple or dict of the context."""
    for value in (context or {}).values():
        items = list(value.values()) if isinstance(value, dict) else value
        if isinstance(items, list | tuple):
            if any(_has_errors(v) for v in items):
                return True
        elif _has_errors(value):
            return True
    return False


def render_page(
    request: HttpRequest,
    template: str,
    context: Mapping[str, Any] | None = None,
    status: int | None = None,
) -> HttpResponse:
    """`render`, answering 422 when a POST's page shows a form with errors (one rule for
    every app: an invalid form is never a 200)."""
    if status is None and request.method == "POST" and invalid_form_in(context):
        status = INVALID_FORM_STATUS
    return render(request, template, context, status=status)
